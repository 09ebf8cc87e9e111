//! SQL for payments (the money that moved, or is waiting for an admin). Reads are scoped by
//! account; every status change is conditional on the status it leaves, so a decision is made
//! exactly once.

use super::model::{PaymentMethodKind, PaymentStatus, PaymentView};
use crate::backend::clock::rfc3339;
use crate::backend::db::Arg;
use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp, Tx};
use crate::common::{Currency, Money};
use sqlx::Row;

const VIEW: &str = "SELECT p.id, p.invoice_id, i.number AS invoice_number, p.method_kind, p.status, p.amount, \
     p.currency, p.failure_code, p.reference, p.receipt_content_type, p.note, p.created_at, a.name AS account_name \
     FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN accounts a ON a.id = p.account_id";

pub fn view_from_row(row: &sqlx::any::AnyRow) -> Result<PaymentView, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let receipt_content_type: Option<String> = row.try_get("receipt_content_type")?;
    Ok(PaymentView {
        receipt_url: receipt_content_type
            .as_ref()
            .map(|_| format!("/api/v1/billing/payments/{id}/receipt/")),
        invoice_id: row.try_get("invoice_id")?,
        invoice_number: row.try_get("invoice_number")?,
        method_kind: row.try_get("method_kind")?,
        status: row.try_get("status")?,
        amount: Money::new(row.try_get("amount")?, currency),
        failure_code: row.try_get("failure_code")?,
        receipt_content_type,
        reference: row.try_get("reference")?,
        note: row.try_get("note")?,
        account_name: row.try_get("account_name")?,
        created_at: rfc3339(row.try_get("created_at")?),
        id,
    })
}

pub struct NewPayment<'a> {
    pub account_id: &'a str,
    pub invoice_id: &'a str,
    pub payment_method_id: Option<&'a str>,
    pub method_kind: PaymentMethodKind,
    /// `Pending` (a charge is about to happen) or `AwaitingApproval` (a bank transfer).
    pub status: PaymentStatus,
    pub amount: i64,
    pub currency: &'a str,
    pub reference: Option<&'a str>,
    /// The type of the receipt stored with it (`receipts::store`), if one is.
    pub receipt_content_type: Option<&'a str>,
    pub at: Timestamp,
}

/// Records a payment; a second pending or awaiting payment of the same invoice is a unique
/// violation of `payments_one_awaiting_key`.
pub async fn insert(tx: &mut Tx, new: NewPayment<'_>) -> Result<String, sqlx::Error> {
    let id = new_id("pay");
    sqlx::query(
        "INSERT INTO payments (id, account_id, invoice_id, payment_method_id, method_kind, status, amount, currency, \
         reference, receipt_content_type, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(&id)
    .bind(new.account_id)
    .bind(new.invoice_id)
    .bind(new.payment_method_id)
    .bind(new.method_kind)
    .bind(new.status)
    .bind(new.amount)
    .bind(new.currency)
    .bind(new.reference)
    .bind(new.receipt_content_type)
    .bind(new.at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The charge of this invoice that was started but never settled (a crash mid-request), if any.
pub async fn pending_of_invoice(
    tx: &mut Tx,
    invoice_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM payments WHERE invoice_id = $1 AND status = 'pending'")
        .bind(invoice_id)
        .fetch_optional(&mut **tx)
        .await
}

/// pending → succeeded / failed. False when it was settled already.
pub async fn settle_charge(
    tx: &mut Tx,
    id: &str,
    charge_id: &str,
    failure_code: Option<&str>,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let status = if failure_code.is_some() {
        PaymentStatus::Failed
    } else {
        PaymentStatus::Succeeded
    };
    let done = sqlx::query(
        "UPDATE payments SET status = $2, gateway_charge_id = $3, failure_code = $4, updated_at = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(charge_id)
    .bind(failure_code)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// awaiting_approval → succeeded / rejected, by an admin. False when someone decided first.
pub async fn decide(
    tx: &mut Tx,
    id: &str,
    approve: bool,
    admin_id: &str,
    note: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payments SET status = $2, decided_by = $3, note = $4, decided_at = $5, updated_at = $5 \
         WHERE id = $1 AND status = 'awaiting_approval'",
    )
    .bind(id)
    .bind(PaymentStatus::decided(approve))
    .bind(admin_id)
    .bind(note)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The invoice a payment pays, for deciding it.
pub async fn invoice_of(tx: &mut Tx, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT invoice_id FROM payments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn find(
    db: &Db,
    account_id: Option<&str>,
    id: &str,
) -> Result<Option<PaymentView>, sqlx::Error> {
    let row = match account_id {
        Some(account_id) => {
            sqlx::query(&format!("{VIEW} WHERE p.account_id = $1 AND p.id = $2"))
                .bind(account_id)
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        }
        None => {
            sqlx::query(&format!("{VIEW} WHERE p.id = $1"))
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        }
    };
    row.as_ref().map(view_from_row).transpose()
}

/// The receipt of a payment, if it has one: the file it was kept in by older versions (`None`:
/// it is in the database) and its content type. `account_id` None = any account (admins).
pub async fn receipt(
    db: &Db,
    account_id: Option<&str>,
    id: &str,
) -> Result<Option<(Option<String>, String)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT receipt_file, receipt_content_type FROM payments WHERE id = $1 AND ($2 IS NULL OR account_id = $2)",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.and_then(|(file, kind)| Some((file, kind?))))
}

/// Payments newest first: of one account, or (`None`) of all accounts, optionally by status.
pub async fn list(
    db: &Db,
    account_id: Option<&str>,
    status: Option<PaymentStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PaymentView>, i64), sqlx::Error> {
    let filter = "($1 IS NULL OR p.account_id = $1) AND ($2 IS NULL OR p.status = $2)";
    let rows = sqlx::query(&format!(
        "{VIEW} WHERE {filter} ORDER BY p.created_at DESC, p.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(account_id)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM payments p WHERE {filter}"
    ))
    .bind(account_id)
    .bind(status)
    .fetch_one(db.pool())
    .await?;
    let items = rows.iter().map(view_from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// The admin payments list's filters: status, method, account and a date range (inclusive UTC
/// days, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PaymentFilter {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// `SELECT … WHERE …` of the filtered list (newest first) with its arguments; 422 for a bad date.
pub fn admin_query(filter: &PaymentFilter) -> crate::common::AppResult<(String, Vec<Arg>)> {
    let [from, to] = crate::backend::db::day_range(&filter.from, &filter.to)?;
    let args = vec![
        Arg::filter(&filter.status),
        Arg::filter(&filter.method),
        Arg::filter(&filter.account_id),
        from,
        to,
    ];
    let sql = format!(
        "{VIEW} WHERE ($1 = '' OR p.status = $1) AND ($2 = '' OR p.method_kind = $2) \
         AND ($3 = '' OR p.account_id = $3) AND p.created_at >= $4 AND p.created_at < $5 \
         ORDER BY p.created_at DESC, p.id DESC"
    );
    Ok((sql, args))
}

/// A page of the filtered list and how many match.
pub async fn admin_list(
    db: &Db,
    filter: &PaymentFilter,
    limit: i64,
    offset: i64,
) -> crate::common::AppResult<(Vec<PaymentView>, i64)> {
    let (sql, args) = admin_query(filter)?;
    let (rows, total) = crate::backend::db::fetch_page(db, &sql, args, limit, offset).await?;
    let items = rows.iter().map(view_from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

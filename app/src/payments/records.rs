//! SQL for payments (the money that moved, or is waiting for an admin). Reads are scoped by
//! account; every status change is conditional on the status it leaves, so a decision is made
//! exactly once.

use super::model::{PaymentMethodKind, PaymentStatus, PaymentView};
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::listing::{DayRange, Filter, ListQuery};
use crate::backend::{Db, Timestamp, Tx};
use crate::common::{Currency, Money, Page, PageRequest};

const VIEW: &str = "SELECT p.id, p.invoice_id, i.number AS invoice_number, p.method_kind, p.status, p.amount, \
     p.currency, p.failure_code, p.reference, p.receipt_content_type, p.note, p.created_at, a.name AS account_name \
     FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN accounts a ON a.id = p.account_id";

/// A row of [`VIEW`].
#[derive(sqlx::FromRow)]
pub struct PaymentRow {
    id: String,
    invoice_id: String,
    invoice_number: String,
    method_kind: PaymentMethodKind,
    status: PaymentStatus,
    amount: i64,
    currency: Currency,
    failure_code: Option<String>,
    reference: Option<String>,
    receipt_content_type: Option<String>,
    note: Option<String>,
    created_at: Timestamp,
    account_name: String,
}

impl From<PaymentRow> for PaymentView {
    fn from(row: PaymentRow) -> PaymentView {
        PaymentView {
            receipt_url: row
                .receipt_content_type
                .as_ref()
                .map(|_| format!("/api/v1/billing/payments/{}/receipt/", row.id)),
            invoice_id: row.invoice_id,
            invoice_number: row.invoice_number,
            method_kind: row.method_kind,
            status: row.status,
            amount: Money::new(row.amount, row.currency),
            failure_code: row.failure_code,
            receipt_content_type: row.receipt_content_type,
            reference: row.reference,
            note: row.note,
            account_name: row.account_name,
            created_at: rfc3339(row.created_at),
            id: row.id,
        }
    }
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
    let row: Option<PaymentRow> = match account_id {
        Some(account_id) => {
            sqlx::query_as(&format!("{VIEW} WHERE p.account_id = $1 AND p.id = $2"))
                .bind(account_id)
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        }
        None => {
            sqlx::query_as(&format!("{VIEW} WHERE p.id = $1"))
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        }
    };
    Ok(row.map(Into::into))
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

/// The order of every payment list.
const NEWEST_FIRST: &str = "ORDER BY p.created_at DESC, p.id DESC";

/// Payments newest first: of one account, or (`None`) of all accounts, optionally by status.
pub async fn list(
    db: &Db,
    account_id: Option<&str>,
    status: Option<PaymentStatus>,
    page: PageRequest,
) -> Result<Page<PaymentView>, sqlx::Error> {
    let filter = Filter::new()
        .and_set("p.account_id = ?", account_id)
        .and_set("p.status = ?", status.map(PaymentStatus::as_str));
    let list = ListQuery::new(VIEW, filter, NEWEST_FIRST);
    Ok(list.page::<PaymentRow>(db, page).await?.map(Into::into))
}

/// The admin payments list's filters: status, method, account and a date range (inclusive UTC
/// days, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// The filtered list, newest first (the JSON list's and the CSV export's); 422 for a bad date.
pub fn admin_query(filter: &PaymentFilter) -> crate::common::AppResult<ListQuery> {
    let filter = Filter::new()
        .and_set("p.status = ?", filter.status.as_deref())
        .and_set("p.method_kind = ?", filter.method.as_deref())
        .and_set("p.account_id = ?", filter.account_id.as_deref())
        .within("p.created_at", DayRange::parse(&filter.from, &filter.to)?);
    Ok(ListQuery::new(VIEW, filter, NEWEST_FIRST))
}

/// A page of the filtered list and how many match.
pub async fn admin_list(
    db: &Db,
    filter: &PaymentFilter,
    page: PageRequest,
) -> crate::common::AppResult<Page<PaymentView>> {
    let list = admin_query(filter)?;
    Ok(list.page::<PaymentRow>(db, page).await?.map(Into::into))
}

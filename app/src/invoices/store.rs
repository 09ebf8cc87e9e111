//! SQL for invoices. Reads are scoped by account; numbers come from a per-year counter that is
//! bumped in the issuing transaction, so concurrent invoices get distinct, gapless numbers.

use super::model::{InvoiceLineView, InvoicePurpose, InvoiceStatus, InvoiceView};
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp, Tx};
use crate::common::{Currency, Money};
use sqlx::Row;

pub struct NewLine {
    pub description: String,
    pub quantity: i64,
    pub unit_amount: i64,
}

pub struct NewInvoice<'a> {
    pub account_id: &'a str,
    pub purpose: InvoicePurpose,
    pub subscription_id: Option<&'a str>,
    pub plan_id: Option<&'a str>,
    pub package_id: Option<&'a str>,
    pub credits: i64,
    pub period: Option<(Timestamp, Timestamp)>,
    pub currency: &'a str,
    pub lines: Vec<NewLine>,
    pub idempotency_key: Option<&'a str>,
    pub at: Timestamp,
}

/// What paying an invoice must do, read inside the paying transaction.
#[derive(Debug, Clone)]
pub struct InvoiceFacts {
    pub id: String,
    pub account_id: String,
    pub number: String,
    pub status: InvoiceStatus,
    pub purpose: InvoicePurpose,
    pub subscription_id: Option<String>,
    pub plan_id: Option<String>,
    pub package_id: Option<String>,
    pub credits: i64,
    pub period_start: Option<Timestamp>,
    pub period_end: Option<Timestamp>,
    pub currency: String,
    pub total: i64,
}

pub fn format_number(year: i32, n: i64) -> String {
    format!("INV-{year:04}-{n:06}")
}

async fn next_number(tx: &mut Tx, year: i32) -> Result<String, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO invoice_counters (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = invoice_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(year as i64)
    .fetch_one(&mut **tx)
    .await?;
    Ok(format_number(year, n))
}

/// Issues an open invoice with its lines; returns its id.
pub async fn issue(tx: &mut Tx, new: NewInvoice<'_>) -> Result<String, sqlx::Error> {
    let id = new_id("inv");
    let year = time::OffsetDateTime::from_unix_timestamp(new.at)
        .map(time::OffsetDateTime::year)
        .unwrap_or(1970);
    let number = next_number(tx, year).await?;
    let subtotal: i64 = new.lines.iter().map(|l| l.quantity * l.unit_amount).sum();
    let tax = 0;
    sqlx::query(
        "INSERT INTO invoices (id, account_id, number, status, purpose, subscription_id, plan_id, package_id, credits, \
         period_start, period_end, currency, subtotal, tax, total, idempotency_key, issued_at) \
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&id)
    .bind(new.account_id)
    .bind(&number)
    .bind(new.purpose)
    .bind(new.subscription_id)
    .bind(new.plan_id)
    .bind(new.package_id)
    .bind(new.credits)
    .bind(new.period.map(|p| p.0))
    .bind(new.period.map(|p| p.1))
    .bind(new.currency)
    .bind(subtotal)
    .bind(tax)
    .bind(subtotal + tax)
    .bind(new.idempotency_key)
    .bind(new.at)
    .execute(&mut **tx)
    .await?;
    for (position, line) in new.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount, amount) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id("il"))
        .bind(&id)
        .bind(position as i64)
        .bind(&line.description)
        .bind(line.quantity)
        .bind(line.unit_amount)
        .bind(line.quantity * line.unit_amount)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// The invoice a scheduler run issued under `key`, if any.
pub async fn find_by_key(tx: &mut Tx, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM invoices WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(&mut **tx)
        .await
}

const FACTS: &str = "SELECT id, account_id, number, status, purpose, subscription_id, plan_id, package_id, credits, \
     period_start, period_end, currency, total FROM invoices";

fn facts_from_row(row: &sqlx::any::AnyRow) -> Result<InvoiceFacts, sqlx::Error> {
    Ok(InvoiceFacts {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        number: row.try_get("number")?,
        status: row.try_get("status")?,
        purpose: row.try_get("purpose")?,
        subscription_id: row.try_get("subscription_id")?,
        plan_id: row.try_get("plan_id")?,
        package_id: row.try_get("package_id")?,
        credits: row.try_get("credits")?,
        period_start: row.try_get("period_start")?,
        period_end: row.try_get("period_end")?,
        currency: row.try_get("currency")?,
        total: row.try_get("total")?,
    })
}

pub async fn facts(tx: &mut Tx, id: &str) -> Result<Option<InvoiceFacts>, sqlx::Error> {
    let row = sqlx::query(&format!("{FACTS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(facts_from_row).transpose()
}

/// Open → paid. False when it was not open (already paid or void): the caller then must not
/// apply its effects again.
pub async fn mark_paid(tx: &mut Tx, id: &str, at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invoices SET status = 'paid', paid_at = $2 WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Open → void. An upgrade waiting on this invoice is over with it (the plan stays).
pub async fn void(tx: &mut Tx, id: &str, at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invoices SET status = 'void', voided_at = $2 WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE subscriptions SET changing_invoice_id = NULL \
         WHERE id = (SELECT subscription_id FROM invoices WHERE id = $1) AND changing_invoice_id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub const VIEW: &str =
    "SELECT i.id, i.number, i.status, i.purpose, a.name AS account_name, i.currency, i.subtotal, \
     i.tax, i.total, i.credits, i.period_start, i.period_end, i.issued_at, i.paid_at \
     FROM invoices i JOIN accounts a ON a.id = i.account_id";

pub async fn view_from_row(db: &Db, row: &sqlx::any::AnyRow) -> Result<InvoiceView, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let money = |amount: i64| Money::new(amount, currency.clone());
    let lines = sqlx::query(
        "SELECT description, quantity, unit_amount, amount FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
    )
    .bind(&id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|line| {
        Ok(InvoiceLineView {
            description: line.try_get("description")?,
            quantity: line.try_get("quantity")?,
            unit_amount: money(line.try_get("unit_amount")?),
            amount: money(line.try_get("amount")?),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let time = |column: &str| -> Result<Option<String>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(rfc3339))
    };
    Ok(InvoiceView {
        pdf_url: format!("/api/v1/billing/invoices/{id}/pdf/"),
        number: row.try_get("number")?,
        status: row.try_get("status")?,
        purpose: row.try_get("purpose")?,
        account_name: row.try_get("account_name")?,
        lines,
        subtotal: money(row.try_get("subtotal")?),
        tax: money(row.try_get("tax")?),
        total: money(row.try_get("total")?),
        credits: row.try_get("credits")?,
        period_start: time("period_start")?,
        period_end: time("period_end")?,
        issued_at: rfc3339(row.try_get("issued_at")?),
        paid_at: time("paid_at")?,
        id,
    })
}

/// One invoice: of the account `account_id`, or of any account when it is `None` (admins).
/// Another account's invoice is simply not found.
pub async fn find(
    db: &Db,
    account_id: Option<&str>,
    id: &str,
) -> Result<Option<InvoiceView>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "{VIEW} WHERE i.id = $1 AND ($2 IS NULL OR i.account_id = $2)"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(Some(view_from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// The account's invoices, newest first.
pub async fn list(
    db: &Db,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<InvoiceView>, i64), sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{VIEW} WHERE i.account_id = $1 ORDER BY i.issued_at DESC, i.number DESC LIMIT $2 OFFSET $3"
    ))
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(view_from_row(db, row).await?);
    }
    let total: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(db.pool())
            .await?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_per_year() {
        assert_eq!(super::format_number(2026, 7), "INV-2026-000007");
        assert_eq!(super::format_number(2027, 123_456), "INV-2027-123456");
    }
}

//! SQL for invoices. Reads are scoped by account; numbers come from a per-year counter that is
//! bumped in the issuing transaction, so concurrent invoices get distinct, gapless numbers.

use super::model::{InvoiceLineView, InvoicePurpose, InvoiceStatus, InvoiceView};
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::listing::{Filter, ListQuery};
use crate::backend::{Db, Timestamp, Tx};
use crate::common::{Currency, Money, Page, PageRequest};
use crate::invoices::parties::{BankDetails, InvoiceParty, SellerSettings};
use crate::plans::model::BillingInterval;

pub struct NewLine {
    pub description: String,
    pub quantity: i64,
    pub unit_amount: i64,
}

pub struct NewInvoice<'a> {
    pub account_id: &'a str,
    /// The seller and bank account (configuration) this invoice prints, copied onto it.
    pub seller: &'a SellerSettings,
    pub purpose: InvoicePurpose,
    pub subscription_id: Option<&'a str>,
    pub plan_id: Option<&'a str>,
    pub package_id: Option<&'a str>,
    pub credits: i64,
    pub period: Option<(Timestamp, Timestamp)>,
    /// The interval `period` is billed at, for invoices of a subscription's period.
    pub interval: Option<BillingInterval>,
    pub currency: &'a str,
    pub lines: Vec<NewLine>,
    pub idempotency_key: Option<&'a str>,
    pub at: Timestamp,
}

/// What paying an invoice must do, read inside the paying transaction.
#[derive(Debug, Clone, sqlx::FromRow)]
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
    #[sqlx(rename = "billing_interval")]
    pub interval: Option<BillingInterval>,
    pub currency: String,
    pub total: i64,
}

pub fn format_number(year: i32, n: i64) -> String {
    format!("INV-{year:04}-{n:06}")
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
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

/// Gives the open invoices issued before invoices kept their bank details the configured ones,
/// so their payers see where to transfer (run at start-up; a no-op once done).
pub async fn fill_missing_bank_details(db: &Db, bank: &BankDetails) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invoices SET bank_details = $1 WHERE bank_details IS NULL AND status = 'open'",
    )
    .bind(to_json(bank))
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected())
}

/// Issues an open invoice with its lines, the seller, buyer and bank account copied as they are
/// now; returns its id.
pub async fn issue(tx: &mut Tx, new: NewInvoice<'_>) -> Result<String, sqlx::Error> {
    let buyer = crate::billing_profile::service::buyer(tx, new.account_id).await?;
    let rate = match buyer.country.as_deref() {
        Some(country) => crate::admin::tax_rates::rate_in(tx, country).await?,
        None => None,
    };
    let tax = super::tax::treatment(&new.seller.party, &buyer, rate.as_ref());
    let id = new_id("inv");
    let year = time::OffsetDateTime::from_unix_timestamp(new.at)
        .map(time::OffsetDateTime::year)
        .unwrap_or(1970);
    let number = next_number(tx, year).await?;
    let net = |line: &NewLine| line.quantity * line.unit_amount;
    let subtotal: i64 = new.lines.iter().map(net).sum();
    let line_tax = |line: &NewLine| super::tax::tax_on(net(line), tax.rate_bp);
    let total_tax: i64 = new.lines.iter().map(line_tax).sum();
    sqlx::query(
        "INSERT INTO invoices (id, account_id, number, status, purpose, subscription_id, plan_id, package_id, credits, \
         period_start, period_end, billing_interval, currency, subtotal, tax, total, idempotency_key, issued_at, \
         seller, buyer, bank_details, tax_label, tax_note) \
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
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
    .bind(new.interval)
    .bind(new.currency)
    .bind(subtotal)
    .bind(total_tax)
    .bind(subtotal + total_tax)
    .bind(new.idempotency_key)
    .bind(new.at)
    .bind(to_json(&new.seller.party))
    .bind(to_json(&buyer))
    .bind(new.seller.bank.as_ref().map(to_json))
    .bind(&tax.label)
    .bind(&tax.note)
    .execute(&mut **tx)
    .await?;
    for (position, line) in new.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount, amount, \
             tax_rate_bp, tax) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id("il"))
        .bind(&id)
        .bind(position as i64)
        .bind(&line.description)
        .bind(line.quantity)
        .bind(line.unit_amount)
        .bind(net(line))
        .bind(tax.rate_bp)
        .bind(line_tax(line))
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
     period_start, period_end, billing_interval, currency, total FROM invoices";

pub async fn facts(tx: &mut Tx, id: &str) -> Result<Option<InvoiceFacts>, sqlx::Error> {
    sqlx::query_as(&format!("{FACTS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
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

/// An invoice with its account's name, as [`InvoiceRow`] reads it (no `WHERE`).
pub const VIEW: &str =
    "SELECT i.id, i.number, i.status, i.purpose, a.name AS account_name, i.currency, i.subtotal, \
     i.tax, i.total, i.credits, i.period_start, i.period_end, i.issued_at, i.paid_at, \
     i.seller, i.buyer, i.bank_details, i.tax_label, i.tax_note \
     FROM invoices i JOIN accounts a ON a.id = i.account_id";

/// A row of [`VIEW`]: an invoice without its lines.
#[derive(Debug, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub status: InvoiceStatus,
    pub purpose: InvoicePurpose,
    pub account_name: String,
    pub currency: Currency,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub credits: i64,
    pub period_start: Option<Timestamp>,
    pub period_end: Option<Timestamp>,
    pub issued_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    /// JSON of [`InvoiceParty`]; NULL before invoices kept their parties.
    pub seller: Option<String>,
    pub buyer: Option<String>,
    /// JSON of [`BankDetails`].
    pub bank_details: Option<String>,
    pub tax_label: Option<String>,
    pub tax_note: Option<String>,
}

/// What invoices printed as their seller before it came from configuration.
fn legacy_seller() -> InvoiceParty {
    InvoiceParty {
        name: "IGNY8".into(),
        address: vec!["AI content platform".into()],
        email: Some("billing@igny8.com".into()),
        ..InvoiceParty::default()
    }
}

fn from_json<T: serde::de::DeserializeOwned>(json: Option<&str>) -> Option<T> {
    json.and_then(|json| serde_json::from_str(json).ok())
}

/// A line of an invoice.
#[derive(sqlx::FromRow)]
struct LineRow {
    invoice_id: String,
    description: String,
    quantity: i64,
    unit_amount: i64,
    amount: i64,
    tax_rate_bp: i64,
    tax: i64,
}

/// The lines of the invoices `ids`, each invoice's in order, in one query.
async fn lines_of(db: &Db, ids: &[&str]) -> Result<Vec<LineRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT invoice_id, description, quantity, unit_amount, amount, tax_rate_bp, tax FROM invoice_lines \
         WHERE invoice_id IN ({}) ORDER BY invoice_id, position",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(db.pool()).await
}

impl InvoiceRow {
    /// The invoice as the API shows it, its lines read.
    pub async fn into_view(self, db: &Db) -> Result<InvoiceView, sqlx::Error> {
        let lines = lines_of(db, &[self.id.as_str()]).await?;
        Ok(self.with_lines(lines))
    }

    /// The invoice as the API shows it, with `lines` (its own, in order).
    fn with_lines(self, lines: Vec<LineRow>) -> InvoiceView {
        let money = |amount: i64| Money::new(amount, self.currency.clone());
        InvoiceView {
            pdf_url: format!("/api/v1/billing/invoices/{}/pdf/", self.id),
            lines: lines
                .into_iter()
                .map(|line| InvoiceLineView {
                    description: line.description,
                    quantity: line.quantity,
                    unit_amount: money(line.unit_amount),
                    amount: money(line.amount),
                    tax_rate_bp: line.tax_rate_bp,
                    tax: money(line.tax),
                })
                .collect(),
            subtotal: money(self.subtotal),
            tax: money(self.tax),
            total: money(self.total),
            period_start: self.period_start.map(rfc3339),
            period_end: self.period_end.map(rfc3339),
            issued_at: rfc3339(self.issued_at),
            paid_at: self.paid_at.map(rfc3339),
            seller: from_json(self.seller.as_deref()).unwrap_or_else(legacy_seller),
            buyer: from_json(self.buyer.as_deref()).unwrap_or_else(|| InvoiceParty {
                name: self.account_name.clone(),
                ..InvoiceParty::default()
            }),
            bank_details: from_json::<BankDetails>(self.bank_details.as_deref()),
            tax_label: self.tax_label,
            tax_note: self.tax_note,
            id: self.id,
            number: self.number,
            status: self.status,
            purpose: self.purpose,
            account_name: self.account_name,
            credits: self.credits,
        }
    }
}

/// The views of a page of invoices: one query for the page's lines, not one per invoice.
pub async fn views(db: &Db, rows: Page<InvoiceRow>) -> Result<Page<InvoiceView>, sqlx::Error> {
    let Page {
        items,
        page,
        page_size,
        total,
    } = rows;
    let ids: Vec<&str> = items.iter().map(|row| row.id.as_str()).collect();
    let mut lines: std::collections::HashMap<String, Vec<LineRow>> = Default::default();
    for line in lines_of(db, &ids).await? {
        lines.entry(line.invoice_id.clone()).or_default().push(line);
    }
    let views = items
        .into_iter()
        .map(|row| {
            let own = lines.remove(&row.id).unwrap_or_default();
            row.with_lines(own)
        })
        .collect();
    Ok(Page {
        items: views,
        page,
        page_size,
        total,
    })
}

/// One invoice: of the account `account_id`, or of any account when it is `None` (admins).
/// Another account's invoice is simply not found.
pub async fn find(
    db: &Db,
    account_id: Option<&str>,
    id: &str,
) -> Result<Option<InvoiceView>, sqlx::Error> {
    let row: Option<InvoiceRow> = sqlx::query_as(&format!(
        "{VIEW} WHERE i.id = $1 AND ($2 IS NULL OR i.account_id = $2)"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(Some(row.into_view(db).await?)),
        None => Ok(None),
    }
}

/// The account's invoices (or those in `status`), newest first.
pub async fn list(
    db: &Db,
    account_id: &str,
    status: Option<InvoiceStatus>,
    page: PageRequest,
) -> Result<Page<InvoiceView>, sqlx::Error> {
    let filter = Filter::new()
        .and("i.account_id = ?", account_id)
        .and_set("i.status = ?", status.map(InvoiceStatus::as_str));
    let list = ListQuery::new(VIEW, filter, NEWEST_FIRST);
    views(db, list.page(db, page).await?).await
}

/// The order of every invoice list.
pub const NEWEST_FIRST: &str = "ORDER BY i.issued_at DESC, i.number DESC";

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_per_year() {
        assert_eq!(super::format_number(2026, 7), "INV-2026-000007");
        assert_eq!(super::format_number(2027, 123_456), "INV-2027-123456");
    }
}

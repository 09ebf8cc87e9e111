//! Invoices for admins: every account's, filtered by status, account and issue date (the same
//! query feeds the list and the CSV export); voiding an open invoice with a reason.

use super::audit::{self, Action};
use crate::auth::model::SessionView;
use crate::backend::listing::{DayRange, Filter, ListQuery};
use crate::backend::{AppState, Db};
use crate::common::{AppError, AppResult, ErrorKind, Page, PageRequest};
use crate::invoices::model::InvoiceView;
use crate::invoices::store::{self, NEWEST_FIRST, VIEW};

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceFilter {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    /// Issued on or after this UTC day (`YYYY-MM-DD`).
    #[serde(default)]
    pub from: Option<String>,
    /// Issued on or before this UTC day.
    #[serde(default)]
    pub to: Option<String>,
}

/// The filtered list, newest first (the JSON list's and the CSV export's); 422 for a bad date.
pub fn admin_query(filter: &InvoiceFilter) -> AppResult<ListQuery> {
    let filter = Filter::new()
        .and_set("i.status = ?", filter.status.as_deref())
        .and_set("i.account_id = ?", filter.account_id.as_deref())
        .within("i.issued_at", DayRange::parse(&filter.from, &filter.to)?);
    Ok(ListQuery::new(VIEW, filter, NEWEST_FIRST))
}

pub async fn list(
    db: &Db,
    filter: &InvoiceFilter,
    page: PageRequest,
) -> AppResult<Page<InvoiceView>> {
    let rows = admin_query(filter)?.page(db, page).await?;
    Ok(store::views(db, rows).await?)
}

/// Voids an open invoice: a bank transfer waiting on it is rejected with it. A subscription
/// waiting for this invoice stays waiting (cancel it separately if it should end).
pub async fn void(state: &AppState, admin: &SessionView, id: &str, reason: &str) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid(
            "reason",
            "Say why the invoice is voided (up to 500 characters).",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let number: String = sqlx::query_scalar("SELECT number FROM invoices WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !store::void(&mut tx, id, now).await? {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            "Only an open invoice can be voided.",
        ));
    }
    sqlx::query(
        "UPDATE payments SET status = 'rejected', note = $2, updated_at = $3 WHERE invoice_id = $1 AND status = 'awaiting_approval'",
    )
    .bind(id)
    .bind(format!("Invoice voided: {reason}"))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "invoice.void",
            target_type: "invoice",
            target_id: id,
            before: Some(serde_json::json!({ "number": number, "status": "open" })),
            after: Some(serde_json::json!({ "number": number, "status": "void" })),
            reason,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

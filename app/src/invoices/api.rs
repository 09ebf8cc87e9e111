//! Server functions of the invoice list and detail pages.

use super::model::{InvoiceView, Page};
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::store, crate::auth::identity::require_session, crate::backend::app_state,
    crate::common::AppResult,
};

/// Rows per page of the billing page's invoice and payment histories.
pub const HISTORY_PAGE_SIZE: i64 = 20;

/// Page `page` of the account's invoices, newest first.
#[server(endpoint = "billing/invoices")]
pub async fn list_invoices(page: i64) -> Result<Page<InvoiceView>, AppError> {
    let (view, _) = require_session().await?;
    crate::auth::identity::require_owner(&view)?;
    let page = crate::common::PageRequest::clamped(page, HISTORY_PAGE_SIZE);
    Ok(store::list(&app_state()?.db, &view.account.id, None, page).await?)
}

/// The account's open invoices (the ones it can pay), newest first.
#[server(endpoint = "billing/open-invoices")]
pub async fn list_open_invoices() -> Result<Vec<InvoiceView>, AppError> {
    let (view, _) = require_session().await?;
    crate::auth::identity::require_owner(&view)?;
    let newest = crate::common::PageRequest::clamped(1, 100);
    let open = Some(super::model::InvoiceStatus::Open);
    Ok(
        store::list(&app_state()?.db, &view.account.id, open, newest)
            .await?
            .items,
    )
}

#[server(endpoint = "billing/invoice")]
pub async fn get_invoice(id: String) -> Result<InvoiceView, AppError> {
    let (view, _) = require_session().await?;
    find_for(&app_state()?, &view, &id).await
}

/// The invoice if the viewer may see it: their account's, or any for an admin.
#[cfg(feature = "ssr")]
pub async fn find_for(
    state: &crate::backend::AppState,
    view: &crate::auth::model::SessionView,
    id: &str,
) -> AppResult<InvoiceView> {
    let scope = crate::auth::identity::billing_scope(view)?;
    store::find(&state.db, scope, id)
        .await?
        .ok_or_else(AppError::not_found)
}

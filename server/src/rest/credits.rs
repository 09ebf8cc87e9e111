//! `/api/v1/billing/transactions/…`: the balance and the credit ledger.

use super::paging::Paging;
use super::route;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::credits::ledger;
use app::credits::model::{BalanceView, LedgerEntryView};
use app::invoices::model::Page;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/billing/transactions", get(entries));
    route(router, "/billing/transactions/balance", get(balance))
}

async fn balance(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<BalanceView>> {
    Ok(Json(
        ledger::balance_view(&state, &auth.view.account.id).await?,
    ))
}

async fn entries(
    State(state): State<AppState>,
    auth: Authenticated,
    paging: Paging,
) -> AppResult<Json<Page<LedgerEntryView>>> {
    let (items, total) = ledger::entries(
        &state.db,
        &auth.view.account.id,
        paging.limit(),
        paging.offset(),
    )
    .await?;
    Ok(Json(paging.page_of(items, total)))
}

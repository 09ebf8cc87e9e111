//! Server functions of the credit balance.

use super::model::BalanceView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {crate::auth::identity::require_session, crate::backend::app_state};

/// The account's balance, as `GET /api/v1/billing/transactions/balance/` gives it.
#[server(endpoint = "billing/balance")]
pub async fn get_balance() -> Result<BalanceView, AppError> {
    let (view, _) = require_session().await?;
    Ok(super::ledger::balance_view(&app_state()?, &view.account.id).await?)
}

//! Server functions of limits: the report pages show, and where an upgrade prompt leads.

use super::model::LimitsView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {crate::auth::identity::require_session, crate::backend::app_state};

/// Every plan limit with used and remaining (`GET /api/v1/billing/credits/usage/limits/`).
#[server(endpoint = "billing/limits")]
pub async fn get_limits() -> Result<LimitsView, AppError> {
    let (view, _) = require_session().await?;
    let state = app_state()?;
    super::service::limits(&state.db, &view.account.id, state.clock.now()).await
}

/// The plans page with the cheapest plan that includes `module` highlighted.
#[server(endpoint = "billing/module-upgrade")]
pub async fn module_upgrade_url(module: String) -> Result<String, AppError> {
    require_session().await?;
    let mut tx = app_state()?.db.pool().begin().await?;
    let url =
        super::service::upgrade_url_for(&mut tx, super::service::Wall::Module(&module)).await?;
    tx.commit().await?;
    Ok(url)
}

//! Server functions of the plan catalogue.

use super::model::PlanView;
use crate::common::AppError;
use leptos::prelude::*;

/// Every active plan; public, like `GET /api/v1/auth/plans/`.
#[server(endpoint = "plans/list")]
pub async fn list_plans() -> Result<Vec<PlanView>, AppError> {
    let state = crate::backend::app_state()?;
    Ok(super::store::list_active(&state.db).await?)
}

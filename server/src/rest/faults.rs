//! `POST /api/v1/test/faults/` `{balance: bool}`: switches test-only failures on and off. It
//! exists only when `FAULT_INJECTION=true` (refused in production); otherwise it is a 404.

use super::json::ApiJson;
use super::route;
use app::backend::AppState;
use app::common::{AppError, AppResult};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;

pub fn routes() -> Router<AppState> {
    route(Router::new(), "/test/faults", post(set_faults))
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FaultSwitches {
    #[serde(default)]
    balance: bool,
}

async fn set_faults(
    State(state): State<AppState>,
    ApiJson(switches): ApiJson<FaultSwitches>,
) -> AppResult<Json<FaultSwitches>> {
    if !state.settings.fault_injection {
        return Err(AppError::not_found());
    }
    state
        .faults
        .balance
        .store(switches.balance, Ordering::Relaxed);
    tracing::warn!(balance = switches.balance, "fault injection switched");
    Ok(Json(switches))
}

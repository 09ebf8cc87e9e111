//! `POST /api/v1/test/faults/`: test-only failures. It exists only when `FAULT_INJECTION=true`
//! (refused in production); otherwise it is a 404.
//!
//! - `{balance: bool}` switches the balance endpoints' failure on or off;
//! - `{panic: true}` makes this request panic (the server answers 500 and logs it);
//! - `{sleep_ms: n}` makes this request take `n` milliseconds (the request timeout cuts it).

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

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct FaultSwitches {
    #[serde(default)]
    balance: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    panic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sleep_ms: Option<u64>,
}

async fn set_faults(
    State(state): State<AppState>,
    ApiJson(switches): ApiJson<FaultSwitches>,
) -> AppResult<Json<FaultSwitches>> {
    if !state.settings.fault_injection {
        return Err(AppError::not_found());
    }
    if switches.panic {
        panic!("fault injection: a panicking request");
    }
    if let Some(ms) = switches.sleep_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        return Ok(Json(switches));
    }
    state
        .faults
        .balance
        .store(switches.balance, Ordering::Relaxed);
    tracing::warn!(balance = switches.balance, "fault injection switched");
    Ok(Json(switches))
}

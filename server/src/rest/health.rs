//! Liveness and readiness for load balancers and orchestrators.

use app::backend::AppState;
use app::common::{AppError, ErrorKind};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Ready to serve: the database answers a real query within a short time and every migration
/// is applied. Otherwise 503 `unavailable` in the API's error shape (the reason is logged).
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    match state.db.readiness().await {
        Ok(()) => Ok(Json(json!({"status": "ready"}))),
        Err(why) => {
            tracing::warn!(reason = %why, "not ready");
            Err(AppError::with_message(
                ErrorKind::Unavailable,
                "The server is not ready to serve requests.",
            ))
        }
    }
}

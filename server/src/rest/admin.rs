//! `/api/v1/admin/…`: for administrators only; everyone else gets 403 `admin_required`.

use super::route;
use app::auth::identity::AdminUser;
use app::backend::{mail, AppState};
use app::common::AppResult;
use app::mail::model::OutboxEmail;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    route(Router::new(), "/admin/outbox", get(outbox))
}

/// The newest emails of the outbox (read-only).
async fn outbox(State(state): State<AppState>, _admin: AdminUser) -> AppResult<Json<Value>> {
    let items: Vec<OutboxEmail> = mail::recent(&state, 200).await?;
    Ok(Json(json!({ "items": items })))
}

//! `/api/v1/admin/…`: for administrators only; everyone else gets 403 `admin_required`.

use super::idempotency;
use super::json::ApiJson;
use super::params::ApiPath;
use super::route;
use super::Items;
use app::auth::identity::AdminUser;
use app::backend::{mail, AppState};
use app::common::AppResult;
use app::credits::adjustments::{self, Adjustment};
use app::mail::model::OutboxEmail;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/outbox", get(outbox));
    route(
        router,
        "/admin/users/{id}/adjust-credits",
        post(adjust_credits),
    )
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct AdjustRequest {
    amount: i64,
    #[serde(default)]
    reason: String,
}

/// `{amount, reason}`: signed credits for the user's account, on the ledger with the admin as
/// actor; idempotent with `Idempotency-Key`.
async fn adjust_credits(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    headers: HeaderMap,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(request): ApiJson<AdjustRequest>,
) -> Response {
    let (state, view) = (&state, &admin.view);
    let asked = ("adjust", (user_id, request.amount, request.reason));
    idempotency::run(
        state,
        view,
        &headers,
        asked,
        StatusCode::OK,
        |(user_id, amount, reason), effect| async move {
            let key = effect.map(|e| e.scoped("adjust"));
            let adjustment = Adjustment {
                amount,
                reason: &reason,
                key: key.as_deref(),
            };
            adjustments::adjust(state, view, &user_id, adjustment).await
        },
    )
    .await
}

/// The newest emails of the outbox (read-only).
async fn outbox(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> AppResult<Json<Items<OutboxEmail>>> {
    let items: Vec<OutboxEmail> = mail::recent(&state, 200).await?;
    Ok(Json(Items { items }))
}

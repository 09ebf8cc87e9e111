//! `GET /api/v1/admin/subscriptions/?account_id=…&status=…`, `POST …/{id}/activate/` `{note}`,
//! `POST …/{id}/cancel/` `{at_period_end?, note?}`, `POST …/{id}/refresh/` (apply the renewal
//! rules now).

use super::json::{ApiJson, JsonOrDefault};
use super::paging::Paging;
use super::params::{ApiPath, ApiQuery};
use super::route;
use app::admin::model::{AdminCancel, AdminNote, AdminSubscriptionRow, RefreshOutcome};
use app::admin::subscriptions;
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::AppResult;
use app::invoices::model::Page;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/subscriptions", get(list));
    let router = route(router, "/admin/subscriptions/{id}/activate", post(activate));
    let router = route(router, "/admin/subscriptions/{id}/cancel", post(cancel));
    route(router, "/admin/subscriptions/{id}/refresh", post(refresh))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct Filter {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    status: String,
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(filter): ApiQuery<Filter>,
) -> AppResult<Json<Page<AdminSubscriptionRow>>> {
    let found = subscriptions::list(&state.db, &filter.account_id, &filter.status, *paging).await?;
    Ok(Json(found))
}

async fn activate(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AdminNote>,
) -> AppResult<StatusCode> {
    subscriptions::activate(&state, &admin.view, &id, &body.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cancel(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    JsonOrDefault(body): JsonOrDefault<AdminCancel>,
) -> AppResult<StatusCode> {
    subscriptions::cancel(&state, &admin.view, &id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn refresh(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<RefreshOutcome>> {
    Ok(Json(
        subscriptions::refresh(&state, &admin.view, &id).await?,
    ))
}

//! `GET|POST /api/v1/admin/plans/`, `PUT|DELETE /api/v1/admin/plans/{id}/` (DELETE only for a
//! plan nobody ever subscribed to: 409 otherwise).

use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::admin::model::{AdminPlan, PlanInput};
use app::admin::plans;
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::AppResult;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/plans", get(list).post(create));
    route(
        router,
        "/admin/plans/{id}",
        axum::routing::put(update).delete(delete),
    )
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> AppResult<Json<Items<AdminPlan>>> {
    Ok(Json(Items {
        items: plans::list(&state.db).await?,
    }))
}

async fn create(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(input): ApiJson<PlanInput>,
) -> AppResult<(StatusCode, Json<AdminPlan>)> {
    Ok((
        StatusCode::CREATED,
        Json(plans::create(&state, &admin.view, input).await?),
    ))
}

async fn update(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<PlanInput>,
) -> AppResult<Json<AdminPlan>> {
    Ok(Json(plans::update(&state, &admin.view, &id, input).await?))
}

async fn delete(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    plans::delete(&state, &admin.view, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/automation/jobs/`: queue Writer jobs for the account's sites and list them (module
//! `automation`).

use super::json::ApiJson;
use super::{route, Items};
use app::auth::identity::Authenticated;
use app::automation::model::{JobView, QueueRequest};
use app::automation::service;
use app::backend::AppState;
use app::common::AppResult;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    route(Router::new(), "/automation/jobs", get(list).post(queue))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Items<JobView>>> {
    Ok(Json(Items {
        items: service::list(&state, &auth.view).await?,
    }))
}

async fn queue(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<QueueRequest>,
) -> AppResult<(StatusCode, Json<Items<JobView>>)> {
    Ok((
        StatusCode::CREATED,
        Json(Items {
            items: service::queue(&state, &auth.view, request).await?,
        }),
    ))
}

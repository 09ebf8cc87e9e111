//! `/api/v1/sites/` (limit `sites`) and the limits report.

use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::limits::model::LimitsView;
use app::sites::model::{NewSite, SiteView};
use app::sites::service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/sites", get(list).post(add));
    let router = route(router, "/sites/{id}", delete(remove));
    route(router, "/billing/credits/usage/limits", get(limits))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Items<SiteView>>> {
    Ok(Json(Items {
        items: service::list(&state, &auth.view).await?,
    }))
}

async fn add(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(new): ApiJson<NewSite>,
) -> AppResult<(StatusCode, Json<SiteView>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::add(&state, &auth.view, new).await?),
    ))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    service::remove(&state, &auth.view, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn limits(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<LimitsView>> {
    Ok(Json(
        app::limits::service::limits(&state.db, &auth.view.account.id, state.clock.now()).await?,
    ))
}

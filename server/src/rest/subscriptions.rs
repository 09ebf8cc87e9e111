//! `/api/v1/auth/subscriptions/…`: list, subscribe, change plan (and preview it), cancel, resume.

use super::idempotency;
use super::json::{ApiJson, JsonOrDefault};
use super::params::ApiPath;
use super::route;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::subscriptions::model::{
    CancelRequest, ChangePlanRequest, ChangePreview, SubscribeRequest, SubscriptionList,
    SubscriptionOutcome,
};
use app::subscriptions::service;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(
        Router::new(),
        "/auth/subscriptions",
        get(list).post(subscribe),
    );
    let router = route(
        router,
        "/auth/subscriptions/{id}/change-plan",
        post(change_plan),
    );
    let router = route(
        router,
        "/auth/subscriptions/{id}/change-plan/preview",
        post(preview_change),
    );
    let router = route(router, "/auth/subscriptions/{id}/cancel", post(cancel));
    route(router, "/auth/subscriptions/{id}/resume", post(resume))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<SubscriptionList>> {
    let items = service::list(&state, &auth.view).await?;
    Ok(Json(SubscriptionList { items }))
}

async fn subscribe(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SubscribeRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("subscribe", request);
    idempotency::run(state, view, &headers, asked, StatusCode::CREATED, |request, effect| async move {
        service::subscribe(state, view, request, effect.as_ref()).await
    })
    .await
}

async fn change_plan(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ChangePlanRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("change-plan", (id, request));
    idempotency::run(
        state,
        view,
        &headers,
        asked,
        StatusCode::OK,
        |(id, request), effect| async move {
            service::change_plan(state, view, &id, request, effect.as_ref()).await
        },
    )
    .await
}

/// What `change-plan` would do with the same body now; changes nothing.
async fn preview_change(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ChangePlanRequest>,
) -> AppResult<Json<ChangePreview>> {
    Ok(Json(
        service::preview_change(&state, &auth.view, &id, &request).await?,
    ))
}

async fn cancel(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    JsonOrDefault(request): JsonOrDefault<CancelRequest>,
) -> AppResult<Json<SubscriptionOutcome>> {
    Ok(Json(
        service::cancel(&state, &auth.view, &id, request).await?,
    ))
}

async fn resume(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<SubscriptionOutcome>> {
    Ok(Json(service::resume(&state, &auth.view, &id).await?))
}

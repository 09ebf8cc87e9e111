//! `/api/v1/account/webhooks/`: the owner's webhook endpoints and their delivery log
//! (app/src/webhooks, docs/webhooks.md). People only: an API key cannot point the account's
//! events somewhere else (`endpoints.rs` marks these `PERSON`).

use super::json::ApiJson;
use super::params::{ApiPath, ApiQuery};
use super::{route, Items};
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::webhooks::model::{DeliveryView, NewWebhookEndpoint, WebhookEndpointView};
use app::webhooks::service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/account/webhooks", get(list).post(create));
    let router = route(router, "/account/webhooks/{id}", delete(remove));
    let router = route(router, "/account/webhooks/deliveries", get(deliveries));
    route(
        router,
        "/account/webhooks/deliveries/{id}/resend",
        post(resend),
    )
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Items<WebhookEndpointView>>> {
    Ok(Json(Items {
        items: service::list(&state, &auth.view).await?,
    }))
}

/// `{url, events: ["invoice.paid", …]}` → 201 with the endpoint and its signing secret.
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewWebhookEndpoint>,
) -> AppResult<(StatusCode, Json<WebhookEndpointView>)> {
    let created = service::create(&state, &auth.view, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    service::delete(&state, &auth.view, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LogQuery {
    endpoint_id: Option<String>,
}

/// The latest 100 deliveries, newest first (`?endpoint_id=` for one endpoint's).
async fn deliveries(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> AppResult<Json<Items<DeliveryView>>> {
    let items = service::deliveries(&state, &auth.view, query.endpoint_id.as_deref()).await?;
    Ok(Json(Items { items }))
}

/// Queues the delivery's event again (201 with the new delivery).
async fn resend(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<(StatusCode, Json<DeliveryView>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::resend(&state, &auth.view, &id).await?),
    ))
}

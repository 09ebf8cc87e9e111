//! `/api/v1/account/api-keys/`: the owner's API keys (app/src/api_keys). People only: a key
//! cannot make, list or revoke keys (`endpoints.rs` marks these `PERSON`).

use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::api_keys::model::{ApiKeyView, CreatedApiKey, NewApiKey};
use app::api_keys::service;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/account/api-keys", get(list).post(create));
    route(router, "/account/api-keys/{id}", delete(revoke))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Items<ApiKeyView>>> {
    Ok(Json(Items {
        items: service::list(&state, &auth.view).await?,
    }))
}

/// `{name, scopes: ["read", "write", "billing"], expires_in_days?}` → 201 with `{key, secret}`.
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewApiKey>,
) -> AppResult<(StatusCode, Json<CreatedApiKey>)> {
    let created = service::create(&state, &auth.view, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Answers the revoked key; revoking it again answers the same.
async fn revoke(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<ApiKeyView>> {
    Ok(Json(service::revoke(&state, &auth.view, &id).await?))
}

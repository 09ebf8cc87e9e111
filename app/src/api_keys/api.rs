//! Server functions of the API keys page; the REST endpoints (`server/src/rest/api_keys.rs`)
//! call the same service.

use super::model::{ApiKeyView, CreatedApiKey};
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::NewApiKey, super::service, crate::auth::identity::require_session,
    crate::backend::app_state,
};

#[server(endpoint = "api-keys/list")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

/// The form's fields: the ticked scopes (`scopes[]`, none when nothing is ticked) and the expiry
/// in days, or `never`.
#[server(endpoint = "api-keys/create")]
pub async fn create_api_key(
    name: String,
    scopes: Option<Vec<String>>,
    expires: String,
) -> Result<CreatedApiKey, AppError> {
    let (view, _) = require_session().await?;
    let scopes = scopes.unwrap_or_default();
    let expires_in_days =
        match expires.trim() {
            "" | "never" => None,
            days => Some(days.parse().map_err(|_| {
                AppError::invalid("expires_in_days", "Choose when the key expires.")
            })?),
        };
    let request = NewApiKey {
        name,
        scopes,
        expires_in_days,
    };
    service::create(&app_state()?, &view, &request).await
}

#[server(endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(id: String) -> Result<ApiKeyView, AppError> {
    let (view, _) = require_session().await?;
    service::revoke(&app_state()?, &view, &id).await
}

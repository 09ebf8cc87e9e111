//! Server functions of the webhooks page; the REST endpoints (`server/src/rest/webhooks.rs`) call
//! the same service.

use super::model::{DeliveryView, WebhookEndpointView};
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::NewWebhookEndpoint, super::service, crate::auth::identity::require_session,
    crate::backend::app_state,
};

#[server(endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpointView>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

/// The form's fields: the URL and the ticked events (`events[]`, none when nothing is ticked).
#[server(endpoint = "webhooks/create")]
pub async fn create_webhook(
    url: String,
    events: Option<Vec<String>>,
) -> Result<WebhookEndpointView, AppError> {
    let (view, _) = require_session().await?;
    let request = NewWebhookEndpoint {
        url,
        events: events.unwrap_or_default(),
    };
    service::create(&app_state()?, &view, &request).await
}

#[server(endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    let (view, _) = require_session().await?;
    service::delete(&app_state()?, &view, &id).await
}

/// The latest deliveries of every endpoint of the account.
#[server(endpoint = "webhooks/deliveries")]
pub async fn list_deliveries() -> Result<Vec<DeliveryView>, AppError> {
    let (view, _) = require_session().await?;
    service::deliveries(&app_state()?, &view, None).await
}

#[server(endpoint = "webhooks/resend")]
pub async fn resend_delivery(id: String) -> Result<DeliveryView, AppError> {
    let (view, _) = require_session().await?;
    service::resend(&app_state()?, &view, &id).await
}

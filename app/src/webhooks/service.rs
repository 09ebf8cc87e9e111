//! The owner's webhook endpoints and their delivery log.

use super::model::{DeliveryView, EventType, NewWebhookEndpoint, WebhookEndpointView};
use super::store::{self, NewEndpoint};
use super::target;
use crate::admin::audit::{self, Action};
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::auth::tokens::random_token;
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use std::collections::BTreeMap;

/// Endpoints an account may register.
pub const MAX_ENDPOINTS: i64 = 10;
/// Deliveries the log shows.
pub const LOG_LENGTH: i64 = 100;

pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<WebhookEndpointView>> {
    require_owner(view)?;
    let rows = store::endpoints(&state.db, &view.account.id).await?;
    Ok(rows.into_iter().map(WebhookEndpointView::from).collect())
}

/// Registers an endpoint after checking where its URL leads (see `target.rs`).
pub async fn create(
    state: &AppState,
    view: &SessionView,
    request: &NewWebhookEndpoint,
) -> AppResult<WebhookEndpointView> {
    require_owner(view)?;
    let rules = state.settings.webhooks.rules();
    let mut fields = BTreeMap::new();
    let url = match target::parse(&request.url, rules) {
        Ok(url) => match target::resolve(&url, rules).await {
            Ok(_) => Some(url),
            Err(problem) => {
                fields.insert("url".to_string(), problem);
                None
            }
        },
        Err(problem) => {
            fields.insert("url".to_string(), problem);
            None
        }
    };
    let mut events = Vec::new();
    for name in &request.events {
        match name.trim().parse::<EventType>() {
            Ok(event) if !events.contains(&event) => events.push(event),
            Ok(_) => {}
            Err(_) => {
                fields.insert("events".into(), format!("Unknown event {name:?}."));
            }
        }
    }
    if events.is_empty() && !fields.contains_key("events") {
        fields.insert("events".into(), "Choose at least one event.".into());
    }
    let Some(url) = url.filter(|_| fields.is_empty()) else {
        return Err(AppError::invalid_fields(fields));
    };
    let now = state.clock.now();
    let id = new_id("whe");
    let secret = format!("whsec_{}", random_token());
    let mut tx = state.db.begin().await?;
    crate::limits::service::lock_and_read(&mut tx, &view.account.id).await?;
    if store::count_endpoints(&mut tx, &view.account.id).await? >= MAX_ENDPOINTS {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            format!("An account has at most {MAX_ENDPOINTS} webhook endpoints: delete one first."),
        ));
    }
    let new = NewEndpoint {
        id: &id,
        account_id: &view.account.id,
        url: url.as_str(),
        events: &events,
        secret: &secret,
    };
    store::insert_endpoint(&mut tx, &new, now).await?;
    let after = serde_json::json!({"url": url.as_str(), "events": events});
    audit::record(
        &mut tx,
        Action::by_owner(
            view,
            "webhook.create",
            ("webhook_endpoint", &id),
            None,
            Some(after),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let created = store::endpoints(&state.db, &view.account.id)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| AppError::internal("a webhook endpoint just inserted is missing"))?;
    Ok(created.into())
}

/// Deletes an endpoint: nothing more is sent to it, what was pending is dropped.
pub async fn delete(state: &AppState, view: &SessionView, id: &str) -> AppResult<()> {
    require_owner(view)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::delete_endpoint(&mut tx, &view.account.id, id, now).await? {
        return Err(AppError::not_found());
    }
    audit::record(
        &mut tx,
        Action::by_owner(view, "webhook.delete", ("webhook_endpoint", id), None, None),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The latest deliveries, of one endpoint or all.
pub async fn deliveries(
    state: &AppState,
    view: &SessionView,
    endpoint_id: Option<&str>,
) -> AppResult<Vec<DeliveryView>> {
    require_owner(view)?;
    Ok(store::deliveries(&state.db, &view.account.id, endpoint_id, LOG_LENGTH).await?)
}

/// Sends a delivery's event again, as a new delivery due now (same event id: receivers that
/// de-duplicate see it once).
pub async fn resend(
    state: &AppState,
    view: &SessionView,
    delivery_id: &str,
) -> AppResult<DeliveryView> {
    require_owner(view)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if store::delivery(&mut tx, &view.account.id, delivery_id)
        .await?
        .is_none()
    {
        return Err(AppError::not_found());
    }
    let copy = new_id("whd");
    if !store::copy_delivery(&mut tx, delivery_id, &copy, now).await? {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            "Its endpoint was deleted: there is nowhere to send it.",
        ));
    }
    let resent = store::delivery(&mut tx, &view.account.id, &copy)
        .await?
        .ok_or_else(|| AppError::internal("a delivery just copied is missing"))?;
    tx.commit().await?;
    Ok(resent)
}

//! Queuing events: each function writes one delivery per listening endpoint into the caller's
//! transaction (the outbox), so an event goes out exactly when its change commits. An account
//! without endpoints pays one indexed read per event.

use super::model::EventType;
use super::store::{self, NewDelivery};
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::ids::new_id;
use crate::backend::Tx;
use crate::invoices::store::InvoiceFacts;
use serde_json::{json, Value};

/// Queues `event` about the account with `data` for every endpoint that listens to it.
pub async fn emit(
    tx: &mut Tx,
    account_id: &str,
    event: EventType,
    at: Timestamp,
    data: Value,
) -> Result<(), sqlx::Error> {
    let listeners = store::listeners(tx, account_id, event).await?;
    queue(tx, account_id, event, at, &listeners, data).await
}

async fn queue(
    tx: &mut Tx,
    account_id: &str,
    event: EventType,
    at: Timestamp,
    listeners: &[String],
    data: Value,
) -> Result<(), sqlx::Error> {
    if listeners.is_empty() {
        return Ok(());
    }
    let event_id = new_id("evt");
    let payload = json!({
        "id": event_id,
        "type": event.as_str(),
        "created_at": rfc3339(at),
        "account_id": account_id,
        "data": data,
    })
    .to_string();
    for endpoint_id in listeners {
        let delivery = NewDelivery {
            id: &new_id("whd"),
            endpoint_id,
            account_id,
            event_id: &event_id,
            event_type: event,
            payload: &payload,
        };
        store::insert_delivery(tx, &delivery, at).await?;
    }
    Ok(())
}

/// An invoice as `invoice.*` events carry it, in the `status` the event leaves it.
pub fn invoice(invoice: &InvoiceFacts, status: &str) -> Value {
    json!({
        "id": invoice.id,
        "number": invoice.number,
        "status": status,
        "purpose": invoice.purpose,
        "subscription_id": invoice.subscription_id,
        "total": {"amount": invoice.total, "currency": invoice.currency},
        "credits": invoice.credits,
    })
}

/// `subscription.*` about a subscription as it now is (after the change, in `tx`).
pub async fn subscription(
    tx: &mut Tx,
    subscription_id: &str,
    event: EventType,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    let account_id: Option<String> =
        sqlx::query_scalar("SELECT account_id FROM subscriptions WHERE id = $1")
            .bind(subscription_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(account_id) = account_id else {
        return Ok(());
    };
    // The view costs a read: only made when an endpoint listens.
    let listeners = store::listeners(tx, &account_id, event).await?;
    if listeners.is_empty() {
        return Ok(());
    }
    let view = crate::subscriptions::store::view(tx, &account_id, subscription_id).await?;
    let data = serde_json::to_value(view).unwrap_or(Value::Null);
    queue(tx, &account_id, event, at, &listeners, data).await
}

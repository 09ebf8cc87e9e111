//! Webhook endpoints and deliveries as the owner, API clients and the browser see them.

use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The events an endpoint can receive.
    pub enum EventType {
        /// An invoice was paid (any way: card, PayPal, an approved bank transfer).
        InvoicePaid = "invoice.paid",
        /// Charging an invoice failed (a declined renewal starts dunning).
        InvoicePaymentFailed = "invoice.payment_failed",
        SubscriptionCreated = "subscription.created",
        /// Status, plan, interval, period or a scheduled change or cancellation changed.
        SubscriptionUpdated = "subscription.updated",
        SubscriptionCanceled = "subscription.canceled",
        /// The balance fell to the account's low-balance threshold.
        CreditsLow = "credits.low",
        /// A credit package was paid for and its credits granted.
        CreditsPurchased = "credits.purchased",
    }
}

impl EventType {
    /// What the event means, for the page that subscribes to it.
    pub fn describe(self) -> &'static str {
        match self {
            EventType::InvoicePaid => "an invoice was paid",
            EventType::InvoicePaymentFailed => "charging an invoice failed",
            EventType::SubscriptionCreated => "a subscription was started",
            EventType::SubscriptionUpdated => "a subscription changed",
            EventType::SubscriptionCanceled => "a subscription ended",
            EventType::CreditsLow => "the balance fell to the low-balance threshold",
            EventType::CreditsPurchased => "credits were bought",
        }
    }
}

text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its first attempt or its next retry.
        Pending = "pending",
        Succeeded = "succeeded",
        /// Gave up: a day of retries without a 2xx answer.
        Failed = "failed",
    }
}

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpointView {
    pub id: String,
    pub url: String,
    pub events: Vec<EventType>,
    /// Signs every delivery (`whsec_…`); the receiver checks `IGNY8-Signature` with it.
    pub secret: String,
    pub created_at: String,
}

/// `POST /api/v1/account/webhooks/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewWebhookEndpoint {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub events: Vec<String>,
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    pub id: String,
    pub endpoint_id: String,
    /// The event's id, the same in every delivery of it (resends included): receivers
    /// de-duplicate by it.
    pub event_id: String,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The HTTP status of the last answer, if one came.
    pub last_status_code: Option<i64>,
    /// Why the last attempt failed, when no answer came (timeout, refused address).
    pub last_error: Option<String>,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub completed_at: Option<String>,
}

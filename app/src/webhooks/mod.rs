//! Outgoing webhooks: the owner registers endpoint URLs for billing events; each event is written
//! to an outbox (`webhook_deliveries`) in the transaction that caused it, so none is lost and none
//! is sent for a change that rolled back. A worker on any instance claims due deliveries with a
//! lease, POSTs them signed (HMAC-SHA256 over timestamp and body, `signature.rs`) and retries with
//! exponential backoff for a day; the owner sees every delivery and can send one again.
//! docs/webhooks.md says what a receiver gets and how it checks the signature.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signature;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod target;

//! Prepaid credits: an append-only ledger and the balance it sums to.

pub mod alert_card;
pub mod api;
pub mod model;
pub mod pages;
pub mod widget;

#[cfg(feature = "ssr")]
pub mod adjustments;
#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod balance;
#[cfg(feature = "ssr")]
pub mod ledger;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod live_relay;
#[cfg(feature = "ssr")]
pub mod metering;
#[cfg(feature = "ssr")]
pub mod packages;
#[cfg(feature = "ssr")]
mod spend_sql;
#[cfg(feature = "ssr")]
pub mod usage;

//! Subscriptions: subscribe, upgrade, downgrade, cancel, resume, and renewals with dunning.

pub mod api;
pub mod model;

#[cfg(feature = "ssr")]
pub mod periods;

#[cfg(feature = "ssr")]
pub mod monthly_credits;

#[cfg(feature = "ssr")]
pub mod plan_change;
#[cfg(feature = "ssr")]
pub mod renewal;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod trials;

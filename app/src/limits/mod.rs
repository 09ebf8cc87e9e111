//! Plan limits: what the account's plan allows (sites, seats, modules), what is used, and the
//! check that guards a write inside its own transaction.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

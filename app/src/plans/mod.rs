//! The plan catalogue: prices, included credits and limits.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

//! Automation: queue Writer work for the account's sites and watch it run. Each job is an
//! ordinary Writer task (module check, credit preflight and hold, settle), run in the background
//! one after another.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

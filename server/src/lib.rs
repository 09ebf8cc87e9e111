//! The IGNY8 server: configuration, start-up, the REST API v1 and static files around the
//! Leptos app of the `app` crate.

pub mod assets;
pub mod config;
pub mod layers;
pub mod rest;
pub mod server_fns;
pub mod startup;
pub mod telemetry;

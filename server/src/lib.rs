//! The IGNY8 server: configuration, start-up, the REST API v1 and static files around the
//! Leptos app of the `app` crate.

// Its unit tests see the dev-dependencies of the integration tests too.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod assets;
pub mod config;
pub mod layers;
pub mod rest;
pub mod seller_config;
pub mod server_fns;
pub mod startup;
pub mod telemetry;

// Dependencies this library does not call: the allocator and the `.env` reader are the
// binary's (main.rs), and the others are listed in Cargo.toml only to turn on the features the
// tests' dependencies turn on (so `cargo test --release` reuses the release build's compiled
// dependencies).
use {dotenvy as _, getrandom as _, mimalloc as _, reqwest as _, typenum as _};

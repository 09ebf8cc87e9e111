//! API keys: an account's credentials for programs (docs/api.md, "API keys"). The owner creates a
//! key with a name, scopes and an optional expiry on `/account/api-keys`; its secret is shown once
//! and stored as a SHA-256 hash. A key is a Bearer token of the REST API only, acting as the owner
//! who made it within its scopes (each endpoint names the scope it needs in
//! `server/src/rest/endpoints.rs`); revoking it refuses the next request.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

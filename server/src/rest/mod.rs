//! The REST API v1 of docs/api.md: thin handlers over the same services the server functions call.

mod admin;
mod admin_catalog;
mod admin_invoices;
mod admin_plans;
mod admin_reports;
mod admin_subscriptions;
mod admin_tax_rates;
mod admin_test_clock;
mod api_keys;
mod auth;
mod automation;
mod credits;
mod csv;
mod endpoints;
mod faults;
mod health;
mod idempotency;
mod invoices;
mod json;
mod members;
mod modules;
pub mod openapi;
mod paging;
mod params;
mod payment_methods;
mod payments;
mod schemas;
mod scopes;
mod sites;
mod subscriptions;
mod webhooks;

use app::backend::AppState;
use app::common::AppError;
use axum::routing::MethodRouter;
use axum::Router;
#[cfg(test)]
use std::{collections::BTreeSet, sync::Mutex};

pub fn health_routes() -> Router<AppState> {
    health::routes()
}

/// A list that is not paginated: `{"items": [...]}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Items<T> {
    pub items: Vec<T>,
}

pub fn v1_routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(admin_reports::routes())
        .merge(admin_catalog::routes())
        .merge(admin_subscriptions::routes())
        .merge(admin_invoices::routes())
        .merge(admin_plans::routes())
        .merge(admin_tax_rates::routes())
        .merge(admin_test_clock::routes())
        .merge(payment_methods::routes())
        .merge(subscriptions::routes())
        .merge(invoices::routes())
        .merge(payments::routes())
        .merge(credits::routes())
        .merge(modules::routes())
        .merge(sites::routes())
        .merge(members::routes())
        .merge(api_keys::routes())
        .merge(webhooks::routes())
        .merge(automation::routes())
        .merge(faults::routes())
        .merge(openapi::routes())
        // After routing, so the layer knows the endpoint; unmatched paths meet the fallback.
        .route_layer(scopes::EnforceScopes)
        .fallback(|| async { AppError::not_found() })
}

/// The paths `route` has registered, for the test that holds the OpenAPI table against them.
#[cfg(test)]
static REGISTERED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Every path of the v1 router (built once to find out).
#[cfg(test)]
fn registered_paths() -> BTreeSet<String> {
    let _ = v1_routes();
    REGISTERED
        .lock()
        .map(|paths| paths.clone())
        .unwrap_or_default()
}

/// Every path answers with and without its trailing slash (docs/api.md).
fn route(
    router: Router<AppState>,
    path: &str,
    handler: MethodRouter<AppState>,
) -> Router<AppState> {
    #[cfg(test)]
    if let Ok(mut paths) = REGISTERED.lock() {
        paths.insert(path.to_string());
    }
    router
        .route(path, handler.clone())
        .route(&format!("{path}/"), handler)
}

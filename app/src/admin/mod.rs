//! The admin area under `/admin`: the overview, accounts and their credits, payments, the
//! catalog (credit packages and pricing), tax rates and the audit log. Every server function and endpoint
//! checks the admin flag on the server.

pub mod accounts_page;
pub mod api;
pub mod audit_page;
pub mod catalog_page;
pub mod filters;
pub mod invoices_page;
pub mod lazy;
pub mod list_query;
pub mod model;
pub mod nav;
pub mod overview_page;
pub mod payments_page;
pub mod plan_form;
pub mod plans_page;
pub mod subscriptions_page;
pub mod tax_rates_page;
pub mod test_clock_card;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod invoices;
#[cfg(feature = "ssr")]
pub mod plans;
#[cfg(feature = "ssr")]
pub mod stats;
#[cfg(feature = "ssr")]
pub mod subscriptions;
#[cfg(feature = "ssr")]
pub mod tax_rates;

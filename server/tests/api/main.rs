//! API tests: each one starts the real server on port 0 with a fresh database, on SQLite and on
//! PostgreSQL. They compile into one test binary.

// A test, bench or example crate sees every dependency of its package, used or not.
#![allow(unused_crate_dependencies)]

mod helpers;

mod admin;
mod alerts;
mod api_keys;
mod assets;
mod auth;
mod automation;
mod billing;
mod conformance;
mod credits;
mod guard;
mod health;
mod input;
mod invoice_documents;
mod limits;
mod live_balance;
mod mail;
mod ops;
mod pay_now;
mod payment_methods;
mod plan_change;
mod readiness;
mod recovery;
mod smtp_sink;
mod subscriptions;
mod tax;
mod team;
mod test_clock;
mod trials;
mod webhook_receiver;
mod webhooks;
mod yearly;

//! How accounts pay: payment methods behind a gateway trait, with a sandbox processor built in.

pub mod api;
pub mod card;
pub mod model;
pub mod open_invoices;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod checkout;
#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod manual;
#[cfg(feature = "ssr")]
pub mod pay_now;
#[cfg(feature = "ssr")]
pub mod receipts;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod settlement;
#[cfg(feature = "ssr")]
pub mod store;

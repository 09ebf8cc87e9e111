//! The owner's billing profile: the legal name, address, country, tax id and billing email that
//! every invoice issued afterwards prints as its buyer (invoices/parties.rs), and where billing
//! emails go.

pub mod api;
pub mod card;
pub mod model;

#[cfg(feature = "ssr")]
pub mod service;

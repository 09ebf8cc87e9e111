//! Invoices: gapless numbers, line items, totals, PDFs.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod store;

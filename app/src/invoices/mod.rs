//! Invoices: gapless numbers, line items, tax, totals, PDFs.

pub mod api;
pub mod model;
pub mod pages;
pub mod parties;
pub mod tax;

#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod pdf_font;
#[cfg(feature = "ssr")]
pub mod store;

//! Invoices as API clients and the browser see them.

use crate::common::Money;
use serde::{Deserialize, Serialize};

/// Lists of invoices (and of everything else) come in pages.
pub use crate::common::Page;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineView {
    pub description: String,
    pub quantity: i64,
    pub unit_amount: Money,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: String,
    /// `INV-YYYY-NNNNNN`, gapless per year.
    pub number: String,
    /// `open`, `paid` or `void`.
    pub status: String,
    /// `subscription`, `renewal`, `proration` or `credit_package`.
    pub purpose: String,
    pub account_name: String,
    pub lines: Vec<InvoiceLineView>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    pub credits: i64,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub issued_at: String,
    pub paid_at: Option<String>,
    pub pdf_url: String,
}

impl InvoiceView {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

//! Invoices as API clients and the browser see them.

use crate::common::states::text_enum;
use crate::common::Money;
use crate::invoices::parties::{BankDetails, InvoiceParty};
use serde::{Deserialize, Serialize};

text_enum! {
    /// Whether an invoice is still to be paid.
    pub enum InvoiceStatus { Open = "open", Paid = "paid", Void = "void" }
}

text_enum! {
    /// What an invoice bills.
    pub enum InvoicePurpose {
        /// The first period of a new subscription.
        Subscription = "subscription",
        Renewal = "renewal",
        /// The prorated difference of an upgrade.
        Proration = "proration",
        CreditPackage = "credit_package",
    }
}

impl InvoicePurpose {
    /// The purpose as the invoice list names it.
    pub fn title(self) -> &'static str {
        match self {
            InvoicePurpose::Subscription => "Subscription",
            InvoicePurpose::Renewal => "Renewal",
            InvoicePurpose::Proration => "Upgrade",
            InvoicePurpose::CreditPackage => "Credit package",
        }
    }
}

/// Lists of invoices (and of everything else) come in pages.
pub use crate::common::Page;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceLineView {
    pub description: String,
    pub quantity: i64,
    pub unit_amount: Money,
    /// Net: quantity × unit amount.
    pub amount: Money,
    /// The tax rate applied, in basis points (1900 is 19%).
    pub tax_rate_bp: i64,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    pub id: String,
    /// `INV-YYYY-NNNNNN`, gapless per year.
    pub number: String,
    pub status: InvoiceStatus,
    pub purpose: InvoicePurpose,
    pub account_name: String,
    /// Who sells, as when the invoice was issued.
    pub seller: InvoiceParty,
    /// Who buys: the account's billing profile when the invoice was issued.
    pub buyer: InvoiceParty,
    /// Where to send a bank transfer for it (quoting its number); none when no bank account is
    /// configured.
    pub bank_details: Option<BankDetails>,
    pub lines: Vec<InvoiceLineView>,
    /// The net total of the lines.
    pub subtotal: Money,
    pub tax: Money,
    /// What is due: subtotal plus tax.
    pub total: Money,
    /// How the tax is named ("VAT 19%", "Reverse charge"); none when untaxed.
    pub tax_label: Option<String>,
    /// A legal mention the tax requires (reverse charge).
    pub tax_note: Option<String>,
    pub credits: i64,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub issued_at: String,
    pub paid_at: Option<String>,
    pub pdf_url: String,
}

impl InvoiceView {
    pub fn is_open(&self) -> bool {
        self.status == InvoiceStatus::Open
    }
}

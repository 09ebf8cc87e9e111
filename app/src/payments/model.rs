//! Payment methods as the browser and API clients see them.

use super::card::CardInput;
use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// How an account pays.
    pub enum PaymentMethodKind { Card = "card", Paypal = "paypal", BankTransfer = "bank_transfer" }
}

impl PaymentStatus {
    /// What an admin's decision on a bank transfer makes of it.
    pub fn decided(approve: bool) -> PaymentStatus {
        if approve {
            PaymentStatus::Succeeded
        } else {
            PaymentStatus::Rejected
        }
    }
}

impl PaymentMethodKind {
    /// The kind as lists and filters name it.
    pub fn title(self) -> &'static str {
        match self {
            PaymentMethodKind::Card => "Card",
            PaymentMethodKind::Paypal => "PayPal",
            PaymentMethodKind::BankTransfer => "Bank transfer",
        }
    }
}

text_enum! {
    /// Whether a payment method can be charged.
    pub enum PaymentMethodStatus {
        Active = "active",
        /// A PayPal account its owner has not approved yet.
        PendingApproval = "pending_approval",
        Canceled = "canceled",
    }
}

text_enum! {
    /// Where a payment of an invoice is.
    pub enum PaymentStatus {
        /// A charge is about to happen (or a crash cut it off: the scheduler finishes it).
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
        Refunded = "refunded",
        /// A bank transfer waiting for an admin.
        AwaitingApproval = "awaiting_approval",
        Rejected = "rejected",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentMethodView {
    pub id: String,
    pub kind: PaymentMethodKind,
    pub is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_month: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_year: Option<i64>,
    pub status: PaymentMethodStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_url: Option<String>,
}

impl PaymentMethodView {
    /// How a saved method reads in lists and pickers.
    pub fn label(&self) -> String {
        match self.kind {
            PaymentMethodKind::Card => format!(
                "{} ending {} (expires {:02}/{})",
                self.brand
                    .clone()
                    .unwrap_or_else(|| "Card".into())
                    .to_uppercase(),
                self.last4.clone().unwrap_or_default(),
                self.exp_month.unwrap_or_default(),
                self.exp_year.unwrap_or_default()
            ),
            PaymentMethodKind::Paypal => "PayPal account".into(),
            PaymentMethodKind::BankTransfer => "Bank transfer (pay invoices manually)".into(),
        }
    }
}

/// `POST /api/v1/billing/invoices/{id}/pay/`: the method to charge (the default when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PayInvoiceRequest {
    #[serde(default)]
    pub payment_method_id: Option<String>,
}

/// `POST /api/v1/billing/payment-methods/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewPaymentMethod {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub card: Option<CardInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentMethodList {
    pub items: Vec<PaymentMethodView>,
}

/// A payment of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub method_kind: PaymentMethodKind,
    pub status: PaymentStatus,
    pub amount: crate::common::Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The paying account, for the admin lists.
    pub account_name: String,
    pub created_at: String,
}

//! Payment methods as the browser and API clients see them.

use super::card::CardInput;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodView {
    pub id: String,
    /// `card`, `paypal` or `bank_transfer`.
    pub kind: String,
    pub is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_month: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_year: Option<i64>,
    /// `active`, or `pending_approval` for a PayPal account not yet approved.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_url: Option<String>,
}

/// `POST /api/v1/billing/payment-methods/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewPaymentMethod {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub card: Option<CardInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethodList {
    pub items: Vec<PaymentMethodView>,
}

/// A payment of an invoice (API.md statuses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    /// `card`, `paypal` or `bank_transfer`.
    pub method_kind: String,
    /// `pending`, `succeeded`, `failed`, `refunded`, `awaiting_approval` or `rejected`.
    pub status: String,
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

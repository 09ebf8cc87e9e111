//! The billing profile as API clients and the billing page see it.

use serde::{Deserialize, Serialize};

/// `GET`/`PUT /api/v1/billing/profile/`. Before the owner saves one, `GET` answers the account's
/// name and empty fields with `is_set: false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BillingProfileView {
    pub legal_name: String,
    /// The postal address, lines separated by `\n`.
    pub address: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    pub tax_id: Option<String>,
    /// Receipts and other billing emails go here instead of the owner's address.
    pub billing_email: Option<String>,
    pub is_set: bool,
}

/// `PUT /api/v1/billing/profile/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BillingProfileRequest {
    pub legal_name: String,
    /// Lines separated by `\n`; at most 6 lines and 500 characters.
    pub address: String,
    pub country: String,
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub billing_email: Option<String>,
}

//! Server functions of the billing page's profile card.

use super::model::BillingProfileView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::BillingProfileRequest, crate::auth::identity::require_session,
    crate::backend::app_state,
};

#[server(endpoint = "billing/profile")]
pub async fn get_billing_profile() -> Result<BillingProfileView, AppError> {
    let (view, _) = require_session().await?;
    super::service::get(&app_state()?, &view).await
}

/// Saves the profile from the card's form (blank tax id or email: none).
#[server(endpoint = "billing/save-profile")]
pub async fn save_billing_profile(
    legal_name: String,
    address: String,
    country: String,
    tax_id: String,
    billing_email: String,
) -> Result<BillingProfileView, AppError> {
    let (view, _) = require_session().await?;
    let request = BillingProfileRequest {
        legal_name,
        address,
        country,
        tax_id: Some(tax_id),
        billing_email: Some(billing_email),
    };
    super::service::save(&app_state()?, &view, &request).await
}

//! Server functions of credits: the balance, packages and usage reports.
//! The same services answer the REST endpoints.

use super::model::{
    BalanceAlertView, BalanceView, CreditCost, CreditPackageView, LedgerEntryView, PurchaseOutcome,
    UsageFilter, UsageLogView, UsageSummary,
};
use crate::common::AppError;
use crate::invoices::model::Page;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {crate::auth::identity::require_session, crate::backend::app_state};

/// Rows per page of the usage page's lists.
pub const PAGE_SIZE: i64 = 25;

/// The account's balance, as `GET /api/v1/billing/transactions/balance/` gives it.
#[server(endpoint = "billing/balance")]
pub async fn get_balance() -> Result<BalanceView, AppError> {
    let identity = crate::auth::identity::require_identity()?;
    super::balance::of_session(&app_state()?, &identity)
        .await?
        .ok_or_else(AppError::unauthenticated)
}

#[server(endpoint = "billing/credit-packages")]
pub async fn list_credit_packages() -> Result<Vec<CreditPackageView>, AppError> {
    require_session().await?;
    Ok(super::packages::list_active(&app_state()?.db).await?)
}

/// Buys a package. `request_key` is made once per rendered form, so a double submission buys
/// once. Card and PayPal purchases come back with the credits granted; a bank transfer goes to
/// the billing page to pay the invoice.
#[server(endpoint = "billing/buy-credits")]
pub async fn buy_credit_package(
    package_id: String,
    payment_method_id: Option<String>,
    request_key: String,
) -> Result<PurchaseOutcome, AppError> {
    let (view, _) = require_session().await?;
    let state = &app_state()?;
    let view = &view;
    let request = super::model::PurchaseRequest { payment_method_id };
    let fingerprint = crate::backend::idempotency::fingerprint("package", &(&package_id, &request));
    let outcome: PurchaseOutcome = crate::backend::idempotency::once_for_form(
        state,
        &view.account.id,
        Some(&request_key),
        &fingerprint,
        |effect| async move {
            super::packages::purchase(state, view, &package_id, request, effect.as_ref()).await
        },
    )
    .await?;
    if !outcome.credits_granted && outcome.payment.is_none() {
        leptos_axum::redirect("/account/billing?pending=package#open-invoices");
    } else if outcome.credits_granted {
        crate::backend::no_js::show_outcome_at(&format!(
            "/account/billing?purchased={}&invoice={}#credit-packages",
            outcome.invoice.credits, outcome.invoice.number
        ));
    }
    Ok(outcome)
}

#[server(endpoint = "billing/credit-costs")]
pub async fn list_credit_costs() -> Result<Vec<CreditCost>, AppError> {
    Ok(super::metering::costs(&app_state()?.db).await?)
}

#[server(endpoint = "billing/usage-summary")]
pub async fn get_usage_summary(
    // The browser sends no field for an empty filter.
    #[server(default)] filter: UsageFilter,
) -> Result<UsageSummary, AppError> {
    let (view, _) = require_session().await?;
    let state = app_state()?;
    super::usage::summary(&state.db, &view.account.id, &filter, state.clock.now()).await
}

#[server(endpoint = "billing/ledger")]
pub async fn ledger_page(
    #[server(default)] filter: UsageFilter,
    page: i64,
) -> Result<Page<LedgerEntryView>, AppError> {
    let (view, _) = require_session().await?;
    let request = crate::common::PageRequest::clamped(page, PAGE_SIZE);
    super::usage::ledger(&app_state()?.db, &view.account.id, &filter, request).await
}

#[server(endpoint = "billing/usage-logs")]
pub async fn usage_logs_page(
    #[server(default)] filter: UsageFilter,
    page: i64,
) -> Result<Page<UsageLogView>, AppError> {
    let (view, _) = require_session().await?;
    let request = crate::common::PageRequest::clamped(page, PAGE_SIZE);
    super::usage::logs(&app_state()?.db, &view.account.id, &filter, request).await
}

/// The account's low-balance alert and automatic top-up.
#[server(endpoint = "billing/balance-alert")]
pub async fn get_balance_alert() -> Result<BalanceAlertView, AppError> {
    let (view, _) = require_session().await?;
    super::alerts::settings(&app_state()?, &view).await
}

/// Saves the alert from the billing page's form: a blank threshold turns it off, a blank package
/// turns the top-up off.
#[server(endpoint = "billing/save-balance-alert")]
pub async fn save_balance_alert(
    threshold: String,
    topup_package_id: String,
    topup_monthly_limit: String,
) -> Result<BalanceAlertView, AppError> {
    let (view, _) = require_session().await?;
    let request =
        super::alerts::request_from_form(&threshold, &topup_package_id, &topup_monthly_limit)?;
    super::alerts::save(&app_state()?, &view, &request).await
}

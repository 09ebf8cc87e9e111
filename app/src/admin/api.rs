//! Server functions of the admin pages. Each checks the admin flag on the server first; the
//! REST endpoints call the same services.

use super::model::{
    AdminPackage, AdminSubscriptionRow, AdminUserRow, AuditEntryView, AuditQuery, StatsView,
    UserQuery,
};
use crate::accounts::model::{TestClockPanel, TestClockView};
use crate::common::AppError;
use crate::credits::model::{BalanceView, LedgerEntryView};
use crate::invoices::model::Page;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::{CostChange, PackageInput},
    crate::auth::identity::require_admin,
    crate::backend::app_state,
};

/// Rows per page of the admin lists.
pub const ADMIN_PAGE_SIZE: i64 = 25;

/// Page `page` (1-based, from the page's URL) of an admin list.
#[cfg(feature = "ssr")]
fn admin_page(page: i64) -> crate::common::PageRequest {
    crate::common::PageRequest::clamped(page, ADMIN_PAGE_SIZE)
}

#[server(endpoint = "admin/stats")]
pub async fn admin_stats() -> Result<StatsView, AppError> {
    require_admin().await?;
    let state = app_state()?;
    Ok(super::stats::stats(&state.db, state.clock.now()).await?)
}

#[server(endpoint = "admin/users")]
pub async fn admin_users(
    #[server(default)] query: UserQuery,
    page: i64,
) -> Result<Page<AdminUserRow>, AppError> {
    require_admin().await?;
    let state = app_state()?;
    Ok(super::accounts::search(&state.db, &query, admin_page(page)).await?)
}

#[server(endpoint = "admin/user")]
pub async fn admin_user(user_id: String) -> Result<AdminUserRow, AppError> {
    require_admin().await?;
    super::accounts::find_user(&app_state()?.db, &user_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The newest ledger entries of the account of user `user_id`, for the admin's account detail.
/// By user, like the page's other reads, so no read of the page waits for another's answer.
#[server(endpoint = "admin/account-ledger")]
pub async fn admin_account_ledger(user_id: String) -> Result<Vec<LedgerEntryView>, AppError> {
    require_admin().await?;
    let state = app_state()?;
    let user = super::accounts::find_user(&state.db, &user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let newest = crate::common::PageRequest::clamped(1, 50);
    let filter = Default::default();
    let entries =
        crate::credits::usage::ledger(&state.db, &user.account_id, &filter, newest).await?;
    Ok(entries.items)
}

/// A signed adjustment with a reason; `request_key` (one per rendered form) makes a double
/// submission apply once.
#[server(endpoint = "admin/adjust-credits")]
pub async fn admin_adjust_credits(
    user_id: String,
    amount: String,
    reason: String,
    request_key: String,
) -> Result<BalanceView, AppError> {
    let admin = require_admin().await?;
    let amount: i64 = amount.trim().parse().map_err(|_| {
        AppError::invalid(
            "amount",
            "Enter a whole number of credits, like 500 or -200.",
        )
    })?;
    let state = &app_state()?;
    let fingerprint =
        crate::backend::idempotency::fingerprint("adjust", &(&user_id, amount, &reason));
    let account_id = admin.account.id.clone();
    crate::backend::idempotency::once_for_form(
        state,
        &account_id,
        Some(&request_key),
        &fingerprint,
        |effect| async move {
            let key = effect.map(|e| e.scoped("adjust"));
            let adjustment = crate::credits::adjustments::Adjustment {
                amount,
                reason: &reason,
                key: key.as_deref(),
            };
            crate::credits::adjustments::adjust(state, &admin, &user_id, adjustment).await
        },
    )
    .await
}

/// The test clock of the account of user `user_id`, for its admin page.
#[server(endpoint = "admin/test-clock")]
pub async fn admin_test_clock(user_id: String) -> Result<TestClockPanel, AppError> {
    require_admin().await?;
    let state = app_state()?;
    if crate::accounts::test_clock::allowed(&state).is_err() {
        return Ok(TestClockPanel::Unavailable);
    }
    let user = super::accounts::find_user(&state.db, &user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(crate::accounts::test_clock::view(&state, &user.account_id)
        .await?
        .map_or(TestClockPanel::Detached, TestClockPanel::Attached))
}

#[server(endpoint = "admin/attach-test-clock")]
pub async fn admin_attach_test_clock(account_id: String) -> Result<TestClockView, AppError> {
    let admin = require_admin().await?;
    crate::accounts::test_clock::attach(&app_state()?, &admin, &account_id).await
}

/// `by`: `day`, `month` or `next_renewal`.
#[server(endpoint = "admin/advance-test-clock")]
pub async fn admin_advance_test_clock(
    account_id: String,
    by: String,
) -> Result<TestClockView, AppError> {
    use crate::accounts::test_clock;
    let admin = require_admin().await?;
    let step = by
        .parse()
        .map_err(|_| AppError::invalid("by", test_clock::STEP_CHOICES))?;
    test_clock::advance(&app_state()?, &admin, &account_id, step).await
}

#[server(endpoint = "admin/credit-costs")]
pub async fn admin_update_cost(operation: String, credits: String) -> Result<(), AppError> {
    let admin = require_admin().await?;
    let credits: i64 = credits.trim().parse().map_err(|_| {
        AppError::with_message(
            crate::common::ErrorKind::ValidationFailed {
                fields: [(
                    operation.clone(),
                    "Use a whole number of credits.".to_string(),
                )]
                .into(),
            },
            format!("Use a whole number of credits for {operation}."),
        )
    })?;
    super::catalog::update_costs(&app_state()?, &admin, &[CostChange { operation, credits }]).await
}

#[server(endpoint = "admin/tax-rates")]
pub async fn admin_tax_rates() -> Result<Vec<super::model::TaxRateView>, AppError> {
    require_admin().await?;
    super::tax_rates::list(&app_state()?.db).await
}

/// Sets a country's rate from the page's form; the rate is typed as a percentage ("19", "7.25").
#[server(endpoint = "admin/set-tax-rate")]
pub async fn admin_set_tax_rate(
    country: String,
    name: String,
    rate_percent: String,
) -> Result<super::model::TaxRateView, AppError> {
    let admin = require_admin().await?;
    let rate_bp = crate::invoices::tax::parse_percent(&rate_percent).ok_or_else(|| {
        AppError::invalid("rate_bp", "Type the rate as a percentage, like 19 or 7.25.")
    })?;
    let input = super::model::TaxRateInput { name, rate_bp };
    super::tax_rates::set(&app_state()?, &admin, &country, &input).await
}

#[server(endpoint = "admin/remove-tax-rate")]
pub async fn admin_remove_tax_rate(country: String) -> Result<(), AppError> {
    let admin = require_admin().await?;
    super::tax_rates::remove(&app_state()?, &admin, &country).await
}

#[server(endpoint = "admin/credit-packages")]
pub async fn admin_packages() -> Result<Vec<AdminPackage>, AppError> {
    require_admin().await?;
    super::catalog::packages(&app_state()?).await
}

/// Creates (`id` empty) or edits a package from the page's form; prices are typed in major
/// units ("19.00").
#[server(endpoint = "admin/save-package")]
pub async fn admin_save_package(
    id: String,
    name: String,
    credits: String,
    price: String,
    currency: String,
    is_active: Option<String>,
    is_featured: Option<String>,
) -> Result<AdminPackage, AppError> {
    let admin = require_admin().await?;
    let input = PackageInput {
        name,
        credits: credits
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("credits", "Use a whole number of credits."))?,
        price: crate::common::Money::parse_major(&price)
            .ok_or_else(|| AppError::invalid("price", "Enter a price like 19.00."))?,
        currency,
        is_active: Some(is_active.is_some()),
        is_featured: Some(is_featured.is_some()),
        sort_order: None,
    };
    let state = app_state()?;
    if id.is_empty() {
        super::catalog::create_package(&state, &admin, input).await
    } else {
        super::catalog::update_package(&state, &admin, &id, input).await
    }
}

#[server(endpoint = "admin/move-package")]
pub async fn admin_move_package(id: String, step: i64) -> Result<Vec<AdminPackage>, AppError> {
    let admin = require_admin().await?;
    super::catalog::move_package(&app_state()?, &admin, &id, step).await
}

#[server(endpoint = "admin/audit")]
pub async fn admin_audit(
    #[server(default)] query: AuditQuery,
    page: i64,
) -> Result<Page<AuditEntryView>, AppError> {
    require_admin().await?;
    let state = app_state()?;
    Ok(super::audit::list(&state.db, &query, admin_page(page)).await?)
}

#[server(endpoint = "admin/subscriptions")]
pub async fn admin_subscriptions(
    account_id: String,
    status: String,
    page: i64,
) -> Result<Page<AdminSubscriptionRow>, AppError> {
    require_admin().await?;
    let state = app_state()?;
    Ok(super::subscriptions::list(&state.db, &account_id, &status, admin_page(page)).await?)
}

/// `action`: `activate`, `cancel_at_period_end`, `cancel_now` or `refresh`; `note` says why.
/// Answers what happened, for the page's notice.
#[server(endpoint = "admin/subscription-action")]
pub async fn admin_subscription_action(
    id: String,
    action: String,
    #[server(default)] note: String,
) -> Result<String, AppError> {
    let admin = require_admin().await?;
    let state = app_state()?;
    match action.as_str() {
        "activate" => super::subscriptions::activate(&state, &admin, &id, &note)
            .await
            .map(|()| "Activated: the invoice is paid and the plan's credits granted.".into()),
        "cancel_at_period_end" | "cancel_now" => {
            let at_period_end = action == "cancel_at_period_end";
            let request = super::model::AdminCancel {
                at_period_end,
                note,
            };
            super::subscriptions::cancel(&state, &admin, &id, request).await?;
            Ok(if at_period_end {
                "It will end at the end of the current period.".into()
            } else {
                "Canceled: the subscription has ended.".into()
            })
        }
        "refresh" => Ok(super::subscriptions::refresh(&state, &admin, &id)
            .await?
            .message),
        _ => Err(AppError::invalid(
            "action",
            "Choose activate, cancel or refresh.",
        )),
    }
}

#[server(endpoint = "admin/invoices")]
pub async fn admin_invoices(
    status: String,
    account_id: String,
    from: String,
    to: String,
    page: i64,
) -> Result<Page<crate::invoices::model::InvoiceView>, AppError> {
    require_admin().await?;
    let filter = super::invoices::InvoiceFilter {
        status: Some(status),
        account_id: Some(account_id),
        from: Some(from),
        to: Some(to),
    };
    let state = app_state()?;
    super::invoices::list(&state.db, &filter, admin_page(page)).await
}

#[server(endpoint = "admin/void-invoice")]
pub async fn admin_void_invoice(id: String, reason: String) -> Result<(), AppError> {
    let admin = require_admin().await?;
    super::invoices::void(&app_state()?, &admin, &id, &reason).await
}

#[server(endpoint = "admin/plans")]
pub async fn admin_plans() -> Result<Vec<super::model::AdminPlan>, AppError> {
    require_admin().await?;
    Ok(super::plans::list(&app_state()?.db).await?)
}

/// Every account's payments, filtered like the REST list (`status`, `method`, `account_id`, a
/// `from`–`to` day range); an empty field means "any".
#[server(endpoint = "admin/payments")]
pub async fn admin_payments(
    status: String,
    method: String,
    account_id: String,
    from: String,
    to: String,
    page: i64,
) -> Result<Page<crate::payments::model::PaymentView>, AppError> {
    require_admin().await?;
    let filter = crate::payments::records::PaymentFilter {
        status: Some(status),
        method: Some(method),
        account_id: Some(account_id),
        from: Some(from),
        to: Some(to),
    };
    let state = app_state()?;
    crate::payments::records::admin_list(&state.db, &filter, admin_page(page)).await
}

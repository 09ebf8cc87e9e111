//! Low-balance alerts and automatic top-up. The owner sets a threshold; when the available
//! balance falls below it, the owner is emailed once for that crossing, the header shows a
//! banner (credits/widget.rs) and, if set, a chosen package is bought with the default method, at
//! most N times a calendar month. The balance coming back to the threshold re-arms the alert.
//!
//! Exactly once per crossing, under concurrent spends and several instances: a crossing is
//! claimed by one conditional update (`below` 0 → 1, counting it in `crossings`), so one caller
//! sends its email; the top-up is recorded as due in that same update and bought under an
//! invoice key of the crossing (`auto-topup:{account}:{crossing}`), so however many callers (or a
//! retry after a crash) buy it, one invoice is charged. Checked after each change of the
//! account's credits on this instance ([`watch`]) and by every scheduler pass ([`sweep`]), which
//! catches what other instances, renewals and crashes left.
//!
//! A failed top-up emails the owner and pauses top-ups while the default method is the one that
//! failed (`topup_failed_method_id`): no retry loop against a card that declines.

use super::model::{BalanceAlertRequest, BalanceAlertView};
use super::packages;
use crate::accounts::test_clock;
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::backend::{AppState, Timestamp};
use crate::common::{AppError, AppResult};
use crate::mail::notices;
use crate::payments::checkout;
use crate::payments::model::{PaymentMethodKind, PaymentStatus};
use crate::webhooks::events;
use crate::webhooks::model::EventType;
use std::collections::BTreeMap;

/// The largest threshold an owner may set (credits).
pub const MAX_THRESHOLD: i64 = 10_000_000;
/// The most automatic top-ups a month an owner may allow.
pub const MAX_TOPUPS_PER_MONTH: i64 = 31;

#[derive(Debug, Clone, sqlx::FromRow)]
struct AlertRow {
    threshold: i64,
    topup_package_id: Option<String>,
    topup_monthly_limit: i64,
    topup_month: Option<String>,
    topups_in_month: i64,
    topup_failed_method_id: Option<String>,
}

impl AlertRow {
    /// Automatic top-ups bought in `month` ('YYYY-MM').
    fn used_in(&self, month: &str) -> i64 {
        if self.topup_month.as_deref() == Some(month) {
            self.topups_in_month
        } else {
            0
        }
    }

    /// Whether top-ups are paused with `default_method` as the default (none: no method, which
    /// pauses after a top-up failed for want of one).
    fn paused_with(&self, default_method: Option<&str>) -> bool {
        self.topup_failed_method_id.as_deref() == Some(default_method.unwrap_or_default())
    }
}

const ALERT_COLUMNS: &str =
    "threshold, topup_package_id, topup_monthly_limit, topup_month, topups_in_month, \
     topup_failed_method_id";

/// The account's settings; none set reads as alerts off.
pub async fn settings(state: &AppState, view: &SessionView) -> AppResult<BalanceAlertView> {
    require_owner(view)?;
    let row: Option<AlertRow> = sqlx::query_as(&format!(
        "SELECT {ALERT_COLUMNS} FROM balance_alerts WHERE account_id = $1"
    ))
    .bind(&view.account.id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(BalanceAlertView::default());
    };
    let default_method = checkout::resolve_method(&state.db, &view.account.id, None)
        .await
        .ok()
        .map(|m| m.id);
    Ok(BalanceAlertView {
        threshold: Some(row.threshold),
        topups_this_month: row.used_in(&month_key(
            test_clock::now_for(state, &view.account.id).await?,
        )),
        topup_paused: row.paused_with(default_method.as_deref()),
        topup_package_id: row.topup_package_id,
        topup_monthly_limit: row.topup_monthly_limit,
    })
}

/// The request a form's text fields make: blank is none, anything but a whole number is a field
/// error.
pub fn request_from_form(
    threshold: &str,
    topup_package_id: &str,
    topup_monthly_limit: &str,
) -> AppResult<BalanceAlertRequest> {
    let mut problems = BTreeMap::new();
    let mut number = |field: &str, text: &str| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = text.parse::<i64>().ok();
        if parsed.is_none() {
            problems.insert(field.to_string(), "Enter a whole number.".to_string());
        }
        parsed
    };
    let threshold = number("threshold", threshold);
    let topup_monthly_limit = number("topup_monthly_limit", topup_monthly_limit);
    if !problems.is_empty() {
        return Err(AppError::invalid_fields(problems));
    }
    let package = topup_package_id.trim();
    Ok(BalanceAlertRequest {
        threshold,
        topup_package_id: (!package.is_empty()).then(|| package.to_string()),
        topup_monthly_limit,
    })
}

/// Sets (or, with no threshold, removes) the account's alert and top-up. Saving clears a pause
/// after a failed top-up: the owner has seen it and chosen again. The new threshold takes effect
/// at once: a balance already below it alerts (and tops up) now.
pub async fn save(
    state: &AppState,
    view: &SessionView,
    request: &BalanceAlertRequest,
) -> AppResult<BalanceAlertView> {
    require_owner(view)?;
    let account_id = &view.account.id;
    let now = state.clock.now();
    let Some(threshold) = request.threshold else {
        if request.topup_package_id.is_some() {
            return Err(AppError::invalid(
                "threshold",
                "Set a threshold for the automatic top-up to start at.",
            ));
        }
        sqlx::query("DELETE FROM balance_alerts WHERE account_id = $1")
            .bind(account_id)
            .execute(state.db.writer())
            .await?;
        return settings(state, view).await;
    };
    let mut problems = BTreeMap::new();
    if !(1..=MAX_THRESHOLD).contains(&threshold) {
        problems.insert(
            "threshold".to_string(),
            format!("Enter a number of credits from 1 to {MAX_THRESHOLD}."),
        );
    }
    let limit = request.topup_monthly_limit.unwrap_or(0);
    if request.topup_package_id.is_some() && !(1..=MAX_TOPUPS_PER_MONTH).contains(&limit) {
        problems.insert(
            "topup_monthly_limit".to_string(),
            format!("Allow from 1 to {MAX_TOPUPS_PER_MONTH} top-ups a month."),
        );
    }
    if let Some(package_id) = &request.topup_package_id {
        let active: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM credit_packages WHERE id = $1 AND is_active = 1")
                .bind(package_id)
                .fetch_optional(state.db.pool())
                .await?;
        if active.is_none() {
            problems.insert(
                "topup_package_id".to_string(),
                "Choose one of the packages offered.".to_string(),
            );
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid_fields(problems));
    }
    // A changed threshold re-arms the alert: the next check decides afresh.
    sqlx::query(
        "INSERT INTO balance_alerts (account_id, threshold, topup_package_id, topup_monthly_limit, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET threshold = $2, topup_package_id = $3, topup_monthly_limit = $4, \
         below = 0, topup_due = NULL, topup_failed_method_id = NULL, updated_at = $5",
    )
    .bind(account_id)
    .bind(threshold)
    .bind(&request.topup_package_id)
    .bind(limit)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    // The threshold is part of the balance every tab of the account shows.
    super::live::publish(state, account_id);
    check(state, account_id).await?;
    settings(state, view).await
}

/// Checks the account soon, off the request that changed its credits.
pub fn watch(state: &AppState, account_id: &str) {
    let (state, account_id) = (state.clone(), account_id.to_string());
    tokio::spawn(async move {
        if let Err(e) = check(&state, &account_id).await {
            tracing::warn!(error = %e.message, "balance alert check failed");
        }
    });
}

/// Every account whose alert a crossing (or a return above the threshold) concerns, and every
/// top-up still due; what each scheduler pass runs. How many accounts were checked.
pub async fn sweep(state: &AppState) -> AppResult<usize> {
    let accounts: Vec<String> = sqlx::query_scalar(
        "SELECT b.account_id FROM balance_alerts b JOIN accounts a ON a.id = b.account_id \
         WHERE (b.below = 0 AND a.credit_balance < b.threshold) \
         OR (b.below = 1 AND a.credit_balance >= b.threshold) OR b.topup_due IS NOT NULL",
    )
    .fetch_all(state.db.pool())
    .await?;
    for account_id in &accounts {
        check(state, account_id).await?;
    }
    Ok(accounts.len())
}

/// Compares the account's available balance with its threshold: claims a new crossing (email,
/// top-up due), re-arms after a return above it, and buys a top-up that is due.
pub async fn check(state: &AppState, account_id: &str) -> AppResult<()> {
    // A read first: most changes of most accounts concern no alert, and must not queue for the
    // writer (SQLite has one) to find that out.
    let current: Option<(i64, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT b.threshold, b.below, b.topup_due, a.credit_balance FROM balance_alerts b \
         JOIN accounts a ON a.id = b.account_id WHERE b.account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some((threshold, below, topup_due, available)) = current else {
        return Ok(());
    };
    // Top-ups are counted by the account's calendar month (a test clock may move it).
    let now = test_clock::now_for(state, account_id).await?;
    if below == 1 && available >= threshold {
        // Back at or above the threshold: the next fall is a new crossing.
        sqlx::query(
            "UPDATE balance_alerts SET below = 0, updated_at = $2 WHERE account_id = $1 AND below = 1 \
             AND threshold <= (SELECT credit_balance FROM accounts WHERE id = $1)",
        )
        .bind(account_id)
        .bind(now)
        .execute(state.db.writer())
        .await?;
    }
    let mut due = topup_due.is_some();
    if below == 0 && available < threshold {
        // Below it and not claimed yet: whoever's update matches owns the crossing, and tells
        // the account's webhooks in the same transaction.
        let mut tx = state.db.begin().await?;
        let crossing: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE balance_alerts SET below = 1, crossings = crossings + 1, \
             topup_due = CASE WHEN topup_package_id IS NULL THEN NULL ELSE crossings + 1 END, updated_at = $2 \
             WHERE account_id = $1 AND below = 0 \
             AND threshold > (SELECT credit_balance FROM accounts WHERE id = $1) \
             RETURNING threshold, topup_package_id",
        )
        .bind(account_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((threshold, _)) = &crossing {
            let data = serde_json::json!({"available": available, "threshold": threshold});
            events::emit(&mut tx, account_id, EventType::CreditsLow, now, data).await?;
        }
        tx.commit().await?;
        if let Some((threshold, topup)) = crossing {
            notices::low_balance(state, account_id, available, threshold, topup.is_some()).await;
            due |= topup.is_some();
        }
    }
    if due {
        buy_due_topup(state, account_id, now).await?;
    }
    Ok(())
}

/// What became of a crossing's top-up.
enum Topup {
    Bought,
    /// Not tried: none set, the month's limit reached, or paused after a failure.
    Skipped,
    /// Tried (or impossible) and failed: top-ups pause while this method is the default.
    Failed {
        method_id: Option<String>,
    },
}

/// Buys the top-up of the latest crossing if one is due and allowed; a failure pauses top-ups
/// with that method and tells the owner what to do.
async fn buy_due_topup(state: &AppState, account_id: &str, now: Timestamp) -> AppResult<()> {
    let due: Option<DueRow> = sqlx::query_as(&format!(
        "SELECT topup_due, {ALERT_COLUMNS} FROM balance_alerts WHERE account_id = $1 AND topup_due IS NOT NULL"
    ))
    .bind(account_id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(DueRow {
        topup_due: crossing,
        alert,
    }) = due
    else {
        return Ok(());
    };
    let month = month_key(now);
    let method = checkout::resolve_method(&state.db, account_id, None)
        .await
        .ok();
    let (outcome, why) = match (&alert.topup_package_id, &method) {
        (None, _) => (Topup::Skipped, None),
        (_, None) => (
            Topup::Failed { method_id: None },
            Some("there is no default payment method. Add a card or PayPal.".to_string()),
        ),
        (_, Some(m)) if m.kind == PaymentMethodKind::BankTransfer => (
            Topup::Failed { method_id: Some(m.id.clone()) },
            Some("a bank transfer cannot be charged automatically. Make a card or PayPal your default method.".to_string()),
        ),
        (_, Some(m)) if alert.paused_with(Some(&m.id)) => (Topup::Skipped, None),
        _ if alert.used_in(&month) >= alert.topup_monthly_limit => (Topup::Skipped, None),
        (Some(package_id), Some(m)) => {
            let key = format!("auto-topup:{account_id}:{crossing}");
            match packages::buy(state, account_id, package_id, Some(&m.id), Some(key)).await {
                Ok(bought)
                    if bought
                        .payment
                        .as_ref()
                        .is_some_and(|p| p.status == PaymentStatus::Succeeded) =>
                {
                    (Topup::Bought, None)
                }
                Ok(_) => (
                    Topup::Failed { method_id: Some(m.id.clone()) },
                    Some("the payment did not go through. Update your payment method.".to_string()),
                ),
                Err(e) => (
                    Topup::Failed { method_id: Some(m.id.clone()) },
                    Some(format!("{} Update your payment method.", crate::ui::errors::message(&e))),
                ),
            }
        }
    };
    let settled = settle_topup(state, account_id, crossing, &outcome, &month, now).await?;
    if let (true, Some(why)) = (settled, why) {
        notices::topup_failed(state, account_id, &why).await;
    }
    Ok(())
}

/// Clears the crossing's due top-up, counting a purchase in its month or pausing after a
/// failure. Conditional on the crossing still being due, so one caller settles it: true for
/// that caller.
async fn settle_topup(
    state: &AppState,
    account_id: &str,
    crossing: i64,
    outcome: &Topup,
    month: &str,
    now: Timestamp,
) -> AppResult<bool> {
    let query = match outcome {
        Topup::Bought => sqlx::query(
            "UPDATE balance_alerts SET topup_due = NULL, topup_month = $3, updated_at = $4, \
             topups_in_month = CASE WHEN topup_month = $3 THEN topups_in_month + 1 ELSE 1 END \
             WHERE account_id = $1 AND topup_due = $2",
        )
        .bind(account_id)
        .bind(crossing)
        .bind(month),
        Topup::Skipped => sqlx::query(
            "UPDATE balance_alerts SET topup_due = NULL, updated_at = $3 \
             WHERE account_id = $1 AND topup_due = $2",
        )
        .bind(account_id)
        .bind(crossing),
        Topup::Failed { method_id } => sqlx::query(
            "UPDATE balance_alerts SET topup_due = NULL, topup_failed_method_id = $3, updated_at = $4 \
             WHERE account_id = $1 AND topup_due = $2",
        )
        .bind(account_id)
        .bind(crossing)
        // No method at all: paused until there is one.
        .bind(method_id.clone().unwrap_or_default()),
    };
    let done = query.bind(now).execute(state.db.writer()).await?;
    Ok(done.rows_affected() == 1)
}

/// A due top-up as read with its alert.
#[derive(sqlx::FromRow)]
struct DueRow {
    topup_due: i64,
    #[sqlx(flatten)]
    alert: AlertRow,
}

/// 'YYYY-MM' of `at` (UTC): the month top-ups are counted in.
fn month_key(at: Timestamp) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!("{:04}-{:02}", date.year(), date.month() as u8)
}

//! The renewal job, run by the server's scheduler (and by tests, with a moved clock).
//!
//! Each due subscription is claimed with an expiring lease by a conditional update, so with
//! several server instances exactly one works on it; the renewal invoice has an idempotency
//! key per period and the charge one per payment, so even a lease that ran out mid-work cannot
//! renew twice.
//!
//! Rules (README "Billing rules"):
//! - At the end of a period: a subscription set to cancel ends (unused plan credits expire);
//!   otherwise a renewal invoice for the next period (on the scheduled plan, if a downgrade
//!   waits) is charged to the account's default method.
//! - Paid: the next period starts where the last one ended, unused plan credits expire and the
//!   new period's credits are granted.
//! - Not paid: `past_due` (the plan keeps working) from the period end; the charge is retried
//!   1, 3 and 5 days after it, with an email each time; 7 days after it the subscription is
//!   canceled. A bank-transfer account gets a "payment due" email and the same timeline: an
//!   approved manual payment of the invoice renews it.

use super::periods::next_period_end;
use super::service::{end_now, notify_canceled};
use super::store::{self, SubscriptionRow};
use crate::accounts::test_clock;
use crate::backend::{AppState, Timestamp};
use crate::common::{AppError, AppResult};
use crate::invoices::model::InvoicePurpose;
use crate::invoices::store::{self as invoices, NewInvoice, NewLine};
use crate::mail::notices;
use crate::payments::checkout;
use crate::payments::model::PaymentStatus;
use crate::plans::store as plans;

const DAY: i64 = 86_400;
/// Retries after the first failure, in days from the period end.
pub const RETRY_DAYS: [i64; 3] = [1, 3, 5];
pub const GRACE_DAYS: i64 = 7;
/// How long a claim lasts; a crashed instance's work is picked up after it.
pub const LEASE_SECONDS: i64 = 300;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub renewed: usize,
    pub failed: usize,
    pub canceled: usize,
    pub waiting: usize,
}

/// Renews every subscription that is due now. `owner` names this instance in leases.
pub async fn run_due(state: &AppState, owner: &str) -> AppResult<RunReport> {
    let mut report = RunReport::default();
    let now = state.clock.now();
    for id in store::due_ids(&state.db, now, 200).await? {
        if let Err(e) = run_one(state, &id, owner, &mut report).await {
            tracing::error!(subscription = %id, error = %e.message, "renewal failed");
        }
    }
    Ok(report)
}

/// Applies the rules to one subscription if it is due now and no other instance holds it (the
/// scheduler's step, and an admin's "refresh"); a subscription that is not due is left alone.
pub async fn run_one(
    state: &AppState,
    id: &str,
    owner: &str,
    report: &mut RunReport,
) -> AppResult<()> {
    let now = state.clock.now();
    if !store::claim(&state.db, id, owner, now, now + LEASE_SECONDS).await? {
        return Ok(());
    }
    let result = renew_one(state, id, report).await;
    store::release(&state.db, id, owner).await?;
    result
}

/// When the next step of dunning happens after `attempts` failed charges.
pub fn next_attempt_at(since: Timestamp, attempts: i64) -> Timestamp {
    let days = RETRY_DAYS
        .get((attempts - 1).max(0) as usize)
        .copied()
        .unwrap_or(GRACE_DAYS);
    since + days * DAY
}

async fn renew_one(state: &AppState, id: &str, report: &mut RunReport) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let sub = store::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let now = test_clock::now_in(&mut tx, &state.clock, &sub.account_id).await?;
    let (Some(end), Some(anchor)) = (sub.period_end, sub.anchor_at) else {
        return Err(AppError::internal("due subscription without a period"));
    };
    let past_grace = sub
        .past_due_since
        .is_some_and(|since| now >= since + GRACE_DAYS * DAY);
    if sub.cancel_at_period_end || past_grace {
        end_now(&mut tx, &sub, now).await?;
        tx.commit().await?;
        let why = if past_grace {
            "the payment did not arrive within the grace period."
        } else {
            "it was set to cancel at the end of the period."
        };
        notify_canceled(state, &sub, why).await;
        report.canceled += 1;
        return Ok(());
    }
    let plan_id = sub.scheduled_plan_id.clone().unwrap_or(sub.plan_id.clone());
    let plan = plans::pricing(&mut tx, &plan_id)
        .await?
        .ok_or_else(|| AppError::internal("plan vanished"))?;
    // A switch to monthly billing scheduled for the end of the year starts here.
    let interval = sub.scheduled_interval.unwrap_or(sub.interval);
    let next_end = next_period_end(anchor, interval, end);
    let key = format!("renewal:{}:{end}", sub.id);
    let invoice_id = match invoices::find_by_key(&mut tx, &key).await? {
        Some(id) => id,
        None => {
            invoices::issue(
                &mut tx,
                NewInvoice {
                    account_id: &sub.account_id,
                    seller: &state.settings.seller,
                    purpose: InvoicePurpose::Renewal,
                    subscription_id: Some(&sub.id),
                    plan_id: Some(&plan.id),
                    package_id: None,
                    credits: plan.credits_per_period,
                    period: Some((end, next_end)),
                    interval: Some(interval),
                    currency: plan.currency.as_str(),
                    lines: vec![NewLine {
                        description: format!(
                            "{} plan renewal, {} ({} credits a month)",
                            plan.name,
                            interval.adjective(),
                            plan.credits_per_period
                        ),
                        quantity: 1,
                        unit_amount: plan.price(interval),
                    }],
                    idempotency_key: Some(&key),
                    at: now,
                },
            )
            .await?
        }
    };
    let facts = invoices::facts(&mut tx, &invoice_id)
        .await?
        .ok_or_else(|| AppError::internal("invoice vanished"))?;
    tx.commit().await?;
    let method = checkout::resolve_method(&state.db, &sub.account_id, None)
        .await
        .ok();
    let payment = match &method {
        Some(method) => {
            match checkout::pay(state, &facts, method, checkout::OnDecline::FailPurchase).await {
                Ok(payment) => payment,
                // The account paid the invoice itself meanwhile (pay now): nothing is due.
                Err(e) if e.status() == 409 => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        None => None,
    };
    match payment {
        Some(p) if p.status == PaymentStatus::Succeeded => {
            report.renewed += 1;
            Ok(())
        }
        Some(_) => {
            report.failed += 1;
            mark_past_due(state, &sub, end, now).await
        }
        None => {
            report.waiting += 1;
            if sub.renewal_attempts == 0 {
                notices::payment_due(state, &facts).await;
            }
            mark_past_due(state, &sub, end, now).await
        }
    }
}

async fn mark_past_due(
    state: &AppState,
    sub: &SubscriptionRow,
    period_end: Timestamp,
    now: Timestamp,
) -> AppResult<()> {
    let since = sub.past_due_since.unwrap_or(period_end);
    let attempts = sub.renewal_attempts + 1;
    let mut tx = state.db.begin().await?;
    store::mark_past_due(
        &mut tx,
        &sub.id,
        since,
        attempts,
        next_attempt_at(since, attempts),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dunning_retries_after_one_three_five_days_then_cancels_at_seven() {
        let since = 1_000_000;
        assert_eq!(next_attempt_at(since, 1), since + DAY);
        assert_eq!(next_attempt_at(since, 2), since + 3 * DAY);
        assert_eq!(next_attempt_at(since, 3), since + 5 * DAY);
        assert_eq!(next_attempt_at(since, 4), since + 7 * DAY);
    }
}

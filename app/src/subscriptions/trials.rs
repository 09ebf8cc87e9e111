//! Free trials. A plan may offer one (admin-set days, trial credits, card required or not).
//! Subscribing to it starts `trialing` with the plan's limits and the trial credits, nothing
//! charged. Three days before the end the owner is emailed what will happen; at the end the
//! chosen method is charged the first period (→ `active`, through the usual first invoice) or,
//! with no method or a failed charge, the trial ends (→ `canceled`). Trial credits expire at the
//! end either way. One trial per account, and one per card where a card is given (the card's
//! fingerprint from the processor), whichever account saved it.
//!
//! Exactly once with several instances: the reminder is claimed by a conditional update of
//! `trial_reminded`, the end by moving the subscription out of `trialing` in the transaction
//! that issues the first invoice (keyed `trial-end:{subscription}`).

use super::service::{end_now, notify_canceled};
use super::store::{self, NewSubscription, SubscriptionRow};
use crate::accounts::test_clock;
use crate::backend::db::is_unique_violation;
use crate::backend::{AppState, Timestamp, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::credits::ledger::{self, Entry, EntryKind};
use crate::invoices::model::InvoicePurpose;
use crate::invoices::store::{self as invoices, NewInvoice};
use crate::mail::notices;
use crate::payments::checkout::{self, ChargeableMethod};
use crate::payments::model::PaymentMethodKind;
use crate::plans::model::BillingInterval;
use crate::plans::store::{self as plans, PlanPricing};
use crate::subscriptions::model::SubscriptionStatus;
use crate::subscriptions::periods::add_months;

const DAY: i64 = 86_400;
/// How long before its end a trial's reminder goes out.
pub const REMINDER_DAYS: i64 = 3;

/// A trial the account may start: the method it will be charged to and that card's fingerprint.
pub struct Eligible {
    method_id: Option<String>,
    fingerprint: Option<String>,
}

/// Whether subscribing to `plan` with `method` starts a trial. `wanted`: none takes one when it
/// may be had, `true` insists (an error when it cannot be had), `false` never.
pub async fn eligibility(
    tx: &mut Tx,
    account_id: &str,
    plan: &PlanPricing,
    method: Option<&ChargeableMethod>,
    wanted: Option<bool>,
) -> AppResult<Option<Eligible>> {
    let insists = wanted == Some(true);
    if wanted == Some(false) {
        return Ok(None);
    }
    if plan.trial_days == 0 {
        return match insists {
            true => Err(AppError::invalid("trial", "This plan has no free trial.")),
            false => Ok(None),
        };
    }
    let card = method.filter(|m| m.kind == PaymentMethodKind::Card);
    if plan.trial_requires_card && card.is_none() {
        return match insists {
            true => Err(AppError::invalid(
                "payment_method_id",
                "This plan's free trial needs a card. Add one, or choose it.",
            )),
            false => Ok(None),
        };
    }
    let fingerprint: Option<String> = match card {
        Some(card) => {
            sqlx::query_scalar("SELECT card_fingerprint FROM payment_methods WHERE id = $1")
                .bind(&card.id)
                .fetch_one(&mut **tx)
                .await?
        }
        None => None,
    };
    let used: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM trials WHERE account_id = $1 OR ($2 IS NOT NULL AND card_fingerprint = $2)",
    )
    .bind(account_id)
    .bind(&fingerprint)
    .fetch_optional(&mut **tx)
    .await?;
    if used.is_some() {
        return match insists {
            true => Err(trial_used()),
            false => Ok(None),
        };
    }
    Ok(Some(Eligible {
        method_id: method.map(|m| m.id.clone()),
        fingerprint,
    }))
}

fn trial_used() -> AppError {
    AppError::with_message(
        ErrorKind::Conflict,
        "This account or this card has had its free trial already. Subscribe without a trial.",
    )
}

/// Starts the trial inside `tx` (which the caller commits): the subscription, the record that
/// uses up the account's (and card's) trial, and the trial credits.
pub async fn start(
    tx: &mut Tx,
    new: NewSubscription<'_>,
    plan: &PlanPricing,
    eligible: Eligible,
) -> AppResult<()> {
    let end = new.at + plan.trial_days * DAY;
    let (id, account_id, at) = (new.id, new.account_id, new.at);
    let new = NewSubscription {
        payment_method_id: eligible.method_id.as_deref(),
        ..new
    };
    store::insert_trialing(tx, new, end)
        .await
        .map_err(store::insert_error)?;
    let recorded = sqlx::query(
        "INSERT INTO trials (account_id, card_fingerprint, subscription_id, started_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(&eligible.fingerprint)
    .bind(id)
    .bind(at)
    .execute(&mut **tx)
    .await;
    // Another request of this account, or another account with this card, won the race.
    let taken = |e: &sqlx::Error| {
        is_unique_violation(e, "trials_pkey", "trials.")
            || is_unique_violation(e, "trials_card_fingerprint_key", "trials.")
    };
    match recorded {
        Ok(_) => {}
        Err(e) if taken(&e) => return Err(trial_used()),
        Err(e) => return Err(e.into()),
    }
    if plan.trial_credits > 0 {
        ledger::grant(
            tx,
            Entry {
                account_id,
                kind: EntryKind::PlanGrant,
                amount: plan.trial_credits,
                description: &format!("Free trial credits of the {} plan", plan.name),
                reference_id: Some(id),
                operation: None,
                actor: "system",
                idempotency_key: &format!("trial:{id}"),
                at,
            },
        )
        .await?;
    }
    Ok(())
}

/// What a scheduler pass did with trials.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TrialReport {
    pub reminded: usize,
    pub converted: usize,
    pub ended: usize,
}

/// Reminds trials ending within three days, and ends those whose time is up.
pub async fn run_due(state: &AppState) -> AppResult<TrialReport> {
    let now = state.clock.now();
    // By each account's time (a test clock may move it, `accounts::test_clock`).
    let account_now = test_clock::account_now_sql("account_id", "$1");
    let mut report = TrialReport::default();
    let soon: Vec<(String, String, Timestamp)> = sqlx::query_as(&format!(
        "SELECT id, account_id, current_period_end FROM subscriptions WHERE status = 'trialing' \
         AND trial_reminded = 0 AND current_period_end > {account_now} \
         AND current_period_end <= {account_now} + $2"
    ))
    .bind(now)
    .bind(REMINDER_DAYS * DAY)
    .fetch_all(state.db.pool())
    .await?;
    for (id, account_id, ends) in soon {
        let claimed = sqlx::query(
            "UPDATE subscriptions SET trial_reminded = 1 WHERE id = $1 AND trial_reminded = 0",
        )
        .bind(&id)
        .execute(state.db.writer())
        .await?;
        if claimed.rows_affected() == 1 {
            remind(state, &id, &account_id, ends).await?;
            report.reminded += 1;
        }
    }
    let due: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT id, account_id FROM subscriptions WHERE status = 'trialing' \
         AND current_period_end <= {account_now}"
    ))
    .bind(now)
    .fetch_all(state.db.pool())
    .await?;
    for (id, account_id) in due {
        let now = test_clock::now_for(state, &account_id).await?;
        match end_trial(state, &id, now).await? {
            Some(true) => report.converted += 1,
            Some(false) => report.ended += 1,
            None => {}
        }
    }
    Ok(report)
}

async fn remind(state: &AppState, id: &str, account_id: &str, ends: Timestamp) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let sub = store::find_by_id(&mut tx, id).await?;
    let plan = match &sub {
        Some(sub) => plans::pricing(&mut tx, &sub.plan_id).await?,
        None => None,
    };
    tx.commit().await?;
    let (Some(sub), Some(plan)) = (sub, plan) else {
        return Ok(());
    };
    let then = match (sub.cancel_at_period_end, &sub.payment_method_id) {
        (false, Some(_)) => format!(
            "Then your {} plan continues at {} a {}, charged to your payment method.",
            plan.name,
            plan.money(plan.price(sub.interval)),
            sub.interval.as_str()
        ),
        _ => format!(
            "Then your {} plan ends, unless you choose a payment method to keep it.",
            plan.name
        ),
    };
    notices::trial_ending(state, account_id, ends, &then).await;
    Ok(())
}

/// Ends one trial: charges the first period (Some(true) when that made it active), or ends the
/// subscription (Some(false)); None when another instance (or nothing) was left to do.
async fn end_trial(state: &AppState, id: &str, now: Timestamp) -> AppResult<Option<bool>> {
    let mut tx = state.db.begin().await?;
    let Some(sub) = store::find_by_id(&mut tx, id).await? else {
        return Ok(None);
    };
    if sub.status != SubscriptionStatus::Trialing {
        return Ok(None);
    }
    let method = match (&sub.payment_method_id, sub.cancel_at_period_end) {
        (_, true) => None,
        // The method chosen for the trial, or the default if it was removed since.
        (Some(chosen), false) => {
            match checkout::resolve_method(&state.db, &sub.account_id, Some(chosen)).await {
                Ok(method) => Some(method),
                Err(_) => checkout::resolve_method(&state.db, &sub.account_id, None)
                    .await
                    .ok(),
            }
        }
        (None, false) => checkout::resolve_method(&state.db, &sub.account_id, None)
            .await
            .ok(),
    };
    expire_trial_credits(&mut tx, &sub, now).await?;
    let Some(method) = method else {
        if !store::cancel_now(&mut tx, id, now).await? {
            return Ok(None);
        }
        end_now(&mut tx, &sub, now).await?;
        tx.commit().await?;
        let why = if sub.cancel_at_period_end {
            "it was set to cancel at the end of the free trial."
        } else {
            "the free trial ended without a payment method."
        };
        notify_canceled(state, &sub, why).await;
        return Ok(Some(false));
    };
    // Out of `trialing` in the transaction that issues the first invoice: one instance does it.
    let claimed = sqlx::query(
        "UPDATE subscriptions SET status = 'pending_payment', payment_method_id = $2, updated_at = $3 \
         WHERE id = $1 AND status = 'trialing'",
    )
    .bind(id)
    .bind(&method.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(None);
    }
    let invoice_id = issue_first_invoice(&mut tx, &state.settings.seller, &sub, now).await?;
    match checkout::pay_issued(state, tx, &invoice_id, &method).await {
        Ok(_) => Ok(Some(true)),
        // Declined: the first invoice's failure ended the subscription (payments/settlement.rs).
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::CardDeclined | ErrorKind::InsufficientFunds
            ) =>
        {
            notify_canceled(
                state,
                &sub,
                "the payment at the end of the free trial failed.",
            )
            .await;
            Ok(Some(false))
        }
        Err(e) => Err(e),
    }
}

async fn expire_trial_credits(
    tx: &mut Tx,
    sub: &SubscriptionRow,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let key = format!("expiry:{}:trial", sub.id);
    let description = "Unused free trial credits expired";
    let entry = Entry::plan_expiry(&sub.account_id, &sub.id, description, &key, now);
    ledger::expire_plan_credits(tx, entry).await
}

/// The first period's invoice, as a subscription without a trial gets it when subscribing.
async fn issue_first_invoice(
    tx: &mut Tx,
    seller: &crate::invoices::parties::SellerSettings,
    sub: &SubscriptionRow,
    now: Timestamp,
) -> AppResult<String> {
    let plan = plans::pricing(tx, &sub.plan_id)
        .await?
        .ok_or_else(|| AppError::internal("plan vanished"))?;
    let interval: BillingInterval = sub.interval;
    let key = format!("trial-end:{}", sub.id);
    Ok(invoices::issue(
        tx,
        NewInvoice {
            account_id: &sub.account_id,
            seller,
            purpose: InvoicePurpose::Subscription,
            subscription_id: Some(&sub.id),
            plan_id: Some(&plan.id),
            package_id: None,
            credits: plan.credits_per_period,
            period: Some((now, add_months(now, interval.months()))),
            interval: Some(interval),
            currency: plan.currency.as_str(),
            lines: vec![super::service::first_period_line(&plan, interval)],
            idempotency_key: Some(&key),
            at: now,
        },
    )
    .await?)
}

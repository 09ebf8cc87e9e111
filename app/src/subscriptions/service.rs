//! Subscription rules: subscribe, change plan or interval (plan_change.rs works out how), cancel
//! (at period end by default), resume. Only the account owner changes billing.

use super::model::{
    CancelRequest, ChangeKind, ChangePlanRequest, ChangePreview, SubscribeRequest,
    SubscriptionOutcome, SubscriptionStatus, SubscriptionView,
};
use super::periods::add_months;
use super::plan_change::{self, active_plan};
use super::store::{self, NewSubscription, SubscriptionRow};
use super::trials;
use crate::accounts::test_clock;
use crate::auth::identity::{require_owner, require_paying_owner};
use crate::auth::model::SessionView;
use crate::backend::idempotency::EffectKey;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::credits::ledger::{self, Entry};
use crate::invoices::model::InvoicePurpose;
use crate::invoices::store::{self as invoices, NewInvoice, NewLine};
use crate::payments::checkout;
use crate::plans::model::BillingInterval;
use crate::plans::store::{self as plans, PlanPricing};

pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<SubscriptionView>> {
    Ok(store::list(&state.db, &view.account.id).await?)
}

/// Subscribes to a plan. `effect` (from an idempotency key) keys the first invoice, so a retry
/// of a request cut off by a crash finishes that subscription instead of starting another.
pub async fn subscribe(
    state: &AppState,
    view: &SessionView,
    request: SubscribeRequest,
    effect: Option<&EffectKey>,
) -> AppResult<SubscriptionOutcome> {
    require_paying_owner(view)?;
    let account_id = &view.account.id;
    let invoice_key = effect.map(|e| e.scoped("subscribe"));
    if let Some(done) = resume_effect(state, account_id, invoice_key.as_deref()).await? {
        return Ok(done);
    }
    let interval: BillingInterval = request
        .interval
        .parse()
        .map_err(|_| AppError::invalid("interval", "Choose month or year."))?;
    let method =
        checkout::resolve_method(&state.db, account_id, request.payment_method_id.as_deref()).await;
    let now = test_clock::now_for(state, &view.account.id).await?;
    let subscription_id = new_id("sub");
    let mut tx = state.db.begin().await?;
    let plan = active_plan(&mut tx, &request.plan_id).await?;
    let new = NewSubscription {
        id: &subscription_id,
        account_id,
        plan_id: &plan.id,
        interval,
        payment_method_id: None,
        at: now,
    };
    let trial = trials::eligibility(
        &mut tx,
        account_id,
        &plan,
        method.as_ref().ok(),
        request.trial,
    )
    .await?;
    if let Some(eligible) = trial {
        trials::start(&mut tx, new, &plan, eligible).await?;
        tx.commit().await?;
        crate::credits::live::changed(state, account_id);
        return outcome(state, account_id, &subscription_id, None, None).await;
    }
    let method = method?;
    let new = NewSubscription {
        payment_method_id: Some(&method.id),
        ..new
    };
    store::insert_pending(&mut tx, new)
        .await
        .map_err(store::insert_error)?;
    let end = add_months(now, interval.months());
    let invoice_id = invoices::issue(
        &mut tx,
        NewInvoice {
            account_id,
            seller: &state.settings.seller,
            purpose: InvoicePurpose::Subscription,
            subscription_id: Some(&subscription_id),
            plan_id: Some(&plan.id),
            package_id: None,
            credits: plan.credits_per_period,
            period: Some((now, end)),
            interval: Some(interval),
            currency: plan.currency.as_str(),
            lines: vec![first_period_line(&plan, interval)],
            idempotency_key: invoice_key.as_deref(),
            at: now,
        },
    )
    .await?;
    let payment = checkout::pay_issued(state, tx, &invoice_id, &method).await?;
    outcome(
        state,
        account_id,
        &subscription_id,
        Some(&invoice_id),
        payment,
    )
    .await
}

/// The line of a subscription's first invoice (when subscribing, or when its trial ends).
pub fn first_period_line(plan: &PlanPricing, interval: BillingInterval) -> NewLine {
    NewLine {
        description: format!(
            "{} plan, {} ({} credits a month)",
            plan.name,
            interval.adjective(),
            plan.credits_per_period
        ),
        quantity: 1,
        unit_amount: plan.price(interval),
    }
}

/// What an earlier attempt under the same effect key did, finished: its invoice's pending
/// charge is made (at most once), and the outcome is what that attempt would have answered.
async fn resume_effect(
    state: &AppState,
    account_id: &str,
    invoice_key: Option<&str>,
) -> AppResult<Option<SubscriptionOutcome>> {
    let Some(key) = invoice_key else {
        return Ok(None);
    };
    let mut tx = state.db.begin().await?;
    let invoice_id = invoices::find_by_key(&mut tx, key).await?;
    let facts = match &invoice_id {
        Some(id) => invoices::facts(&mut tx, id).await?,
        None => None,
    };
    tx.commit().await?;
    let Some(facts) = facts.filter(|f| f.account_id == account_id) else {
        return Ok(None);
    };
    let subscription_id = facts
        .subscription_id
        .clone()
        .ok_or_else(|| AppError::internal("subscription invoice without a subscription"))?;
    let payment = checkout::finish_issued(state, account_id, &facts.id).await?;
    outcome(
        state,
        account_id,
        &subscription_id,
        Some(&facts.id),
        payment,
    )
    .await
    .map(Some)
}

async fn outcome(
    state: &AppState,
    account_id: &str,
    subscription_id: &str,
    invoice_id: Option<&str>,
    payment: Option<crate::payments::model::PaymentView>,
) -> AppResult<SubscriptionOutcome> {
    let mut tx = state.db.begin().await?;
    let subscription = store::view(&mut tx, account_id, subscription_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    let invoice = match invoice_id {
        Some(id) => invoices::find(&state.db, Some(account_id), id).await?,
        None => None,
    };
    Ok(SubscriptionOutcome {
        subscription,
        invoice,
        payment,
    })
}

/// The account's subscription `id`, or 404.
async fn owned(tx: &mut Tx, view: &SessionView, id: &str) -> AppResult<SubscriptionRow> {
    store::find(tx, &view.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)
}

fn conflict(message: &str) -> AppError {
    AppError::with_message(ErrorKind::Conflict, message)
}

/// What [`change_plan`] would do with the same request now, without doing it.
pub async fn preview_change(
    state: &AppState,
    view: &SessionView,
    id: &str,
    request: &ChangePlanRequest,
) -> AppResult<ChangePreview> {
    require_paying_owner(view)?;
    let now = test_clock::now_for(state, &view.account.id).await?;
    let mut tx = state.db.begin().await?;
    let sub = owned(&mut tx, view, id).await?;
    let change = plan_change::work_out(&mut tx, &view.account.id, &sub, request, now).await?;
    tx.rollback().await?;
    Ok(change.preview())
}

/// Applies a plan change as [`plan_change`] works it out: an upgrade (or a switch to yearly)
/// now, with its prorated charge and credits; a downgrade (or a switch to monthly) scheduled for
/// the end of the period; the current plan again undoes a scheduled change.
///
/// One guarded transition: the subscription row is locked for the whole decision, and an
/// upgrade marks it with its proration invoice until that invoice is paid or voided, so
/// concurrent changes cannot both charge. `effect` keys the proration invoice, as in
/// [`subscribe`].
pub async fn change_plan(
    state: &AppState,
    view: &SessionView,
    id: &str,
    request: ChangePlanRequest,
    effect: Option<&EffectKey>,
) -> AppResult<SubscriptionOutcome> {
    require_paying_owner(view)?;
    let account_id = &view.account.id;
    let invoice_key = effect.map(|e| e.scoped("change-plan"));
    if let Some(done) = resume_effect(state, account_id, invoice_key.as_deref()).await? {
        return Ok(done);
    }
    let now = test_clock::now_for(state, &view.account.id).await?;
    let mut tx = state.db.begin().await?;
    store::lock(&mut tx, id).await?;
    let sub = owned(&mut tx, view, id).await?;
    let change = plan_change::work_out(&mut tx, account_id, &sub, &request, now).await?;
    if change.kind != ChangeKind::Upgrade {
        let scheduled = (change.kind == ChangeKind::Downgrade)
            .then_some((change.plan.id.as_str(), change.interval));
        store::schedule_change(&mut tx, id, scheduled, now).await?;
        tx.commit().await?;
        return outcome(state, account_id, id, None, None).await;
    }
    let method = checkout::resolve_method(&state.db, account_id, None).await?;
    let invoice_id = invoices::issue(
        &mut tx,
        NewInvoice {
            account_id,
            seller: &state.settings.seller,
            purpose: InvoicePurpose::Proration,
            subscription_id: Some(id),
            plan_id: Some(&change.plan.id),
            package_id: None,
            credits: change.credits,
            period: Some(change.period),
            interval: Some(change.interval),
            currency: change.plan.currency.as_str(),
            lines: vec![NewLine {
                description: change.summary.clone(),
                quantity: 1,
                unit_amount: change.charge,
            }],
            idempotency_key: invoice_key.as_deref(),
            at: now,
        },
    )
    .await?;
    store::schedule_change(&mut tx, id, None, now).await?;
    store::set_changing_invoice(&mut tx, id, Some(&invoice_id), now).await?;
    let payment = checkout::pay_issued(state, tx, &invoice_id, &method).await?;
    outcome(state, account_id, id, Some(&invoice_id), payment).await
}

/// At period end (default): it keeps working until then and does not renew. Immediately: it
/// ends now, unused plan credits expire, open invoices of it are voided; no refund.
pub async fn cancel(
    state: &AppState,
    view: &SessionView,
    id: &str,
    request: CancelRequest,
) -> AppResult<SubscriptionOutcome> {
    require_owner(view)?;
    let now = test_clock::now_for(state, &view.account.id).await?;
    let mut tx = state.db.begin().await?;
    let sub = owned(&mut tx, view, id).await?;
    if sub.status == SubscriptionStatus::Canceled {
        return Err(conflict("This subscription has already ended."));
    }
    let ends_now = !request.at_period_end || sub.status == SubscriptionStatus::PendingPayment;
    if ends_now {
        end_now(&mut tx, &sub, now).await?;
    } else {
        store::set_cancel_at_period_end(&mut tx, id, true, now).await?;
    }
    tx.commit().await?;
    if ends_now {
        notify_canceled(state, &sub, "it was canceled on request.").await;
    }
    outcome(state, &view.account.id, id, None, None).await
}

/// Ends a subscription now inside `tx`: status, open invoices, unused plan credits.
pub async fn end_now(tx: &mut Tx, sub: &SubscriptionRow, now: i64) -> AppResult<()> {
    store::cancel_now(tx, &sub.id, now).await?;
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM invoices WHERE subscription_id = $1 AND status = 'open'",
    )
    .bind(&sub.id)
    .fetch_all(&mut **tx)
    .await?;
    for invoice in open {
        // A bank transfer waiting for approval is withdrawn with its invoice.
        sqlx::query("UPDATE payments SET status = 'rejected', note = 'Subscription canceled', updated_at = $2 WHERE invoice_id = $1 AND status = 'awaiting_approval'")
            .bind(&invoice)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        invoices::void(tx, &invoice, now).await?;
    }
    let key = format!("expiry:{}:canceled", sub.id);
    let description = "Plan credits ended with the subscription";
    let entry = Entry::plan_expiry(&sub.account_id, &sub.id, description, &key, now);
    ledger::expire_plan_credits(tx, entry).await?;
    Ok(())
}

/// Tells the account that its subscription ended (after [`end_now`] committed): the balance
/// streams (its plan credits are gone) and the owner, by email.
pub async fn notify_canceled(state: &AppState, sub: &SubscriptionRow, why: &str) {
    crate::credits::live::changed(state, &sub.account_id);
    let mut name = sub.plan_id.clone();
    if let Ok(mut tx) = state.db.begin().await {
        if let Ok(Some(plan)) = plans::pricing(&mut tx, &sub.plan_id).await {
            name = plan.name;
        }
        let _ = tx.commit().await;
    }
    crate::mail::notices::subscription_canceled(state, &sub.account_id, &name, why).await;
}

/// Undoes a cancellation at period end, while the period lasts.
pub async fn resume(
    state: &AppState,
    view: &SessionView,
    id: &str,
) -> AppResult<SubscriptionOutcome> {
    require_owner(view)?;
    let now = test_clock::now_for(state, &view.account.id).await?;
    let mut tx = state.db.begin().await?;
    let sub = owned(&mut tx, view, id).await?;
    if !sub.cancel_at_period_end || !sub.status.renews() {
        return Err(conflict(
            "Only a subscription set to cancel at period end can be resumed.",
        ));
    }
    store::set_cancel_at_period_end(&mut tx, id, false, now).await?;
    tx.commit().await?;
    outcome(state, &view.account.id, id, None, None).await
}

//! A plan change worked out once: the preview shows it and `service::change_plan` applies it, so
//! what a customer is shown before confirming is what they are then charged and granted.
//!
//! Rules (README "Billing rules" repeats them):
//! - A higher price on the same interval is an upgrade: applied now, the price difference
//!   prorated over what is left of the period.
//! - Monthly → yearly (same plan or another) is applied now too: the year runs from the start of
//!   the current month, whose payment counts towards it, so the charge is the yearly price less
//!   the month already paid.
//! - A lower or equal price, or yearly → monthly, waits for the end of the period (nothing is
//!   refunded), and is refused while the account uses more than the new plan allows.
//! - Choosing the current plan and interval again undoes a change waiting for the period's end.
//! - Credits: on an upgrade the plan-credit difference is prorated over what is left of the
//!   current month (plans grant credits monthly on either interval).

use super::model::{
    change_applies_now, ChangeKind, ChangePlanRequest, ChangePreview, RenewalPreview,
    SubscriptionStatus,
};
use super::monthly_credits::month_of;
use super::periods::{add_months, prorate_credits, prorate_money};
use super::store::SubscriptionRow;
use crate::backend::clock::rfc3339;
use crate::backend::{Timestamp, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::plans::model::{BillingInterval, PlanRef};
use crate::plans::store::{self as plans, PlanPricing};

/// A plan change and everything it does.
#[derive(Debug, Clone)]
pub struct PlanChange {
    pub kind: ChangeKind,
    /// The plan after the change.
    pub plan: PlanPricing,
    pub interval: BillingInterval,
    pub effective_at: Timestamp,
    /// Charged now, in minor units of the plan's currency.
    pub charge: i64,
    /// Plan credits granted with the payment.
    pub credits: i64,
    /// The period the charge pays for: the rest of the current one, or the year bought by a
    /// switch to yearly billing.
    pub period: (Timestamp, Timestamp),
    pub summary: String,
    /// The first renewal after the change (date, amount); none when set to end.
    pub renewal: Option<(Timestamp, i64)>,
}

impl PlanChange {
    pub fn preview(&self) -> ChangePreview {
        ChangePreview {
            kind: self.kind,
            plan: PlanRef {
                id: self.plan.id.clone(),
                name: self.plan.name.clone(),
            },
            interval: self.interval,
            effective_at: rfc3339(self.effective_at),
            charge_now: self.plan.money(self.charge),
            credits_now: self.credits,
            summary: self.summary.clone(),
            renewal: self.renewal.map(|(date, amount)| RenewalPreview {
                date: rfc3339(date),
                amount: self.plan.money(amount),
                credits_per_month: self.plan.credits_per_period,
            }),
        }
    }
}

/// An active plan, or the 422 a client gets for anything else.
pub async fn active_plan(tx: &mut Tx, plan_id: &str) -> AppResult<PlanPricing> {
    plans::pricing(tx, plan_id)
        .await?
        .filter(|p| p.is_active)
        .ok_or_else(|| AppError::invalid("plan_id", "Choose one of the plans offered."))
}

/// Decides what changing `sub` as `request` asks does at `now`, or why it cannot be done.
/// Changes nothing; `sub` is read in `tx` (and locked there when the change is applied).
pub async fn work_out(
    tx: &mut Tx,
    account_id: &str,
    sub: &SubscriptionRow,
    request: &ChangePlanRequest,
    now: Timestamp,
) -> AppResult<PlanChange> {
    let interval = match request.interval.as_deref().map(str::trim) {
        None | Some("") => sub.interval,
        Some(text) => text
            .parse()
            .map_err(|_| AppError::invalid("interval", "Choose month or year."))?,
    };
    changeable(sub)?;
    let new = active_plan(tx, &request.plan_id).await?;
    let old = plans::pricing(tx, &sub.plan_id)
        .await?
        .ok_or_else(|| AppError::internal("plan vanished"))?;
    let (start, end) = sub
        .period_start
        .zip(sub.period_end)
        .ok_or_else(|| AppError::internal("active subscription without a period"))?;
    let renews = !sub.cancel_at_period_end;
    let unchanged = |kind, summary: String, renewal_amount: i64, plan: PlanPricing| PlanChange {
        kind,
        interval,
        effective_at: if kind == ChangeKind::Keep { now } else { end },
        charge: 0,
        credits: 0,
        period: (now, end),
        summary,
        renewal: renews.then_some((end, renewal_amount)),
        plan,
    };
    if new.id == old.id && interval == sub.interval {
        if sub.scheduled_plan_id.is_none() && sub.scheduled_interval.is_none() {
            return Err(conflict("The subscription is already on this plan."));
        }
        let summary = format!(
            "Stay on {} billed {}: the change waiting for the end of the period is undone",
            old.name,
            interval.adjective()
        );
        let price = old.price(interval);
        return Ok(unchanged(ChangeKind::Keep, summary, price, old));
    }
    if new.id != old.id && new.price_month <= old.price_month {
        // A lower plan is refused while the account uses more than it allows.
        let problems =
            crate::limits::service::over_limits_for(tx, account_id, &new.id, now).await?;
        if !problems.is_empty() {
            return Err(conflict(&format!(
                "Before downgrading to {}: {}.",
                new.name,
                problems.join("; ")
            )));
        }
    }
    let (from, to) = (sub.interval, interval);
    if !change_applies_now(from, to, old.price(from), new.price(from)) {
        let summary = format!(
            "{} billed {} from {}, the end of the current period",
            new.name,
            interval.adjective(),
            day(end)
        );
        let price = new.price(interval);
        return Ok(unchanged(ChangeKind::Downgrade, summary, price, new));
    }
    let month = match sub.interval {
        BillingInterval::Year => month_of(start, now),
        BillingInterval::Month => (start, end),
    };
    let credits = prorate_credits(
        (new.credits_per_period - old.credits_per_period).max(0),
        month.0,
        month.1,
        now,
    );
    let (charge, period, summary) = if interval == sub.interval {
        let days_left = (end - now).max(0) / 86_400;
        (
            prorate_money(new.price(interval) - old.price(interval), start, end, now),
            (now, end),
            format!(
                "Upgrade from {} to {}, prorated for the {days_left} remaining days (+{credits} credits)",
                old.name, new.name
            ),
        )
    } else {
        let year = (start, add_months(start, 12));
        (
            (new.price_year - old.price_month).max(0),
            year,
            format!(
                "{} billed yearly from {} to {}, less this month's {} plan already paid (+{credits} credits)",
                new.name,
                day(year.0),
                day(year.1),
                old.name
            ),
        )
    };
    Ok(PlanChange {
        kind: ChangeKind::Upgrade,
        interval,
        effective_at: now,
        charge,
        credits,
        period,
        summary,
        renewal: renews.then_some((period.1, new.price(interval))),
        plan: new,
    })
}

/// Only an active subscription with no upgrade being paid for changes plans.
fn changeable(sub: &SubscriptionRow) -> AppResult<()> {
    if sub.changing_invoice_id.is_some() {
        return Err(conflict(
            "A plan change is already being paid for. Wait for it to finish, then try again.",
        ));
    }
    match sub.status {
        SubscriptionStatus::Active => Ok(()),
        SubscriptionStatus::PastDue => {
            Err(conflict("Pay the overdue invoice before changing plans."))
        }
        SubscriptionStatus::PendingPayment => {
            Err(conflict("The first payment has not arrived yet."))
        }
        SubscriptionStatus::Trialing => Err(conflict(
            "Plans change after the free trial. To try another plan now, cancel this one and subscribe to it.",
        )),
        SubscriptionStatus::Canceled => Err(conflict(
            "This subscription has ended. Subscribe again to choose a plan.",
        )),
    }
}

fn day(at: Timestamp) -> String {
    crate::ui::format::date(&rfc3339(at))
}

fn conflict(message: &str) -> AppError {
    AppError::with_message(ErrorKind::Conflict, message)
}

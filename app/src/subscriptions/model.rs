//! Subscriptions as API clients and the browser see them.

use crate::common::states::text_enum;
use crate::common::Money;
use crate::invoices::model::InvoiceView;
use crate::payments::model::PaymentView;
use crate::plans::model::{BillingInterval, PlanRef};
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where a subscription is in its life.
    pub enum SubscriptionStatus {
        /// Created; its first invoice is not paid yet.
        PendingPayment = "pending_payment",
        Trialing = "trialing",
        Active = "active",
        /// A renewal payment failed; retried for a while before the subscription ends.
        PastDue = "past_due",
        Canceled = "canceled",
    }
}

impl SubscriptionStatus {
    /// Goes on at the end of its period (unless set to cancel then): renews, or a trial turns
    /// into the first paid period.
    pub fn renews(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue | SubscriptionStatus::Trialing
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    pub id: String,
    pub plan: PlanRef,
    pub status: SubscriptionStatus,
    pub interval: BillingInterval,
    pub current_period_start: Option<String>,
    pub current_period_end: Option<String>,
    /// When the next charge happens; none once it is set to end.
    pub renewal_date: Option<String>,
    pub cancel_at_period_end: bool,
    /// A downgrade waiting for the end of the period.
    pub scheduled_plan: Option<PlanRef>,
    /// The interval it renews at then (a switch to monthly billing waits for the year's end).
    pub scheduled_interval: Option<BillingInterval>,
    pub payment_method_id: Option<String>,
    pub canceled_at: Option<String>,
}

/// Whether a change from the `from` interval to `to` takes effect now (and is charged now): a
/// switch to yearly billing, or a higher price on the same interval. The rule of
/// app/src/subscriptions/plan_change.rs, which the plans page labels its buttons by.
pub fn change_applies_now(
    from: BillingInterval,
    to: BillingInterval,
    old_price: i64,
    new_price: i64,
) -> bool {
    match (from, to) {
        (BillingInterval::Month, BillingInterval::Year) => true,
        (BillingInterval::Year, BillingInterval::Month) => false,
        _ => new_price > old_price,
    }
}

impl SubscriptionView {
    pub fn is_live(&self) -> bool {
        self.status != SubscriptionStatus::Canceled
    }
}

/// A change of subscription with the invoice and payment it caused, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionOutcome {
    pub subscription: SubscriptionView,
    pub invoice: Option<InvoiceView>,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// `POST /api/v1/auth/subscriptions/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscribeRequest {
    #[serde(default)]
    pub plan_id: String,
    #[serde(default)]
    pub interval: String,
    #[serde(default)]
    pub payment_method_id: Option<String>,
    /// The plan's free trial: none takes it when the account (and card) may have it, `true`
    /// insists (an error when it cannot be had), `false` pays now.
    #[serde(default)]
    pub trial: Option<bool>,
}

/// `POST /api/v1/auth/subscriptions/{id}/change-plan/` and its `preview/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePlanRequest {
    #[serde(default)]
    pub plan_id: String,
    /// `month` or `year`; none (or blank) keeps the subscription's interval.
    #[serde(default)]
    pub interval: Option<String>,
}

text_enum! {
    /// What a plan change does.
    pub enum ChangeKind {
        /// Applied now and charged now: a higher price, or a switch to yearly billing.
        Upgrade = "upgrade",
        /// Applied at the end of the period, nothing charged now: a lower price, or a switch to
        /// monthly billing.
        Downgrade = "downgrade",
        /// Back to the current plan and interval: the change waiting for the period's end is
        /// undone.
        Keep = "keep",
    }
}

/// What a plan change will do, before it is made: the numbers the change then applies
/// (app/src/subscriptions/plan_change.rs computes both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePreview {
    pub kind: ChangeKind,
    pub plan: PlanRef,
    pub interval: BillingInterval,
    /// When the change takes effect: now, or the end of the current period.
    pub effective_at: String,
    /// Charged now (zero unless `kind` is `upgrade`).
    pub charge_now: Money,
    /// Plan credits granted now, with the payment.
    pub credits_now: i64,
    /// The change in words, as the invoice line says it.
    pub summary: String,
    /// The first renewal after the change; none when the subscription is set to end.
    pub renewal: Option<RenewalPreview>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenewalPreview {
    pub date: String,
    pub amount: Money,
    /// Plan credits granted each month from then on.
    pub credits_per_month: i64,
}

/// `POST /api/v1/auth/subscriptions/{id}/cancel/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CancelRequest {
    #[serde(default = "at_period_end_by_default")]
    pub at_period_end: bool,
}

impl Default for CancelRequest {
    fn default() -> Self {
        CancelRequest {
            at_period_end: true,
        }
    }
}

fn at_period_end_by_default() -> bool {
    true
}

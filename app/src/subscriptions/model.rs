//! Subscriptions as API clients and the browser see them.

use crate::common::states::text_enum;
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
    /// Renews at the end of its period (unless set to cancel then).
    pub fn renews(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub payment_method_id: Option<String>,
    pub canceled_at: Option<String>,
}

impl SubscriptionView {
    pub fn is_live(&self) -> bool {
        self.status != SubscriptionStatus::Canceled
    }
}

/// A change of subscription with the invoice and payment it caused, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionOutcome {
    pub subscription: SubscriptionView,
    pub invoice: Option<InvoiceView>,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// `POST /api/v1/auth/subscriptions/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubscribeRequest {
    #[serde(default)]
    pub plan_id: String,
    #[serde(default)]
    pub interval: String,
    #[serde(default)]
    pub payment_method_id: Option<String>,
}

/// `POST /api/v1/auth/subscriptions/{id}/change-plan/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangePlanRequest {
    #[serde(default)]
    pub plan_id: String,
}

/// `POST /api/v1/auth/subscriptions/{id}/cancel/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

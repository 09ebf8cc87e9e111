//! What the admin area shows and sends: the overview's figures, accounts, audit entries, and the
//! catalog edits (credit costs and packages).

use crate::accounts::model::Role;
use crate::common::Money;
use crate::plans::model::BillingInterval;
use crate::subscriptions::model::SubscriptionStatus;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/admin/billing/stats/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsView {
    pub accounts_total: i64,
    pub accounts_new_this_month: i64,
    /// Active (or past-due) subscriptions per plan name.
    pub subscriptions_by_plan: Vec<(String, i64)>,
    /// Monthly recurring revenue per currency, net of tax (plan prices); a yearly plan counts as
    /// 1/12 of its price.
    pub mrr: Vec<Money>,
    /// Succeeded payments this month, tax included.
    pub revenue_this_month: Vec<Money>,
    /// Invoices paid this month: their net amounts and their tax, per currency.
    pub revenue_net_this_month: Vec<Money>,
    pub tax_this_month: Vec<Money>,
    /// Succeeded payments in `chart_currency` per month, oldest first, the last 12 months.
    pub revenue_by_month: Vec<MonthFigure>,
    pub chart_currency: String,
    pub credits_by_month: Vec<CreditsMonth>,
    pub pending_approvals: i64,
    pub failed_payments_7d: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthFigure {
    /// `YYYY-MM`.
    pub month: String,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreditsMonth {
    pub month: String,
    pub granted: i64,
    pub used: i64,
}

/// One row of `/admin/accounts` and `GET /api/v1/admin/users/`: a user with their account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminUserRow {
    pub user_id: String,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub account_id: String,
    pub account_name: String,
    pub account_slug: String,
    pub plan: Option<String>,
    pub subscription_status: Option<SubscriptionStatus>,
    pub credit_balance: i64,
    pub created_at: String,
}

/// Search, filters, sort and page of the accounts list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserQuery {
    /// Part of the account name, slug or user email.
    #[serde(default)]
    pub q: Option<String>,
    /// A plan slug.
    #[serde(default)]
    pub plan: Option<String>,
    /// A subscription status, or `none` for accounts without a subscription.
    #[serde(default)]
    pub status: Option<String>,
    /// `created` (newest first, default), `email`, `balance` (highest first), `account`.
    #[serde(default)]
    pub sort: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    pub id: String,
    pub actor_id: String,
    pub actor_email: String,
    /// e.g. `credits.adjust`, `payment.approve`, `credit_package.update`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditQuery {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub target_id: Option<String>,
}

/// `PUT /api/v1/admin/credit-costs/`: new credits per operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CostChange {
    pub operation: String,
    pub credits: i64,
}

/// A package as admins see and edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminPackage {
    pub id: String,
    pub name: String,
    pub credits: i64,
    pub price: Money,
    pub is_active: bool,
    pub is_featured: bool,
    pub sort_order: i64,
}

/// `POST /api/v1/admin/credit-packages/` and `PUT …/{id}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PackageInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credits: i64,
    /// Minor units.
    #[serde(default)]
    pub price: i64,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub is_featured: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
}

/// One row of `/admin/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminSubscriptionRow {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub plan: String,
    pub status: SubscriptionStatus,
    pub interval: BillingInterval,
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
}

/// `POST /api/v1/admin/subscriptions/{id}/cancel/`. At period end unless said otherwise, with a
/// body or without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminCancel {
    #[serde(default = "yes")]
    pub at_period_end: bool,
    #[serde(default)]
    pub note: String,
}

impl Default for AdminCancel {
    fn default() -> Self {
        AdminCancel {
            at_period_end: yes(),
            note: String::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/admin/subscriptions/{id}/activate/`: why (e.g. "paid by cheque no. 123").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminNote {
    #[serde(default)]
    pub note: String,
}

/// `POST /api/v1/admin/subscriptions/{id}/refresh/`: the renewal rules applied now, and what
/// they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefreshOutcome {
    pub status_before: SubscriptionStatus,
    pub status: SubscriptionStatus,
    /// `renewed`, `payment_failed`, `awaiting_payment`, `canceled` or `up_to_date`.
    pub outcome: String,
    pub message: String,
}

/// A plan as admins see it: the tenant-facing view plus what only admins manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminPlan {
    pub plan: crate::plans::model::PlanView,
    pub is_active: bool,
    pub sort_order: i64,
    /// Subscriptions that are not canceled: such a plan can be deactivated, not deleted.
    pub subscribers: i64,
}

/// `POST /api/v1/admin/plans/` and `PUT …/{id}/`. Prices in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanInput {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub price_month: i64,
    #[serde(default)]
    pub price_year: i64,
    #[serde(default)]
    pub credits_per_period: i64,
    #[serde(default)]
    pub limit_sites: i64,
    #[serde(default)]
    pub limit_seats: i64,
    #[serde(default)]
    pub modules: Vec<String>,
    #[serde(default)]
    pub features: Vec<String>,
    /// Days of free trial; 0: none.
    #[serde(default)]
    pub trial_days: i64,
    /// Plan credits granted for the trial.
    #[serde(default)]
    pub trial_credits: i64,
    #[serde(default)]
    pub trial_requires_card: bool,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
}

/// The modules a plan can include.
pub const MODULES: &[&str] = &["planner", "writer", "automation"];

/// One country's rate as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaxRateView {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// What invoices call it: "VAT", "GST", "Sales tax".
    pub name: String,
    /// Basis points: 1900 is 19%.
    pub rate_bp: i64,
}

/// `PUT /api/v1/admin/tax-rates/{country}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaxRateInput {
    pub name: String,
    /// Basis points, 0 to 10,000 (100%).
    pub rate_bp: i64,
}

//! The ledger and balance as API clients and the browser see them.

use crate::common::states::text_enum;
use crate::common::{AppError, ErrorKind};
use serde::{Deserialize, Serialize};

pub const PURCHASE_URL: &str = "/account/billing#credit-packages";
pub const UPGRADE_URL: &str = "/account/plans";

text_enum! {
    /// What a ledger entry records.
    pub enum EntryKind {
        /// A period's plan credits; they expire at the end of the period.
        PlanGrant = "plan_grant",
        /// Bought credits (a package); they never expire.
        Purchase = "purchase",
        /// Credits spent by a metered operation (negative). Plan credits are spent first.
        Usage = "usage",
        /// An admin's signed correction; never expires.
        Adjustment = "adjustment",
        /// Credits reserved for a running task (negative): not spendable until released.
        Hold = "hold",
        /// A hold given back (positive): settled, failed or expired.
        Release = "release",
        /// Unspent plan credits taken back when their period ends (negative).
        Expiry = "expiry",
    }
}

text_enum! {
    /// Where a hold of a running task's credits is.
    pub enum HoldStatus {
        Open = "open",
        /// Charged: the task succeeded.
        Settled = "settled",
        /// Given back: the task failed or was abandoned.
        Released = "released",
        /// Given back after a crash left it open too long.
        Expired = "expired",
    }
}

/// 402 `insufficient_credits`: the same error from the server's hold and the browser's preflight.
pub fn insufficient(required: i64, available: i64) -> AppError {
    AppError::with_message(
        ErrorKind::InsufficientCredits {
            required,
            available,
            purchase_url: PURCHASE_URL.into(),
            upgrade_url: UPGRADE_URL.into(),
        },
        format!(
            "This task needs {required} credits (its estimate plus a 20% buffer); {available} are available. Nothing was started."
        ),
    )
}

/// `GET /api/v1/billing/transactions/balance/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BalanceView {
    pub balance: i64,
    pub held: i64,
    pub available: i64,
    pub plan_credits_per_period: i64,
    pub period_end: Option<String>,
    /// The owner's low-balance alert: `available` below it shows the banner (credits/alerts.rs).
    #[serde(default)]
    pub low_balance_threshold: Option<i64>,
}

/// One ledger entry: a grant, expiry, purchase, usage or adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LedgerEntryView {
    pub id: String,
    pub kind: EntryKind,
    pub amount: i64,
    pub balance_after: i64,
    pub description: String,
    pub reference_id: Option<String>,
    /// The metered operation of a hold, release or usage entry.
    pub operation: Option<String>,
    /// `system`, or the id of the user or admin who caused the entry.
    pub actor: String,
    pub created_at: String,
}

/// Credits charged per unit of an operation: `credits` for every `unit_size` units (started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreditCost {
    pub operation: String,
    pub label: String,
    pub credits: i64,
    pub unit_size: i64,
    pub unit_label: String,
}

impl CreditCost {
    /// The cost of `quantity` units: every started block of `unit_size` costs `credits`.
    pub fn cost_of(&self, quantity: i64) -> i64 {
        let blocks = (quantity.max(1) + self.unit_size - 1) / self.unit_size;
        blocks * self.credits
    }
}

/// The preflight buffer: a hold covers the estimate plus 20%, rounded up.
pub fn with_buffer(cost: i64) -> i64 {
    (cost * 6 + 4) / 5
}

/// `GET /api/v1/billing/credits/estimate/`: the cost, the buffer, and whether the available
/// balance covers the hold a task would place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub operation: String,
    pub quantity: i64,
    pub cost: i64,
    pub buffer: i64,
    pub required: i64,
    pub available: i64,
    pub covered: bool,
}

/// A credit package as tenants see it (`GET /api/v1/billing/credit-packages/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreditPackageView {
    pub id: String,
    pub name: String,
    pub credits: i64,
    pub price: crate::common::Money,
    pub is_featured: bool,
}

/// The account's low-balance alert and automatic top-up (`GET /api/v1/billing/balance-alert/`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BalanceAlertView {
    /// Alert when the available balance falls below this many credits; none: alerts off.
    pub threshold: Option<i64>,
    /// The package bought automatically at each crossing; none: alerts only.
    pub topup_package_id: Option<String>,
    /// At most this many automatic top-ups a calendar month (UTC).
    pub topup_monthly_limit: i64,
    pub topups_this_month: i64,
    /// The last automatic top-up failed with the default method: none are tried until the
    /// default method changes (or the settings are saved again).
    pub topup_paused: bool,
}

/// `PUT /api/v1/billing/balance-alert/`. No threshold turns alerts (and top-ups) off.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BalanceAlertRequest {
    #[serde(default)]
    pub threshold: Option<i64>,
    #[serde(default)]
    pub topup_package_id: Option<String>,
    #[serde(default)]
    pub topup_monthly_limit: Option<i64>,
}

/// `POST /api/v1/billing/credit-packages/{id}/purchase/` — `{payment_method_id?}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PurchaseRequest {
    #[serde(default)]
    pub payment_method_id: Option<String>,
}

/// What a purchase did: the invoice, and the payment when one was charged (a bank transfer
/// leaves the invoice open for a manual payment; the credits arrive when it is approved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PurchaseOutcome {
    pub invoice: crate::invoices::model::InvoiceView,
    pub payment: Option<crate::payments::model::PaymentView>,
    pub credits_granted: bool,
}

/// Filters of the ledger and usage lists (`?kind=&operation=&from=YYYY-MM-DD&to=YYYY-MM-DD`,
/// both dates inclusive, UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageFilter {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// One metered operation's use (`GET /api/v1/billing/credits/usage/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageLogView {
    pub id: String,
    pub operation: String,
    pub quantity: i64,
    pub credits: i64,
    pub site_id: Option<String>,
    pub task_id: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OperationTotal {
    pub operation: String,
    pub label: String,
    pub runs: i64,
    pub quantity: i64,
    pub credits: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayTotal {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub credits: i64,
}

/// `GET /api/v1/billing/credits/usage/summary/`: totals per operation, and per day for every
/// day of the range (days without use are 0, so a chart has no gaps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageSummary {
    pub from: String,
    pub to: String,
    pub total_credits: i64,
    pub by_operation: Vec<OperationTotal>,
    pub by_day: Vec<DayTotal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(credits: i64, unit_size: i64) -> CreditCost {
        CreditCost {
            operation: "op".into(),
            label: "Op".into(),
            credits,
            unit_size,
            unit_label: "units".into(),
        }
    }

    #[test]
    fn every_started_block_costs() {
        assert_eq!(cost(2, 100).cost_of(1), 2);
        assert_eq!(cost(2, 100).cost_of(100), 2);
        assert_eq!(cost(2, 100).cost_of(101), 4);
        assert_eq!(cost(10, 1000).cost_of(1500), 20);
        assert_eq!(cost(5, 1).cost_of(1), 5);
    }

    #[test]
    fn the_buffer_is_twenty_percent_rounded_up() {
        assert_eq!(with_buffer(10), 12);
        assert_eq!(with_buffer(5), 6);
        assert_eq!(with_buffer(2), 3);
        assert_eq!(with_buffer(0), 0);
    }
}

use crate::common::states::text_enum;
use crate::common::Money;
use serde::{Deserialize, Serialize};

text_enum! {
    /// How often a subscription renews and is charged.
    pub enum BillingInterval { Month = "month", Year = "year" }
}

impl BillingInterval {
    /// Months in one period.
    pub fn months(self) -> u32 {
        match self {
            BillingInterval::Month => 1,
            BillingInterval::Year => 12,
        }
    }

    /// "monthly" or "yearly", as invoice lines say it.
    pub fn adjective(self) -> &'static str {
        match self {
            BillingInterval::Month => "monthly",
            BillingInterval::Year => "yearly",
        }
    }
}

impl Prices {
    /// The price of one period of `interval`.
    pub fn of(&self, interval: BillingInterval) -> &Money {
        match interval {
            BillingInterval::Month => &self.month,
            BillingInterval::Year => &self.year,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Prices {
    pub month: Money,
    pub year: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanLimits {
    pub sites: i64,
    pub seats: i64,
    pub modules: Vec<String>,
}

/// A plan named where another object points to it (a subscription's plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanRef {
    pub id: String,
    pub name: String,
}

/// A plan as docs/api.md shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub prices: Prices,
    pub credits_per_period: i64,
    pub limits: PlanLimits,
    pub features: Vec<String>,
    /// The free trial the plan offers, if any.
    #[serde(default)]
    pub trial: Option<TrialTerms>,
}

/// A plan's free trial (subscriptions/trials.rs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrialTerms {
    pub days: i64,
    /// Plan credits granted for the trial; they expire when it ends.
    pub credits: i64,
    /// Starting it needs a card (charged when the trial ends).
    pub requires_card: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanList {
    pub items: Vec<PlanView>,
}

use crate::common::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    pub month: Money,
    pub year: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    pub sites: i64,
    pub seats: i64,
    pub modules: Vec<String>,
}

/// A plan as API.md shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub prices: Prices,
    pub credits_per_period: i64,
    pub limits: PlanLimits,
    pub features: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanList {
    pub items: Vec<PlanView>,
}

//! The ledger and balance as API clients and the browser see them.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/billing/transactions/balance/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceView {
    pub balance: i64,
    pub held: i64,
    pub available: i64,
    pub plan_credits_per_period: i64,
    pub period_end: Option<String>,
}

/// One ledger entry: a grant, expiry, purchase, usage or adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntryView {
    pub id: String,
    pub kind: String,
    pub amount: i64,
    pub balance_after: i64,
    pub description: String,
    pub reference_id: Option<String>,
    pub created_at: String,
}

/// Credits charged per unit of an operation: `credits` for every `unit_size` units (started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Estimate {
    pub operation: String,
    pub quantity: i64,
    pub cost: i64,
    pub buffer: i64,
    pub required: i64,
    pub available: i64,
    pub covered: bool,
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

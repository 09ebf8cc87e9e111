//! Limits as API clients and the browser see them.

use serde::{Deserialize, Serialize};

/// One limit of the plan: `GET /api/v1/billing/credits/usage/limits/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LimitView {
    /// `sites` or `seats`.
    pub key: String,
    pub label: String,
    pub limit: i64,
    pub used: i64,
    pub remaining: i64,
}

impl LimitView {
    /// At or above 80% of the limit: time to warn before the wall.
    pub fn is_near(&self) -> bool {
        self.limit > 0 && self.used * 5 >= self.limit * 4
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LimitsView {
    pub plan: Option<String>,
    pub items: Vec<LimitView>,
    pub modules: Vec<String>,
}

impl LimitsView {
    pub fn get(&self, key: &str) -> Option<&LimitView> {
        self.items.iter().find(|l| l.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(limit: i64, used: i64) -> LimitView {
        LimitView {
            key: "sites".into(),
            label: "Sites".into(),
            limit,
            used,
            remaining: limit - used,
        }
    }

    #[test]
    fn the_warning_starts_at_eighty_percent() {
        assert!(!limit(5, 3).is_near());
        assert!(limit(5, 4).is_near());
        assert!(limit(5, 5).is_near());
        assert!(!limit(0, 0).is_near());
    }
}

//! SQL for plans.

use super::model::{BillingInterval, PlanLimits, PlanView, Prices, TrialTerms};
use crate::backend::{Db, Flag};
use crate::common::{Currency, Money};

/// Every active plan, in the catalogue's order.
pub async fn list_active(db: &Db) -> Result<Vec<PlanView>, sqlx::Error> {
    let rows = sqlx::query_as::<_, PlanRow>(
        "SELECT id, name, slug, currency, price_month, price_year, credits_per_period, limit_sites, \
         limit_seats, modules, features, trial_days, trial_credits, trial_requires_card \
         FROM plans WHERE is_active = 1 ORDER BY sort_order, price_month",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(PlanView::from).collect())
}

/// A plan as the catalogue reads it (the admins' list reads the same columns and more).
#[derive(Debug, sqlx::FromRow)]
pub struct PlanRow {
    id: String,
    name: String,
    slug: String,
    #[sqlx(try_from = "String")]
    currency: Currency,
    price_month: i64,
    price_year: i64,
    credits_per_period: i64,
    limit_sites: i64,
    limit_seats: i64,
    /// Comma-separated module names.
    modules: String,
    /// One feature per line.
    features: String,
    trial_days: i64,
    trial_credits: i64,
    trial_requires_card: Flag,
}

impl From<PlanRow> for PlanView {
    fn from(row: PlanRow) -> Self {
        let split = |text: String, sep: char| -> Vec<String> {
            text.split(sep)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        PlanView {
            id: row.id,
            name: row.name,
            slug: row.slug,
            prices: Prices {
                month: Money::new(row.price_month, row.currency.clone()),
                year: Money::new(row.price_year, row.currency),
            },
            credits_per_period: row.credits_per_period,
            limits: PlanLimits {
                sites: row.limit_sites,
                seats: row.limit_seats,
                modules: split(row.modules, ','),
            },
            features: split(row.features, '\n'),
            trial: (row.trial_days > 0).then(|| TrialTerms {
                days: row.trial_days,
                credits: row.trial_credits,
                requires_card: row.trial_requires_card.into(),
            }),
        }
    }
}

/// What billing needs to know of a plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanPricing {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub currency: Currency,
    pub price_month: i64,
    pub price_year: i64,
    pub credits_per_period: i64,
    #[sqlx(try_from = "Flag")]
    pub is_active: bool,
    pub trial_days: i64,
    pub trial_credits: i64,
    #[sqlx(try_from = "Flag")]
    pub trial_requires_card: bool,
}

impl PlanPricing {
    /// `amount` minor units of the plan's currency.
    pub fn money(&self, amount: i64) -> Money {
        Money::new(amount, self.currency.clone())
    }

    /// The price of one period of `interval`.
    pub fn price(&self, interval: BillingInterval) -> i64 {
        match interval {
            BillingInterval::Month => self.price_month,
            BillingInterval::Year => self.price_year,
        }
    }
}

pub async fn pricing(
    tx: &mut crate::backend::Tx,
    id: &str,
) -> Result<Option<PlanPricing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, currency, price_month, price_year, credits_per_period, is_active, trial_days, \
         trial_credits, trial_requires_card FROM plans WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

//! SQL for plans.

use super::model::{BillingInterval, PlanLimits, PlanView, Prices};
use crate::backend::Db;
use crate::common::{Currency, Money};
use sqlx::Row;

/// Every active plan, in the catalogue's order.
pub async fn list_active(db: &Db) -> Result<Vec<PlanView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, slug, currency, price_month, price_year, credits_per_period, limit_sites, \
         limit_seats, modules, features FROM plans WHERE is_active = 1 ORDER BY sort_order, price_month",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(plan_from_row).collect()
}

pub fn plan_from_row(row: &sqlx::any::AnyRow) -> Result<PlanView, sqlx::Error> {
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let split = |text: String, sep: char| -> Vec<String> {
        text.split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    Ok(PlanView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        prices: Prices {
            month: Money::new(row.try_get("price_month")?, currency.clone()),
            year: Money::new(row.try_get("price_year")?, currency),
        },
        credits_per_period: row.try_get("credits_per_period")?,
        limits: PlanLimits {
            sites: row.try_get("limit_sites")?,
            seats: row.try_get("limit_seats")?,
            modules: split(row.try_get("modules")?, ','),
        },
        features: split(row.try_get("features")?, '\n'),
    })
}

/// What billing needs to know of a plan.
#[derive(Debug, Clone)]
pub struct PlanPricing {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub price_month: i64,
    pub price_year: i64,
    pub credits_per_period: i64,
    pub is_active: bool,
}

impl PlanPricing {
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
    let row = sqlx::query(
        "SELECT id, name, currency, price_month, price_year, credits_per_period, is_active FROM plans WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(PlanPricing {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            currency: row.try_get("currency")?,
            price_month: row.try_get("price_month")?,
            price_year: row.try_get("price_year")?,
            credits_per_period: row.try_get("credits_per_period")?,
            is_active: row.try_get::<i64, _>("is_active")? != 0,
        })
    })
    .transpose()
}

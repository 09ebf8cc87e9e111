//! Plans for admins: create, edit (prices, credits per period, limits, modules, features, trial),
//! activate / deactivate, and delete only a plan nobody ever subscribed to. A price change
//! applies from the next period: renewals read the plan's price when they charge. Audited.

use super::audit::{self, Action};
use super::model::{AdminPlan, PlanInput, MODULES};
use crate::auth::model::SessionView;
use crate::backend::db::is_unique_violation;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Db, Flag, Tx};
use crate::common::{AppError, AppResult, Currency, ErrorKind};
use crate::plans::store::PlanRow;
use std::collections::BTreeMap;

const COLUMNS: &str = "p.id, p.name, p.slug, p.currency, p.price_month, p.price_year, p.credits_per_period, \
     p.limit_sites, p.limit_seats, p.modules, p.features, p.trial_days, p.trial_credits, p.trial_requires_card, \
     p.is_active, p.sort_order, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM subscriptions s WHERE s.plan_id = p.id AND s.status <> 'canceled') AS subscribers";

/// A plan with what only admins manage, as [`COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct AdminPlanRow {
    #[sqlx(flatten)]
    plan: PlanRow,
    is_active: Flag,
    sort_order: i64,
    subscribers: i64,
}

impl From<AdminPlanRow> for AdminPlan {
    fn from(row: AdminPlanRow) -> Self {
        AdminPlan {
            plan: row.plan.into(),
            is_active: row.is_active.into(),
            sort_order: row.sort_order,
            subscribers: row.subscribers,
        }
    }
}

pub async fn list(db: &Db) -> Result<Vec<AdminPlan>, sqlx::Error> {
    let rows = sqlx::query_as::<_, AdminPlanRow>(&format!(
        "SELECT {COLUMNS} FROM plans p ORDER BY p.sort_order, p.price_month, p.id"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(AdminPlan::from).collect())
}

async fn find(tx: &mut Tx, id: &str) -> AppResult<AdminPlan> {
    let row = sqlx::query_as::<_, AdminPlanRow>(&format!(
        "SELECT {COLUMNS} FROM plans p WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    Ok(row.into())
}

/// Every problem of the input, field by field; the currency and the cleaned lists otherwise.
fn validate(input: &PlanInput) -> AppResult<(Currency, String, String)> {
    let mut errors = BTreeMap::new();
    let slug_ok = !input.slug.is_empty()
        && input.slug.len() <= 40
        && input
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        errors.insert(
            "slug".into(),
            "Use 1–40 lower-case letters, digits or dashes.".into(),
        );
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 60 {
        errors.insert(
            "name".into(),
            "Give the plan a name (up to 60 characters).".into(),
        );
    }
    for (field, value, min) in [
        ("price_month", input.price_month, 0),
        ("price_year", input.price_year, 0),
        ("credits_per_period", input.credits_per_period, 0),
        ("limit_sites", input.limit_sites, 1),
        ("limit_seats", input.limit_seats, 1),
        ("trial_credits", input.trial_credits, 0),
    ] {
        if value < min || value > 100_000_000 {
            errors.insert(
                field.into(),
                format!("Use a whole number from {min} to 100,000,000."),
            );
        }
    }
    if !(0..=MAX_TRIAL_DAYS).contains(&input.trial_days) {
        errors.insert(
            "trial_days".into(),
            format!("Use 0 (no trial) to {MAX_TRIAL_DAYS} days."),
        );
    }
    if let Some(unknown) = input
        .modules
        .iter()
        .find(|m| !MODULES.contains(&m.as_str()))
    {
        errors.insert(
            "modules".into(),
            format!(
                "Unknown module {unknown}: choose from {}.",
                MODULES.join(", ")
            ),
        );
    }
    let currency = Currency::parse(if input.currency.is_empty() {
        "USD"
    } else {
        &input.currency
    });
    if let Err(problem) = &currency {
        errors.insert("currency".into(), problem.clone());
    }
    let features: Vec<&str> = input
        .features
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    if features
        .iter()
        .any(|f| f.contains('\n') || f.chars().count() > 200)
    {
        errors.insert(
            "features".into(),
            "One line of up to 200 characters per feature.".into(),
        );
    }
    match currency {
        Ok(currency) if errors.is_empty() => {
            let modules: Vec<&str> = MODULES
                .iter()
                .copied()
                .filter(|m| input.modules.iter().any(|i| i == m))
                .collect();
            Ok((currency, modules.join(","), features.join("\n")))
        }
        _ => Err(AppError::invalid_fields(errors)),
    }
}

/// The longest free trial a plan may offer.
const MAX_TRIAL_DAYS: i64 = 90;

/// A plan's validated fields, bound as `$1`–`$10` in the same order by insert and update,
/// followed by `is_active`, `sort_order`, the time and the id (`$11`–`$14`), then the trial's
/// days, credits and card requirement (`$15`–`$17`).
struct Fields<'a> {
    input: &'a PlanInput,
    currency: &'a Currency,
    modules: &'a str,
    features: &'a str,
}

impl<'a> Fields<'a> {
    fn bind(
        &self,
        sql: &'a str,
        is_active: bool,
        sort_order: i64,
        now: i64,
        id: &'a str,
    ) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>> {
        sqlx::query(sql)
            .bind(self.input.slug.clone())
            .bind(self.input.name.trim().to_string())
            .bind(self.currency.as_str().to_string())
            .bind(self.input.price_month)
            .bind(self.input.price_year)
            .bind(self.input.credits_per_period)
            .bind(self.input.limit_sites)
            .bind(self.input.limit_seats)
            .bind(self.modules.to_string())
            .bind(self.features.to_string())
            .bind(is_active as i64)
            .bind(sort_order)
            .bind(now)
            .bind(id)
            .bind(self.input.trial_days)
            .bind(self.input.trial_credits)
            .bind(self.input.trial_requires_card as i64)
    }
}

fn slug_taken() -> AppError {
    AppError::with_message(
        ErrorKind::ValidationFailed {
            fields: [(
                "slug".to_string(),
                "Another plan has this slug.".to_string(),
            )]
            .into(),
        },
        "Another plan has this slug.",
    )
}

async fn record(
    tx: &mut Tx,
    admin: &SessionView,
    action: &str,
    id: &str,
    before: Option<&AdminPlan>,
    after: Option<&AdminPlan>,
    at: i64,
) -> Result<(), sqlx::Error> {
    let json = |p: Option<&AdminPlan>| p.map(|p| serde_json::to_value(p).unwrap_or_default());
    audit::record(
        tx,
        Action {
            admin,
            action,
            target_type: "plan",
            target_id: id,
            before: json(before),
            after: json(after),
            reason: "",
        },
        at,
    )
    .await
}

pub async fn create(
    state: &AppState,
    admin: &SessionView,
    input: PlanInput,
) -> AppResult<AdminPlan> {
    let (currency, modules, features) = validate(&input)?;
    let now = state.clock.now();
    let id = new_id("plan");
    let mut tx = state.db.begin().await?;
    let fields = Fields {
        input: &input,
        currency: &currency,
        modules: &modules,
        features: &features,
    };
    let inserted = fields
        .bind(
            "INSERT INTO plans (slug, name, currency, price_month, price_year, credits_per_period, limit_sites, \
             limit_seats, modules, features, is_active, sort_order, created_at, updated_at, id, trial_days, \
             trial_credits, trial_requires_card) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17)",
            input.is_active.unwrap_or(true),
            input.sort_order.unwrap_or(100),
            now,
            &id,
        )
        .execute(&mut *tx)
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e, "plans_slug_key", "plans.slug") => {
            return Err(slug_taken())
        }
        Err(e) => return Err(e.into()),
    }
    let created = find(&mut tx, &id).await?;
    record(
        &mut tx,
        admin,
        "plan.create",
        &id,
        None,
        Some(&created),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    input: PlanInput,
) -> AppResult<AdminPlan> {
    let (currency, modules, features) = validate(&input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = find(&mut tx, id).await?;
    let fields = Fields {
        input: &input,
        currency: &currency,
        modules: &modules,
        features: &features,
    };
    let updated = fields
        .bind(
            "UPDATE plans SET slug = $1, name = $2, currency = $3, price_month = $4, price_year = $5, \
             credits_per_period = $6, limit_sites = $7, limit_seats = $8, modules = $9, features = $10, \
             is_active = $11, sort_order = $12, updated_at = $13, trial_days = $15, trial_credits = $16, \
             trial_requires_card = $17 WHERE id = $14",
            input.is_active.unwrap_or(before.is_active),
            input.sort_order.unwrap_or(before.sort_order),
            now,
            id,
        )
        .execute(&mut *tx)
        .await;
    match updated {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e, "plans_slug_key", "plans.slug") => {
            return Err(slug_taken())
        }
        Err(e) => return Err(e.into()),
    }
    let after = find(&mut tx, id).await?;
    record(
        &mut tx,
        admin,
        "plan.update",
        id,
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a plan nobody ever subscribed to; any other is 409 (deactivate it instead).
pub async fn delete(state: &AppState, admin: &SessionView, id: &str) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = find(&mut tx, id).await?;
    let ever: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM subscriptions WHERE plan_id = $1 OR scheduled_plan_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if ever > 0 {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            "This plan has subscribers (now or before); deactivate it instead.",
        ));
    }
    sqlx::query("DELETE FROM plans WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, admin, "plan.delete", id, Some(&before), None, now).await?;
    tx.commit().await?;
    Ok(())
}

//! Reading the plan's limits and enforcing them. A guarded write locks the account row first
//! (a no-op update), then counts and inserts in the same transaction, so two concurrent writes
//! at `limit - 1` cannot both pass — on PostgreSQL the second waits for the first; SQLite
//! serializes writers anyway.

use super::model::{LimitView, LimitsView};
use crate::backend::clock::Timestamp;
use crate::backend::{Db, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::credits::model::UPGRADE_URL;

/// What the account's live plan allows.
#[derive(Debug, Clone, Default)]
pub struct PlanLimits {
    pub plan: Option<String>,
    pub sites: i64,
    pub seats: i64,
    pub modules: Vec<String>,
}

const PLAN_OF_ACCOUNT: &str = "SELECT p.name, p.limit_sites, p.limit_seats, p.modules FROM subscriptions s \
     JOIN plans p ON p.id = s.plan_id WHERE s.account_id = $1 AND s.status IN ('active', 'trialing', 'past_due')";

fn from_row(row: Option<(String, i64, i64, String)>) -> PlanLimits {
    row.map(|(name, sites, seats, modules)| PlanLimits {
        plan: Some(name),
        sites,
        seats,
        modules: modules
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(String::from)
            .collect(),
    })
    .unwrap_or_default()
}

pub async fn plan_limits(db: &Db, account_id: &str) -> Result<PlanLimits, sqlx::Error> {
    let row = sqlx::query_as(PLAN_OF_ACCOUNT)
        .bind(account_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(from_row(row))
}

/// Locks the account for the rest of `tx` and reads its limits.
pub async fn lock_and_read(tx: &mut Tx, account_id: &str) -> Result<PlanLimits, sqlx::Error> {
    sqlx::query("UPDATE accounts SET credit_balance = credit_balance WHERE id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query_as(PLAN_OF_ACCOUNT)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(from_row(row))
}

/// Where "Upgrade" leads: the plans page with the cheapest active plan that lifts the wall
/// highlighted (`?highlight=slug`), or the plans page alone when none does.
pub async fn upgrade_url_for(tx: &mut Tx, wall: Wall<'_>) -> Result<String, sqlx::Error> {
    let slug: Option<String> = match wall {
        Wall::Limit { key, used } => {
            let column = if key == "seats" { "limit_seats" } else { "limit_sites" };
            sqlx::query_scalar(&format!(
                "SELECT slug FROM plans WHERE is_active = 1 AND {column} > $1 ORDER BY price_month, sort_order LIMIT 1"
            ))
            .bind(used)
            .fetch_optional(&mut **tx)
            .await?
        }
        Wall::Module(module) => {
            sqlx::query_scalar(
                "SELECT slug FROM plans WHERE is_active = 1 AND (',' || modules || ',') LIKE $1 ORDER BY price_month, sort_order LIMIT 1",
            )
            .bind(format!("%,{module},%"))
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    Ok(match slug {
        Some(slug) => format!("{UPGRADE_URL}?highlight={slug}"),
        None => UPGRADE_URL.to_string(),
    })
}

/// What was hit.
#[derive(Debug, Clone, Copy)]
pub enum Wall<'a> {
    Limit { key: &'a str, used: i64 },
    Module(&'a str),
}

/// 403 `plan_limit_reached` when one more would pass the limit.
pub async fn ensure_room(tx: &mut Tx, key: &str, limit: i64, used: i64) -> AppResult<()> {
    if used < limit {
        return Ok(());
    }
    let upgrade_url = upgrade_url_for(tx, Wall::Limit { key, used }).await?;
    Err(AppError::with_message(
        ErrorKind::PlanLimitReached {
            limit_key: key.to_string(),
            limit,
            used,
            upgrade_url,
        },
        format!("Your plan allows {limit} {key}, and {used} are in use. Upgrade to add more."),
    ))
}

const SITES_USED: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM sites WHERE account_id = $1";
/// Seats in use: the account's users plus its open invitations that have not expired ($2 = now).
const SEATS_USED: &str =
    "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE account_id = $1) \
     + (SELECT CAST(COUNT(*) AS BIGINT) FROM invitations WHERE account_id = $1 \
        AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2)";

/// Sites in use.
pub async fn sites_used<'c, E>(conn: E, account_id: &str) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar(SITES_USED)
        .bind(account_id)
        .fetch_one(conn)
        .await
}

/// Seats in use at `now`.
pub async fn seats_used<'c, E>(
    conn: E,
    account_id: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar(SEATS_USED)
        .bind(account_id)
        .bind(now)
        .fetch_one(conn)
        .await
}

fn view(key: &str, label: &str, limit: i64, used: i64) -> LimitView {
    LimitView {
        key: key.into(),
        label: label.into(),
        limit,
        used,
        remaining: (limit - used).max(0),
    }
}

/// Every limit with used and remaining.
pub async fn limits(db: &Db, account_id: &str, now: Timestamp) -> AppResult<LimitsView> {
    let plan = plan_limits(db, account_id).await?;
    let sites = sites_used(db.pool(), account_id).await?;
    let seats = seats_used(db.pool(), account_id, now).await?;
    Ok(LimitsView {
        plan: plan.plan,
        items: vec![
            view("sites", "Sites", plan.sites, sites),
            view("seats", "Seats", plan.seats, seats),
        ],
        modules: plan.modules,
    })
}

/// What must go before the account fits `plan_id`'s limits, one line per limit, e.g. "remove 3
/// of 8 sites (Starter allows 5)". Empty when it fits.
pub async fn over_limits_for(
    tx: &mut Tx,
    account_id: &str,
    plan_id: &str,
    now: Timestamp,
) -> Result<Vec<String>, sqlx::Error> {
    let (name, sites, seats): (String, i64, i64) =
        sqlx::query_as("SELECT name, limit_sites, limit_seats FROM plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut **tx)
            .await?;
    let sites_in_use = sites_used(&mut **tx, account_id).await?;
    let seats_in_use = seats_used(&mut **tx, account_id, now).await?;
    let mut problems = Vec::new();
    for (used, allowed, noun, action) in [
        (sites_in_use, sites, "sites", "remove"),
        (seats_in_use, seats, "seats", "free"),
    ] {
        if used > allowed {
            problems.push(format!(
                "{action} {} of {used} {noun} ({name} allows {allowed})",
                used - allowed
            ));
        }
    }
    Ok(problems)
}

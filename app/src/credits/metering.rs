//! Metered operations: the preflight estimate, the hold that reserves the estimate plus its
//! buffer, and the settlement that charges the actual cost (never more than the hold) and gives
//! the rest back. Every module that spends credits goes through here.

use super::ledger::{self, Applied, Entry, EntryKind};
use super::model::{with_buffer, CreditCost, Estimate};
use crate::backend::ids::new_id;
use crate::backend::{AppState, Db, Timestamp, Tx};
use crate::common::{AppError, AppResult};
use sqlx::Row;

/// How long a hold lives if its task never settles it (a crash); the scheduler releases it.
pub const HOLD_SECONDS: i64 = 15 * 60;
pub use super::model::{insufficient, PURCHASE_URL, UPGRADE_URL};

pub async fn costs(db: &Db) -> Result<Vec<CreditCost>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT operation, label, credits, unit_size, unit_label FROM credit_costs ORDER BY operation",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CreditCost {
                operation: row.try_get("operation")?,
                label: row.try_get("label")?,
                credits: row.try_get("credits")?,
                unit_size: row.try_get("unit_size")?,
                unit_label: row.try_get("unit_label")?,
            })
        })
        .collect()
}

pub async fn cost_of(db: &Db, operation: &str) -> AppResult<CreditCost> {
    costs(db)
        .await?
        .into_iter()
        .find(|c| c.operation == operation)
        .ok_or_else(|| AppError::invalid("operation", "Unknown operation."))
}

pub async fn estimate(
    state: &AppState,
    account_id: &str,
    operation: &str,
    quantity: i64,
) -> AppResult<Estimate> {
    if !(1..=1_000_000).contains(&quantity) {
        return Err(AppError::invalid(
            "quantity",
            "Enter a quantity from 1 to 1,000,000.",
        ));
    }
    let cost = cost_of(&state.db, operation).await?.cost_of(quantity);
    let required = with_buffer(cost);
    let available = ledger::balance(&state.db, account_id).await?;
    Ok(Estimate {
        operation: operation.to_string(),
        quantity,
        cost,
        buffer: required - cost,
        required,
        available,
        covered: available >= required,
    })
}

/// Reserved credits for one task.
#[derive(Debug, Clone)]
pub struct Hold {
    pub id: String,
    pub account_id: String,
    pub amount: i64,
    pub operation: String,
}

/// Reserves `amount` credits atomically, or fails with 402 `insufficient_credits` and holds
/// nothing.
pub async fn place_hold(
    state: &AppState,
    account_id: &str,
    actor: &str,
    operation: &str,
    amount: i64,
) -> AppResult<Hold> {
    let mut tx = state.db.begin().await?;
    let hold = hold_in(
        &mut tx,
        account_id,
        actor,
        operation,
        amount,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(hold)
}

/// [`place_hold`] inside the caller's transaction (which must be dropped on error: the
/// balance did not cover it and nothing may be kept).
pub async fn hold_in(
    tx: &mut Tx,
    account_id: &str,
    actor: &str,
    operation: &str,
    amount: i64,
    now: Timestamp,
) -> AppResult<Hold> {
    let id = new_id("hold");
    let applied = ledger::apply(
        tx,
        Entry {
            account_id,
            kind: EntryKind::Hold,
            amount: -amount,
            description: "Reserved for a task",
            reference_id: Some(&id),
            operation: Some(operation),
            actor,
            idempotency_key: &format!("hold:{id}"),
            at: now,
        },
    )
    .await?;
    let plan_credits = match applied {
        Applied::Insufficient { available } => return Err(insufficient(amount, available)),
        // A hold takes plan credits first, like the usage it stands for; what it took of them
        // goes back as plan credits when it is released.
        Applied::Done { plan_credits, .. } => plan_credits.min(amount),
        Applied::Replayed => 0,
    };
    ledger::move_plan_credits(tx, account_id, -plan_credits).await?;
    sqlx::query(
        "INSERT INTO credit_holds (id, account_id, amount, operation, status, expires_at, created_at, plan_credits) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(amount)
    .bind(operation)
    .bind(now + HOLD_SECONDS)
    .bind(now)
    .bind(plan_credits)
    .execute(&mut **tx)
    .await?;
    Ok(Hold {
        id,
        account_id: account_id.to_string(),
        amount,
        operation: operation.to_string(),
    })
}

/// Closes an open hold and gives its credits back (its plan part as plan credits), inside
/// `tx`. False when it was closed before (settled, released or expired): nothing is given
/// back twice.
async fn close_hold(
    tx: &mut Tx,
    hold_id: &str,
    status: &str,
    actor: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE credit_holds SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'open' \
         RETURNING account_id, amount, operation, plan_credits",
    )
    .bind(hold_id)
    .bind(status)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let account_id: String = row.try_get("account_id")?;
    let amount: i64 = row.try_get("amount")?;
    let operation: String = row.try_get("operation")?;
    let plan_credits: i64 = row.try_get("plan_credits")?;
    ledger::apply(
        tx,
        Entry {
            account_id: &account_id,
            kind: EntryKind::Release,
            amount,
            description: "Reservation given back",
            reference_id: Some(hold_id),
            operation: Some(&operation),
            actor,
            idempotency_key: &format!("release:{hold_id}"),
            at,
        },
    )
    .await?;
    ledger::move_plan_credits(tx, &account_id, plan_credits).await?;
    Ok(true)
}

/// What a finished task used.
pub struct Usage<'a> {
    pub quantity: i64,
    pub cost: i64,
    pub task_id: &'a str,
    pub site_id: Option<&'a str>,
    pub actor: &'a str,
}

/// Settles a hold to the actual cost (capped at the hold): the hold is given back and the
/// usage charged, in one transaction, with a usage-log row. Returns the credits charged.
pub async fn settle(state: &AppState, hold: &Hold, usage: Usage<'_>) -> AppResult<i64> {
    let mut tx = state.db.begin().await?;
    let charged = settle_in(&mut tx, hold, usage, state.clock.now()).await?;
    tx.commit().await?;
    Ok(charged)
}

/// [`settle`] inside the caller's transaction (dropped on error).
pub async fn settle_in(
    tx: &mut Tx,
    hold: &Hold,
    usage: Usage<'_>,
    now: Timestamp,
) -> AppResult<i64> {
    let charge = usage.cost.clamp(0, hold.amount);
    if !close_hold(tx, &hold.id, "settled", usage.actor, now).await? {
        // The hold expired while the task ran: charge from the balance if it still covers it.
        tracing::warn!(hold = %hold.id, "settling a hold that was already closed");
    }
    let applied = ledger::apply(
        tx,
        Entry {
            account_id: &hold.account_id,
            kind: EntryKind::Usage,
            amount: -charge,
            description: "Task usage",
            reference_id: Some(usage.task_id),
            operation: Some(&hold.operation),
            actor: usage.actor,
            idempotency_key: &format!("usage:{}", usage.task_id),
            at: now,
        },
    )
    .await?;
    if let Applied::Insufficient { available } = applied {
        return Err(insufficient(charge, available));
    }
    sqlx::query(
        "INSERT INTO usage_logs (id, account_id, operation, quantity, credits, site_id, task_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id("use"))
    .bind(&hold.account_id)
    .bind(&hold.operation)
    .bind(usage.quantity)
    .bind(charge)
    .bind(usage.site_id)
    .bind(usage.task_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(charge)
}

/// A task failed: everything it held comes back.
pub async fn release(state: &AppState, hold: &Hold, actor: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    release_in(&mut tx, &hold.id, actor, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// [`release`] inside the caller's transaction. False when the hold was closed before.
pub async fn release_in(
    tx: &mut Tx,
    hold_id: &str,
    actor: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    close_hold(tx, hold_id, "released", actor, at).await
}

/// Releases holds whose task never settled them (a crash), and ends those tasks as failed
/// with nothing charged, in the same transaction. Run by the scheduler.
pub async fn expire_holds(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM credit_holds WHERE status = 'open' AND expires_at <= $1",
    )
    .bind(now)
    .fetch_all(state.db.pool())
    .await?;
    let mut expired = 0;
    for id in ids {
        let mut tx = state.db.begin().await?;
        if close_hold(&mut tx, &id, "expired", "system", now).await? {
            crate::modules::tasks::fail_interrupted(&mut tx, &id, now).await?;
            expired += 1;
        }
        tx.commit().await?;
    }
    Ok(expired)
}

/// Credits reserved by open holds.
pub async fn held(db: &Db, account_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_holds WHERE account_id = $1 AND status = 'open'",
    )
    .bind(account_id)
    .fetch_one(db.pool())
    .await
}

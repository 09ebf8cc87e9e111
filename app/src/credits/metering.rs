//! Metered operations: the preflight estimate, the hold that reserves the estimate plus its
//! buffer, and the settlement that charges the actual cost (never more than the hold) and gives
//! the rest back. Every module that spends credits goes through here.

use super::ledger::{self, Applied, Entry, EntryKind};
use super::model::{with_buffer, CreditCost, Estimate, HoldStatus};
use super::spend_sql;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Db, Timestamp, Tx};
use crate::common::{AppError, AppResult};

/// How long a hold lives if its task never settles it (a crash); the scheduler releases it.
pub const HOLD_SECONDS: i64 = 15 * 60;
const RELEASE_DESCRIPTION: &str = "Reservation given back";
const USAGE_DESCRIPTION: &str = "Task usage";
pub use super::model::{insufficient, PURCHASE_URL, UPGRADE_URL};

/// An operation's price in credits.
#[derive(sqlx::FromRow)]
struct CreditCostRow {
    operation: String,
    label: String,
    credits: i64,
    unit_size: i64,
    unit_label: String,
}

impl From<CreditCostRow> for CreditCost {
    fn from(row: CreditCostRow) -> Self {
        CreditCost {
            operation: row.operation,
            label: row.label,
            credits: row.credits,
            unit_size: row.unit_size,
            unit_label: row.unit_label,
        }
    }
}

pub async fn costs(db: &Db) -> Result<Vec<CreditCost>, sqlx::Error> {
    let rows = sqlx::query_as::<_, CreditCostRow>(
        "SELECT operation, label, credits, unit_size, unit_label FROM credit_costs ORDER BY operation",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(CreditCost::from).collect())
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
    super::live::publish(state, account_id);
    Ok(hold)
}

/// [`place_hold`] inside the caller's transaction (which must be dropped on error: the
/// balance did not cover it and nothing may be kept). One round trip (`spend_sql.rs`).
pub async fn hold_in(
    tx: &mut Tx,
    account_id: &str,
    actor: &str,
    operation: &str,
    amount: i64,
    now: Timestamp,
) -> AppResult<Hold> {
    let id = new_id("hold");
    let placed = spend_sql::place_hold(
        tx,
        &spend_sql::NewHold {
            id: &id,
            account_id,
            amount,
            operation,
            expires_at: now + HOLD_SECONDS,
            now,
            entry_id: &new_id("cl"),
            description: "Reserved for a task",
            actor,
            key: &format!("hold:{id}"),
        },
    )
    .await?;
    if !placed {
        let available = ledger::balance_in(tx, account_id).await?;
        return Err(insufficient(amount, available));
    }
    Ok(Hold {
        id,
        account_id: account_id.to_string(),
        amount,
        operation: operation.to_string(),
    })
}

/// What a hold reserved, as its closing update returns it.
struct ClosedHold {
    id: String,
    account_id: String,
    amount: i64,
    operation: String,
    /// The part taken from plan credits, which goes back as plan credits.
    plan_credits: i64,
}

impl ClosedHold {
    /// The entry that gives the hold back.
    fn release<'a>(&'a self, key: &'a str, actor: &'a str, at: Timestamp) -> Entry<'a> {
        Entry {
            account_id: &self.account_id,
            kind: EntryKind::Release,
            amount: self.amount,
            description: RELEASE_DESCRIPTION,
            reference_id: Some(&self.id),
            operation: Some(&self.operation),
            actor,
            idempotency_key: key,
            at,
        }
    }
}

/// Closes an open hold with `status`, inside `tx`. `None` when it was closed before (settled,
/// released or expired): nothing is given back twice.
async fn close_hold(
    tx: &mut Tx,
    hold_id: &str,
    status: HoldStatus,
    at: Timestamp,
) -> Result<Option<ClosedHold>, sqlx::Error> {
    let row: Option<(String, i64, String, i64)> = sqlx::query_as(
        "UPDATE credit_holds SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'open' \
         RETURNING account_id, amount, operation, plan_credits",
    )
    .bind(hold_id)
    .bind(status)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(
        row.map(|(account_id, amount, operation, plan_credits)| ClosedHold {
            id: hold_id.to_string(),
            account_id,
            amount,
            operation,
            plan_credits,
        }),
    )
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
    super::live::publish(state, &hold.account_id);
    Ok(charged)
}

/// [`settle`] inside the caller's transaction (dropped on error). The usual case — the hold
/// still open, the task's usage never charged — is one round trip (`spend_sql.rs`); the rest
/// takes the general path below.
pub async fn settle_in(
    tx: &mut Tx,
    hold: &Hold,
    usage: Usage<'_>,
    now: Timestamp,
) -> AppResult<i64> {
    let charge = usage.cost.clamp(0, hold.amount);
    let release_key = format!("release:{}", hold.id);
    let usage_key = format!("usage:{}", usage.task_id);
    let settled = spend_sql::settle(
        tx,
        &spend_sql::Settlement {
            hold_id: &hold.id,
            account_id: &hold.account_id,
            charge,
            now,
            release_key: &release_key,
            usage_key: &usage_key,
            release_entry_id: &new_id("cl"),
            usage_entry_id: &new_id("cl"),
            actor: usage.actor,
            task_id: usage.task_id,
            usage_log_id: &new_id("use"),
            quantity: usage.quantity,
            site_id: usage.site_id,
            release_description: RELEASE_DESCRIPTION,
            usage_description: USAGE_DESCRIPTION,
        },
    )
    .await?;
    if settled {
        return Ok(charge);
    }
    let closed = close_hold(tx, &hold.id, HoldStatus::Settled, now).await?;
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
    let used = Entry {
        account_id: &hold.account_id,
        kind: EntryKind::Usage,
        amount: -charge,
        description: USAGE_DESCRIPTION,
        reference_id: Some(usage.task_id),
        operation: Some(&hold.operation),
        actor: usage.actor,
        idempotency_key: &usage_key,
        at: now,
    };
    let applied = match &closed {
        Some(closed) => {
            let release = closed.release(&release_key, usage.actor, now);
            // Usage moves plan credits like any usage; the release gives back the hold's plan part.
            match ledger::apply_all(tx, &[release, used], closed.plan_credits - charge).await? {
                // This task's usage was charged before (a retried settlement): the hold still
                // goes back, the usage is not charged twice.
                Applied::Replayed => {
                    ledger::apply_all(tx, &[release], closed.plan_credits).await?;
                    ledger::apply(tx, used).await?
                }
                applied => applied,
            }
        }
        None => {
            // The hold expired while the task ran: charge from the balance if it still covers it.
            tracing::warn!(hold = %hold.id, "settling a hold that was already closed");
            ledger::apply(tx, used).await?
        }
    };
    if let Applied::Insufficient { available } = applied {
        return Err(insufficient(charge, available));
    }
    Ok(charge)
}

/// A task failed: everything it held comes back.
pub async fn release(state: &AppState, hold: &Hold, actor: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    release_in(&mut tx, &hold.id, actor, state.clock.now()).await?;
    tx.commit().await?;
    super::live::publish(state, &hold.account_id);
    Ok(())
}

/// [`release`] inside the caller's transaction. False when the hold was closed before.
pub async fn release_in(
    tx: &mut Tx,
    hold_id: &str,
    actor: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    give_back(tx, hold_id, HoldStatus::Released, actor, at).await
}

/// Closes an open hold with `status` and gives its credits back (its plan part as plan
/// credits). False when it was closed before.
async fn give_back(
    tx: &mut Tx,
    hold_id: &str,
    status: HoldStatus,
    actor: &str,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let Some(closed) = close_hold(tx, hold_id, status, at).await? else {
        return Ok(false);
    };
    let key = format!("release:{hold_id}");
    ledger::apply_all(tx, &[closed.release(&key, actor, at)], closed.plan_credits).await?;
    Ok(true)
}

/// Releases holds whose task never settled them (a crash), and ends those tasks as failed
/// with nothing charged, in the same transaction. Run by the scheduler.
pub async fn expire_holds(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let holds: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, account_id FROM credit_holds WHERE status = 'open' AND expires_at <= $1",
    )
    .bind(now)
    .fetch_all(state.db.pool())
    .await?;
    let mut expired = 0;
    for (id, account_id) in holds {
        let mut tx = state.db.begin().await?;
        let given_back = give_back(&mut tx, &id, HoldStatus::Expired, "system", now).await?;
        if given_back {
            crate::modules::tasks::fail_interrupted(&mut tx, &id, now).await?;
            expired += 1;
        }
        tx.commit().await?;
        if given_back {
            super::live::publish(state, &account_id);
        }
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

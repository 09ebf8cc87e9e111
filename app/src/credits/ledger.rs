//! The credit ledger. Every change of a balance is one entry, written in the caller's
//! transaction together with the cached balance on `accounts`; the unique idempotency key of
//! each entry makes a replayed grant a no-op, and the balance can never go below zero.

use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp, Tx};

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A period's plan credits; they expire at the end of the period.
    PlanGrant,
    /// Bought credits (a package); they never expire.
    Purchase,
    /// Credits spent by a metered operation (negative). Plan credits are spent first.
    Usage,
    /// An admin's signed correction; never expires.
    Adjustment,
    /// Credits reserved for a running task (negative): not spendable until released.
    Hold,
    /// A hold given back (positive): settled, failed or expired.
    Release,
    /// Unspent plan credits taken back when their period ends (negative).
    Expiry,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::PlanGrant => "plan_grant",
            EntryKind::Purchase => "purchase",
            EntryKind::Usage => "usage",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Hold => "hold",
            EntryKind::Release => "release",
            EntryKind::Expiry => "expiry",
        }
    }

    pub const ALL: [EntryKind; 7] = [
        EntryKind::PlanGrant,
        EntryKind::Purchase,
        EntryKind::Usage,
        EntryKind::Adjustment,
        EntryKind::Hold,
        EntryKind::Release,
        EntryKind::Expiry,
    ];

    /// How the entry moves the plan-credit part of the balance.
    fn plan_credits_delta(self, amount: i64) -> i64 {
        match self {
            EntryKind::PlanGrant | EntryKind::Usage => amount,
            _ => 0,
        }
    }
}

pub struct Entry<'a> {
    pub account_id: &'a str,
    pub kind: EntryKind,
    /// Signed: what the spendable balance gains (or loses, when negative).
    pub amount: i64,
    pub description: &'a str,
    pub reference_id: Option<&'a str>,
    pub operation: Option<&'a str>,
    /// A user id, or `system`.
    pub actor: &'a str,
    /// Unique per effect, e.g. `invoice:{id}`: the same key never applies twice.
    pub idempotency_key: &'a str,
    pub at: Timestamp,
}

/// What applying an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done {
        balance_after: i64,
        /// The account's plan credits after the entry.
        plan_credits: i64,
    },
    /// The key was applied before: nothing changed.
    Replayed,
    /// The balance does not cover a debit: nothing changed.
    Insufficient { available: i64 },
}

/// Applies one entry: the balance moves by one conditional update that cannot go below zero,
/// and the entry is appended in the same transaction.
pub async fn apply(tx: &mut Tx, entry: Entry<'_>) -> Result<Applied, sqlx::Error> {
    if already_applied(tx, entry.idempotency_key).await? {
        return Ok(Applied::Replayed);
    }
    let plan_delta = entry.kind.plan_credits_delta(entry.amount);
    let updated: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE accounts SET credit_balance = credit_balance + $2, \
         plan_credits = CASE WHEN plan_credits + $3 < 0 THEN 0 ELSE plan_credits + $3 END \
         WHERE id = $1 AND credit_balance + $2 >= 0 RETURNING credit_balance, plan_credits",
    )
    .bind(entry.account_id)
    .bind(entry.amount)
    .bind(plan_delta)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((balance_after, plan_credits)) = updated else {
        let available = sqlx::query_scalar("SELECT credit_balance FROM accounts WHERE id = $1")
            .bind(entry.account_id)
            .fetch_one(&mut **tx)
            .await?;
        return Ok(Applied::Insufficient { available });
    };
    append(tx, &entry, entry.amount, balance_after).await?;
    Ok(Applied::Done {
        balance_after,
        plan_credits,
    })
}

/// Moves the plan-credit part of the balance by `delta` (never below zero): what a hold takes
/// from it and its release gives back. The balance itself moves only with an entry.
pub async fn move_plan_credits(
    tx: &mut Tx,
    account_id: &str,
    delta: i64,
) -> Result<(), sqlx::Error> {
    if delta == 0 {
        return Ok(());
    }
    sqlx::query(
        "UPDATE accounts SET plan_credits = CASE WHEN plan_credits + $2 < 0 THEN 0 ELSE plan_credits + $2 END \
         WHERE id = $1",
    )
    .bind(account_id)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds credits (plan grant or purchase). Returns false when the key was already applied.
pub async fn grant(tx: &mut Tx, entry: Entry<'_>) -> Result<bool, sqlx::Error> {
    Ok(matches!(apply(tx, entry).await?, Applied::Done { .. }))
}

/// Ends a period's plan credits: whatever of them is unspent leaves the balance. Purchased
/// credits stay. Returns false when the key was already applied.
pub async fn expire_plan_credits(tx: &mut Tx, entry: Entry<'_>) -> Result<bool, sqlx::Error> {
    if already_applied(tx, entry.idempotency_key).await? {
        return Ok(false);
    }
    let (balance, plan_credits): (i64, i64) =
        sqlx::query_as("SELECT credit_balance, plan_credits FROM accounts WHERE id = $1")
            .bind(entry.account_id)
            .fetch_one(&mut **tx)
            .await?;
    let expiring = plan_credits.min(balance);
    if expiring == 0 {
        sqlx::query("UPDATE accounts SET plan_credits = 0 WHERE id = $1")
            .bind(entry.account_id)
            .execute(&mut **tx)
            .await?;
        return Ok(false);
    }
    let balance_after: i64 = sqlx::query_scalar(
        "UPDATE accounts SET credit_balance = credit_balance - $2, plan_credits = 0 \
         WHERE id = $1 RETURNING credit_balance",
    )
    .bind(entry.account_id)
    .bind(expiring)
    .fetch_one(&mut **tx)
    .await?;
    append(tx, &entry, -expiring, balance_after).await?;
    Ok(true)
}

async fn already_applied(tx: &mut Tx, key: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM credit_ledger WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}

async fn append(
    tx: &mut Tx,
    entry: &Entry<'_>,
    amount: i64,
    balance_after: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, reference_id, \
         operation, actor, idempotency_key, created_at) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM credit_ledger WHERE account_id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id("cl"))
    .bind(entry.account_id)
    .bind(entry.kind.as_str())
    .bind(amount)
    .bind(balance_after)
    .bind(entry.description)
    .bind(entry.reference_id)
    .bind(entry.operation)
    .bind(entry.actor)
    .bind(entry.idempotency_key)
    .bind(entry.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn balance(db: &Db, account_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT credit_balance FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(db.pool())
        .await
}

/// The balance as the API shows it, with the plan's credits per period and the period end.
pub async fn balance_view(
    state: &crate::backend::AppState,
    account_id: &str,
) -> Result<super::model::BalanceView, sqlx::Error> {
    if state
        .faults
        .balance
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        // FAULT_INJECTION only: the balance reads as if the database were unreachable.
        return Err(sqlx::Error::PoolTimedOut);
    }
    let balance = balance(&state.db, account_id).await?;
    let plan: Option<(i64, Option<Timestamp>)> = sqlx::query_as(
        "SELECT p.credits_per_period, s.current_period_end FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.account_id = $1 AND s.status <> 'canceled'",
    )
    .bind(account_id)
    .fetch_optional(state.db.pool())
    .await?;
    let (per_period, period_end) = plan.unwrap_or((0, None));
    let held = super::metering::held(&state.db, account_id).await?;
    // The stored balance is what can be spent; holds are owned but reserved.
    Ok(super::model::BalanceView {
        balance: balance + held,
        held,
        available: balance,
        plan_credits_per_period: per_period,
        period_end: period_end.map(rfc3339),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_knows_every_entry_kind() {
        let names: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, super::super::model::ENTRY_KINDS);
    }

    #[test]
    fn only_plan_grants_and_usage_move_plan_credits() {
        assert_eq!(EntryKind::PlanGrant.plan_credits_delta(10), 10);
        assert_eq!(EntryKind::Usage.plan_credits_delta(-4), -4);
        for kind in [
            EntryKind::Purchase,
            EntryKind::Adjustment,
            EntryKind::Hold,
            EntryKind::Release,
            EntryKind::Expiry,
        ] {
            assert_eq!(kind.plan_credits_delta(7), 0);
        }
    }
}

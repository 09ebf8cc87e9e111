//! The credit ledger. Every change of a balance is one entry, written in the caller's
//! transaction together with the cached balance on `accounts`; the unique idempotency key of
//! each entry makes a replayed grant a no-op, and the balance can never go below zero.

use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp, Tx};

pub use super::model::EntryKind;

impl EntryKind {
    /// How the entry moves the plan-credit part of the balance.
    fn plan_credits_delta(self, amount: i64) -> i64 {
        match self {
            EntryKind::PlanGrant | EntryKind::Usage => amount,
            _ => 0,
        }
    }
}

#[derive(Clone, Copy)]
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

impl<'a> Entry<'a> {
    /// The expiry of a subscription's unspent plan credits (for [`expire_plan_credits`], which
    /// works out the amount), made by the system.
    pub fn plan_expiry(
        account_id: &'a str,
        subscription_id: &'a str,
        description: &'a str,
        idempotency_key: &'a str,
        at: Timestamp,
    ) -> Entry<'a> {
        Entry {
            account_id,
            kind: EntryKind::Expiry,
            amount: 0,
            description,
            reference_id: Some(subscription_id),
            operation: None,
            actor: "system",
            idempotency_key,
            at,
        }
    }
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

/// Applies one entry: the balance moves by one conditional update that cannot go below zero
/// (and does not move when the key was applied before), and the entry is appended in the same
/// transaction.
pub async fn apply(tx: &mut Tx, entry: Entry<'_>) -> Result<Applied, sqlx::Error> {
    let plan_delta = entry.kind.plan_credits_delta(entry.amount);
    apply_all(tx, std::slice::from_ref(&entry), plan_delta).await
}

/// Applies entries of one account together, in order, as one conditional update of the balance
/// (no intermediate balance may go below zero) and one insert of the entries, with the
/// plan-credit part moving by `plan_delta` in all (never below zero) instead of by each kind's
/// own rule. Two statements on the way through, however many entries: this is what keeps a
/// credit spend cheap (`metering.rs`).
///
/// All or nothing: when any key was applied before, nothing changes and the answer is
/// [`Applied::Replayed`] (apply the entries one by one to apply the rest).
pub async fn apply_all(
    tx: &mut Tx,
    entries: &[Entry<'_>],
    plan_delta: i64,
) -> Result<Applied, sqlx::Error> {
    let Some(first) = entries.first() else {
        return Ok(Applied::Replayed);
    };
    let account_id = first.account_id;
    debug_assert!(entries.iter().all(|e| e.account_id == account_id));
    // The running sums after each entry: the lowest must keep the balance at zero or above.
    let running: Vec<i64> = entries
        .iter()
        .scan(0i64, |sum, e| {
            *sum += e.amount;
            Some(*sum)
        })
        .collect();
    let net = *running.last().unwrap_or(&0);
    let lowest = running.iter().copied().min().unwrap_or(0);
    let keys = placeholders(6, entries.len());
    let sql = format!(
        "UPDATE accounts SET credit_balance = credit_balance + $2, \
         plan_credits = CASE WHEN plan_credits + $3 < 0 THEN 0 ELSE plan_credits + $3 END, \
         ledger_seq = ledger_seq + $4 \
         WHERE id = $1 AND credit_balance + $5 >= 0 \
         AND NOT EXISTS (SELECT 1 FROM credit_ledger WHERE idempotency_key IN ({keys})) \
         RETURNING credit_balance, plan_credits, ledger_seq"
    );
    let mut update = sqlx::query_as::<_, (i64, i64, i64)>(&sql)
        .bind(account_id)
        .bind(net)
        .bind(plan_delta)
        .bind(entries.len() as i64)
        .bind(lowest);
    for entry in entries {
        update = update.bind(entry.idempotency_key);
    }
    let Some((balance_after, plan_credits, last_seq)) = update.fetch_optional(&mut **tx).await?
    else {
        return why_not_applied(tx, account_id, entries).await;
    };
    // Entry i leaves the balance at (balance before) + running[i] and takes the i-th of the
    // sequence numbers the update reserved.
    let before = balance_after - net;
    let first_seq = last_seq - entries.len() as i64 + 1;
    append(tx, entries, |i| (first_seq + i as i64, before + running[i])).await?;
    Ok(Applied::Done {
        balance_after,
        plan_credits,
    })
}

/// The conditional update changed nothing: a key was applied before, or the balance does not
/// cover the entries (one read, off the usual path).
async fn why_not_applied(
    tx: &mut Tx,
    account_id: &str,
    entries: &[Entry<'_>],
) -> Result<Applied, sqlx::Error> {
    let sql = format!(
        "SELECT credit_balance, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE idempotency_key IN ({})) \
         FROM accounts WHERE id = $1",
        placeholders(2, entries.len())
    );
    let mut query = sqlx::query_as::<_, (i64, i64)>(&sql).bind(account_id);
    for entry in entries {
        query = query.bind(entry.idempotency_key);
    }
    let (available, applied_before) = query.fetch_one(&mut **tx).await?;
    Ok(if applied_before > 0 {
        Applied::Replayed
    } else {
        Applied::Insufficient { available }
    })
}

/// `$from, $from+1, …` for `count` parameters.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
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
    let (balance_after, seq): (i64, i64) = sqlx::query_as(
        "UPDATE accounts SET credit_balance = credit_balance - $2, plan_credits = 0, \
         ledger_seq = ledger_seq + 1 WHERE id = $1 RETURNING credit_balance, ledger_seq",
    )
    .bind(entry.account_id)
    .bind(expiring)
    .fetch_one(&mut **tx)
    .await?;
    let entry = Entry {
        amount: -expiring,
        ..entry
    };
    append(tx, std::slice::from_ref(&entry), |_| (seq, balance_after)).await?;
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

/// Inserts `entries` in one statement; `numbers(i)` gives the i-th its sequence number and
/// balance after it.
async fn append(
    tx: &mut Tx,
    entries: &[Entry<'_>],
    numbers: impl Fn(usize) -> (i64, i64),
) -> Result<(), sqlx::Error> {
    const COLUMNS: usize = 12;
    let rows: Vec<String> = (0..entries.len())
        .map(|i| format!("({})", placeholders(1 + i * COLUMNS, COLUMNS)))
        .collect();
    let sql = format!(
        "INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, \
         reference_id, operation, actor, idempotency_key, created_at) VALUES {}",
        rows.join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for (i, entry) in entries.iter().enumerate() {
        let (seq, balance_after) = numbers(i);
        insert = insert
            .bind(new_id("cl"))
            .bind(entry.account_id)
            .bind(seq)
            .bind(entry.kind.as_str())
            .bind(entry.amount)
            .bind(balance_after)
            .bind(entry.description)
            .bind(entry.reference_id)
            .bind(entry.operation)
            .bind(entry.actor)
            .bind(entry.idempotency_key)
            .bind(entry.at);
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

/// The spendable balance, read inside `tx`.
pub async fn balance_in(tx: &mut Tx, account_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT credit_balance FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await
}

pub async fn balance(db: &Db, account_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT credit_balance FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(db.pool())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

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

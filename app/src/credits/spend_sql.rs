//! Each phase of a credit spend — placing a hold, settling it — as one round trip to the
//! database, because a spend is the hottest write of the app and its cost is round trips: on
//! PostgreSQL every statement is a network round trip made while the account row is locked
//! (every other spend of the account waits for it), on SQLite every statement is a hand-off to
//! the connection's thread and back.
//!
//! The SQL differs by engine, the effect does not: PostgreSQL chains the steps in one statement
//! (data-modifying `WITH`), SQLite runs them as consecutive statements of one query, each step
//! guarded by `changes()` of the step before, so either every step applies or none does. The
//! rules are the ledger's own (`ledger.rs`): the balance never goes below zero, each entry takes
//! the account's next sequence number and records the balance after it, a hold takes plan
//! credits first and its release gives them back as plan credits. What these fast paths do not
//! cover (a hold closed before its settlement, a usage key applied before) they leave untouched,
//! and `metering.rs` takes the general path.

use crate::backend::{Engine, Timestamp, Tx};

/// A hold about to be placed.
pub struct NewHold<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub amount: i64,
    pub operation: &'a str,
    pub expires_at: Timestamp,
    pub now: Timestamp,
    pub entry_id: &'a str,
    pub description: &'a str,
    pub actor: &'a str,
    pub key: &'a str,
}

const HOLD_SQLITE: &str = "\
    INSERT INTO credit_holds (id, account_id, amount, operation, status, expires_at, created_at, plan_credits) \
    SELECT $1, id, $3, $4, 'open', $5, $6, CASE WHEN plan_credits < $3 THEN plan_credits ELSE $3 END \
    FROM accounts WHERE id = $2 AND credit_balance >= $3; \
    UPDATE accounts SET credit_balance = credit_balance - $3, \
    plan_credits = plan_credits - (SELECT plan_credits FROM credit_holds WHERE id = $1), \
    ledger_seq = ledger_seq + 1 WHERE id = $2 AND changes() = 1; \
    INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, reference_id, \
    operation, actor, idempotency_key, created_at) \
    SELECT $7, id, ledger_seq, 'hold', 0 - $3, credit_balance, $8, $1, $4, $9, $10, $6 \
    FROM accounts WHERE id = $2 AND changes() = 1 RETURNING seq";

const HOLD_POSTGRES: &str = "\
    WITH account AS ( \
      SELECT id, CASE WHEN plan_credits < $3 THEN plan_credits ELSE $3 END AS taken \
      FROM accounts WHERE id = $2 AND credit_balance >= $3 FOR UPDATE \
    ), moved AS ( \
      UPDATE accounts a SET credit_balance = a.credit_balance - $3, \
      plan_credits = a.plan_credits - account.taken, ledger_seq = a.ledger_seq + 1 \
      FROM account WHERE a.id = account.id \
      RETURNING a.id, a.credit_balance, a.ledger_seq, account.taken \
    ), held AS ( \
      INSERT INTO credit_holds (id, account_id, amount, operation, status, expires_at, created_at, plan_credits) \
      SELECT $1, id, $3, $4, 'open', $5, $6, taken FROM moved \
    ) \
    INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, reference_id, \
    operation, actor, idempotency_key, created_at) \
    SELECT $7, id, ledger_seq, 'hold', 0 - $3, credit_balance, $8, $1, $4, $9, $10, $6 FROM moved \
    RETURNING seq";

/// Places the hold with its `hold` entry when the balance covers it; false (nothing written)
/// when it does not.
pub async fn place_hold(tx: &mut Tx, hold: &NewHold<'_>) -> Result<bool, sqlx::Error> {
    let sql = match Engine::of(tx) {
        Engine::Sqlite => HOLD_SQLITE,
        Engine::Postgres => HOLD_POSTGRES,
    };
    // Every row is read (not just the first) so that SQLite runs each statement to its end.
    let placed: Vec<i64> = sqlx::query_scalar(sql)
        .bind(hold.id)
        .bind(hold.account_id)
        .bind(hold.amount)
        .bind(hold.operation)
        .bind(hold.expires_at)
        .bind(hold.now)
        .bind(hold.entry_id)
        .bind(hold.description)
        .bind(hold.actor)
        .bind(hold.key)
        .fetch_all(&mut **tx)
        .await?;
    Ok(!placed.is_empty())
}

/// A settlement of an open hold: its release and the usage, with the usage log.
pub struct Settlement<'a> {
    pub hold_id: &'a str,
    pub account_id: &'a str,
    pub charge: i64,
    pub now: Timestamp,
    pub release_key: &'a str,
    pub usage_key: &'a str,
    pub release_entry_id: &'a str,
    pub usage_entry_id: &'a str,
    pub actor: &'a str,
    pub task_id: &'a str,
    pub usage_log_id: &'a str,
    pub quantity: i64,
    pub site_id: Option<&'a str>,
    pub release_description: &'a str,
    pub usage_description: &'a str,
}

/// The usage moves plan credits by `-charge`, the release gives the hold's plan part back.
const SETTLE_SQLITE: &str = "\
    UPDATE credit_holds SET status = 'settled', closed_at = $3 WHERE id = $1 AND status = 'open' \
    AND NOT EXISTS (SELECT 1 FROM credit_ledger WHERE idempotency_key IN ($4, $5)); \
    UPDATE accounts SET \
    credit_balance = credit_balance + (SELECT amount FROM credit_holds WHERE id = $1) - $2, \
    plan_credits = MAX(plan_credits + (SELECT plan_credits FROM credit_holds WHERE id = $1) - $2, 0), \
    ledger_seq = ledger_seq + 2 WHERE id = $6 AND changes() = 1; \
    INSERT INTO usage_logs (id, account_id, operation, quantity, credits, site_id, task_id, created_at) \
    SELECT $11, account_id, operation, $12, $2, $13, $10, $3 FROM credit_holds WHERE id = $1 AND changes() = 1; \
    INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, reference_id, \
    operation, actor, idempotency_key, created_at) \
    SELECT $7, a.id, a.ledger_seq - 1, 'release', h.amount, a.credit_balance + $2, $14, h.id, h.operation, $8, $4, $3 \
    FROM accounts a, credit_holds h WHERE a.id = $6 AND h.id = $1 AND changes() = 1 \
    UNION ALL \
    SELECT $9, a.id, a.ledger_seq, 'usage', 0 - $2, a.credit_balance, $15, $10, h.operation, $8, $5, $3 \
    FROM accounts a, credit_holds h WHERE a.id = $6 AND h.id = $1 AND changes() = 1 \
    RETURNING seq";

const SETTLE_POSTGRES: &str = "\
    WITH closed AS ( \
      UPDATE credit_holds SET status = 'settled', closed_at = $3 WHERE id = $1 AND status = 'open' \
      AND NOT EXISTS (SELECT 1 FROM credit_ledger WHERE idempotency_key IN ($4, $5)) \
      RETURNING id, account_id, amount, operation, plan_credits \
    ), logged AS ( \
      INSERT INTO usage_logs (id, account_id, operation, quantity, credits, site_id, task_id, created_at) \
      SELECT $11, account_id, operation, $12, $2, $13, $10, $3 FROM closed \
    ), moved AS ( \
      UPDATE accounts a SET credit_balance = a.credit_balance + closed.amount - $2, \
      plan_credits = GREATEST(a.plan_credits + closed.plan_credits - $2, 0), \
      ledger_seq = a.ledger_seq + 2 \
      FROM closed WHERE a.id = closed.account_id AND a.id = $6 \
      RETURNING a.id, a.credit_balance, a.ledger_seq, closed.id AS hold_id, closed.amount, closed.operation \
    ) \
    INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, reference_id, \
    operation, actor, idempotency_key, created_at) \
    SELECT $7, id, ledger_seq - 1, 'release', amount, credit_balance + $2, $14, hold_id, operation, $8, $4, $3 FROM moved \
    UNION ALL \
    SELECT $9, id, ledger_seq, 'usage', 0 - $2, credit_balance, $15, $10, operation, $8, $5, $3 FROM moved \
    RETURNING seq";

/// Settles an open hold whose keys were never applied; false (nothing written) otherwise.
pub async fn settle(tx: &mut Tx, s: &Settlement<'_>) -> Result<bool, sqlx::Error> {
    let sql = match Engine::of(tx) {
        Engine::Sqlite => SETTLE_SQLITE,
        Engine::Postgres => SETTLE_POSTGRES,
    };
    let written: Vec<i64> = sqlx::query_scalar(sql)
        .bind(s.hold_id)
        .bind(s.charge)
        .bind(s.now)
        .bind(s.release_key)
        .bind(s.usage_key)
        .bind(s.account_id)
        .bind(s.release_entry_id)
        .bind(s.actor)
        .bind(s.usage_entry_id)
        .bind(s.task_id)
        .bind(s.usage_log_id)
        .bind(s.quantity)
        .bind(s.site_id)
        .bind(s.release_description)
        .bind(s.usage_description)
        .fetch_all(&mut **tx)
        .await?;
    Ok(!written.is_empty())
}

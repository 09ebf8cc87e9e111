//! The balance as callers see it — what can be spent, what open holds reserve, the plan's credits
//! per period — read in one indexed query. The balance endpoint and the balance widget add the
//! session check to that same query ([`of_session`]), so the hottest request of the API is one
//! read, and a revoked or expired session is still refused at once (no cache to go stale).

use super::model::BalanceView;
use crate::auth::store::live_credentials_sql;
use crate::auth::tokens::Identity;
use crate::backend::clock::rfc3339;
use crate::backend::{AppState, Timestamp};

/// Balance, holds (by `credit_holds_account_idx`), plan and low-balance threshold of an account
/// row `a`; the one live subscription is found by `subscriptions_one_live_key`, the alert by its
/// primary key.
const BALANCE_SELECT: &str = "SELECT a.credit_balance, \
     (SELECT CAST(COALESCE(SUM(h.amount), 0) AS BIGINT) FROM credit_holds h \
      WHERE h.account_id = a.id AND h.status = 'open') AS held, \
     p.credits_per_period, s.current_period_end, ba.threshold \
     FROM accounts a \
     LEFT JOIN balance_alerts ba ON ba.account_id = a.id \
     LEFT JOIN subscriptions s ON s.account_id = a.id AND s.status <> 'canceled' \
     LEFT JOIN plans p ON p.id = s.plan_id";

type BalanceRow = (i64, i64, Option<i64>, Option<Timestamp>, Option<i64>);

/// The account's balance.
pub async fn of_account(state: &AppState, account_id: &str) -> Result<BalanceView, sqlx::Error> {
    fail_if_injected(state)?;
    let row: BalanceRow = sqlx::query_as(&format!("{BALANCE_SELECT} WHERE a.id = $1"))
        .bind(account_id)
        .fetch_one(state.db.pool())
        .await?;
    Ok(view(row))
}

/// The balance of the account of a live session's user; `None` when the session is revoked or
/// expired (the caller answers 401), in the same read.
pub async fn of_session(
    state: &AppState,
    identity: &Identity,
) -> Result<Option<BalanceView>, sqlx::Error> {
    fail_if_injected(state)?;
    let row: Option<BalanceRow> = sqlx::query_as(&format!(
        "{BALANCE_SELECT} JOIN users u ON u.account_id = a.id WHERE u.id = $2 AND {}",
        live_credentials_sql(identity)
    ))
    .bind(&identity.session_id)
    .bind(&identity.user_id)
    .bind(state.clock.now())
    .fetch_optional(state.db.pool())
    .await?;
    Ok(row.map(view))
}

fn view((available, held, per_period, period_end, threshold): BalanceRow) -> BalanceView {
    // The stored balance is what can be spent; holds are owned but reserved.
    BalanceView {
        balance: available + held,
        held,
        available,
        plan_credits_per_period: per_period.unwrap_or(0),
        period_end: period_end.map(rfc3339),
        low_balance_threshold: threshold,
    }
}

/// With `FAULT_INJECTION` a test can make the balance read as if the database were unreachable.
fn fail_if_injected(state: &AppState) -> Result<(), sqlx::Error> {
    if state
        .faults
        .balance
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return Err(sqlx::Error::PoolTimedOut);
    }
    Ok(())
}

//! Test clocks, outside production: an admin attaches an account to a clock and moves it forward
//! (a day, a month, to the next renewal), and that account's renewals, dunning, trials, monthly
//! credits and plan-credit expiries happen as they would at that time, while every other account
//! keeps the real time. This is how an operator rehearses the whole lifecycle before going live.
//!
//! A clock is an offset ahead of the real time (`test_clocks`, migration 0017) that only grows.
//! Every billing step of an account reads the account's time through [`now_for`] or [`now_in`],
//! and the scheduler's due queries compare with [`account_now_sql`]. Credit spends, holds,
//! sessions and leases keep the real time: a task, a login and a crashed instance live in real
//! time.

use super::model::{ClockStep, TestClockView};
use crate::admin::audit::{self, Action};
use crate::auth::model::SessionView;
use crate::backend::clock::{rfc3339, Clock};
use crate::backend::{AppState, RunMode, Timestamp, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::subscriptions::periods::add_months;
use crate::subscriptions::trials::REMINDER_DAYS;

const DAY: i64 = 86_400;
/// What an unknown step is told.
pub const STEP_CHOICES: &str = "Choose day, month or next_renewal.";
/// Events one advance may step through (a month holds at most a renewal, three retries, a
/// cancellation, a trial's reminder and end and a month's credits).
const MAX_STEPS: usize = 64;

/// SQL for the time of the account in `account_column`, given the real time in `now_param`:
/// what due queries compare with. Accounts without a clock cost one primary-key miss.
pub fn account_now_sql(account_column: &str, now_param: &str) -> String {
    format!(
        "({now_param} + COALESCE((SELECT tc.offset_seconds FROM test_clocks tc \
         WHERE tc.account_id = {account_column}), 0))"
    )
}

/// How far the account's clock is ahead of the real time; `None` without a clock.
async fn stored_offset<'c, E>(executor: E, account_id: &str) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT offset_seconds FROM test_clocks WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(executor)
        .await
}

async fn offset<'c, E>(executor: E, account_id: &str) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    Ok(stored_offset(executor, account_id).await?.unwrap_or(0))
}

/// The account's time: the real time, or its test clock's.
pub async fn now_for(state: &AppState, account_id: &str) -> Result<Timestamp, sqlx::Error> {
    let ahead = offset(state.db.pool(), account_id).await?;
    Ok(state.clock.now() + ahead)
}

/// [`now_for`] inside a transaction.
pub async fn now_in(
    tx: &mut Tx,
    clock: &Clock,
    account_id: &str,
) -> Result<Timestamp, sqlx::Error> {
    shifted(tx, account_id, clock.now()).await
}

/// The account's time at the real time `at`.
pub async fn shifted(
    tx: &mut Tx,
    account_id: &str,
    at: Timestamp,
) -> Result<Timestamp, sqlx::Error> {
    Ok(at + offset(&mut **tx, account_id).await?)
}

/// The account's clock, if it has one.
pub async fn view(state: &AppState, account_id: &str) -> AppResult<Option<TestClockView>> {
    let Some(ahead) = stored_offset(state.db.pool(), account_id).await? else {
        return Ok(None);
    };
    let now = state.clock.now() + ahead;
    let next = next_event_after(state, account_id, now).await?;
    Ok(Some(TestClockView {
        account_id: account_id.to_string(),
        now: rfc3339(now),
        ahead_seconds: ahead,
        next_event: next.map(rfc3339),
    }))
}

/// Test clocks exist only outside production: there they answer 404, like `/dev/outbox`.
pub fn allowed(state: &AppState) -> AppResult<()> {
    match state.settings.mode {
        RunMode::Production => Err(AppError::with_message(
            ErrorKind::NotFound,
            "Test clocks exist only outside production (APP_ENV=development).",
        )),
        RunMode::Development => Ok(()),
    }
}

/// Attaches the account to a clock standing at the real time (attaching twice changes nothing).
pub async fn attach(
    state: &AppState,
    admin: &SessionView,
    account_id: &str,
) -> AppResult<TestClockView> {
    allowed(state)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
    exists.ok_or_else(AppError::not_found)?;
    let added = sqlx::query(
        "INSERT INTO test_clocks (account_id, offset_seconds, created_at, updated_at) \
         VALUES ($1, 0, $2, $2) ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if added.rows_affected() == 1 {
        record(&mut tx, admin, account_id, "test_clock.attach", None, now).await?;
    }
    tx.commit().await?;
    view(state, account_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Moves the account's clock forward by `step`, stopping at every billing event on the way and
/// running the scheduler's billing jobs there, so each happens at its own time (a retry a day
/// after a failed renewal is dated that day, not the day the admin asked for).
pub async fn advance(
    state: &AppState,
    admin: &SessionView,
    account_id: &str,
    step: ClockStep,
) -> AppResult<TestClockView> {
    allowed(state)?;
    let Some(clock) = view(state, account_id).await? else {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            "Attach this account to a test clock first.",
        ));
    };
    let start = state.clock.now() + clock.ahead_seconds;
    let target = match step {
        ClockStep::Day => start + DAY,
        ClockStep::Month => add_months(start, 1),
        ClockStep::NextRenewal => next_renewal(state, account_id).await?.ok_or_else(|| {
            AppError::with_message(
                ErrorKind::Conflict,
                "Nothing renews on this account: it has no live subscription.",
            )
        })?,
    };
    for _ in 0..MAX_STEPS {
        let at = now_for(state, account_id).await?;
        let next = next_event_after(state, account_id, at)
            .await?
            .filter(|&event| event < target);
        move_to(state, account_id, next.unwrap_or(target)).await?;
        crate::backend::scheduler::billing_jobs(state, "test-clock").await;
        if next.is_none() {
            break;
        }
    }
    let mut tx = state.db.begin().await?;
    let after = serde_json::json!({ "step": step.as_str(), "now": rfc3339(target) });
    record(
        &mut tx,
        admin,
        account_id,
        "test_clock.advance",
        Some(after),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    view(state, account_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Sets the account's time to `at` (never backwards).
async fn move_to(state: &AppState, account_id: &str, at: Timestamp) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    sqlx::query(
        "UPDATE test_clocks SET offset_seconds = $2, updated_at = $3 \
         WHERE account_id = $1 AND offset_seconds < $2",
    )
    .bind(account_id)
    .bind(at - now)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    Ok(())
}

async fn record(
    tx: &mut Tx,
    admin: &SessionView,
    account_id: &str,
    action: &str,
    after: Option<serde_json::Value>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    let action = Action {
        admin,
        action,
        target_type: "account",
        target_id: account_id,
        before: None,
        after,
        reason: "test clock",
    };
    audit::record(tx, action, at).await
}

/// The live subscription's timing, as the scheduler's billing jobs read it.
#[derive(sqlx::FromRow)]
struct Schedule {
    status: String,
    current_period_end: Option<Timestamp>,
    next_attempt_at: Option<Timestamp>,
    trial_reminded: i64,
    billing_interval: String,
    credits_granted_until: Option<Timestamp>,
}

impl Schedule {
    /// When each billing job next has something to do for this subscription.
    fn events(&self) -> Vec<Timestamp> {
        let end = self.current_period_end;
        let mut events = Vec::new();
        match self.status.as_str() {
            "active" => events.extend(end),
            "past_due" => events.extend(self.next_attempt_at),
            "trialing" => {
                events.extend(end);
                if self.trial_reminded == 0 {
                    events.extend(end.map(|end| end - REMINDER_DAYS * DAY));
                }
            }
            _ => {}
        }
        // A yearly plan's next month of credits.
        if let (Some(granted), Some(end)) = (self.credits_granted_until, end) {
            let paid = matches!(self.status.as_str(), "active" | "past_due");
            if paid && self.billing_interval == "year" && granted < end {
                events.push(granted);
            }
        }
        events
    }

    /// The renewal (or, while past due, the next retry).
    fn renewal(&self) -> Option<Timestamp> {
        match self.status.as_str() {
            "past_due" => self.next_attempt_at,
            _ => self.current_period_end,
        }
    }
}

async fn live_schedule(
    state: &AppState,
    account_id: &str,
) -> Result<Option<Schedule>, sqlx::Error> {
    sqlx::query_as(
        "SELECT status, current_period_end, next_attempt_at, trial_reminded, billing_interval, \
         credits_granted_until FROM subscriptions \
         WHERE account_id = $1 AND status IN ('active', 'trialing', 'past_due')",
    )
    .bind(account_id)
    .fetch_optional(state.db.pool())
    .await
}

/// The first billing event of the account after `at`.
async fn next_event_after(
    state: &AppState,
    account_id: &str,
    at: Timestamp,
) -> Result<Option<Timestamp>, sqlx::Error> {
    Ok(live_schedule(state, account_id)
        .await?
        .and_then(|s| s.events().into_iter().filter(|&event| event > at).min()))
}

async fn next_renewal(
    state: &AppState,
    account_id: &str,
) -> Result<Option<Timestamp>, sqlx::Error> {
    Ok(live_schedule(state, account_id)
        .await?
        .and_then(|s| s.renewal()))
}

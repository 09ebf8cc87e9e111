//! Yearly plans grant their credits month by month, as monthly plans do: a yearly Starter gets
//! its 1,000 credits every month of the year, not once a year. The year's first month is granted
//! when the year is paid (payments/settlement.rs, which calls [`period_paid`]); each later month
//! by the scheduler ([`grant_due`]) when it begins. As at a monthly renewal, the unused plan
//! credits of the month that ended expire; purchased credits never do.
//!
//! Exactly once: a month is claimed by a conditional update of `credits_granted_until` (from
//! the month that ended to the one that begins), and its expiry and grant carry keys of the
//! subscription and the month, so retries and several instances grant each month once.

use super::periods::add_months;
use crate::accounts::test_clock;
use crate::backend::{AppState, Timestamp, Tx};
use crate::common::AppResult;
use crate::credits::ledger::{self, Entry, EntryKind};
use crate::plans::model::BillingInterval;

/// The months of the period starting at `period_start` that `at` falls in: `(start, end)` of
/// the calendar month counted from the period's start (its day clamped to short months).
pub fn month_of(period_start: Timestamp, at: Timestamp) -> (Timestamp, Timestamp) {
    let mut start = period_start;
    for months in 1..=12 {
        let end = add_months(period_start, months);
        if at < end {
            return (start, end);
        }
        start = end;
    }
    (start, add_months(period_start, 13))
}

/// A period of `interval` starting at `start` was paid: a yearly one has its first month's
/// credits (granted with the invoice), a monthly one needs no bookkeeping.
pub async fn period_paid(
    tx: &mut Tx,
    subscription_id: &str,
    interval: BillingInterval,
    start: Timestamp,
) -> Result<(), sqlx::Error> {
    let until = (interval == BillingInterval::Year).then(|| add_months(start, 1));
    sqlx::query("UPDATE subscriptions SET credits_granted_until = $2 WHERE id = $1")
        .bind(subscription_id)
        .bind(until)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A yearly subscription whose next month of credits is due.
#[derive(sqlx::FromRow)]
struct DueMonth {
    id: String,
    account_id: String,
    current_period_start: Timestamp,
    credits_granted_until: Timestamp,
    credits_per_period: i64,
}

/// Grants every month of credits that has begun (a scheduler that was stopped for months catches
/// up month by month, each one's unused credits expiring); how many months were granted.
pub async fn grant_due(state: &AppState) -> AppResult<usize> {
    let mut granted = 0;
    // At most the 12 months of a year each pass; more means nothing more is due.
    for _ in 0..12 {
        let this_pass = grant_due_once(state).await?;
        if this_pass == 0 {
            break;
        }
        granted += this_pass;
    }
    Ok(granted)
}

async fn grant_due_once(state: &AppState) -> AppResult<usize> {
    // By each account's time (a test clock may move it, `accounts::test_clock`).
    let due: Vec<DueMonth> = sqlx::query_as(&format!(
        "SELECT s.id, s.account_id, s.current_period_start, s.credits_granted_until, p.credits_per_period \
         FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.billing_interval = 'year' AND s.status IN ('active', 'past_due') \
         AND s.credits_granted_until <= {} AND s.credits_granted_until < s.current_period_end",
        test_clock::account_now_sql("s.account_id", "$1")
    ))
    .bind(state.clock.now())
    .fetch_all(state.db.pool())
    .await?;
    let mut granted = 0;
    for month in due {
        let now = test_clock::now_for(state, &month.account_id).await?;
        if grant_month(state, &month, now).await? {
            granted += 1;
        }
    }
    Ok(granted)
}

/// The month that began at `credits_granted_until`: the last month's plan credits expire, this
/// month's are granted. False when another instance (or an earlier try) did it.
async fn grant_month(state: &AppState, month: &DueMonth, now: Timestamp) -> AppResult<bool> {
    let begins = month.credits_granted_until;
    let (_, ends) = month_of(month.current_period_start, begins);
    let mut tx = state.db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE subscriptions SET credits_granted_until = $3 WHERE id = $1 AND credits_granted_until = $2",
    )
    .bind(&month.id)
    .bind(begins)
    .bind(ends)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(false);
    }
    let (expiry_key, grant_key) = (
        format!("expiry:{}:{begins}", month.id),
        format!("grant:{}:{begins}", month.id),
    );
    let entry = |kind, amount, description, idempotency_key| Entry {
        account_id: &month.account_id,
        kind,
        amount,
        description,
        reference_id: Some(&month.id),
        operation: None,
        actor: "system",
        idempotency_key,
        at: now,
    };
    ledger::expire_plan_credits(
        &mut tx,
        entry(
            EntryKind::Expiry,
            0,
            "Unused plan credits of the past month expired",
            &expiry_key,
        ),
    )
    .await?;
    if month.credits_per_period > 0 {
        ledger::grant(
            &mut tx,
            entry(
                EntryKind::PlanGrant,
                month.credits_per_period,
                "Plan credits for the month",
                &grant_key,
            ),
        )
        .await?;
    }
    tx.commit().await?;
    crate::credits::live::publish(state, &month.account_id);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-31T00:00:00Z.
    const JAN_31: i64 = 1_769_817_600;

    #[test]
    fn months_of_a_year_follow_the_start_day_clamped() {
        let (start, end) = month_of(JAN_31, JAN_31);
        assert_eq!((start, end), (JAN_31, add_months(JAN_31, 1)));
        // Feb 28, then Mar 31: each month counted from the start, not from the month before.
        let february = add_months(JAN_31, 1);
        assert_eq!(
            month_of(JAN_31, february),
            (february, add_months(JAN_31, 2))
        );
        assert_eq!(month_of(JAN_31, february - 1).1, february);
        let last = month_of(JAN_31, add_months(JAN_31, 12) - 1);
        assert_eq!(last, (add_months(JAN_31, 11), add_months(JAN_31, 12)));
    }
}

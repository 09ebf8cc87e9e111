//! SQL for subscriptions. Every read is scoped by account; state changes are conditional
//! updates, so two requests (or two scheduler instances) cannot both apply the same change.

use super::model::{SubscriptionStatus, SubscriptionView};
use crate::backend::clock::rfc3339;
use crate::backend::db::is_unique_violation;
use crate::backend::{Db, Flag, Timestamp, Tx};
use crate::common::{AppError, ErrorKind};
use crate::plans::model::{BillingInterval, PlanRef};
use crate::webhooks::model::EventType;

/// The rows the services reason about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub account_id: String,
    pub plan_id: String,
    pub status: SubscriptionStatus,
    #[sqlx(rename = "billing_interval")]
    pub interval: BillingInterval,
    #[sqlx(rename = "current_period_start")]
    pub period_start: Option<Timestamp>,
    #[sqlx(rename = "current_period_end")]
    pub period_end: Option<Timestamp>,
    pub anchor_at: Option<Timestamp>,
    #[sqlx(try_from = "Flag")]
    pub cancel_at_period_end: bool,
    pub scheduled_plan_id: Option<String>,
    pub scheduled_interval: Option<BillingInterval>,
    pub payment_method_id: Option<String>,
    pub past_due_since: Option<Timestamp>,
    pub renewal_attempts: i64,
    /// The proration invoice of an upgrade being paid for.
    pub changing_invoice_id: Option<String>,
}

const ROW: &str = "SELECT id, account_id, plan_id, status, billing_interval, current_period_start, current_period_end, \
     anchor_at, cancel_at_period_end, scheduled_plan_id, scheduled_interval, payment_method_id, past_due_since, renewal_attempts, \
     changing_invoice_id FROM subscriptions";

pub async fn find(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROW} WHERE account_id = $1 AND id = $2"))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn find_by_id(tx: &mut Tx, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ROW} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub struct NewSubscription<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub plan_id: &'a str,
    pub interval: BillingInterval,
    /// None only for a trial that needs no payment method.
    pub payment_method_id: Option<&'a str>,
    pub at: Timestamp,
}

/// A second live subscription of an account, which the unique index on live subscriptions
/// refuses, as the API says it: 409 `already_subscribed`.
pub fn insert_error(e: sqlx::Error) -> AppError {
    if is_unique_violation(&e, "subscriptions_one_live_key", "subscriptions.account_id") {
        AppError::new(ErrorKind::AlreadySubscribed)
    } else {
        e.into()
    }
}

/// Inserts a `pending_payment` subscription (a second live one: see [`insert_error`]).
pub async fn insert_pending(tx: &mut Tx, new: NewSubscription<'_>) -> Result<(), sqlx::Error> {
    insert(tx, &new, SubscriptionStatus::PendingPayment, None).await
}

/// Inserts a `trialing` subscription whose trial ends at `trial_end` (its current period).
pub async fn insert_trialing(
    tx: &mut Tx,
    new: NewSubscription<'_>,
    trial_end: Timestamp,
) -> Result<(), sqlx::Error> {
    insert(tx, &new, SubscriptionStatus::Trialing, Some(trial_end)).await
}

async fn insert(
    tx: &mut Tx,
    new: &NewSubscription<'_>,
    status: SubscriptionStatus,
    period_end: Option<Timestamp>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO subscriptions (id, account_id, plan_id, status, billing_interval, payment_method_id, \
         current_period_start, current_period_end, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.plan_id)
    .bind(status)
    .bind(new.interval)
    .bind(new.payment_method_id)
    // A trial's period starts now; a pending subscription's when it is paid.
    .bind(period_end.map(|_| new.at))
    .bind(period_end)
    .bind(new.at)
    .execute(&mut **tx)
    .await?;
    announce(tx, new.id, EventType::SubscriptionCreated, new.at).await
}

/// pending_payment → active with its first period.
pub async fn activate(
    tx: &mut Tx,
    id: &str,
    period: (Timestamp, Timestamp),
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE subscriptions SET status = 'active', current_period_start = $2, current_period_end = $3, \
         anchor_at = $2, updated_at = $4 WHERE id = $1 AND status = 'pending_payment'",
    )
    .bind(id)
    .bind(period.0)
    .bind(period.1)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let activated = done.rows_affected() == 1;
    if activated {
        announce(tx, id, EventType::SubscriptionUpdated, at).await?;
    }
    Ok(activated)
}

/// Moves into the next period (after a paid renewal); only from the period it was due in.
pub async fn extend(
    tx: &mut Tx,
    id: &str,
    from_end: Timestamp,
    to_end: Timestamp,
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE subscriptions SET status = 'active', current_period_start = $2, current_period_end = $3, \
         past_due_since = NULL, renewal_attempts = 0, next_attempt_at = NULL, updated_at = $4 \
         WHERE id = $1 AND current_period_end = $2 AND status IN ('active', 'past_due')",
    )
    .bind(id)
    .bind(from_end)
    .bind(to_end)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The plan and interval it is billed at from now on; a change waiting for the period's end is
/// done with.
pub async fn set_terms(
    tx: &mut Tx,
    id: &str,
    plan_id: &str,
    interval: BillingInterval,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscriptions SET plan_id = $2, billing_interval = $3, scheduled_plan_id = NULL, \
         scheduled_interval = NULL, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(plan_id)
    .bind(interval)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    announce(tx, id, EventType::SubscriptionUpdated, at).await
}

/// A paid switch from monthly to yearly billing: the year runs from the start of the month it
/// was bought in (that month's payment counted towards it), later periods count from there, and
/// the month's plan credits were granted already. Only while that month is still the current
/// period: false otherwise.
pub async fn start_year(
    tx: &mut Tx,
    id: &str,
    year: (Timestamp, Timestamp),
    at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE subscriptions SET billing_interval = 'year', anchor_at = $2, credits_granted_until = current_period_end, \
         current_period_end = $3, updated_at = $4 WHERE id = $1 AND current_period_start = $2 AND billing_interval = 'month'",
    )
    .bind(id)
    .bind(year.0)
    .bind(year.1)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the subscription row for the rest of `tx` (PostgreSQL; SQLite's write transaction
/// holds the database already), so a decision read from it stays true until the commit.
pub async fn lock(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE subscriptions SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks (or, with `None`, clears) the upgrade whose proration invoice is being paid for.
pub async fn set_changing_invoice(
    tx: &mut Tx,
    id: &str,
    invoice_id: Option<&str>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE subscriptions SET changing_invoice_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(invoice_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets (or, with `None`, clears) the plan and interval it changes to at the end of the period.
pub async fn schedule_change(
    tx: &mut Tx,
    id: &str,
    change: Option<(&str, BillingInterval)>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscriptions SET scheduled_plan_id = $2, scheduled_interval = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(change.map(|c| c.0))
    .bind(change.map(|c| c.1))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    announce(tx, id, EventType::SubscriptionUpdated, at).await
}

pub async fn set_cancel_at_period_end(
    tx: &mut Tx,
    id: &str,
    cancel: bool,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscriptions SET cancel_at_period_end = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(cancel as i64)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    announce(tx, id, EventType::SubscriptionUpdated, at).await
}

/// Ends it now. False when it had already ended.
pub async fn cancel_now(tx: &mut Tx, id: &str, at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE subscriptions SET status = 'canceled', canceled_at = $2, next_attempt_at = NULL, \
         lease_owner = NULL, lease_until = NULL, updated_at = $2 WHERE id = $1 AND status <> 'canceled'",
    )
    .bind(id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    let canceled = done.rows_affected() == 1;
    if canceled {
        announce(tx, id, EventType::SubscriptionCanceled, at).await?;
    }
    Ok(canceled)
}

/// Tells the account's webhook endpoints about a change, in the transaction that makes it
/// (`crate::webhooks`). A renewal or a plan change announces itself once, through `set_terms`:
/// `extend` and `start_year` come before it.
pub async fn announce(
    tx: &mut Tx,
    id: &str,
    event: EventType,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    crate::webhooks::events::subscription(tx, id, event, at).await
}

/// A failed renewal charge: past due since the period end, with the next retry planned.
pub async fn mark_past_due(
    tx: &mut Tx,
    id: &str,
    since: Timestamp,
    attempts: i64,
    next_attempt_at: Timestamp,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscriptions SET status = 'past_due', past_due_since = $2, renewal_attempts = $3, \
         next_attempt_at = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(since)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    announce(tx, id, EventType::SubscriptionUpdated, at).await
}

/// SQL: a renewal (or a retry while past due) is due by the account's time — the real time in
/// `now_param` unless a test clock moves it (`accounts::test_clock`). Leases stay in real time.
fn renewal_due(now_param: &str) -> String {
    let now = crate::accounts::test_clock::account_now_sql("subscriptions.account_id", now_param);
    format!(
        "((status = 'active' AND current_period_end <= {now}) \
         OR (status = 'past_due' AND next_attempt_at <= {now}))"
    )
}

/// Which subscriptions the scheduler has to look at now: active ones whose period has ended,
/// past-due ones whose next retry is due.
pub async fn due_ids(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM subscriptions WHERE {} \
         AND (lease_until IS NULL OR lease_until < $1) ORDER BY current_period_end LIMIT $2",
        renewal_due("$1")
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// Claims a due subscription for one scheduler instance until `until`. The conditional update
/// is the lock: of several instances racing, exactly one sees a row change.
pub async fn claim(
    db: &Db,
    id: &str,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE subscriptions SET lease_owner = $2, lease_until = $4 WHERE id = $1 AND {} \
         AND (lease_until IS NULL OR lease_until < $3)",
        renewal_due("$3")
    ))
    .bind(id)
    .bind(owner)
    .bind(now)
    .bind(until)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release(db: &Db, id: &str, owner: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscriptions SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .execute(db.writer())
    .await?;
    Ok(())
}

const VIEW: &str = "SELECT s.id, s.plan_id, p.name AS plan_name, s.status, s.billing_interval, s.current_period_start, \
     s.current_period_end, s.cancel_at_period_end, s.scheduled_plan_id, sp.name AS scheduled_plan_name, \
     s.scheduled_interval, s.payment_method_id, s.canceled_at FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
     LEFT JOIN plans sp ON sp.id = s.scheduled_plan_id";

/// A subscription with its plans' names, as [`VIEW`] reads it.
#[derive(sqlx::FromRow)]
struct SubscriptionViewRow {
    id: String,
    plan_id: String,
    plan_name: String,
    status: SubscriptionStatus,
    billing_interval: BillingInterval,
    current_period_start: Option<Timestamp>,
    current_period_end: Option<Timestamp>,
    cancel_at_period_end: Flag,
    scheduled_plan_id: Option<String>,
    scheduled_plan_name: Option<String>,
    scheduled_interval: Option<BillingInterval>,
    payment_method_id: Option<String>,
    canceled_at: Option<Timestamp>,
}

impl From<SubscriptionViewRow> for SubscriptionView {
    fn from(row: SubscriptionViewRow) -> Self {
        let cancel_at_period_end = *row.cancel_at_period_end;
        let renews = row.status.renews() && !cancel_at_period_end;
        SubscriptionView {
            id: row.id,
            plan: PlanRef {
                id: row.plan_id,
                name: row.plan_name,
            },
            status: row.status,
            interval: row.billing_interval,
            current_period_start: row.current_period_start.map(rfc3339),
            current_period_end: row.current_period_end.map(rfc3339),
            renewal_date: row.current_period_end.filter(|_| renews).map(rfc3339),
            cancel_at_period_end,
            scheduled_plan: row
                .scheduled_plan_id
                .zip(row.scheduled_plan_name)
                .map(|(id, name)| PlanRef { id, name }),
            scheduled_interval: row.scheduled_interval,
            payment_method_id: row.payment_method_id,
            canceled_at: row.canceled_at.map(rfc3339),
        }
    }
}

/// The account's subscriptions, the live one first.
pub async fn list(db: &Db, account_id: &str) -> Result<Vec<SubscriptionView>, sqlx::Error> {
    let rows = sqlx::query_as::<_, SubscriptionViewRow>(&format!(
        "{VIEW} WHERE s.account_id = $1 ORDER BY CASE WHEN s.status = 'canceled' THEN 1 ELSE 0 END, s.created_at DESC"
    ))
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(SubscriptionView::from).collect())
}

pub async fn view(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<SubscriptionView>, sqlx::Error> {
    let row = sqlx::query_as::<_, SubscriptionViewRow>(&format!(
        "{VIEW} WHERE s.account_id = $1 AND s.id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(SubscriptionView::from))
}

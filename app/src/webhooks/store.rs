//! The `webhook_endpoints` and `webhook_deliveries` tables (migration 0019).

use super::model::{DeliveryStatus, DeliveryView, EventType, WebhookEndpointView};
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::{Db, Tx};

#[derive(sqlx::FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_at: Timestamp,
}

impl From<EndpointRow> for WebhookEndpointView {
    fn from(row: EndpointRow) -> Self {
        WebhookEndpointView {
            id: row.id,
            url: row.url,
            events: row
                .events
                .split(',')
                .filter_map(|name| name.parse().ok())
                .collect(),
            secret: row.secret,
            created_at: rfc3339(row.created_at),
        }
    }
}

const ENDPOINT_COLUMNS: &str = "id, url, events, secret, created_at";

pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub url: &'a str,
    pub events: &'a [EventType],
    pub secret: &'a str,
}

pub async fn insert_endpoint(
    tx: &mut Tx,
    new: &NewEndpoint<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let events: Vec<&str> = new.events.iter().map(|e| e.as_str()).collect();
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, account_id, url, events, secret, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.url)
    .bind(events.join(","))
    .bind(new.secret)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account's endpoints that are not deleted, oldest first.
pub async fn endpoints(db: &Db, account_id: &str) -> Result<Vec<EndpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 \
         AND deleted_at IS NULL ORDER BY created_at, id"
    ))
    .bind(account_id)
    .fetch_all(db.pool())
    .await
}

pub async fn count_endpoints(tx: &mut Tx, account_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_endpoints WHERE account_id = $1 \
         AND deleted_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
}

/// Deletes one of the account's endpoints; its pending deliveries are dropped with it.
pub async fn delete_endpoint(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET deleted_at = $3 WHERE id = $1 AND account_id = $2 \
         AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = 'The endpoint was deleted.', \
         completed_at = $2, next_attempt_at = NULL WHERE endpoint_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The endpoints of an account that listen to `event`: (id, url).
pub async fn listeners(
    tx: &mut Tx,
    account_id: &str,
    event: EventType,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM webhook_endpoints WHERE account_id = $1 AND deleted_at IS NULL \
         AND (',' || events || ',') LIKE $2 ORDER BY id",
    )
    .bind(account_id)
    .bind(format!("%,{},%", event.as_str()))
    .fetch_all(&mut **tx)
    .await
}

pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub endpoint_id: &'a str,
    pub account_id: &'a str,
    pub event_id: &'a str,
    pub event_type: EventType,
    pub payload: &'a str,
}

/// Queues a delivery, due at once.
pub async fn insert_delivery(
    tx: &mut Tx,
    new: &NewDelivery<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_id, event_type, \
         payload, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
    )
    .bind(new.id)
    .bind(new.endpoint_id)
    .bind(new.account_id)
    .bind(new.event_id)
    .bind(new.event_type)
    .bind(new.payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    endpoint_id: String,
    event_id: String,
    event_type: EventType,
    status: DeliveryStatus,
    attempts: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: Timestamp,
    next_attempt_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(row: DeliveryRow) -> Self {
        DeliveryView {
            id: row.id,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            event_type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            created_at: rfc3339(row.created_at),
            next_attempt_at: row.next_attempt_at.map(rfc3339),
            completed_at: row.completed_at.map(rfc3339),
        }
    }
}

const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, event_type, status, attempts, \
     last_status_code, last_error, created_at, next_attempt_at, completed_at";

/// The account's latest deliveries, newest first; of one endpoint when given.
pub async fn deliveries(
    db: &Db,
    account_id: &str,
    endpoint_id: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryView>, sqlx::Error> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE account_id = $1 \
         AND ($2 IS NULL OR endpoint_id = $2) ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(account_id)
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(DeliveryView::from).collect())
}

pub async fn delivery(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<DeliveryView>, sqlx::Error> {
    let row: Option<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(DeliveryView::from))
}

/// What an attempt needs: the delivery with its endpoint.
#[derive(sqlx::FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub url: String,
    pub secret: String,
}

/// Deliveries due now whose lease is free, oldest first.
pub async fn due(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<DueDelivery>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id, d.event_id, d.event_type, d.payload, d.attempts, d.created_at, e.url, e.secret \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
         AND (d.leased_until IS NULL OR d.leased_until <= $1) \
         ORDER BY d.next_attempt_at, d.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// Claims one attempt of a delivery: true for exactly one caller, on any instance. The attempt
/// counter is the claim's token: the answer is recorded only against it.
pub async fn claim(
    db: &Db,
    id: &str,
    attempts: i64,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, leased_until = $4 \
         WHERE id = $1 AND attempts = $2 AND status = 'pending' AND next_attempt_at <= $3 \
         AND (leased_until IS NULL OR leased_until <= $3)",
    )
    .bind(id)
    .bind(attempts)
    .bind(now)
    .bind(lease_until)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How an attempt ended, as recorded.
pub struct Outcome<'a> {
    pub status: DeliveryStatus,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    pub next_attempt_at: Option<Timestamp>,
}

/// Records the attempt numbered `attempt` (the claim's), releasing the lease.
pub async fn record(
    db: &Db,
    id: &str,
    attempt: i64,
    outcome: &Outcome<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let completed = (outcome.status != DeliveryStatus::Pending).then_some(now);
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $3, last_status_code = $4, last_error = $5, \
         next_attempt_at = $6, completed_at = $7, leased_until = NULL \
         WHERE id = $1 AND attempts = $2 AND status = 'pending'",
    )
    .bind(id)
    .bind(attempt)
    .bind(outcome.status)
    .bind(outcome.status_code)
    .bind(outcome.error)
    .bind(outcome.next_attempt_at)
    .bind(completed)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// A copy of a delivery, due now: the same event (id and payload) to the same endpoint.
pub async fn copy_delivery(
    tx: &mut Tx,
    from_id: &str,
    new_id: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_id, event_type, \
         payload, status, attempts, next_attempt_at, created_at) \
         SELECT $2, d.endpoint_id, d.account_id, d.event_id, d.event_type, d.payload, 'pending', 0, $3, $3 \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.id = $1 AND e.deleted_at IS NULL",
    )
    .bind(from_id)
    .bind(new_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

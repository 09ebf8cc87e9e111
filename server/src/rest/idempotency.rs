//! `Idempotency-Key` on the POSTs that move money or credits (API.md): the first result is
//! stored with a hash of the request; the same key and request replays it without running
//! anything again, the same key with another request is 409 `idempotency_conflict`, and a key
//! whose first request is still running is 409 `conflict`. Server faults are not stored, so a
//! retry after one runs again (the services themselves never apply a payment twice).

use app::auth::tokens::hash_token;
use app::backend::AppState;
use app::common::{AppError, AppResult, ErrorKind};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::future::Future;

const HEADER: &str = "idempotency-key";

/// Runs `work` at most once per (account, key).
pub async fn once<T, F>(
    state: &AppState,
    account_id: &str,
    headers: &HeaderMap,
    request: &str,
    success: StatusCode,
    work: F,
) -> Response
where
    T: Serialize,
    F: Future<Output = AppResult<T>>,
{
    let Some(key) = headers.get(HEADER).and_then(|v| v.to_str().ok()) else {
        return respond(success, work.await);
    };
    let key = key.trim();
    if key.is_empty() || key.len() > 200 {
        return AppError::invalid("Idempotency-Key", "Use a key of 1 to 200 characters.")
            .into_response();
    }
    let hash = hash_token(request);
    match claim(state, account_id, key, &hash).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay(status, body)) => return replay(status, body),
        Err(e) => return e.into_response(),
    }
    let result = work.await;
    let (status, body) = match &result {
        Ok(value) => (success, serde_json::to_string(value).unwrap_or_default()),
        Err(e) => (
            StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            serde_json::json!({ "error": e }).to_string(),
        ),
    };
    if let Err(e) = store(state, account_id, key, status, &body).await {
        tracing::error!(error = %e, "idempotency result not stored");
    }
    respond(success, result)
}

enum Claim {
    Fresh,
    Replay(u16, String),
}

async fn claim(state: &AppState, account_id: &str, key: &str, hash: &str) -> AppResult<Claim> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, key) DO NOTHING",
    )
    .bind(account_id)
    .bind(key)
    .bind(hash)
    .bind(state.clock.now())
    .execute(state.db.pool())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_hash, status, body): (String, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE account_id = $1 AND key = $2",
    )
    .bind(account_id)
    .bind(key)
    .fetch_one(state.db.pool())
    .await?;
    if stored_hash != hash {
        return Err(AppError::new(ErrorKind::IdempotencyConflict));
    }
    match (status, body) {
        (Some(status), Some(body)) => Ok(Claim::Replay(status as u16, body)),
        _ => Err(AppError::with_message(
            ErrorKind::Conflict,
            "A request with this Idempotency-Key is still being processed. Retry in a moment.",
        )),
    }
}

async fn store(
    state: &AppState,
    account_id: &str,
    key: &str,
    status: StatusCode,
    body: &str,
) -> Result<(), sqlx::Error> {
    if status.is_server_error() {
        sqlx::query("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2")
            .bind(account_id)
            .bind(key)
            .execute(state.db.pool())
            .await?;
    } else {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $3, response_body = $4 WHERE account_id = $1 AND key = $2",
        )
        .bind(account_id)
        .bind(key)
        .bind(status.as_u16() as i64)
        .bind(body)
        .execute(state.db.pool())
        .await?;
    }
    Ok(())
}

fn respond<T: Serialize>(success: StatusCode, result: AppResult<T>) -> Response {
    match result {
        Ok(value) => (success, Json(value)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

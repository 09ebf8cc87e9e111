//! One idempotency mechanism for every money or credit mutation, REST (`Idempotency-Key`
//! header) and server functions (a key made once per rendered form) alike.
//!
//! The first request with a key claims it; its answer is stored and replayed for the same key
//! and request; another request under the key is 409 `idempotency_conflict`. A claim is a
//! lease: a request cut off by a crash leaves its claim without an answer, and once the lease
//! has passed a retry takes the claim over and runs. The lease is longer than the API request
//! timeout, so a claim whose request is still alive is never taken over.
//!
//! Exactly one effect across such a takeover comes from the services: the work is handed an
//! [`EffectKey`] derived from the account and the key, and each service keys its first durable
//! effect with it (the invoice of a subscription, upgrade or purchase, the row of a task), so
//! a retry finds what the cut-off request already did and finishes it instead of doing it again.

use super::AppState;
use crate::auth::tokens::hash_token;
use crate::common::{AppError, AppResult, ErrorKind};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// How long a claim without an answer belongs to its request (seconds): longer than the API
/// request timeout and the Writer's AI call (120 s, `modules::ai`), the longest-lived requests.
pub const LEASE_SECONDS: i64 = 5 * 60;
/// Keys are client-chosen: 1 to 200 characters.
const MAX_KEY_LEN: usize = 200;

/// Names one request's effect, stable across retries with the same key: `{scope}:{hash}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectKey(String);

impl EffectKey {
    fn new(account_id: &str, key: &str) -> EffectKey {
        EffectKey(hash_token(&format!("{account_id}\n{key}"))[..32].to_string())
    }

    /// The key of this request's effect in `scope` (e.g. `subscribe`).
    pub fn scoped(&self, scope: &str) -> String {
        format!("{scope}:{}", self.0)
    }
}

/// What a request answered: its own result, or the stored answer of the first request.
pub enum Answer<T> {
    Ran { status: u16, result: AppResult<T> },
    Replayed { status: u16, body: String },
}

impl<T: DeserializeOwned> Answer<T> {
    /// The answer as the value it stands for (a replay is decoded again).
    pub fn into_result(self) -> AppResult<T> {
        match self {
            Answer::Ran { result, .. } => result,
            Answer::Replayed { status, body } if (200..300).contains(&status) => {
                serde_json::from_str(&body).map_err(AppError::internal)
            }
            Answer::Replayed { body, .. } => Err(serde_json::from_str::<
                crate::common::error::ErrorBody,
            >(&body)
            .map(|b| b.error)
            .unwrap_or_else(AppError::internal)),
        }
    }
}

/// Checks a client's key: `None` when absent, 422 when unusable.
pub fn parse_key(raw: Option<&str>) -> AppResult<Option<&str>> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(key) if !key.is_empty() && key.len() <= MAX_KEY_LEN => Ok(Some(key)),
        Some(_) => Err(AppError::invalid(
            "Idempotency-Key",
            "Use a key of 1 to 200 characters.",
        )),
    }
}

/// What identifies a request under its key: the operation and its input as JSON. The same key
/// with another fingerprint is refused (409 `idempotency_conflict`). REST handlers and server
/// functions of one operation pass the same input.
pub fn fingerprint(operation: &str, input: &impl Serialize) -> String {
    // Plain request structs and tuples always serialize.
    let input = serde_json::to_string(input).unwrap_or_default();
    format!("{operation}:{input}")
}

/// Runs `work` at most once per (account, key) and answers with its result (status `success`
/// when it succeeds). Without a key, `work` just runs (with no effect key).
/// `fingerprint` identifies the request: the same key with another fingerprint is refused, and
/// a key whose request is still running is 409 `conflict` (the REST contract).
pub async fn once<T, F, Fut>(
    state: &AppState,
    account_id: &str,
    key: Option<&str>,
    fingerprint: &str,
    success: u16,
    work: F,
) -> AppResult<Answer<T>>
where
    T: Serialize,
    F: FnOnce(Option<EffectKey>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    run(
        state,
        account_id,
        key,
        fingerprint,
        success,
        InFlight::Refuse,
        work,
    )
    .await
}

/// [`once`] for a server function submitted from a form carrying `request_key`: a second
/// submission while the first runs (a double click) waits for the first answer and gets it.
pub async fn once_for_form<T, F, Fut>(
    state: &AppState,
    account_id: &str,
    request_key: Option<&str>,
    fingerprint: &str,
    work: F,
) -> AppResult<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(Option<EffectKey>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let key = parse_key(request_key.filter(|k| !k.is_empty()))?;
    run(
        state,
        account_id,
        key,
        fingerprint,
        200,
        InFlight::Wait,
        work,
    )
    .await?
    .into_result()
}

/// What a request does when its key's first request has no answer yet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InFlight {
    Refuse,
    Wait,
}

/// How long a waiting submission polls for the first one's answer.
const WAIT_POLLS: u32 = 300;
const WAIT_POLL: std::time::Duration = std::time::Duration::from_millis(50);

async fn run<T, F, Fut>(
    state: &AppState,
    account_id: &str,
    key: Option<&str>,
    fingerprint: &str,
    success: u16,
    in_flight: InFlight,
    work: F,
) -> AppResult<Answer<T>>
where
    T: Serialize,
    F: FnOnce(Option<EffectKey>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let Some(key) = key else {
        let result = work(None).await;
        return Ok(ran(success, result));
    };
    let hash = hash_token(fingerprint);
    let mut polls = 0;
    loop {
        match claim(state, account_id, key, &hash).await? {
            Claimed::Run => break,
            Claimed::Replay { status, body } => return Ok(Answer::Replayed { status, body }),
            Claimed::InFlight if in_flight == InFlight::Wait && polls < WAIT_POLLS => {
                polls += 1;
                tokio::time::sleep(WAIT_POLL).await;
            }
            Claimed::InFlight => return Err(AppError::with_message(
                ErrorKind::Conflict,
                "A request with this Idempotency-Key is still being processed. Retry in a moment.",
            )),
        }
    }
    let result = work(Some(EffectKey::new(account_id, key))).await;
    let answer = ran(success, result);
    if let Answer::Ran { status, result } = &answer {
        let body = match result {
            Ok(value) => serde_json::to_string(value).map_err(AppError::internal)?,
            Err(e) => serde_json::json!({ "error": e }).to_string(),
        };
        if let Err(e) = store(state, account_id, key, *status, &body).await {
            tracing::error!(error = %e, "idempotency answer not stored");
        }
    }
    Ok(answer)
}

fn ran<T>(success: u16, result: AppResult<T>) -> Answer<T> {
    let status = match &result {
        Ok(_) => success,
        Err(e) => e.status(),
    };
    Answer::Ran { status, result }
}

/// Where a key stands for this request.
enum Claimed {
    /// This request runs: a new claim, or one whose lease passed with no answer.
    Run,
    /// The first request's answer.
    Replay { status: u16, body: String },
    /// The first request is still running.
    InFlight,
}

async fn claim(state: &AppState, account_id: &str, key: &str, hash: &str) -> AppResult<Claimed> {
    let now = state.clock.now();
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, request_hash, created_at, locked_until) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, key) DO NOTHING",
    )
    .bind(account_id)
    .bind(key)
    .bind(hash)
    .bind(now)
    .bind(now + LEASE_SECONDS)
    .execute(state.db.writer())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claimed::Run);
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
    if let (Some(status), Some(body)) = (status, body) {
        return Ok(Claimed::Replay {
            status: status as u16,
            body,
        });
    }
    // No answer: the first request is running, or was cut off. Only one retry can take over
    // an expired lease (a conditional update).
    let taken = sqlx::query(
        "UPDATE idempotency_keys SET locked_until = $3 \
         WHERE account_id = $1 AND key = $2 AND status_code IS NULL AND locked_until <= $4",
    )
    .bind(account_id)
    .bind(key)
    .bind(now + LEASE_SECONDS)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    if taken.rows_affected() == 1 {
        tracing::warn!(
            account_id,
            "idempotency claim taken over after its lease expired"
        );
        return Ok(Claimed::Run);
    }
    Ok(Claimed::InFlight)
}

/// Keeps the answer; a server fault is not kept, so a retry runs again (the services never
/// apply an effect twice).
async fn store(
    state: &AppState,
    account_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), sqlx::Error> {
    if status >= 500 {
        sqlx::query("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2")
            .bind(account_id)
            .bind(key)
            .execute(state.db.writer())
            .await?;
    } else {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $3, response_body = $4 WHERE account_id = $1 AND key = $2",
        )
        .bind(account_id)
        .bind(key)
        .bind(status as i64)
        .bind(body)
        .execute(state.db.writer())
        .await?;
    }
    Ok(())
}

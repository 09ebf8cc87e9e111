//! `Idempotency-Key` on the POSTs that move money or credits (docs/api.md), through the one
//! mechanism the server functions use too (`app::backend::idempotency`): same key and request
//! replay the first answer, another request is 409 `idempotency_conflict`, a key whose request
//! is still running is 409 `conflict`, and one cut off by a crash runs again after its lease.

use app::backend::idempotency::{self, Answer, EffectKey};
use app::backend::AppState;
use app::common::AppResult;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::future::Future;

const HEADER: &str = "idempotency-key";

/// Runs `work` at most once per (account, key); `work` gets the effect key to key its effect.
pub async fn once<T, F, Fut>(
    state: &AppState,
    account_id: &str,
    headers: &HeaderMap,
    fingerprint: &str,
    success: StatusCode,
    work: F,
) -> Response
where
    T: Serialize,
    F: FnOnce(Option<EffectKey>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let raw = headers.get(HEADER).map(|v| v.to_str().unwrap_or(""));
    let key = match idempotency::parse_key(raw) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    let answer =
        idempotency::once(state, account_id, key, fingerprint, success.as_u16(), work).await;
    match answer {
        Ok(Answer::Ran {
            result: Ok(value), ..
        }) => (success, Json(value)).into_response(),
        Ok(Answer::Ran { result: Err(e), .. }) | Err(e) => e.into_response(),
        Ok(Answer::Replayed { status, body }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    }
}

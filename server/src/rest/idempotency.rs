//! `Idempotency-Key` on the POSTs that move money or credits (docs/api.md), through the one
//! mechanism the server functions use too (`app::backend::idempotency`): same key and request
//! replay the first answer, another request is 409 `idempotency_conflict`, a key whose request
//! is still running is 409 `conflict`, and one cut off by a crash runs again after its lease.

use app::auth::model::SessionView;
use app::backend::idempotency::{self, Answer, EffectKey};
use app::backend::AppState;
use app::common::AppResult;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::future::Future;

const HEADER: &str = "idempotency-key";

/// [`once`] for the operation `op` of the signed-in account of `view`: `input` (what the request
/// asked, path and body) is the request's fingerprint, and is handed on to `work` with the
/// effect key.
pub async fn run<I, T, F, Fut>(
    state: &AppState,
    view: &SessionView,
    headers: &HeaderMap,
    (op, input): (&str, I),
    success: StatusCode,
    work: F,
) -> Response
where
    I: Serialize,
    T: Serialize,
    F: FnOnce(I, Option<EffectKey>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let fingerprint = idempotency::fingerprint(op, &input);
    let account_id = &view.account.id;
    once(
        state,
        account_id,
        headers,
        &fingerprint,
        success,
        move |effect| work(input, effect),
    )
    .await
}

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

//! JSON request bodies whose rejections (malformed JSON, wrong types, missing fields, wrong
//! content type, oversized bodies) answer in the error shape of docs/api.md.

use app::common::{AppError, ErrorKind};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(reject(rejection)),
        }
    }
}

fn reject(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            AppError::malformed(format!("Invalid request body: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::malformed("The request body is not valid JSON.")
        }
        JsonRejection::MissingJsonContentType(_) => {
            AppError::malformed("Send the body as JSON with Content-Type: application/json.")
        }
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            AppError::new(ErrorKind::PayloadTooLarge)
        }
        other => AppError::malformed(other.body_text()),
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`.
pub struct JsonOrDefault<T>(pub T);

impl<T, S> FromRequest<S> for JsonOrDefault<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|len| len == "0")
            || !req.headers().contains_key(axum::http::header::CONTENT_TYPE);
        if empty {
            return Ok(JsonOrDefault(T::default()));
        }
        ApiJson::<T>::from_request(req, state)
            .await
            .map(|ApiJson(value)| JsonOrDefault(value))
    }
}

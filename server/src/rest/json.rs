//! JSON request bodies whose rejections (malformed JSON, wrong types, missing fields, wrong
//! content type, oversized bodies) answer in the error shape of API.md.

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
    let kind = ErrorKind::ValidationFailed {
        fields: Default::default(),
    };
    match rejection {
        JsonRejection::JsonDataError(e) => {
            AppError::with_message(kind, format!("Invalid request body: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::with_message(kind, "The request body is not valid JSON.")
        }
        JsonRejection::MissingJsonContentType(_) => AppError::with_message(
            kind,
            "Send the body as JSON with Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            AppError::new(ErrorKind::PayloadTooLarge)
        }
        other => AppError::with_message(kind, other.body_text()),
    }
}

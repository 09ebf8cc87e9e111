//! Query strings and path parameters whose rejections (a repeated field, a path segment that is
//! not UTF-8) answer 422 `validation_failed` in the error shape of docs/api.md, where axum's own
//! extractors answer a plain-text 400.

use app::common::AppError;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(AppError::malformed(format!(
                "The query string is malformed: {}",
                rejection.body_text()
            ))),
        }
    }
}

pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            // The route and the handler disagree: our fault, not the client's.
            Err(PathRejection::MissingPathParams(e)) => Err(AppError::internal(e)),
            Err(rejection) => Err(AppError::malformed(format!(
                "The path is malformed: {}",
                rejection.body_text()
            ))),
        }
    }
}

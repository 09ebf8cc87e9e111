//! `?page=1&page_size=50` (docs/api.md: page_size at most 200), parsed or refused with 422.

use super::params::ApiQuery;
use app::backend::AppState;
use app::common::{AppError, PageRequest};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::ops::Deref;

const MAX_PAGE_SIZE: i64 = 200;
const DEFAULT_PAGE_SIZE: i64 = 50;

/// The page a list request asked for, a [`PageRequest`] that every list function takes
/// (app/src/backend/listing.rs).
#[derive(Debug, Clone, Copy)]
pub struct Paging(PageRequest);

impl Deref for Paging {
    type Target = PageRequest;

    fn deref(&self) -> &PageRequest {
        &self.0
    }
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiQuery(query) =
            ApiQuery::<HashMap<String, String>>::from_request_parts(parts, state).await?;
        PageRequest::from_query(
            query.get("page").map(String::as_str),
            query.get("page_size").map(String::as_str),
            DEFAULT_PAGE_SIZE,
            MAX_PAGE_SIZE,
        )
        .map(Paging)
    }
}

//! `?page=1&page_size=50` (API.md: page_size at most 200), parsed or refused with 422.

use app::backend::AppState;
use app::common::AppError;
use app::invoices::model::Page;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use std::collections::HashMap;

pub const MAX_PAGE_SIZE: i64 = 200;

#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub page_size: i64,
}

impl Paging {
    pub fn limit(&self) -> i64 {
        self.page_size
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }

    pub fn page_of<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            page: self.page,
            page_size: self.page_size,
            total,
        }
    }
}

fn number(
    query: &HashMap<String, String>,
    key: &str,
    default: i64,
    max: i64,
) -> Result<i64, AppError> {
    match query.get(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                AppError::invalid(key, format!("Must be a whole number from 1 to {max}."))
            }),
    }
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Query(query) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::invalid("query", "The query string is malformed."))?;
        Ok(Paging {
            page: number(&query, "page", 1, i64::MAX / MAX_PAGE_SIZE)?,
            page_size: number(&query, "page_size", 50, MAX_PAGE_SIZE)?,
        })
    }
}

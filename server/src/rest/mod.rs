//! The REST API v1 of API.md: thin handlers over the same services the server functions call.

mod health;

use app::backend::AppState;
use app::common::AppError;
use axum::Router;

pub fn health_routes() -> Router<AppState> {
    health::routes()
}

pub fn v1_routes() -> Router<AppState> {
    Router::new().fallback(|| async { AppError::not_found() })
}

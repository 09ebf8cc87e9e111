//! The baseline `bench/api` holds the balance endpoint against: the least an HTTP API can do
//! for an authenticated read — axum, an HS256 JWT check and one row read by primary key with
//! sqlx from the same SQLite file the application uses. No middleware, no session check.
//!
//!     DATABASE_URL=sqlite://… JWT_SECRET=… BIND=127.0.0.1:3181 target/release/examples/bare_balance

// A test, bench or example crate sees every dependency of its package, used or not.
#![allow(unused_crate_dependencies)]

use axum::extract::State;
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::str::FromStr;
use std::sync::Arc;

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

#[derive(Clone)]
struct Bare {
    pool: SqlitePool,
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
}

async fn user(
    State(bare): State<Bare>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = decode::<Claims>(token, &bare.key, &bare.validation)
        .map_err(|_| StatusCode::UNAUTHORIZED)?
        .claims;
    let (id, account_id, email): (String, String, String) =
        sqlx::query_as("SELECT id, account_id, email FROM users WHERE id = ?")
            .bind(&claims.sub)
            .fetch_one(&bare.pool)
            .await
            .map_err(|_| StatusCode::NOT_FOUND)?;
    Ok(Json(
        serde_json::json!({ "id": id, "account_id": account_id, "email": email }),
    ))
}

#[tokio::main]
async fn main() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is required"));
    // The application's own read pool: eight connections, WAL.
    let options = SqliteConnectOptions::from_str(&var("DATABASE_URL"))
        .expect("DATABASE_URL")
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .expect("database");
    let bare = Bare {
        pool,
        key: Arc::new(DecodingKey::from_secret(var("JWT_SECRET").as_bytes())),
        validation: Arc::new(Validation::new(Algorithm::HS256)),
    };
    let app = Router::new().route("/user", get(user)).with_state(bare);
    let listener = tokio::net::TcpListener::bind(var("BIND"))
        .await
        .expect("bind");
    axum::serve(listener, app).await.expect("serve");
}

//! What the benchmarks share: a server built on a given database with throttling off, and a
//! PostgreSQL database of their own. Each bench uses part of it.
#![allow(dead_code)]

use server::config::Config;
use server::startup::Application;
use std::collections::HashMap;

pub const ADMIN_EMAIL: &str = "admin@bench.test";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// A server (not yet serving) on `database_url`, keeping its files in `dir`.
pub async fn application(database_url: &str, dir: &std::path::Path) -> Application {
    let vars: HashMap<&str, String> = [
        ("DATABASE_URL", database_url.to_string()),
        ("DATA_DIR", dir.display().to_string()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        (
            "JWT_SECRET",
            "bench-secret-that-is-long-enough-0123456789".into(),
        ),
        ("ADMIN_EMAIL", ADMIN_EMAIL.into()),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("RUN_SCHEDULER", "false".into()),
        ("AUTH_RATE_LIMIT_PER_IP", "100000000".into()),
        ("AUTH_RATE_LIMIT_PER_EMAIL", "100000000".into()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    Application::build(config).await.unwrap()
}

/// A database of its own on the PostgreSQL server of `BENCH_POSTGRES_URL` (default: this
/// machine's, `postgres://postgres@127.0.0.1:5432/test`), dropped by [`PgDatabase::remove`].
pub struct PgDatabase {
    admin: sqlx::PgConnection,
    name: String,
    pub url: String,
}

/// `None` (and a line saying so) when the PostgreSQL server cannot be reached.
pub async fn postgres_database(label: &str) -> Option<PgDatabase> {
    use sqlx::Connection;
    let admin_url = std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(admin) => admin,
        Err(e) => {
            println!("PostgreSQL: skipped, {admin_url} unreachable ({e})");
            return None;
        }
    };
    let name = format!("igny8_bench_{label}_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    Some(PgDatabase { admin, name, url })
}

impl PgDatabase {
    pub async fn remove(mut self) {
        let _ = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&mut self.admin)
        .await;
    }
}

/// Runs `measure(engine, database URL, a folder for its files, server instances)` on SQLite
/// with one instance, then, when reachable, on a PostgreSQL database of its own with
/// `postgres_instances`.
pub async fn on_both_engines<F, Fut>(label: &str, postgres_instances: usize, measure: F)
where
    F: Fn(&'static str, String, std::path::PathBuf, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(format!("igny8-bench-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}/bench.db", dir.display());
    measure("SQLite", sqlite, dir.clone(), 1).await;
    if let Some(postgres) = postgres_database(label).await {
        measure(
            "PostgreSQL",
            postgres.url.clone(),
            dir.clone(),
            postgres_instances,
        )
        .await;
        postgres.remove().await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

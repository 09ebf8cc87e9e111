//! What the benchmarks share: a server built on a given database with throttling off.

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

//! Thin main: load the configuration, build the application, serve.

// The binary sees every dependency of its package; the library (lib.rs) accounts for them.
#![allow(unused_crate_dependencies)]

use server::config::Config;
use server::startup::Application;

/// A request allocates in many small pieces (headers, extensions, rows, JSON) across threads;
/// mimalloc serves those from per-thread pages, where glibc's allocator spent about a tenth of
/// the balance endpoint's CPU time (bench/api).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    // A missing .env file is normal; the environment itself always wins over it.
    let _ = dotenvy::dotenv();
    server::telemetry::init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("start-up failed: {err}");
            std::process::exit(1);
        }
    };
    if let Err(err) = app.run_until_stopped().await {
        eprintln!("server stopped: {err}");
        std::process::exit(1);
    }
}

//! Logins per second through the real server (HTTP, SQLite, argon2id verify, session insert)
//! against raw argon2id hashes per second on the same machine, with the same parameters.
//!
//!     cargo bench -p server --bench auth            (or bench/run)

// A test, bench or example crate sees every dependency of its package, used or not.
#![allow(unused_crate_dependencies)]

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUN_FOR: Duration = Duration::from_secs(8);

fn raw_hashes_per_second(threads: usize) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let done = done.clone();
            std::thread::spawn(move || {
                let params = Params::new(19 * 1024, 2, 1, None).unwrap();
                let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                while start.elapsed() < RUN_FOR {
                    let salt = SaltString::generate(&mut rand::rngs::OsRng);
                    hasher
                        .hash_password(b"correct horse battery", &salt)
                        .unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

async fn logins_per_second(concurrency: usize) -> f64 {
    let dir = std::env::temp_dir().join(format!("igny8-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = support::application(&format!("sqlite://{}/bench.db", dir.display()), &dir).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let body =
        serde_json::json!({"email": support::ADMIN_EMAIL, "password": support::ADMIN_PASSWORD});

    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, body, done, url) = (
                client.clone(),
                body.clone(),
                done.clone(),
                format!("{base}/api/v1/auth/login/"),
            );
            tokio::spawn(async move {
                while start.elapsed() < RUN_FOR {
                    let response = client.post(&url).json(&body).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(dir);
    rate
}

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let raw = tokio::task::spawn_blocking(move || raw_hashes_per_second(cores))
        .await
        .unwrap();
    println!("raw argon2id (m=19MiB, t=2, p=1) on {cores} threads: {raw:.1} hashes/s");
    let logins = logins_per_second(cores * 4).await;
    println!(
        "HTTP logins (verify + session + tokens), {} concurrent: {logins:.1} logins/s",
        cores * 4
    );
    println!("ratio logins/raw hashes: {:.2}", logins / raw);
}

//! Credit spends per second (a hold, then its settlement: two transactions, three ledger
//! entries, a usage-log row) against the raw rate of the same database for the smallest
//! correct spend (one conditional UPDATE of the balance and one INSERT, in one transaction).
//! Both run with the same concurrency on one account (the contended case), on SQLite and, when
//! reachable, on PostgreSQL.
//!
//!     cargo bench -p server --bench credits        (or bench/run)
//!     BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test (default)

// A test, bench or example crate sees every dependency of its package, used or not.
#![allow(unused_crate_dependencies)]

use app::backend::AppState;
use app::credits::ledger::{self, Entry, EntryKind};
use app::credits::metering::{self, Usage};
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUN_FOR: Duration = Duration::from_secs(8);
const CONCURRENCY: usize = 8;

async fn start(database_url: &str, dir: &std::path::Path) -> AppState {
    support::application(database_url, dir)
        .await
        .state()
        .clone()
}

/// The seeded admin's account, given more credits than any run can spend.
async fn funded_account(state: &AppState) -> String {
    let account: String = sqlx::query_scalar("SELECT account_id FROM users WHERE email = $1")
        .bind(support::ADMIN_EMAIL)
        .fetch_one(state.db.pool())
        .await
        .unwrap();
    let mut tx = state.db.begin().await.unwrap();
    ledger::grant(
        &mut tx,
        Entry {
            account_id: &account,
            kind: EntryKind::Adjustment,
            amount: 1_000_000_000,
            description: "bench funds",
            reference_id: None,
            operation: None,
            actor: "bench",
            idempotency_key: &format!("bench:{}", uuid::Uuid::new_v4()),
            at: state.clock.now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    account
}

async fn rate<F, Fut>(work: F) -> f64
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|worker| {
            let (done, work) = (done.clone(), work.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed() < RUN_FOR {
                    work(worker as u64 * 1_000_000_000 + n).await;
                    n += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

async fn spends_per_second(state: &AppState, account: &str) -> f64 {
    let (state, account) = (state.clone(), account.to_string());
    rate(move |n| {
        let (state, account) = (state.clone(), account.clone());
        async move {
            let hold =
                metering::place_hold(&state, &account, "bench", "writer.generate_outline", 6)
                    .await
                    .unwrap();
            let task = format!("bench-task-{n}-{}", hold.id);
            let usage = Usage {
                quantity: 1,
                cost: 5,
                task_id: &task,
                site_id: None,
                actor: "bench",
            };
            metering::settle(&state, &hold, usage).await.unwrap();
        }
    })
    .await
}

async fn raw_per_second(state: &AppState, account: &str) -> f64 {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, amount BIGINT NOT NULL)")
        .execute(state.db.pool())
        .await
        .unwrap();
    let (state, account) = (state.clone(), account.to_string());
    rate(move |_| {
        let (state, account) = (state.clone(), account.clone());
        async move {
            let mut tx = state.db.begin().await.unwrap();
            let updated = sqlx::query(
                "UPDATE accounts SET credit_balance = credit_balance - 5 WHERE id = $1 AND credit_balance >= 5",
            )
            .bind(&account)
            .execute(&mut *tx)
            .await
            .unwrap();
            assert_eq!(updated.rows_affected(), 1);
            sqlx::query("INSERT INTO bench_raw (id, account_id, amount) VALUES ($1, $2, -5)")
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(&account)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    })
    .await
}

async fn measure(engine: &str, database_url: &str, dir: &std::path::Path) {
    let state = start(database_url, dir).await;
    let account = funded_account(&state).await;
    let spends = spends_per_second(&state, &account).await;
    let raw = raw_per_second(&state, &account).await;
    println!(
        "{engine}: {spends:.0} credit spends/s (hold + settle), {raw:.0} raw conditional UPDATE + INSERT/s, \
         ratio {:.2} ({CONCURRENCY} concurrent, one account)",
        spends / raw
    );
}

#[tokio::main]
async fn main() {
    support::on_both_engines("credits", 1, |engine, url, dir, _| async move {
        measure(engine, &url, &dir).await;
    })
    .await;
}

//! Mixed credit operations per second over HTTP, as the API's clients cause them: Planner tasks
//! (hold + settle), admin grants and credit-package purchases charged to a card, from 48
//! concurrent clients spread over 8 tenants, each request with its own `Idempotency-Key`. On
//! SQLite through one server; on PostgreSQL through two server instances sharing the database
//! (clients alternate between them). After each run the books of every tenant are checked:
//! balance = Σ ledger ≥ 0, no hold left open.
//!
//!     cargo bench -p server --bench mixed        (or bench/run)
//!     BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test (default)

// A test, bench or example crate sees every dependency of its package, used or not.
#![allow(unused_crate_dependencies)]

mod support;

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUN_FOR: Duration = Duration::from_secs(10);
const TENANTS: usize = 8;
const CLIENTS: usize = 48;

struct Tenant {
    access: String,
    user_id: String,
    account_id: String,
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: &str,
    key: Option<String>,
    body: Value,
) -> reqwest::Response {
    let mut request = client.post(url).bearer_auth(token).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("request")
}

/// A tenant on Growth with a card, funded by the admin.
async fn tenant(client: &reqwest::Client, base: &str, admin: &str, n: usize) -> Tenant {
    let registered: Value = post(
        client,
        format!("{base}/api/v1/auth/register/"),
        "",
        None,
        json!({"email": format!("mixed{n}@bench.test"), "password": "bench-password-123",
               "full_name": "Bench", "account_name": format!("Bench {n}")}),
    )
    .await
    .json()
    .await
    .unwrap();
    let access = registered["tokens"]["access"].as_str().unwrap().to_string();
    let card = json!({"kind": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}});
    let added = post(
        client,
        format!("{base}/api/v1/billing/payment-methods/"),
        &access,
        None,
        card,
    )
    .await;
    assert_eq!(added.status(), 201, "add a card");
    let subscribed = post(
        client,
        format!("{base}/api/v1/auth/subscriptions/"),
        &access,
        None,
        json!({"plan_id": "plan_growth", "interval": "month"}),
    )
    .await;
    assert_eq!(subscribed.status(), 201, "subscribe");
    let user_id = registered["user"]["id"].as_str().unwrap().to_string();
    let funded = post(
        client,
        format!("{base}/api/v1/admin/users/{user_id}/adjust-credits/"),
        admin,
        Some(format!("fund-{n}")),
        json!({"amount": 10_000_000, "reason": "bench funds"}),
    )
    .await;
    assert_eq!(funded.status(), 200, "fund");
    Tenant {
        access,
        user_id,
        account_id: registered["account"]["id"].as_str().unwrap().to_string(),
    }
}

/// One operation of client `client_no`, the `n`-th: a task, a grant or a purchase in turn.
async fn operation(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    tenant: &Tenant,
    client_no: usize,
    n: u64,
) -> bool {
    let key = format!("mixed-{client_no}-{n}");
    let response = match n % 3 {
        0 => {
            post(
                client,
                format!("{base}/api/v1/planner/tasks/"),
                &tenant.access,
                Some(key),
                json!({"keywords": ["credit ledgers", "exactly once", "idempotency keys"]}),
            )
            .await
        }
        1 => {
            post(
                client,
                format!(
                    "{base}/api/v1/admin/users/{}/adjust-credits/",
                    tenant.user_id
                ),
                admin,
                Some(key),
                json!({"amount": 7, "reason": "bench grant"}),
            )
            .await
        }
        _ => {
            post(
                client,
                format!("{base}/api/v1/billing/credit-packages/pkg_small/purchase/"),
                &tenant.access,
                Some(key),
                json!({}),
            )
            .await
        }
    };
    response.status().is_success()
}

async fn measure(engine: &str, database_url: &str, dir: &std::path::Path, instances: usize) {
    let mut bases = Vec::new();
    for _ in 0..instances {
        let app = support::application(database_url, dir).await;
        bases.push(format!("http://127.0.0.1:{}", app.port()));
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    let login: Value = post(
        &client,
        format!("{}/api/v1/auth/login/", bases[0]),
        "",
        None,
        json!({"email": support::ADMIN_EMAIL, "password": support::ADMIN_PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    let admin = Arc::new(login["tokens"]["access"].as_str().unwrap().to_string());
    let mut tenants = Vec::new();
    for n in 0..TENANTS {
        tenants.push(Arc::new(tenant(&client, &bases[0], &admin, n).await));
    }

    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|client_no| {
            let base = bases[client_no % bases.len()].clone();
            let tenant = tenants[client_no % TENANTS].clone();
            let (client, admin, done, failed) =
                (client.clone(), admin.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed() < RUN_FOR {
                    let ok = operation(&client, &base, &admin, &tenant, client_no, n).await;
                    n += 1;
                    if ok { &done } else { &failed }.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();

    let db = app::backend::Db::connect(database_url).await.unwrap();
    for tenant in &tenants {
        let (sum, stored, open): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_ledger WHERE account_id = $1), \
             (SELECT credit_balance FROM accounts WHERE id = $1), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM credit_holds WHERE account_id = $1 AND status = 'open')",
        )
        .bind(&tenant.account_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(sum, stored, "balance = Σ ledger");
        assert!(stored >= 0 && open == 0, "balance ≥ 0, no hold left open");
    }
    db.close().await;
    println!(
        "{engine}: {rate:.0} mixed credit operations/s (tasks, grants, purchases; {CLIENTS} clients, \
         {instances} instance{}), {} failed; books exact",
        if instances == 1 { "" } else { "s" },
        failed.load(Ordering::Relaxed)
    );
}

#[tokio::main]
async fn main() {
    support::on_both_engines("mixed", 2, |engine, url, dir, instances| async move {
        measure(engine, &url, &dir, instances).await;
    })
    .await;
}

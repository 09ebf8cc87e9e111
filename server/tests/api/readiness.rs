//! Readiness: a server that says ready on `/readyz` serves requests — right after a restart on
//! a database full of data, with the scheduler catching up — and one that cannot serve says so.

use crate::helpers::{Engine, Tenant, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TENANTS: usize = 8;

/// The first life of the server: tenants with plans, cards, invoices and sites, and renewals that
/// come due at the restart, so the new instance's scheduler has work the moment it starts.
async fn a_database_with_data(app: &TestApp) -> Vec<Tenant> {
    let mut tenants = Vec::new();
    for n in 0..TENANTS {
        let (tenant, _) = app
            .subscribed_tenant(&format!("t{n}@example.com"), "plan_starter")
            .await;
        let site = app
            .post_with_token(
                "/api/v1/sites/",
                &tenant.access,
                &json!({"name": format!("Site {n}"), "url": format!("https://s{n}.example.com")}),
            )
            .await;
        assert_eq!(site.status(), 201);
        tenants.push(tenant);
    }
    sqlx::query("UPDATE subscriptions SET current_period_end = $1")
        .bind(app.clock.now() - 1)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    tenants
}

/// What one request answered, and what it was.
async fn status_of(request: reqwest::RequestBuilder, what: String) -> (u16, String) {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            (status, format!("{what}: {body}"))
        }
        Err(err) => (0, format!("{what}: {err}")),
    }
}

/// Restarts on a database with data (a new instance, the scheduler on, the old one's pool
/// closed) and fires reads and writes at it from the first moment: once `/readyz` says ready,
/// nothing answers 503 (or any other server error).
async fn a_ready_server_serves_every_request_after_a_restart(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let tenants = a_database_with_data(&app).await;
    app.state.db.close().await;

    let (address, _state) = app
        .another_instance_with(&[
            ("RUN_SCHEDULER", "true"),
            ("SCHEDULER_INTERVAL_SECONDS", "1"),
        ])
        .await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut ready_after = None;
    while ready_after.is_none() {
        let response = client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            ready_after = Some(started.elapsed());
        } else {
            assert!(started.elapsed() < Duration::from_secs(30), "never ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut requests = Vec::new();
    for round in 0..4 {
        for (n, tenant) in tenants.iter().enumerate() {
            let get = |path: &str| {
                let request = client
                    .get(format!("{address}{path}"))
                    .bearer_auth(&tenant.access);
                status_of(request, format!("GET {path} #{n}.{round}"))
            };
            requests.push(tokio::spawn(get("/api/v1/billing/transactions/balance/")));
            requests.push(tokio::spawn(get("/api/v1/auth/me/")));
            requests.push(tokio::spawn(get("/api/v1/sites/")));
            requests.push(tokio::spawn(get("/api/v1/billing/invoices/")));
            let post = client
                .post(format!("{address}/api/v1/planner/tasks/"))
                .bearer_auth(&tenant.access)
                .json(&json!({"keywords": [format!("kw {n} {round}")]}));
            requests.push(tokio::spawn(status_of(
                post,
                format!("POST planner #{n}.{round}"),
            )));
        }
    }
    let mut failed = Vec::new();
    for request in requests {
        let (status, what) = request.await.unwrap();
        if status == 0 || status >= 500 {
            failed.push(format!("{status} {what}"));
        }
    }
    assert!(
        failed.is_empty(),
        "ready after {ready_after:?}; failed: {failed:#?}"
    );
}

async fn readyz_answer(app: &TestApp) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = app.get("/readyz").await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap(), started.elapsed())
}

/// `/readyz` says 503 in the error shape, within a short time, when the database cannot serve:
/// every connection taken, a migration missing, the pool closed. `/healthz` still says the
/// process is up.
async fn readyz_is_503_when_the_database_cannot_serve(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let (status, body, _) = readyz_answer(&app).await;
    assert_eq!((status, body), (200, json!({"status": "ready"})));

    // Every read connection busy (e.g. a stuck query): not ready, and said at once rather than
    // after the pool's acquire timeout.
    let pool = app.state.db.pool();
    let mut taken = Vec::new();
    while taken.len() < pool.options().get_max_connections() as usize {
        taken.push(pool.acquire().await.unwrap());
    }
    let (status, body, took) = readyz_answer(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
    drop(taken);
    assert_eq!(readyz_answer(&app).await.0, 200);

    // A migration that is not applied.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(app.state.db.writer())
    .await
    .unwrap();
    let (status, body, _) = readyz_answer(&app).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("unavailable"))
    );

    app.state.db.close().await;
    let (status, body, took) = readyz_answer(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// The scheduler's first pass waits one interval: a server that just started serves the
/// requests of the people coming back before it catches up on what came due while it was down.
async fn the_scheduler_lets_a_new_instance_serve_first(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.subscribed_tenant("due@example.com", "plan_starter")
        .await;
    sqlx::query("UPDATE subscriptions SET current_period_end = $1")
        .bind(app.clock.now() - 1)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let renewals = "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE purpose = $1";
    let (_, state) = app
        .another_instance_with(&[
            ("RUN_SCHEDULER", "true"),
            ("SCHEDULER_INTERVAL_SECONDS", "2"),
        ])
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        app.count(renewals, "renewal").await,
        0,
        "nothing at start-up"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.count(renewals, "renewal").await == 0 {
        assert!(Instant::now() < deadline, "the first pass never came");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(state);
}

/// SQLite has one writer at a time. Writers waiting for it — behind a long write, here another
/// connection holding the write lock for longer than a pool waits for a connection — must not
/// take every connection of the pool: reads (and `/readyz`) are answered meanwhile, and the
/// writes go through once the lock is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_served_while_writers_wait_for_sqlite() {
    use sqlx::Connection;
    let Some(app) = TestApp::spawn(Engine::Sqlite).await else {
        return;
    };
    let mut tenants = Vec::new();
    for n in 0..4 {
        let (tenant, _) = app
            .subscribed_tenant(&format!("w{n}@example.com"), "plan_starter")
            .await;
        tenants.push(tenant);
    }
    let db_file = sqlx::query_scalar::<_, String>(
        "SELECT file FROM pragma_database_list WHERE name = 'main'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{db_file}"))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    sqlx::query("UPDATE plans SET updated_at = updated_at")
        .execute(&mut holder)
        .await
        .unwrap();
    let held_for = Duration::from_secs(12);
    let release = tokio::spawn(async move {
        tokio::time::sleep(held_for).await;
        sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    });

    let started = Instant::now();
    let mut writes = Vec::new();
    for (n, tenant) in tenants.iter().enumerate() {
        for k in 0..4 {
            let request = app
                .client
                .post(app.url("/api/v1/sites/"))
                .bearer_auth(&tenant.access)
                .json(&json!({"name": format!("S{n}{k}"), "url": format!("https://w{n}-{k}.example.com")}));
            writes.push(tokio::spawn(status_of(
                request,
                format!("POST site {n}.{k}"),
            )));
        }
    }
    // Give the writers time to queue, then read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut reads = Vec::new();
    for tenant in &tenants {
        for path in [
            "/api/v1/billing/transactions/balance/",
            "/api/v1/sites/",
            "/readyz",
        ] {
            let request = app.client.get(app.url(path)).bearer_auth(&tenant.access);
            reads.push(tokio::spawn(async move {
                let (status, what) = status_of(request, format!("GET {path}")).await;
                (status, what, started.elapsed())
            }));
        }
    }
    for read in reads {
        let (status, what, at) = read.await.unwrap();
        assert_eq!(status, 200, "{what}");
        assert!(at < Duration::from_secs(5), "{what} waited until {at:?}");
    }
    for write in writes {
        let (status, what) = write.await.unwrap();
        assert_eq!(status, 201, "{what}");
    }
    release.await.unwrap();
}

crate::on_both_engines!(
    engine: a_ready_server_serves_every_request_after_a_restart,
    readyz_is_503_when_the_database_cannot_serve,
    the_scheduler_lets_a_new_instance_serve_first,
);

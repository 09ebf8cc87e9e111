//! Operations: the run mode, and the request plumbing of startup.rs (request ids, panics, the
//! time limit, the client address behind trusted proxies).

use crate::helpers::{Engine, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const REQUEST_ID: &str = "x-request-id";

fn request_id(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(REQUEST_ID)
        .expect("an x-request-id header")
        .to_str()
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------- production mode

/// Production — the mode of a server started without `APP_ENV` — never shows the development
/// outbox: the page and its server function are 404 and no emailed link leaks.
async fn the_dev_outbox_is_a_404_in_production(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("APP_ENV", "")]).await else {
        return;
    };
    assert_eq!(app.state.settings.mode, app::backend::RunMode::Production);
    let owner = app.register("owner@example.com", "Acme").await;
    let access = owner["tokens"]["access"].as_str().unwrap();
    let reset = app
        .post_json(
            "/api/v1/auth/password-reset/",
            &json!({"email": "owner@example.com"}),
        )
        .await;
    assert!(reset.status().is_success(), "{}", reset.status());
    let token = app
        .emailed_token("owner@example.com", "/reset-password")
        .await;

    let server_fn = app.server_fn("/api/dev/outbox", access, &[]).await;
    assert_eq!(server_fn.status(), 404);
    let body = server_fn.text().await.unwrap();
    assert!(!body.contains(&token), "the reset link leaked: {body}");

    let page = crate::helpers::page(&app, "/dev/outbox", None).await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(!html.contains(&token), "the reset link leaked");
    assert!(!html.contains("owner@example.com"));
}

/// Production has no test clocks: the endpoints are 404 and nothing is attached.
async fn production_has_no_test_clocks(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("APP_ENV", "")]).await else {
        return;
    };
    let admin = app.admin().await;
    let tenant = app.tenant("production-clock@example.com").await;
    let attached = app
        .post_with_token(
            &crate::test_clock::clock_path(&tenant.account_id),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(attached.status(), 404);
    let path = format!(
        "{}advance/",
        crate::test_clock::clock_path(&tenant.account_id)
    );
    let advanced = app
        .post_with_token(&path, &admin, &json!({"by": "day"}))
        .await;
    assert_eq!(advanced.status(), 404);
    let clocks = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM test_clocks WHERE account_id = $1",
            &tenant.account_id,
        )
        .await;
    assert_eq!(clocks, 0);
}

/// The same request in development (what the browser tests use) lists the email.
async fn the_dev_outbox_shows_emails_in_development(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    assert_eq!(app.state.settings.mode, app::backend::RunMode::Development);
    let dev = app.register("dev@example.com", "Dev").await;
    let access = dev["tokens"]["access"].as_str().unwrap();
    let response = app.server_fn("/api/dev/outbox", access, &[]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("dev@example.com"));
}

// ---------------------------------------------------------------- request ids

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let Some(app) = TestApp::spawn(Engine::Sqlite).await else {
        return;
    };
    // Generated when absent, on pages, API answers, errors and health checks alike, and a
    // different one for every request.
    let mut seen = Vec::new();
    for path in ["/healthz", "/login", "/api/v1/auth/me/", "/api/v1/nothing/"] {
        let response = app.get(path).await;
        let id = request_id(&response);
        assert_eq!(id.len(), 36, "{path}: a UUID, got {id}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "{seen:?}");

    // A plain id from a client or a load balancer is kept, so it can be followed through logs;
    // anything else is replaced.
    for (sent, kept) in [("lb-7f3a.01", true), ("<script>alert(1)</script>", false)] {
        let response = app
            .client
            .get(app.url("/healthz"))
            .header(REQUEST_ID, sent)
            .send()
            .await
            .unwrap();
        let id = request_id(&response);
        assert_eq!(id == sent, kept, "{sent} -> {id}");
        assert!(kept || id.len() == 36, "{id}");
    }
}

// ---------------------------------------------------------------- panics and the time limit

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_request_answers_500_in_the_error_shape() {
    let Some(app) = TestApp::spawn_with(Engine::Sqlite, &[("FAULT_INJECTION", "true")]).await
    else {
        return;
    };
    let response = app
        .post_json("/api/v1/test/faults/", &json!({"panic": true}))
        .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(request_id(&response).len(), 36);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("fault injection"),
        "the cause is not sent: {message}"
    );
    // The server keeps serving.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_times_out_in_the_error_shape() {
    let vars = [
        ("FAULT_INJECTION", "true"),
        ("REQUEST_TIMEOUT_SECONDS", "1"),
    ];
    let Some(app) = TestApp::spawn_with(Engine::Sqlite, &vars).await else {
        return;
    };
    let started = Instant::now();
    let response = app
        .post_json("/api/v1/test/faults/", &json!({"sleep_ms": 5000}))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "cut at the limit"
    );
    assert_eq!(request_id(&response).len(), 36);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    // A request within the limit is untouched.
    let quick = app
        .post_json("/api/v1/test/faults/", &json!({"sleep_ms": 100}))
        .await;
    assert_eq!(quick.status(), 200);
}

/// The live balance stream stays open past the time limit and keeps delivering.
async fn the_balance_stream_outlives_the_time_limit(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("REQUEST_TIMEOUT_SECONDS", "1")]).await else {
        return;
    };
    let (tenant, _) = app
        .subscribed_tenant("stream@example.com", "plan_starter")
        .await;
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&tenant.email)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let mut stream = app
        .get_with_token(
            "/api/v1/billing/transactions/balance/stream/",
            &tenant.access,
        )
        .await;
    assert_eq!(stream.status(), 200);
    let mut seen = String::new();
    let mut balance_events = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut adjusted = false;
    while balance_events < 2 {
        assert!(Instant::now() < deadline, "the stream stopped: {seen}");
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("the stream answers")
            .expect("the stream is not cut")
            .expect("the stream is still open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
        balance_events = seen.matches("event: balance").count();
        if balance_events == 1 && !adjusted {
            // Well past the limit, then a change the stream must report.
            tokio::time::sleep(Duration::from_millis(2500)).await;
            let admin = app.admin().await;
            let response = app
                .post_with_token(
                    &format!("/api/v1/admin/users/{user_id}/adjust-credits/"),
                    &admin,
                    &json!({"amount": 7, "reason": "stream test"}),
                )
                .await;
            assert!(response.status().is_success(), "{}", response.status());
            adjusted = true;
        }
    }
}

// ---------------------------------------------------------------- client address

/// Logs in as nobody from `forwarded_for` (a wrong password answers 401 until throttled).
async fn failed_login(app: &TestApp, forwarded_for: &str, n: usize) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/login/"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": format!("nobody{n}@example.com"), "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Two callers behind a trusted proxy have their own per-IP buckets; behind an untrusted peer,
/// `X-Forwarded-For` is ignored and both count against the peer.
async fn x_forwarded_for_counts_only_from_a_trusted_proxy(engine: Engine) {
    for trusted in [true, false] {
        let mut vars = vec![("AUTH_RATE_LIMIT_PER_IP", "2")];
        if trusted {
            vars.push(("TRUSTED_PROXIES", "127.0.0.1, ::1"));
        }
        let Some(app) = TestApp::spawn_with(engine, &vars).await else {
            return;
        };
        let first = "198.51.100.1";
        assert_eq!(failed_login(&app, first, 1).await, 401);
        assert_eq!(failed_login(&app, first, 2).await, 401);
        assert_eq!(failed_login(&app, first, 3).await, 429, "trusted={trusted}");
        // Another caller; a forged entry on the left changes nothing.
        let second = "203.0.113.50, 198.51.100.2";
        let expected = if trusted { 401 } else { 429 };
        assert_eq!(
            failed_login(&app, second, 4).await,
            expected,
            "trusted={trusted}"
        );
        let buckets: Vec<String> = sqlx::query_scalar(
            "SELECT bucket FROM rate_limits WHERE bucket LIKE 'login:ip:%' ORDER BY bucket",
        )
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
        let wanted: Vec<&str> = if trusted {
            vec!["login:ip:198.51.100.1", "login:ip:198.51.100.2"]
        } else {
            vec!["login:ip:127.0.0.1"]
        };
        assert_eq!(buckets, wanted, "trusted={trusted}");
    }
}

crate::on_both_engines!(
    engine: the_dev_outbox_is_a_404_in_production,
    production_has_no_test_clocks,
    the_dev_outbox_shows_emails_in_development,
    the_balance_stream_outlives_the_time_limit,
    x_forwarded_for_counts_only_from_a_trusted_proxy,
);

//! The auth REST API: every endpoint's success and failure paths.

use crate::helpers::{TestApp, PASSWORD};
use serde_json::{json, Value};
use std::time::Instant;

async fn register_answers_the_contract(app: TestApp) {
    let body = app.register("Ann@Example.com", "Acme").await;
    assert_eq!(body["user"]["email"], "ann@example.com");
    assert_eq!(body["user"]["is_admin"], false);
    assert_eq!(body["user"]["email_verified"], false);
    assert_eq!(body["account"]["slug"], "acme");
    assert_eq!(body["account"]["plan"], Value::Null);
    assert_eq!(body["next"], "/account/plans");
    assert_eq!(body["onboarding"], "plan_required");
    let access = body["tokens"]["access"].as_str().unwrap();
    assert!(body["tokens"]["refresh"].as_str().unwrap().len() == 64);

    let me: Value = app
        .get_with_token("/api/v1/auth/me/", access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "ann@example.com");
    assert_eq!(me["account"]["slug"], "acme");
    // Without the trailing slash too.
    assert_eq!(
        app.get_with_token("/api/v1/auth/me", access).await.status(),
        200
    );
}

async fn register_rejects_bad_input_and_creates_nothing(app: TestApp) {
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "password123"}),
            "password",
        ),
        (json!({"password": PASSWORD}), "email"),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "account_name": "x".repeat(101)}),
            "account_name",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/v1/auth/register/", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let err: Value = response.json().await.unwrap();
        assert_eq!(err["error"]["code"], "validation_failed");
        assert!(err["error"]["fields"][field].is_string(), "{err}");
    }
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/register/"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 422);
    let err: Value = malformed.json().await.unwrap();
    assert_eq!(err["error"]["code"], "validation_failed");

    let wrong_type = app
        .post_json(
            "/api/v1/auth/register/",
            &json!({"email": 5, "password": PASSWORD}),
        )
        .await;
    assert_eq!(wrong_type.status(), 422);

    let huge = app
        .client
        .post(app.url("/api/v1/auth/register/"))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"email\":\"a@example.com\",\"password\":\"{}\"}}",
            "x".repeat(300 * 1024)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    let err: Value = huge.json().await.unwrap();
    assert_eq!(err["error"]["code"], "payload_too_large");

    let users: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE is_admin = 0")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(users, 0, "nothing was created");
}

async fn duplicate_email_is_a_conflict(app: TestApp) {
    app.register("dup@example.com", "One").await;
    let response = app
        .post_json(
            "/api/v1/auth/register/",
            &json!({"email": "DUP@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 409);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["error"]["code"], "email_taken");
}

async fn concurrent_signups_get_distinct_slugs(app: TestApp) {
    let signups = (0..20).map(|i| {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/register/");
        async move {
            let response = client
                .post(url)
                .json(&json!({"email": format!("racer{i}@example.com"), "password": PASSWORD, "account_name": "Acme"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            let body: Value = response.json().await.unwrap();
            body["account"]["slug"].as_str().unwrap().to_string()
        }
    });
    let mut slugs = futures_join_all(signups).await;
    slugs.sort();
    let mut expected: Vec<String> = std::iter::once("acme".to_string())
        .chain((2..=20).map(|n| format!("acme-{n}")))
        .collect();
    expected.sort();
    assert_eq!(slugs, expected);
}

/// Runs the futures concurrently on the runtime.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

async fn login_of_a_planless_account_points_to_plans(app: TestApp) {
    app.register("bob@example.com", "Bob Co").await;
    let response = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "bob@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["onboarding"], "plan_required");
    assert_eq!(body["next"], "/account/plans");

    let account_id = body["account"]["id"].as_str().unwrap();
    app.activate_subscription(account_id, "plan_starter").await;
    let body: Value = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "bob@example.com", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["onboarding"], Value::Null);
    assert_eq!(body["next"], "/");
    assert_eq!(body["account"]["plan"]["id"], "plan_starter");
    assert_eq!(body["account"]["subscription_status"], "active");
}

async fn wrong_credentials_are_401(app: TestApp) {
    app.register("carol@example.com", "Carol").await;
    for body in [
        json!({"email": "carol@example.com", "password": "wrong password 1"}),
        json!({"email": "nobody@example.com", "password": PASSWORD}),
    ] {
        let response = app.post_json("/api/v1/auth/login/", &body).await;
        assert_eq!(response.status(), 401);
        let err: Value = response.json().await.unwrap();
        assert_eq!(err["error"]["code"], "unauthenticated");
        assert_eq!(err["error"]["message"], "Email or password is incorrect.");
    }
}

async fn unknown_emails_cost_about_the_same_time(app: TestApp) {
    app.register("timing@example.com", "Timing").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..5 {
        let start = Instant::now();
        app.post_json(
            "/api/v1/auth/login/",
            &json!({"email": "timing@example.com", "password": format!("wrong password {i}")}),
        )
        .await;
        known.push(start.elapsed());
        let start = Instant::now();
        app.post_json(
            "/api/v1/auth/login/",
            &json!({"email": format!("ghost{i}@example.com"), "password": PASSWORD}),
        )
        .await;
        unknown.push(start.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(
        u > k / 3.0 && u < k * 3.0,
        "known {k:.4}s vs unknown {u:.4}s"
    );
}

async fn access_tokens_expire_and_tampering_fails(app: TestApp) {
    let body = app.register("dan@example.com", "Dan").await;
    let access = body["tokens"]["access"].as_str().unwrap().to_string();
    assert_eq!(
        app.get_with_token("/api/v1/auth/me/", &access)
            .await
            .status(),
        200
    );

    let mut tampered = access.clone();
    tampered.pop();
    tampered.push(if access.ends_with('A') { 'B' } else { 'A' });
    let response = app.get_with_token("/api/v1/auth/me/", &tampered).await;
    assert_eq!(response.status(), 401);

    // alg: none with a forged payload.
    let payload = access.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    assert_eq!(
        app.get_with_token("/api/v1/auth/me/", &none).await.status(),
        401
    );

    assert_eq!(app.get("/api/v1/auth/me/").await.status(), 401);

    app.clock.advance(15 * 60 + 1);
    let response = app.get_with_token("/api/v1/auth/me/", &access).await;
    assert_eq!(response.status(), 401);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["error"]["code"], "token_expired");
}

async fn refresh_rotates_and_reuse_revokes_the_session(app: TestApp) {
    let body = app.register("eve@example.com", "Eve").await;
    let first = body["tokens"]["refresh"].as_str().unwrap().to_string();
    let response = app
        .post_json("/api/v1/auth/refresh/", &json!({"refresh": first}))
        .await;
    assert_eq!(response.status(), 200);
    let rotated: Value = response.json().await.unwrap();
    let second = rotated["tokens"]["refresh"].as_str().unwrap().to_string();
    let access = rotated["tokens"]["access"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        app.get_with_token("/api/v1/auth/me/", &access)
            .await
            .status(),
        200
    );

    // The spent token comes back: the whole family dies.
    let reuse = app
        .post_json("/api/v1/auth/refresh/", &json!({"refresh": first}))
        .await;
    assert_eq!(reuse.status(), 401);
    let after = app
        .post_json("/api/v1/auth/refresh/", &json!({"refresh": second}))
        .await;
    assert_eq!(after.status(), 401, "the successor is revoked too");
    assert_eq!(
        app.get_with_token("/api/v1/auth/me/", &access)
            .await
            .status(),
        401
    );

    let garbage = app
        .post_json("/api/v1/auth/refresh/", &json!({"refresh": "nope"}))
        .await;
    assert_eq!(garbage.status(), 401);
}

async fn logout_revokes_the_session(app: TestApp) {
    let body = app.register("fay@example.com", "Fay").await;
    let access = body["tokens"]["access"].as_str().unwrap();
    let refresh = body["tokens"]["refresh"].as_str().unwrap();
    // The balance checks the session in its own single read: refused at once after logout too.
    let balance = "/api/v1/billing/transactions/balance/";
    assert_eq!(app.get_with_token(balance, access).await.status(), 200);
    let widget = || app.server_fn("/api/billing/balance", access, &[]);
    assert_eq!(
        widget().await.status(),
        200,
        "the balance widget's server function"
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout/"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    for path in ["/api/v1/auth/me/", balance] {
        let after = app.get_with_token(path, access).await;
        assert_eq!(after.status(), 401, "{path} after logout");
        let error: serde_json::Value = after.json().await.unwrap();
        assert_eq!(error["error"]["code"], "unauthenticated", "{path}");
    }
    assert_eq!(widget().await.status(), 401, "the widget after logout");
    assert_eq!(
        app.post_json("/api/v1/auth/refresh/", &json!({"refresh": refresh}))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client
            .post(app.url("/api/v1/auth/logout/"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn cookie_mutations_need_a_same_site_origin(app: TestApp) {
    let body = app.register("gus@example.com", "Gus").await;
    let access = body["tokens"]["access"].as_str().unwrap();
    let cookie = format!("igny8_at={access}");
    let no_origin = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    let err: Value = no_origin.json().await.unwrap();
    assert_eq!(err["error"]["code"], "forbidden");
    let cross = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout/"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(
        app.get_with_token("/api/v1/auth/me/", access)
            .await
            .status(),
        200,
        "nothing changed"
    );
    let same = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout/"))
        .header("cookie", &cookie)
        .header("origin", &app.address)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 204);
}

async fn login_is_throttled_then_lifted(app: TestApp) {
    app.register("hal@example.com", "Hal").await;
    let wrong = json!({"email": "hal@example.com", "password": "wrong password!"});
    let attempt = || app.post_json("/api/v1/auth/login/", &wrong);
    for _ in 0..8 {
        assert_eq!(attempt().await.status(), 401);
    }
    let throttled = attempt().await;
    assert_eq!(throttled.status(), 429);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let err: Value = throttled.json().await.unwrap();
    assert_eq!(err["error"]["code"], "throttled");
    assert_eq!(err["error"]["retry_after_seconds"], retry_after);
    // Even the right password waits.
    let right = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "hal@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status(), 429);
    app.clock.advance(61);
    let right = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "hal@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status(), 200);
}

async fn plans_are_public_and_never_throttled(app: TestApp) {
    for _ in 0..60 {
        assert_eq!(app.get("/api/v1/auth/plans/").await.status(), 200);
    }
    let body: Value = app.get("/api/v1/auth/plans").await.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["slug"], "starter");
    assert_eq!(
        items[0]["prices"]["month"],
        json!({"amount": 2900, "currency": "USD"})
    );
    assert_eq!(items[0]["limits"]["sites"], 5);
    assert_eq!(items[0]["limits"]["modules"], json!(["planner", "writer"]));
    assert!(items[0]["features"].as_array().unwrap().len() >= 2);
}

async fn email_verification_is_single_use(app: TestApp) {
    let body = app.register("ivy@example.com", "Ivy").await;
    let access = body["tokens"]["access"].as_str().unwrap();
    let token = app.emailed_token("ivy@example.com", "/verify-email").await;
    let response = app
        .post_json("/api/v1/auth/verify-email/", &json!({"token": token}))
        .await;
    assert_eq!(response.status(), 200);
    let me: Value = app
        .get_with_token("/api/v1/auth/me/", access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email_verified"], true);
    let again = app
        .post_json("/api/v1/auth/verify-email/", &json!({"token": token}))
        .await;
    assert_eq!(again.status(), 422);
}

async fn verification_links_expire(app: TestApp) {
    app.register("jon@example.com", "Jon").await;
    let token = app.emailed_token("jon@example.com", "/verify-email").await;
    app.clock.advance(24 * 3600 + 1);
    let response = app
        .post_json("/api/v1/auth/verify-email/", &json!({"token": token}))
        .await;
    assert_eq!(response.status(), 422);
}

async fn password_reset_changes_the_password_and_ends_sessions(app: TestApp) {
    let body = app.register("kim@example.com", "Kim").await;
    let old_refresh = body["tokens"]["refresh"].as_str().unwrap().to_string();
    // Unknown emails get the same answer and no email.
    let unknown = app
        .post_json(
            "/api/v1/auth/password-reset/",
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(unknown.status(), 202);
    let response = app
        .post_json(
            "/api/v1/auth/password-reset/",
            &json!({"email": "kim@example.com"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    let token = app
        .emailed_token("kim@example.com", "/reset-password")
        .await;

    let weak = app
        .post_json(
            "/api/v1/auth/password-reset/confirm/",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(weak.status(), 422);
    let ok = app
        .post_json(
            "/api/v1/auth/password-reset/confirm/",
            &json!({"token": token, "password": "a brand new password"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let reuse = app
        .post_json(
            "/api/v1/auth/password-reset/confirm/",
            &json!({"token": token, "password": "another new password"}),
        )
        .await;
    assert_eq!(reuse.status(), 422);

    assert_eq!(
        app.post_json("/api/v1/auth/refresh/", &json!({"refresh": old_refresh}))
            .await
            .status(),
        401
    );
    let old = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "kim@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "kim@example.com", "password": "a brand new password"}),
        )
        .await;
    assert_eq!(new.status(), 200);
}

async fn reset_links_expire_after_an_hour(app: TestApp) {
    app.register("lee@example.com", "Lee").await;
    app.post_json(
        "/api/v1/auth/password-reset/",
        &json!({"email": "lee@example.com"}),
    )
    .await;
    let token = app
        .emailed_token("lee@example.com", "/reset-password")
        .await;
    app.clock.advance(3601);
    let response = app
        .post_json(
            "/api/v1/auth/password-reset/confirm/",
            &json!({"token": token, "password": "a brand new password"}),
        )
        .await;
    assert_eq!(response.status(), 422);
}

crate::on_both_engines!(
    register_answers_the_contract,
    register_rejects_bad_input_and_creates_nothing,
    duplicate_email_is_a_conflict,
    concurrent_signups_get_distinct_slugs,
    login_of_a_planless_account_points_to_plans,
    wrong_credentials_are_401,
    unknown_emails_cost_about_the_same_time,
    access_tokens_expire_and_tampering_fails,
    refresh_rotates_and_reuse_revokes_the_session,
    logout_revokes_the_session,
    cookie_mutations_need_a_same_site_origin,
    login_is_throttled_then_lifted,
    plans_are_public_and_never_throttled,
    email_verification_is_single_use,
    verification_links_expire,
    password_reset_changes_the_password_and_ends_sessions,
    reset_links_expire_after_an_hour,
);

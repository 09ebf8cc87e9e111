//! Low-balance alerts and automatic top-up (app/src/credits/alerts.rs): one email and at most one
//! top-up per crossing, under concurrent spends and scheduler passes of several instances; the
//! monthly limit; a failed top-up pauses until the default method changes; bad settings are
//! refused and change nothing.

use crate::helpers::{error_code, Tenant, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// A tenant on a 100-credit plan with a 4242 card.
async fn tenant(app: &TestApp, email: &str) -> Tenant {
    app.tiny_plan(100, "planner,writer").await;
    app.subscribed_tenant(email, "plan_tiny").await.0
}

async fn set_alert(app: &TestApp, tenant: &Tenant, body: &Value) -> reqwest::Response {
    app.put_with_token("/api/v1/billing/balance-alert/", &tenant.access, body)
        .await
}

/// A planner task of 100 keywords: 2 credits.
async fn spend(app: &TestApp, tenant: &Tenant) -> reqwest::StatusCode {
    let keywords: Vec<String> = (0..100).map(|i| format!("keyword {i}")).collect();
    app.post_with_token(
        "/api/v1/planner/tasks/",
        &tenant.access,
        &json!({ "keywords": keywords }),
    )
    .await
    .status()
}

async fn mails(app: &TestApp, tenant: &Tenant, subject: &str) -> i64 {
    app.mails(&tenant.email, subject).await
}

async fn topups(app: &TestApp, tenant: &Tenant) -> i64 {
    app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1 AND purpose = 'credit_package' AND status = 'paid'",
        &tenant.account_id,
    )
    .await
}

/// Waits (up to 5 s) for the checks spawned after a change of credits to reach `expected`, then
/// makes sure nothing more arrives.
async fn settles_at<F, Fut>(expected: i64, what: &str, read: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    for _ in 0..50 {
        if read().await >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(read().await, expected, "{what}");
}

const LOW: &str = "Your credit balance is low";

/// Moves the balance to `target` with an admin adjustment (a real ledger entry), then runs a
/// scheduler pass.
async fn adjust_to(app: &TestApp, tenant: &Tenant, target: i64) {
    let balance = app.balance(&tenant.access).await;
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    let admin = app.admin().await;
    let response = app
        .post_with_token(
            &format!(
                "/api/v1/admin/users/{}/adjust-credits/",
                me["user"]["id"].as_str().unwrap()
            ),
            &admin,
            &json!({"amount": target - balance, "reason": "Test"}),
        )
        .await;
    assert_eq!(response.status(), 200, "adjust to {target}");
    app.tick().await;
}

async fn one_alert_per_crossing_and_a_banner_figure(app: TestApp) {
    let tenant = tenant(&app, "low@example.com").await;
    let response = set_alert(&app, &tenant, &json!({"threshold": 97})).await;
    assert_eq!(response.status(), 200);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["threshold"], 97);
    assert!(saved["topup_package_id"].is_null());
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(balance["low_balance_threshold"], 97);
    assert_eq!(mails(&app, &tenant, LOW).await, 0, "100 is not below 97");

    // 98: still above. 96: below — one email, however many spends and passes follow.
    assert_eq!(spend(&app, &tenant).await, 201);
    app.tick().await;
    assert_eq!(mails(&app, &tenant, LOW).await, 0);
    assert_eq!(spend(&app, &tenant).await, 201);
    assert_eq!(spend(&app, &tenant).await, 201);
    tokio::join!(app.tick(), app.tick());
    settles_at(1, "one email for the crossing", || {
        mails(&app, &tenant, LOW)
    })
    .await;

    // Back above (an admin grant), then below again: a second crossing, a second email.
    adjust_to(&app, &tenant, 100).await;
    assert_eq!(spend(&app, &tenant).await, 201);
    assert_eq!(spend(&app, &tenant).await, 201);
    app.tick().await;
    settles_at(2, "a second crossing mails again", || {
        mails(&app, &tenant, LOW)
    })
    .await;

    // Turning it off removes the figure the banner reads.
    assert_eq!(
        set_alert(&app, &tenant, &json!({"threshold": null}))
            .await
            .status(),
        200
    );
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert!(balance["low_balance_threshold"].is_null());
}

async fn auto_topup_buys_once_per_crossing_under_concurrent_spends(app: TestApp) {
    let tenant = tenant(&app, "topup@example.com").await;
    let body = json!({"threshold": 91, "topup_package_id": "pkg_small", "topup_monthly_limit": 2});
    assert_eq!(set_alert(&app, &tenant, &body).await.status(), 200);

    // Ten spends at once take 100 → 80, crossing 91 once, while two instances' schedulers run.
    let spends = (0..10).map(|_| spend(&app, &tenant));
    let (statuses, _, _) = tokio::join!(
        futures_util::future::join_all(spends),
        app.tick(),
        app.tick()
    );
    assert!(statuses.iter().all(|s| *s == 201));
    app.tick().await;
    settles_at(1, "one top-up for the crossing", || topups(&app, &tenant)).await;
    settles_at(1, "one email", || mails(&app, &tenant, LOW)).await;
    assert_eq!(app.balance(&tenant.access).await, 80 + 500);

    // A second crossing buys the second (and last) top-up of the month; a third buys none.
    let cross_again = |target: i64| adjust_to(&app, &tenant, target);
    cross_again(95).await; // above: re-armed
    cross_again(50).await; // below: the second top-up
    settles_at(2, "the month's second top-up", || topups(&app, &tenant)).await;
    cross_again(95).await;
    cross_again(50).await;
    settles_at(2, "the monthly limit holds", || topups(&app, &tenant)).await;
    settles_at(3, "each crossing still mails", || mails(&app, &tenant, LOW)).await;
    let settings = app
        .json("/api/v1/billing/balance-alert/", &tenant.access)
        .await;
    assert_eq!(settings["topups_this_month"], 2);
}

async fn a_failed_topup_pauses_until_the_default_method_changes(app: TestApp) {
    let tenant = tenant(&app, "topup-fails@example.com").await;
    // A card that saves but declines every charge, made the default.
    let failing = app.default_to_declining_card(&tenant.access).await;
    let body = json!({"threshold": 99, "topup_package_id": "pkg_small", "topup_monthly_limit": 5});
    assert_eq!(set_alert(&app, &tenant, &body).await.status(), 200);

    assert_eq!(spend(&app, &tenant).await, 201);
    app.tick().await;
    settles_at(1, "the failure is mailed", || {
        mails(&app, &tenant, "Automatic top-up failed")
    })
    .await;
    let settings = app
        .json("/api/v1/billing/balance-alert/", &tenant.access)
        .await;
    assert_eq!(settings["topup_paused"], true);
    let declined = || {
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'failed'",
            &tenant.account_id,
        )
    };
    assert_eq!(declined().await, 1);

    // Another crossing with the same default: no new charge.
    adjust_to(&app, &tenant, 150).await;
    assert_eq!(spend(&app, &tenant).await, 201);
    adjust_to(&app, &tenant, 60).await;
    settles_at(1, "paused: not charged again", declined).await;
    assert_eq!(topups(&app, &tenant).await, 0);

    // The owner makes the working card the default: the next crossing buys.
    let methods = app
        .json("/api/v1/billing/payment-methods/", &tenant.access)
        .await;
    let working = methods["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] != failing.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.make_default(&tenant.access, &working).await;
    let settings = app
        .json("/api/v1/billing/balance-alert/", &tenant.access)
        .await;
    assert_eq!(settings["topup_paused"], false);
    adjust_to(&app, &tenant, 150).await;
    adjust_to(&app, &tenant, 60).await;
    settles_at(1, "bought with the new default", || topups(&app, &tenant)).await;
}

async fn bad_alert_settings_are_refused_and_change_nothing(app: TestApp) {
    let tenant = tenant(&app, "alert-input@example.com").await;
    let good = json!({"threshold": 50, "topup_package_id": "pkg_small", "topup_monthly_limit": 3});
    assert_eq!(set_alert(&app, &tenant, &good).await.status(), 200);
    let before = app
        .json("/api/v1/billing/balance-alert/", &tenant.access)
        .await;
    let cases = [
        (json!({"threshold": 0}), "threshold"),
        (json!({"threshold": -5}), "threshold"),
        (json!({"threshold": 100_000_000}), "threshold"),
        (
            json!({"threshold": 50, "topup_package_id": "pkg_small", "topup_monthly_limit": 0}),
            "topup_monthly_limit",
        ),
        (
            json!({"threshold": 50, "topup_package_id": "pkg_small", "topup_monthly_limit": 99}),
            "topup_monthly_limit",
        ),
        (
            json!({"threshold": 50, "topup_package_id": "pkg_nope", "topup_monthly_limit": 3}),
            "topup_package_id",
        ),
        (
            json!({"threshold": null, "topup_package_id": "pkg_small"}),
            "threshold",
        ),
    ];
    for (body, field) in cases {
        let response = set_alert(&app, &tenant, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation_failed", "{body}");
        assert!(
            error["error"]["fields"][field].is_string(),
            "{body}: {error}"
        );
    }
    let wrong_type = set_alert(&app, &tenant, &json!({"threshold": "lots"})).await;
    assert_eq!(wrong_type.status(), 422);
    assert_eq!(error_code(wrong_type).await, "validation_failed");
    let after = app
        .json("/api/v1/billing/balance-alert/", &tenant.access)
        .await;
    assert_eq!(before, after, "refusals change nothing");
}

crate::on_both_engines!(
    one_alert_per_crossing_and_a_banner_figure,
    auto_topup_buys_once_per_crossing_under_concurrent_spends,
    a_failed_topup_pauses_until_the_default_method_changes,
    bad_alert_settings_are_refused_and_change_nothing,
);

//! Crash recovery and money rules under retries and concurrency (both engines).
//!
//! A crash is injected at a named point (`Faults::crash_point`): the request dies there as if
//! the process were killed — what it committed stays, the rest never runs, its connection is cut.

use crate::helpers::{card_body, Tenant, TestApp};
use app::backend::idempotency::LEASE_SECONDS;
use app::credits::metering;
use serde_json::{json, Value};

const WRITER: &str = "/api/v1/writer/tasks/";
const OUTLINE: &str = r#"{"kind": "outline", "keyword": "trail shoes"}"#;

/// A POST that may die on the way (an injected crash): its status, or `None` when the
/// connection was cut.
async fn post_keyed(
    app: &TestApp,
    path: &str,
    access: &str,
    body: &Value,
    key: Option<&str>,
) -> Option<(u16, Value)> {
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(access)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Some((status, body))
}

/// The request did not complete: cut off, or answered as a server fault.
fn died(answer: &Option<(u16, Value)>) {
    assert!(
        matches!(answer, None | Some((500, _))),
        "the request should have died, got {answer:?}"
    );
}

async fn tenant_with_card(app: &TestApp, email: &str) -> Tenant {
    let tenant = app.tenant(email).await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    tenant
}

async fn count(app: &TestApp, sql: &str, account_id: &str) -> i64 {
    app.count(sql, account_id).await
}

async fn succeeded_payments(app: &TestApp, account_id: &str) -> i64 {
    count(app, "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'", account_id).await
}

async fn plan_grants(app: &TestApp, account_id: &str) -> i64 {
    count(app, "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE account_id = $1 AND kind = 'plan_grant'", account_id).await
}

async fn subscription_status(app: &TestApp, account_id: &str) -> String {
    sqlx::query_scalar(
        "SELECT status FROM subscriptions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(account_id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

/// A subscribe (no key) that dies after its first invoice is issued, before the charge.
async fn subscribe_and_crash_before_the_charge(app: &TestApp, tenant: &Tenant) {
    app.state.faults.arm_crash("checkout.after_issue");
    let path = "/api/v1/auth/subscriptions/";
    died(&post_keyed(app, path, &tenant.access, &subscribe_body(), None).await);
}

fn subscribe_body() -> Value {
    json!({"plan_id": "plan_starter", "interval": "month"})
}

/// Item 1 (subscribe): a request cut off between issuing and charging leaves its key claimed;
/// while the lease lasts a retry is told to wait, after it the retry runs, finishes the same
/// subscription with one charge, and later retries replay that answer.
async fn a_retry_after_the_lease_finishes_a_crashed_subscribe_once(app: TestApp) {
    let tenant = tenant_with_card(&app, "crash-sub@example.com").await;
    let path = "/api/v1/auth/subscriptions/";
    let body = subscribe_body();
    let send = || post_keyed(&app, path, &tenant.access, &body, Some("sub-key"));
    app.state.faults.arm_crash("checkout.after_issue");
    died(&send().await);
    let status = subscription_status(&app, &tenant.account_id).await;
    assert_eq!(status, "pending_payment");

    let (status, body) = send().await.unwrap();
    let code = body["error"]["code"].as_str();
    assert_eq!(
        (status, code),
        (409, Some("conflict")),
        "still leased: {body}"
    );

    app.set_time(app.clock.now() + LEASE_SECONDS + 1);
    let (status, first) = send().await.unwrap();
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["subscription"]["status"], "active");
    assert_eq!(first["payment"]["status"], "succeeded");
    let (status, replay) = send().await.unwrap();
    assert_eq!((status, &replay), (201, &first), "the same answer again");

    app.set_time(app.clock.now() + 180);
    app.tick().await;
    let account = tenant.account_id.as_str();
    assert_eq!(succeeded_payments(&app, account).await, 1, "charged once");
    let payments = "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1";
    assert_eq!(count(&app, payments, account).await, 1);
    assert_eq!(plan_grants(&app, account).await, 1, "credits granted once");
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

/// Item 1 (purchases and plan changes): the same recovery for a package bought and an upgrade
/// cut off between issuing and charging: after the lease the retry charges once, grants once.
async fn a_retry_after_the_lease_finishes_a_crashed_purchase_and_upgrade_once(app: TestApp) {
    let (tenant, subscribed) = app
        .subscribed_tenant("crash-buy@example.com", "plan_starter")
        .await;
    let id = subscribed["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let buy = "/api/v1/billing/credit-packages/pkg_small/purchase/";
    let upgrade = format!("/api/v1/auth/subscriptions/{id}/change-plan/");
    let growth = json!({"plan_id": "plan_growth"});
    for (path, body) in [(buy, json!({})), (upgrade.as_str(), growth)] {
        app.state.faults.arm_crash("checkout.after_issue");
        died(&post_keyed(&app, path, &tenant.access, &body, Some(path)).await);
        app.set_time(app.clock.now() + LEASE_SECONDS + 1);
        let (status, first) = post_keyed(&app, path, &tenant.access, &body, Some(path))
            .await
            .unwrap();
        assert!(status == 200 || status == 201, "{path}: {status} {first}");
        assert_eq!(first["payment"]["status"], "succeeded", "{path}: {first}");
        let (_, replay) = post_keyed(&app, path, &tenant.access, &body, Some(path))
            .await
            .unwrap();
        assert_eq!(replay, first, "{path}");
    }
    assert_eq!(
        succeeded_payments(&app, &tenant.account_id).await,
        3,
        "subscription, package, upgrade"
    );
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE account_id = $1 AND kind = 'purchase'", &tenant.account_id).await,
        1
    );
    assert_eq!(
        plan_grants(&app, &tenant.account_id).await,
        2,
        "first period and upgrade"
    );
}

/// Item 3: a crash between issuing the first invoice and charging it leaves a recorded charge,
/// which the scheduler makes (once) and settles; the account is not stuck.
async fn the_scheduler_charges_a_first_invoice_a_crash_left_uncharged(app: TestApp) {
    let tenant = tenant_with_card(&app, "crash-charge@example.com").await;
    subscribe_and_crash_before_the_charge(&app, &tenant).await;
    assert_eq!(
        subscription_status(&app, &tenant.account_id).await,
        "pending_payment"
    );

    app.tick().await;
    assert_eq!(
        subscription_status(&app, &tenant.account_id).await,
        "pending_payment",
        "not stale yet"
    );
    app.set_time(app.clock.now() + 180);
    app.tick().await;
    app.tick().await;
    assert_eq!(
        subscription_status(&app, &tenant.account_id).await,
        "active"
    );
    assert_eq!(succeeded_payments(&app, &tenant.account_id).await, 1);
    assert_eq!(plan_grants(&app, &tenant.account_id).await, 1);
    let invoices: Value = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["items"][0]["status"], "paid", "{invoices}");
}

/// Item 3, rows written before charges were recorded with their invoice: an open first invoice
/// with no payment at all is voided and the attempt ended, so the owner can subscribe again.
async fn a_first_invoice_with_no_charge_recorded_is_voided(app: TestApp) {
    let tenant = tenant_with_card(&app, "legacy@example.com").await;
    subscribe_and_crash_before_the_charge(&app, &tenant).await;
    sqlx::query("DELETE FROM payments WHERE account_id = $1")
        .bind(&tenant.account_id)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let again = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(again.status(), 409, "stuck: already subscribed");

    app.set_time(app.clock.now() + 180);
    app.tick().await;
    assert_eq!(
        subscription_status(&app, &tenant.account_id).await,
        "canceled"
    );
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1 AND status = 'void'", &tenant.account_id).await,
        1
    );
    let again = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(again.status(), 201);
    assert_eq!(succeeded_payments(&app, &tenant.account_id).await, 1);
}

async fn writer_tenant(app: &TestApp, email: &str) -> Tenant {
    let (tenant, _) = app.subscribed_tenant(email, "plan_starter").await;
    tenant
}

async fn task_statuses(app: &TestApp, account_id: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT status, credits_charged FROM tasks WHERE account_id = $1 ORDER BY created_at, id",
    )
    .bind(account_id)
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
}

/// Item 2: a task cut off after its hold ends as failed, with nothing charged, when the hold
/// expires; the page (GET) no longer shows it running.
async fn a_crashed_task_fails_when_its_hold_expires(app: TestApp) {
    let tenant = writer_tenant(&app, "crash-task@example.com").await;
    let body: Value = serde_json::from_str(OUTLINE).unwrap();
    app.state.faults.arm_crash("tasks.after_hold");
    died(&post_keyed(&app, WRITER, &tenant.access, &body, None).await);
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(
        (balance["available"].as_i64(), balance["held"].as_i64()),
        (Some(994), Some(6))
    );
    assert_eq!(
        task_statuses(&app, &tenant.account_id).await,
        vec![("running".to_string(), 0)]
    );

    app.set_time(app.clock.now() + metering::HOLD_SECONDS + 1);
    app.tick().await;
    assert_eq!(
        task_statuses(&app, &tenant.account_id).await,
        vec![("failed".to_string(), 0)]
    );
    let id: String = sqlx::query_scalar("SELECT id FROM tasks WHERE account_id = $1")
        .bind(&tenant.account_id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    let task = app.json(&format!("{WRITER}{id}/"), &tenant.access).await;
    assert_eq!(task["status"], "failed");
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(
        (balance["available"].as_i64(), balance["held"].as_i64()),
        (Some(1000), Some(0))
    );
    assert_eq!(
        count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE account_id = $1 AND kind = 'usage'", &tenant.account_id).await,
        0
    );
}

/// Item 2, rows from before tasks knew their hold: a task left running with no hold ends as
/// failed once a hold's lifetime has passed, nothing charged.
async fn a_running_task_without_a_hold_fails_after_the_hold_lifetime(app: TestApp) {
    let tenant = writer_tenant(&app, "legacy-task@example.com").await;
    let user: String = sqlx::query_scalar("SELECT id FROM users WHERE account_id = $1")
        .bind(&tenant.account_id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tasks (id, account_id, user_id, module, operation, status, input, created_at) \
         VALUES ('task_legacy', $1, $2, 'writer', 'writer.generate_outline', 'running', '{}', $3)",
    )
    .bind(&tenant.account_id)
    .bind(&user)
    .bind(app.clock.now())
    .execute(app.state.db.pool())
    .await
    .unwrap();
    app.tick().await;
    let running = vec![("running".to_string(), 0)];
    assert_eq!(task_statuses(&app, &tenant.account_id).await, running);
    app.set_time(app.clock.now() + metering::HOLD_SECONDS + 1);
    app.tick().await;
    let failed = vec![("failed".to_string(), 0)];
    assert_eq!(task_statuses(&app, &tenant.account_id).await, failed);
}

/// Item 1 (tasks): after the lease, a retry of a task cut off mid-run ends the interrupted one
/// (nothing charged) and runs the work once; further retries replay it.
async fn a_retry_after_the_lease_runs_a_crashed_task_once(app: TestApp) {
    let tenant = writer_tenant(&app, "crash-retry@example.com").await;
    let body: Value = serde_json::from_str(OUTLINE).unwrap();
    app.state.faults.arm_crash("tasks.after_hold");
    died(&post_keyed(&app, WRITER, &tenant.access, &body, Some("task-key")).await);
    app.set_time(app.clock.now() + LEASE_SECONDS + 1);
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    let (status, first) = post_keyed(&app, WRITER, &tenant.access, &body, Some("task-key"))
        .await
        .unwrap();
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "succeeded");
    let (status, replay) = post_keyed(&app, WRITER, &tenant.access, &body, Some("task-key"))
        .await
        .unwrap();
    assert_eq!((status, &replay), (201, &first));
    assert_eq!(
        task_statuses(&app, &tenant.account_id).await,
        vec![("failed".to_string(), 0), ("succeeded".to_string(), 5)]
    );
    app.set_time(app.clock.now() + metering::HOLD_SECONDS + 1);
    app.tick().await;
    app.relogin(&mut tenant).await;
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(
        (balance["available"].as_i64(), balance["held"].as_i64()),
        (Some(995), Some(0)),
        "one charge of 5"
    );
}

/// Item 7: twenty concurrent upgrades (no key, two instances) charge once and grant once.
async fn concurrent_upgrades_charge_once(app: TestApp) {
    let (tenant, subscribed) = app
        .subscribed_tenant("upgrades@example.com", "plan_starter")
        .await;
    let id = subscribed["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.set_time(app.clock.now() + 10 * 86_400);
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    let second = app.another_instance().await;
    let path = format!("/api/v1/auth/subscriptions/{id}/change-plan/");
    let upgrades = (0..20).map(|i| {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let request = app
            .client
            .post(format!("{base}{path}"))
            .bearer_auth(&tenant.access)
            .json(&json!({"plan_id": "plan_growth"}))
            .send();
        async move { request.await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(upgrades).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let prorations = count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1 AND purpose = 'proration'", &tenant.account_id).await;
    assert_eq!(prorations, 1, "one proration invoice");
    assert_eq!(
        succeeded_payments(&app, &tenant.account_id).await,
        2,
        "the first period and one upgrade"
    );
    assert_eq!(
        plan_grants(&app, &tenant.account_id).await,
        2,
        "the first period and one upgrade"
    );
    let plan: String = sqlx::query_scalar("SELECT plan_id FROM subscriptions WHERE id = $1")
        .bind(&id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(plan, "plan_growth");
}

/// Item 8: what a hold open across a renewal gives back stays plan credits: it expires at the
/// next period end like the rest of that grant, instead of becoming credits that never expire.
async fn released_hold_credits_stay_plan_credits(app: TestApp) {
    let tenant = writer_tenant(&app, "hold-renewal@example.com").await;
    let hold = metering::place_hold(
        &app.state,
        &tenant.account_id,
        "test",
        "writer.generate_outline",
        100,
    )
    .await
    .unwrap();
    let month = 31 * 86_400;
    app.set_time(app.clock.now() + month);
    app.tick().await;
    metering::release(&app.state, &hold, "test").await.unwrap();
    let plan_credits = |app: &TestApp| {
        let db = app.state.db.clone();
        let account = tenant.account_id.clone();
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT credit_balance, plan_credits FROM accounts WHERE id = $1",
            )
            .bind(account)
            .fetch_one(db.pool())
            .await
            .unwrap()
        }
    };
    assert_eq!(
        plan_credits(&app).await,
        (1100, 1100),
        "renewed 1,000 plus the 100 given back, all plan credits"
    );
    app.set_time(app.clock.now() + month);
    app.tick().await;
    assert_eq!(
        plan_credits(&app).await,
        (1000, 1000),
        "they expired with the period"
    );
}

/// Item 9: with verification required, an unverified owner cannot subscribe or pay through
/// REST or a direct form post; nothing is created.
async fn unverified_owners_cannot_pay(engine: crate::helpers::Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await
    else {
        return;
    };
    let tenant = app.tenant("unverified@example.com").await;
    let _ = app
        .post_with_token(
            "/api/v1/billing/payment-methods/",
            &tenant.access,
            &card_body("4242424242424242"),
        )
        .await;
    let rest = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(rest.status(), 403);
    let body: Value = rest.json().await.unwrap();
    assert_eq!(body["error"]["code"], "email_unverified");
    let form = app
        .server_fn(
            "/api/billing/subscribe",
            &tenant.access,
            &[("plan_id", "plan_starter"), ("interval", "month")],
        )
        .await;
    assert_eq!(form.status(), 403);
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM subscriptions WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0
    );
}

/// Item 9: a task's site must be one of the account's: another account's site is 422 and
/// nothing is held or charged.
async fn a_task_site_must_be_the_accounts_own(app: TestApp) {
    let owner = writer_tenant(&app, "site-owner@example.com").await;
    let other = writer_tenant(&app, "site-other@example.com").await;
    let site = app
        .post_with_token(
            "/api/v1/sites/",
            &other.access,
            &json!({"name": "Other", "url": "https://other.example"}),
        )
        .await;
    assert_eq!(site.status(), 201);
    let site: Value = site.json().await.unwrap();
    let body = json!({"kind": "outline", "keyword": "x", "site_id": site["id"]});
    let (status, error) = post_keyed(&app, WRITER, &owner.access, &body, None)
        .await
        .unwrap();
    assert_eq!(status, 422, "{error}");
    assert!(error["error"]["fields"]["site_id"].is_string(), "{error}");
    assert_eq!(task_statuses(&app, &owner.account_id).await, vec![]);
    assert_eq!(app.balance(&owner.access).await, 1000);
    let mine = app
        .post_with_token(
            "/api/v1/sites/",
            &owner.access,
            &json!({"name": "Mine", "url": "https://mine.example"}),
        )
        .await;
    let mine: Value = mine.json().await.unwrap();
    let body = json!({"kind": "outline", "keyword": "x", "site_id": mine["id"]});
    let (status, _) = post_keyed(&app, WRITER, &owner.access, &body, None)
        .await
        .unwrap();
    assert_eq!(status, 201);
}

/// Item 7: the Writer's server function acts once per rendered form: the same `request_key`
/// twice (a double click, at once) runs one task and charges once.
async fn the_writer_form_runs_once_per_key(app: TestApp) {
    let tenant = writer_tenant(&app, "writer-form@example.com").await;
    let form = [
        ("kind", "outline"),
        ("keyword", "trail shoes"),
        ("request_key", "form-1"),
    ];
    let run = || app.server_fn("/api/writer/run", &tenant.access, &form);
    let (first, second) = tokio::join!(run(), run());
    let (first, second): (Value, Value) =
        (first.json().await.unwrap(), second.json().await.unwrap());
    assert_eq!(first["id"], second["id"], "{first} {second}");
    assert_eq!(
        task_statuses(&app, &tenant.account_id).await,
        vec![("succeeded".to_string(), 5)]
    );
    assert_eq!(app.balance(&tenant.access).await, 995);
    let form = [
        ("kind", "outline"),
        ("keyword", "trail shoes"),
        ("request_key", "form-2"),
    ];
    let next: Value = app
        .server_fn("/api/writer/run", &tenant.access, &form)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(next["id"], first["id"], "a new form runs again");
    assert_eq!(app.balance(&tenant.access).await, 990);
}

crate::on_both_engines!(
    a_retry_after_the_lease_finishes_a_crashed_subscribe_once,
    a_retry_after_the_lease_finishes_a_crashed_purchase_and_upgrade_once,
    the_scheduler_charges_a_first_invoice_a_crash_left_uncharged,
    a_first_invoice_with_no_charge_recorded_is_voided,
    a_crashed_task_fails_when_its_hold_expires,
    a_running_task_without_a_hold_fails_after_the_hold_lifetime,
    a_retry_after_the_lease_runs_a_crashed_task_once,
    concurrent_upgrades_charge_once,
    released_hold_credits_stay_plan_credits,
    a_task_site_must_be_the_accounts_own,
    the_writer_form_runs_once_per_key,
);
/// Servers with `REQUIRE_EMAIL_VERIFICATION=true`.
mod verification_required {
    use super::unverified_owners_cannot_pay;
    crate::on_both_engines!(engine: unverified_owners_cannot_pay);
}

//! Outgoing webhooks (app/src/webhooks, docs/webhooks.md): events queued in the transaction that
//! caused them and delivered signed, once per attempt across instances; retries with backoff
//! until a day has passed; resends; a crash before commit sends nothing; SSRF and bad input
//! refused with nothing changed.

use crate::helpers::{card_body, error_code, Tenant, TestApp};
use crate::webhook_receiver::{Received, WebhookReceiver};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

const ENDPOINTS: &str = "/api/v1/account/webhooks/";
const DELIVERIES: &str = "/api/v1/account/webhooks/deliveries/";

async fn register(app: &TestApp, tenant: &Tenant, url: &str, events: &[&str]) -> Value {
    let response = app
        .post_with_token(
            ENDPOINTS,
            &tenant.access,
            &json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(response.status(), 201, "register {url}");
    response.json().await.unwrap()
}

/// Checks `IGNY8-Signature` the way docs/webhooks.md tells a receiver to, with our own HMAC.
fn assert_signed(received: &Received, secret: &str) {
    let header = received.header("igny8-signature");
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("signature header {header:?}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "signature of {}", received.body);
}

async fn log(app: &TestApp, tenant: &Tenant) -> Vec<Value> {
    app.json(DELIVERIES, &tenant.access).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn billing_events_arrive_signed_and_once(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let tenant = app.tenant("hooked@example.com").await;
    let all = [
        "invoice.paid",
        "invoice.payment_failed",
        "subscription.created",
        "subscription.updated",
        "subscription.canceled",
        "credits.purchased",
    ];
    let endpoint = register(&app, &tenant, &url, &all).await;
    let secret = endpoint["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    // Another endpoint that only wants cancellations gets nothing of this.
    let (quiet, quiet_url) = WebhookReceiver::start().await;
    register(&app, &tenant, &quiet_url, &["subscription.canceled"]).await;

    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let subscribed = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(subscribed.status(), 201);
    // Queued with the change, sent by the worker: nothing has left yet.
    assert!(receiver.all().is_empty());
    assert_eq!(app.deliver_webhooks().await, 3);
    assert_eq!(
        receiver.types(),
        [
            "subscription.created",
            "subscription.updated",
            "invoice.paid"
        ]
    );
    for received in receiver.all() {
        assert_signed(&received, &secret);
        let event = received.json();
        assert_eq!(received.header("igny8-event"), event["type"]);
        assert_eq!(received.header("igny8-event-id"), event["id"]);
        assert_eq!(received.header("content-type"), "application/json");
        assert_eq!(event["account_id"], tenant.account_id.as_str());
        assert_eq!(event["created_at"], "2026-01-15T12:00:00Z");
    }
    let paid = receiver.all()[2].json();
    assert_eq!(
        paid["data"]["total"],
        json!({"amount": 2900, "currency": "USD"})
    );
    assert_eq!(paid["data"]["purpose"], "subscription");
    let updated = receiver.all()[1].json();
    assert_eq!(updated["data"]["status"], "active");
    assert_eq!(updated["data"]["plan"]["id"], "plan_starter");

    // Exactly once: another pass, here or on a second instance, sends nothing again.
    assert_eq!(app.deliver_webhooks().await, 0);
    assert_eq!(receiver.all().len(), 3);
    let log = log(&app, &tenant).await;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter().all(|d| d["status"] == "succeeded"
            && d["attempts"] == 1
            && d["last_status_code"] == 200),
        "{log:?}"
    );

    // Buying credits and cancelling.
    let package: String = app
        .json("/api/v1/billing/credit-packages/", &tenant.access)
        .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bought = app
        .post_with_token(
            &format!("/api/v1/billing/credit-packages/{package}/purchase/"),
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(bought.status(), 201);
    let sub_id = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cancel = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{sub_id}/cancel/"),
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(cancel.status(), 200);
    app.deliver_webhooks().await;
    assert_eq!(
        receiver.types()[3..],
        ["invoice.paid", "credits.purchased", "subscription.updated"]
    );
    let purchased = receiver.all()[4].json();
    assert!(
        purchased["data"]["credits"].as_i64().unwrap() > 0,
        "{purchased}"
    );
    let scheduled = receiver.all()[5].json();
    assert_eq!(scheduled["data"]["cancel_at_period_end"], true);
    // The period ends: canceled, to both endpoints.
    app.set_time(crate::helpers::TEST_START + 32 * 86_400);
    app.tick().await;
    app.deliver_webhooks().await;
    assert_eq!(receiver.types().last().unwrap(), "subscription.canceled");
    assert_eq!(quiet.types(), ["subscription.canceled"]);
    // Every event has its own id.
    let mut ids: Vec<String> = receiver
        .all()
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), receiver.all().len());
}

async fn two_instances_deliver_each_attempt_once(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let mut tenants = Vec::new();
    for n in 0..4 {
        let tenant = app.tenant(&format!("pair-{n}@example.com")).await;
        register(&app, &tenant, &url, &["subscription.created"]).await;
        app.add_method(&tenant.access, &card_body("4242424242424242"))
            .await;
        app.subscribe(&tenant.access, "plan_starter", "month").await;
        tenants.push(tenant);
    }
    let (_, other) = app.another_instance_with(&[]).await;
    let (here, there) = tokio::join!(
        app.deliver_webhooks(),
        app::webhooks::delivery::run_due(&other)
    );
    assert_eq!(here + there.unwrap(), 4);
    assert_eq!(receiver.all().len(), 4, "each delivery once");
}

async fn failures_retry_with_backoff_for_a_day(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let mut tenant = app.tenant("flaky@example.com").await;
    register(&app, &tenant, &url, &["subscription.created"]).await;
    receiver.answer(&[500, 503]);
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    app.subscribe(&tenant.access, "plan_starter", "month").await;

    app.deliver_webhooks().await;
    let first = log(&app, &tenant).await[0].clone();
    assert_eq!(first["status"], "pending");
    assert_eq!(first["last_status_code"], 500);
    assert_eq!(first["next_attempt_at"], "2026-01-15T12:00:30Z");
    // Not before its time.
    assert_eq!(app.deliver_webhooks().await, 0);
    app.set_time(crate::helpers::TEST_START + 30);
    app.deliver_webhooks().await;
    let second = log(&app, &tenant).await[0].clone();
    assert_eq!(
        (
            second["attempts"].clone(),
            second["last_status_code"].clone()
        ),
        (json!(2), json!(503))
    );
    assert_eq!(second["next_attempt_at"], "2026-01-15T12:01:30Z");
    app.set_time(crate::helpers::TEST_START + 90);
    app.deliver_webhooks().await;
    let third = log(&app, &tenant).await[0].clone();
    assert_eq!(third["status"], "succeeded");
    assert_eq!(third["attempts"], 3);
    // Every attempt carried the same event.
    let ids: Vec<Value> = receiver
        .all()
        .iter()
        .map(|r| r.json()["id"].clone())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == ids[0]));

    // An endpoint that never answers 2xx: retried until a day after the event, then failed.
    let (down, down_url) = WebhookReceiver::start().await;
    down.answer(&[500; 64]);
    let mut other = app.tenant("down@example.com").await;
    register(&app, &other, &down_url, &["subscription.created"]).await;
    app.add_method(&other.access, &card_body("4242424242424242"))
        .await;
    app.subscribe(&other.access, "plan_starter", "month").await;
    let start = app.clock.now();
    // A day is longer than an access token lives: the loop reads the outbox itself.
    while delivery_state(&app, &other).await == "pending" {
        app.deliver_webhooks().await;
        app.set_time(app.clock.now() + 600);
        assert!(
            app.clock.now() - start <= 25 * 3600,
            "still retrying after a day"
        );
    }
    app.relogin(&mut other).await;
    let delivery = log(&app, &other).await[0].clone();
    assert_eq!(delivery["status"], "failed");
    assert!(delivery["next_attempt_at"].is_null());
    assert_eq!(delivery["last_status_code"], 500);
    let attempts = down.all().len();
    assert_eq!(delivery["attempts"], attempts);
    assert!((20..40).contains(&attempts), "{attempts} attempts in a day");

    // Resent by hand once the receiver is back: the same event again, delivered at once.
    down.answer(&[]);
    let before = down.all().len();
    let failed_id = log(&app, &other).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resent = app
        .post_with_token(
            &format!("{DELIVERIES}{failed_id}/resend/"),
            &other.access,
            &json!({}),
        )
        .await;
    assert_eq!(resent.status(), 201);
    let resent: Value = resent.json().await.unwrap();
    assert_eq!(resent["status"], "pending");
    assert_eq!(app.deliver_webhooks().await, 1);
    assert_eq!(
        log_status(&app, &other, resent["id"].as_str().unwrap()).await,
        "succeeded"
    );
    let again = &down.all()[before..];
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].json()["id"], resent["event_id"]);
    // Someone else's delivery cannot be resent.
    app.relogin(&mut tenant).await;
    let refused = app
        .post_with_token(
            &format!("{DELIVERIES}{failed_id}/resend/"),
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(refused.status(), 404);
}

/// The status of the account's newest delivery, read from the outbox table.
async fn delivery_state(app: &TestApp, tenant: &Tenant) -> String {
    sqlx::query_scalar(
        "SELECT status FROM webhook_deliveries WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(&tenant.account_id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

async fn log_status(app: &TestApp, tenant: &Tenant, id: &str) -> String {
    log(app, tenant)
        .await
        .iter()
        .find(|d| d["id"] == id)
        .map(|d| d["status"].as_str().unwrap().to_string())
        .unwrap()
}

async fn a_hanging_receiver_times_out_and_slows_no_request(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    receiver.hang_for(Duration::from_secs(5));
    let (_, state) = app
        .another_instance_with(&[("WEBHOOK_TIMEOUT_SECONDS", "1")])
        .await;
    let tenant = app.tenant("slow-receiver@example.com").await;
    register(&app, &tenant, &url, &["subscription.created"]).await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    // The request only queues the event: it answers whatever the receiver does.
    let subscribed = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(subscribed.status(), 201);
    assert_eq!(app::webhooks::delivery::run_due(&state).await.unwrap(), 1);
    let delivery = log(&app, &tenant).await[0].clone();
    assert_eq!(delivery["status"], "pending");
    assert!(delivery["last_status_code"].is_null());
    assert_eq!(delivery["last_error"], "No answer within 1 s.");
}

async fn a_crash_before_commit_sends_nothing_until_the_change_happens(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let tenant = app.tenant("crashy@example.com").await;
    register(
        &app,
        &tenant,
        &url,
        &["subscription.created", "invoice.paid"],
    )
    .await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    app.state.faults.arm_crash("checkout.before_settled_commit");
    let cut_off = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(cut_off.status(), 500);
    app.deliver_webhooks().await;
    // The subscription's row committed before the charge; the payment's settlement did not.
    assert_eq!(receiver.types(), ["subscription.created"]);
    // The reconciliation settles the charge later, and only then is the invoice paid.
    app.set_time(crate::helpers::TEST_START + 121);
    app.tick().await;
    app.deliver_webhooks().await;
    app.deliver_webhooks().await;
    assert_eq!(receiver.types(), ["subscription.created", "invoice.paid"]);
}

async fn private_targets_and_bad_input_are_refused(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let tenant = app.tenant("careful-hooks@example.com").await;
    // Registered while this development server allows private targets...
    register(&app, &tenant, &url, &["subscription.created"]).await;
    // ...then an instance that does not: no address of the server's network is reached.
    let (strict_address, strict) = app
        .another_instance_with(&[("WEBHOOKS_ALLOW_PRIVATE", "false")])
        .await;
    for private in [
        url.as_str(),
        "http://localhost:9/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/hook",
    ] {
        let response = app
            .client
            .post(format!("{strict_address}{ENDPOINTS}"))
            .bearer_auth(&tenant.access)
            .json(&json!({"url": private, "events": ["invoice.paid"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{private}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["fields"]["url"]
                .as_str()
                .unwrap()
                .contains("private or local"),
            "{error}"
        );
    }
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(app::webhooks::delivery::run_due(&strict).await.unwrap(), 1);
    assert!(receiver.all().is_empty());
    let delivery = log(&app, &tenant).await[0].clone();
    assert!(
        delivery["last_error"]
            .as_str()
            .unwrap()
            .contains("private or local"),
        "{delivery}"
    );

    // Bad input: nothing registered.
    for (body, field) in [
        (
            json!({"url": url, "events": ["invoice.refunded"]}),
            "events",
        ),
        (json!({"url": url, "events": []}), "events"),
        (
            json!({"url": "ftp://example.com/x", "events": ["invoice.paid"]}),
            "url",
        ),
        (
            json!({"url": "not a url", "events": ["invoice.paid"]}),
            "url",
        ),
        (
            json!({"url": "https://user:pw@example.com/", "events": ["invoice.paid"]}),
            "url",
        ),
    ] {
        let response = app.post_with_token(ENDPOINTS, &tenant.access, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    let listed = app.json(ENDPOINTS, &tenant.access).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Deleting drops what is pending; another account's endpoint cannot be deleted.
    let id = listed["items"][0]["id"].as_str().unwrap().to_string();
    let stranger = app.tenant("stranger-hooks@example.com").await;
    let refused = app
        .delete_with_token(&format!("{ENDPOINTS}{id}/"), &stranger.access)
        .await;
    assert_eq!(refused.status(), 404);
    let deleted = app
        .delete_with_token(&format!("{ENDPOINTS}{id}/"), &tenant.access)
        .await;
    assert_eq!(deleted.status(), 204);
    let delivery = log(&app, &tenant).await[0].clone();
    assert_eq!(delivery["status"], "failed");
    assert_eq!(app.deliver_webhooks().await, 0);
    let key_refused = app.get_with_token(ENDPOINTS, "igk_not-a-key").await;
    assert_eq!(error_code(key_refused).await, "unauthenticated");
}

async fn a_low_balance_and_a_failed_charge_are_told(app: TestApp) {
    let (receiver, url) = WebhookReceiver::start().await;
    let (tenant, _) = app
        .subscribed_tenant("low-hooks@example.com", "plan_starter")
        .await;
    register(
        &app,
        &tenant,
        &url,
        &["credits.low", "invoice.payment_failed"],
    )
    .await;
    // 1000 credits, a threshold of 2000: the next check is a crossing.
    let alert = app
        .put_with_token(
            "/api/v1/billing/balance-alert/",
            &tenant.access,
            &json!({"threshold": 2000}),
        )
        .await;
    assert_eq!(alert.status(), 200);
    app.tick().await;
    app.deliver_webhooks().await;
    assert_eq!(receiver.types(), ["credits.low"]);
    let low = receiver.all()[0].json();
    assert_eq!(low["data"], json!({"available": 1000, "threshold": 2000}));

    // A credit package charged to a declining card: not bought, and said so.
    app.default_to_declining_card(&tenant.access).await;
    let package: String = app
        .json("/api/v1/billing/credit-packages/", &tenant.access)
        .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = app
        .post_with_token(
            &format!("/api/v1/billing/credit-packages/{package}/purchase/"),
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(refused.status(), 402);
    app.deliver_webhooks().await;
    assert_eq!(receiver.types(), ["credits.low", "invoice.payment_failed"]);
    let failed = receiver.all()[1].json();
    assert_eq!(failed["data"]["status"], "void");
    assert_eq!(failed["data"]["purpose"], "credit_package");
}

crate::on_both_engines!(
    a_low_balance_and_a_failed_charge_are_told,
    billing_events_arrive_signed_and_once,
    two_instances_deliver_each_attempt_once,
    failures_retry_with_backoff_for_a_day,
    a_hanging_receiver_times_out_and_slows_no_request,
    a_crash_before_commit_sends_nothing_until_the_change_happens,
    private_targets_and_bad_input_are_refused,
);

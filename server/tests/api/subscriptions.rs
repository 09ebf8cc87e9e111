//! Subscriptions: subscribe with each outcome, upgrade/downgrade/cancel/resume arithmetic on
//! fixed dates, idempotent retries.

use crate::helpers::{card_body, TestApp, TEST_START};
use serde_json::{json, Value};

const DAY: i64 = 86_400;
/// 2026-02-15T12:00:00Z: one month after TEST_START.
pub const ONE_MONTH_LATER: i64 = 1_771_156_800;

async fn subscribe_with_card_activates_and_grants_once(app: TestApp) {
    let tenant = app.tenant("first@example.com").await;
    app.add_method(&tenant.access, &card_body("4242 4242 4242 4242"))
        .await;
    let request = json!({"plan_id": "plan_growth", "interval": "month"});
    let send = || {
        app.client
            .post(app.url("/api/v1/auth/subscriptions/"))
            .bearer_auth(&tenant.access)
            .header("Idempotency-Key", "subscribe-1")
            .json(&request)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let body: Value = first.json().await.unwrap();
    let sub = &body["subscription"];
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["plan"]["id"], "plan_growth");
    assert_eq!(sub["current_period_start"], "2026-01-15T12:00:00Z");
    assert_eq!(sub["current_period_end"], "2026-02-15T12:00:00Z");
    assert_eq!(sub["renewal_date"], "2026-02-15T12:00:00Z");
    assert_eq!(body["invoice"]["number"], "INV-2026-000001");
    assert_eq!(body["invoice"]["status"], "paid");
    assert_eq!(
        body["invoice"]["total"],
        json!({"amount": 7900, "currency": "USD"})
    );
    assert_eq!(body["payment"]["status"], "succeeded");
    assert_eq!(app.balance(&tenant.access).await, 5000);

    // A retry with the same key replays the first answer and changes nothing.
    let replay = send().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap(), body);
    assert_eq!(app.balance(&tenant.access).await, 5000);
    let ledger = app
        .json("/api/v1/billing/transactions/", &tenant.access)
        .await;
    assert_eq!(ledger["total"], 1);
    assert_eq!(ledger["items"][0]["kind"], "plan_grant");
    assert_eq!(ledger["items"][0]["balance_after"], 5000);
    // The same key with another body is a conflict.
    let other = app
        .client
        .post(app.url("/api/v1/auth/subscriptions/"))
        .bearer_auth(&tenant.access)
        .header("Idempotency-Key", "subscribe-1")
        .json(&json!({"plan_id": "plan_scale", "interval": "month"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 409);
    assert_eq!(
        other.json::<Value>().await.unwrap()["error"]["code"],
        "idempotency_conflict"
    );
    // Without a key a second subscription is refused.
    let again = app.subscribe(&tenant.access, "plan_scale", "month").await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"]["code"],
        "already_subscribed"
    );

    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "active");
    assert_eq!(me["account"]["plan"]["id"], "plan_growth");
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["total"], 1);
    let payments = app.json("/api/v1/billing/payments/", &tenant.access).await;
    assert_eq!(payments["total"], 1);
    assert_eq!(payments["items"][0]["invoice_number"], "INV-2026-000001");
    let receipts = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject LIKE 'Receipt%'", "first@example.com")
        .await;
    assert_eq!(receipts, 1);
}

async fn a_card_failing_on_charge_keeps_the_gate_closed(app: TestApp) {
    let tenant = app.tenant("declined@example.com").await;
    app.add_method(&tenant.access, &card_body("4000 0000 0000 0341"))
        .await;
    let response = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(response.status(), 402);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "card_declined");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("declined"));

    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["plan"], Value::Null);
    assert_eq!(app.balance(&tenant.access).await, 0);
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["items"][0]["status"], "void");
    let payments = app.json("/api/v1/billing/payments/", &tenant.access).await;
    assert_eq!(payments["items"][0]["status"], "failed");
    assert_eq!(payments["items"][0]["failure_code"], "card_declined");
    let failed_mails = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject LIKE 'Payment failed%'", "declined@example.com")
        .await;
    assert_eq!(failed_mails, 1);

    // Another card works; the failed attempt does not block it.
    let good = app
        .add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let retry = app
        .post_with_token(
            "/api/v1/auth/subscriptions/",
            &tenant.access,
            &json!({"plan_id": "plan_starter", "interval": "month", "payment_method_id": good["id"]}),
        )
        .await;
    assert_eq!(retry.status(), 201);
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

async fn bad_subscribe_requests_change_nothing(app: TestApp) {
    let tenant = app.tenant("bad@example.com").await;
    let no_method = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(no_method.status(), 422);
    let body: Value = no_method.json().await.unwrap();
    assert!(body["error"]["fields"]["payment_method_id"].is_string());
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    for (request, field) in [
        (
            json!({"plan_id": "plan_starter", "interval": "week"}),
            "interval",
        ),
        (
            json!({"plan_id": "plan_nope", "interval": "month"}),
            "plan_id",
        ),
        (
            json!({"plan_id": "plan_starter", "interval": "month", "payment_method_id": "pm_other"}),
            "payment_method_id",
        ),
    ] {
        let response = app
            .post_with_token("/api/v1/auth/subscriptions/", &tenant.access, &request)
            .await;
        assert_eq!(response.status(), 422, "{request}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["total"], 0);
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    assert_eq!(subs["items"], json!([]));
}

async fn upgrade_is_prorated_to_the_cent_in_a_leap_february(app: TestApp) {
    // Feb 2028 has 29 days. Subscribe on Feb 1 (Starter $29, 1000 credits), upgrade on Feb 20
    // (10 days left) to Growth ($79, 5000 credits): $50.00 × 10/29 = $17.24 (half up) and
    // 4000 × 10/29 = 1379.3 → 1379 credits (down).
    app.set_time(1_832_976_000);
    let (mut tenant, body) = app
        .subscribed_tenant("upgrade@example.com", "plan_starter")
        .await;
    assert_eq!(
        body["subscription"]["current_period_end"],
        "2028-03-01T00:00:00Z"
    );
    app.set_time(1_834_617_600);
    app.relogin(&mut tenant).await;
    let id = body["subscription"]["id"].as_str().unwrap();
    let response = app.change_plan(&tenant.access, id, "plan_growth").await;
    assert_eq!(response.status(), 200);
    let upgraded: Value = response.json().await.unwrap();
    assert_eq!(upgraded["subscription"]["plan"]["id"], "plan_growth");
    assert_eq!(upgraded["invoice"]["total"]["amount"], 1724);
    assert_eq!(upgraded["invoice"]["status"], "paid");
    assert_eq!(upgraded["invoice"]["credits"], 1379);
    assert_eq!(upgraded["payment"]["status"], "succeeded");
    // The period does not move.
    assert_eq!(
        upgraded["subscription"]["current_period_end"],
        "2028-03-01T00:00:00Z"
    );
    assert_eq!(app.balance(&tenant.access).await, 1000 + 1379);
    // The same plan again is a conflict.
    let same = app.change_plan(&tenant.access, id, "plan_growth").await;
    assert_eq!(same.status(), 409);
}

async fn downgrade_waits_for_the_period_end_of_a_short_month(app: TestApp) {
    // Anchored on Jan 31: the period ends Feb 28 (2027), the next one Mar 31.
    app.set_time(1_801_389_600);
    let (mut tenant, body) = app
        .subscribed_tenant("down@example.com", "plan_growth")
        .await;
    let id = body["subscription"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        body["subscription"]["current_period_end"],
        "2027-02-28T10:00:00Z"
    );
    let response = app.change_plan(&tenant.access, &id, "plan_starter").await;
    assert_eq!(response.status(), 200);
    let scheduled: Value = response.json().await.unwrap();
    assert_eq!(scheduled["subscription"]["plan"]["id"], "plan_growth");
    assert_eq!(
        scheduled["subscription"]["scheduled_plan"]["id"],
        "plan_starter"
    );
    assert_eq!(scheduled["invoice"], Value::Null);

    app.set_time(1_803_808_800);
    app.relogin(&mut tenant).await;
    app.tick().await;
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    let sub = &subs["items"][0];
    assert_eq!(sub["plan"]["id"], "plan_starter");
    assert_eq!(sub["scheduled_plan"], Value::Null);
    assert_eq!(sub["current_period_start"], "2027-02-28T10:00:00Z");
    assert_eq!(sub["current_period_end"], "2027-03-31T10:00:00Z");
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["total"], 2);
    assert_eq!(invoices["items"][0]["purpose"], "renewal");
    assert_eq!(invoices["items"][0]["total"]["amount"], 2900);
    // Unused Growth credits expired, Starter's were granted.
    assert_eq!(app.balance(&tenant.access).await, 1000);
    let ledger = app
        .json("/api/v1/billing/transactions/", &tenant.access)
        .await;
    let kinds: Vec<&str> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["plan_grant", "expiry", "plan_grant"]);
    assert_eq!(ledger["items"][1]["amount"], -5000);
}

async fn cancel_at_period_end_resume_and_end(app: TestApp) {
    let (mut tenant, body) = app
        .subscribed_tenant("cancel@example.com", "plan_starter")
        .await;
    let id = body["subscription"]["id"].as_str().unwrap().to_string();
    let cancel_path = format!("/api/v1/auth/subscriptions/{id}/cancel/");
    let canceled: Value = app
        .post_with_token(&cancel_path, &tenant.access, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(canceled["subscription"]["status"], "active");
    assert_eq!(canceled["subscription"]["cancel_at_period_end"], true);
    assert_eq!(canceled["subscription"]["renewal_date"], Value::Null);
    let resumed: Value = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/resume/"),
            &tenant.access,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resumed["subscription"]["cancel_at_period_end"], false);
    assert_eq!(
        resumed["subscription"]["renewal_date"],
        "2026-02-15T12:00:00Z"
    );
    let resume_again = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/resume/"),
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(resume_again.status(), 409);

    app.post_with_token(
        &cancel_path,
        &tenant.access,
        &json!({"at_period_end": true}),
    )
    .await;
    app.set_time(ONE_MONTH_LATER - 1);
    app.relogin(&mut tenant).await;
    app.tick().await;
    assert_eq!(
        app.json("/api/v1/auth/me/", &tenant.access).await["account"]["subscription_status"],
        "active"
    );
    app.set_time(ONE_MONTH_LATER);
    app.relogin(&mut tenant).await;
    app.tick().await;
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["plan"], Value::Null);
    assert_eq!(app.balance(&tenant.access).await, 0);
    assert_eq!(
        app.json("/api/v1/billing/invoices/", &tenant.access).await["total"],
        1
    );
    let mails = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject = 'Your subscription was canceled'", "cancel@example.com")
        .await;
    assert_eq!(mails, 1);
}

async fn immediate_cancel_ends_now(app: TestApp) {
    let (tenant, body) = app
        .subscribed_tenant("now@example.com", "plan_starter")
        .await;
    let id = body["subscription"]["id"].as_str().unwrap();
    let response = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/cancel/"),
            &tenant.access,
            &json!({"at_period_end": false}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["subscription"]["status"], "canceled");
    assert_eq!(app.balance(&tenant.access).await, 0);
    // Someone else's subscription is not found.
    let other = app.tenant("other@example.com").await;
    let theirs = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/cancel/"),
            &other.access,
            &json!({}),
        )
        .await;
    assert_eq!(theirs.status(), 404);
}

async fn renewal_by_moving_the_clock(app: TestApp) {
    let (mut tenant, _) = app
        .subscribed_tenant("renew@example.com", "plan_starter")
        .await;
    app.set_time(TEST_START + 10 * DAY);
    app.relogin(&mut tenant).await;
    app.tick().await;
    assert_eq!(
        app.json("/api/v1/billing/invoices/", &tenant.access).await["total"],
        1
    );
    app.set_time(ONE_MONTH_LATER);
    app.relogin(&mut tenant).await;
    app.tick().await;
    app.tick().await;
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    assert_eq!(subs["items"][0]["status"], "active");
    assert_eq!(
        subs["items"][0]["current_period_end"],
        "2026-03-15T12:00:00Z"
    );
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["total"], 2);
    assert_eq!(invoices["items"][0]["number"], "INV-2026-000002");
    assert_eq!(invoices["items"][0]["period_start"], "2026-02-15T12:00:00Z");
    assert_eq!(app.balance(&tenant.access).await, 1000);
    let charges = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'", &tenant.account_id)
        .await;
    assert_eq!(charges, 2);
}

async fn dunning_retries_then_cancels_after_grace(app: TestApp) {
    let (mut tenant, _) = app
        .subscribed_tenant("dunning@example.com", "plan_starter")
        .await;
    app.default_to_declining_card(&tenant.access).await;
    let account_id = tenant.account_id.clone();
    let failed_payments = || {
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'failed'",
            &account_id,
        )
    };
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM subscriptions WHERE account_id = $1")
            .bind(&account_id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap()
    };

    app.set_time(ONE_MONTH_LATER);
    app.relogin(&mut tenant).await;
    app.tick().await;
    assert_eq!(status().await, "past_due");
    assert_eq!(failed_payments().await, 1);
    // The plan keeps working in the grace period.
    assert_eq!(
        app.json("/api/v1/auth/me/", &tenant.access).await["account"]["subscription_status"],
        "past_due"
    );
    // Retries at +1, +3 and +5 days, not in between.
    for (day, expected) in [(1, 2), (2, 2), (3, 3), (4, 3), (5, 4), (6, 4)] {
        app.set_time(ONE_MONTH_LATER + day * DAY);
        app.relogin(&mut tenant).await;
        app.tick().await;
        assert_eq!(failed_payments().await, expected, "day {day}");
        assert_eq!(status().await, "past_due", "day {day}");
    }
    app.set_time(ONE_MONTH_LATER + 7 * DAY);
    app.relogin(&mut tenant).await;
    app.tick().await;
    assert_eq!(status().await, "canceled");
    assert_eq!(failed_payments().await, 4);
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(invoices["items"][0]["status"], "void");
    let failed_mails = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject LIKE 'Payment failed%'", "dunning@example.com")
        .await;
    assert_eq!(failed_mails, 4);
    let canceled_mails = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject = 'Your subscription was canceled'", "dunning@example.com")
        .await;
    assert_eq!(canceled_mails, 1);
}

async fn racing_schedulers_renew_each_subscription_once(app: TestApp) {
    let mut tenants = Vec::new();
    for i in 0..6 {
        tenants.push(
            app.subscribed_tenant(&format!("race{i}@example.com"), "plan_starter")
                .await
                .0,
        );
    }
    app.set_time(ONE_MONTH_LATER);
    let state = app.state.clone();
    let (a, b, c) = tokio::join!(
        app::backend::scheduler::tick(&state, "instance-a"),
        app::backend::scheduler::tick(&state, "instance-b"),
        app::backend::scheduler::tick(&state, "instance-c"),
    );
    let _ = (a, b, c);
    for tenant in &mut tenants {
        app.relogin(tenant).await;
        assert_eq!(app.balance(&tenant.access).await, 1000);
        let invoices = app
            .count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1",
                &tenant.account_id,
            )
            .await;
        assert_eq!(invoices, 2);
        let paid = app
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'", &tenant.account_id)
            .await;
        assert_eq!(paid, 2);
    }
    let charges: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_charges")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(charges, 12);
}

crate::on_both_engines!(
    subscribe_with_card_activates_and_grants_once,
    a_card_failing_on_charge_keeps_the_gate_closed,
    bad_subscribe_requests_change_nothing,
    upgrade_is_prorated_to_the_cent_in_a_leap_february,
    downgrade_waits_for_the_period_end_of_a_short_month,
    cancel_at_period_end_resume_and_end,
    immediate_cancel_ends_now,
    renewal_by_moving_the_clock,
    dunning_retries_then_cancels_after_grace,
    racing_schedulers_renew_each_subscription_once,
);

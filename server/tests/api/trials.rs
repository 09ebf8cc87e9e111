//! Free trials (app/src/subscriptions/trials.rs): trialing with the plan's limits and trial
//! credits, a reminder three days before the end, then the first charge (→ active) or the end
//! (→ canceled, trial credits expired); one trial per account and per card; bad requests refused.

use crate::helpers::{card_body, error_code, Tenant, TestApp, TEST_START};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// Starter offers a 14-day trial with 200 credits, set through the admin API.
pub async fn offer_trial(app: &TestApp, requires_card: bool) {
    let admin = app.admin().await;
    let starter = json!({
        "slug": "starter", "name": "Starter", "currency": "USD", "price_month": 2900,
        "price_year": 29000, "credits_per_period": 1000, "limit_sites": 5, "limit_seats": 2,
        "modules": ["planner", "writer"], "features": [],
        "trial_days": 14, "trial_credits": 200, "trial_requires_card": requires_card
    });
    let response = app
        .put_with_token("/api/v1/admin/plans/plan_starter/", &admin, &starter)
        .await;
    assert_eq!(response.status(), 200);
    let plans: Value = app.get("/api/v1/auth/plans/").await.json().await.unwrap();
    let offered = plans["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "plan_starter")
        .unwrap()["trial"]
        .clone();
    assert_eq!(
        offered,
        json!({"days": 14, "credits": 200, "requires_card": requires_card})
    );
}

async fn subscribe(app: &TestApp, tenant: &Tenant, body: Value) -> reqwest::Response {
    app.post_with_token("/api/v1/auth/subscriptions/", &tenant.access, &body)
        .await
}

fn starter(trial: Option<bool>) -> Value {
    json!({"plan_id": "plan_starter", "interval": "month", "trial": trial})
}

async fn mails(app: &TestApp, tenant: &Tenant, subject: &str) -> i64 {
    app.mails(&tenant.email, subject).await
}

async fn status(app: &TestApp, tenant: &Tenant) -> Value {
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    subs["items"][0].clone()
}

async fn a_trial_runs_then_charges_the_first_period(app: TestApp) {
    offer_trial(&app, true).await;
    let mut tenant = app.tenant("trial@example.com").await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let response = subscribe(&app, &tenant, starter(None)).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["subscription"]["status"], "trialing");
    assert!(body["invoice"].is_null(), "nothing is charged to start");
    assert_eq!(
        body["subscription"]["current_period_end"],
        "2026-01-29T12:00:00Z"
    );
    assert_eq!(body["subscription"]["renewal_date"], "2026-01-29T12:00:00Z");
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 200);
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "trialing");
    // The plan's modules apply: a Planner task runs on the trial credits.
    let keywords: Vec<String> = (0..100).map(|i| format!("keyword {i}")).collect();
    let task = app
        .post_with_token(
            "/api/v1/planner/tasks/",
            &tenant.access,
            &json!({ "keywords": keywords }),
        )
        .await;
    assert_eq!(task.status(), 201);
    assert_eq!(app.balance(&tenant.access).await, 198);

    // Three days before the end: one reminder, however many passes.
    app.set_time(TEST_START + 11 * DAY);
    tokio::join!(app.tick(), app.tick());
    app.tick().await;
    assert_eq!(mails(&app, &tenant, "Your free trial ends soon").await, 1);

    // The end: one charge of the first month, the trial credits expire, the month's arrive.
    app.set_time(TEST_START + 14 * DAY);
    tokio::join!(app.tick(), app.tick());
    app.relogin(&mut tenant).await;
    let sub = status(&app, &tenant).await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["current_period_start"], "2026-01-29T12:00:00Z");
    assert_eq!(sub["current_period_end"], "2026-02-28T12:00:00Z");
    let paid = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded' AND amount = 2900",
            &tenant.account_id,
        )
        .await;
    assert_eq!(paid, 1);
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

async fn a_trial_without_a_method_or_with_a_declined_card_ends(app: TestApp) {
    offer_trial(&app, false).await;
    // No method at all: allowed by this plan, and the trial simply ends.
    let mut without = app.tenant("trial-nomethod@example.com").await;
    let response = subscribe(&app, &without, starter(None)).await;
    assert_eq!(response.status(), 201);
    // A card that declines charges.
    let mut declined = app.tenant("trial-declined@example.com").await;
    app.add_method(&declined.access, &card_body("4000000000000341"))
        .await;
    assert_eq!(
        subscribe(&app, &declined, starter(Some(true)))
            .await
            .status(),
        201
    );

    app.set_time(TEST_START + 14 * DAY);
    app.tick().await;
    for tenant in [&mut without, &mut declined] {
        app.relogin(tenant).await;
        assert_eq!(status(&app, tenant).await["status"], "canceled");
        assert_eq!(
            app.balance(&tenant.access).await,
            0,
            "trial credits expired"
        );
        assert_eq!(
            mails(&app, tenant, "Your subscription was canceled").await,
            1
        );
    }
    // The gate is closed again.
    let me = app.json("/api/v1/auth/me/", &without.access).await;
    assert!(
        matches!(
            me["account"]["subscription_status"].as_str(),
            None | Some("canceled")
        ),
        "{me}"
    );
}

async fn one_trial_per_account_and_per_card(app: TestApp) {
    offer_trial(&app, true).await;
    let first = app.tenant("trial-once@example.com").await;
    app.add_method(&first.access, &card_body("4242424242424242"))
        .await;
    let body: Value = subscribe(&app, &first, starter(None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["subscription"]["status"], "trialing");
    let id = body["subscription"]["id"].as_str().unwrap();
    let canceled = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/cancel/"),
            &first.access,
            &json!({"at_period_end": false}),
        )
        .await;
    assert_eq!(canceled.status(), 200);
    // Again on the same account: asking for a trial is refused; otherwise it is paid now.
    let refused = subscribe(&app, &first, starter(Some(true))).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(error_code(refused).await, "conflict");
    let paid: Value = subscribe(&app, &first, starter(None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["subscription"]["status"], "active");
    assert_eq!(paid["invoice"]["total"]["amount"], 2900);

    // Another account with the same card number: no second trial with it.
    let same_card = app.tenant("trial-samecard@example.com").await;
    app.add_method(&same_card.access, &card_body("4242424242424242"))
        .await;
    let refused = subscribe(&app, &same_card, starter(Some(true))).await;
    assert_eq!(refused.status(), 409);
    // Another card: a trial.
    let other_card = app.tenant("trial-othercard@example.com").await;
    app.add_method(&other_card.access, &card_body("5555555555554444"))
        .await;
    let trial: Value = subscribe(&app, &other_card, starter(None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(trial["subscription"]["status"], "trialing");
}

async fn trial_requests_that_cannot_be_met_change_nothing(app: TestApp) {
    offer_trial(&app, true).await;
    let tenant = app.tenant("trial-bad@example.com").await;
    app.add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let cases = [
        // A plan without a trial.
        (
            json!({"plan_id": "plan_growth", "interval": "month", "trial": true}),
            "trial",
        ),
        // A trial that needs a card, asked for with a bank transfer.
        (starter(Some(true)), "payment_method_id"),
    ];
    for (body, field) in cases {
        let response = subscribe(&app, &tenant, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["fields"][field].is_string(),
            "{body}: {error}"
        );
    }
    let subscriptions = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM subscriptions WHERE account_id = $1",
            &tenant.account_id,
        )
        .await;
    assert_eq!(subscriptions, 0, "nothing was started");
    let admin = app.admin().await;
    let too_long = app.put_with_token("/api/v1/admin/plans/plan_growth/", &admin, &json!({
            "slug": "growth", "name": "Growth", "price_month": 7900, "price_year": 79000,
            "credits_per_period": 5000, "limit_sites": 20, "limit_seats": 5, "modules": ["planner"],
            "trial_days": 91, "trial_credits": -1
        })).await;
    assert_eq!(too_long.status(), 422);
    let error: Value = too_long.json().await.unwrap();
    assert!(error["error"]["fields"]["trial_days"].is_string());
    assert!(error["error"]["fields"]["trial_credits"].is_string());
}

crate::on_both_engines!(
    a_trial_runs_then_charges_the_first_period,
    a_trial_without_a_method_or_with_a_declined_card_ends,
    one_trial_per_account_and_per_card,
    trial_requests_that_cannot_be_met_change_nothing,
);

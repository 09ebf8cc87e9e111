//! Test clocks (app/src/accounts/test_clock.rs): an admin moves one account's time forward and
//! its renewals, dunning, trials and monthly credits happen at that time, each dated as it would
//! have been; every other account keeps the real time; bad requests and production are refused.

use crate::helpers::{card_body, error_code, Tenant, TestApp};
use serde_json::{json, Value};

pub fn clock_path(account_id: &str) -> String {
    format!("/api/v1/admin/accounts/{account_id}/test-clock/")
}

async fn attach(app: &TestApp, admin: &str, account_id: &str) -> Value {
    let response = app
        .post_with_token(&clock_path(account_id), admin, &json!({}))
        .await;
    assert_eq!(response.status(), 200, "attach");
    response.json().await.unwrap()
}

async fn advance(app: &TestApp, admin: &str, account_id: &str, by: &str) -> Value {
    let path = format!("{}advance/", clock_path(account_id));
    let response = app
        .post_with_token(&path, admin, &json!({ "by": by }))
        .await;
    assert_eq!(response.status(), 200, "advance by {by}");
    response.json().await.unwrap()
}

async fn subscription(app: &TestApp, tenant: &Tenant) -> Value {
    app.json("/api/v1/auth/subscriptions/", &tenant.access)
        .await["items"][0]
        .clone()
}

/// The ledger's entries of `kind`, oldest first, as (amount, created_at).
async fn entries(app: &TestApp, tenant: &Tenant, kind: &str) -> Vec<(i64, String)> {
    let ledger = app
        .json(
            "/api/v1/billing/transactions/?page_size=100",
            &tenant.access,
        )
        .await;
    let mut found: Vec<(i64, String)> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            let at = e["created_at"].as_str().unwrap().to_string();
            (e["amount"].as_i64().unwrap(), at)
        })
        .collect();
    found.reverse();
    found
}

async fn payments(app: &TestApp, tenant: &Tenant, status: &str) -> i64 {
    app.count(
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = '{status}'"
        ),
        &tenant.account_id,
    )
    .await
}

async fn one_account_renews_by_its_clock_and_no_other(app: TestApp) {
    let admin = app.admin().await;
    let (rehearsed, _) = app
        .subscribed_tenant("clocked@example.com", "plan_starter")
        .await;
    let (other, _) = app
        .subscribed_tenant("real-time@example.com", "plan_starter")
        .await;

    let clock = attach(&app, &admin, &rehearsed.account_id).await;
    assert_eq!(clock["now"], "2026-01-15T12:00:00Z");
    assert_eq!(clock["ahead_seconds"], 0);
    assert_eq!(clock["next_event"], "2026-02-15T12:00:00Z");
    // Attaching again changes nothing; the clock is there to read.
    assert_eq!(attach(&app, &admin, &rehearsed.account_id).await, clock);
    let read = app.json(&clock_path(&rehearsed.account_id), &admin).await;
    assert_eq!(read, clock);

    // A day: nothing falls due.
    let clock = advance(&app, &admin, &rehearsed.account_id, "day").await;
    assert_eq!(clock["now"], "2026-01-16T12:00:00Z");
    assert_eq!(payments(&app, &rehearsed, "succeeded").await, 1);

    // To the next renewal: charged and renewed at its period end, dated then.
    let clock = advance(&app, &admin, &rehearsed.account_id, "next_renewal").await;
    assert_eq!(clock["now"], "2026-02-15T12:00:00Z");
    assert_eq!(clock["next_event"], "2026-03-15T12:00:00Z");
    let sub = subscription(&app, &rehearsed).await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["current_period_start"], "2026-02-15T12:00:00Z");
    assert_eq!(sub["current_period_end"], "2026-03-15T12:00:00Z");
    assert_eq!(payments(&app, &rehearsed, "succeeded").await, 2);
    let invoices = app
        .json("/api/v1/billing/invoices/", &rehearsed.access)
        .await;
    assert_eq!(invoices["items"][0]["purpose"], "renewal");
    assert_eq!(invoices["items"][0]["issued_at"], "2026-02-15T12:00:00Z");
    assert_eq!(invoices["items"][0]["paid_at"], "2026-02-15T12:00:00Z");
    // Each invoice of the page with its own lines (read for the whole page at once).
    let descriptions: Vec<&str> = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lines"][0]["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        descriptions,
        [
            "Starter plan renewal, monthly (1000 credits a month)",
            "Starter plan, monthly (1000 credits a month)"
        ]
    );
    let grants = entries(&app, &rehearsed, "plan_grant").await;
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[1], (1000, "2026-02-15T12:00:00Z".to_string()));
    // Its pages say what time the account lives at.
    let me = app.json("/api/v1/auth/me/", &rehearsed.access).await;
    assert_eq!(me["account"]["test_clock"], "2026-02-15T12:00:00Z");

    // The other account lives in real time: the scheduler leaves it alone, and the clocked
    // account is not renewed twice.
    app.tick().await;
    let untouched = subscription(&app, &other).await;
    assert_eq!(untouched["current_period_end"], "2026-02-15T12:00:00Z");
    assert_eq!(payments(&app, &other, "succeeded").await, 1);
    let me = app.json("/api/v1/auth/me/", &other.access).await;
    assert!(me["account"].get("test_clock").is_none(), "{me}");
    assert_eq!(payments(&app, &rehearsed, "succeeded").await, 2);

    // What the account does itself is dated by its clock too: a plan change now is prorated
    // from Feb 15, half-way through nothing, so the whole month's difference is charged.
    let preview = app
        .post_with_token(
            &format!(
                "/api/v1/auth/subscriptions/{}/change-plan/preview/",
                sub["id"].as_str().unwrap()
            ),
            &rehearsed.access,
            &json!({"plan_id": "plan_growth"}),
        )
        .await;
    assert_eq!(preview.status(), 200);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["charge_now"]["amount"], 7900 - 2900, "{preview}");

    let audit = app.json("/api/v1/admin/audit/", &admin).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("test_clock."))
        .collect();
    assert_eq!(
        actions,
        [
            "test_clock.advance",
            "test_clock.advance",
            "test_clock.attach"
        ]
    );
}

/// A month through dunning stops at every retry: each failure is dated on its own day, and the
/// subscription ends on the seventh day, not on the day the admin asked for.
async fn dunning_steps_through_each_retry(app: TestApp) {
    let admin = app.admin().await;
    let (tenant, _) = app
        .subscribed_tenant("clocked-dunning@example.com", "plan_starter")
        .await;
    app.default_to_declining_card(&tenant.access).await;
    attach(&app, &admin, &tenant.account_id).await;

    // A month: the renewal at Feb 15 fails; the first retry is next.
    let clock = advance(&app, &admin, &tenant.account_id, "month").await;
    assert_eq!(clock["now"], "2026-02-15T12:00:00Z");
    assert_eq!(clock["next_event"], "2026-02-16T12:00:00Z");
    assert_eq!(subscription(&app, &tenant).await["status"], "past_due");
    assert_eq!(payments(&app, &tenant, "failed").await, 1);

    // Another month: retries on Feb 16, 18 and 20, canceled on Feb 22.
    let clock = advance(&app, &admin, &tenant.account_id, "month").await;
    assert_eq!(clock["now"], "2026-03-15T12:00:00Z");
    assert!(clock["next_event"].is_null(), "{clock}");
    let sub = subscription(&app, &tenant).await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(payments(&app, &tenant, "failed").await, 4);
    let expired = entries(&app, &tenant, "expiry").await;
    assert_eq!(expired.last().unwrap().1, "2026-02-22T12:00:00Z");
    let canceled_mails = app
        .mails(
            "clocked-dunning@example.com",
            "Your subscription was canceled",
        )
        .await;
    assert_eq!(canceled_mails, 1);
    // Nothing is left to renew.
    let path = format!("{}advance/", clock_path(&tenant.account_id));
    let none = app
        .post_with_token(&path, &admin, &json!({"by": "next_renewal"}))
        .await;
    assert_eq!(none.status(), 409);
}

/// A trial's reminder and end, and a yearly plan's months, follow the clock.
async fn trials_and_yearly_months_follow_the_clock(app: TestApp) {
    let admin = app.admin().await;
    crate::trials::offer_trial(&app, true).await;
    let trial = app.tenant("clocked-trial@example.com").await;
    app.add_method(&trial.access, &card_body("4242424242424242"))
        .await;
    let started = app.subscribe(&trial.access, "plan_starter", "month").await;
    assert_eq!(started.status(), 201);
    attach(&app, &admin, &trial.account_id).await;
    // The reminder three days before the end is the first stop.
    let clock = advance(&app, &admin, &trial.account_id, "day").await;
    assert_eq!(clock["next_event"], "2026-01-26T12:00:00Z");
    let clock = advance(&app, &admin, &trial.account_id, "next_renewal").await;
    assert_eq!(clock["now"], "2026-01-29T12:00:00Z");
    let reminders = app
        .mails("clocked-trial@example.com", "Your free trial ends soon")
        .await;
    assert_eq!(reminders, 1);
    let sub = subscription(&app, &trial).await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["current_period_end"], "2026-02-28T12:00:00Z");
    assert_eq!(app.balance(&trial.access).await, 1000);

    // A yearly plan: each month's credits on its own day.
    let yearly = app.tenant("clocked-yearly@example.com").await;
    app.add_method(&yearly.access, &card_body("4242424242424242"))
        .await;
    let body = json!({"plan_id": "plan_growth", "interval": "year"});
    let subscribed = app
        .post_with_token("/api/v1/auth/subscriptions/", &yearly.access, &body)
        .await;
    assert_eq!(subscribed.status(), 201);
    attach(&app, &admin, &yearly.account_id).await;
    advance(&app, &admin, &yearly.account_id, "month").await;
    let clock = advance(&app, &admin, &yearly.account_id, "month").await;
    assert_eq!(clock["now"], "2026-03-15T12:00:00Z");
    let grants = entries(&app, &yearly, "plan_grant").await;
    let dates: Vec<&str> = grants.iter().map(|(_, at)| at.as_str()).collect();
    assert_eq!(
        dates,
        [
            "2026-01-15T12:00:00Z",
            "2026-02-15T12:00:00Z",
            "2026-03-15T12:00:00Z"
        ]
    );
}

async fn bad_clock_requests_change_nothing(app: TestApp) {
    let admin = app.admin().await;
    let tenant = app.tenant("clock-refusals@example.com").await;
    let advance_path = format!("{}advance/", clock_path(&tenant.account_id));
    // No clock yet: nothing to read or advance.
    let unread = app
        .get_with_token(&clock_path(&tenant.account_id), &admin)
        .await;
    assert_eq!(unread.status(), 404);
    let detached = app
        .post_with_token(&advance_path, &admin, &json!({"by": "day"}))
        .await;
    assert_eq!(detached.status(), 409);
    // Nobody but an admin; no account that does not exist.
    let tenants_own = app
        .post_with_token(&clock_path(&tenant.account_id), &tenant.access, &json!({}))
        .await;
    assert_eq!(error_code(tenants_own).await, "admin_required");
    let missing = app
        .post_with_token(&clock_path("acct_missing"), &admin, &json!({}))
        .await;
    assert_eq!(missing.status(), 404);
    attach(&app, &admin, &tenant.account_id).await;
    // A step that does not exist, or none.
    for body in [json!({"by": "year"}), json!({"by": ""}), json!({})] {
        let response = app.post_with_token(&advance_path, &admin, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["fields"]["by"].is_string(), "{error}");
    }
    // No subscription: there is no renewal to move to.
    let nothing = app
        .post_with_token(&advance_path, &admin, &json!({"by": "next_renewal"}))
        .await;
    assert_eq!(nothing.status(), 409);
    let clock = app.json(&clock_path(&tenant.account_id), &admin).await;
    assert_eq!(clock["ahead_seconds"], 0, "nothing moved");
}

crate::on_both_engines!(
    one_account_renews_by_its_clock_and_no_other,
    dunning_steps_through_each_retry,
    trials_and_yearly_months_follow_the_clock,
    bad_clock_requests_change_nothing,
);

//! Plan changes and their preview (app/src/subscriptions/plan_change.rs): the preview answers
//! what the change then does, to the cent and the credit; monthly ↔ yearly switches follow the
//! upgrade (now) and downgrade (at period end) rules; refused changes change nothing.

use crate::helpers::{card_body, error_code, Tenant, TestApp, TEST_START};
use app::subscriptions::periods::add_months;
use serde_json::{json, Value};

const DAY: i64 = 86_400;

async fn preview(app: &TestApp, tenant: &Tenant, id: &str, body: &Value) -> reqwest::Response {
    app.post_with_token(
        &format!("/api/v1/auth/subscriptions/{id}/change-plan/preview/"),
        &tenant.access,
        body,
    )
    .await
}

async fn change(app: &TestApp, tenant: &Tenant, id: &str, body: &Value) -> Value {
    let response = app
        .post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/change-plan/"),
            &tenant.access,
            body,
        )
        .await;
    assert_eq!(response.status(), 200, "change-plan {body}");
    response.json().await.unwrap()
}

async fn previewed(app: &TestApp, tenant: &Tenant, id: &str, body: &Value) -> Value {
    let response = preview(app, tenant, id, body).await;
    assert_eq!(response.status(), 200, "preview {body}");
    response.json().await.unwrap()
}

/// What the account's rows look like, to show a preview or a refusal changed none of them.
async fn footprint(app: &TestApp, tenant: &Tenant) -> (i64, i64, String) {
    let rows_of =
        |table: &str| format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE account_id = $1");
    let subscription: (String, String, Option<String>) = sqlx::query_as(
        "SELECT plan_id, billing_interval, scheduled_plan_id FROM subscriptions WHERE account_id = $1",
    )
    .bind(&tenant.account_id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    (
        app.count(&rows_of("invoices"), &tenant.account_id).await,
        app.count(&rows_of("credit_ledger"), &tenant.account_id)
            .await,
        format!("{subscription:?}"),
    )
}

fn sub_id(body: &Value) -> String {
    body["subscription"]["id"].as_str().unwrap().to_string()
}

async fn an_upgrade_charges_and_grants_what_its_preview_said(app: TestApp) {
    // Starter from Jan 15, Growth chosen on Jan 25: 21 of 31 days left.
    let (mut tenant, body) = app
        .subscribed_tenant("preview@example.com", "plan_starter")
        .await;
    let id = sub_id(&body);
    app.set_time(TEST_START + 10 * DAY);
    app.relogin(&mut tenant).await;
    let before = footprint(&app, &tenant).await;
    let asked = json!({"plan_id": "plan_growth"});
    let shown = previewed(&app, &tenant, &id, &asked).await;
    assert_eq!(
        footprint(&app, &tenant).await,
        before,
        "a preview changes nothing"
    );
    assert_eq!(shown["kind"], "upgrade");
    assert_eq!(shown["interval"], "month");
    // ($79 − $29) × 21/31 = $33.87; (5,000 − 1,000) × 21/31 = 2,709.7 → 2,709 credits.
    assert_eq!(
        shown["charge_now"],
        json!({"amount": 3387, "currency": "USD"})
    );
    assert_eq!(shown["credits_now"], 2709);
    assert_eq!(shown["effective_at"], "2026-01-25T12:00:00Z");
    assert_eq!(
        shown["renewal"],
        json!({"date": "2026-02-15T12:00:00Z", "amount": {"amount": 7900, "currency": "USD"}, "credits_per_month": 5000})
    );

    let done = change(&app, &tenant, &id, &asked).await;
    assert_eq!(done["invoice"]["total"], shown["charge_now"]);
    assert_eq!(done["invoice"]["credits"], shown["credits_now"]);
    assert_eq!(done["invoice"]["lines"][0]["description"], shown["summary"]);
    assert_eq!(done["subscription"]["plan"]["id"], "plan_growth");
    assert_eq!(app.balance(&tenant.access).await, 1000 + 2709);
}

async fn monthly_to_yearly_starts_the_year_now_and_counts_the_month_paid(app: TestApp) {
    let (mut tenant, body) = app
        .subscribed_tenant("to-yearly@example.com", "plan_starter")
        .await;
    let id = sub_id(&body);
    app.set_time(TEST_START + 10 * DAY);
    app.relogin(&mut tenant).await;

    // Another plan at once: Growth's year less Starter's month, the credit difference prorated.
    let growth = previewed(
        &app,
        &tenant,
        &id,
        &json!({"plan_id": "plan_growth", "interval": "year"}),
    )
    .await;
    assert_eq!(growth["kind"], "upgrade");
    assert_eq!(growth["charge_now"]["amount"], 79000 - 2900);
    assert_eq!(growth["credits_now"], 2709);

    let asked = json!({"plan_id": "plan_starter", "interval": "year"});
    let shown = previewed(&app, &tenant, &id, &asked).await;
    assert_eq!(shown["kind"], "upgrade");
    assert_eq!(shown["interval"], "year");
    assert_eq!(shown["charge_now"]["amount"], 29000 - 2900);
    assert_eq!(shown["credits_now"], 0);
    assert_eq!(shown["renewal"]["date"], "2027-01-15T12:00:00Z");
    assert_eq!(shown["renewal"]["amount"]["amount"], 29000);

    let done = change(&app, &tenant, &id, &asked).await;
    assert_eq!(done["invoice"]["total"]["amount"], 26100);
    assert_eq!(done["payment"]["status"], "succeeded");
    let sub = &done["subscription"];
    assert_eq!(sub["interval"], "year");
    assert_eq!(sub["current_period_start"], "2026-01-15T12:00:00Z");
    assert_eq!(sub["renewal_date"], "2027-01-15T12:00:00Z");
    assert_eq!(app.balance(&tenant.access).await, 1000);

    // Feb 15: no monthly charge; the year's second month of credits, the first one's unused expire.
    app.set_time(add_months(TEST_START, 1));
    app.tick().await;
    let charges = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'",
            &tenant.account_id,
        )
        .await;
    assert_eq!(charges, 2, "the first month and the switch, no renewal");
    let grants = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE account_id = $1 AND kind = 'plan_grant'",
            &tenant.account_id,
        )
        .await;
    assert_eq!(grants, 2);
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

/// A switch to yearly paid by a bank transfer that an admin approves after its month ended (the
/// month renewed by card meanwhile): the year runs from the current month, whose payment counts
/// towards it, so the year is paid once.
async fn a_switch_to_yearly_approved_late_starts_the_year_at_the_current_month(app: TestApp) {
    let (mut tenant, body) = app
        .subscribed_tenant("late-yearly@example.com", "plan_starter")
        .await;
    let id = sub_id(&body);
    let card = body["subscription"]["payment_method_id"]
        .as_str()
        .unwrap()
        .to_string();
    let transfer = app
        .add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    app.make_default(&tenant.access, transfer["id"].as_str().unwrap())
        .await;
    let asked = json!({"plan_id": "plan_starter", "interval": "year"});
    let switch = change(&app, &tenant, &id, &asked).await;
    assert_eq!(switch["invoice"]["status"], "open", "{switch}");
    let invoice_id = switch["invoice"]["id"].as_str().unwrap();
    let submitted = crate::billing::manual_payment(
        &app,
        &tenant.access,
        crate::billing::receipt_form(invoice_id, "TRX-YEAR", None),
    )
    .await;
    assert_eq!(submitted.status(), 201);
    let payment: Value = submitted.json().await.unwrap();

    // The month ends and renews by card before the transfer is seen.
    app.make_default(&tenant.access, &card).await;
    app.set_time(add_months(TEST_START, 1) + DAY);
    app.relogin(&mut tenant).await;
    app.tick().await;
    let admin = app.admin().await;
    let approved = app
        .post_with_token(
            &format!(
                "/api/v1/billing/admin/payments/{}/approve/",
                payment["id"].as_str().unwrap()
            ),
            &admin,
            &json!({"note": "arrived late"}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    let sub = &subs["items"][0];
    assert_eq!(sub["interval"], "year", "{sub}");
    assert_eq!(sub["current_period_start"], "2026-02-15T12:00:00Z");
    assert_eq!(sub["renewal_date"], "2027-02-15T12:00:00Z");
    // Paid: the first month, the second month, and the year less a month.
    let paid = app
        .count(
            "SELECT CAST(SUM(amount) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'",
            &tenant.account_id,
        )
        .await;
    assert_eq!(paid, 2900 + 2900 + (29000 - 2900));
}

async fn yearly_to_monthly_waits_for_the_end_of_the_year(app: TestApp) {
    let mut tenant = app.tenant("to-monthly@example.com").await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let response = app.subscribe(&tenant.access, "plan_starter", "year").await;
    assert_eq!(response.status(), 201);
    let id = sub_id(&response.json().await.unwrap());

    let asked = json!({"plan_id": "plan_starter", "interval": "month"});
    let shown = previewed(&app, &tenant, &id, &asked).await;
    assert_eq!(shown["kind"], "downgrade");
    assert_eq!(shown["charge_now"]["amount"], 0);
    assert_eq!(shown["effective_at"], "2027-01-15T12:00:00Z");
    assert_eq!(shown["renewal"]["amount"]["amount"], 2900);
    let done = change(&app, &tenant, &id, &asked).await;
    assert!(done["invoice"].is_null());
    assert_eq!(done["subscription"]["interval"], "year");
    assert_eq!(done["subscription"]["scheduled_interval"], "month");

    // Asking for the current terms again previews and makes a "keep".
    let keep = json!({"plan_id": "plan_starter", "interval": "year"});
    assert_eq!(previewed(&app, &tenant, &id, &keep).await["kind"], "keep");
    let kept = change(&app, &tenant, &id, &keep).await;
    assert!(kept["subscription"]["scheduled_interval"].is_null());
    change(&app, &tenant, &id, &asked).await;

    // The year ends: the renewal bills one month of Starter, and monthly it stays.
    app.set_time(add_months(TEST_START, 12));
    app.tick().await;
    app.relogin(&mut tenant).await;
    let subs = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    let sub = &subs["items"][0];
    assert_eq!(sub["interval"], "month");
    assert!(sub["scheduled_plan"].is_null());
    assert_eq!(sub["current_period_end"], "2027-02-15T12:00:00Z");
    let renewal: i64 = sqlx::query_scalar(
        "SELECT total FROM invoices WHERE account_id = $1 AND purpose = 'renewal'",
    )
    .bind(&tenant.account_id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(renewal, 2900);
}

async fn a_change_that_is_not_allowed_is_refused_by_preview_and_change_alike(app: TestApp) {
    let (tenant, body) = app
        .subscribed_tenant("refused@example.com", "plan_starter")
        .await;
    let id = sub_id(&body);
    let before = footprint(&app, &tenant).await;
    let cases = [
        (
            json!({"plan_id": "plan_growth", "interval": "weekly"}),
            422,
            "validation_failed",
        ),
        (json!({"plan_id": "plan_nope"}), 422, "validation_failed"),
        (json!({"plan_id": "plan_starter"}), 409, "conflict"),
        (
            json!({"plan_id": "plan_starter", "interval": "month"}),
            409,
            "conflict",
        ),
    ];
    for (asked, status, code) in cases {
        let shown = preview(&app, &tenant, &id, &asked).await;
        assert_eq!(shown.status(), status, "preview {asked}");
        assert_eq!(error_code(shown).await, code, "preview {asked}");
        let made = app
            .post_with_token(
                &format!("/api/v1/auth/subscriptions/{id}/change-plan/"),
                &tenant.access,
                &asked,
            )
            .await;
        assert_eq!(made.status(), status, "change {asked}");
    }
    // Another account's subscription does not exist for this one.
    let (stranger, _) = app
        .subscribed_tenant("stranger@example.com", "plan_starter")
        .await;
    let asked = json!({"plan_id": "plan_growth"});
    assert_eq!(preview(&app, &stranger, &id, &asked).await.status(), 404);
    assert_eq!(
        footprint(&app, &tenant).await,
        before,
        "refusals change nothing"
    );
}

crate::on_both_engines!(
    an_upgrade_charges_and_grants_what_its_preview_said,
    monthly_to_yearly_starts_the_year_now_and_counts_the_month_paid,
    a_switch_to_yearly_approved_late_starts_the_year_at_the_current_month,
    yearly_to_monthly_waits_for_the_end_of_the_year,
    a_change_that_is_not_allowed_is_refused_by_preview_and_change_alike,
);

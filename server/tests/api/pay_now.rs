//! Paying an open invoice now (`POST /api/v1/billing/invoices/{id}/pay/`): a renewal in dunning
//! paid with another card ends dunning at once; concurrent and repeated payments charge once;
//! what cannot be paid is refused in the API's error shape and changes nothing.

use crate::helpers::{card_body, error_code, Tenant, TestApp};
use serde_json::{json, Value};

/// 2026-02-15T12:00:00Z: one month after the test clock starts, when Starter renews.
const ONE_MONTH_LATER: i64 = 1_771_156_800;

/// A Starter tenant whose renewal failed: its default is a card whose charges all fail, so the
/// subscription is past due with the renewal invoice open. Returns the tenant, the id of its
/// working card and the open invoice.
async fn past_due_tenant(app: &TestApp, email: &str) -> (Tenant, String, Value) {
    let (mut tenant, _) = app.subscribed_tenant(email, "plan_starter").await;
    let methods = app
        .json("/api/v1/billing/payment-methods/", &tenant.access)
        .await;
    let working = methods["items"][0]["id"].as_str().unwrap().to_string();
    app.default_to_declining_card(&tenant.access).await;
    app.set_time(ONE_MONTH_LATER);
    app.relogin(&mut tenant).await;
    app.tick().await;
    assert_eq!(subscription_status(app, &tenant).await, "past_due");
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    let renewal = invoices["items"][0].clone();
    assert_eq!(renewal["status"], "open");
    assert_eq!(renewal["purpose"], "renewal");
    (tenant, working, renewal)
}

async fn subscription_status(app: &TestApp, tenant: &Tenant) -> String {
    sqlx::query_scalar("SELECT status FROM subscriptions WHERE account_id = $1")
        .bind(&tenant.account_id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn succeeded_payments(app: &TestApp, tenant: &Tenant) -> i64 {
    app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'",
        &tenant.account_id,
    )
    .await
}

async fn pay(app: &TestApp, tenant: &Tenant, invoice_id: &str, body: &Value) -> reqwest::Response {
    app.post_with_token(
        &format!("/api/v1/billing/invoices/{invoice_id}/pay/"),
        &tenant.access,
        body,
    )
    .await
}

/// Saves the card `number` and pays the invoice with it.
async fn pay_with_new_card(
    app: &TestApp,
    tenant: &Tenant,
    invoice_id: &str,
    number: &str,
) -> reqwest::Response {
    let card = app.add_method(&tenant.access, &card_body(number)).await;
    let body = json!({"payment_method_id": card["id"]});
    pay(app, tenant, invoice_id, &body).await
}

async fn paying_a_renewal_in_dunning_ends_it_at_once(app: TestApp) {
    let (tenant, working, renewal) = past_due_tenant(&app, "dunning-paid@example.com").await;
    let invoice_id = renewal["id"].as_str().unwrap();
    let before = succeeded_payments(&app, &tenant).await;

    // The failing default is declined: 402 with its code, and dunning goes on.
    let declined = pay(&app, &tenant, invoice_id, &json!({})).await;
    assert_eq!(declined.status(), 402);
    assert_eq!(error_code(declined).await, "card_declined");
    assert_eq!(subscription_status(&app, &tenant).await, "past_due");

    // The working card pays it: the invoice is paid, the plan active, its credits granted.
    let keyed = || {
        app.client
            .post(app.url(&format!("/api/v1/billing/invoices/{invoice_id}/pay/")))
            .bearer_auth(&tenant.access)
            .header("Idempotency-Key", "pay-renewal-1")
            .json(&json!({"payment_method_id": working}))
            .send()
    };
    let response = keyed().await.unwrap();
    assert_eq!(response.status(), 201);
    let payment: Value = response.json().await.unwrap();
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["invoice_id"], invoice_id);
    assert_eq!(subscription_status(&app, &tenant).await, "active");
    let past_due_since: Option<i64> =
        sqlx::query_scalar("SELECT past_due_since FROM subscriptions WHERE account_id = $1")
            .bind(&tenant.account_id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(past_due_since, None, "dunning is over");
    let invoice = app.invoice(&tenant.access, invoice_id).await;
    assert_eq!(invoice["status"], "paid");
    assert_eq!(
        app.balance(&tenant.access).await,
        1000,
        "the new period's credits"
    );
    assert_eq!(succeeded_payments(&app, &tenant).await, before + 1);

    // A retry with the same key answers the same payment; without a key the invoice is paid: 409.
    let replay = keyed().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], payment["id"]);
    let again = pay(
        &app,
        &tenant,
        invoice_id,
        &json!({"payment_method_id": working}),
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_code(again).await, "conflict");
    assert_eq!(
        succeeded_payments(&app, &tenant).await,
        before + 1,
        "charged once"
    );

    // The scheduler's next pass has nothing left to retry.
    app.tick().await;
    assert_eq!(subscription_status(&app, &tenant).await, "active");
    assert_eq!(succeeded_payments(&app, &tenant).await, before + 1);
}

async fn concurrent_payments_of_one_invoice_charge_once(app: TestApp) {
    let (tenant, working, renewal) = past_due_tenant(&app, "dunning-race@example.com").await;
    let invoice_id = renewal["id"].as_str().unwrap();
    let before = succeeded_payments(&app, &tenant).await;
    let body = json!({"payment_method_id": working});
    let answers =
        futures_util::future::join_all((0..4).map(|_| pay(&app, &tenant, invoice_id, &body))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.contains(&201), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [201, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(succeeded_payments(&app, &tenant).await, before + 1);
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

async fn what_cannot_be_paid_is_refused_and_changes_nothing(app: TestApp) {
    let (tenant, working, renewal) = past_due_tenant(&app, "dunning-refused@example.com").await;
    let invoice_id = renewal["id"].as_str().unwrap();
    let payments = || {
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1",
            &tenant.account_id,
        )
    };
    let before = payments().await;

    // Another account cannot see the invoice, let alone pay it.
    let (stranger, _) = app
        .subscribed_tenant("stranger@example.com", "plan_starter")
        .await;
    let foreign = pay(&app, &stranger, invoice_id, &json!({})).await;
    assert_eq!(foreign.status(), 404);
    assert_eq!(error_code(foreign).await, "not_found");

    // A method that is not the account's, and a bank transfer, are not charged.
    let unknown = pay(
        &app,
        &tenant,
        invoice_id,
        &json!({"payment_method_id": "pm_nope"}),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    assert_eq!(error_code(unknown).await, "validation_failed");
    let bank = app
        .add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let by_bank = pay(
        &app,
        &tenant,
        invoice_id,
        &json!({"payment_method_id": bank["id"]}),
    )
    .await;
    assert_eq!(by_bank.status(), 422);
    let error: Value = by_bank.json().await.unwrap();
    assert!(error["error"]["fields"]["payment_method_id"].is_string());

    // A paid invoice (the first month's) is 409.
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    let first = invoices["items"][1]["id"].as_str().unwrap();
    assert_eq!(invoices["items"][1]["status"], "paid");
    let paid = pay(&app, &tenant, first, &json!({"payment_method_id": working})).await;
    assert_eq!(paid.status(), 409);

    assert_eq!(payments().await, before, "no payment recorded");
    assert_eq!(subscription_status(&app, &tenant).await, "past_due");
    let invoice = app.invoice(&tenant.access, invoice_id).await;
    assert_eq!(invoice["status"], "open");
}

async fn a_first_invoice_waiting_for_a_transfer_is_paid_by_card_instead(app: TestApp) {
    let tenant = app.tenant("transfer-then-card@example.com").await;
    app.add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let subscribed = app.subscribe(&tenant.access, "plan_starter", "month").await;
    assert_eq!(subscribed.status(), 201);
    assert_eq!(subscription_status(&app, &tenant).await, "pending_payment");
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    let invoice_id = invoices["items"][0]["id"].as_str().unwrap().to_string();

    // A declined card leaves the invoice and the waiting subscription as they were.
    let declined = pay_with_new_card(&app, &tenant, &invoice_id, "4000000000000341").await;
    assert_eq!(declined.status(), 402);
    assert_eq!(subscription_status(&app, &tenant).await, "pending_payment");
    let invoice = app.invoice(&tenant.access, &invoice_id).await;
    assert_eq!(invoice["status"], "open");

    let paid = pay_with_new_card(&app, &tenant, &invoice_id, "4242424242424242").await;
    assert_eq!(paid.status(), 201);
    assert_eq!(subscription_status(&app, &tenant).await, "active");
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

crate::on_both_engines!(
    a_first_invoice_waiting_for_a_transfer_is_paid_by_card_instead,
    paying_a_renewal_in_dunning_ends_it_at_once,
    concurrent_payments_of_one_invoice_charge_once,
    what_cannot_be_paid_is_refused_and_changes_nothing,
);

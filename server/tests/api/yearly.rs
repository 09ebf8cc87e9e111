//! Yearly plans grant their credits every month (app/src/subscriptions/monthly_credits.rs): the
//! first month with the year's invoice, each later month by the scheduler, once however many
//! instances run it; an upgrade grants the difference for what is left of the month.

use crate::helpers::{card_body, Tenant, TestApp, TEST_START};
use app::subscriptions::periods::add_months;
use serde_json::Value;

const DAY: i64 = 86_400;

/// A tenant on a yearly Starter (1,000 credits a month) from `TEST_START`.
async fn yearly_starter(app: &TestApp, email: &str) -> (Tenant, Value) {
    let tenant = app.tenant(email).await;
    app.add_method(&tenant.access, &card_body("4242424242424242"))
        .await;
    let response = app.subscribe(&tenant.access, "plan_starter", "year").await;
    assert_eq!(response.status(), 201);
    (tenant, response.json().await.unwrap())
}

async fn ledger_count(app: &TestApp, tenant: &Tenant, kind: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_ledger WHERE account_id = $1 AND kind = $2",
    )
    .bind(&tenant.account_id)
    .bind(kind)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

async fn a_yearly_plan_grants_its_credits_every_month(app: TestApp) {
    let (mut tenant, body) = yearly_starter(&app, "yearly@example.com").await;
    assert_eq!(
        body["subscription"]["current_period_end"],
        "2027-01-15T12:00:00Z"
    );
    assert_eq!(app.balance(&tenant.access).await, 1000);
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 1);

    // Nothing before the month ends.
    app.set_time(add_months(TEST_START, 1) - 1);
    app.tick().await;
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 1);

    // Month 2 begins: two instances run the scheduler at once; one grant, and the first month's
    // unused credits expire.
    app.set_time(add_months(TEST_START, 1));
    tokio::join!(app.tick(), app.tick());
    app.relogin(&mut tenant).await;
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 2);
    assert_eq!(ledger_count(&app, &tenant, "expiry").await, 1);
    assert_eq!(app.balance(&tenant.access).await, 1000);

    // A scheduler stopped for three months catches up month by month: one month's credits.
    app.set_time(add_months(TEST_START, 4) + DAY);
    app.tick().await;
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 5);
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 1000);

    // Every month of the year, then the year's renewal (one charge) grants the next first month.
    for month in 5..=11 {
        app.set_time(add_months(TEST_START, month));
        app.tick().await;
    }
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 12);
    app.set_time(add_months(TEST_START, 12));
    app.tick().await;
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 13);
    let charges = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments WHERE account_id = $1 AND status = 'succeeded'",
            &tenant.account_id,
        )
        .await;
    assert_eq!(charges, 2, "the first year and its renewal");
    app.set_time(add_months(TEST_START, 13));
    app.tick().await;
    assert_eq!(ledger_count(&app, &tenant, "plan_grant").await, 14);
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 1000);
}

async fn upgrading_a_yearly_plan_grants_the_rest_of_the_month(app: TestApp) {
    // Subscribed on Jan 15, upgraded on Jan 30 to Growth (5,000 a month): 4,000 × 16/31 days
    // left of the month = 2064.5 → 2,064 credits now, and Growth's 5,000 from Feb 15.
    let (mut tenant, body) = yearly_starter(&app, "yearly-upgrade@example.com").await;
    app.set_time(TEST_START + 15 * DAY);
    app.relogin(&mut tenant).await;
    let id = body["subscription"]["id"].as_str().unwrap();
    let response = app.change_plan(&tenant.access, id, "plan_growth").await;
    assert_eq!(response.status(), 200);
    let upgraded: Value = response.json().await.unwrap();
    assert_eq!(upgraded["invoice"]["credits"], 2064);
    assert_eq!(app.balance(&tenant.access).await, 1000 + 2064);

    app.set_time(add_months(TEST_START, 1));
    app.tick().await;
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 5000);
}

crate::on_both_engines!(
    a_yearly_plan_grants_its_credits_every_month,
    upgrading_a_yearly_plan_grants_the_rest_of_the_month,
);

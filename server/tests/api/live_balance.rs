//! The live balance stream (`/api/v1/billing/transactions/balance/stream/`) is pushed, not
//! polled: every kind of change reaches an open stream within a second. On PostgreSQL the
//! stream is open on a second instance, so the change crosses instances (LISTEN/NOTIFY); on
//! SQLite, one instance, it comes through the in-process channel (app/src/credits/live.rs).

use crate::billing::{manual_payment, receipt_form};
use crate::helpers::{Tenant, TestApp};
use crate::subscriptions::ONE_MONTH_LATER;
use app::backend::Engine;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// How soon a change must reach a stream.
const PUSHED_WITHIN: Duration = Duration::from_secs(1);

/// An open balance stream, read event by event.
pub struct BalanceStream {
    response: reqwest::Response,
    unread: String,
}

impl BalanceStream {
    pub async fn open(app: &TestApp, base: &str, access: &str) -> BalanceStream {
        let response = app
            .client
            .get(format!(
                "{base}/api/v1/billing/transactions/balance/stream/"
            ))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        BalanceStream {
            response,
            unread: String::new(),
        }
    }

    /// The next event, as its name and data (keep-alive comments skipped), if one comes in time.
    async fn next_event(&mut self, deadline: Instant) -> Option<(String, String)> {
        loop {
            if let Some((event, rest)) = self.unread.split_once("\n\n") {
                let event = event.to_string();
                self.unread = rest.to_string();
                let name = event.lines().find_map(|l| l.strip_prefix("event: "));
                let data = event.lines().find_map(|l| l.strip_prefix("data: "));
                match (name, data) {
                    (Some(name), Some(data)) => return Some((name.into(), data.into())),
                    _ => continue,
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()
                .expect("the stream stays open");
            self.unread.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn next_balance(&mut self, deadline: Instant) -> Option<Value> {
        while let Some((name, data)) = self.next_event(deadline).await {
            if name == "balance" {
                return Some(serde_json::from_str(&data).unwrap());
            }
        }
        None
    }

    /// Waits up to `within` for a balance that `wanted` accepts; fails naming `what` and the
    /// balances seen meanwhile.
    pub async fn expect(
        &mut self,
        what: &str,
        within: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while let Some(balance) = self.next_balance(deadline).await {
            if wanted(&balance) {
                return balance;
            }
            seen.push(balance);
        }
        panic!("{what}: no such balance within {within:?}; saw {seen:?}");
    }
}

fn available(amount: i64) -> impl Fn(&Value) -> bool {
    move |b| b["available"] == amount && b["held"] == 0
}

/// Where the tenant's stream is open: another instance when several can share the database.
async fn stream_base(app: &TestApp) -> String {
    match app.state.db.engine() {
        Engine::Postgres => app.another_instance().await,
        Engine::Sqlite => app.address.clone(),
    }
}

async fn tiny_tenant(app: &TestApp, email: &str) -> Tenant {
    app.tiny_plan(100, "planner,writer").await;
    app.subscribed_tenant(email, "plan_tiny").await.0
}

/// A writer task that costs 5 credits.
async fn run_a_task(app: &TestApp, access: &str) {
    let task = app
        .post_with_token(
            "/api/v1/writer/tasks/",
            access,
            &json!({"kind": "outline", "keyword": "x"}),
        )
        .await;
    assert_eq!(task.status(), 201);
}

async fn a_task_reaches_an_open_stream_at_once(app: TestApp) {
    let tenant = tiny_tenant(&app, "stream-task@example.com").await;
    let mut stream = BalanceStream::open(&app, &stream_base(&app).await, &tenant.access).await;
    stream
        .expect("the balance on opening", PUSHED_WITHIN, available(100))
        .await;
    run_a_task(&app, &tenant.access).await;
    stream
        .expect("a settled task", PUSHED_WITHIN, available(95))
        .await;
}

async fn admin_actions_approvals_and_renewals_reach_an_open_stream(app: TestApp) {
    let tenant = tiny_tenant(&app, "stream-admin@example.com").await;
    let mut stream = BalanceStream::open(&app, &stream_base(&app).await, &tenant.access).await;
    let opening = stream
        .expect("the balance on opening", PUSHED_WITHIN, available(100))
        .await;
    let admin = app.admin().await;

    // An admin's adjustment.
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    let user_id = me["user"]["id"].as_str().unwrap();
    let adjusted = app
        .post_with_token(
            &format!("/api/v1/admin/users/{user_id}/adjust-credits/"),
            &admin,
            &json!({"amount": 250, "reason": "Goodwill"}),
        )
        .await;
    assert_eq!(adjusted.status(), 200);
    stream
        .expect("an admin's adjustment", PUSHED_WITHIN, available(350))
        .await;

    // A bank transfer approved by an admin.
    let bank = app
        .add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let purchase = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            &tenant.access,
            &json!({"payment_method_id": bank["id"]}),
        )
        .await;
    assert_eq!(purchase.status(), 201);
    let invoice: Value = purchase.json().await.unwrap();
    let submitted = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice["invoice"]["id"].as_str().unwrap(), "BANK-9", None),
    )
    .await;
    assert_eq!(submitted.status(), 201);
    let payment: Value = submitted.json().await.unwrap();
    let approved = app
        .post_with_token(
            &format!(
                "/api/v1/billing/admin/payments/{}/approve/",
                payment["id"].as_str().unwrap()
            ),
            &admin,
            &json!({"note": "on the statement"}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    stream
        .expect("an approved transfer", PUSHED_WITHIN, available(850))
        .await;

    // The scheduler's renewal: a new period (its credits replace the last period's).
    app.set_time(ONE_MONTH_LATER);
    app.tick().await;
    let renewed = stream
        .expect("a renewal", PUSHED_WITHIN, |b| {
            b["period_end"] != opening["period_end"]
        })
        .await;
    assert_eq!(renewed["plan_credits_per_period"], 100);
}

/// A stream at rest reads nothing: with balance reads failing, it stays silent (a poll would
/// read and send `unavailable`) until a change of its account makes it read.
async fn a_stream_at_rest_reads_nothing(app: TestApp) {
    let tenant = tiny_tenant(&app, "stream-quiet@example.com").await;
    let other = app
        .subscribed_tenant("stream-other@example.com", "plan_tiny")
        .await
        .0;
    let mut stream = BalanceStream::open(&app, &app.address, &tenant.access).await;
    stream
        .expect("the balance on opening", PUSHED_WITHIN, available(100))
        .await;
    app.state.faults.balance.store(true, Ordering::Relaxed);
    // Another account's task is not this stream's business either.
    run_a_task(&app, &other.access).await;
    let quiet = Instant::now() + Duration::from_secs(3);
    if let Some(event) = stream.next_event(quiet).await {
        panic!("a stream at rest read its balance: {event:?}");
    }
    run_a_task(&app, &tenant.access).await;
    let (name, _) = stream
        .next_event(Instant::now() + PUSHED_WITHIN)
        .await
        .expect("the change made the stream read");
    assert_eq!(name, "unavailable");
}

crate::on_both_engines!(
    a_task_reaches_an_open_stream_at_once,
    admin_actions_approvals_and_renewals_reach_an_open_stream,
    a_stream_at_rest_reads_nothing,
);

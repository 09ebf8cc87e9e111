//! Credits: the ledger against an exact model, holds under concurrency (one and two server
//! instances), module tasks, replays, hold expiry, plan credits spent first and expiring at
//! renewal, packages, usage reports.

use crate::helpers::{card_body, Tenant, TestApp};
use app::credits::ledger::{self, Applied, Entry, EntryKind};
use app::credits::metering::{self, Usage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

async fn tiny_tenant(app: &TestApp, email: &str, credits: i64) -> Tenant {
    app.tiny_plan(credits, "planner,writer").await;
    app.subscribed_tenant(email, "plan_tiny").await.0
}

/// Σ ledger, the stored balance, and the open holds of an account.
async fn books(app: &TestApp, account_id: &str) -> (i64, i64, i64) {
    let db = app.state.db.pool();
    let sum: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_ledger WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
    .unwrap();
    let stored = ledger::balance(&app.state.db, account_id).await.unwrap();
    let held = metering::held(&app.state.db, account_id).await.unwrap();
    (sum, stored, held)
}

async fn assert_books_balance(app: &TestApp, account_id: &str) -> i64 {
    let (sum, stored, _) = books(app, account_id).await;
    assert_eq!(sum, stored, "balance = Σ ledger");
    assert!(stored >= 0, "balance ≥ 0");
    // Every entry's balance_after is the running sum.
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT amount, balance_after FROM credit_ledger WHERE account_id = $1 ORDER BY seq",
    )
    .bind(account_id)
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    let mut running = 0;
    for (amount, after) in rows {
        running += amount;
        assert_eq!(running, after, "balance_after is the running sum");
        assert!(after >= 0);
    }
    stored
}

fn planner_body(count: usize) -> Value {
    let keywords: Vec<String> = (0..count)
        .map(|i| format!("keyword {i} topic{}", i % 7))
        .collect();
    json!({ "keywords": keywords })
}

async fn post_task(
    app: &TestApp,
    base: &str,
    access: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{base}{path}"))
        .bearer_auth(access)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn writer(app: &TestApp, access: &str, body: &Value) -> reqwest::Response {
    post_task(
        app,
        &app.address,
        access,
        "/api/v1/writer/tasks/",
        body,
        None,
    )
    .await
}

async fn planner(app: &TestApp, access: &str, body: &Value) -> reqwest::Response {
    post_task(
        app,
        &app.address,
        access,
        "/api/v1/planner/tasks/",
        body,
        None,
    )
    .await
}

// ------------------------------------------------------------------ the ledger as a model

fn entry<'a>(
    account_id: &'a str,
    at: i64,
    kind: EntryKind,
    amount: i64,
    key: &'a str,
) -> Entry<'a> {
    Entry {
        account_id,
        kind,
        amount,
        description: "model",
        reference_id: None,
        operation: None,
        actor: "test",
        idempotency_key: key,
        at,
    }
}

#[derive(Debug)]
struct Model {
    balance: i64,
    plan: i64,
    holds: Vec<(metering::Hold, i64, i64)>,
}

async fn ledger_matches_an_exact_model(app: TestApp) {
    let tenant = app.tenant("model@example.com").await;
    let account = tenant.account_id.as_str();
    let state = &app.state;
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut model = Model {
            balance: ledger::balance(&state.db, account).await.unwrap(),
            plan: sqlx::query_scalar("SELECT plan_credits FROM accounts WHERE id = $1")
                .bind(account)
                .fetch_one(state.db.pool())
                .await
                .unwrap(),
            holds: Vec::new(),
        };
        let mut used_keys: Vec<String> = Vec::new();
        for step in 0..40 {
            let key = format!("model:{seed}:{step}");
            let now = state.clock.now();
            match rng.gen_range(0..8) {
                0 => {
                    let amount = rng.gen_range(1..200);
                    let mut tx = state.db.begin().await.unwrap();
                    assert!(ledger::grant(
                        &mut tx,
                        entry(account, now, EntryKind::PlanGrant, amount, &key)
                    )
                    .await
                    .unwrap());
                    tx.commit().await.unwrap();
                    model.balance += amount;
                    model.plan += amount;
                    used_keys.push(key);
                }
                1 => {
                    let amount = rng.gen_range(1..200);
                    let mut tx = state.db.begin().await.unwrap();
                    assert!(ledger::grant(
                        &mut tx,
                        entry(account, now, EntryKind::Purchase, amount, &key)
                    )
                    .await
                    .unwrap());
                    tx.commit().await.unwrap();
                    model.balance += amount;
                    used_keys.push(key);
                }
                2 => {
                    let amount = rng.gen_range(-150..150);
                    let mut tx = state.db.begin().await.unwrap();
                    let applied = ledger::apply(
                        &mut tx,
                        entry(account, now, EntryKind::Adjustment, amount, &key),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                    if model.balance + amount >= 0 {
                        assert!(matches!(applied, Applied::Done { .. }));
                        model.balance += amount;
                    } else {
                        assert_eq!(
                            applied,
                            Applied::Insufficient {
                                available: model.balance
                            }
                        );
                    }
                }
                3 | 4 => {
                    let amount = rng.gen_range(1..120);
                    let result = metering::place_hold(
                        state,
                        account,
                        "test",
                        "writer.generate_outline",
                        amount,
                    )
                    .await;
                    if model.balance >= amount {
                        // A hold takes plan credits first and gives them back as plan credits.
                        let plan_part = model.plan.min(amount);
                        model
                            .holds
                            .push((result.expect("covered hold"), amount, plan_part));
                        model.balance -= amount;
                        model.plan -= plan_part;
                    } else {
                        let err = result.expect_err("uncovered hold");
                        assert_eq!(err.code(), "insufficient_credits");
                    }
                }
                5 if !model.holds.is_empty() => {
                    let (hold, amount, plan_part) =
                        model.holds.remove(rng.gen_range(0..model.holds.len()));
                    let cost = rng.gen_range(0..amount + 20);
                    let usage = Usage {
                        quantity: 1,
                        cost,
                        task_id: &key,
                        site_id: None,
                        actor: "test",
                    };
                    let charged = metering::settle(state, &hold, usage).await.unwrap();
                    let expected = cost.min(amount);
                    assert_eq!(charged, expected, "charge capped at the hold");
                    model.balance += amount - expected;
                    model.plan = (model.plan + plan_part - expected).max(0);
                }
                6 if !model.holds.is_empty() => {
                    let (hold, amount, plan_part) =
                        model.holds.remove(rng.gen_range(0..model.holds.len()));
                    metering::release(state, &hold, "test").await.unwrap();
                    // A second release gives nothing back.
                    metering::release(state, &hold, "test").await.unwrap();
                    model.balance += amount;
                    model.plan += plan_part;
                }
                7 => {
                    let mut tx = state.db.begin().await.unwrap();
                    ledger::expire_plan_credits(
                        &mut tx,
                        entry(account, now, EntryKind::Expiry, 0, &key),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                    let expiring = model.plan.min(model.balance);
                    model.balance -= expiring;
                    model.plan = 0;
                }
                _ => {
                    // Replaying an applied grant changes nothing.
                    if let Some(old) = used_keys.first() {
                        let mut tx = state.db.begin().await.unwrap();
                        assert!(!ledger::grant(
                            &mut tx,
                            entry(account, now, EntryKind::Purchase, 999, old)
                        )
                        .await
                        .unwrap());
                        tx.commit().await.unwrap();
                    }
                }
            }
            let stored = assert_books_balance(&app, account).await;
            assert_eq!(
                stored, model.balance,
                "seed {seed} step {step}: stored balance = model"
            );
            let plan: i64 = sqlx::query_scalar("SELECT plan_credits FROM accounts WHERE id = $1")
                .bind(account)
                .fetch_one(state.db.pool())
                .await
                .unwrap();
            assert_eq!(
                plan, model.plan,
                "seed {seed} step {step}: plan credits = model"
            );
            let held = metering::held(&state.db, account).await.unwrap();
            assert_eq!(held, model.holds.iter().map(|h| h.1).sum::<i64>());
        }
        for (hold, _, _) in model.holds.drain(..) {
            metering::release(state, &hold, "test").await.unwrap();
        }
    }
}

// ------------------------------------------------------------------ tasks over HTTP

async fn planner_task_charges_its_keywords_and_logs_usage(app: TestApp) {
    let tenant = tiny_tenant(&app, "planner@example.com", 100).await;
    let estimate = app
        .json(
            "/api/v1/billing/credits/estimate/?operation=planner.cluster_keywords&quantity=150",
            &tenant.access,
        )
        .await;
    assert_eq!(estimate["cost"], 4);
    assert_eq!(estimate["required"], 5);
    assert_eq!(estimate["available"], 100);
    assert_eq!(estimate["covered"], true);

    let response = planner(&app, &tenant.access, &planner_body(150)).await;
    assert_eq!(response.status(), 201);
    let task: Value = response.json().await.unwrap();
    assert_eq!(task["status"], "succeeded");
    assert_eq!(task["credits_charged"], 4);
    let clusters = task["result"]["clusters"].as_array().unwrap();
    let clustered: usize = clusters
        .iter()
        .map(|c| c["keywords"].as_array().unwrap().len())
        .sum();
    assert_eq!(clustered, 150, "every keyword lands in one cluster");

    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(balance["available"], 96);
    assert_eq!(balance["held"], 0);
    assert_eq!(assert_books_balance(&app, &tenant.account_id).await, 96);

    let id = task["id"].as_str().unwrap();
    let found = app
        .json(&format!("/api/v1/planner/tasks/{id}/"), &tenant.access)
        .await;
    assert_eq!(found["id"], id);
    let (other, _) = app
        .subscribed_tenant("other@example.com", "plan_starter")
        .await;
    let hidden = app
        .get_with_token(&format!("/api/v1/planner/tasks/{id}/"), &other.access)
        .await;
    assert_eq!(hidden.status(), 404, "another tenant's task is not there");
    let wrong_module = app
        .get_with_token(&format!("/api/v1/writer/tasks/{id}/"), &tenant.access)
        .await;
    assert_eq!(wrong_module.status(), 404);

    let logs = app
        .json("/api/v1/billing/credits/usage/", &tenant.access)
        .await;
    assert_eq!(logs["total"], 1);
    assert_eq!(logs["items"][0]["operation"], "planner.cluster_keywords");
    assert_eq!(logs["items"][0]["quantity"], 150);
    assert_eq!(logs["items"][0]["credits"], 4);
    assert_eq!(logs["items"][0]["task_id"], id);

    let ledger = app
        .json("/api/v1/billing/transactions/?kind=usage", &tenant.access)
        .await;
    assert_eq!(ledger["total"], 1);
    assert_eq!(ledger["items"][0]["amount"], -4);
    assert_eq!(ledger["items"][0]["operation"], "planner.cluster_keywords");
    let holds = app
        .json("/api/v1/billing/transactions/?kind=hold", &tenant.access)
        .await;
    assert_eq!(holds["items"][0]["amount"], -5);
    let bad = app
        .get_with_token("/api/v1/billing/transactions/?kind=gift", &tenant.access)
        .await;
    assert_eq!(bad.status(), 422);
}

async fn writer_article_is_charged_by_words_produced(app: TestApp) {
    let tenant = tiny_tenant(&app, "writer@example.com", 100).await;
    let body = json!({"kind": "article", "keyword": "trail running shoes", "words": 1500});
    let response = writer(&app, &tenant.access, &body).await;
    assert_eq!(response.status(), 201);
    let task: Value = response.json().await.unwrap();
    let words = task["result"]["words"].as_i64().unwrap();
    assert!(words > 1000 && words <= 1500, "{words}");
    // 10 credits per started 1,000 words; the hold was 20 + 20%.
    assert_eq!(task["credits_charged"], 20);
    assert_eq!(task["provider"], "offline templates");
    assert!(task["result"]["text"]
        .as_str()
        .unwrap()
        .contains("trail running shoes"));
    assert_eq!(app.balance(&tenant.access).await, 80);

    let invalid = post_task(
        &app,
        &app.address,
        &tenant.access,
        "/api/v1/writer/tasks/",
        &json!({"kind": "poem", "keyword": "x"}),
        None,
    )
    .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(
        app.balance(&tenant.access).await,
        80,
        "bad input changes nothing"
    );
}

async fn insufficient_credits_is_402_and_holds_nothing(app: TestApp) {
    let tenant = tiny_tenant(&app, "poor@example.com", 10).await;
    let body = json!({"kind": "article", "keyword": "x", "words": 1000});
    let response = writer(&app, &tenant.access, &body).await;
    assert_eq!(response.status(), 402);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "insufficient_credits");
    assert_eq!(error["error"]["required"], 12);
    assert_eq!(error["error"]["available"], 10);
    assert_eq!(
        error["error"]["purchase_url"],
        "/account/billing#credit-packages"
    );
    assert_eq!(error["error"]["upgrade_url"], "/account/plans");
    assert_eq!(
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tasks WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0,
        "no task started"
    );
    assert_eq!(
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM credit_holds WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        0
    );
    assert_eq!(app.balance(&tenant.access).await, 10);
    let estimate = app
        .json(
            "/api/v1/billing/credits/estimate/?operation=writer.generate_article&quantity=1000",
            &tenant.access,
        )
        .await;
    assert_eq!(estimate["covered"], false);
}

async fn modules_outside_the_plan_are_403(app: TestApp) {
    app.tiny_plan(100, "planner").await;
    let (tenant, _) = app
        .subscribed_tenant("planner-only@example.com", "plan_tiny")
        .await;
    let body = json!({"kind": "outline", "keyword": "x"});
    let response = writer(&app, &tenant.access, &body).await;
    assert_eq!(response.status(), 403);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "module_not_in_plan");
    assert_eq!(error["error"]["module"], "writer");
    assert_eq!(
        error["error"]["upgrade_url"],
        "/account/plans?highlight=starter"
    );
    assert_eq!(app.balance(&tenant.access).await, 100);
    let planless = app.tenant("planless@example.com").await;
    let response = planner(&app, &planless.access, &planner_body(3)).await;
    assert_eq!(response.status(), 402);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "plan_required");
}

/// 100 tasks at once against 10 holds' worth: every task that ran was paid for, the rest got
/// 402 with nothing held, and the books balance.
async fn concurrent_tasks_never_overspend(app: TestApp) {
    // An outline costs 5 and holds 6: 60 credits cover exactly 10 holds at once.
    let tenant = tiny_tenant(&app, "race@example.com", 60).await;
    let second = app.another_instance().await;
    let body = json!({"kind": "outline", "keyword": "race"});
    let requests = (0..100).map(|i| {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let app = &app;
        let access = tenant.access.clone();
        let body = body.clone();
        async move {
            post_task(app, &base, &access, "/api/v1/writer/tasks/", &body, None)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let ran = statuses.iter().filter(|s| **s == 201).count() as i64;
    let refused = statuses.iter().filter(|s| **s == 402).count() as i64;
    assert_eq!(ran + refused, 100, "only 201 or 402: {statuses:?}");
    // Whatever the timing, the first 10 holds always fit; each finished task frees 1 credit,
    // so at most (60 - 6) / 5 + 1 = 11 can ever run.
    assert!((10..=11).contains(&ran), "{ran} ran");
    let balance = assert_books_balance(&app, &tenant.account_id).await;
    assert_eq!(balance, 60 - 5 * ran, "every run paid exactly its cost");
    let (_, _, held) = books(&app, &tenant.account_id).await;
    assert_eq!(held, 0, "no hold left open");
    assert_eq!(
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tasks WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        ran
    );
}

/// Holds alone are exact: 100 concurrent holds of 6 against 60 → exactly 10.
async fn concurrent_holds_are_exact(app: TestApp) {
    let tenant = tiny_tenant(&app, "holds@example.com", 60).await;
    let state = &app.state;
    let holds = (0..100).map(|_| {
        metering::place_hold(
            state,
            &tenant.account_id,
            "test",
            "writer.generate_outline",
            6,
        )
    });
    let results = futures_util::future::join_all(holds).await;
    let placed: Vec<_> = results.into_iter().filter_map(Result::ok).collect();
    assert_eq!(placed.len(), 10);
    assert_eq!(assert_books_balance(&app, &tenant.account_id).await, 0);
    for hold in &placed {
        metering::release(state, hold, "test").await.unwrap();
    }
    assert_eq!(assert_books_balance(&app, &tenant.account_id).await, 60);
}

async fn replaying_a_task_key_runs_it_once(app: TestApp) {
    let tenant = tiny_tenant(&app, "replay@example.com", 1000).await;
    let body = json!({"kind": "outline", "keyword": "replay"});
    let mut first: Option<Value> = None;
    for _ in 0..100 {
        let response = post_task(
            &app,
            &app.address,
            &tenant.access,
            "/api/v1/writer/tasks/",
            &body,
            Some("task-key-1"),
        )
        .await;
        assert_eq!(response.status(), 201);
        let task: Value = response.json().await.unwrap();
        match &first {
            None => first = Some(task),
            Some(first) => assert_eq!(&task, first, "the first result, replayed"),
        }
    }
    assert_eq!(
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM tasks WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        1
    );
    assert_eq!(app.balance(&tenant.access).await, 995);
    let other = json!({"kind": "outline", "keyword": "something else"});
    let conflict = post_task(
        &app,
        &app.address,
        &tenant.access,
        "/api/v1/writer/tasks/",
        &other,
        Some("task-key-1"),
    )
    .await;
    assert_eq!(conflict.status(), 409);
    let error: Value = conflict.json().await.unwrap();
    assert_eq!(error["error"]["code"], "idempotency_conflict");
}

async fn unsettled_holds_expire_and_come_back(app: TestApp) {
    let tenant = tiny_tenant(&app, "expiry@example.com", 100).await;
    let hold = metering::place_hold(
        &app.state,
        &tenant.account_id,
        "test",
        "writer.generate_outline",
        30,
    )
    .await
    .unwrap();
    let balance = app
        .json("/api/v1/billing/transactions/balance/", &tenant.access)
        .await;
    assert_eq!(
        (
            balance["available"].as_i64(),
            balance["held"].as_i64(),
            balance["balance"].as_i64()
        ),
        (Some(70), Some(30), Some(100))
    );
    app.tick().await;
    assert_eq!(
        metering::held(&app.state.db, &tenant.account_id)
            .await
            .unwrap(),
        30,
        "not yet expired"
    );
    app.set_time(app.clock.now() + metering::HOLD_SECONDS + 1);
    app.tick().await;
    assert_eq!(
        metering::held(&app.state.db, &tenant.account_id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(assert_books_balance(&app, &tenant.account_id).await, 100);
    // The crashed task settling late finds its hold gone and gives nothing back twice.
    metering::release(&app.state, &hold, "test").await.unwrap();
    assert_eq!(assert_books_balance(&app, &tenant.account_id).await, 100);
}

/// The settlements the one-round-trip path leaves to the general one (`metering::settle_in`): a
/// hold closed before its task settles (charged from the balance, not given back twice) and a
/// task whose usage was charged before (its new hold goes back, the usage is not charged again).
async fn settlements_off_the_fast_path_keep_the_rules(app: TestApp) {
    let tenant = tiny_tenant(&app, "offpath@example.com", 100).await;
    let (state, account) = (&app.state, tenant.account_id.as_str());
    let hold =
        |amount| metering::place_hold(state, account, "test", "writer.generate_outline", amount);
    let usage = |cost, task_id| Usage {
        quantity: 1,
        cost,
        task_id,
        site_id: None,
        actor: "test",
    };
    let plan_credits = || async {
        sqlx::query_scalar::<_, i64>("SELECT plan_credits FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_one(state.db.pool())
            .await
            .unwrap()
    };

    let closed = hold(10).await.unwrap();
    metering::release(state, &closed, "test").await.unwrap();
    assert_eq!(
        metering::settle(state, &closed, usage(4, "task-late"))
            .await
            .unwrap(),
        4
    );
    assert_eq!(assert_books_balance(&app, account).await, 96);
    assert_eq!(plan_credits().await, 96);

    let first = hold(10).await.unwrap();
    metering::settle(state, &first, usage(3, "task-twice"))
        .await
        .unwrap();
    let again = hold(10).await.unwrap();
    metering::settle(state, &again, usage(5, "task-twice"))
        .await
        .unwrap();
    assert_eq!(
        assert_books_balance(&app, account).await,
        93,
        "usage charged once"
    );
    assert_eq!(plan_credits().await, 93);
    assert_eq!(metering::held(&state.db, account).await.unwrap(), 0);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM credit_ledger WHERE account_id = $1 AND kind <> 'plan_grant' ORDER BY seq",
    )
    .bind(account)
    .fetch_all(state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        kinds,
        ["hold", "release", "usage", "hold", "release", "usage", "hold", "release"]
    );
}

/// Plan credits are spent first; at renewal the unspent ones expire, purchased ones stay.
async fn plan_credits_go_first_and_expire_at_renewal(app: TestApp) {
    let tenant = tiny_tenant(&app, "order@example.com", 100).await;
    let bought = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(bought.status(), 201);
    let bought: Value = bought.json().await.unwrap();
    assert_eq!(bought["credits_granted"], true);
    assert_eq!(bought["invoice"]["purpose"], "credit_package");
    assert_eq!(app.balance(&tenant.access).await, 600);
    // Spend 40: all of it from the 100 plan credits.
    let body = json!({"kind": "outline", "keyword": "x"});
    for _ in 0..8 {
        let r = writer(&app, &tenant.access, &body).await;
        assert_eq!(r.status(), 201);
    }
    assert_eq!(app.balance(&tenant.access).await, 560);
    let subscription = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    let end = subscription["items"][0]["current_period_end"]
        .as_str()
        .unwrap()
        .to_string();
    let end =
        time::OffsetDateTime::parse(&end, &time::format_description::well_known::Rfc3339).unwrap();
    app.set_time(end.unix_timestamp() + 60);
    app.tick().await;
    // 60 unspent plan credits expired, the 500 purchased stayed, 100 new plan credits came.
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    assert_eq!(app.balance(&tenant.access).await, 600);
    let expiries = app
        .json("/api/v1/billing/transactions/?kind=expiry", &tenant.access)
        .await;
    assert_eq!(expiries["total"], 1);
    assert_eq!(expiries["items"][0]["amount"], -60);
    assert_books_balance(&app, &tenant.account_id).await;
}

async fn packages_are_bought_once_per_key_and_declines_grant_nothing(app: TestApp) {
    let tenant = tiny_tenant(&app, "packages@example.com", 100).await;
    let list = app
        .json("/api/v1/billing/credit-packages/", &tenant.access)
        .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pkg_small", "pkg_medium", "pkg_large"]);
    let buy = |key: &'static str| {
        let app = &app;
        let access = tenant.access.clone();
        async move {
            app.client
                .post(app.url("/api/v1/billing/credit-packages/pkg_medium/purchase/"))
                .bearer_auth(access)
                .header("Idempotency-Key", key)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
        }
    };
    let first: Value = buy("pkg-key").await.json().await.unwrap();
    for _ in 0..5 {
        let again: Value = buy("pkg-key").await.json().await.unwrap();
        assert_eq!(again["invoice"]["id"], first["invoice"]["id"]);
    }
    assert_eq!(
        app.balance(&tenant.access).await,
        2600,
        "granted exactly once"
    );
    assert_eq!(app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE account_id = $1 AND purpose = 'credit_package'", &tenant.account_id).await, 1);

    // The billing page's form carries a key made once per rendered form: submitting the same
    // form twice (a double click, a resent request) buys once.
    let form = [("package_id", "pkg_small"), ("request_key", "form-1")];
    let submit_form = || app.server_fn("/api/billing/buy-credits", &tenant.access, &form);
    let (first_form, second_form) = tokio::join!(submit_form(), submit_form());
    let first_form: Value = first_form.json().await.unwrap();
    let second_form: Value = second_form.json().await.unwrap();
    assert_eq!(first_form["invoice"]["id"], second_form["invoice"]["id"]);
    assert!(first_form["credits_granted"] == true || second_form["credits_granted"] == true);
    assert_eq!(
        app.balance(&tenant.access).await,
        3100,
        "one form, one purchase"
    );

    // A card that fails when charged: 402, an unpaid invoice, no credits.
    let failing = app
        .add_method(&tenant.access, &card_body("4000000000000341"))
        .await;
    let response = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            &tenant.access,
            &json!({"payment_method_id": failing["id"]}),
        )
        .await;
    assert_eq!(response.status(), 402);
    assert_eq!(app.balance(&tenant.access).await, 3100);
    let missing = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_nope/purchase/",
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), 404);
}

async fn bank_transfer_package_credits_arrive_on_approval(app: TestApp) {
    let tenant = tiny_tenant(&app, "bankpkg@example.com", 100).await;
    let bank = app
        .add_method(&tenant.access, &json!({"kind": "bank_transfer"}))
        .await;
    let response = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            &tenant.access,
            &json!({"payment_method_id": bank["id"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["credits_granted"], false);
    assert_eq!(body["invoice"]["status"], "open");
    assert_eq!(app.balance(&tenant.access).await, 100);
    let invoice_id = body["invoice"]["id"].as_str().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("invoice_id", invoice_id.to_string())
        .text("reference", "BANK-1");
    let submitted = app
        .client
        .post(app.url("/api/v1/billing/payments/manual/"))
        .bearer_auth(&tenant.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 201);
    let payment: Value = submitted.json().await.unwrap();
    let admin = app.admin().await;
    let approve = |admin: String, id: String| {
        let app = &app;
        async move {
            app.post_with_token(
                &format!("/api/v1/billing/admin/payments/{id}/approve/"),
                &admin,
                &json!({"note": "ok"}),
            )
            .await
            .status()
        }
    };
    let id = payment["id"].as_str().unwrap().to_string();
    let (a, b) = tokio::join!(
        approve(admin.clone(), id.clone()),
        approve(admin.clone(), id)
    );
    assert!(a.is_success() || b.is_success());
    assert_eq!(
        app.balance(&tenant.access).await,
        600,
        "granted once though two admins approved"
    );
}

async fn usage_summary_totals_per_operation_and_day(app: TestApp) {
    let tenant = tiny_tenant(&app, "summary@example.com", 1000).await;
    let outline = json!({"kind": "outline", "keyword": "x"});
    writer(&app, &tenant.access, &outline).await;
    app.set_time(app.clock.now() + 86_400);
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    writer(&app, &tenant.access, &outline).await;
    planner(&app, &tenant.access, &planner_body(250)).await;
    let summary = app
        .json("/api/v1/billing/credits/usage/summary/", &tenant.access)
        .await;
    assert_eq!(summary["total_credits"], 16);
    let days = summary["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["credits"], 11);
    assert_eq!(days[28]["credits"], 5);
    assert_eq!(
        days.iter()
            .map(|d| d["credits"].as_i64().unwrap())
            .sum::<i64>(),
        16
    );
    let ops = summary["by_operation"].as_array().unwrap();
    assert_eq!(ops[0]["operation"], "writer.generate_outline");
    assert_eq!(ops[0]["runs"], 2);
    assert_eq!(ops[0]["credits"], 10);
    assert_eq!(ops[1]["quantity"], 250);
    let today = &days[29]["day"];
    let only_today = app
        .json(
            &format!(
                "/api/v1/billing/credits/usage/?from={}&to={}",
                today.as_str().unwrap(),
                today.as_str().unwrap()
            ),
            &tenant.access,
        )
        .await;
    assert_eq!(only_today["total"], 2);
    let by_op = app
        .json(
            "/api/v1/billing/credits/usage/?operation=planner.cluster_keywords",
            &tenant.access,
        )
        .await;
    assert_eq!(by_op["total"], 1);
    let bad = app
        .get_with_token(
            "/api/v1/billing/credits/usage/?from=yesterday",
            &tenant.access,
        )
        .await;
    assert_eq!(bad.status(), 422);
    let paged = app
        .json(
            "/api/v1/billing/transactions/?page=2&page_size=2",
            &tenant.access,
        )
        .await;
    assert_eq!(paged["page"], 2);
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
}

async fn the_fault_switch_exists_only_when_enabled(app: TestApp) {
    let response = app
        .post_json("/api/v1/test/faults/", &json!({"balance": true}))
        .await;
    assert_eq!(response.status(), 404);
}

async fn admins_adjust_credits_with_a_reason_once(app: TestApp) {
    let tenant = tiny_tenant(&app, "adjust@example.com", 100).await;
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    let user_id = me["user"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/admin/users/{user_id}/adjust-credits/");
    let admin = app.admin().await;
    let adjust = |body: Value, key: &'static str| {
        let (app, admin, path) = (&app, admin.clone(), path.clone());
        async move {
            app.client
                .post(app.url(&path))
                .bearer_auth(admin)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        let response = adjust(json!({"amount": 250, "reason": "Goodwill"}), "adj-1").await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(app.balance(&tenant.access).await, 350, "applied once");
    let entry = app
        .json(
            "/api/v1/billing/transactions/?kind=adjustment",
            &tenant.access,
        )
        .await;
    assert_eq!(entry["total"], 1);
    assert_eq!(entry["items"][0]["description"], "Goodwill");
    let admin_id = app.json("/api/v1/auth/me/", &admin).await["user"]["id"].clone();
    assert_eq!(entry["items"][0]["actor"], admin_id);

    let below_zero = adjust(json!({"amount": -1000, "reason": "Oops"}), "adj-2").await;
    assert_eq!(below_zero.status(), 422);
    let no_reason = adjust(json!({"amount": 5, "reason": " "}), "adj-3").await;
    assert_eq!(no_reason.status(), 422);
    assert_eq!(
        app.balance(&tenant.access).await,
        350,
        "refused adjustments change nothing"
    );
    let tenant_tries = app
        .post_with_token(&path, &tenant.access, &json!({"amount": 5, "reason": "me"}))
        .await;
    assert_eq!(tenant_tries.status(), 403);
    let body: Value = tenant_tries.json().await.unwrap();
    assert_eq!(body["error"]["code"], "admin_required");
}

/// A stand-in for an OpenAI-compatible chat-completions service: answers with fixed text, or
/// fails when told to; records the bearer token it was given.
mod ai_service {
    use super::*;
    use axum::routing::post;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Mock {
        pub fail: Arc<std::sync::atomic::AtomicBool>,
        pub seen_keys: Arc<Mutex<Vec<String>>>,
    }

    pub async fn start(mock: Mock) -> String {
        let app = axum::Router::new().route(
            "/v1/chat/completions",
            post(move |headers: axum::http::HeaderMap, body: axum::Json<Value>| {
                let mock = mock.clone();
                async move {
                    let key = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    mock.seen_keys.lock().unwrap().push(key.to_string());
                    if mock.fail.load(std::sync::atomic::Ordering::Relaxed) {
                        return (axum::http::StatusCode::BAD_GATEWAY, axum::Json(json!({"error": "down"})));
                    }
                    let prompt = body["messages"][1]["content"].as_str().unwrap_or_default().to_string();
                    let text = format!("# {prompt}\n\nOne two three four five six seven eight nine ten.");
                    (axum::http::StatusCode::OK, axum::Json(json!({"choices": [{"message": {"role": "assistant", "content": text}}]})))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{address}/v1")
    }

    async fn the_writer_calls_the_configured_ai_service(engine: crate::helpers::Engine) {
        let mock = Mock::default();
        let base = start(mock.clone()).await;
        let vars = [
            ("AI_BASE_URL", base.as_str()),
            ("AI_API_KEY", "sk-test-123"),
            ("AI_MODEL", "mock-model"),
        ];
        let Some(app) = TestApp::spawn_with(engine, &vars).await else {
            return;
        };
        let tenant = tiny_tenant(&app, "ai@example.com", 100).await;
        let body = json!({"kind": "article", "keyword": "solar panels", "words": 500});
        let response = writer(&app, &tenant.access, &body).await;
        assert_eq!(response.status(), 201);
        let task: Value = response.json().await.unwrap();
        assert_eq!(task["provider"], "mock-model");
        assert!(task["result"]["text"]
            .as_str()
            .unwrap()
            .starts_with("# solar panels"));
        assert_eq!(
            task["credits_charged"], 10,
            "one started block of 1,000 words"
        );
        assert_eq!(
            mock.seen_keys.lock().unwrap().as_slice(),
            ["Bearer sk-test-123"]
        );

        // The service fails: 503, nothing charged, nothing left held.
        mock.fail.store(true, std::sync::atomic::Ordering::Relaxed);
        let response = writer(&app, &tenant.access, &body).await;
        assert_eq!(response.status(), 503);
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No credits were charged"));
        assert_eq!(app.balance(&tenant.access).await, 90);
        let (_, _, held) = books(&app, &tenant.account_id).await;
        assert_eq!(held, 0);
        assert_books_balance(&app, &tenant.account_id).await;
    }

    crate::on_both_engines!(engine: the_writer_calls_the_configured_ai_service);
}

crate::on_both_engines!(
    ledger_matches_an_exact_model,
    admins_adjust_credits_with_a_reason_once,
    planner_task_charges_its_keywords_and_logs_usage,
    writer_article_is_charged_by_words_produced,
    insufficient_credits_is_402_and_holds_nothing,
    modules_outside_the_plan_are_403,
    concurrent_tasks_never_overspend,
    concurrent_holds_are_exact,
    replaying_a_task_key_runs_it_once,
    unsettled_holds_expire_and_come_back,
    settlements_off_the_fast_path_keep_the_rules,
    plan_credits_go_first_and_expire_at_renewal,
    packages_are_bought_once_per_key_and_declines_grant_nothing,
    bank_transfer_package_credits_arrive_on_approval,
    usage_summary_totals_per_operation_and_day,
    the_fault_switch_exists_only_when_enabled,
);

/// A database migrated up to 0011 with ledger entries on it: migration 0012 starts each
/// account's sequence counter where its entries end, so entries after the upgrade continue the
/// numbering (the unique `(account_id, seq)` index would refuse a repeated number).
mod ledger_sequence_upgrade {
    use super::*;
    use crate::helpers::{Engine, TestDatabase};
    use app::backend::db::MIGRATOR;
    use app::backend::Db;
    use sqlx::migrate::Migrator;

    async fn entries_continue_the_sequence_after_the_upgrade(engine: Engine) {
        let Some(database) = TestDatabase::create(engine).await else {
            return;
        };
        let db = Db::connect(&database.url).await.unwrap();
        let before_0012 = Migrator {
            migrations: MIGRATOR
                .iter()
                .filter(|m| m.version < 12)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..Migrator::DEFAULT
        };
        before_0012.run(db.writer()).await.unwrap();
        sqlx::query("INSERT INTO accounts (id, name, slug, created_at, credit_balance) VALUES ('acc_old', 'Old', 'old', 0, 30)")
            .execute(db.writer())
            .await
            .unwrap();
        for seq in 1..=3i64 {
            sqlx::query(
                "INSERT INTO credit_ledger (id, account_id, seq, kind, amount, balance_after, description, \
                 actor, idempotency_key, created_at) VALUES ($1, 'acc_old', $2, 'adjustment', 10, $3, 'old', 'system', $1, 0)",
            )
            .bind(format!("old-{seq}"))
            .bind(seq)
            .bind(seq * 10)
            .execute(db.writer())
            .await
            .unwrap();
        }
        db.migrate().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        let applied = ledger::apply(
            &mut tx,
            entry("acc_old", 1, EntryKind::Adjustment, -5, "new-1"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(matches!(
            applied,
            Applied::Done {
                balance_after: 25,
                ..
            }
        ));
        let newest: (i64, i64) = sqlx::query_as(
            "SELECT seq, balance_after FROM credit_ledger WHERE idempotency_key = 'new-1'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(newest, (4, 25));
        db.close().await;
    }

    crate::on_both_engines!(engine: entries_continue_the_sequence_after_the_upgrade);
}

/// Servers started with `FAULT_INJECTION=true`.
mod with_faults {
    use super::*;

    async fn the_fault_switch_makes_the_balance_unavailable(engine: crate::helpers::Engine) {
        let Some(app) = TestApp::spawn_with(engine, &[("FAULT_INJECTION", "true")]).await else {
            return;
        };
        let tenant = tiny_tenant(&app, "fault@example.com", 100).await;
        assert_eq!(
            app.post_json("/api/v1/test/faults/", &json!({"balance": true}))
                .await
                .status(),
            200
        );
        let response = app
            .get_with_token("/api/v1/billing/transactions/balance/", &tenant.access)
            .await;
        assert_eq!(response.status(), 503);
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().len() > 5);
        assert_eq!(
            app.post_json("/api/v1/test/faults/", &json!({"balance": false}))
                .await
                .status(),
            200
        );
        assert_eq!(app.balance(&tenant.access).await, 100);
    }

    crate::on_both_engines!(engine: the_fault_switch_makes_the_balance_unavailable);
}

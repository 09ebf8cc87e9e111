//! The admin API: every endpoint and server function refuses tenants with 403
//! `admin_required`; the overview's figures against a fixture with known totals; account search,
//! filters and sort; the CSV exports parsed back; the catalog edits and their audit entries.

use crate::helpers::{card_body, TestApp};
use serde_json::{json, Value};

/// A minimal CSV reader (quoted fields, doubled quotes, CRLF), to parse exports back.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

async fn refused_to_tenants(app: TestApp) {
    let tenant = app.tenant("not-admin@example.com").await;
    let gets = [
        "/api/v1/admin/billing/stats/",
        "/api/v1/admin/users/",
        "/api/v1/admin/users/?format=csv",
        "/api/v1/admin/audit/",
        "/api/v1/admin/credit-costs/",
        "/api/v1/admin/credit-packages/",
        "/api/v1/admin/outbox/",
        "/api/v1/billing/admin/payments/",
        "/api/v1/billing/admin/payments/?format=csv",
        "/api/v1/billing/admin/pending_payments/",
        "/api/v1/admin/subscriptions/",
        "/api/v1/admin/invoices/",
        "/api/v1/admin/invoices/?format=csv",
        "/api/v1/admin/plans/",
    ];
    for path in gets {
        let response = app.get_with_token(path, &tenant.access).await;
        assert_eq!(response.status(), 403, "GET {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "admin_required", "GET {path}");
        let anonymous = app.get(path).await;
        assert_eq!(anonymous.status(), 401, "GET {path} signed out");
    }
    let writes = [
        (
            "POST",
            "/api/v1/admin/users/user_x/adjust-credits/",
            json!({"amount": 5, "reason": "x"}),
        ),
        (
            "PUT",
            "/api/v1/admin/credit-costs/",
            json!({"items": [{"operation": "writer.generate_outline", "credits": 1}]}),
        ),
        (
            "POST",
            "/api/v1/admin/credit-packages/",
            json!({"name": "X", "credits": 1, "price": 1}),
        ),
        (
            "PUT",
            "/api/v1/admin/credit-packages/pkg_small/",
            json!({"name": "X", "credits": 1, "price": 1}),
        ),
        (
            "DELETE",
            "/api/v1/admin/credit-packages/pkg_small/",
            json!({}),
        ),
        (
            "POST",
            "/api/v1/admin/subscriptions/sub_x/refresh/",
            json!({}),
        ),
        (
            "POST",
            "/api/v1/billing/admin/payments/pay_x/approve/",
            json!({}),
        ),
        (
            "POST",
            "/api/v1/billing/admin/payments/pay_x/reject/",
            json!({}),
        ),
    ];
    for (method, path, body) in writes {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&tenant.access)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "admin_required", "{method} {path}");
    }
    let server_fns: [(&str, &[(&str, &str)]); 22] = [
        (
            "/api/admin/payments",
            &[
                ("status", ""),
                ("method", ""),
                ("account_id", ""),
                ("from", ""),
                ("to", ""),
                ("page", "1"),
            ],
        ),
        ("/api/admin/plans", &[]),
        (
            "/api/admin/save-plan",
            &[
                ("id", ""),
                ("slug", "x"),
                ("name", "X"),
                ("currency", "USD"),
                ("price_month", "1"),
                ("price_year", "1"),
                ("credits_per_period", "1"),
                ("limit_sites", "1"),
                ("limit_seats", "1"),
                ("features", ""),
            ],
        ),
        (
            "/api/admin/invoices",
            &[
                ("status", ""),
                ("account_id", ""),
                ("from", ""),
                ("to", ""),
                ("page", "1"),
            ],
        ),
        (
            "/api/admin/void-invoice",
            &[("id", "inv_x"), ("reason", "x")],
        ),
        (
            "/api/admin/subscriptions",
            &[("account_id", ""), ("status", ""), ("page", "1")],
        ),
        (
            "/api/admin/subscription-action",
            &[("id", "sub_x"), ("action", "cancel_now"), ("note", "")],
        ),
        ("/api/admin/stats", &[]),
        (
            "/api/admin/users",
            &[("query[sort]", "created"), ("page", "1")],
        ),
        ("/api/admin/user", &[("user_id", "user_x")]),
        ("/api/admin/account-ledger", &[("user_id", "user_x")]),
        ("/api/admin/test-clock", &[("user_id", "user_x")]),
        ("/api/admin/attach-test-clock", &[("account_id", "acct_x")]),
        (
            "/api/admin/advance-test-clock",
            &[("account_id", "acct_x"), ("by", "day")],
        ),
        (
            "/api/admin/adjust-credits",
            &[
                ("user_id", "x"),
                ("amount", "5"),
                ("reason", "x"),
                ("request_key", "k"),
            ],
        ),
        (
            "/api/admin/credit-costs",
            &[("operation", "writer.generate_outline"), ("credits", "1")],
        ),
        ("/api/admin/credit-packages", &[]),
        (
            "/api/admin/save-package",
            &[
                ("id", ""),
                ("name", "X"),
                ("credits", "1"),
                ("price", "1"),
                ("currency", "USD"),
            ],
        ),
        (
            "/api/admin/move-package",
            &[("id", "pkg_small"), ("step", "1")],
        ),
        ("/api/admin/audit", &[("query[action]", ""), ("page", "1")]),
        ("/api/admin/outbox", &[]),
        ("/api/admin/pending-payments", &[]),
    ];
    for (path, form) in server_fns {
        let response = app.server_fn(path, &tenant.access, form).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    // Nothing changed: the catalog is as seeded.
    let packages = app
        .json("/api/v1/billing/credit-packages/", &tenant.access)
        .await;
    assert_eq!(packages["items"].as_array().unwrap().len(), 3);
}

async fn stats_add_up_from_a_known_fixture(app: TestApp) {
    let admin = app.admin().await;
    // Starter monthly ($29), Growth yearly ($790 → $65.83 a month), one bank transfer waiting
    // for approval, one declined card.
    let (starter, _) = app
        .subscribed_tenant("s1@example.com", "plan_starter")
        .await;
    let growth = app.tenant("g1@example.com").await;
    app.add_method(&growth.access, &card_body("4242424242424242"))
        .await;
    assert_eq!(
        app.subscribe(&growth.access, "plan_growth", "year")
            .await
            .status(),
        201
    );
    let (waiting, pending) = crate::billing::bank_transfer_tenant(&app, "w1@example.com").await;
    let submitted = crate::billing::manual_payment(
        &app,
        &waiting.access,
        crate::billing::receipt_form(
            pending["invoice"]["id"].as_str().unwrap(),
            "REF-1",
            Some((crate::billing::PNG, "r.png")),
        ),
    )
    .await;
    assert_eq!(submitted.status(), 201);
    let declined = app.tenant("d1@example.com").await;
    app.add_method(&declined.access, &card_body("4000000000000341"))
        .await;
    assert_eq!(
        app.subscribe(&declined.access, "plan_starter", "month")
            .await
            .status(),
        402
    );
    let task = app
        .post_with_token(
            "/api/v1/writer/tasks/",
            &starter.access,
            &json!({"kind": "outline", "keyword": "x"}),
        )
        .await;
    assert_eq!(task.status(), 201);

    let stats = app.json("/api/v1/admin/billing/stats/", &admin).await;
    assert_eq!(
        stats["accounts_total"], 4,
        "the admin's own account is not a tenant"
    );
    assert_eq!(stats["accounts_new_this_month"], 4);
    assert_eq!(
        stats["subscriptions_by_plan"],
        json!([["Starter", 1], ["Growth", 1]]),
        "pending and failed subscriptions are not active"
    );
    assert_eq!(
        stats["mrr"],
        json!([{"amount": 2900 + 6583, "currency": "USD"}])
    );
    assert_eq!(
        stats["revenue_this_month"],
        json!([{"amount": 2900 + 79000, "currency": "USD"}])
    );
    let months = stats["revenue_by_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(
        months[11],
        json!({"month": "2026-01", "value": 2900 + 79000})
    );
    assert_eq!(months[0]["value"], 0);
    let credits = stats["credits_by_month"].as_array().unwrap();
    assert_eq!(
        credits[11],
        json!({"month": "2026-01", "granted": 1000 + 5000, "used": 5})
    );
    assert_eq!(stats["pending_approvals"], 1);
    assert_eq!(stats["failed_payments_7d"], 1);
}

async fn accounts_are_found_filtered_sorted_and_exported(app: TestApp) {
    let admin = app.admin().await;
    let (rich, _) = app
        .subscribed_tenant("rich@example.com", "plan_growth")
        .await;
    app.subscribed_tenant("poor@example.com", "plan_starter")
        .await;
    // A name that needs quoting in CSV, and one that looks like a formula.
    app.register("odd@example.com", "Acme, \"Quoted\" Ltd")
        .await;
    app.register("formula@example.com", "=HYPERLINK(1)").await;

    let found = app.json("/api/v1/admin/users/?q=RICH@", &admin).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["email"], "rich@example.com");
    assert_eq!(found["items"][0]["plan"], "Growth");
    assert_eq!(found["items"][0]["credit_balance"], 5000);
    assert_eq!(found["items"][0]["account_id"], rich.account_id.as_str());
    let wildcard = app.json("/api/v1/admin/users/?q=%25", &admin).await;
    assert_eq!(
        wildcard["total"], 0,
        "a typed % is a character, not a wildcard"
    );
    let starter = app.json("/api/v1/admin/users/?plan=starter", &admin).await;
    assert_eq!(starter["total"], 1);
    let none = app.json("/api/v1/admin/users/?status=none", &admin).await;
    assert_eq!(none["total"], 2);
    let by_balance = app
        .json("/api/v1/admin/users/?sort=balance&page_size=2", &admin)
        .await;
    assert_eq!(by_balance["items"][0]["email"], "rich@example.com");
    assert_eq!(by_balance["items"][1]["email"], "poor@example.com");
    assert_eq!(by_balance["total"], 4);

    // The export has the same rows as the list, with the same filters, and parses back.
    let list = app
        .json("/api/v1/admin/users/?sort=email&page_size=200", &admin)
        .await;
    let response = app
        .get_with_token("/api/v1/admin/users/?sort=email&format=csv", &admin)
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows[0][..3], ["user_id", "email", "full_name"]);
    assert_eq!(rows.len() - 1, list["items"].as_array().unwrap().len());
    for (row, item) in rows[1..].iter().zip(list["items"].as_array().unwrap()) {
        assert_eq!(row[0], item["user_id"].as_str().unwrap());
        assert_eq!(row[1], item["email"].as_str().unwrap());
        let name = item["account_name"].as_str().unwrap();
        if name.starts_with('=') {
            assert_eq!(row[5], format!("'{name}"), "formulas are defused");
        } else {
            assert_eq!(row[5], name);
        }
        assert_eq!(row[9], item["credit_balance"].to_string());
    }
    let filtered = app
        .get_with_token("/api/v1/admin/users/?plan=growth&format=csv", &admin)
        .await;
    let rows = parse_csv(&filtered.text().await.unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], "rich@example.com");
}

async fn payments_are_filtered_and_exported(app: TestApp) {
    let admin = app.admin().await;
    let (card, _) = app
        .subscribed_tenant("card-payer@example.com", "plan_starter")
        .await;
    let transfer = app.tenant("transfer-payer@example.com").await;
    app.add_method(&transfer.access, &json!({"kind": "bank_transfer"}))
        .await;
    app.subscribe(&transfer.access, "plan_starter", "month")
        .await;
    let all = app.json("/api/v1/billing/admin/payments/", &admin).await;
    assert_eq!(
        all["total"], 1,
        "a transfer has no payment until it is submitted"
    );
    let by_account = app
        .json(
            &format!(
                "/api/v1/billing/admin/payments/?account_id={}",
                card.account_id
            ),
            &admin,
        )
        .await;
    assert_eq!(by_account["total"], 1);
    let by_method = app
        .json("/api/v1/billing/admin/payments/?method=paypal", &admin)
        .await;
    assert_eq!(by_method["total"], 0);
    let today = app
        .json(
            "/api/v1/billing/admin/payments/?from=2026-01-15&to=2026-01-15&status=succeeded",
            &admin,
        )
        .await;
    assert_eq!(today["total"], 1);
    let later = app
        .json("/api/v1/billing/admin/payments/?from=2026-01-16", &admin)
        .await;
    assert_eq!(later["total"], 0);
    let bad = app
        .get_with_token("/api/v1/billing/admin/payments/?from=yesterday", &admin)
        .await;
    assert_eq!(bad.status(), 422);

    let csv = app
        .get_with_token(
            "/api/v1/billing/admin/payments/?status=succeeded&format=csv",
            &admin,
        )
        .await;
    let rows = parse_csv(&csv.text().await.unwrap());
    assert_eq!(rows[0][0], "id");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], all["items"][0]["id"].as_str().unwrap());
    assert_eq!(rows[1][5], "succeeded");
    assert_eq!(rows[1][6], "29.00");
    assert_eq!(rows[1][7], "USD");

    // The page's server function: the same filters, empty ones meaning "any".
    let page = |status: &'static str, method: &'static str, from: &'static str| {
        let form = [
            ("status", status),
            ("method", method),
            ("account_id", ""),
            ("from", from),
            ("to", ""),
            ("page", "1"),
        ];
        let app = &app;
        let admin = admin.clone();
        async move {
            let response = app.server_fn("/api/admin/payments", &admin, &form).await;
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, every) = page("", "", "").await;
    assert_eq!(status, 200);
    assert_eq!(every["total"], 1);
    assert_eq!(every["items"][0]["method_kind"], "card");
    assert_eq!(page("succeeded", "card", "2026-01-15").await.1["total"], 1);
    assert_eq!(page("failed", "", "").await.1["total"], 0);
    assert_eq!(page("", "bank_transfer", "").await.1["total"], 0);
    assert_eq!(page("", "", "2026-01-16").await.1["total"], 0);
    assert_eq!(page("", "", "not a date").await.0, 422);
}

async fn catalog_edits_reach_tenants_and_are_audited(app: TestApp) {
    let admin = app.admin().await;
    let (tenant, _) = app
        .subscribed_tenant("catalog@example.com", "plan_starter")
        .await;

    // Credit pricing: validated, then applied to tasks started afterwards.
    let zero = app
        .put_with_token(
            "/api/v1/admin/credit-costs/",
            &admin,
            &json!({"items": [{"operation": "writer.generate_outline", "credits": 0}]}),
        )
        .await;
    assert_eq!(zero.status(), 422);
    let changed = app
        .put_with_token(
            "/api/v1/admin/credit-costs/",
            &admin,
            &json!({"items": [{"operation": "writer.generate_outline", "credits": 7}]}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let task: Value = app
        .post_with_token(
            "/api/v1/writer/tasks/",
            &tenant.access,
            &json!({"kind": "outline", "keyword": "x"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(task["credits_charged"], 7);

    // Packages: edit, create, reorder, deactivate; tenants see the active ones in order.
    let edited = app
        .put_with_token(
            "/api/v1/admin/credit-packages/pkg_small/",
            &admin,
            &json!({"name": "Starter pack", "credits": 600, "price": 1500, "currency": "USD"}),
        )
        .await;
    assert_eq!(edited.status(), 200);
    let bad = app
        .client
        .post(app.url("/api/v1/admin/credit-packages/"))
        .bearer_auth(&admin)
        .json(&json!({"name": "", "credits": 0, "price": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: Value = bad.json().await.unwrap();
    for field in ["name", "credits", "price"] {
        assert!(error["error"]["fields"][field].is_string(), "{field}");
    }
    let created: Value = app
        .client
        .post(app.url("/api/v1/admin/credit-packages/"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Huge", "credits": 50000, "price": 30000, "currency": "USD", "sort_order": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deactivated = app
        .client
        .delete(app.url("/api/v1/admin/credit-packages/pkg_medium/"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), 200);
    let seen = app
        .json("/api/v1/billing/credit-packages/", &tenant.access)
        .await;
    let names: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "the deactivated package is hidden: {names:?}"
    );
    assert_eq!(names[..2], ["Huge", "Starter pack"]);
    assert_eq!(seen["items"][1]["credits"], 600);
    let gone = app
        .post_with_token(
            "/api/v1/billing/credit-packages/pkg_medium/purchase/",
            &tenant.access,
            &json!({}),
        )
        .await;
    assert_eq!(gone.status(), 404, "an inactive package cannot be bought");

    // Every action is on record, with the admin, before and after.
    let audit = app.json("/api/v1/admin/audit/", &admin).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "credit_cost.update",
        "credit_package.update",
        "credit_package.create",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "credit_package.update")
            .count(),
        2,
        "the edit and the deactivation"
    );
    let cost = app
        .json("/api/v1/admin/audit/?action=credit_cost.update", &admin)
        .await;
    assert_eq!(cost["total"], 1);
    assert_eq!(cost["items"][0]["actor_email"], crate::helpers::ADMIN_EMAIL);
    assert_eq!(cost["items"][0]["before"], json!({"credits": 5}));
    assert_eq!(cost["items"][0]["after"], json!({"credits": 7}));
    let by_target = app
        .json(
            &format!(
                "/api/v1/admin/audit/?target_id={}",
                created["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(by_target["total"], 1);
}

async fn credit_adjustments_and_payment_decisions_are_audited(app: TestApp) {
    use crate::billing::{bank_transfer_tenant, manual_payment, receipt_form, PNG};
    let admin = app.admin().await;
    let (tenant, subscribed) = bank_transfer_tenant(&app, "audited@example.com").await;
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    let user_id = me["user"]["id"].as_str().unwrap();
    let adjusted = app
        .post_with_token(
            &format!("/api/v1/admin/users/{user_id}/adjust-credits/"),
            &admin,
            &json!({"amount": 250, "reason": "Goodwill for the outage"}),
        )
        .await;
    assert_eq!(adjusted.status(), 200);
    let entries = app
        .json("/api/v1/admin/audit/?action=credits.adjust", &admin)
        .await;
    assert_eq!(entries["total"], 1);
    let entry = &entries["items"][0];
    assert_eq!(entry["target_id"], tenant.account_id.as_str());
    assert_eq!(entry["before"], json!({"balance": 0}));
    assert_eq!(entry["after"], json!({"balance": 250, "amount": 250}));
    assert_eq!(entry["reason"], "Goodwill for the outage");

    // A manual payment approved by the admin.
    let invoice = subscribed["invoice"]["id"].as_str().unwrap();
    let submitted: Value = manual_payment(
        &app,
        &tenant.access,
        receipt_form(invoice, "BANK-REF-1", Some((PNG, "r.png"))),
    )
    .await
    .json()
    .await
    .unwrap();
    let payment = submitted["id"].as_str().unwrap();
    let approved = app
        .post_with_token(
            &format!("/api/v1/billing/admin/payments/{payment}/approve/"),
            &admin,
            &json!({"note": "Seen on the statement"}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let decisions = app
        .json(&format!("/api/v1/admin/audit/?target_id={payment}"), &admin)
        .await;
    assert_eq!(decisions["total"], 1);
    assert_eq!(decisions["items"][0]["action"], "payment.approve");
    assert_eq!(decisions["items"][0]["reason"], "Seen on the statement");
    assert_eq!(decisions["items"][0]["after"]["status"], "succeeded");
}

async fn admins_activate_and_cancel_subscriptions(app: TestApp) {
    use crate::billing::bank_transfer_tenant;
    let admin = app.admin().await;
    let (tenant, pending) = bank_transfer_tenant(&app, "offline@example.com").await;
    let sub_id = pending["subscription"]["id"].as_str().unwrap().to_string();
    let listed = app
        .json(
            &format!(
                "/api/v1/admin/subscriptions/?account_id={}",
                tenant.account_id
            ),
            &admin,
        )
        .await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["status"], "pending_payment");
    let by_status = app
        .json("/api/v1/admin/subscriptions/?status=active", &admin)
        .await;
    assert_eq!(by_status["total"], 0);

    let no_note = app
        .post_with_token(
            &format!("/api/v1/admin/subscriptions/{sub_id}/activate/"),
            &admin,
            &json!({"note": " "}),
        )
        .await;
    assert_eq!(no_note.status(), 422);
    let activated = app
        .post_with_token(
            &format!("/api/v1/admin/subscriptions/{sub_id}/activate/"),
            &admin,
            &json!({"note": "Paid by cheque 0042"}),
        )
        .await;
    assert_eq!(activated.status(), 204);
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert_eq!(me["account"]["subscription_status"], "active");
    assert_eq!(
        app.balance(&tenant.access).await,
        5000,
        "the plan's credits, once"
    );
    let again = app
        .post_with_token(
            &format!("/api/v1/admin/subscriptions/{sub_id}/activate/"),
            &admin,
            &json!({"note": "again"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(app.balance(&tenant.access).await, 5000);

    // Without a body, as with `{}`: at the end of the period, never at once by default.
    let at_end = app
        .client
        .post(app.url(&format!("/api/v1/admin/subscriptions/{sub_id}/cancel/")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(at_end.status(), 204);
    let listed = app
        .json(
            &format!(
                "/api/v1/admin/subscriptions/?account_id={}",
                tenant.account_id
            ),
            &admin,
        )
        .await;
    assert_eq!(listed["items"][0]["cancel_at_period_end"], true);
    assert_eq!(listed["items"][0]["status"], "active");
    let now = app
        .post_with_token(
            &format!("/api/v1/admin/subscriptions/{sub_id}/cancel/"),
            &admin,
            &json!({"at_period_end": false, "note": "Fraud"}),
        )
        .await;
    assert_eq!(now.status(), 204);
    let me = app.json("/api/v1/auth/me/", &tenant.access).await;
    assert!(me["account"]["plan"].is_null());
    let audit = app
        .json(&format!("/api/v1/admin/audit/?target_id={sub_id}"), &admin)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // The test clock stands still, so the entries share a second: still newest first.
    assert_eq!(
        actions,
        [
            "subscription.cancel_now",
            "subscription.cancel_at_period_end",
            "subscription.activate",
        ]
    );
}

/// The browser sends a filter with every field empty as no field at all; the list server
/// functions must still answer (this was a 422 on client-side navigation).
async fn list_server_functions_accept_empty_filters(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("filters@example.com", "plan_starter")
        .await;
    for (path, form) in [
        ("/api/billing/usage-summary", vec![]),
        ("/api/billing/ledger", vec![("page", "1")]),
        ("/api/billing/usage-logs", vec![("page", "1")]),
    ] {
        let response = app.server_fn(path, &tenant.access, &form).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let admin = app.admin().await;
    for (path, form) in [
        ("/api/admin/users", vec![("page", "1")]),
        ("/api/admin/audit", vec![("page", "1")]),
    ] {
        let response = app.server_fn(path, &admin, &form).await;
        assert_eq!(response.status(), 200, "{path}");
    }
}

async fn admins_refresh_a_subscription(app: TestApp) {
    // Anchored on Jan 31 2027: the first period ends Feb 28.
    app.set_time(1_801_389_600);
    let (_, body) = app
        .subscribed_tenant("refresh@example.com", "plan_starter")
        .await;
    let id = body["subscription"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/admin/subscriptions/{id}/refresh/");
    let invoices = "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE subscription_id = $1";
    let admin = app.admin().await;
    let early = app.post_with_token(&path, &admin, &json!({})).await;
    assert_eq!(early.status(), 200);
    let early: Value = early.json().await.unwrap();
    assert_eq!(early["outcome"], "up_to_date");
    assert_eq!(early["status"], "active");
    assert_eq!(app.count(invoices, &id).await, 1);

    // The period has ended and the scheduler has not run yet: refresh renews it now.
    app.set_time(1_803_808_800);
    let admin = app.admin().await;
    let renewed: Value = app
        .post_with_token(&path, &admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renewed["status_before"], "active");
    assert_eq!(renewed["outcome"], "renewed");
    assert_eq!(renewed["status"], "active");
    assert_eq!(app.count(invoices, &id).await, 2);
    // Neither a second refresh nor the scheduler renews the same period again.
    let again = app
        .server_fn(
            "/api/admin/subscription-action",
            &admin,
            &[("id", id.as_str()), ("action", "refresh")],
        )
        .await;
    assert_eq!(again.status(), 200);
    let notice: String = again.json().await.unwrap();
    assert!(notice.starts_with("Nothing was due"), "{notice}");
    app.tick().await;
    assert_eq!(app.count(invoices, &id).await, 2);

    let missing = app
        .post_with_token(
            "/api/v1/admin/subscriptions/sub_missing/refresh/",
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    let audit = app
        .json(
            &format!("/api/v1/admin/audit/?target_id={id}&action=subscription.refresh"),
            &admin,
        )
        .await;
    assert_eq!(audit["total"], 3);
}

async fn invoices_are_filtered_exported_and_voided(app: TestApp) {
    use crate::billing::{bank_transfer_tenant, manual_payment, receipt_form, PNG};
    let admin = app.admin().await;
    let (paid, _) = app
        .subscribed_tenant("inv-paid@example.com", "plan_starter")
        .await;
    let (open, pending) = bank_transfer_tenant(&app, "inv-open@example.com").await;
    let open_invoice = pending["invoice"]["id"].as_str().unwrap().to_string();
    let waiting = manual_payment(
        &app,
        &open.access,
        receipt_form(&open_invoice, "REF-9", Some((PNG, "r.png"))),
    )
    .await;
    assert_eq!(waiting.status(), 201);

    let all = app.json("/api/v1/admin/invoices/", &admin).await;
    assert_eq!(all["total"], 2);
    let only_open = app
        .json("/api/v1/admin/invoices/?status=open", &admin)
        .await;
    assert_eq!(only_open["total"], 1);
    assert_eq!(only_open["items"][0]["id"], open_invoice.as_str());
    let by_account = app
        .json(
            &format!("/api/v1/admin/invoices/?account_id={}", paid.account_id),
            &admin,
        )
        .await;
    assert_eq!(by_account["total"], 1);
    assert_eq!(by_account["items"][0]["status"], "paid");
    let none_later = app
        .json("/api/v1/admin/invoices/?from=2026-02-01", &admin)
        .await;
    assert_eq!(none_later["total"], 0);

    let csv = app
        .get_with_token("/api/v1/admin/invoices/?format=csv", &admin)
        .await;
    let rows = parse_csv(&csv.text().await.unwrap());
    assert_eq!(rows[0][0], "number");
    assert_eq!(rows.len(), 3);
    let numbers: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    let exported: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(exported, numbers);
    assert!(rows[1..].iter().all(|r| r[7] == "29.00" || r[7] == "79.00"));

    // Voiding needs a reason, works on open invoices only, and withdraws the waiting transfer.
    let path = format!("/api/v1/admin/invoices/{open_invoice}/void/");
    let no_reason = app.post_with_token(&path, &admin, &json!({})).await;
    assert_eq!(no_reason.status(), 422);
    let voided = app
        .post_with_token(&path, &admin, &json!({"reason": "Duplicate order"}))
        .await;
    assert_eq!(voided.status(), 204);
    let twice = app
        .post_with_token(&path, &admin, &json!({"reason": "again"}))
        .await;
    assert_eq!(twice.status(), 409);
    let paid_invoice = by_account["items"][0]["id"].as_str().unwrap();
    let not_open = app
        .post_with_token(
            &format!("/api/v1/admin/invoices/{paid_invoice}/void/"),
            &admin,
            &json!({"reason": "no"}),
        )
        .await;
    assert_eq!(not_open.status(), 409);
    let pending_payments = app
        .json("/api/v1/billing/admin/pending_payments/", &admin)
        .await;
    assert_eq!(pending_payments["total"], 0);
    let audit = app
        .json("/api/v1/admin/audit/?action=invoice.void", &admin)
        .await;
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["reason"], "Duplicate order");
}

async fn plans_are_created_edited_and_only_unused_ones_deleted(app: TestApp) {
    let admin = app.admin().await;
    let (tenant, subscribed) = app
        .subscribed_tenant("plans-admin@example.com", "plan_starter")
        .await;
    let body = json!({
        "slug": "agency", "name": "Agency", "currency": "USD", "price_month": 49900,
        "price_year": 499000, "credits_per_period": 60000, "limit_sites": 500, "limit_seats": 50,
        "modules": ["writer", "planner", "automation"], "features": ["Priority support", " "]
    });
    let created = app
        .post_with_token("/api/v1/admin/plans/", &admin, &body)
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["plan"]["limits"]["modules"],
        json!(["planner", "writer", "automation"])
    );
    assert_eq!(created["plan"]["features"], json!(["Priority support"]));
    let duplicate = app
        .post_with_token("/api/v1/admin/plans/", &admin, &body)
        .await;
    assert_eq!(duplicate.status(), 422, "slugs are unique");
    let invalid = app
        .post_with_token(
            "/api/v1/admin/plans/",
            &admin,
            &json!({"slug": "Bad Slug", "name": "", "price_month": -1, "limit_sites": 0, "modules": ["mind-reading"]}),
        )
        .await;
    assert_eq!(invalid.status(), 422);
    let error: Value = invalid.json().await.unwrap();
    for field in ["slug", "name", "price_month", "limit_sites", "modules"] {
        assert!(error["error"]["fields"][field].is_string(), "{field}");
    }
    let tenants_see: Value = app.get("/api/v1/auth/plans/").await.json().await.unwrap();
    assert!(tenants_see["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["slug"] == "agency"));

    // A new price for Starter: the current period keeps what was paid; the renewal charges it.
    let mut starter = body.clone();
    starter["slug"] = json!("starter");
    starter["name"] = json!("Starter");
    starter["price_month"] = json!(3900);
    starter["price_year"] = json!(39000);
    starter["credits_per_period"] = json!(1000);
    starter["limit_sites"] = json!(5);
    starter["limit_seats"] = json!(2);
    starter["modules"] = json!(["planner", "writer"]);
    let edited = app
        .put_with_token("/api/v1/admin/plans/plan_starter/", &admin, &starter)
        .await;
    assert_eq!(edited.status(), 200);
    let period_end = subscribed["subscription"]["current_period_end"]
        .as_str()
        .unwrap();
    let end =
        time::OffsetDateTime::parse(period_end, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
    app.set_time(end + 60);
    app.tick().await;
    let mut tenant = tenant;
    app.relogin(&mut tenant).await;
    let admin = app.admin().await;
    let invoices = app.json("/api/v1/billing/invoices/", &tenant.access).await;
    assert_eq!(
        invoices["items"][0]["total"]["amount"], 3900,
        "the renewal at the new price"
    );
    assert_eq!(
        invoices["items"][1]["total"]["amount"], 2900,
        "the first period as paid"
    );

    // Deleting: refused for a plan with subscribers, allowed for an unused one.
    let refused = app
        .client
        .delete(app.url("/api/v1/admin/plans/plan_starter/"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    let id = created["plan"]["id"].as_str().unwrap();
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/admin/plans/{id}/")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let audit = app
        .json("/api/v1/admin/audit/?target_id=plan_starter", &admin)
        .await;
    assert_eq!(audit["items"][0]["action"], "plan.update");
    assert_eq!(
        audit["items"][0]["before"]["plan"]["prices"]["month"]["amount"],
        2900
    );
    assert_eq!(
        audit["items"][0]["after"]["plan"]["prices"]["month"]["amount"],
        3900
    );
}

crate::on_both_engines!(
    refused_to_tenants,
    stats_add_up_from_a_known_fixture,
    accounts_are_found_filtered_sorted_and_exported,
    payments_are_filtered_and_exported,
    catalog_edits_reach_tenants_and_are_audited,
    credit_adjustments_and_payment_decisions_are_audited,
    admins_activate_and_cancel_subscriptions,
    admins_refresh_a_subscription,
    list_server_functions_accept_empty_filters,
    invoices_are_filtered_exported_and_voided,
    plans_are_created_edited_and_only_unused_ones_deleted,
);

//! Payment methods through the sandbox gateway: each test card, defaults, removal, isolation.

use crate::helpers::{form_client, location, session_cookie, TestApp};
use reqwest::header::{COOKIE, ORIGIN};
use serde_json::{json, Value};

fn card(number: &str) -> Value {
    json!({"kind": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
}

async fn post(app: &TestApp, access: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(access)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn tenant(app: &TestApp, email: &str) -> String {
    let body = app.register(email, "Payer").await;
    body["tokens"]["access"].as_str().unwrap().to_string()
}

async fn sandbox_cards_behave_like_test_mode(app: TestApp) {
    let access = tenant(&app, "cards@example.com").await;
    let ok = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &card("4242 4242 4242 4242"),
    )
    .await;
    assert_eq!(ok.status(), 201);
    let method: Value = ok.json().await.unwrap();
    assert_eq!(method["kind"], "card");
    assert_eq!(method["brand"], "visa");
    assert_eq!(method["last4"], "4242");
    assert_eq!(method["exp_month"], 12);
    assert_eq!(method["exp_year"], 2030);
    assert_eq!(
        method["is_default"], true,
        "the first method is the default"
    );
    assert_eq!(method["status"], "active");

    for (number, code) in [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
    ] {
        let refused = post(
            &app,
            &access,
            "/api/v1/billing/payment-methods/",
            &card(number),
        )
        .await;
        assert_eq!(refused.status(), 402, "{number}");
        let err: Value = refused.json().await.unwrap();
        assert_eq!(err["error"]["code"], code);
    }
    // Saved, but it will fail when charged.
    let later = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &card("4000000000000341"),
    )
    .await;
    assert_eq!(later.status(), 201);
    let later: Value = later.json().await.unwrap();
    assert_eq!(later["is_default"], false);

    let list: Value = app
        .get_with_token("/api/v1/billing/payment-methods/", &access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // Only brand, last 4, expiry and the gateway's token are stored: never the number.
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(brand, '') || COALESCE(last4, '') || COALESCE(gateway_token, '') FROM payment_methods",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert!(stored
        .iter()
        .all(|row| !row.contains("4242424242424242") && !row.contains("4000000000000341")));
}

async fn invalid_cards_name_the_field(app: TestApp) {
    let access = tenant(&app, "invalid@example.com").await;
    let bad = json!({"kind": "card", "card": {"number": "4242424242424241", "exp_month": 13, "exp_year": 2020, "cvc": "1"}});
    let response = post(&app, &access, "/api/v1/billing/payment-methods/", &bad).await;
    assert_eq!(response.status(), 422);
    let err: Value = response.json().await.unwrap();
    for field in ["card.number", "card.exp_month", "card.cvc"] {
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    let unknown = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &json!({"kind": "cash"}),
    )
    .await;
    assert_eq!(unknown.status(), 422);
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM payment_methods")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

async fn defaults_move_with_set_default_and_removal(app: TestApp) {
    let access = tenant(&app, "defaults@example.com").await;
    let first: Value = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &card("4242424242424242"),
    )
    .await
    .json()
    .await
    .unwrap();
    let bank: Value = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &json!({"kind": "bank_transfer"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(bank["kind"], "bank_transfer");
    let paypal: Value = post(
        &app,
        &access,
        "/api/v1/billing/payment-methods/",
        &json!({"kind": "paypal"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(paypal["status"], "pending_approval");
    assert!(paypal["approval_url"]
        .as_str()
        .unwrap()
        .starts_with("/sandbox/paypal/"));

    let path = format!(
        "/api/v1/billing/payment-methods/{}/set-default/",
        bank["id"].as_str().unwrap()
    );
    let response = post(&app, &access, &path, &json!({})).await;
    assert_eq!(response.status(), 200);
    let unapproved = format!(
        "/api/v1/billing/payment-methods/{}/set-default/",
        paypal["id"].as_str().unwrap()
    );
    assert_eq!(
        post(&app, &access, &unapproved, &json!({})).await.status(),
        404,
        "a pending method cannot be default"
    );

    let list: Value = app
        .get_with_token("/api/v1/billing/payment-methods/", &access)
        .await
        .json()
        .await
        .unwrap();
    let defaults: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["id"], bank["id"]);

    let bank_path = format!(
        "/api/v1/billing/payment-methods/{}/",
        bank["id"].as_str().unwrap()
    );
    let removed = app.delete_with_token(&bank_path, &access).await;
    assert_eq!(removed.status(), 204);
    let list: Value = app
        .get_with_token("/api/v1/billing/payment-methods/", &access)
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first["id"], "the card took over as default");
    assert_eq!(items[0]["is_default"], true);
}

async fn another_accounts_methods_are_not_found(app: TestApp) {
    let alice = tenant(&app, "alice@example.com").await;
    let bob = tenant(&app, "bob@example.com").await;
    let method: Value = post(
        &app,
        &alice,
        "/api/v1/billing/payment-methods/",
        &card("4242424242424242"),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = method["id"].as_str().unwrap();
    let delete = app
        .delete_with_token(&format!("/api/v1/billing/payment-methods/{id}/"), &bob)
        .await;
    assert_eq!(delete.status(), 404);
    let default = post(
        &app,
        &bob,
        &format!("/api/v1/billing/payment-methods/{id}/set-default/"),
        &json!({}),
    )
    .await;
    assert_eq!(default.status(), 404);
    let list: Value = app
        .get_with_token("/api/v1/billing/payment-methods/", &bob)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get("/api/v1/billing/payment-methods/").await.status(),
        401
    );
}

async fn charges_are_idempotent_by_key(app: TestApp) {
    use app::payments::card::{validate, CardInput};
    use app::payments::gateway::{ChargeOutcome, ChargeRequest};
    let gateway = &app.state.gateway;
    let input = |number: &str| CardInput {
        number: number.into(),
        exp_month: 12,
        exp_year: 2030,
        cvc: "123".into(),
        holder_name: None,
    };
    let good = gateway
        .tokenize_card(&validate(&input("4242424242424242"), (2026, 1)).unwrap())
        .await
        .unwrap();
    let request = ChargeRequest {
        token: good.token.clone(),
        amount: 2900,
        currency: "USD".into(),
        idempotency_key: "inv_1:try_1".into(),
    };
    let first = gateway.charge(request.clone()).await.unwrap();
    let again = gateway.charge(request.clone()).await.unwrap();
    assert!(matches!(first, ChargeOutcome::Succeeded { .. }));
    assert_eq!(first, again, "a retried charge is the same charge");
    let charges: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_charges")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(charges, 1);
    let different = gateway
        .charge(ChargeRequest {
            amount: 100,
            ..request
        })
        .await
        .unwrap_err();
    assert_eq!(different.code(), "idempotency_conflict");

    let failing = gateway
        .tokenize_card(&validate(&input("4000000000000341"), (2026, 1)).unwrap())
        .await
        .unwrap();
    let outcome = gateway
        .charge(ChargeRequest {
            token: failing.token,
            amount: 2900,
            currency: "USD".into(),
            idempotency_key: "inv_2:try_1".into(),
        })
        .await
        .unwrap();
    assert!(matches!(
        outcome,
        ChargeOutcome::Failed {
            code: app::payments::gateway::DeclineCode::CardDeclined,
            ..
        }
    ));
}

async fn paypal_connects_after_approval(app: TestApp) {
    let body = app.register("paypal@example.com", "Pal").await;
    let access = body["tokens"]["access"].as_str().unwrap().to_string();
    let cookie = session_cookie(&body);
    let settle = |id: String, decision: &'static str| {
        form_client()
            .post(app.url("/api/sandbox/paypal/settle"))
            .header(ORIGIN, &app.address)
            .header(COOKIE, &cookie)
            .form(&[("id", id.as_str()), ("decision", decision)])
            .send()
    };
    let connect_paypal = || async {
        post(
            &app,
            &access,
            "/api/v1/billing/payment-methods/",
            &json!({"kind": "paypal"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()
    };
    let pending = connect_paypal().await;
    let approved = settle(pending["id"].as_str().unwrap().to_string(), "approve")
        .await
        .unwrap();
    assert_eq!(location(&approved), "/account/billing?paypal=approved");
    let again = settle(pending["id"].as_str().unwrap().to_string(), "approve")
        .await
        .unwrap();
    assert_ne!(
        location(&again),
        "/account/billing?paypal=approved",
        "approval happens once"
    );

    let second = connect_paypal().await;
    let canceled = settle(second["id"].as_str().unwrap().to_string(), "cancel")
        .await
        .unwrap();
    assert_eq!(location(&canceled), "/account/billing?paypal=canceled");

    let list: Value = app
        .get_with_token("/api/v1/billing/payment-methods/", &access)
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the canceled one is gone");
    assert_eq!(items[0]["id"], pending["id"]);
    assert_eq!(items[0]["status"], "active");
    assert_eq!(items[0]["is_default"], true);
}

crate::on_both_engines!(
    paypal_connects_after_approval,
    sandbox_cards_behave_like_test_mode,
    invalid_cards_name_the_field,
    defaults_move_with_set_default_and_removal,
    another_accounts_methods_are_not_found,
    charges_are_idempotent_by_key,
);

//! API keys (app/src/api_keys, docs/api.md "API keys"): an owner's keys call the REST API within
//! their scopes, every endpoint of the OpenAPI document refuses a key without the scope it names,
//! revoked and expired keys are refused at once, and bad requests change nothing.

use crate::helpers::{error_code, location, Tenant, TestApp};
use serde_json::{json, Value};

const KEYS: &str = "/api/v1/account/api-keys/";

/// Creates a key with `scopes` as `owner` and answers `{key, secret}`.
async fn create_key(app: &TestApp, access: &str, name: &str, scopes: &[&str]) -> Value {
    let response = app
        .post_with_token(KEYS, access, &json!({"name": name, "scopes": scopes}))
        .await;
    assert_eq!(response.status(), 201, "create key {name}");
    response.json().await.unwrap()
}

fn secret(created: &Value) -> String {
    created["secret"].as_str().unwrap().to_string()
}

async fn keys_in_table(app: &TestApp, account_id: &str) -> i64 {
    app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM api_keys WHERE account_id = $1",
        account_id,
    )
    .await
}

async fn sites_of(app: &TestApp, tenant: &Tenant) -> i64 {
    app.count(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sites WHERE account_id = $1",
        &tenant.account_id,
    )
    .await
}

async fn a_key_works_within_its_scopes(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("keys-owner@example.com", "plan_starter")
        .await;
    let created = create_key(&app, &owner.access, "Reporting", &["read"]).await;
    let reader = secret(&created);
    assert!(reader.starts_with("igk_") && reader.len() == 68, "{reader}");
    assert_eq!(created["key"]["prefix"], &reader[..12]);
    assert_eq!(created["key"]["scopes"], json!(["read"]));
    assert_eq!(created["key"]["status"], "active");
    assert!(created["key"]["last_used_at"].is_null());
    // The secret is shown once: neither the list nor the table holds it.
    let listed = app.json(KEYS, &owner.access).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&reader), "{listed}");
    let stored = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM api_keys WHERE key_hash = $1",
            &reader,
        )
        .await;
    assert_eq!(stored, 0, "stored hashed");

    // Reads as the owner: who, the balance, the sites.
    let me = app.json("/api/v1/auth/me/", &reader).await;
    assert_eq!(me["user"]["email"], "keys-owner@example.com");
    assert_eq!(app.balance(&reader).await, app.balance(&owner.access).await);
    app.json("/api/v1/sites/", &reader).await;
    // Nothing else: no change, no billing record.
    let add = app
        .post_with_token(
            "/api/v1/sites/",
            &reader,
            &json!({"name": "Blog", "url": "blog.example.com"}),
        )
        .await;
    assert_eq!(add.status(), 403);
    assert_eq!(error_code(add).await, "insufficient_scope");
    assert_eq!(sites_of(&app, &owner).await, 0);
    let invoices = app
        .get_with_token("/api/v1/billing/invoices/", &reader)
        .await;
    assert_eq!(error_code(invoices).await, "insufficient_scope");

    // Another key with write and billing: changes and money, but reads nothing else.
    let writer = secret(&create_key(&app, &owner.access, "Importer", &["write", "billing"]).await);
    let add = app
        .post_with_token(
            "/api/v1/sites/",
            &writer,
            &json!({"name": "Blog", "url": "blog.example.com"}),
        )
        .await;
    assert_eq!(add.status(), 201);
    assert_eq!(sites_of(&app, &owner).await, 1);
    let invoices = app.json("/api/v1/billing/invoices/", &writer).await;
    assert_eq!(invoices["total"], 1);
    let me = app.get_with_token("/api/v1/auth/me/", &writer).await;
    assert_eq!(error_code(me).await, "insufficient_scope");

    // The list says when each key was last used, newest key first.
    let listed = app.json(KEYS, &owner.access).await;
    assert_eq!(listed["items"][0]["name"], "Importer");
    assert_eq!(listed["items"][1]["last_used_at"], "2026-01-15T12:00:00Z");

    // Keys are the REST API's: a page or a server function with one is signed out.
    let home = app
        .client
        .get(app.url("/sites"))
        .bearer_auth(&writer)
        .header(reqwest::header::ACCEPT, crate::helpers::BROWSER_ACCEPT)
        .send()
        .await
        .unwrap();
    assert!(
        location(&home).starts_with("/login"),
        "{:?}",
        home.headers()
    );
    let server_fn = app
        .client
        .post(app.url("/api/billing/balance"))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(server_fn.status(), 401);
    // Creating and revoking keys are in the audit log.
    let audited = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = $1",
            "api_key.create",
        )
        .await;
    assert_eq!(audited, 2);
}

/// Every operation of the OpenAPI document with its path parameters filled in.
async fn operations(app: &TestApp) -> Vec<(String, String, Value)> {
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let filled = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "key_test_missing"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            found.push((
                method.clone(),
                format!("/api/v1{filled}"),
                operation["security"].clone(),
            ));
        }
    }
    found
}

async fn call(app: &TestApp, method: &str, path: &str, key: &str) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    app.client
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn every_endpoint_refuses_a_key_without_its_scope(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("scoped@example.com", "plan_starter")
        .await;
    let admin = app.admin().await;
    // One key lacking each scope, one with all of them, and an admin's key with all of them.
    let all = ["read", "write", "billing"];
    let mut lacking = std::collections::BTreeMap::new();
    for scope in all {
        let rest: Vec<&str> = all.iter().copied().filter(|s| *s != scope).collect();
        let created = create_key(&app, &owner.access, &format!("no {scope}"), &rest).await;
        lacking.insert(scope.to_string(), secret(&created));
    }
    let full = secret(&create_key(&app, &owner.access, "all", &all).await);
    let admins_key = secret(&create_key(&app, &admin, "admin's", &all).await);
    let sites_before = sites_of(&app, &owner).await;

    let mut by_scope = std::collections::BTreeMap::<String, usize>::new();
    for (method, path, security) in operations(&app).await {
        let Some(requirements) = security.as_array() else {
            continue; // signed-in by default: no operation is left that way
        };
        if requirements.is_empty() {
            continue; // public
        }
        let scope = requirements
            .iter()
            .find_map(|r| r["apiKey"][0].as_str())
            .map(String::from);
        match scope {
            Some(scope) => {
                *by_scope.entry(scope.clone()).or_default() += 1;
                let refused = call(&app, &method, &path, &lacking[&scope]).await;
                assert_eq!(refused.status(), 403, "{method} {path} without {scope}");
                assert_eq!(
                    error_code(refused).await,
                    "insufficient_scope",
                    "{method} {path}"
                );
                // With the scope the key gets past the check (to whatever the handler answers).
                let allowed = call(&app, &method, &path, &full).await;
                if allowed.status() == 403 {
                    let code = error_code(allowed).await;
                    assert_ne!(code, "insufficient_scope", "{method} {path} with {scope}");
                }
            }
            None => {
                *by_scope.entry("none".into()).or_default() += 1;
                // Admin and people-only endpoints: no key at all, an admin's neither.
                for key in [&full, &admins_key] {
                    let refused = call(&app, &method, &path, key).await;
                    assert_eq!(refused.status(), 403, "{method} {path} with a key");
                    assert_eq!(
                        error_code(refused).await,
                        "insufficient_scope",
                        "{method} {path}"
                    );
                }
            }
        }
    }
    // Every kind is there: each scope guards endpoints, and admin endpoints take no key.
    for kind in ["read", "write", "billing", "none"] {
        assert!(
            by_scope.get(kind).copied().unwrap_or(0) >= 3,
            "{kind}: {by_scope:?}"
        );
    }
    // The refusals changed nothing: no site, no key made by a key.
    assert_eq!(sites_of(&app, &owner).await, sites_before);
    assert_eq!(keys_in_table(&app, &owner.account_id).await, 4);
}

async fn revoked_and_expired_keys_are_refused_at_once(app: TestApp) {
    let (mut owner, _) = app
        .subscribed_tenant("revoker@example.com", "plan_starter")
        .await;
    let created = create_key(&app, &owner.access, "Soon gone", &["read"]).await;
    let key = secret(&created);
    let id = created["key"]["id"].as_str().unwrap().to_string();
    app.json("/api/v1/auth/me/", &key).await;

    let revoked = app
        .delete_with_token(&format!("{KEYS}{id}/"), &owner.access)
        .await;
    assert_eq!(revoked.status(), 200);
    let revoked: Value = revoked.json().await.unwrap();
    assert_eq!(revoked["status"], "revoked");
    // The very next request, on every kind of endpoint, the balance's one-read path included.
    for path in ["/api/v1/auth/me/", "/api/v1/billing/transactions/balance/"] {
        let refused = app.get_with_token(path, &key).await;
        assert_eq!(refused.status(), 401, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"));
    }
    // Revoking again changes nothing.
    let again = app
        .delete_with_token(&format!("{KEYS}{id}/"), &owner.access)
        .await;
    assert_eq!(again.status(), 200);
    let audited = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = $1",
            "api_key.revoke",
        )
        .await;
    assert_eq!(audited, 1);

    // A key with an expiry works until then and is `token_expired` after.
    let expiring = app
        .post_with_token(
            KEYS,
            &owner.access,
            &json!({"name": "A day", "scopes": ["read"], "expires_in_days": 1}),
        )
        .await;
    let expiring: Value = expiring.json().await.unwrap();
    assert_eq!(expiring["key"]["expires_at"], "2026-01-16T12:00:00Z");
    let expiring_key = secret(&expiring);
    app.json("/api/v1/auth/me/", &expiring_key).await;
    app.set_time(app.clock.now() + 86_400);
    let expired = app.get_with_token("/api/v1/auth/me/", &expiring_key).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_code(expired).await, "token_expired");
    app.relogin(&mut owner).await;
    let listed = app.json(KEYS, &owner.access).await;
    let statuses: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "revoked"]);

    // A key nobody made.
    let unknown = app
        .get_with_token("/api/v1/auth/me/", &format!("igk_{}", "0".repeat(64)))
        .await;
    assert_eq!(unknown.status(), 401);
}

async fn bad_key_requests_change_nothing(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("careful@example.com", "plan_growth")
        .await;
    for (body, field) in [
        (json!({"name": "x", "scopes": ["read", "admin"]}), "scopes"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "  ", "scopes": ["read"]}), "name"),
        (json!({"name": "x".repeat(61), "scopes": ["read"]}), "name"),
        (
            json!({"name": "x", "scopes": ["read"], "expires_in_days": 0}),
            "expires_in_days",
        ),
    ] {
        let response = app.post_with_token(KEYS, &owner.access, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    assert_eq!(keys_in_table(&app, &owner.account_id).await, 0);

    // A member neither makes nor lists keys; a key makes no key.
    let member = crate::team::join_as_new_member(&app, &owner, "member-keys@example.com").await;
    let refused = app
        .post_with_token(KEYS, &member, &json!({"name": "m", "scopes": ["read"]}))
        .await;
    assert_eq!(error_code(refused).await, "forbidden");
    let refused = app.get_with_token(KEYS, &member).await;
    assert_eq!(error_code(refused).await, "forbidden");
    let key = secret(&create_key(&app, &owner.access, "mine", &["read", "write"]).await);
    let refused = app
        .post_with_token(KEYS, &key, &json!({"name": "k", "scopes": ["read"]}))
        .await;
    assert_eq!(error_code(refused).await, "insufficient_scope");

    // Another account cannot revoke it.
    let (stranger, _) = app
        .subscribed_tenant("stranger-keys@example.com", "plan_starter")
        .await;
    let id = app.json(KEYS, &owner.access).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = app
        .delete_with_token(&format!("{KEYS}{id}/"), &stranger.access)
        .await;
    assert_eq!(refused.status(), 404);
    app.json("/api/v1/auth/me/", &key).await;

    // At most 25 live keys.
    for n in 1..25 {
        create_key(&app, &owner.access, &format!("key {n}"), &["read"]).await;
    }
    let over = app
        .post_with_token(
            KEYS,
            &owner.access,
            &json!({"name": "26th", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(over.status(), 409);
    assert_eq!(keys_in_table(&app, &owner.account_id).await, 25);
}

crate::on_both_engines!(
    a_key_works_within_its_scopes,
    every_endpoint_refuses_a_key_without_its_scope,
    revoked_and_expired_keys_are_refused_at_once,
    bad_key_requests_change_nothing,
);

//! Plan limits: sites at the edge of the limit, the concurrent add at `limit - 1`, the limits
//! report, URL rules, isolation between tenants.

use crate::helpers::TestApp;
use serde_json::{json, Value};

async fn add_site(app: &TestApp, access: &str, name: &str, url: &str) -> reqwest::Response {
    app.post_with_token("/api/v1/sites/", access, &json!({"name": name, "url": url}))
        .await
}

async fn sites_stop_at_the_plan_limit(app: TestApp) {
    // Starter allows 5 sites.
    let (tenant, _) = app
        .subscribed_tenant("sites@example.com", "plan_starter")
        .await;
    for i in 0..5 {
        let response = add_site(
            &app,
            &tenant.access,
            &format!("Site {i}"),
            &format!("site{i}.example.com"),
        )
        .await;
        assert_eq!(response.status(), 201, "site {i}");
    }
    let refused = add_site(&app, &tenant.access, "One more", "more.example.com").await;
    assert_eq!(refused.status(), 403);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "plan_limit_reached");
    assert_eq!(error["error"]["limit_key"], "sites");
    assert_eq!(error["error"]["limit"], 5);
    assert_eq!(error["error"]["used"], 5);
    assert_eq!(error["error"]["upgrade_url"], "/account/plans");

    let limits = app
        .json("/api/v1/billing/credits/usage/limits/", &tenant.access)
        .await;
    assert_eq!(limits["plan"], "Starter");
    assert_eq!(
        limits["items"][0],
        json!({"key": "sites", "label": "Sites", "limit": 5, "used": 5, "remaining": 0})
    );
    assert_eq!(limits["items"][1]["key"], "seats");
    assert_eq!(limits["items"][1]["used"], 1);

    // Removing one makes room again.
    let list = app.json("/api/v1/sites/", &tenant.access).await;
    let first = list["items"][0]["id"].as_str().unwrap().to_string();
    let (other, _) = app
        .subscribed_tenant("other-sites@example.com", "plan_starter")
        .await;
    let foreign = app
        .delete_with_token(&format!("/api/v1/sites/{first}/"), &other.access)
        .await;
    assert_eq!(foreign.status(), 404, "another tenant's site is not there");
    let removed = app
        .delete_with_token(&format!("/api/v1/sites/{first}/"), &tenant.access)
        .await;
    assert_eq!(removed.status(), 204);
    assert_eq!(
        add_site(&app, &tenant.access, "One more", "more.example.com")
            .await
            .status(),
        201
    );
}

async fn site_addresses_are_validated_and_unique(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("urls@example.com", "plan_starter")
        .await;
    let created = add_site(&app, &tenant.access, "Blog", "Blog.Example.com/").await;
    assert_eq!(created.status(), 201);
    let site: Value = created.json().await.unwrap();
    assert_eq!(site["url"], "https://blog.example.com");
    let duplicate = add_site(&app, &tenant.access, "Again", "https://BLOG.example.com").await;
    assert_eq!(duplicate.status(), 409);
    for (name, url, field) in [
        ("", "ok.example.com", "name"),
        ("Bad", "ftp://x.example.com", "url"),
        ("Bad", "not a url", "url"),
    ] {
        let response = add_site(&app, &tenant.access, name, url).await;
        assert_eq!(response.status(), 422);
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    assert_eq!(
        app.json("/api/v1/sites/", &tenant.access).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let planless = app.tenant("planless-sites@example.com").await;
    assert_eq!(
        add_site(&app, &planless.access, "X", "x.example.com")
            .await
            .status(),
        402
    );
}

/// Ten adds at once with one slot left: exactly one gets it.
async fn concurrent_adds_at_the_edge_take_one_slot(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("race-sites@example.com", "plan_starter")
        .await;
    for i in 0..4 {
        assert_eq!(
            add_site(&app, &tenant.access, "S", &format!("s{i}.example.com"))
                .await
                .status(),
            201
        );
    }
    let second = app.another_instance().await;
    let adds = (0..10).map(|i| {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let (client, access) = (app.client.clone(), tenant.access.clone());
        async move {
            client
                .post(format!("{base}/api/v1/sites/"))
                .bearer_auth(access)
                .json(&json!({"name": "Race", "url": format!("race{i}.example.com")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(adds).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        app.count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM sites WHERE account_id = $1",
            &tenant.account_id
        )
        .await,
        5
    );
}

crate::on_both_engines!(
    sites_stop_at_the_plan_limit,
    site_addresses_are_validated_and_unique,
    concurrent_adds_at_the_edge_take_one_slot,
);

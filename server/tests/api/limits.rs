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
    assert_eq!(
        error["error"]["upgrade_url"], "/account/plans?highlight=growth",
        "the cheapest plan with more sites"
    );

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

/// A downgrade below current usage is refused with what must go first, and nothing changes.
async fn downgrades_below_usage_are_refused_with_the_list(app: TestApp) {
    let (tenant, body) = app
        .subscribed_tenant("downgrade@example.com", "plan_growth")
        .await;
    let subscription_id = body["subscription"]["id"].as_str().unwrap();
    for i in 0..6 {
        assert_eq!(
            add_site(&app, &tenant.access, "S", &format!("d{i}.example.com"))
                .await
                .status(),
            201
        );
    }
    let path = format!("/api/v1/auth/subscriptions/{subscription_id}/change-plan/");
    let refused = app
        .post_with_token(&path, &tenant.access, &json!({"plan_id": "plan_starter"}))
        .await;
    assert_eq!(refused.status(), 409);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(
        error["error"]["message"],
        "Before downgrading to Starter: remove 1 of 6 sites (Starter allows 5)."
    );
    let subscription = app
        .json("/api/v1/auth/subscriptions/", &tenant.access)
        .await;
    assert!(
        subscription["items"][0]["scheduled_plan"].is_null(),
        "nothing scheduled"
    );

    let list = app.json("/api/v1/sites/", &tenant.access).await;
    let last = list["items"][5]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.delete_with_token(&format!("/api/v1/sites/{last}/"), &tenant.access)
            .await
            .status(),
        204
    );
    let scheduled = app
        .post_with_token(&path, &tenant.access, &json!({"plan_id": "plan_starter"}))
        .await;
    assert_eq!(scheduled.status(), 200);
    let body: Value = scheduled.json().await.unwrap();
    assert_eq!(body["subscription"]["scheduled_plan"]["id"], "plan_starter");
}

crate::on_both_engines!(
    downgrades_below_usage_are_refused_with_the_list,
    sites_stop_at_the_plan_limit,
    site_addresses_are_validated_and_unique,
    concurrent_adds_at_the_edge_take_one_slot,
);

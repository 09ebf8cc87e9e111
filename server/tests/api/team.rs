//! The team: seats at the edge of the limit (members plus pending invitations), the concurrent
//! invite at `limit - 1`, single-use expiring invitation links, accepting as a new or an
//! existing user, member versus owner permissions, removing and revoking.

use crate::helpers::{page, Tenant, TestApp, PASSWORD};
use serde_json::{json, Value};

async fn invite(app: &TestApp, access: &str, email: &str) -> reqwest::Response {
    app.post_with_token(
        "/api/v1/account/members/",
        access,
        &json!({ "email": email }),
    )
    .await
}

async fn accept(app: &TestApp, body: &Value, access: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/account/invitations/accept/"))
        .json(body);
    if let Some(access) = access {
        request = request.bearer_auth(access);
    }
    request.send().await.unwrap()
}

/// Invites `email` and accepts as a new user; returns the member's access token.
pub async fn join_as_new_member(app: &TestApp, owner: &Tenant, email: &str) -> String {
    assert_eq!(invite(app, &owner.access, email).await.status(), 201);
    let token = app.token_after(email, "/invite/").await;
    let joined = accept(
        app,
        &json!({"token": token, "full_name": "Mia Member", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(joined.status(), 201);
    let body: Value = joined.json().await.unwrap();
    assert_eq!(body["account"]["id"], owner.account_id.as_str());
    assert_eq!(body["user"]["email_verified"], true);
    body["tokens"]["access"].as_str().unwrap().to_string()
}

async fn seats_count_members_and_pending_invitations(app: TestApp) {
    // Starter allows 2 seats: the owner and one more.
    let (owner, _) = app
        .subscribed_tenant("seat-owner@example.com", "plan_starter")
        .await;
    let first = invite(&app, &owner.access, "First@Example.com").await;
    assert_eq!(first.status(), 201);
    let pending: Value = first.json().await.unwrap();
    assert_eq!(pending["email"], "first@example.com");
    assert_eq!(pending["status"], "pending");

    let refused = invite(&app, &owner.access, "second@example.com").await;
    assert_eq!(refused.status(), 403);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "plan_limit_reached");
    assert_eq!(error["error"]["limit_key"], "seats");
    assert_eq!(error["error"]["limit"], 2);
    assert_eq!(error["error"]["used"], 2);
    assert_eq!(
        error["error"]["upgrade_url"],
        "/account/plans?highlight=growth"
    );
    let limits = app
        .json("/api/v1/billing/credits/usage/limits/", &owner.access)
        .await;
    assert_eq!(limits["items"][1]["used"], 2);

    // The same person again is a conflict, not a second seat.
    let again = invite(&app, &owner.access, "first@example.com").await;
    assert_eq!(again.status(), 409);
    let invalid = invite(&app, &owner.access, "not-an-email").await;
    assert_eq!(invalid.status(), 422);
    let error: Value = invalid.json().await.unwrap();
    assert!(error["error"]["fields"]["email"].is_string());

    // Revoking frees the seat; the revoked link no longer works.
    let revoked_token = app.token_after("first@example.com", "/invite/").await;
    let id = pending["id"].as_str().unwrap();
    let revoke = app
        .delete_with_token(&format!("/api/v1/account/members/{id}/"), &owner.access)
        .await;
    assert_eq!(revoke.status(), 204);
    let dead = accept(
        &app,
        &json!({"token": revoked_token, "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(dead.status(), 404);
    assert_eq!(
        invite(&app, &owner.access, "second@example.com")
            .await
            .status(),
        201
    );
    let team = app.json("/api/v1/account/members/", &owner.access).await;
    let emails: Vec<&str> = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["seat-owner@example.com", "second@example.com"]);
}

async fn concurrent_invites_at_the_last_seat_admit_one(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("race-owner@example.com", "plan_starter")
        .await;
    let other = app.another_instance().await;
    let requests = (0..8).map(|i| {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            other.clone()
        };
        let request = app
            .client
            .post(format!("{base}/api/v1/account/members/"))
            .bearer_auth(&owner.access)
            .json(&json!({ "email": format!("racer{i}@example.com") }))
            .send();
        async move { request.await.unwrap().status().as_u16() }
    });
    let mut statuses = futures_util::future::join_all(requests).await;
    statuses.sort();
    assert_eq!(statuses, [201, 403, 403, 403, 403, 403, 403, 403]);
}

async fn an_invitation_link_works_once_and_expires(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("link-owner@example.com", "plan_growth")
        .await;
    let member_access = join_as_new_member(&app, &owner, "once@example.com").await;
    let me = app.json("/api/v1/auth/me/", &member_access).await;
    assert_eq!(me["user"]["role"], "member");
    assert_eq!(me["account"]["id"], owner.account_id.as_str());

    // The same link a second time: nothing new happens.
    let token = app.token_after("once@example.com", "/invite/").await;
    let reuse = accept(&app, &json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(reuse.status(), 404);
    let users = app
        .count(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE account_id = $1",
            &owner.account_id,
        )
        .await;
    assert_eq!(users, 2);

    // A link older than 7 days is dead, and its seat is free again.
    assert_eq!(
        invite(&app, &owner.access, "late@example.com")
            .await
            .status(),
        201
    );
    let late = app.token_after("late@example.com", "/invite/").await;
    app.set_time(app.clock.now() + 7 * 86_400 + 1);
    let mut owner = owner;
    app.relogin(&mut owner).await;
    let expired = accept(&app, &json!({"token": late, "password": PASSWORD}), None).await;
    assert_eq!(expired.status(), 404);
    let error: Value = expired.json().await.unwrap();
    assert_eq!(error["error"]["code"], "not_found");
    let limits = app
        .json("/api/v1/billing/credits/usage/limits/", &owner.access)
        .await;
    assert_eq!(limits["items"][1]["used"], 2, "owner and member only");
    let team = app.json("/api/v1/account/members/", &owner.access).await;
    assert_eq!(team["items"][2]["status"], "expired");
    // Inviting the same person again replaces the expired invitation.
    assert_eq!(
        invite(&app, &owner.access, "late@example.com")
            .await
            .status(),
        201
    );
}

async fn members_work_but_only_the_owner_manages(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("boss@example.com", "plan_growth")
        .await;
    let member = join_as_new_member(&app, &owner, "worker@example.com").await;

    // Work: sites and module tasks are open to members.
    let site = app
        .post_with_token(
            "/api/v1/sites/",
            &member,
            &json!({"name": "Blog", "url": "blog.example.com"}),
        )
        .await;
    assert_eq!(site.status(), 201);
    let task = app
        .post_with_token(
            "/api/v1/planner/tasks/",
            &member,
            &json!({"keywords": ["red shoes", "blue shoes"]}),
        )
        .await;
    assert_eq!(task.status(), 201);
    let team = app.json("/api/v1/account/members/", &member).await;
    assert_eq!(team["items"].as_array().unwrap().len(), 2);

    // Billing, plans and the team are the owner's.
    for path in [
        "/api/v1/billing/invoices/",
        "/api/v1/billing/payments/",
        "/api/v1/billing/payment-methods/",
    ] {
        let response = app.get_with_token(path, &member).await;
        assert_eq!(response.status(), 403, "GET {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "forbidden");
    }
    let posts = [
        (
            "/api/v1/account/members/",
            json!({"email": "x@example.com"}),
        ),
        (
            "/api/v1/auth/subscriptions/",
            json!({"plan_id": "plan_scale", "interval": "month"}),
        ),
        (
            "/api/v1/billing/payment-methods/",
            json!({"kind": "bank_transfer"}),
        ),
        (
            "/api/v1/billing/credit-packages/pkg_small/purchase/",
            json!({}),
        ),
    ];
    for (path, body) in posts {
        let response = app.post_with_token(path, &member, &body).await;
        assert_eq!(response.status(), 403, "POST {path}");
    }
    let invoices = app.json("/api/v1/billing/invoices/", &owner.access).await;
    let invoice = invoices["items"][0]["id"].as_str().unwrap();
    let pdf = app
        .get_with_token(&format!("/api/v1/billing/invoices/{invoice}/pdf/"), &member)
        .await;
    assert_eq!(pdf.status(), 403);
    let owner_id = app.json("/api/v1/auth/me/", &owner.access).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let remove_owner = app
        .delete_with_token(&format!("/api/v1/account/members/{owner_id}/"), &member)
        .await;
    assert_eq!(remove_owner.status(), 403);
    let by_owner = app
        .delete_with_token(
            &format!("/api/v1/account/members/{owner_id}/"),
            &owner.access,
        )
        .await;
    assert_eq!(by_owner.status(), 403, "the owner cannot be removed");

    // The billing page says who manages billing instead of showing it.
    let login: Value = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "worker@example.com", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cookie = crate::helpers::session_cookie(&login);
    let billing = page(&app, "/account/billing", Some(&cookie)).await;
    assert_eq!(billing.status(), 403);
    let html = billing.text().await.unwrap();
    assert!(html.contains("Only the account owner manages billing"));
    assert!(!html.contains("Payment methods"));

    // Removed, the member keeps their login in a workspace of their own, without a plan.
    let me = app.json("/api/v1/auth/me/", &member).await;
    let member_id = me["user"]["id"].as_str().unwrap();
    let removed = app
        .delete_with_token(
            &format!("/api/v1/account/members/{member_id}/"),
            &owner.access,
        )
        .await;
    assert_eq!(removed.status(), 204);
    let me = app.json("/api/v1/auth/me/", &member).await;
    assert_ne!(me["account"]["id"], owner.account_id.as_str());
    assert_eq!(me["user"]["role"], "owner");
    assert!(me["account"]["plan"].is_null());
    let sites = app.get_with_token("/api/v1/sites/", &member).await;
    let listed: Value = sites.json().await.unwrap();
    assert_eq!(
        listed["items"],
        json!([]),
        "the old account's sites are gone"
    );
}

async fn an_existing_user_joins_when_signed_in_as_the_invited_email(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("host@example.com", "plan_growth")
        .await;
    let newcomer = app.tenant("newcomer@example.com").await;
    assert_eq!(
        invite(&app, &owner.access, "newcomer@example.com")
            .await
            .status(),
        201
    );
    let token = app.token_after("newcomer@example.com", "/invite/").await;
    let anonymous = accept(&app, &json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(
        anonymous.status(),
        403,
        "sign in as the invited email first"
    );
    let stranger = app.tenant("stranger@example.com").await;
    let wrong = accept(&app, &json!({"token": token}), Some(&stranger.access)).await;
    assert_eq!(wrong.status(), 403);
    let joined = accept(&app, &json!({"token": token}), Some(&newcomer.access)).await;
    assert_eq!(joined.status(), 200);
    let body: Value = joined.json().await.unwrap();
    assert_eq!(body["account"]["id"], owner.account_id.as_str());
    assert_eq!(body["user"]["role"], "member");

    // Someone whose own account has a plan cannot be pulled into another one.
    let (busy, _) = app
        .subscribed_tenant("busy@example.com", "plan_starter")
        .await;
    assert_eq!(
        invite(&app, &owner.access, "busy@example.com")
            .await
            .status(),
        201
    );
    let token = app.token_after("busy@example.com", "/invite/").await;
    let refused = accept(&app, &json!({"token": token}), Some(&busy.access)).await;
    assert_eq!(refused.status(), 409);
    let me = app.json("/api/v1/auth/me/", &busy.access).await;
    assert_eq!(me["account"]["id"], busy.account_id.as_str());
}

async fn a_new_member_needs_a_valid_password(app: TestApp) {
    let (owner, _) = app
        .subscribed_tenant("pw-owner@example.com", "plan_growth")
        .await;
    assert_eq!(
        invite(&app, &owner.access, "pw@example.com").await.status(),
        201
    );
    let token = app.token_after("pw@example.com", "/invite/").await;
    let weak = accept(&app, &json!({"token": token, "password": "short"}), None).await;
    assert_eq!(weak.status(), 422);
    let error: Value = weak.json().await.unwrap();
    assert!(error["error"]["fields"]["password"].is_string());
    // Nothing was spent: the link still works.
    let ok = accept(&app, &json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(ok.status(), 201);
}

crate::on_both_engines!(
    seats_count_members_and_pending_invitations,
    concurrent_invites_at_the_last_seat_admit_one,
    an_invitation_link_works_once_and_expires,
    members_work_but_only_the_owner_manages,
    an_existing_user_joins_when_signed_in_as_the_invited_email,
    a_new_member_needs_a_valid_password,
);

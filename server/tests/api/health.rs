use crate::helpers::TestApp;
use serde_json::Value;

async fn healthz_answers(app: TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_reports_migrated_database(app: TestApp) {
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    app.state.db.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503, "a closed pool is not ready");
}

async fn unknown_page_is_a_404_page(app: TestApp) {
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
}

async fn unknown_api_path_is_a_json_404(app: TestApp) {
    let response = app.get("/api/v1/nothing-here/").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

async fn home_page_renders_the_shell(app: TestApp) {
    let response = app.get("/login").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("IGNY8"));
    assert!(
        html.contains("/pkg/igny8.js"),
        "hydration scripts are linked"
    );
}

async fn seeding_is_idempotent(app: TestApp) {
    let now = app.clock.now();
    app::backend::seed::seed_catalog(&app.state.db, now)
        .await
        .unwrap();
    let plans: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM plans")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(plans, 3);
    let packages: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM credit_packages")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(packages, 3);
    let admins: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE is_admin = 1")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(admins, 1);
}

/// The OpenAPI document is served, and each operation in it is a real route answering that
/// method: signed-out calls to protected ones get 401, never the router's 404 or a 405.
async fn openapi_documents_the_routes_that_answer(app: TestApp) {
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/billing/credit-packages/{id}/purchase/"));
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let url = format!("/api/v1{}", path.replace("{id}", "x_missing"));
            let response = app
                .client
                .request(method.to_uppercase().parse().unwrap(), app.url(&url))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            // Public operations say `security: []`; every other one names its schemes.
            let signed_in_only = operation["security"]
                .as_array()
                .is_none_or(|schemes| !schemes.is_empty());
            let public_answer = status != 401 && status != 405 && status < 500;
            if (signed_in_only && status != 401) || (!signed_in_only && !public_answer) {
                wrong.push(format!("{method} {path}: {status} signed out"));
            }
            checked += 1;
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
    assert!(checked > 60, "{checked} operations");
}

crate::on_both_engines!(
    openapi_documents_the_routes_that_answer,
    healthz_answers,
    readyz_reports_migrated_database,
    unknown_page_is_a_404_page,
    unknown_api_path_is_a_json_404,
    home_page_renders_the_shell,
    seeding_is_idempotent,
);

//! Operations: the run mode.

use crate::helpers::{Engine, TestApp};
use serde_json::json;

// ---------------------------------------------------------------- production mode

/// Production — the mode of a server started without `APP_ENV` — never shows the development
/// outbox: the page and its server function are 404 and no emailed link leaks.
async fn the_dev_outbox_is_a_404_in_production(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("APP_ENV", "")]).await else {
        return;
    };
    assert_eq!(app.state.settings.mode, app::backend::RunMode::Production);
    let owner = app.register("owner@example.com", "Acme").await;
    let access = owner["tokens"]["access"].as_str().unwrap();
    let reset = app
        .post_json(
            "/api/v1/auth/password-reset/",
            &json!({"email": "owner@example.com"}),
        )
        .await;
    assert!(reset.status().is_success(), "{}", reset.status());
    let token = app
        .emailed_token("owner@example.com", "/reset-password")
        .await;

    let server_fn = app.server_fn("/api/dev/outbox", access, &[]).await;
    assert_eq!(server_fn.status(), 404);
    let body = server_fn.text().await.unwrap();
    assert!(!body.contains(&token), "the reset link leaked: {body}");

    let page = crate::helpers::page(&app, "/dev/outbox", None).await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(!html.contains(&token), "the reset link leaked");
    assert!(!html.contains("owner@example.com"));
}

/// The same request in development (what the browser tests use) lists the email.
async fn the_dev_outbox_shows_emails_in_development(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    assert_eq!(app.state.settings.mode, app::backend::RunMode::Development);
    let dev = app.register("dev@example.com", "Dev").await;
    let access = dev["tokens"]["access"].as_str().unwrap();
    let response = app.server_fn("/api/dev/outbox", access, &[]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("dev@example.com"));
}

crate::on_both_engines!(
    engine: the_dev_outbox_is_a_404_in_production,
    the_dev_outbox_shows_emails_in_development,
);

//! Outgoing email through SMTP and the outbox, and who may read the outbox.

use crate::helpers::{Engine, TestApp};
use crate::smtp_sink::SmtpSink;
use serde_json::{json, Value};

async fn with_smtp_the_email_is_delivered(engine: Engine) {
    let (sink, url) = SmtpSink::start().await;
    let Some(app) = TestApp::spawn_with(engine, &[("SMTP_URL", &url)]).await else {
        return;
    };
    app.register("smtp@example.com", "Smtp").await;
    let messages = sink.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: smtp@example.com"));
    assert!(messages[0].contains("Confirm your email address"));
    let status: String =
        sqlx::query_scalar("SELECT status FROM outbox WHERE to_email = 'smtp@example.com'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "sent");
}

async fn an_unreachable_smtp_server_keeps_the_email_as_failed(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("SMTP_URL", "smtp://127.0.0.1:9")]).await else {
        return;
    };
    // Signing up still works; the email waits in the outbox marked failed.
    app.register("down@example.com", "Down").await;
    let status: String =
        sqlx::query_scalar("SELECT status FROM outbox WHERE to_email = 'down@example.com'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "failed");
}

async fn only_admins_read_the_outbox(app: TestApp) {
    let tenant = app.register("reader@example.com", "Reader").await;
    let response = app
        .get_with_token(
            "/api/v1/admin/outbox/",
            tenant["tokens"]["access"].as_str().unwrap(),
        )
        .await;
    assert_eq!(response.status(), 403);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["error"]["code"], "admin_required");
    assert_eq!(app.get("/api/v1/admin/outbox/").await.status(), 401);

    let admin: Value = app
        .post_json(
            "/api/v1/auth/login/",
            &json!({"email": "admin@example.com", "password": "admin-password-123"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .get_with_token(
            "/api/v1/admin/outbox",
            admin["tokens"]["access"].as_str().unwrap(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert!(items
        .iter()
        .any(|m| m["to_email"] == "reader@example.com" && m["status"] == "stored"));
}

mod smtp {
    use super::*;
    crate::on_both_engines!(engine: with_smtp_the_email_is_delivered, an_unreachable_smtp_server_keeps_the_email_as_failed);
}

crate::on_both_engines!(only_admins_read_the_outbox);

//! Outgoing email: queued in the outbox, sent by the delivery worker through one pooled SMTP
//! connection, retried for a day; and who may read the outbox.

use crate::helpers::{Engine, TestApp};
use crate::smtp_sink::SmtpSink;
use serde_json::{json, Value};

async fn status_of(app: &TestApp, to: &str) -> (String, i64, Option<String>, Option<i64>) {
    sqlx::query_as(
        "SELECT status, attempts, error, next_attempt_at FROM outbox WHERE to_email = $1",
    )
    .bind(to)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

async fn with_smtp_mail_is_queued_then_sent_over_one_connection(engine: Engine) {
    let (sink, url) = SmtpSink::start().await;
    let Some(app) = TestApp::spawn_with(engine, &[("SMTP_URL", &url)]).await else {
        return;
    };
    // The request only queues the mail, in the transaction that issues its link.
    app.register("smtp@example.com", "Smtp").await;
    assert!(sink.messages.lock().unwrap().is_empty());
    assert_eq!(status_of(&app, "smtp@example.com").await.0, "queued");
    assert_eq!(app.deliver_mail().await, 1);
    let messages = sink.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: smtp@example.com"));
    assert!(messages[0].contains("Confirm your email address"));
    assert_eq!(status_of(&app, "smtp@example.com").await.0, "sent");
    assert_eq!(app.deliver_mail().await, 0, "sent once");

    // More mail goes through the same pooled connection.
    app.register("second@example.com", "Second").await;
    app.register("third@example.com", "Third").await;
    assert_eq!(app.deliver_mail().await, 2);
    assert_eq!(sink.messages.lock().unwrap().len(), 3);
    assert_eq!(*sink.connections.lock().unwrap(), 1);

    // Two instances draining one queue send each mail once.
    for n in 0..4 {
        app.register(&format!("pair-{n}@example.com"), "Pair").await;
    }
    let (_, other) = app.another_instance_with(&[]).await;
    let (here, there) = tokio::join!(app.deliver_mail(), app::backend::mail::deliver_due(&other));
    assert_eq!(here + there.unwrap(), 4);
    assert_eq!(sink.messages.lock().unwrap().len(), 7);
}

async fn an_unreachable_smtp_server_is_retried_for_a_day(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &[("SMTP_URL", "smtp://127.0.0.1:9")]).await else {
        return;
    };
    // Signing up still works; the email waits in the outbox and is retried.
    app.register("down@example.com", "Down").await;
    assert_eq!(app.deliver_mail().await, 1);
    let (status, attempts, error, next) = status_of(&app, "down@example.com").await;
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(error.is_some());
    assert_eq!(next, Some(crate::helpers::TEST_START + 30));
    assert_eq!(app.deliver_mail().await, 0, "not before its time");
    let start = app.clock.now();
    while status_of(&app, "down@example.com").await.0 == "queued" {
        app.set_time(app.clock.now() + 600);
        app.deliver_mail().await;
        assert!(
            app.clock.now() - start <= 25 * 3600,
            "still retrying after a day"
        );
    }
    let (status, attempts, error, next) = status_of(&app, "down@example.com").await;
    assert_eq!(status, "failed");
    assert!((20..40).contains(&attempts), "{attempts} attempts");
    assert!(error.is_some() && next.is_none());
    // Admins see why.
    let admin = app.admin().await;
    let outbox = app.json("/api/v1/admin/outbox/", &admin).await;
    let mail = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to_email"] == "down@example.com")
        .unwrap()
        .clone();
    assert_eq!(mail["status"], "failed");
    assert_eq!(mail["attempts"], attempts);
    assert!(mail["error"].is_string(), "{mail}");
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
    crate::on_both_engines!(engine: with_smtp_mail_is_queued_then_sent_over_one_connection, an_unreachable_smtp_server_is_retried_for_a_day);
}

crate::on_both_engines!(only_admins_read_the_outbox);

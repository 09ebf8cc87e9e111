//! A local HTTP receiver for outgoing webhooks: it keeps what it was sent and answers with the
//! statuses a test plans (200 once the plan runs out), or takes its time to answer.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
pub struct WebhookReceiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    delay: Arc<Mutex<Duration>>,
}

impl WebhookReceiver {
    /// Listens on a free local port; returns the receiver and its URL.
    pub async fn start() -> (WebhookReceiver, String) {
        let receiver = WebhookReceiver::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/igny8", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route("/hooks/igny8", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (receiver, url)
    }

    /// The next answers, in order, instead of any planned before; 200 after them.
    pub fn answer(&self, statuses: &[u16]) {
        *self.statuses.lock().unwrap() = statuses.iter().copied().collect();
    }

    /// Waits this long before answering every request from now on.
    pub fn hang_for(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The event types received, in order.
    pub fn types(&self) -> Vec<String> {
        self.all()
            .iter()
            .map(|r| r.json()["type"].as_str().unwrap().to_string())
            .collect()
    }
}

async fn receive(
    State(receiver): State<WebhookReceiver>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let delay = *receiver.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    receiver.received.lock().unwrap().push(Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let status = receiver.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

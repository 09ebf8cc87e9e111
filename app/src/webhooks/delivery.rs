//! The delivery worker: every instance runs one. It claims due deliveries (one attempt at a time
//! per delivery, whichever instance claims first), POSTs each signed to its endpoint, and
//! records the answer: a 2xx succeeds; anything else, a timeout or a refused address is retried
//! with exponential backoff (`crate::backend::retry`: 30 s, 1 min, 2 min, … at most an hour apart)
//! until a day after the event, then fails. Attempts run outside any request, with a time limit, so a receiver that
//! hangs or fails never slows a request of ours.

use super::model::DeliveryStatus;
use super::signature;
use super::store::{self, DueDelivery, Outcome};
use super::target::{self, Rules};
use crate::backend::clock::Timestamp;
use crate::backend::retry;
use crate::backend::AppState;
use std::time::Duration;

/// Deliveries taken per pass.
const BATCH: i64 = 50;
/// Of an error, what the log keeps.
const ERROR_MAX_CHARS: usize = 200;

/// One pass: every due delivery attempted once. Returns how many were attempted.
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let settings = &state.settings.webhooks;
    let now = state.clock.now();
    let due = store::due(&state.db, now, BATCH).await?;
    let mut attempted = 0;
    for delivery in due {
        // Longer than an attempt can take, so a lease ends only if its instance died.
        let lease_until = now + settings.timeout.as_secs() as i64 * 3 + 30;
        if !store::claim(&state.db, &delivery.id, delivery.attempts, now, lease_until).await? {
            continue; // another instance took it
        }
        attempted += 1;
        let attempt = delivery.attempts + 1;
        let answer = send(state, &delivery).await;
        let outcome = outcome(&answer, attempt, delivery.created_at, state.clock.now());
        store::record(
            &state.db,
            &delivery.id,
            attempt,
            &outcome,
            state.clock.now(),
        )
        .await?;
        if outcome.status == DeliveryStatus::Failed {
            tracing::warn!(delivery = %delivery.id, "webhook delivery gave up after a day of retries");
        }
    }
    Ok(attempted)
}

/// An answer's HTTP status, or why none came.
type Answer = Result<u16, String>;

fn outcome(answer: &Answer, attempt: i64, created_at: Timestamp, now: Timestamp) -> Outcome<'_> {
    let (code, error) = match answer {
        Ok(code) => (Some(i64::from(*code)), None),
        Err(error) => (None, Some(error.as_str())),
    };
    if matches!(answer, Ok(code) if (200..300).contains(code)) {
        return Outcome {
            status: DeliveryStatus::Succeeded,
            status_code: code,
            error: None,
            next_attempt_at: None,
        };
    }
    match retry::next_attempt(attempt, created_at, now) {
        Some(next) => Outcome {
            status: DeliveryStatus::Pending,
            status_code: code,
            error,
            next_attempt_at: Some(next),
        },
        None => Outcome {
            status: DeliveryStatus::Failed,
            status_code: code,
            error,
            next_attempt_at: None,
        },
    }
}

/// One signed POST, pinned to the addresses the host resolved to just now (and checked).
async fn send(state: &AppState, delivery: &DueDelivery) -> Answer {
    let settings = &state.settings.webhooks;
    let rules = settings.rules();
    let url = target::parse(&delivery.url, rules)?;
    let addrs = target::resolve(&url, rules).await?;
    let host = url.host_str().unwrap_or_default().to_string();
    let client = reqwest::Client::builder()
        .resolve_to_addrs(&host, &addrs)
        // A redirect could lead anywhere, a private address included: it counts as a failure.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .build()
        .map_err(|e| short(&e.to_string()))?;
    let timestamp = state.clock.now();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, "IGNY8-Webhooks/1")
        .header("IGNY8-Event", &delivery.event_type)
        .header("IGNY8-Event-Id", &delivery.event_id)
        .header("IGNY8-Delivery", &delivery.id)
        .header(
            signature::HEADER,
            signature::sign(&delivery.secret, timestamp, &delivery.payload),
        )
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("No answer within {} s.", settings.timeout.as_secs())
            } else if e.is_connect() {
                "Could not connect.".to_string()
            } else {
                short(&e.to_string())
            }
        })?;
    Ok(response.status().as_u16())
}

fn short(text: &str) -> String {
    text.chars().take(ERROR_MAX_CHARS).collect()
}

/// What the configuration says about webhooks (`WEBHOOKS_ALLOW_PRIVATE`,
/// `WEBHOOK_TIMEOUT_SECONDS`; https is required in production).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub allow_private: bool,
    pub require_https: bool,
    pub timeout: Duration,
}

impl WebhookSettings {
    pub fn rules(&self) -> Rules {
        Rules {
            allow_private: self.allow_private,
            require_https: self.require_https,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_succeeds_on_2xx_and_is_retried_otherwise_for_a_day() {
        let failed = Err::<u16, String>("Could not connect.".into());
        let early = outcome(&failed, 1, 0, 0);
        assert_eq!(
            (early.status, early.next_attempt_at),
            (DeliveryStatus::Pending, Some(30))
        );
        let late = outcome(&failed, 30, 0, retry::GIVE_UP_AFTER - 10);
        assert_eq!(
            (late.status, late.next_attempt_at),
            (DeliveryStatus::Failed, None)
        );
        let ok = outcome(&Ok(204), 3, 0, 100);
        assert_eq!(ok.status, DeliveryStatus::Succeeded);
        let refused = outcome(&Ok(500), 1, 0, 0);
        assert_eq!(
            (refused.status, refused.status_code),
            (DeliveryStatus::Pending, Some(500))
        );
    }
}

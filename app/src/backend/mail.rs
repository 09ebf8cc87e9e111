//! Outgoing email. Every message is written to the outbox table; with `SMTP_URL` set it is also
//! sent through SMTP (lettre) and marked `sent` or `failed`. Without SMTP it stays `stored`, for
//! developers at `/dev/outbox` and admins to read.

use super::ids::new_id;
use super::{AppState, Timestamp};
use crate::common::AppError;
use crate::mail::model::EmailStatus;
pub use crate::mail::model::OutboxEmail;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Records the email and, when SMTP is configured, sends it. A failed send is logged and kept
/// (status `failed`), never turned into an error for the user who triggered it.
#[tracing::instrument(skip(state, body), fields(to = %to))]
pub async fn send(state: &AppState, to: &str, subject: &str, body: &str) -> Result<(), AppError> {
    let id = new_id("mail");
    let now = state.clock.now();
    let (status, error) = match &state.settings.smtp_url {
        None => (EmailStatus::Stored, None),
        Some(url) => {
            match deliver(url.expose(), &state.settings.mail_from, to, subject, body).await {
                Ok(()) => (EmailStatus::Sent, None),
                Err(e) => {
                    tracing::warn!(error = %e, "SMTP delivery failed; kept in the outbox");
                    (EmailStatus::Failed, Some(e))
                }
            }
        }
    };
    sqlx::query(
        "INSERT INTO outbox (id, to_email, subject, body, status, error, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(status)
    .bind(error)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    Ok(())
}

async fn deliver(
    smtp_url: &str,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let from: Mailbox = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
        .map_err(|e| format!("SMTP_URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(10)))
        .build();
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The newest emails first.
pub async fn recent(state: &AppState, limit: i64) -> Result<Vec<OutboxEmail>, AppError> {
    let rows = sqlx::query_as::<_, (String, String, String, String, EmailStatus, Timestamp)>(
        "SELECT id, to_email, subject, body, status, created_at FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, to_email, subject, body, status, created_at)| OutboxEmail {
                id,
                to_email,
                subject,
                body,
                status,
                created_at: super::clock::rfc3339(created_at),
            },
        )
        .collect())
}

//! Outgoing email through a queue. [`send`] (or [`queue_in`], inside the transaction of the change
//! that causes the mail) writes the message to the outbox: `queued` when SMTP is configured, else
//! `stored`, kept for developers at `/dev/outbox` and for admins. The delivery worker of every
//! instance ([`deliver_due`], run by `scheduler::spawn_deliveries`) claims queued mails one attempt
//! at a time and sends them through one pooled SMTP connection ([`Mailer`]); a failure is retried
//! with backoff (`retry.rs`) for a day, then the mail is `failed`. No request waits for SMTP.
//!
//! A receipt carries its invoice's PDF ([`send_with_invoice`]): the outbox names the invoice and
//! the worker renders the PDF when it sends, so the queue holds no copies of documents.

use super::ids::new_id;
use super::retry;
use super::{AppState, Timestamp, Tx};
use crate::common::AppError;
use crate::mail::model::EmailStatus;
pub use crate::mail::model::OutboxEmail;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Mails taken per pass of the worker.
const BATCH: i64 = 50;
/// How long the worker may hold a claimed mail: longer than an SMTP exchange (10 s time limit).
const LEASE: i64 = 60;
const ERROR_MAX_CHARS: usize = 300;

/// The SMTP side: one transport, whose pool keeps its connections for every mail.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP credentials: never printed.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// From `SMTP_URL` and `MAIL_FROM`; an error names the setting that is wrong.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(Mailer { transport, from })
    }

    async fn deliver(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        attachment: Option<Pdf>,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        let message = match attachment {
            None => builder.body(body.to_string()),
            Some(pdf) => builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body.to_string()))
                    .singlepart(Attachment::new(pdf.file_name).body(
                        pdf.bytes,
                        ContentType::parse("application/pdf").map_err(|e| e.to_string())?,
                    )),
            ),
        }
        .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A PDF attached to a mail.
struct Pdf {
    file_name: String,
    bytes: Vec<u8>,
}

/// Queues an email on its own (after the change that causes it committed). A failure to record
/// it is the caller's to log; sending never fails here.
pub async fn send(state: &AppState, to: &str, subject: &str, body: &str) -> Result<(), AppError> {
    send_with_invoice(state, to, subject, body, None).await
}

/// [`send`], with the PDF of invoice `invoice_id` attached when there is one.
#[tracing::instrument(skip(state, body), fields(to = %to))]
pub async fn send_with_invoice(
    state: &AppState,
    to: &str,
    subject: &str,
    body: &str,
    invoice_id: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    insert(&mut tx, state, [to, subject, body], invoice_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues an email in `tx`: it goes out if and only if the transaction commits.
pub async fn queue_in(
    tx: &mut Tx,
    state: &AppState,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    insert(tx, state, [to, subject, body], None).await
}

async fn insert(
    tx: &mut Tx,
    state: &AppState,
    [to, subject, body]: [&str; 3],
    invoice_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    let (status, due) = match state.mailer {
        Some(_) => (EmailStatus::Queued, Some(now)),
        None => (EmailStatus::Stored, None),
    };
    sqlx::query(
        "INSERT INTO outbox (id, to_email, subject, body, status, created_at, attempts, next_attempt_at, invoice_id) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(new_id("mail"))
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(status)
    .bind(now)
    .bind(due)
    .bind(invoice_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DueMail {
    id: String,
    to_email: String,
    subject: String,
    body: String,
    attempts: i64,
    created_at: Timestamp,
    invoice_id: Option<String>,
}

/// The PDF of the invoice a mail carries, rendered now.
async fn invoice_pdf(state: &AppState, invoice_id: &str) -> Result<Pdf, String> {
    let invoice = crate::invoices::store::find(&state.db, None, invoice_id)
        .await
        .map_err(|e| format!("invoice {invoice_id}: {e}"))?
        .ok_or_else(|| format!("invoice {invoice_id} not found"))?;
    Ok(Pdf {
        file_name: format!("{}.pdf", invoice.number),
        bytes: crate::invoices::pdf::render(&invoice),
    })
}

/// One pass of the worker: every queued mail that is due is tried once, by whichever instance
/// claims it. How many were tried.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let Some(mailer) = &state.mailer else {
        return Ok(0);
    };
    let now = state.clock.now();
    let due: Vec<DueMail> = sqlx::query_as(
        "SELECT id, to_email, subject, body, attempts, created_at, invoice_id FROM outbox \
         WHERE status = 'queued' AND next_attempt_at <= $1 \
         AND (leased_until IS NULL OR leased_until <= $1) ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(state.db.pool())
    .await?;
    let mut tried = 0;
    for mail in due {
        let claimed = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, leased_until = $4 WHERE id = $1 \
             AND attempts = $2 AND status = 'queued' AND (leased_until IS NULL OR leased_until <= $3)",
        )
        .bind(&mail.id)
        .bind(mail.attempts)
        .bind(now)
        .bind(now + LEASE)
        .execute(state.db.writer())
        .await?;
        if claimed.rows_affected() != 1 {
            continue; // another instance took it
        }
        tried += 1;
        let attempt = mail.attempts + 1;
        let attachment = match &mail.invoice_id {
            Some(id) => invoice_pdf(state, id).await.map(Some),
            None => Ok(None),
        };
        let result = match attachment {
            Ok(attachment) => {
                mailer
                    .deliver(&mail.to_email, &mail.subject, &mail.body, attachment)
                    .await
            }
            Err(e) => Err(e),
        };
        let done_at = state.clock.now();
        let (status, error, next) = match result {
            Ok(()) => (EmailStatus::Sent, None, None),
            Err(e) => {
                let error: String = e.chars().take(ERROR_MAX_CHARS).collect();
                match retry::next_attempt(attempt, mail.created_at, done_at) {
                    Some(next) => {
                        tracing::warn!(error = %error, attempt, "SMTP delivery failed; will retry");
                        (EmailStatus::Queued, Some(error), Some(next))
                    }
                    None => {
                        tracing::error!(error = %error, "SMTP delivery failed for a day; gave up");
                        (EmailStatus::Failed, Some(error), None)
                    }
                }
            }
        };
        sqlx::query(
            "UPDATE outbox SET status = $3, error = $4, next_attempt_at = $5, leased_until = NULL, \
             sent_at = CASE WHEN $3 = 'sent' THEN $6 ELSE sent_at END \
             WHERE id = $1 AND attempts = $2",
        )
        .bind(&mail.id)
        .bind(attempt)
        .bind(status)
        .bind(error)
        .bind(next)
        .bind(done_at)
        .execute(state.db.writer())
        .await?;
    }
    Ok(tried)
}

/// The newest emails first.
pub async fn recent(state: &AppState, limit: i64) -> Result<Vec<OutboxEmail>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        to_email: String,
        subject: String,
        body: String,
        status: EmailStatus,
        created_at: Timestamp,
        attempts: i64,
        error: Option<String>,
        next_attempt_at: Option<Timestamp>,
        invoice_number: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT o.id, o.to_email, o.subject, o.body, o.status, o.created_at, o.attempts, o.error, \
         o.next_attempt_at, i.number AS invoice_number \
         FROM outbox o LEFT JOIN invoices i ON i.id = o.invoice_id \
         ORDER BY o.created_at DESC, o.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| OutboxEmail {
            id: row.id,
            to_email: row.to_email,
            subject: row.subject,
            body: row.body,
            status: row.status,
            created_at: super::clock::rfc3339(row.created_at),
            attempts: row.attempts,
            error: row.error,
            next_attempt_at: row.next_attempt_at.map(super::clock::rfc3339),
            attachment: row.invoice_number.map(|number| format!("{number}.pdf")),
        })
        .collect())
}

use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What became of an email of the outbox.
    pub enum EmailStatus {
        /// Kept in the outbox only: no SMTP server is configured.
        Stored = "stored",
        /// Waiting for the delivery worker: not tried yet, or tried and to be retried.
        Queued = "queued",
        Sent = "sent",
        /// SMTP refused it for a day of retries; kept, never an error for the user.
        Failed = "failed",
    }
}

/// One email of the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxEmail {
    pub id: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub status: EmailStatus,
    pub created_at: String,
    /// SMTP attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When a queued mail is tried (again).
    pub next_attempt_at: Option<String>,
    /// The file attached to it (an invoice's PDF), by name.
    pub attachment: Option<String>,
}

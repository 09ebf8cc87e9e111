use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What became of an email of the outbox.
    pub enum EmailStatus {
        /// Kept in the outbox only: no SMTP server is configured.
        Stored = "stored",
        Sent = "sent",
        /// The SMTP server refused it; kept, never an error for the user.
        Failed = "failed",
    }
}

/// One email of the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxEmail {
    pub id: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub status: EmailStatus,
    pub created_at: String,
}

use serde::{Deserialize, Serialize};

/// One email of the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxEmail {
    pub id: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    /// `stored` (no SMTP configured), `sent` or `failed`.
    pub status: String,
    pub created_at: String,
}

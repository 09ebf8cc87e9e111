//! Invitation records: issued with a random token whose hash alone is stored, usable once, until
//! they expire or are revoked.

use crate::auth::tokens;
use crate::backend::clock::Timestamp;
use crate::backend::ids::new_id;
use crate::backend::Tx;
use crate::common::{AppError, AppResult, ErrorKind};

/// How long an invitation link works.
pub const INVITATION_TTL: i64 = 7 * 24 * 3600;

/// An invitation that can still be accepted.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenInvitation {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub invited_by: String,
}

/// Issues an invitation; returns its id and the token for the link.
pub async fn issue(
    tx: &mut Tx,
    account_id: &str,
    email: &str,
    invited_by: &str,
    now: Timestamp,
) -> Result<(String, String), sqlx::Error> {
    // An expired invitation to the same person makes room for the new one.
    sqlx::query(
        "UPDATE invitations SET revoked_at = $1 WHERE account_id = $2 AND email = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= $1",
    )
    .bind(now)
    .bind(account_id)
    .bind(email)
    .execute(&mut **tx)
    .await?;
    let id = new_id("inv");
    let token = tokens::random_token();
    sqlx::query(
        "INSERT INTO invitations (id, account_id, email, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(email)
    .bind(tokens::hash_token(&token))
    .bind(invited_by)
    .bind(now)
    .bind(now + INVITATION_TTL)
    .execute(&mut **tx)
    .await?;
    Ok((id, token))
}

/// Whether `email` has an invitation to the account that can still be accepted.
pub async fn is_pending(
    tx: &mut Tx,
    account_id: &str,
    email: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let open: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM invitations WHERE account_id = $1 AND email = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(account_id)
    .bind(email)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(open > 0)
}

/// The same answer for a wrong, used, revoked or expired link: which one is nobody's business.
pub fn no_longer_valid() -> AppError {
    AppError::with_message(
        ErrorKind::NotFound,
        "This invitation link is not valid any more: it was used, revoked or has expired. Ask the account owner to invite you again.",
    )
}

/// The open invitation behind a token.
pub async fn find_open<'c, E>(conn: E, token: &str, now: Timestamp) -> AppResult<OpenInvitation>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_as(
        "SELECT id, account_id, email, invited_by FROM invitations WHERE token_hash = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(tokens::hash_token(token))
    .bind(now)
    .fetch_optional(conn)
    .await?
    .ok_or_else(no_longer_valid)
}

/// Marks the invitation accepted, once: of two concurrent acceptances only one passes.
pub async fn spend(tx: &mut Tx, id: &str, user_id: &str, now: Timestamp) -> AppResult<()> {
    let spent = sqlx::query(
        "UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if spent == 1 {
        Ok(())
    } else {
        Err(no_longer_valid())
    }
}

/// Revokes a pending invitation of the account; `false` when there is none with this id.
pub async fn revoke(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let revoked = sqlx::query(
        "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(revoked == 1)
}

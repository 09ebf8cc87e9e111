//! SQL for sessions, refresh tokens and single-use email tokens.

use super::model::{AccountView, SessionView, UserView};
use super::tokens::{self, Identity, REFRESH_TTL};
use crate::accounts::model::Role;
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::{Db, Flag, Timestamp, Tx};
use crate::plans::model::PlanRef;
use crate::subscriptions::model::SubscriptionStatus;

/// A session that was just opened or rotated, with the refresh token to hand to the client.
pub struct IssuedRefresh {
    pub session_id: String,
    pub refresh_token: String,
}

async fn insert_refresh(
    tx: &mut Tx,
    session_id: &str,
    now: Timestamp,
) -> Result<String, sqlx::Error> {
    let token = tokens::random_token();
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(tokens::hash_token(&token))
        .bind(session_id)
        .bind(now)
        .bind(now + REFRESH_TTL)
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

pub async fn open_session(
    db: &Db,
    user_id: &str,
    now: Timestamp,
) -> Result<IssuedRefresh, sqlx::Error> {
    let mut tx = db.begin().await?;
    let session_id = new_id("sess");
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&session_id)
    .bind(user_id)
    .bind(now)
    .bind(now + REFRESH_TTL)
    .execute(&mut *tx)
    .await?;
    let refresh_token = insert_refresh(&mut tx, &session_id, now).await?;
    tx.commit().await?;
    Ok(IssuedRefresh {
        session_id,
        refresh_token,
    })
}

pub enum Rotation {
    Rotated {
        user_id: String,
        issued: IssuedRefresh,
    },
    /// Unknown, expired, or its session is revoked.
    Invalid,
    /// A spent token came back: its whole session has now been revoked.
    ReuseDetected,
}

/// A refresh token with its session.
#[derive(sqlx::FromRow)]
struct RefreshRow {
    session_id: String,
    expires_at: Timestamp,
    spent_at: Option<Timestamp>,
    user_id: String,
    revoked_at: Option<Timestamp>,
}

/// Spends a refresh token and issues its successor in the same session. The spend is a
/// conditional update, so of two concurrent uses of one token exactly one wins; the other is
/// treated as reuse.
pub async fn rotate_refresh(
    db: &Db,
    presented: &str,
    now: Timestamp,
) -> Result<Rotation, sqlx::Error> {
    let hash = tokens::hash_token(presented);
    let mut tx = db.begin().await?;
    let row = sqlx::query_as::<_, RefreshRow>(
        "SELECT t.session_id, t.expires_at, t.spent_at, s.user_id, s.revoked_at \
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(RefreshRow {
        session_id,
        expires_at,
        spent_at,
        user_id,
        revoked_at,
    }) = row
    else {
        return Ok(Rotation::Invalid);
    };
    if revoked_at.is_some() || expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    let spent_now = spent_at.is_none()
        && sqlx::query(
            "UPDATE refresh_tokens SET spent_at = $1 WHERE token_hash = $2 AND spent_at IS NULL",
        )
        .bind(now)
        .bind(&hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
    if !spent_now {
        revoke_session_in(&mut tx, &session_id, now).await?;
        tx.commit().await?;
        return Ok(Rotation::ReuseDetected);
    }
    let refresh_token = insert_refresh(&mut tx, &session_id, now).await?;
    tx.commit().await?;
    Ok(Rotation::Rotated {
        user_id,
        issued: IssuedRefresh {
            session_id,
            refresh_token,
        },
    })
}

async fn revoke_session_in(
    tx: &mut Tx,
    session_id: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn revoke_session(db: &Db, session_id: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    revoke_session_in(&mut tx, session_id, now).await?;
    tx.commit().await
}

/// Ends every session of a user except `keep` (after a password change or reset).
pub async fn revoke_other_sessions(
    tx: &mut Tx,
    user_id: &str,
    keep: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The user, account and plan as pages and services see them.
const VIEW_SELECT: &str =
    "SELECT u.id AS user_id, u.email, u.full_name, u.is_admin, u.email_verified_at, u.role, \
            a.id AS account_id, a.name AS account_name, a.slug, \
            sub.status AS subscription_status, p.id AS plan_id, p.name AS plan_name, p.modules, \
            (SELECT tc.offset_seconds FROM test_clocks tc WHERE tc.account_id = a.id) AS clock_offset \
     FROM users u \
     JOIN accounts a ON a.id = u.account_id \
     LEFT JOIN subscriptions sub ON sub.account_id = a.id AND sub.status <> 'canceled' \
     LEFT JOIN plans p ON p.id = sub.plan_id";

/// The user, account and plan as [`VIEW_SELECT`] reads them.
#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: String,
    email: String,
    full_name: String,
    is_admin: Flag,
    email_verified_at: Option<Timestamp>,
    role: Role,
    account_id: String,
    account_name: String,
    slug: String,
    subscription_status: Option<SubscriptionStatus>,
    plan_id: Option<String>,
    plan_name: Option<String>,
    /// Comma-separated module names of the live plan.
    modules: Option<String>,
    /// How far the account's test clock is ahead of the real time, if it has one.
    clock_offset: Option<i64>,
}

impl SessionRow {
    fn into_view(self, require_email_verification: bool, now: Timestamp) -> SessionView {
        let email_verified = self.email_verified_at.is_some();
        let is_admin = *self.is_admin;
        SessionView {
            user: UserView {
                id: self.user_id,
                email: self.email,
                full_name: self.full_name,
                is_admin,
                email_verified,
                role: self.role,
            },
            account: AccountView {
                id: self.account_id,
                name: self.account_name,
                slug: self.slug,
                plan: self
                    .plan_id
                    .zip(self.plan_name)
                    .map(|(id, name)| PlanRef { id, name }),
                subscription_status: self.subscription_status,
                modules: self
                    .modules
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect(),
                test_clock: self.clock_offset.map(|ahead| rfc3339(now + ahead)),
            },
            must_verify_email: require_email_verification && !email_verified && !is_admin,
        }
    }
}

/// The condition that an identity's credentials are still live — its session, or its API key,
/// neither revoked nor expired — on a user row `u`, with `$1` the session's (or key's) id and `$3`
/// the time. An API key's use is recorded at most once a minute, not here.
pub fn live_credentials_sql(identity: &Identity) -> &'static str {
    if identity.is_api_key() {
        "EXISTS (SELECT 1 FROM api_keys k WHERE k.id = $1 AND k.user_id = u.id \
         AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $3))"
    } else {
        "EXISTS (SELECT 1 FROM sessions se WHERE se.id = $1 AND se.user_id = u.id \
         AND se.revoked_at IS NULL AND se.expires_at > $3)"
    }
}

/// The signed-in user, account and plan for live credentials; `None` once they are revoked or
/// expired.
pub async fn load_session_view(
    db: &Db,
    identity: &Identity,
    now: Timestamp,
    require_email_verification: bool,
) -> Result<Option<SessionView>, sqlx::Error> {
    let row = sqlx::query_as::<_, SessionRow>(&format!(
        "{VIEW_SELECT} WHERE u.id = $2 AND {}",
        live_credentials_sql(identity)
    ))
    .bind(&identity.session_id)
    .bind(&identity.user_id)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|row| row.into_view(require_email_verification, now)))
}

/// The same view for work done on a user's behalf outside a request (queued jobs).
pub async fn load_user_view(
    db: &Db,
    user_id: &str,
    now: Timestamp,
) -> Result<Option<SessionView>, sqlx::Error> {
    let row = sqlx::query_as::<_, SessionRow>(&format!("{VIEW_SELECT} WHERE u.id = $1"))
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|row| row.into_view(false, now)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailPurpose {
    VerifyEmail,
    PasswordReset,
}

impl EmailPurpose {
    fn as_str(self) -> &'static str {
        match self {
            EmailPurpose::VerifyEmail => "verify_email",
            EmailPurpose::PasswordReset => "password_reset",
        }
    }

    pub fn ttl(self) -> i64 {
        match self {
            EmailPurpose::VerifyEmail => 24 * 3600,
            EmailPurpose::PasswordReset => 3600,
        }
    }
}

/// Issues a single-use token; earlier unused tokens of the same purpose stop working.
pub async fn issue_email_token(
    tx: &mut Tx,
    user_id: &str,
    email: &str,
    purpose: EmailPurpose,
    now: Timestamp,
) -> Result<String, sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    let token = tokens::random_token();
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tokens::hash_token(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(now)
    .bind(now + purpose.ttl())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Spends a valid token (conditionally, so it works once even under concurrent clicks) and
/// returns the user and email it was issued for.
pub async fn consume_email_token(
    tx: &mut Tx,
    token: &str,
    purpose: EmailPurpose,
    now: Timestamp,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let hash = tokens::hash_token(token);
    let spent = sqlx::query(
        "UPDATE email_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(&hash)
    .bind(purpose.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if spent != 1 {
        return Ok(None);
    }
    let spent_for = sqlx::query_as("SELECT user_id, email FROM email_tokens WHERE token_hash = $1")
        .bind(&hash)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Some(spent_for))
}

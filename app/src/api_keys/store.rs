//! The `api_keys` table (migration 0018).

use super::model::{ApiKeyView, Scopes};
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::{Db, Tx};

/// A key's row, without its hash.
#[derive(sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub scopes: String,
    pub prefix: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, user_id, name, scopes, prefix, created_at, expires_at, revoked_at, last_used_at";

impl KeyRow {
    pub fn scopes(&self) -> Scopes {
        // The table only holds names this build wrote; an unknown one grants nothing.
        Scopes::parse(self.scopes.split(',')).unwrap_or_default()
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    pub fn view(&self, now: Timestamp) -> ApiKeyView {
        let status = if self.revoked_at.is_some() {
            "revoked"
        } else if self.is_expired(now) {
            "expired"
        } else {
            "active"
        };
        ApiKeyView {
            id: self.id.clone(),
            name: self.name.clone(),
            scopes: self.scopes().to_vec(),
            prefix: self.prefix.clone(),
            created_at: rfc3339(self.created_at),
            expires_at: self.expires_at.map(rfc3339),
            last_used_at: self.last_used_at.map(rfc3339),
            revoked_at: self.revoked_at.map(rfc3339),
            status: status.to_string(),
        }
    }
}

/// What a new key is made of.
pub struct NewKeyRow<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub scopes: Scopes,
    pub key_hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: Option<Timestamp>,
}

pub async fn insert(tx: &mut Tx, key: &NewKeyRow<'_>, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_keys (id, account_id, user_id, name, scopes, key_hash, prefix, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(key.id)
    .bind(key.account_id)
    .bind(key.user_id)
    .bind(key.name)
    .bind(key.scopes.to_text())
    .bind(key.key_hash)
    .bind(key.prefix)
    .bind(now)
    .bind(key.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account's keys, newest first.
pub async fn list(db: &Db, account_id: &str) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(db.pool())
    .await
}

/// Keys that still work, counted while the account's row is locked by the caller.
pub async fn count_live(tx: &mut Tx, account_id: &str, now: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM api_keys WHERE account_id = $1 \
         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(account_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The key of a secret's hash (by the unique index), whatever its state.
pub async fn by_hash(db: &Db, key_hash: &str) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1"
    ))
    .bind(key_hash)
    .fetch_optional(db.pool())
    .await
}

/// One of the account's keys, for an update in `tx`.
pub async fn of_account(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await
}

/// Revokes a key that is not revoked yet; false when it already was.
pub async fn revoke(tx: &mut Tx, id: &str, now: Timestamp) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a use, unless one was recorded in the last minute (the caller checked that, this
/// only keeps two instances from both writing).
pub async fn touch(db: &Db, id: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - super::service::USE_RECORDED_EVERY)
    .execute(db.writer())
    .await?;
    Ok(())
}

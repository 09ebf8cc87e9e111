//! The audit log: every admin action, who did it, when, to what, the state before and after, and
//! why. Written in the same transaction as the action, so an action is never without its entry;
//! append-only (this module only inserts and reads).

use super::model::{AuditEntryView, AuditQuery};
use crate::auth::model::SessionView;
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::ids::new_id;
use crate::backend::{Db, Tx};
use sqlx::Row;

/// One admin action to record.
pub struct Action<'a> {
    pub admin: &'a SessionView,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: &'a str,
}

pub async fn record(tx: &mut Tx, action: Action<'_>, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, actor_id, actor_email, action, target_type, target_id, \
         before_json, after_json, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id("audit"))
    .bind(&action.admin.user.id)
    .bind(&action.admin.user.email)
    .bind(action.action)
    .bind(action.target_type)
    .bind(action.target_id)
    .bind(action.before.map(|v| v.to_string()))
    .bind(action.after.map(|v| v.to_string()))
    .bind(action.reason.trim())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Entries matching the query, newest first, and how many match.
pub async fn list(
    db: &Db,
    query: &AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntryView>, i64), sqlx::Error> {
    let action = query.action.clone().unwrap_or_default();
    let actor = query.actor.clone().unwrap_or_default().to_lowercase();
    let target = query.target_id.clone().unwrap_or_default();
    let filter = "($1 = '' OR action = $1) AND ($2 = '' OR actor_email = $2 OR actor_id = $2) \
                  AND ($3 = '' OR target_id = $3)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE {filter}"
    ))
    .bind(&action)
    .bind(&actor)
    .bind(&target)
    .fetch_one(db.pool())
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT id, actor_id, actor_email, action, target_type, target_id, before_json, after_json, \
         reason, created_at FROM audit_log WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&action)
    .bind(&actor)
    .bind(&target)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    let items = rows
        .iter()
        .map(|row| {
            Ok(AuditEntryView {
                id: row.try_get("id")?,
                actor_id: row.try_get("actor_id")?,
                actor_email: row.try_get("actor_email")?,
                action: row.try_get("action")?,
                target_type: row.try_get("target_type")?,
                target_id: row.try_get("target_id")?,
                before: parse(row.try_get("before_json")?),
                after: parse(row.try_get("after_json")?),
                reason: row.try_get("reason")?,
                created_at: rfc3339(row.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total))
}

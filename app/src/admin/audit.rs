//! The audit log: every admin action, who did it, when, to what, the state before and after, and
//! why. Written in the same transaction as the action, so an action is never without its entry;
//! append-only (this module only inserts and reads).

use super::model::{AuditEntryView, AuditQuery};
use crate::auth::model::SessionView;
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::ids::new_id;
use crate::backend::listing::{Filter, ListQuery};
use crate::backend::{Db, Tx};
use crate::common::{Page, PageRequest};

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

impl<'a> Action<'a> {
    /// An account owner's change to their own account's credentials or integrations (API keys,
    /// webhooks): audited like an admin's, with no reason asked.
    pub fn by_owner(
        owner: &'a SessionView,
        action: &'a str,
        target: (&'a str, &'a str),
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Action<'a> {
        Action {
            admin: owner,
            action,
            target_type: target.0,
            target_id: target.1,
            before,
            after,
            reason: "",
        }
    }
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

/// An entry as the log reads it: the states before and after are kept as JSON text.
#[derive(sqlx::FromRow)]
struct LoggedAction {
    id: String,
    actor_id: String,
    actor_email: String,
    action: String,
    target_type: String,
    target_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    reason: String,
    created_at: Timestamp,
}

impl From<LoggedAction> for AuditEntryView {
    fn from(row: LoggedAction) -> AuditEntryView {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEntryView {
            id: row.id,
            actor_id: row.actor_id,
            actor_email: row.actor_email,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before: parse(row.before_json),
            after: parse(row.after_json),
            reason: row.reason,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// Entries matching the query, newest first, and how many match.
pub async fn list(
    db: &Db,
    query: &AuditQuery,
    page: PageRequest,
) -> Result<Page<AuditEntryView>, sqlx::Error> {
    let actor = query.actor.as_deref().map(str::to_lowercase);
    let filter = Filter::new()
        .and_set("action = ?", query.action.as_deref())
        .and_set("(actor_email = ? OR actor_id = ?)", actor.as_deref())
        .and_set("target_id = ?", query.target_id.as_deref());
    let list = ListQuery::new(
        "SELECT id, actor_id, actor_email, action, target_type, target_id, before_json, after_json, \
         reason, created_at FROM audit_log",
        filter,
        "ORDER BY created_at DESC, id DESC",
    );
    Ok(list.page::<LoggedAction>(db, page).await?.map(Into::into))
}

//! Finding accounts and their users for admins: server-side search (account name, slug, user
//! email), filters (plan, subscription status), sorting and pages. The same query feeds the JSON
//! list and the streamed CSV export.

use super::model::{AdminUserRow, UserQuery};
use crate::backend::clock::rfc3339;
use crate::backend::db::Arg;
use crate::backend::Db;
use sqlx::Row;

pub const USER_COLUMNS: &str = "u.id AS user_id, u.email, u.full_name, u.role, a.id AS account_id, \
     a.name AS account_name, a.slug AS account_slug, p.name AS plan_name, s.status AS subscription_status, \
     a.credit_balance, u.created_at";

/// A user with their account and its live subscription and plan.
const USER_FROM: &str = "FROM users u JOIN accounts a ON a.id = u.account_id \
     LEFT JOIN subscriptions s ON s.account_id = a.id AND s.status <> 'canceled' \
     LEFT JOIN plans p ON p.id = s.plan_id";

/// `FROM … WHERE …` of the search with its arguments, and the `ORDER BY` of the chosen sort.
pub fn user_search(query: &UserQuery) -> (String, Vec<Arg>, &'static str) {
    let q = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    // `\` escapes LIKE's wildcards typed by the admin.
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let from = format!(
        "{USER_FROM} WHERE u.is_admin = 0 \
         AND (LOWER(a.name) LIKE $1 ESCAPE '\\' OR a.slug LIKE $1 ESCAPE '\\' OR u.email LIKE $1 ESCAPE '\\') \
         AND ($2 = '' OR p.slug = $2) \
         AND ($3 = '' OR ($3 = 'none' AND s.id IS NULL) OR s.status = $3)"
    );
    let args = vec![
        Arg::Text(format!("%{escaped}%")),
        Arg::filter(&query.plan),
        Arg::filter(&query.status),
    ];
    let order = match query.sort.as_deref() {
        Some("email") => "ORDER BY u.email, u.id",
        Some("balance") => "ORDER BY a.credit_balance DESC, u.email, u.id",
        Some("account") => "ORDER BY a.name, u.email, u.id",
        _ => "ORDER BY u.created_at DESC, u.id DESC",
    };
    (from, args, order)
}

pub fn user_from_row(row: &sqlx::any::AnyRow) -> Result<AdminUserRow, sqlx::Error> {
    Ok(AdminUserRow {
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        role: row.try_get("role")?,
        account_id: row.try_get("account_id")?,
        account_name: row.try_get("account_name")?,
        account_slug: row.try_get("account_slug")?,
        plan: row.try_get("plan_name")?,
        subscription_status: row.try_get("subscription_status")?,
        credit_balance: row.try_get("credit_balance")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

/// One page of the search and how many match.
pub async fn search(
    db: &Db,
    query: &UserQuery,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AdminUserRow>, i64), sqlx::Error> {
    let (from, args, order) = user_search(query);
    let sql = format!("SELECT {USER_COLUMNS} {from} {order}");
    let (rows, total) = crate::backend::db::fetch_page(db, &sql, args, limit, offset).await?;
    let items = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// One user with their account, by user id.
pub async fn find_user(db: &Db, user_id: &str) -> Result<Option<AdminUserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} {USER_FROM} WHERE u.id = $1");
    let row = sqlx::query(&sql)
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

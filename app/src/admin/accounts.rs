//! Finding accounts and their users for admins: server-side search (account name, slug, user
//! email), filters (plan, subscription status), sorting and pages. The same query feeds the JSON
//! list and the streamed CSV export.

use super::model::{AdminUserRow, UserQuery};
use crate::accounts::model::Role;
use crate::backend::clock::rfc3339;
use crate::backend::listing::{Filter, ListQuery};
use crate::backend::{Db, Timestamp};
use crate::common::{Page, PageRequest};
use crate::subscriptions::model::SubscriptionStatus;

/// A user with their account and its live subscription and plan.
const USER_SELECT: &str = "SELECT u.id AS user_id, u.email, u.full_name, u.role, a.id AS account_id, \
     a.name AS account_name, a.slug AS account_slug, p.name AS plan_name, s.status AS subscription_status, \
     a.credit_balance, u.created_at \
     FROM users u JOIN accounts a ON a.id = u.account_id \
     LEFT JOIN subscriptions s ON s.account_id = a.id AND s.status <> 'canceled' \
     LEFT JOIN plans p ON p.id = s.plan_id";

/// A row of [`USER_SELECT`].
#[derive(sqlx::FromRow)]
pub struct ListedUser {
    user_id: String,
    email: String,
    full_name: String,
    role: Role,
    account_id: String,
    account_name: String,
    account_slug: String,
    plan_name: Option<String>,
    subscription_status: Option<SubscriptionStatus>,
    credit_balance: i64,
    created_at: Timestamp,
}

impl From<ListedUser> for AdminUserRow {
    fn from(row: ListedUser) -> AdminUserRow {
        AdminUserRow {
            user_id: row.user_id,
            email: row.email,
            full_name: row.full_name,
            role: row.role,
            account_id: row.account_id,
            account_name: row.account_name,
            account_slug: row.account_slug,
            plan: row.plan_name,
            subscription_status: row.subscription_status,
            credit_balance: row.credit_balance,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The search (admins themselves are not listed), in the chosen sort: the JSON list's and the CSV export's.
pub fn user_search(query: &UserQuery) -> ListQuery {
    let q = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    // `\` escapes LIKE's wildcards typed by the admin.
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut filter = Filter::new().and_always("u.is_admin = 0").and(
        "(LOWER(a.name) LIKE ? ESCAPE '\\' OR a.slug LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')",
        format!("%{escaped}%"),
    );
    filter = filter.and_set("p.slug = ?", query.plan.as_deref());
    filter = match query.status.as_deref().map(str::trim) {
        Some("none") => filter.and_always("s.id IS NULL"),
        status => filter.and_set("s.status = ?", status),
    };
    let order = match query.sort.as_deref() {
        Some("email") => "ORDER BY u.email, u.id",
        Some("balance") => "ORDER BY a.credit_balance DESC, u.email, u.id",
        Some("account") => "ORDER BY a.name, u.email, u.id",
        _ => "ORDER BY u.created_at DESC, u.id DESC",
    };
    ListQuery::new(USER_SELECT, filter, order)
}

/// One page of the search and how many match.
pub async fn search(
    db: &Db,
    query: &UserQuery,
    page: PageRequest,
) -> Result<Page<AdminUserRow>, sqlx::Error> {
    let found = user_search(query).page::<ListedUser>(db, page).await?;
    Ok(found.map(Into::into))
}

/// One user with their account, by user id.
pub async fn find_user(db: &Db, user_id: &str) -> Result<Option<AdminUserRow>, sqlx::Error> {
    let user: Option<ListedUser> = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(user.map(Into::into))
}

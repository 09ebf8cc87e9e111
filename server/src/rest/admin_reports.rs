//! Admin reports: `GET /api/v1/admin/billing/stats/`, `GET /api/v1/admin/users/` (search,
//! filters, sort, pages; `?format=csv`) and `GET /api/v1/admin/audit/`.

use super::csv;
use super::paging::Paging;
use super::params::ApiQuery;
use super::route;
use app::admin::accounts::{self, ListedUser};
use app::admin::model::{AdminUserRow, AuditEntryView, AuditQuery, StatsView, UserQuery};
use app::admin::{audit, stats};
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::AppResult;
use app::invoices::model::Page;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/billing/stats", get(billing_stats));
    let router = route(router, "/admin/users", get(users));
    route(router, "/admin/audit", get(audit_log))
}

async fn billing_stats(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> AppResult<Json<StatsView>> {
    Ok(Json(stats::stats(&state.db, state.clock.now()).await?))
}

const USER_CSV_HEADER: &[&str] = &[
    "user_id",
    "email",
    "full_name",
    "role",
    "account_id",
    "account_name",
    "account_slug",
    "plan",
    "subscription_status",
    "credit_balance",
    "created_at",
];

fn user_fields(row: &AdminUserRow) -> Vec<String> {
    vec![
        row.user_id.clone(),
        row.email.clone(),
        row.full_name.clone(),
        row.role.to_string(),
        row.account_id.clone(),
        row.account_name.clone(),
        row.account_slug.clone(),
        row.plan.clone().unwrap_or_default(),
        row.subscription_status
            .map(|s| s.to_string())
            .unwrap_or_default(),
        row.credit_balance.to_string(),
        row.created_at.clone(),
    ]
}

async fn users(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(format): ApiQuery<super::csv::Format>,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> AppResult<Response> {
    if format.is_csv() {
        return Ok(csv::stream(
            &state,
            "users.csv",
            USER_CSV_HEADER,
            accounts::user_search(&query),
            |row: ListedUser| user_fields(&row.into()),
        ));
    }
    let found = accounts::search(&state.db, &query, *paging).await?;
    Ok(Json::<Page<AdminUserRow>>(found).into_response())
}

async fn audit_log(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditEntryView>>> {
    Ok(Json(audit::list(&state.db, &query, *paging).await?))
}

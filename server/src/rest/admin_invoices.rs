//! `GET /api/v1/admin/invoices/` (filters: status, account_id, from, to; `?format=csv`) and
//! `POST /api/v1/admin/invoices/{id}/void/` `{reason}`. Detail and PDF are the billing
//! endpoints, which admins may read for any account.

use super::csv::{self, Format};
use super::json::ApiJson;
use super::paging::Paging;
use super::params::{ApiPath, ApiQuery};
use super::route;
use app::admin::invoices::{self, InvoiceFilter};
use app::auth::identity::AdminUser;
use app::backend::clock::rfc3339;
use app::backend::AppState;
use app::common::{AppResult, Money};
use app::invoices::store::InvoiceRow;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/invoices", get(list));
    route(router, "/admin/invoices/{id}/void", post(void))
}

const CSV_HEADER: &[&str] = &[
    "number",
    "issued_at",
    "account",
    "purpose",
    "status",
    "subtotal",
    "tax",
    "total",
    "currency",
    "paid_at",
];

fn csv_fields(row: InvoiceRow) -> Vec<String> {
    let money = |amount: i64| Money::new(amount, row.currency.clone()).major();
    let time = |at: Option<i64>| at.map(rfc3339).unwrap_or_default();
    vec![
        row.number,
        rfc3339(row.issued_at),
        row.account_name,
        row.purpose.to_string(),
        row.status.to_string(),
        money(row.subtotal),
        money(row.tax),
        money(row.total),
        row.currency.as_str().to_string(),
        time(row.paid_at),
    ]
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(format): ApiQuery<Format>,
    ApiQuery(filter): ApiQuery<InvoiceFilter>,
) -> AppResult<Response> {
    if format.is_csv() {
        let list = invoices::admin_query(&filter)?;
        return Ok(csv::stream(
            &state,
            "invoices.csv",
            CSV_HEADER,
            list,
            csv_fields,
        ));
    }
    Ok(Json(invoices::list(&state.db, &filter, *paging).await?).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct VoidRequest {
    #[serde(default)]
    reason: String,
}

async fn void(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VoidRequest>,
) -> AppResult<StatusCode> {
    invoices::void(&state, &admin.view, &id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

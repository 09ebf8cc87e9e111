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
use app::common::{AppResult, Currency, Money};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::FromRow;

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

/// An invoice as the CSV export writes it (the columns of the admin list's query it needs).
#[derive(FromRow)]
struct InvoiceCsvRow {
    number: String,
    issued_at: i64,
    account_name: String,
    purpose: String,
    status: String,
    subtotal: i64,
    tax: i64,
    total: i64,
    currency: String,
    paid_at: Option<i64>,
}

impl InvoiceCsvRow {
    fn into_fields(self) -> Vec<String> {
        let code = Currency::parse(&self.currency).unwrap_or_else(|_| Currency::usd());
        let money = |amount: i64| Money::new(amount, code.clone()).major();
        vec![
            self.number,
            rfc3339(self.issued_at),
            self.account_name,
            self.purpose,
            self.status,
            money(self.subtotal),
            money(self.tax),
            money(self.total),
            self.currency,
            self.paid_at.map(rfc3339).unwrap_or_default(),
        ]
    }
}

fn csv_fields(row: &sqlx::any::AnyRow) -> Result<Vec<String>, sqlx::Error> {
    Ok(InvoiceCsvRow::from_row(row)?.into_fields())
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(format): ApiQuery<Format>,
    ApiQuery(filter): ApiQuery<InvoiceFilter>,
) -> AppResult<Response> {
    if format.is_csv() {
        let (sql, args) = invoices::admin_query(&filter)?;
        return Ok(csv::stream(
            &state,
            "invoices.csv",
            CSV_HEADER,
            sql,
            args,
            csv_fields,
        ));
    }
    let (items, total) =
        invoices::list(&state.db, &filter, paging.limit(), paging.offset()).await?;
    Ok(Json(paging.page_of(items, total)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct VoidRequest {
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

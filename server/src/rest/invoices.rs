//! `/api/v1/billing/invoices/…`: list, detail, PDF, pay now. Another account's invoice is 404.
//! `/api/v1/billing/profile/`: the buyer details invoices print.

use super::idempotency;
use super::json::{ApiJson, JsonOrDefault};
use super::paging::Paging;
use super::params::ApiPath;
use super::route;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::billing_profile::model::{BillingProfileRequest, BillingProfileView};
use app::billing_profile::service as billing_profile;
use app::common::AppResult;
use app::invoices::api::find_for;
use app::invoices::model::{InvoiceView, Page};
use app::invoices::{pdf, store};
use app::payments::model::PayInvoiceRequest;
use app::payments::pay_now;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/billing/invoices", get(list));
    let router = route(router, "/billing/invoices/{id}", get(detail));
    let router = route(router, "/billing/invoices/{id}/pay", post(pay));
    let router = route(router, "/billing/profile", get(profile).put(save_profile));
    route(router, "/billing/invoices/{id}/pdf", get(download))
}

async fn profile(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<BillingProfileView>> {
    Ok(Json(billing_profile::get(&state, &auth.view).await?))
}

/// Sets the billing profile; invoices issued afterwards print it.
async fn save_profile(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<BillingProfileRequest>,
) -> AppResult<Json<BillingProfileView>> {
    Ok(Json(
        billing_profile::save(&state, &auth.view, &request).await?,
    ))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    paging: Paging,
) -> AppResult<Json<Page<InvoiceView>>> {
    app::auth::identity::require_owner(&auth.view)?;
    Ok(Json(
        store::list(&state.db, &auth.view.account.id, None, *paging).await?,
    ))
}

async fn detail(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<InvoiceView>> {
    Ok(Json(find_for(&state, &auth.view, &id).await?))
}

async fn download(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<impl IntoResponse> {
    let invoice = find_for(&state, &auth.view, &id).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        let bytes = pdf::render(&invoice);
        (invoice.number, bytes)
    })
    .await
    .map_err(app::common::AppError::internal)?;
    let (number, bytes) = bytes;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{number}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    ))
}

/// Pays the open invoice now (`Idempotency-Key` honoured): 201 with the payment.
async fn pay(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    JsonOrDefault(request): JsonOrDefault<PayInvoiceRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("pay-invoice", (id, request));
    idempotency::run(
        state,
        view,
        &headers,
        asked,
        StatusCode::CREATED,
        |(id, request), _| async move { pay_now::pay_invoice(state, view, &id, &request).await },
    )
    .await
}

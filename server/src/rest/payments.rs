//! `/api/v1/billing/payments/…`: history, manual bank-transfer payments with receipts, and the
//! admin's review of them.

use super::paging::Paging;
use super::params::{ApiPath, ApiQuery};
use super::route;
use app::auth::identity::{AdminUser, Authenticated};
use app::backend::AppState;
use app::common::{AppError, AppResult};
use app::invoices::model::Page;
use app::payments::manual::{self, ManualPayment};
use app::payments::model::{PaymentStatus, PaymentView};
use app::payments::receipts::MAX_RECEIPT_BYTES;
use app::payments::records;
use axum::body::Body;
use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde::Deserialize;

/// What the manual-payment route reads at most. Larger than a valid receipt on purpose: an
/// oversized receipt is read to its end (and dropped) so the client gets the 422 instead of a
/// connection closed mid-upload; past this cap the connection is closed.
const MANUAL_BODY_LIMIT: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/billing/payments", get(history));
    let router = route(
        router,
        "/billing/payments/manual",
        post(submit_manual).layer(DefaultBodyLimit::max(MANUAL_BODY_LIMIT)),
    );
    let router = route(router, "/billing/payments/{id}/receipt", get(receipt));
    let router = route(router, "/billing/admin/payments", get(admin_all));
    let router = route(
        router,
        "/billing/admin/pending_payments",
        get(admin_pending),
    );
    let router = route(
        router,
        "/billing/admin/payments/{id}/approve",
        post(approve),
    );
    route(router, "/billing/admin/payments/{id}/reject", post(reject))
}

async fn history(
    State(state): State<AppState>,
    auth: Authenticated,
    paging: Paging,
) -> AppResult<Json<Page<PaymentView>>> {
    app::auth::identity::require_owner(&auth.view)?;
    let payments = records::list(&state.db, Some(&auth.view.account.id), None, *paging).await?;
    Ok(Json(payments))
}

fn too_large() -> AppError {
    AppError::invalid("receipt", "The receipt must be at most 5 MB.")
}

/// Reads a file field, keeping at most the cap in memory; past it the rest is read and dropped,
/// then refused (422).
async fn read_capped(mut field: Field<'_>) -> AppResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut oversize = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                oversize |= bytes.len() + chunk.len() > MAX_RECEIPT_BYTES;
                if !oversize {
                    bytes.extend_from_slice(&chunk);
                }
            }
            Ok(None) if oversize => return Err(too_large()),
            Ok(None) => return Ok(bytes),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => {
                return Err(AppError::invalid(
                    "receipt",
                    format!("The upload broke off: {}", e.body_text()),
                ))
            }
        }
    }
}

async fn read_form(mut multipart: Multipart) -> AppResult<ManualPayment> {
    let mut form = ManualPayment {
        invoice_id: String::new(),
        reference: String::new(),
        receipt: None,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => {
                return Err(AppError::invalid(
                    "form",
                    "Send the payment as multipart/form-data.",
                ))
            }
        };
        match field.name().unwrap_or_default() {
            "invoice_id" => form.invoice_id = field.text().await.unwrap_or_default(),
            "reference" => form.reference = field.text().await.unwrap_or_default(),
            "receipt" => {
                let has_file = field.file_name().is_some_and(|n| !n.is_empty());
                let bytes = read_capped(field).await?;
                // A browser form with no file chosen sends an empty, nameless part.
                if has_file || !bytes.is_empty() {
                    form.receipt = Some(bytes);
                }
            }
            _ => {}
        }
    }
    Ok(form)
}

/// Browsers posting the billing page's form get a redirect back to it; API clients get JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn submit_manual(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let result = async {
        let multipart = multipart
            .map_err(|_| AppError::invalid("form", "Send the payment as multipart/form-data."))?;
        let form = read_form(multipart).await?;
        manual::submit(&state, &auth.view, form).await
    }
    .await;
    match (result, wants_html(&headers)) {
        (Ok(payment), false) => (StatusCode::CREATED, Json(payment)).into_response(),
        (Err(e), false) => e.into_response(),
        (Ok(_), true) => Redirect::to("/account/billing?manual=submitted").into_response(),
        (Err(e), true) => Redirect::to(&format!("/account/billing?manual_error={}", e.kind.code()))
            .into_response(),
    }
}

/// The receipt, streamed from the database a chunk at a time. The first chunk is read before
/// answering, so a database that fails at once answers an error status, not a cut-off body.
async fn receipt(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Response> {
    let (content_type, mut bytes) = manual::receipt(&state, &auth.view, &id).await?;
    let first = bytes.next_chunk().await?;
    let rest = futures_util::stream::unfold(Some(bytes), |bytes| async move {
        let mut bytes = bytes?;
        match bytes.next_chunk().await {
            Ok(chunk) => chunk.map(|chunk| (Ok(chunk), Some(bytes))),
            Err(e) => {
                // The status is sent: cut the body off (the client sees it incomplete).
                tracing::error!(error = %e, "receipt read failed mid-way");
                Some((Err(std::io::Error::other("receipt read failed")), None))
            }
        }
    });
    // Fused: the compression layer (server/src/assets.rs) polls once more after the end.
    let chunks = futures_util::stream::iter(first.map(Ok)).chain(rest).fuse();
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            // Never let a browser guess another type from the bytes.
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

const PAYMENT_CSV_HEADER: &[&str] = &[
    "id",
    "created_at",
    "account",
    "invoice",
    "method",
    "status",
    "amount",
    "currency",
    "reference",
    "failure_code",
];

fn payment_fields(p: PaymentView) -> Vec<String> {
    vec![
        p.id,
        p.created_at,
        p.account_name,
        p.invoice_number,
        p.method_kind.to_string(),
        p.status.to_string(),
        format!(
            "{}.{:02}",
            p.amount.amount / 100,
            p.amount.amount.abs() % 100
        ),
        p.amount.currency.as_str().to_string(),
        p.reference.unwrap_or_default(),
        p.failure_code.unwrap_or_default(),
    ]
}

/// Every payment, filtered by status, method, account and dates; `?format=csv` streams them.
async fn admin_all(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
    ApiQuery(format): ApiQuery<super::csv::Format>,
    ApiQuery(filter): ApiQuery<records::PaymentFilter>,
) -> AppResult<Response> {
    if format.is_csv() {
        return Ok(super::csv::stream(
            &state,
            "payments.csv",
            PAYMENT_CSV_HEADER,
            records::admin_query(&filter)?,
            |row: records::PaymentRow| payment_fields(row.into()),
        ));
    }
    Ok(Json(records::admin_list(&state.db, &filter, *paging).await?).into_response())
}

async fn admin_pending(
    State(state): State<AppState>,
    _admin: AdminUser,
    paging: Paging,
) -> AppResult<Json<Page<PaymentView>>> {
    let pending = records::list(
        &state.db,
        None,
        Some(PaymentStatus::AwaitingApproval),
        *paging,
    )
    .await?;
    Ok(Json(pending))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct Decision {
    #[serde(default)]
    note: String,
}

async fn approve(
    state: State<AppState>,
    admin: AdminUser,
    id: ApiPath<String>,
    decision: super::json::JsonOrDefault<Decision>,
) -> AppResult<Json<PaymentView>> {
    decide(state, admin, id, decision, true).await
}

async fn reject(
    state: State<AppState>,
    admin: AdminUser,
    id: ApiPath<String>,
    decision: super::json::JsonOrDefault<Decision>,
) -> AppResult<Json<PaymentView>> {
    decide(state, admin, id, decision, false).await
}

async fn decide(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    super::json::JsonOrDefault(decision): super::json::JsonOrDefault<Decision>,
    approve: bool,
) -> AppResult<Json<PaymentView>> {
    Ok(Json(
        manual::decide(&state, &admin.view, &id, approve, &decision.note).await?,
    ))
}

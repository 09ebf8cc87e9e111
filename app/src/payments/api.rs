//! Server functions of payment methods for the billing pages.

use super::model::PaymentMethodView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::card::CardInput, super::model::NewPaymentMethod, super::service,
    crate::auth::identity::require_session, crate::backend::app_state,
};

#[server(endpoint = "billing/payment-methods")]
pub async fn list_payment_methods() -> Result<Vec<PaymentMethodView>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

#[server(endpoint = "billing/add-card")]
pub async fn add_card(
    number: String,
    exp_month: u32,
    exp_year: u32,
    cvc: String,
    holder_name: Option<String>,
) -> Result<PaymentMethodView, AppError> {
    let (view, _) = require_session().await?;
    let card = CardInput {
        number,
        exp_month,
        exp_year,
        cvc,
        holder_name,
    };
    let input = NewPaymentMethod {
        kind: super::model::PaymentMethodKind::Card.as_str().into(),
        card: Some(card),
    };
    service::add(&app_state()?, &view, input).await
}

/// Adds a PayPal-style or bank-transfer method; PayPal continues on its approval page.
#[server(endpoint = "billing/add-method")]
pub async fn add_payment_method(kind: String) -> Result<PaymentMethodView, AppError> {
    let (view, _) = require_session().await?;
    let method = service::add(&app_state()?, &view, NewPaymentMethod { kind, card: None }).await?;
    if let Some(url) = &method.approval_url {
        leptos_axum::redirect(url);
    }
    Ok(method)
}

#[server(endpoint = "billing/remove-method")]
pub async fn remove_payment_method(id: String) -> Result<(), AppError> {
    let (view, _) = require_session().await?;
    service::remove(&app_state()?, &view, &id).await?;
    crate::backend::no_js::show_outcome_at("/account/billing?method=removed#payment-methods");
    Ok(())
}

#[server(endpoint = "billing/default-method")]
pub async fn set_default_payment_method(id: String) -> Result<PaymentMethodView, AppError> {
    let (view, _) = require_session().await?;
    service::set_default(&app_state()?, &view, &id).await
}

#[server(endpoint = "sandbox/paypal/pending")]
pub async fn pending_paypal(id: String) -> Result<PaymentMethodView, AppError> {
    let (view, _) = require_session().await?;
    service::pending_approval(&app_state()?, &view, &id).await
}

/// The sandbox approval page's buttons: approve or cancel, then back to billing.
#[server(endpoint = "sandbox/paypal/settle")]
pub async fn settle_paypal(id: String, decision: String) -> Result<(), AppError> {
    let (view, _) = require_session().await?;
    let approved = match decision.as_str() {
        "approve" => true,
        "cancel" => false,
        _ => return Err(AppError::invalid("decision", "Approve or cancel.")),
    };
    service::settle_paypal_approval(&app_state()?, &view, &id, approved).await?;
    leptos_axum::redirect(if approved {
        "/account/billing?paypal=approved"
    } else {
        "/account/billing?paypal=canceled"
    });
    Ok(())
}

/// Page `page` of the account's payments, newest first.
#[server(endpoint = "billing/payments")]
pub async fn list_payments(
    page: i64,
) -> Result<crate::common::Page<super::model::PaymentView>, AppError> {
    let (view, _) = require_session().await?;
    crate::auth::identity::require_owner(&view)?;
    let page = crate::common::PageRequest::clamped(page, crate::invoices::api::HISTORY_PAGE_SIZE);
    Ok(super::records::list(&app_state()?.db, Some(&view.account.id), None, page).await?)
}

/// Pays an open invoice now with the chosen method (the default when none). `request_key` (one
/// per rendered form) makes a double click charge once.
#[server(endpoint = "billing/pay-invoice")]
pub async fn pay_invoice(
    invoice_id: String,
    payment_method_id: Option<String>,
    request_key: String,
) -> Result<super::model::PaymentView, AppError> {
    let (view, _) = require_session().await?;
    let state = &app_state()?;
    let view = &view;
    let request = super::model::PayInvoiceRequest { payment_method_id };
    let fingerprint =
        crate::backend::idempotency::fingerprint("pay-invoice", &(&invoice_id, &request));
    let payment = crate::backend::idempotency::once_for_form(
        state,
        &view.account.id,
        Some(&request_key),
        &fingerprint,
        |_| async move { super::pay_now::pay_invoice(state, view, &invoice_id, &request).await },
    )
    .await?;
    crate::backend::no_js::show_outcome_at(&format!(
        "/account/billing?paid={}&amount={}",
        crate::auth::guard::encode_query_value(&payment.invoice_number),
        crate::auth::guard::encode_query_value(&payment.amount.to_string())
    ));
    Ok(payment)
}

/// Manual payments waiting for an admin, oldest first would hide new ones: newest first.
#[server(endpoint = "admin/pending-payments")]
pub async fn pending_manual_payments() -> Result<Vec<super::model::PaymentView>, AppError> {
    crate::auth::identity::require_admin().await?;
    let payments = super::records::list(
        &app_state()?.db,
        None,
        Some(super::model::PaymentStatus::AwaitingApproval),
        crate::common::PageRequest::clamped(1, 200),
    )
    .await?;
    Ok(payments.items)
}

/// An admin approves or rejects a manual payment.
#[server(endpoint = "admin/decide-payment")]
pub async fn decide_payment(
    payment_id: String,
    decision: String,
    note: Option<String>,
) -> Result<super::model::PaymentView, AppError> {
    let (view, _) = require_session().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision", "Choose approve or reject.")),
    };
    let note = note.unwrap_or_default();
    super::manual::decide(&app_state()?, &view, &payment_id, approve, &note).await
}

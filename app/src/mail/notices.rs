//! Billing emails to the account owner: receipts, failed payments, ended subscriptions. Queued
//! (`backend::mail`) after the transaction that decided them committed, and sent by the delivery
//! worker; a failure to queue is logged, never turned into an error of the payment itself.

use crate::backend::mail;
use crate::backend::AppState;
use crate::common::Currency;
use crate::common::Money;
use crate::invoices::store::InvoiceFacts;

/// Where the account's billing mail goes: the billing profile's email, else the owner's.
async fn billing_address(state: &AppState, account_id: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT billing_email FROM billing_profiles WHERE account_id = $1), \
         (SELECT email FROM users WHERE account_id = $1 AND role = 'owner' ORDER BY created_at LIMIT 1))",
    )
    .bind(account_id)
    .fetch_optional(state.db.pool())
    .await
    .ok()
    .flatten()
}

async fn send(state: &AppState, account_id: &str, subject: &str, body: &str) {
    send_attaching(state, account_id, subject, body, None).await;
}

/// [`send`] with the PDF of `invoice_id` attached.
async fn send_attaching(
    state: &AppState,
    account_id: &str,
    subject: &str,
    body: &str,
    invoice_id: Option<&str>,
) {
    let Some(to) = billing_address(state, account_id).await else {
        return;
    };
    if let Err(e) = mail::send_with_invoice(state, &to, subject, body, invoice_id).await {
        tracing::warn!(error = %e.message, "billing email not recorded");
    }
}

fn amount(invoice: &InvoiceFacts) -> String {
    match Currency::parse(&invoice.currency) {
        Ok(currency) => Money::new(invoice.total, currency).to_string(),
        Err(_) => format!("{} {}", invoice.total, invoice.currency),
    }
}

fn link(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.settings.public_url.trim_end_matches('/'))
}

/// The receipt, with the invoice's PDF attached.
pub async fn payment_succeeded(state: &AppState, invoice: &InvoiceFacts) {
    let body = format!(
        "Thank you. We received your payment of {} for invoice {}.\n\nThe invoice is attached; it is also at {}\n",
        amount(invoice),
        invoice.number,
        link(state, &format!("/api/v1/billing/invoices/{}/pdf/", invoice.id)),
    );
    let subject = format!("Receipt for invoice {}", invoice.number);
    send_attaching(
        state,
        &invoice.account_id,
        &subject,
        &body,
        Some(invoice.id.as_str()),
    )
    .await;
}

pub async fn payment_failed(state: &AppState, invoice: &InvoiceFacts, reason: &str) {
    let body = format!(
        "We could not collect {} for invoice {}: {reason}\n\nUpdate your payment method: {}\n",
        amount(invoice),
        invoice.number,
        link(state, "/account/billing"),
    );
    send(
        state,
        &invoice.account_id,
        &format!("Payment failed for invoice {}", invoice.number),
        &body,
    )
    .await;
}

/// A renewal of an account that pays by bank transfer: the invoice waits for its payment.
pub async fn payment_due(state: &AppState, invoice: &InvoiceFacts) {
    let body = format!(
        "Invoice {} for {} is due. Pay it by bank transfer and submit the reference: {}\n",
        invoice.number,
        amount(invoice),
        link(state, "/account/billing"),
    );
    send(
        state,
        &invoice.account_id,
        &format!("Invoice {} is due", invoice.number),
        &body,
    )
    .await;
}

pub async fn subscription_canceled(state: &AppState, account_id: &str, plan_name: &str, why: &str) {
    let body = format!(
        "Your {plan_name} subscription has ended: {why}\n\nChoose a plan to continue: {}\n",
        link(state, "/account/plans"),
    );
    send(state, account_id, "Your subscription was canceled", &body).await;
}

/// The available balance fell below the owner's alert threshold (credits/alerts.rs): once per
/// crossing.
pub async fn low_balance(
    state: &AppState,
    account_id: &str,
    available: i64,
    threshold: i64,
    topping_up: bool,
) {
    let next = if topping_up {
        "Your automatic top-up is buying more credits now.".to_string()
    } else {
        format!(
            "Buy credits: {}",
            link(state, "/account/billing#credit-packages")
        )
    };
    let body = format!(
        "Your IGNY8 balance is {available} credits, below your alert threshold of {threshold}.\n\n{next}\n\nChange the alert: {}\n",
        link(state, "/account/billing#balance-alert"),
    );
    send(state, account_id, "Your credit balance is low", &body).await;
}

/// An automatic top-up could not be bought; top-ups pause until the default method changes.
pub async fn topup_failed(state: &AppState, account_id: &str, why: &str) {
    let body = format!(
        "We could not top up your IGNY8 credits automatically: {why}\n\nAutomatic top-ups are paused \
         until your default payment method changes: {}\n",
        link(state, "/account/billing"),
    );
    send(state, account_id, "Automatic top-up failed", &body).await;
}

/// A free trial ends in a few days (subscriptions/trials.rs); `then` says what happens next.
pub async fn trial_ending(
    state: &AppState,
    account_id: &str,
    ends: crate::backend::Timestamp,
    then: &str,
) {
    let day = crate::ui::format::date(&crate::backend::clock::rfc3339(ends));
    let body = format!(
        "Your IGNY8 free trial ends on {day}. {then}\n\nYour plan and payment method: {}\n",
        link(state, "/account/plans"),
    );
    send(state, account_id, "Your free trial ends soon", &body).await;
}

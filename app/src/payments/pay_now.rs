//! Paying an open invoice now, from the billing page or the API
//! (`POST /api/v1/billing/invoices/{id}/pay/`): a first invoice still waiting for its money, an
//! upgrade's, a credit package's, or a renewal in dunning. The charge is the checkout's
//! (checkout.rs), so the invoice's effects apply once (settlement.rs): a paid renewal ends
//! dunning at once.

use super::checkout;
use super::model::{PayInvoiceRequest, PaymentMethodKind, PaymentView};
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::backend::AppState;
use crate::common::{AppError, AppResult};

/// Charges the account's open invoice `invoice_id` to the method asked for (or the default).
/// 404 for an invoice of another account, 409 for one already paid or void (or with a payment
/// in progress), 422 for a method that cannot be charged now, 402 with the decline code when
/// the charge fails: the invoice then stays open, whatever it is for.
pub async fn pay_invoice(
    state: &AppState,
    view: &SessionView,
    invoice_id: &str,
    request: &PayInvoiceRequest,
) -> AppResult<PaymentView> {
    require_owner(view)?;
    let account_id = &view.account.id;
    let invoice = checkout::open_invoice(state, account_id, invoice_id).await?;
    let method =
        checkout::resolve_method(&state.db, account_id, request.payment_method_id.as_deref())
            .await?;
    if method.kind == PaymentMethodKind::BankTransfer {
        return Err(AppError::invalid(
            "payment_method_id",
            "A bank transfer is not charged: send it with the invoice number as its reference, then submit the bank's reference.",
        ));
    }
    let payment = checkout::pay(state, &invoice, &method, checkout::OnDecline::KeepOpen)
        .await?
        .ok_or_else(|| AppError::internal("a card or PayPal charge made no payment"))?;
    if let Some(declined) = checkout::failed_payment_error(&payment) {
        return Err(declined);
    }
    Ok(payment)
}

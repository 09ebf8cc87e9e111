//! Manual bank-transfer payments: the tenant submits a reference and, optionally, a receipt
//! for an open invoice; an admin approves (the invoice is paid and what it was for activated,
//! exactly once) or rejects it with a note (the invoice stays open for another try).

use super::model::{PaymentMethodKind, PaymentStatus, PaymentView};
use super::receipts::{self, check_receipt, ReceiptBytes};
use super::records::{self, NewPayment};
use super::settlement;
use crate::auth::identity::require_paying_owner;
use crate::auth::model::SessionView;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use crate::invoices::store as invoices;
use crate::mail::notices;

pub struct ManualPayment {
    pub invoice_id: String,
    pub reference: String,
    pub receipt: Option<Vec<u8>>,
}

pub async fn submit(
    state: &AppState,
    view: &SessionView,
    input: ManualPayment,
) -> AppResult<PaymentView> {
    require_paying_owner(view)?;
    let reference = input.reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::invalid(
            "reference",
            "Enter the bank transfer's reference (up to 100 characters).",
        ));
    }
    let receipt = match &input.receipt {
        Some(bytes) => Some((bytes, check_receipt(bytes)?)),
        None => None,
    };
    let account_id = &view.account.id;
    let invoice = super::checkout::open_invoice(state, account_id, &input.invoice_id).await?;
    let mut tx = state.db.begin().await?;
    let inserted = records::insert(
        &mut tx,
        NewPayment {
            account_id,
            invoice_id: &invoice.id,
            payment_method_id: None,
            method_kind: PaymentMethodKind::BankTransfer,
            status: PaymentStatus::AwaitingApproval,
            amount: invoice.total,
            currency: &invoice.currency,
            reference: Some(reference),
            receipt_content_type: receipt.map(|(_, content_type)| content_type),
            at: state.clock.now(),
        },
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) => {
            if crate::backend::db::is_unique_violation(
                &e,
                "payments_one_awaiting_key",
                "payments.invoice_id",
            ) {
                return Err(AppError::with_message(
                    ErrorKind::Conflict,
                    "A payment of this invoice is already waiting for approval.",
                ));
            }
            return Err(e.into());
        }
    };
    if let Some((bytes, _)) = receipt {
        receipts::store(&mut tx, &id, bytes).await?;
    }
    tx.commit().await?;
    records::find(&state.db, Some(account_id), &id)
        .await?
        .ok_or_else(|| AppError::internal("payment vanished"))
}

/// An admin's decision. The conditional status update makes it happen once: the second of two
/// admins clicking together gets 409.
pub async fn decide(
    state: &AppState,
    admin: &SessionView,
    payment_id: &str,
    approve: bool,
    note: &str,
) -> AppResult<PaymentView> {
    if !admin.user.is_admin {
        return Err(AppError::new(ErrorKind::AdminRequired));
    }
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(AppError::invalid(
            "note",
            "Keep the note under 500 characters.",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let invoice_id = records::invoice_of(&mut tx, payment_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !records::decide(&mut tx, payment_id, approve, &admin.user.id, note, now).await? {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            "This payment was already decided.",
        ));
    }
    let invoice = invoices::facts(&mut tx, &invoice_id)
        .await?
        .ok_or_else(|| AppError::internal("invoice vanished"))?;
    if approve {
        settlement::invoice_paid(&mut tx, &invoice, now).await?;
    }
    let after = PaymentStatus::decided(approve);
    crate::admin::audit::record(
        &mut tx,
        crate::admin::audit::Action {
            admin,
            action: if approve {
                "payment.approve"
            } else {
                "payment.reject"
            },
            target_type: "payment",
            target_id: payment_id,
            before: Some(serde_json::json!({ "status": PaymentStatus::AwaitingApproval })),
            after: Some(serde_json::json!({ "status": after, "invoice": invoice.number })),
            reason: note,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if approve {
        crate::credits::live::changed(state, &invoice.account_id);
        notices::payment_succeeded(state, &invoice).await;
    } else {
        let reason = if note.is_empty() {
            "the transfer was not found."
        } else {
            note
        };
        notices::payment_failed(state, &invoice, reason).await;
    }
    records::find(&state.db, None, payment_id)
        .await?
        .ok_or_else(|| AppError::internal("payment vanished"))
}

/// The receipt of a payment of the account (admins: any account): content type and bytes.
pub async fn receipt(
    state: &AppState,
    view: &SessionView,
    payment_id: &str,
) -> AppResult<(String, ReceiptBytes)> {
    let scope = crate::auth::identity::billing_scope(view)?;
    let (legacy_file, content_type) = records::receipt(&state.db, scope, payment_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let bytes = ReceiptBytes::open(
        &state.db,
        &state.settings.receipts_dir,
        payment_id,
        legacy_file,
    )
    .await?;
    Ok((content_type, bytes))
}

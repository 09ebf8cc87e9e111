//! Manual bank-transfer payments: the tenant submits a reference and, optionally, a receipt
//! for an open invoice; an admin approves (the invoice is paid and what it was for activated,
//! exactly once) or rejects it with a note (the invoice stays open for another try).

use super::model::PaymentView;
use super::records::{self, NewPayment};
use super::settlement;
use crate::auth::identity::require_paying_owner;
use crate::auth::model::SessionView;
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use crate::invoices::store as invoices;
use crate::mail::notices;

pub const MAX_RECEIPT_BYTES: usize = 5 * 1024 * 1024;

/// The receipt types we accept, recognised by their first bytes, never by the file name.
pub fn sniff_receipt(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// Checks a receipt before anything is stored: 422 with a field message when it is not one.
pub fn check_receipt(bytes: &[u8]) -> AppResult<(&'static str, &'static str)> {
    if bytes.len() > MAX_RECEIPT_BYTES {
        return Err(AppError::invalid(
            "receipt",
            "The receipt must be at most 5 MB.",
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid("receipt", "The receipt file is empty."));
    }
    sniff_receipt(bytes)
        .ok_or_else(|| AppError::invalid("receipt", "The receipt must be a PDF, PNG or JPEG file."))
}

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
    let stored = match receipt {
        Some((bytes, (content_type, extension))) => {
            let name = format!("{}.{extension}", new_id("receipt"));
            tokio::fs::create_dir_all(&state.settings.receipts_dir)
                .await
                .map_err(|e| AppError::internal(format!("receipts folder: {e}")))?;
            tokio::fs::write(state.settings.receipts_dir.join(&name), bytes)
                .await
                .map_err(|e| AppError::internal(format!("receipt write: {e}")))?;
            Some((name, content_type))
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let inserted = records::insert(
        &mut tx,
        NewPayment {
            account_id,
            invoice_id: &invoice.id,
            payment_method_id: None,
            method_kind: "bank_transfer",
            status: "awaiting_approval",
            amount: invoice.total,
            currency: &invoice.currency,
            reference: Some(reference),
            receipt: stored.as_ref().map(|(name, kind)| (name.as_str(), *kind)),
            at: state.clock.now(),
        },
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) => {
            if let Some((name, _)) = &stored {
                let _ = tokio::fs::remove_file(state.settings.receipts_dir.join(name)).await;
            }
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
    let after = if approve { "succeeded" } else { "rejected" };
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
            before: Some(serde_json::json!({ "status": "awaiting_approval" })),
            after: Some(serde_json::json!({ "status": after, "invoice": invoice.number })),
            reason: note,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if approve {
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

/// The receipt file of a payment of the account (admins: any account): bytes and content type.
pub async fn receipt(
    state: &AppState,
    view: &SessionView,
    payment_id: &str,
) -> AppResult<(Vec<u8>, String)> {
    let scope = crate::auth::identity::billing_scope(view)?;
    let (name, content_type) = records::receipt(&state.db, scope, payment_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let bytes = tokio::fs::read(state.settings.receipts_dir.join(&name))
        .await
        .map_err(|e| AppError::internal(format!("receipt read: {e}")))?;
    Ok((bytes, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_recognised_by_content() {
        assert_eq!(
            sniff_receipt(b"%PDF-1.7\n...").unwrap().0,
            "application/pdf"
        );
        assert_eq!(
            sniff_receipt(b"\x89PNG\r\n\x1a\n....").unwrap().0,
            "image/png"
        );
        assert_eq!(
            sniff_receipt(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().0,
            "image/jpeg"
        );
        assert!(sniff_receipt(b"GIF89a").is_none());
        assert!(sniff_receipt(b"<html>%PDF-").is_none());
        assert!(check_receipt(b"").is_err());
        let big = [b"%PDF-".as_slice(), &vec![0u8; MAX_RECEIPT_BYTES]].concat();
        assert!(check_receipt(&big).is_err());
    }
}

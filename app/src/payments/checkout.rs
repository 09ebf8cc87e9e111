//! Paying an invoice with a saved method: record the payment, charge the gateway with the
//! payment's id as idempotency key, settle. The charge happens outside any transaction (a
//! processor is a remote call); a crash between charge and settle leaves a `pending` payment
//! that the next attempt (or the scheduler's reconciliation) charges again with the same key,
//! which the processor answers with the first result: never a second charge.

use super::gateway::{ChargeOutcome, ChargeRequest, DeclineCode};
use super::model::{PaymentMethodKind, PaymentMethodStatus, PaymentStatus, PaymentView};
use super::records::{self, NewPayment};
use super::settlement;
use crate::backend::db::is_unique_violation;
use crate::backend::{AppState, Db, Timestamp};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::invoices::model::InvoiceStatus;
use crate::invoices::store::{self as invoices, InvoiceFacts};
use crate::mail::notices;

/// A method the account can be charged with now.
#[derive(Debug, Clone)]
pub struct ChargeableMethod {
    pub id: String,
    pub kind: PaymentMethodKind,
    pub token: Option<String>,
}

/// A saved method as [`resolve_method`] reads it.
#[derive(sqlx::FromRow)]
struct MethodRow {
    id: String,
    kind: PaymentMethodKind,
    status: PaymentMethodStatus,
    gateway_token: Option<String>,
}

/// The method to charge: the one asked for, or the account's default (when none is, or the
/// id asked for is blank: a form's "default" choice).
pub async fn resolve_method(
    db: &Db,
    account_id: &str,
    requested: Option<&str>,
) -> AppResult<ChargeableMethod> {
    let requested = requested.map(str::trim).filter(|id| !id.is_empty());
    let row = sqlx::query_as::<_, MethodRow>(
        "SELECT id, kind, status, gateway_token FROM payment_methods WHERE account_id = $1 AND removed_at IS NULL \
         AND (($2 IS NOT NULL AND id = $2) OR ($2 IS NULL AND is_default = 1))",
    )
    .bind(account_id)
    .bind(requested)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        let message = if requested.is_some() {
            "This payment method does not exist."
        } else {
            "Add a payment method first."
        };
        return Err(AppError::invalid("payment_method_id", message));
    };
    if row.status != PaymentMethodStatus::Active {
        return Err(AppError::invalid(
            "payment_method_id",
            "Approve this PayPal account first, or choose another payment method.",
        ));
    }
    Ok(ChargeableMethod {
        id: row.id,
        kind: row.kind,
        token: row.gateway_token,
    })
}

/// What a declined charge does to its invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDecline {
    /// The rules of settlement.rs (`invoice_charge_failed`): the purchase that issued the invoice
    /// fails with it; a renewal stays open for dunning.
    FailPurchase,
    /// Nothing changes: the account tried to pay an invoice that waits for its money, and may try
    /// again or pay another way.
    KeepOpen,
}

/// Charges the invoice to `method`. A bank transfer charges nothing: the invoice stays open
/// for a manual payment and `None` is returned. Otherwise the settled payment is returned
/// (succeeded or failed); the invoice's effects, or what `on_decline` says, are applied.
pub async fn pay(
    state: &AppState,
    invoice: &InvoiceFacts,
    method: &ChargeableMethod,
    on_decline: OnDecline,
) -> AppResult<Option<PaymentView>> {
    let mut tx = state.db.begin().await?;
    let started = start_charge(&mut tx, invoice, method, state.clock.now()).await?;
    tx.commit().await?;
    match started {
        Some((payment_id, token)) => {
            charge_and_settle(state, invoice, &payment_id, token, on_decline)
                .await
                .map(Some)
        }
        None => Ok(None),
    }
}

/// Records the charge of `invoice` as a `pending` payment inside `tx` (or finds the one a
/// crash left), and returns it with the method's token; `None` for a bank transfer. Written
/// before any remote call, so a crash after the commit leaves a charge the scheduler finishes
/// with the same idempotency key, never an invoice that nobody charges.
async fn start_charge(
    tx: &mut crate::backend::Tx,
    invoice: &InvoiceFacts,
    method: &ChargeableMethod,
    now: Timestamp,
) -> AppResult<Option<(String, String)>> {
    let Some(token) = method
        .token
        .clone()
        .filter(|_| method.kind != PaymentMethodKind::BankTransfer)
    else {
        return Ok(None);
    };
    // The invoice row stays locked until the commit (PostgreSQL; SQLite's write transaction
    // holds the database already): a charge starts only for an invoice still open, and two at
    // once queue here, the second finding the first's pending payment (same key: one charge).
    let still_open =
        sqlx::query("UPDATE invoices SET status = status WHERE id = $1 AND status = 'open'")
            .bind(&invoice.id)
            .execute(&mut **tx)
            .await?;
    if still_open.rows_affected() == 0 {
        return Err(not_open());
    }
    if let Some(id) = records::pending_of_invoice(tx, &invoice.id).await? {
        return Ok(Some((id, token)));
    }
    let inserted = records::insert(
        tx,
        NewPayment {
            account_id: &invoice.account_id,
            invoice_id: &invoice.id,
            payment_method_id: Some(&method.id),
            method_kind: method.kind,
            status: PaymentStatus::Pending,
            amount: invoice.total,
            currency: &invoice.currency,
            reference: None,
            receipt_content_type: None,
            at: now,
        },
    )
    .await;
    let payment_id = match inserted {
        Ok(id) => id,
        // Another charge started at the same time, or a bank transfer waits for approval.
        Err(e) if is_unique_violation(&e, "payments_one_awaiting_key", "payments.invoice_id") => {
            return Err(AppError::with_message(
                ErrorKind::Conflict,
                "A payment of this invoice is already in progress or waiting for approval.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Some((payment_id, token)))
}

async fn charge_and_settle(
    state: &AppState,
    invoice: &InvoiceFacts,
    payment_id: &str,
    token: String,
    on_decline: OnDecline,
) -> AppResult<PaymentView> {
    let outcome = state
        .gateway
        .charge(ChargeRequest {
            token,
            amount: invoice.total,
            currency: invoice.currency.clone(),
            idempotency_key: format!("payment:{payment_id}"),
        })
        .await?;
    let (charge_id, failure) = match &outcome {
        ChargeOutcome::Succeeded { charge_id } => (charge_id.clone(), None),
        ChargeOutcome::Failed { charge_id, code } => (charge_id.clone(), Some(*code)),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let settled = records::settle_charge(
        &mut tx,
        payment_id,
        &charge_id,
        failure.map(DeclineCode::as_str),
        now,
    )
    .await?;
    if settled {
        let current = invoices::facts(&mut tx, &invoice.id)
            .await?
            .ok_or_else(|| AppError::internal("invoice vanished"))?;
        match failure {
            None => {
                settlement::invoice_paid(&mut tx, &current, now).await?;
            }
            Some(_) if on_decline == OnDecline::FailPurchase => {
                settlement::invoice_charge_failed(&mut tx, &current, now).await?;
            }
            Some(_) => {}
        }
    }
    // A crash here loses the settlement (and the events it queued) with its transaction; the
    // reconciliation settles the charge again later, exactly once.
    state.faults.crash_point("checkout.before_settled_commit");
    tx.commit().await?;
    if settled {
        // A paid invoice grants credits or starts a plan; a failed first one ends the attempt.
        crate::credits::live::changed(state, &invoice.account_id);
        notify(state, invoice, failure).await;
    }
    records::find(&state.db, Some(&invoice.account_id), payment_id)
        .await?
        .ok_or_else(|| AppError::internal("payment vanished"))
}

async fn notify(state: &AppState, invoice: &InvoiceFacts, failure: Option<DeclineCode>) {
    match failure {
        None => notices::payment_succeeded(state, invoice).await,
        Some(code) => notices::payment_failed(state, invoice, code.message()).await,
    }
}

/// Pays an invoice just issued in `tx`: a free one is settled inside it; otherwise its charge
/// is recorded in the same transaction, committed, then made. A failed charge is the caller's
/// error (402 with the decline code).
pub async fn pay_issued(
    state: &AppState,
    mut tx: crate::backend::Tx,
    invoice_id: &str,
    method: &ChargeableMethod,
) -> AppResult<Option<PaymentView>> {
    let facts = invoices::facts(&mut tx, invoice_id)
        .await?
        .ok_or_else(|| AppError::internal("invoice vanished"))?;
    let now = state.clock.now();
    if facts.total == 0 {
        settlement::invoice_paid(&mut tx, &facts, now).await?;
        tx.commit().await?;
        crate::credits::live::changed(state, &facts.account_id);
        return Ok(None);
    }
    let started = start_charge(&mut tx, &facts, method, now).await?;
    tx.commit().await?;
    state.faults.crash_point("checkout.after_issue");
    let Some((payment_id, token)) = started else {
        return Ok(None);
    };
    let payment =
        charge_and_settle(state, &facts, &payment_id, token, OnDecline::FailPurchase).await?;
    match failed_payment_error(&payment) {
        Some(error) => Err(error),
        None => Ok(Some(payment)),
    }
}

/// Finishes what a request cut off by a crash started for an issued invoice: a charge left
/// `pending` is made now (same idempotency key: charged at most once); otherwise the invoice's
/// newest payment is returned as it is. A failed charge is the caller's error, as in
/// [`pay_issued`].
pub async fn finish_issued(
    state: &AppState,
    account_id: &str,
    invoice_id: &str,
) -> AppResult<Option<PaymentView>> {
    let mut tx = state.db.begin().await?;
    let facts = invoices::facts(&mut tx, invoice_id)
        .await?
        .filter(|f| f.account_id == account_id)
        .ok_or_else(AppError::not_found)?;
    let pending: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT p.id, m.gateway_token FROM payments p LEFT JOIN payment_methods m ON m.id = p.payment_method_id \
         WHERE p.invoice_id = $1 AND p.status = 'pending'",
    )
    .bind(invoice_id)
    .fetch_optional(&mut *tx)
    .await?;
    let newest: Option<String> = sqlx::query_scalar(
        "SELECT id FROM payments WHERE invoice_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(invoice_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let payment = match pending {
        Some((payment_id, Some(token))) if facts.status == InvoiceStatus::Open => Some(
            charge_and_settle(state, &facts, &payment_id, token, OnDecline::FailPurchase).await?,
        ),
        _ => match newest {
            Some(id) => records::find(&state.db, Some(account_id), &id).await?,
            None => None,
        },
    };
    match payment.as_ref().and_then(failed_payment_error) {
        Some(error) => Err(error),
        None => Ok(payment),
    }
}

/// First-period invoices that a crash before this version left open with no charge recorded
/// (a card or PayPal subscription stuck in `pending_payment`): void them and end the attempt,
/// so the account can subscribe again. Bank transfers are left alone: they wait for a payment.
pub async fn void_uncharged(state: &AppState, older_than: Timestamp) -> AppResult<usize> {
    let stuck: Vec<String> = sqlx::query_scalar(
        "SELECT i.id FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id \
         JOIN payment_methods m ON m.id = s.payment_method_id \
         WHERE i.status = 'open' AND i.purpose = 'subscription' AND i.issued_at < $1 \
         AND s.status = 'pending_payment' AND m.kind <> 'bank_transfer' \
         AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id)",
    )
    .bind(older_than)
    .fetch_all(state.db.pool())
    .await?;
    let now = state.clock.now();
    let mut voided = 0;
    for invoice_id in stuck {
        let mut tx = state.db.begin().await?;
        let Some(facts) = invoices::facts(&mut tx, &invoice_id).await? else {
            continue;
        };
        if facts.status == InvoiceStatus::Open {
            settlement::invoice_charge_failed(&mut tx, &facts, now).await?;
            tx.commit().await?;
            crate::credits::live::publish(state, &facts.account_id);
            voided += 1;
        }
    }
    Ok(voided)
}

/// Payments whose charge started but was never settled (the server stopped in between), older
/// than `older_than`: charge again with the same key (the processor answers with the first
/// result) and settle. Renewal invoices are left to the renewal job, which does the same.
pub async fn reconcile_stale(state: &AppState, older_than: Timestamp) -> AppResult<usize> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT p.id, p.invoice_id, m.gateway_token FROM payments p JOIN invoices i ON i.id = p.invoice_id \
         JOIN payment_methods m ON m.id = p.payment_method_id \
         WHERE p.status = 'pending' AND p.created_at < $1 AND i.purpose <> 'renewal'",
    )
    .bind(older_than)
    .fetch_all(state.db.pool())
    .await?;
    let mut settled = 0;
    for (payment_id, invoice_id, token) in rows {
        let Some(token) = token else {
            continue;
        };
        let mut tx = state.db.begin().await?;
        let facts = invoices::facts(&mut tx, &invoice_id).await?;
        tx.commit().await?;
        if let Some(facts) = facts {
            charge_and_settle(state, &facts, &payment_id, token, OnDecline::FailPurchase).await?;
            settled += 1;
        }
    }
    Ok(settled)
}

/// The error a caller sees when the charge it waited for failed.
pub fn failed_payment_error(payment: &PaymentView) -> Option<AppError> {
    if payment.status != PaymentStatus::Failed {
        return None;
    }
    let code = payment
        .failure_code
        .as_deref()
        .and_then(DeclineCode::parse)
        .unwrap_or(DeclineCode::CardDeclined);
    Some(super::service::decline_error(code))
}

/// 404 unless the invoice belongs to the account and is open.
pub async fn open_invoice(
    state: &AppState,
    account_id: &str,
    invoice_id: &str,
) -> AppResult<InvoiceFacts> {
    let mut tx = state.db.begin().await?;
    let facts = invoices::facts(&mut tx, invoice_id).await?;
    tx.commit().await?;
    let facts = facts
        .filter(|f| f.account_id == account_id)
        .ok_or_else(AppError::not_found)?;
    if facts.status != InvoiceStatus::Open {
        return Err(not_open());
    }
    Ok(facts)
}

fn not_open() -> AppError {
    AppError::with_message(
        ErrorKind::Conflict,
        "This invoice is not open: it has been paid or voided.",
    )
}

//! Subscriptions for admins: list by account and status; activate one that waits for payment
//! (paid off-system: recorded as an approved manual payment, so the invoice, the credits and the
//! emails follow the usual path); cancel now or at period end; refresh (apply the renewal rules
//! now instead of at the scheduler's next tick). Audited with the admin's note.

use super::audit::{self, Action};
use super::model::{AdminCancel, AdminSubscriptionRow, RefreshOutcome};
use crate::accounts::test_clock;
use crate::auth::model::SessionView;
use crate::backend::clock::rfc3339;
use crate::backend::db::is_unique_violation;
use crate::backend::ids::new_id;
use crate::backend::listing::{Filter, ListQuery};
use crate::backend::{AppState, Db, Flag, Timestamp};
use crate::common::{AppError, AppResult, ErrorKind, Page, PageRequest};
use crate::payments::model::{PaymentMethodKind, PaymentStatus};
use crate::payments::records::{self, NewPayment};
use crate::plans::model::BillingInterval;
use crate::subscriptions::model::SubscriptionStatus;
use crate::subscriptions::renewal::{self, RunReport};
use crate::subscriptions::{service, store};

/// A subscription as the admin list reads it.
#[derive(sqlx::FromRow)]
struct ListedSubscription {
    id: String,
    account_id: String,
    account_name: String,
    plan_name: String,
    status: SubscriptionStatus,
    billing_interval: BillingInterval,
    current_period_end: Option<Timestamp>,
    cancel_at_period_end: Flag,
}

impl From<ListedSubscription> for AdminSubscriptionRow {
    fn from(row: ListedSubscription) -> AdminSubscriptionRow {
        AdminSubscriptionRow {
            id: row.id,
            account_id: row.account_id,
            account_name: row.account_name,
            plan: row.plan_name,
            status: row.status,
            interval: row.billing_interval,
            current_period_end: row.current_period_end.map(rfc3339),
            cancel_at_period_end: row.cancel_at_period_end.into(),
        }
    }
}

/// Subscriptions newest first, by account and status.
pub async fn list(
    db: &Db,
    account_id: &str,
    status: &str,
    page: PageRequest,
) -> Result<Page<AdminSubscriptionRow>, sqlx::Error> {
    let filter = Filter::new()
        .and_set("s.account_id = ?", Some(account_id))
        .and_set("s.status = ?", Some(status));
    let query = ListQuery::new(
        "SELECT s.id, s.account_id, a.name AS account_name, p.name AS plan_name, s.status, s.billing_interval, \
         s.current_period_end, s.cancel_at_period_end FROM subscriptions s JOIN accounts a ON a.id = s.account_id \
         JOIN plans p ON p.id = s.plan_id",
        filter,
        "ORDER BY s.created_at DESC, s.id DESC",
    );
    Ok(query
        .page::<ListedSubscription>(db, page)
        .await?
        .map(Into::into))
}

fn conflict(message: &str) -> AppError {
    AppError::with_message(ErrorKind::Conflict, message)
}

fn require_note(note: &str) -> AppResult<&str> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(AppError::invalid(
            "note",
            "Say why (up to 500 characters), e.g. \"paid by cheque no. 123\".",
        ));
    }
    Ok(note)
}

pub async fn activate(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    note: &str,
) -> AppResult<()> {
    let note = require_note(note)?;
    let mut tx = state.db.begin().await?;
    let sub = store::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let now = test_clock::now_in(&mut tx, &state.clock, &sub.account_id).await?;
    if !matches!(
        sub.status,
        SubscriptionStatus::PendingPayment | SubscriptionStatus::PastDue
    ) {
        return Err(conflict(
            "Only a subscription waiting for its payment can be activated.",
        ));
    }
    let (invoice_id, total, currency): (String, i64, String) = sqlx::query_as(
        "SELECT id, total, currency FROM invoices WHERE subscription_id = $1 AND status = 'open' \
         ORDER BY issued_at, id LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| conflict("This subscription has no open invoice to settle."))?;
    let reference = format!("Off-system: {note}");
    let inserted = records::insert(
        &mut tx,
        NewPayment {
            account_id: &sub.account_id,
            invoice_id: &invoice_id,
            payment_method_id: None,
            method_kind: PaymentMethodKind::BankTransfer,
            status: PaymentStatus::AwaitingApproval,
            amount: total,
            currency: &currency,
            reference: Some(&reference),
            receipt_content_type: None,
            at: now,
        },
    )
    .await;
    let payment_id = match inserted {
        Ok(payment_id) => payment_id,
        // A transfer is already waiting on this invoice: approving it is the activation.
        Err(e) if is_unique_violation(&e, "payments_one_awaiting_key", "payments.invoice_id") => {
            sqlx::query_scalar(
                "SELECT id FROM payments WHERE invoice_id = $1 AND status = 'awaiting_approval'",
            )
            .bind(&invoice_id)
            .fetch_one(&mut *tx)
            .await?
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "subscription.activate",
            target_type: "subscription",
            target_id: id,
            before: Some(serde_json::json!({ "status": sub.status })),
            after: Some(serde_json::json!({ "status": "active", "payment": payment_id })),
            reason: note,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    crate::payments::manual::decide(state, admin, &payment_id, true, note).await?;
    Ok(())
}

pub async fn cancel(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    request: AdminCancel,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let sub = store::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let now = test_clock::now_in(&mut tx, &state.clock, &sub.account_id).await?;
    if sub.status == SubscriptionStatus::Canceled {
        return Err(conflict("This subscription has already ended."));
    }
    let ends_now = !request.at_period_end || sub.status == SubscriptionStatus::PendingPayment;
    if ends_now {
        service::end_now(&mut tx, &sub, now).await?;
    } else {
        store::set_cancel_at_period_end(&mut tx, id, true, now).await?;
    }
    audit::record(
        &mut tx,
        Action {
            admin,
            action: if ends_now {
                "subscription.cancel_now"
            } else {
                "subscription.cancel_at_period_end"
            },
            target_type: "subscription",
            target_id: id,
            before: Some(serde_json::json!({ "status": sub.status, "cancel_at_period_end": sub.cancel_at_period_end })),
            after: Some(if ends_now {
                serde_json::json!({ "status": "canceled" })
            } else {
                serde_json::json!({ "status": sub.status, "cancel_at_period_end": true })
            }),
            reason: request.note.trim(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if ends_now {
        service::notify_canceled(state, &sub, "it was canceled by our team.").await;
    }
    Ok(())
}

/// Applies the renewal rules to one subscription now, exactly as the scheduler would (under the
/// same lease, so it never runs twice with the scheduler): a due period renews or ends, a due
/// retry is charged, a subscription past its grace period ends. Nothing due: nothing changes.
pub async fn refresh(state: &AppState, admin: &SessionView, id: &str) -> AppResult<RefreshOutcome> {
    let status_before = current_status(state, id).await?;
    let mut report = RunReport::default();
    renewal::run_one(state, id, &new_id("refresh"), &mut report).await?;
    let status = current_status(state, id).await?;
    let (outcome, message) = describe(&report, status);
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "subscription.refresh",
            target_type: "subscription",
            target_id: id,
            before: Some(serde_json::json!({ "status": status_before })),
            after: Some(serde_json::json!({ "status": status, "outcome": outcome })),
            reason: "",
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(RefreshOutcome {
        status_before,
        status,
        outcome: outcome.to_string(),
        message,
    })
}

async fn current_status(state: &AppState, id: &str) -> AppResult<SubscriptionStatus> {
    let mut tx = state.db.begin().await?;
    let sub = store::find_by_id(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(sub.status)
}

fn describe(report: &RunReport, status: SubscriptionStatus) -> (&'static str, String) {
    if report.renewed > 0 {
        (
            "renewed",
            "Renewed: the next period is paid and its credits granted.".into(),
        )
    } else if report.canceled > 0 {
        ("canceled", "Ended: it was due to end.".into())
    } else if report.failed > 0 {
        (
            "payment_failed",
            "The renewal charge failed: the subscription is past due and will be retried.".into(),
        )
    } else if report.waiting > 0 {
        (
            "awaiting_payment",
            "The renewal invoice waits for a payment: the subscription is past due.".into(),
        )
    } else {
        (
            "up_to_date",
            format!(
                "Nothing was due: the subscription stays {}.",
                status.label()
            ),
        )
    }
}

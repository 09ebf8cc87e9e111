//! What paying (or failing to pay) an invoice does. Runs inside the transaction that settles
//! the payment; the invoice's open → paid update is the gate, so the effects — activating or
//! renewing a subscription, switching plan, granting credits — happen exactly once.

use crate::accounts::test_clock;
use crate::backend::Timestamp;
use crate::backend::Tx;
use crate::credits::ledger::{self, Entry, EntryKind};
use crate::invoices::model::InvoicePurpose;
use crate::invoices::store::{self as invoices, InvoiceFacts};
use crate::plans::model::BillingInterval;
use crate::subscriptions::model::SubscriptionStatus;
use crate::subscriptions::monthly_credits;
use crate::subscriptions::periods::add_months;
use crate::subscriptions::store as subscriptions;
use crate::webhooks::events;
use crate::webhooks::model::EventType;

/// The invoice was paid at the real time `paid_at`. False when it had been paid (or voided)
/// before: nothing is applied. The effects are dated by the account's time (a test clock may
/// move it, `accounts::test_clock`): a period starts, and credits arrive, when the account lives.
pub async fn invoice_paid(
    tx: &mut Tx,
    invoice: &InvoiceFacts,
    paid_at: Timestamp,
) -> Result<bool, sqlx::Error> {
    let at = test_clock::shifted(tx, &invoice.account_id, paid_at).await?;
    if !invoices::mark_paid(tx, &invoice.id, at).await? {
        return Ok(false);
    }
    let grant_key = format!("invoice:{}", invoice.id);
    let subscription = match &invoice.subscription_id {
        Some(id) => subscriptions::find_by_id(tx, id).await?,
        None => None,
    };
    match (invoice.purpose, subscription) {
        (InvoicePurpose::Subscription, Some(sub)) => {
            // The first period starts when the money arrives (a bank transfer may be approved
            // days after the invoice).
            let end = add_months(at, sub.interval.months());
            subscriptions::activate(tx, &sub.id, (at, end), at).await?;
            monthly_credits::period_paid(tx, &sub.id, sub.interval, at).await?;
            grant_plan_credits(tx, invoice, &grant_key, at).await?;
        }
        (InvoicePurpose::Renewal, Some(sub)) => {
            let (Some(start), Some(end)) = (invoice.period_start, invoice.period_end) else {
                return Ok(true);
            };
            if subscriptions::extend(tx, &sub.id, start, end, at).await? {
                // The plan and interval the invoice was issued for: a change scheduled for the
                // end of the period starts here.
                let interval = invoice.interval.unwrap_or(sub.interval);
                monthly_credits::period_paid(tx, &sub.id, interval, start).await?;
                let plan_id = invoice.plan_id.as_deref().unwrap_or(&sub.plan_id);
                subscriptions::set_terms(tx, &sub.id, plan_id, interval, at).await?;
                let key = format!("expiry:{}:{start}", sub.id);
                let description = "Unused plan credits of the past period expired";
                let entry = Entry::plan_expiry(&invoice.account_id, &sub.id, description, &key, at);
                ledger::expire_plan_credits(tx, entry).await?;
                grant_plan_credits(tx, invoice, &grant_key, at).await?;
            }
        }
        (InvoicePurpose::Proration, Some(sub)) => {
            let mut interval = sub.interval;
            if let (Some(BillingInterval::Year), BillingInterval::Month, Some(start), Some(end)) = (
                invoice.interval,
                sub.interval,
                invoice.period_start,
                invoice.period_end,
            ) {
                // A switch to yearly billing: the year runs from the month it was bought in. Paid
                // after that month (a bank transfer approved late), from the current month
                // instead, whose monthly payment then counts towards it as the first one's would
                // have: the year is paid exactly once either way.
                let current = match (sub.status, sub.period_start) {
                    (SubscriptionStatus::Active, Some(now_start)) if now_start > start => {
                        Some((now_start, add_months(now_start, 12)))
                    }
                    _ => None,
                };
                let year = current.unwrap_or((start, end));
                if subscriptions::start_year(tx, &sub.id, year, at).await? {
                    interval = BillingInterval::Year;
                }
            }
            if let Some(plan_id) = &invoice.plan_id {
                subscriptions::set_terms(tx, &sub.id, plan_id, interval, at).await?;
            }
            subscriptions::set_changing_invoice(tx, &sub.id, None, at).await?;
            grant_plan_credits(tx, invoice, &grant_key, at).await?;
        }
        (InvoicePurpose::CreditPackage, _) => {
            ledger::grant(
                tx,
                Entry {
                    account_id: &invoice.account_id,
                    kind: EntryKind::Purchase,
                    amount: invoice.credits,
                    description: &format!("Credit package, invoice {}", invoice.number),
                    reference_id: Some(&invoice.id),
                    operation: None,
                    actor: "system",
                    idempotency_key: &grant_key,
                    at,
                },
            )
            .await?;
        }
        _ => {}
    }
    events::emit(
        tx,
        &invoice.account_id,
        EventType::InvoicePaid,
        at,
        events::invoice(invoice, "paid"),
    )
    .await?;
    if invoice.purpose == InvoicePurpose::CreditPackage {
        let data = serde_json::json!({"invoice_id": invoice.id, "package_id": invoice.package_id, "credits": invoice.credits});
        events::emit(
            tx,
            &invoice.account_id,
            EventType::CreditsPurchased,
            at,
            data,
        )
        .await?;
    }
    Ok(true)
}

async fn grant_plan_credits(
    tx: &mut Tx,
    invoice: &InvoiceFacts,
    key: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    if invoice.credits <= 0 {
        return Ok(());
    }
    ledger::grant(
        tx,
        Entry {
            account_id: &invoice.account_id,
            kind: EntryKind::PlanGrant,
            amount: invoice.credits,
            description: &format!("Plan credits, invoice {}", invoice.number),
            reference_id: Some(&invoice.id),
            operation: None,
            actor: "system",
            idempotency_key: key,
            at,
        },
    )
    .await?;
    Ok(())
}

/// A charge of the invoice failed. A first-period invoice ends the subscription attempt (the
/// account may try again with another method); an upgrade or a credit package is simply not
/// bought. A renewal invoice stays open: dunning retries it.
pub async fn invoice_charge_failed(
    tx: &mut Tx,
    invoice: &InvoiceFacts,
    failed_at: Timestamp,
) -> Result<(), sqlx::Error> {
    let at = test_clock::shifted(tx, &invoice.account_id, failed_at).await?;
    let status = if invoice.purpose == InvoicePurpose::Renewal {
        "open"
    } else {
        "void"
    };
    let data = events::invoice(invoice, status);
    events::emit(
        tx,
        &invoice.account_id,
        EventType::InvoicePaymentFailed,
        at,
        data,
    )
    .await?;
    match invoice.purpose {
        InvoicePurpose::Renewal => {}
        InvoicePurpose::Subscription => {
            invoices::void(tx, &invoice.id, at).await?;
            if let Some(sub) = &invoice.subscription_id {
                subscriptions::cancel_now(tx, sub, at).await?;
            }
        }
        _ => {
            invoices::void(tx, &invoice.id, at).await?;
        }
    }
    Ok(())
}

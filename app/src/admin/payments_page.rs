//! `/admin/payments`: manual bank-transfer payments waiting for a decision, with a preview of
//! the receipt; approve (the invoice is paid and its subscription or package activated) or
//! reject with a note.

use super::nav::AdminNav;
use crate::payments::api::{pending_manual_payments, DecidePayment};
use crate::payments::model::PaymentView;
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, action_succeeded, SubmitButton};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPaymentsPage() -> impl IntoView {
    let decide = ServerAction::<DecidePayment>::new();
    let pending = Resource::new(
        move || decide.version().get(),
        |_| pending_manual_payments(),
    );
    let error = action_error(decide);
    let decided = action_succeeded(decide);
    view! {
        <Title text="Payments · Admin"/>
        <AdminNav/>
        <h1>"Pending manual payments"</h1>
        <p><a class="button button-secondary" href="/api/v1/billing/admin/payments/?format=csv" rel="external" data-testid="export-payments">"Export all payments (CSV)"</a></p>
        <FormError error/>
        <Show when=move || decided.get()>
            <p class="alert alert-success" role="status">{move || decision_notice(decide)}</p>
        </Show>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match pending.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-pending">"No payments are waiting for approval."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|payment| view! { <PendingPayment payment decide/> }).collect_view().into_any(),
                }
            })}
        </Transition>
    }
}

fn decision_notice(decide: ServerAction<DecidePayment>) -> String {
    match decide.value().get() {
        Some(Ok(payment)) if payment.status == "succeeded" => {
            format!("Approved: invoice {} is paid.", payment.invoice_number)
        }
        Some(Ok(payment)) => format!("Rejected: invoice {} stays open.", payment.invoice_number),
        _ => String::new(),
    }
}

#[component]
fn ReceiptPreview(payment: PaymentView) -> impl IntoView {
    let Some(url) = payment.receipt_url.clone() else {
        return view! { <p class="muted">"No receipt uploaded."</p> }.into_any();
    };
    let link = url.clone();
    match payment.receipt_content_type.as_deref() {
        Some("image/png") | Some("image/jpeg") => view! {
            <a href=link target="_blank" rel="noopener"><img class="receipt-preview" src=url alt="Receipt"/></a>
        }
        .into_any(),
        _ => view! {
            <object class="receipt-preview" data=url type="application/pdf">
                <a href=link target="_blank" rel="noopener">"Open the PDF receipt"</a>
            </object>
        }
        .into_any(),
    }
}

#[component]
fn PendingPayment(payment: PaymentView, decide: ServerAction<DecidePayment>) -> impl IntoView {
    let id = payment.id.clone();
    let reject_id = payment.id.clone();
    view! {
        <article class="card pending-payment" data-payment=payment.id.clone() data-invoice=payment.invoice_number.clone()>
            <h2>{format!("{} · {}", payment.account_name, payment.amount)}</h2>
            <dl class="facts">
                <dt>"Invoice"</dt>
                <dd><a href=format!("/api/v1/billing/invoices/{}/pdf/", payment.invoice_id) rel="external">{payment.invoice_number.clone()}</a></dd>
                <dt>"Bank reference"</dt><dd>{payment.reference.clone().unwrap_or_default()}</dd>
                <dt>"Submitted"</dt><dd>{date(&payment.created_at)}</dd>
            </dl>
            <ReceiptPreview payment=payment.clone()/>
            <div class="decision">
                <ActionForm action=decide attr:class="inline-form">
                    <input type="hidden" name="payment_id" value=id/>
                    <input type="hidden" name="decision" value="approve"/>
                    <SubmitButton pending=decide.pending() label="Approve" busy_label="Approving…"/>
                </ActionForm>
                <ActionForm action=decide attr:class="form reject-form">
                    <input type="hidden" name="payment_id" value=reject_id/>
                    <input type="hidden" name="decision" value="reject"/>
                    <label>"Reason for rejecting" <input type="text" name="note" maxlength="500" placeholder="No transfer with this reference"/></label>
                    <SubmitButton pending=decide.pending() label="Reject" busy_label="Rejecting…" class="button button-secondary"/>
                </ActionForm>
            </div>
        </article>
    }
}

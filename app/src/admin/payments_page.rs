//! `/admin/payments`: manual bank-transfer payments waiting for a decision, with a preview of
//! the receipt; approve (the invoice is paid and its subscription or package activated) or
//! reject with a note. Below them, every payment, filtered by status, method, account and dates,
//! and exported to CSV with the same filters.

use super::api::admin_payments;
use super::filters::{states, AccountAndDates, Choice, FilterButtons};
use super::list_query::{csv_export_url, use_query_fields};
use super::nav::AdminNav;
use crate::payments::api::{pending_manual_payments, DecidePayment};
use crate::payments::model::{PaymentMethodKind, PaymentStatus, PaymentView};
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, action_succeeded, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
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
        <AllPayments decided=decide.version()/>
    }
}

const STATUSES: &[PaymentStatus] = &[
    PaymentStatus::Succeeded,
    PaymentStatus::AwaitingApproval,
    PaymentStatus::Pending,
    PaymentStatus::Failed,
    PaymentStatus::Rejected,
    PaymentStatus::Refunded,
];

fn methods() -> Vec<(&'static str, String)> {
    PaymentMethodKind::ALL
        .iter()
        .map(|kind| (kind.as_str(), kind.title().to_string()))
        .collect()
}

/// Every payment, newest first, with the filters in the URL; refreshed after each decision.
#[component]
fn AllPayments(decided: RwSignal<usize>) -> impl IntoView {
    let filter = use_query_fields(["status", "method", "account_id", "from", "to"]);
    let page = use_page_number("page");
    let payments = Resource::new(
        move || (filter.get(), page.get(), decided.get()),
        |([status, method, account, from, to], page, _)| {
            admin_payments(status, method, account, from, to, page)
        },
    );
    let [status, method, account, from, to] = filter.get_untracked();
    let export = csv_export_url("/api/v1/billing/admin/payments/");
    view! {
        <h2>"All payments"</h2>
        <form class="form filters" method="get" action="/admin/payments" data-testid="payment-filters">
            <Choice label="Status" name="status" choices=states(STATUSES) current=status/>
            <Choice label="Method" name="method" choices=methods() current=method/>
            <AccountAndDates account from to/>
            <FilterButtons label="Filter" export export_testid="export-payments"/>
        </form>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match payments.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) if found.items.is_empty() => view! { <p class="muted" data-testid="no-payments">"No payment matches these filters."</p> }.into_any(),
                    Ok(found) => view! {
                        <div class="card"><table class="table" data-testid="payments-table">
                            <thead><tr><th>"Date"</th><th>"Account"</th><th>"Invoice"</th><th>"Method"</th><th>"Amount"</th><th>"Status"</th></tr></thead>
                            <tbody>
                                {found.items.iter().map(|p| view! {
                                    <tr data-payment=p.id.clone() data-status=p.status.as_str() data-method=p.method_kind.as_str()>
                                        <td>{date(&p.created_at)}</td>
                                        <td>{p.account_name.clone()}</td>
                                        <td><a href=format!("/api/v1/billing/invoices/{}/pdf/", p.invoice_id) rel="external">{p.invoice_number.clone()}</a></td>
                                        <td>{p.method_kind.label()}</td>
                                        <td>{p.amount.to_string()}</td>
                                        <td>{p.status.label()}{p.failure_code.clone().map(|code| format!(" ({code})"))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                        <Pager base="/admin/payments" key="page" page=found.page page_size=found.page_size total=found.total/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn decision_notice(decide: ServerAction<DecidePayment>) -> String {
    match decide.value().get() {
        Some(Ok(payment)) if payment.status == PaymentStatus::Succeeded => {
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
        Some("image/png" | "image/jpeg") => view! {
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

//! The billing page's open invoices: each can be paid now with a saved card or PayPal account
//! (`pay_now.rs` on the server), or by bank transfer with the bank's reference and a receipt.

use super::api::PayInvoice;
use super::model::{PaymentMethodKind, PaymentMethodStatus, PaymentMethodView};
use crate::common::AppError;
use crate::credits::widget::refresh_balance_after;
use crate::invoices::model::InvoiceView;
use crate::invoices::pages::TransferDetails;
use crate::ui::errors::FormError;
use crate::ui::forms::{action_error, request_key, RequestKeyInput, SubmitButton};
use leptos::prelude::*;

type Loaded<T> = Resource<Result<T, AppError>>;

/// The methods a charge can use now: active cards and PayPal accounts (a bank transfer is sent,
/// not charged).
fn chargeable(methods: Vec<PaymentMethodView>) -> Vec<PaymentMethodView> {
    methods
        .into_iter()
        .filter(|m| {
            m.status == PaymentMethodStatus::Active && m.kind != PaymentMethodKind::BankTransfer
        })
        .collect()
}

/// A select of `methods` named `payment_method_id`, the default chosen.
#[component]
pub fn MethodSelect(methods: Vec<PaymentMethodView>) -> impl IntoView {
    view! {
        <select name="payment_method_id" aria-label="Pay with">
            {methods.into_iter().map(|m| {
                let label = m.label();
                view! { <option value=m.id.clone() selected=m.is_default>{label}</option> }
            }).collect_view()}
        </select>
    }
}

/// Every open invoice of the account with its ways to pay; nothing when none is open. `pay` is
/// the page's, so its lists reload after a payment.
#[component]
pub fn OpenInvoicesCard(
    invoices: Loaded<Vec<InvoiceView>>,
    methods: Loaded<Vec<PaymentMethodView>>,
    pay: ServerAction<PayInvoice>,
) -> impl IntoView {
    let error = action_error(pay);
    let query = leptos_router::hooks::use_query_map();
    refresh_balance_after(move || pay.version().get());
    // A fresh key for each payment: the same submission twice charges once.
    let key = request_key(pay);
    view! {
        <FormError error/>
        {move || {
            // The hydrated page's payment, or one posted before the WASM loaded (its outcome
            // comes back in the address).
            let paid = pay.value().get().and_then(Result::ok)
                .map(|payment| (payment.invoice_number, payment.amount.to_string()))
                .or_else(|| {
                    let query = query.get();
                    query.get("paid").zip(query.get("amount"))
                });
            paid.map(|(number, amount)| view! {
                <p class="alert alert-success" role="status" data-testid="invoice-paid">
                    {format!("Invoice {number} is paid ({amount}).")}
                </p>
            })
        }}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match (invoices.await, methods.await) {
                    (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(open), _) if open.is_empty() => ().into_any(),
                    (Ok(open), Ok(methods)) => {
                        let usable = chargeable(methods);
                        view! {
                            <section class="card" id="open-invoices">
                                <h2>"Open invoices"</h2>
                                {open.into_iter().map(|invoice| view! { <OpenInvoice invoice methods=usable.clone() pay key/> }).collect_view()}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn OpenInvoice(
    invoice: InvoiceView,
    methods: Vec<PaymentMethodView>,
    pay: ServerAction<PayInvoice>,
    key: Memo<String>,
) -> impl IntoView {
    let invoice_id = invoice.id.clone();
    let number = invoice.number.clone();
    let title = format!(
        "Invoice {} · {} · {}",
        invoice.number,
        invoice.purpose.title(),
        invoice.total
    );
    let pay_now = if methods.is_empty() {
        view! { <p class="muted small">"Add a card or connect PayPal above to pay it now."</p> }
            .into_any()
    } else {
        view! {
            <ActionForm action=pay attr:class="pay-now">
                <input type="hidden" name="invoice_id" value=invoice_id/>
                <RequestKeyInput key/>
                <MethodSelect methods/>
                <SubmitButton pending=pay.pending() label="Pay now" busy_label="Paying…"/>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <article class="open-invoice" data-invoice=number>
            <h3>{title}</h3>
            {pay_now}
            <ManualPaymentForm invoice/>
        </article>
    }
}

/// For an open invoice: the bank reference and an optional receipt. A plain multipart form to
/// the REST endpoint, which answers browsers with a redirect back here.
#[component]
fn ManualPaymentForm(invoice: InvoiceView) -> impl IntoView {
    let sending = RwSignal::new(false);
    view! {
        <form
            class="form manual-payment"
            method="post"
            action="/api/v1/billing/payments/manual/"
            enctype="multipart/form-data"
            data-invoice=invoice.number.clone()
            on:submit=move |_| sending.set(true)
        >
            <h4>"Or pay by bank transfer"</h4>
            <TransferDetails invoice=invoice.clone()/>
            <p class="muted small">"Then tell us the bank's reference of your transfer."</p>
            <input type="hidden" name="invoice_id" value=invoice.id.clone()/>
            <label>"Bank reference" <input type="text" name="reference" maxlength="100" required/></label>
            <label>"Receipt (PDF, PNG or JPEG, up to 5 MB; optional)"
                <input type="file" name="receipt" accept="application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"/></label>
            <SubmitButton pending=sending label="Submit payment" busy_label="Uploading…"/>
        </form>
    }
}

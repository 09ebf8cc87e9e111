//! `/account/billing` (payment methods, invoices, payments, manual bank transfers) and the
//! sandbox PayPal approval page.

use super::api::{
    list_payment_methods, list_payments, pending_paypal, AddCard, AddPaymentMethod, PayInvoice,
    RemovePaymentMethod, SetDefaultPaymentMethod, SettlePaypal,
};
use super::model::{PaymentMethodStatus, PaymentMethodView, PaymentView};
use super::open_invoices::OpenInvoicesCard;
use crate::billing_profile::card::BillingProfileCard;
use crate::common::AppError;
use crate::credits::alert_card::BalanceAlertCard;
use crate::credits::api::BuyCreditPackage;
use crate::credits::pages::CreditPackagesCard;
use crate::invoices::api::{list_invoices, list_open_invoices};
use crate::invoices::model::Page;
use crate::invoices::pages::InvoiceTable;
use crate::ui::errors::{ErrorPage, FieldError, FormError};
use crate::ui::format::{date, StatusBadge};
use crate::ui::forms::{action_error, posted_error, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The card form. Card details go to the server function and on to the gateway; only brand,
/// last 4 and expiry come back.
#[component]
pub fn AddCardForm(action: ServerAction<AddCard>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <FormError error/>
        <ActionForm action attr:class="form card-form" attr:data-testid="add-card-form">
            <label>"Card number"
                <input type="text" name="number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required/>
                <FieldError error field="card.number"/></label>
            <div class="form-row">
                <label>"Month" <input type="number" name="exp_month" min="1" max="12" placeholder="12" required/>
                    <FieldError error field="card.exp_month"/></label>
                <label>"Year" <input type="number" name="exp_year" min="2000" max="2100" placeholder="2030" required/>
                    <FieldError error field="card.exp_year"/></label>
                <label>"CVC" <input type="text" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required/>
                    <FieldError error field="card.cvc"/></label>
            </div>
            <label>"Name on card" <input type="text" name="holder_name" autocomplete="cc-name"/></label>
            <SubmitButton pending=action.pending() label="Add card" busy_label="Checking the card…"/>
        </ActionForm>
    }
}

#[component]
fn MethodRow(
    method: PaymentMethodView,
    remove: ServerAction<RemovePaymentMethod>,
    set_default: ServerAction<SetDefaultPaymentMethod>,
) -> impl IntoView {
    let id = method.id.clone();
    let label = method.label();
    view! {
        <li class="method-row" data-method-kind=method.kind.as_str()>
            <span>{label}</span>
            {method.is_default.then(|| view! { <span class="badge">"Default"</span> })}
            {(method.status != PaymentMethodStatus::Active).then(|| view! { <StatusBadge status=method.status.as_str()/> })}
            {method.approval_url.clone().map(|url| view! { <a href=url>"Approve"</a> })}
            <span class="row-actions">
                {(!method.is_default && method.status == PaymentMethodStatus::Active).then(|| {
                    let id = id.clone();
                    view! {
                        <ActionForm action=set_default attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <SubmitButton pending=set_default.pending() label="Make default" busy_label="Saving…" class="button button-secondary button-small"/>
                        </ActionForm>
                    }
                })}
                <ActionForm action=remove attr:class="inline-form">
                    <input type="hidden" name="id" value=id.clone()/>
                    <SubmitButton pending=remove.pending() label="Remove" busy_label="Removing…" class="button button-secondary button-small"/>
                </ActionForm>
            </span>
        </li>
    }
}

/// The payment-method actions of the billing page: every list of methods on the page (the
/// methods card, the packages' and the open invoices' pickers) reloads after any of them.
#[derive(Clone, Copy)]
struct MethodActions {
    add_card: ServerAction<AddCard>,
    add_method: ServerAction<AddPaymentMethod>,
    remove: ServerAction<RemovePaymentMethod>,
    set_default: ServerAction<SetDefaultPaymentMethod>,
}

impl MethodActions {
    fn new() -> MethodActions {
        MethodActions {
            add_card: ServerAction::new(),
            add_method: ServerAction::new(),
            remove: ServerAction::new(),
            set_default: ServerAction::new(),
        }
    }

    /// Changes whenever one of them completes.
    fn version(self) -> [usize; 4] {
        [
            self.add_card.version().get(),
            self.add_method.version().get(),
            self.remove.version().get(),
            self.set_default.version().get(),
        ]
    }
}

#[component]
fn PaymentMethodsCard(
    actions: MethodActions,
    methods: Resource<Result<Vec<PaymentMethodView>, AppError>>,
) -> impl IntoView {
    let MethodActions {
        add_card,
        add_method,
        remove,
        set_default,
    } = actions;
    // Row actions report through toasts; the add form keeps its error beside it. A row action
    // posted before the WASM loaded comes back with its error in the address (no toast then).
    toast_errors(remove);
    toast_errors(set_default);
    let add_error = action_error(add_method);
    let (removing, defaulting) = (posted_error(remove), posted_error(set_default));
    let row_error = Signal::derive(move || removing.get().or_else(|| defaulting.get()));
    view! {
        <section class="card" id="payment-methods">
            <h2>"Payment methods"</h2>
            <FormError error=add_error/>
            <FormError error=row_error/>
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match methods.await {
                        Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No payment method yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="method-list">
                                {list.into_iter().map(|method| view! { <MethodRow method remove set_default/> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
            <details class="add-method" open=true>
                <summary>"Add a card"</summary>
                <AddCardForm action=add_card/>
            </details>
            <div class="add-method-other">
                <ActionForm action=add_method attr:class="inline-form">
                    <input type="hidden" name="kind" value="paypal"/>
                    <SubmitButton pending=add_method.pending() label="Connect PayPal" busy_label="Opening PayPal…" class="button button-secondary"/>
                </ActionForm>
                <ActionForm action=add_method attr:class="inline-form">
                    <input type="hidden" name="kind" value="bank_transfer"/>
                    <SubmitButton pending=add_method.pending() label="Pay by bank transfer" busy_label="Saving…" class="button button-secondary"/>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
pub fn PaymentTable(payments: Vec<PaymentView>) -> impl IntoView {
    if payments.is_empty() {
        return view! { <p class="muted">"No payments yet."</p> }.into_any();
    }
    view! {
        <table class="table payments-table">
            <thead><tr><th>"Date"</th><th>"Invoice"</th><th>"Method"</th><th>"Amount"</th><th>"Status"</th></tr></thead>
            <tbody>
                {payments.into_iter().map(|p| view! {
                    <tr data-payment=p.id.clone()>
                        <td>{date(&p.created_at)}</td>
                        <td><a href=format!("/account/invoices/{}", p.invoice_id)>{p.invoice_number.clone()}</a></td>
                        <td>{p.method_kind.label()}</td>
                        <td>{p.amount.to_string()}</td>
                        <td>
                            <StatusBadge status=p.status.as_str()/>
                            {p.note.clone().filter(|n| !n.is_empty()).map(|n| view! { <span class="muted small">" "{n}</span> })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// What the query string says happened before this page load (redirects of forms and PayPal).
fn notice_from_query(key: &str, value: &str) -> Option<(&'static str, String)> {
    match (key, value) {
        ("paypal", "approved") => Some(("alert-success", "PayPal is connected.".into())),
        ("method", "removed") => Some(("alert-success", "The payment method was removed.".into())),
        ("paypal", "canceled") => Some(("alert-warning", "PayPal was not connected.".into())),
        ("manual", "submitted") => Some((
            "alert-success",
            "Payment submitted. It is awaiting approval; we will email you when it is confirmed.".into(),
        )),
        ("pending", "package") => Some((
            "alert-warning",
            "Your credits arrive when the package's invoice is paid: by bank transfer, or now with a card or PayPal below.".into(),
        )),
        ("pending", _) => Some((
            "alert-warning",
            "Your subscription starts when its first invoice is paid: by bank transfer, or now with a card or PayPal below.".into(),
        )),
        _ => None,
    }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let notices = move || {
        let query = query.get();
        ["paypal", "manual", "pending", "method"]
            .into_iter()
            .filter_map(|key| query.get(key).and_then(|value| notice_from_query(key, &value)))
            .map(|(class, text)| view! { <p class=format!("alert {class}") role="status">{text}</p> })
            .collect_view()
    };
    let buy = ServerAction::<BuyCreditPackage>::new();
    let pay = ServerAction::<PayInvoice>::new();
    let method_actions = MethodActions::new();
    let methods = Resource::new(move || method_actions.version(), |_| list_payment_methods());
    let (invoices_page, payments_page) = (
        use_page_number("invoices_page"),
        use_page_number("payments_page"),
    );
    // A purchase or a payment changes the invoices and payments: their lists reload after one.
    let paid = move || (buy.version().get(), pay.version().get());
    let open_invoices = Resource::new(paid, |_| list_open_invoices());
    let invoices = Resource::new(
        move || (paid(), invoices_page.get()),
        |(_, page)| list_invoices(page),
    );
    let payments = Resource::new(
        move || (paid(), payments_page.get()),
        |(_, page)| list_payments(page),
    );
    view! {
        <Title text="Billing"/>
        <h1>"Billing"</h1>
        {notices}
        // A bank transfer form posted without JavaScript comes back with its error's code.
        <FormError error=Signal::derive(move || query.get().get("manual_error").map(|code| AppError::from_code(&code)))/>
        <OpenInvoicesCard invoices=open_invoices methods pay/>
        <PaymentMethodsCard actions=method_actions methods/>
        <CreditPackagesCard buy methods/>
        <BalanceAlertCard/>
        <BillingProfileCard/>
        <History title="Invoices" id="invoices" key="invoices_page" rows=invoices table=|invoices| view! { <InvoiceTable invoices/> }/>
        <History title="Payments" id="payments" key="payments_page" rows=payments table=|payments| view! { <PaymentTable payments/> }/>
    }
}

/// A card of the billing page with a history that pages: its table, and links to the other pages
/// under `key` in the URL.
#[component]
fn History<T, V>(
    title: &'static str,
    id: &'static str,
    key: &'static str,
    rows: Resource<Result<Page<T>, AppError>>,
    table: fn(Vec<T>) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <section class="card" id=id>
            <h2>{title}</h2>
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        Ok(page) => view! {
                            {table(page.items)}
                            <Pager base="/account/billing" key page=page.page page_size=page.page_size total=page.total/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The sandbox stand-in for PayPal's approval page: the account holder approves or cancels,
/// then returns to billing.
#[component]
pub fn PaypalApprovalPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let method = Resource::new(id, pending_paypal);
    let settle = ServerAction::<SettlePaypal>::new();
    let error = action_error(settle);
    view! {
        <Title text="PayPal sandbox"/>
        <main class="standalone">
            <Suspense fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match method.await {
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                        Ok(method) => {
                            let approve_id = method.id.clone();
                            let cancel_id = method.id;
                            view! {
                            <section class="card narrow paypal-sandbox">
                                <p class="eyebrow">"PayPal sandbox"</p>
                                <h1>"Connect your PayPal account to IGNY8?"</h1>
                                <p class="muted">"IGNY8 will be able to charge this account for your subscription and credit packages."</p>
                                <FormError error/>
                                <ActionForm action=settle attr:class="inline-form">
                                    <input type="hidden" name="id" value=approve_id/>
                                    <input type="hidden" name="decision" value="approve"/>
                                    <SubmitButton pending=settle.pending() label="Approve" busy_label="Approving…"/>
                                </ActionForm>
                                " "
                                <ActionForm action=settle attr:class="inline-form">
                                    <input type="hidden" name="id" value=cancel_id/>
                                    <input type="hidden" name="decision" value="cancel"/>
                                    <SubmitButton pending=settle.pending() label="Cancel" busy_label="Canceling…" class="button button-secondary"/>
                                </ActionForm>
                            </section>
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

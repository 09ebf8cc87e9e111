//! Credit pages: `/account/usage` (summary chart, ledger and usage log with filters and
//! pages), the credit packages card of the billing page, and the dashboard's 30-day chart.

use super::api::{
    get_usage_summary, ledger_page, list_credit_packages, usage_logs_page, BuyCreditPackage,
};
use super::model::{CreditPackageView, EntryKind, UsageFilter, UsageSummary};
use super::widget::refresh_balance_after;
use crate::common::AppError;
use crate::limits::pages::LimitList;
use crate::payments::model::{PaymentMethodStatus, PaymentMethodView};
use crate::payments::open_invoices::MethodSelect;
use crate::ui::chart::BarChart;
use crate::ui::errors::FormError;
use crate::ui::format::date;
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

fn filter_of(query: &ParamsMap) -> UsageFilter {
    let get = |key: &str| query.get(key).filter(|v| !v.is_empty());
    UsageFilter {
        kind: get("kind"),
        operation: get("operation"),
        from: get("from"),
        to: get("to"),
    }
}

/// The chart of credits used per day, with the per-operation totals under it.
#[component]
pub fn UsageChart(summary: UsageSummary) -> impl IntoView {
    let points = summary
        .by_day
        .iter()
        .map(|d| (d.day.clone(), d.credits))
        .collect();
    view! {
        <div class="usage-summary" data-testid="usage-summary">
            <p><strong data-testid="usage-total">{summary.total_credits}</strong>{format!(" credits used from {} to {}", summary.from, summary.to)}</p>
            <BarChart points title="Credits used per day" unit="credits"/>
        </div>
    }
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_of(&query.get()));
    let summary = Resource::new(move || filter.get(), get_usage_summary);
    let (ledger_page_number, logs_page_number) =
        (use_page_number("page"), use_page_number("logs_page"));
    let ledger = Resource::new(
        move || (filter.get(), ledger_page_number.get()),
        |(f, p)| ledger_page(f, p),
    );
    let logs = Resource::new(
        move || (filter.get(), logs_page_number.get()),
        |(f, p)| usage_logs_page(f, p),
    );
    let limits = Resource::new(|| (), |_| crate::limits::api::get_limits());
    view! {
        <Title text="Usage"/>
        <h1>"Usage"</h1>
        <UsageFilters filter/>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                let summary = summary.await;
                let ledger = ledger.await;
                let logs = logs.await;
                let limits = limits.await;
                match (summary, ledger, logs, limits) {
                    (Err(error), _, _, _) | (_, Err(error), _, _) | (_, _, Err(error), _) | (_, _, _, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(summary), Ok(ledger), Ok(logs), Ok(limits)) => {
                        let by_operation = summary.by_operation.clone();
                        view! {
                            <section class="card">
                                <h2>"Credits used"</h2>
                                <UsageChart summary/>
                                <table class="table">
                                    <thead><tr><th>"Operation"</th><th>"Runs"</th><th>"Quantity"</th><th>"Credits"</th></tr></thead>
                                    <tbody>
                                        {by_operation.into_iter().map(|o| view! {
                                            <tr data-operation=o.operation.clone()><td>{o.label}</td><td>{o.runs}</td><td>{o.quantity}</td><td>{o.credits}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            <section class="card" id="limits">
                                <h2>"Plan limits"</h2>
                                <LimitList limits/>
                            </section>
                            <section class="card" id="ledger">
                                <h2>"Credit ledger"</h2>
                                <table class="table ledger-table">
                                    <thead><tr><th>"Date"</th><th>"Type"</th><th>"Description"</th><th>"Amount"</th><th>"Balance"</th></tr></thead>
                                    <tbody>
                                        {ledger.items.iter().map(|e| view! {
                                            <tr data-kind=e.kind.as_str()>
                                                <td>{date(&e.created_at)}</td>
                                                <td>{e.kind.label()}</td>
                                                <td>{e.description.clone()}</td>
                                                <td class:negative=e.amount < 0>{format!("{:+}", e.amount)}</td>
                                                <td>{e.balance_after}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager base="/account/usage" key="page" page=ledger.page page_size=ledger.page_size total=ledger.total/>
                            </section>
                            <section class="card" id="usage-logs">
                                <h2>"Usage log"</h2>
                                <table class="table usage-table">
                                    <thead><tr><th>"Date"</th><th>"Operation"</th><th>"Quantity"</th><th>"Credits"</th><th>"Task"</th></tr></thead>
                                    <tbody>
                                        {logs.items.iter().map(|l| view! {
                                            <tr data-operation=l.operation.clone()>
                                                <td>{date(&l.created_at)}</td>
                                                <td>{l.operation.clone()}</td>
                                                <td>{l.quantity}</td>
                                                <td>{l.credits}</td>
                                                <td class="muted small">{l.task_id.clone().unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager base="/account/usage" key="logs_page" page=logs.page page_size=logs.page_size total=logs.total/>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// A plain GET form: works without JavaScript, and the router keeps it client-side with it.
#[component]
fn UsageFilters(filter: Memo<UsageFilter>) -> impl IntoView {
    let current = filter.get_untracked();
    view! {
        <form class="form filters" method="get" action="/account/usage" data-testid="usage-filters">
            <label>"Type"
                <select name="kind">
                    <option value="">"All"</option>
                    {EntryKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=current.kind.as_deref() == Some(k.as_str())>{k.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Operation" <input type="text" name="operation" value=current.operation.clone().unwrap_or_default() placeholder="writer.generate_article"/></label>
            <label>"From" <input type="date" name="from" value=current.from.clone().unwrap_or_default()/></label>
            <label>"To" <input type="date" name="to" value=current.to.clone().unwrap_or_default()/></label>
            <button class="button button-secondary" type="submit">"Apply"</button>
        </form>
    }
}

/// The credit packages of the billing page: buy with the default (or chosen) method. Card
/// and PayPal purchases credit at once; a bank transfer leaves an invoice to pay. The page owns
/// `buy`, so its invoice and payment lists reload after a purchase.
#[component]
pub fn CreditPackagesCard(
    buy: ServerAction<BuyCreditPackage>,
    methods: Resource<Result<Vec<PaymentMethodView>, AppError>>,
) -> impl IntoView {
    let packages = Resource::new(|| (), |_| list_credit_packages());
    let query = use_query_map();
    let error = action_error(buy);
    refresh_balance_after(move || buy.version().get());
    // A fresh key for each purchase: the same submission twice buys once.
    let request_key = crate::ui::forms::request_key(buy);
    view! {
        <section class="card" id="credit-packages">
            <h2>"Buy credits"</h2>
            <p class="muted">"Purchased credits never expire. Plan credits are spent first."</p>
            <FormError error/>
            {move || {
                // The hydrated page's purchase, or one posted before the WASM loaded (its outcome
                // comes back in the address).
                let bought = buy.value().get().and_then(Result::ok).filter(|o| o.credits_granted)
                    .map(|o| (o.invoice.credits.to_string(), o.invoice.number))
                    .or_else(|| {
                        let query = query.get();
                        query.get("purchased").zip(query.get("invoice"))
                    });
                bought.map(|(credits, number)| view! {
                    <p class="alert alert-success" role="status" data-testid="purchase-done">
                        {format!("{credits} credits added (invoice {number}).")}
                    </p>
                })
            }}
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    let (packages, methods) = (packages.await, methods.await);
                    match (packages, methods) {
                        (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        (Ok(list), Ok(methods)) => {
                            let usable: Vec<PaymentMethodView> = methods.into_iter().filter(|m| m.status == PaymentMethodStatus::Active).collect();
                            view! {
                                {usable.is_empty().then(|| view! { <p class="alert alert-warning">"Add a payment method above to buy credits."</p> })}
                                <div class="package-grid">
                                    {list.into_iter().map(|package| view! { <PackageCard package methods=usable.clone() buy request_key/> }).collect_view()}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PackageCard(
    package: CreditPackageView,
    methods: Vec<PaymentMethodView>,
    buy: ServerAction<BuyCreditPackage>,
    request_key: Memo<String>,
) -> impl IntoView {
    let disabled = methods.is_empty();
    let id = package.id.clone();
    let form_id = package.id.clone();
    view! {
        <article class="card package-card" class:featured=package.is_featured data-package=id>
            <h3>{package.name.clone()}</h3>
            <p class="price"><strong>{package.credits}</strong>" credits"</p>
            <p>{package.price.to_string()}</p>
            <ActionForm action=buy attr:class="package-action">
                <input type="hidden" name="package_id" value=form_id/>
                <crate::ui::forms::RequestKeyInput key=request_key/>
                {(!disabled).then(|| view! { <MethodSelect methods/> })}
                <SubmitButton pending=buy.pending() label="Buy" busy_label="Buying…"/>
            </ActionForm>
        </article>
    }
}

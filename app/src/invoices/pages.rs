//! The invoice list (on the billing page) and `/account/invoices/:id`.

use super::api::get_invoice;
use super::model::InvoiceView;
use crate::ui::errors::ErrorPage;
use crate::ui::format::{date, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvoiceTable(invoices: Vec<InvoiceView>) -> impl IntoView {
    if invoices.is_empty() {
        return view! { <p class="muted">"No invoices yet."</p> }.into_any();
    }
    view! {
        <table class="table invoices-table">
            <thead><tr><th>"Number"</th><th>"Issued"</th><th>"For"</th><th>"Total"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {invoices.into_iter().map(|invoice| view! {
                    <tr data-invoice=invoice.number.clone()>
                        <td><a href=format!("/account/invoices/{}", invoice.id)>{invoice.number.clone()}</a></td>
                        <td>{date(&invoice.issued_at)}</td>
                        <td>{invoice.purpose.title()}</td>
                        <td>{invoice.total.to_string()}</td>
                        <td><StatusBadge status=invoice.status.as_str()/></td>
                        <td><a href=invoice.pdf_url.clone() download=format!("{}.pdf", invoice.number) rel="external">"PDF"</a></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn InvoicePage() -> impl IntoView {
    let params = use_params_map();
    let invoice = Resource::new(
        move || params.get().get("id").unwrap_or_default(),
        get_invoice,
    );
    view! {
        <Suspense fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match invoice.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(invoice) => view! { <InvoiceDetail invoice/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InvoiceDetail(invoice: InvoiceView) -> impl IntoView {
    view! {
        <Title text=format!("Invoice {}", invoice.number)/>
        <h1>{format!("Invoice {}", invoice.number)} " " <StatusBadge status=invoice.status.as_str()/></h1>
        <section class="card invoice">
            <dl class="facts">
                <dt>"Billed to"</dt><dd>{invoice.account_name.clone()}</dd>
                <dt>"Issued"</dt><dd>{date(&invoice.issued_at)}</dd>
                {invoice.period_start.clone().zip(invoice.period_end.clone()).map(|(start, end)| view! {
                    <dt>"Period"</dt><dd>{format!("{} to {}", date(&start), date(&end))}</dd>
                })}
                {invoice.paid_at.clone().map(|paid| view! { <dt>"Paid"</dt><dd>{date(&paid)}</dd> })}
            </dl>
            <table class="table">
                <thead><tr><th>"Description"</th><th>"Qty"</th><th>"Unit price"</th><th>"Amount"</th></tr></thead>
                <tbody>
                    {invoice.lines.iter().map(|line| view! {
                        <tr><td>{line.description.clone()}</td><td>{line.quantity}</td><td>{line.unit_amount.to_string()}</td><td>{line.amount.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr><td colspan="3">"Subtotal"</td><td>{invoice.subtotal.to_string()}</td></tr>
                    <tr><td colspan="3">"Tax"</td><td>{invoice.tax.to_string()}</td></tr>
                    <tr class="total"><td colspan="3">"Total"</td><td>{invoice.total.to_string()}</td></tr>
                </tfoot>
            </table>
            <p>
                <a class="button" href=invoice.pdf_url.clone() download=format!("{}.pdf", invoice.number) rel="external">"Download PDF"</a>
                " "
                {invoice.is_open().then(|| view! { <a class="button button-secondary" href="/account/billing#open-invoices">"Pay this invoice"</a> })}
            </p>
        </section>
    }
}

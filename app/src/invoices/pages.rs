//! The invoice list (on the billing page) and `/account/invoices/:id`.

use super::api::get_invoice;
use super::model::InvoiceView;
use super::parties::{group_iban, InvoiceParty};
use super::tax::percent;
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
            <div class="parties">
                <Party title="From" party=invoice.seller.clone()/>
                <Party title="Billed to" party=invoice.buyer.clone()/>
            </div>
            <dl class="facts">
                <dt>"Issued"</dt><dd>{date(&invoice.issued_at)}</dd>
                {invoice.period_start.clone().zip(invoice.period_end.clone()).map(|(start, end)| view! {
                    <dt>"Period"</dt><dd>{format!("{} to {}", date(&start), date(&end))}</dd>
                })}
                {invoice.paid_at.clone().map(|paid| view! { <dt>"Paid"</dt><dd>{date(&paid)}</dd> })}
            </dl>
            <table class="table invoice-lines">
                <thead><tr><th>"Description"</th><th>"Qty"</th><th>"Unit price"</th><th>"Tax"</th><th>"Net amount"</th></tr></thead>
                <tbody>
                    {invoice.lines.iter().map(|line| view! {
                        <tr><td>{line.description.clone()}</td><td>{line.quantity}</td><td>{line.unit_amount.to_string()}</td><td>{percent(line.tax_rate_bp)}</td><td>{line.amount.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr><td colspan="4">"Subtotal (net)"</td><td>{invoice.subtotal.to_string()}</td></tr>
                    <tr data-testid="invoice-tax"><td colspan="4">{invoice.tax_label.clone().unwrap_or_else(|| "Tax".into())}</td><td>{invoice.tax.to_string()}</td></tr>
                    <tr class="total"><td colspan="4">"Total"</td><td>{invoice.total.to_string()}</td></tr>
                </tfoot>
            </table>
            {invoice.tax_note.clone().map(|note| view! { <p class="small tax-note" data-testid="tax-note">{note}</p> })}
            {invoice.is_open().then(|| view! { <TransferDetails invoice=invoice.clone()/> })}
            <p>
                <a class="button" href=invoice.pdf_url.clone() download=format!("{}.pdf", invoice.number) rel="external">"Download PDF"</a>
                " "
                {invoice.is_open().then(|| view! { <a class="button button-secondary" href="/account/billing#open-invoices">"Pay this invoice"</a> })}
            </p>
        </section>
    }
}

/// One side of an invoice: the name, then address, country, tax id and email.
#[component]
fn Party(title: &'static str, party: InvoiceParty) -> impl IntoView {
    view! {
        <address class="party">
            <strong>{title}</strong>
            <span class="party-name">{party.name.clone()}</span>
            {party.detail_lines().into_iter().map(|line| view! { <span>{line}</span> }).collect_view()}
        </address>
    }
}

/// Where to transfer an open invoice's amount, with its number as the reference to quote.
#[component]
pub fn TransferDetails(invoice: InvoiceView) -> impl IntoView {
    let reference = invoice.number.clone();
    let details = match invoice.bank_details {
        Some(bank) => view! {
            <dl class="facts bank-details" data-testid="bank-details">
                {bank.fields().into_iter().map(|(label, value)| {
                    let value = if label == "IBAN" { group_iban(&value) } else { value };
                    view! { <dt>{label}</dt><dd>{value}</dd> }
                }).collect_view()}
                <dt>"Amount"</dt><dd>{invoice.total.to_string()}</dd>
                <dt>"Reference"</dt><dd class="reference">{reference}</dd>
            </dl>
        }
        .into_any(),
        None => {
            let email = invoice.seller.email.clone().unwrap_or_default();
            view! {
                <p class="muted small" data-testid="bank-details-missing">
                    {format!("Ask {email} for our bank details, and quote {reference} as the reference.")}
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div class="transfer-details">
            <p class="small">{format!("To pay by bank transfer, send {} to:", invoice.total)}</p>
            {details}
        </div>
    }
}

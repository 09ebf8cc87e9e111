//! `/admin/invoices`: every account's invoices with filters, PDF links, CSV export, and voiding
//! an open invoice with a reason.

use super::api::{admin_invoices, AdminVoidInvoice};
use super::filters::{states, AccountAndDates, Choice, FilterButtons};
use super::list_query::{csv_export_url, use_query_fields};
use super::nav::AdminNav;
use crate::invoices::model::{InvoiceStatus, InvoiceView};
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminInvoicesPage() -> impl IntoView {
    let filter = use_query_fields(["status", "account_id", "from", "to"]);
    let page = use_page_number("page");
    let void = ServerAction::<AdminVoidInvoice>::new();
    let invoices = Resource::new(
        move || (filter.get(), page.get(), void.version().get()),
        |([status, account, from, to], page, _)| admin_invoices(status, account, from, to, page),
    );
    let error = action_error(void);
    let [status, account, from, to] = filter.get_untracked();
    let export = csv_export_url("/api/v1/admin/invoices/");
    view! {
        <Title text="Invoices · Admin"/>
        <AdminNav/>
        <h1>"Invoices"</h1>
        <form class="form filters" method="get" action="/admin/invoices">
            <Choice label="Status" name="status" choices=states(InvoiceStatus::ALL) current=status/>
            <AccountAndDates account from to/>
            <FilterButtons label="Filter" export export_testid="export-invoices"/>
        </form>
        <FormError error/>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match invoices.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) => view! {
                        <div class="card"><table class="table">
                            <thead><tr><th>"Number"</th><th>"Account"</th><th>"Issued"</th><th>"For"</th><th>"Total"</th><th>"Status"</th><th></th></tr></thead>
                            <tbody>
                                {found.items.iter().cloned().map(|invoice| view! { <InvoiceRow invoice void/> }).collect_view()}
                            </tbody>
                        </table></div>
                        <Pager base="/admin/invoices" key="page" page=found.page page_size=found.page_size total=found.total/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InvoiceRow(invoice: InvoiceView, void: ServerAction<AdminVoidInvoice>) -> impl IntoView {
    let open = invoice.is_open();
    let id = invoice.id.clone();
    view! {
        <tr data-invoice=invoice.number.clone() data-status=invoice.status.as_str()>
            <td><a href=format!("/account/invoices/{}", invoice.id)>{invoice.number.clone()}</a> " " <a class="small" href=invoice.pdf_url.clone() rel="external">"PDF"</a></td>
            <td>{invoice.account_name.clone()}</td>
            <td>{date(&invoice.issued_at)}</td>
            <td>{invoice.purpose.label()}</td>
            <td>{invoice.total.to_string()}</td>
            <td>{invoice.status.as_str()}</td>
            <td>{open.then(|| view! {
                <ActionForm action=void attr:class="inline-form">
                    <input type="hidden" name="id" value=id.clone()/>
                    <input type="text" name="reason" maxlength="500" placeholder="Reason" aria-label="Reason for voiding" required/>
                    <SubmitButton pending=void.pending() label="Void" busy_label="Voiding…" class="button button-secondary button-small"/>
                </ActionForm>
            })}</td>
        </tr>
    }
}

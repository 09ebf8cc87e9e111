//! `/admin/invoices`: every account's invoices with filters, PDF links, CSV export, and voiding
//! an open invoice with a reason.

use super::api::{admin_invoices, AdminVoidInvoice};
use super::nav::AdminNav;
use crate::invoices::model::InvoiceView;
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::pager::Pager;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminInvoicesPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.get();
        let get = |key: &str| q.get(key).unwrap_or_default();
        (
            get("status"),
            get("account_id"),
            get("from"),
            get("to"),
            q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1_i64),
        )
    });
    let void = ServerAction::<AdminVoidInvoice>::new();
    let invoices = Resource::new(
        move || (filter.get(), void.version().get()),
        |((status, account, from, to, page), _)| admin_invoices(status, account, from, to, page),
    );
    let error = action_error(void);
    let (status, account, from, to, _) = filter.get_untracked();
    let export = move || {
        let mut params = query.get();
        params.remove("page");
        params.replace("format", "csv".to_string());
        format!("/api/v1/admin/invoices/{}", params.to_query_string())
    };
    view! {
        <Title text="Invoices · Admin"/>
        <AdminNav/>
        <h1>"Invoices"</h1>
        <form class="form filters" method="get" action="/admin/invoices">
            <label>"Status"
                <select name="status">
                    <option value="">"Any"</option>
                    {["open", "paid", "void"].into_iter().map(|s| view! { <option value=s selected=status == s>{s}</option> }).collect_view()}
                </select>
            </label>
            <label>"Account id" <input type="text" name="account_id" value=account/></label>
            <label>"From" <input type="date" name="from" value=from/></label>
            <label>"To" <input type="date" name="to" value=to/></label>
            <button class="button button-secondary" type="submit">"Filter"</button>
            <a class="button button-secondary" href=export rel="external" data-testid="export-invoices">"Export CSV"</a>
        </form>
        <FormError error/>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match invoices.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) => view! {
                        <table class="table card">
                            <thead><tr><th>"Number"</th><th>"Account"</th><th>"Issued"</th><th>"For"</th><th>"Total"</th><th>"Status"</th><th></th></tr></thead>
                            <tbody>
                                {found.items.iter().cloned().map(|invoice| view! { <InvoiceRow invoice void/> }).collect_view()}
                            </tbody>
                        </table>
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
        <tr data-invoice=invoice.number.clone() data-status=invoice.status.clone()>
            <td><a href=format!("/account/invoices/{}", invoice.id)>{invoice.number.clone()}</a> " " <a class="small" href=invoice.pdf_url.clone() rel="external">"PDF"</a></td>
            <td>{invoice.account_name.clone()}</td>
            <td>{date(&invoice.issued_at)}</td>
            <td>{invoice.purpose.replace('_', " ")}</td>
            <td>{invoice.total.to_string()}</td>
            <td>{invoice.status.clone()}</td>
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

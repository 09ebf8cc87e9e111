//! `/admin/tax-rates`: the tax rate of each buyer country, applied to invoices issued after a
//! change (admin/tax_rates.rs keeps them, invoices/tax.rs applies them).

use super::api::{admin_tax_rates, AdminRemoveTaxRate, AdminSetTaxRate};
use super::nav::AdminNav;
use crate::invoices::tax::percent;
use crate::ui::errors::{ErrorPage, FieldError, FormError};
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminTaxRatesPage() -> impl IntoView {
    let set = ServerAction::<AdminSetTaxRate>::new();
    let remove = ServerAction::<AdminRemoveTaxRate>::new();
    toast_errors(remove);
    let rates = Resource::new(
        move || (set.version().get(), remove.version().get()),
        |_| admin_tax_rates(),
    );
    let error = action_error(set);
    view! {
        <Title text="Tax rates · Admin"/>
        <AdminNav/>
        <h1>"Tax rates"</h1>
        <p class="muted">"The tax added to the net price of invoices for buyers in each country (the country of their billing details). A change applies to invoices issued from now on. EU businesses with a VAT id from another EU country than yours are reverse-charged at 0% whatever is set here."</p>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match rates.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-tax-rates">"No rates: invoices carry no tax."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table tax-rates">
                            <thead><tr><th>"Country"</th><th>"Tax"</th><th>"Rate"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|rate| {
                                    let (key, hidden) = (rate.country.clone(), rate.country.clone());
                                    view! {
                                        <tr data-country=key>
                                            <td>{rate.country}</td>
                                            <td>{rate.name}</td>
                                            <td>{percent(rate.rate_bp)}</td>
                                            <td>
                                                <ActionForm action=remove attr:class="inline-form">
                                                    <input type="hidden" name="country" value=hidden.clone()/>
                                                    <SubmitButton pending=remove.pending() label="Remove" busy_label="Removing…" class="button button-secondary button-small"/>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Set a rate"</h2>
            <FormError error/>
            {move || set.value().get().and_then(Result::ok).map(|rate| view! {
                <p class="alert alert-success" role="status" data-testid="tax-rate-saved">{format!("{} {} for {}.", rate.name, percent(rate.rate_bp), rate.country)}</p>
            })}
            <ActionForm action=set attr:class="form inline-form">
                <label>"Country (two letters)" <input type="text" name="country" maxlength="2" size="3" required placeholder="DE"/></label>
                <FieldError error field="country"/>
                <label>"Name" <input type="text" name="name" maxlength="40" required value="VAT"/></label>
                <FieldError error field="name"/>
                <label>"Rate (%)" <input type="text" name="rate_percent" inputmode="decimal" required placeholder="19"/></label>
                <FieldError error field="rate_bp"/>
                <SubmitButton pending=set.pending() label="Save rate" busy_label="Saving…"/>
            </ActionForm>
        </section>
    }
}

//! The billing page's "Billing details" card: the profile invoices print as their buyer.

use super::api::{get_billing_profile, SaveBillingProfile};
use super::model::BillingProfileView;
use crate::ui::errors::{FieldError, FormError};
use crate::ui::forms::{action_error, action_succeeded, SubmitButton};
use leptos::prelude::*;

#[component]
pub fn BillingProfileCard() -> impl IntoView {
    let save = ServerAction::<SaveBillingProfile>::new();
    // Read again after a save that succeeded, not after a refused one: the form then keeps what
    // the owner typed, next to the errors.
    let last_saved = Memo::new(move |previous: Option<&usize>| {
        let version = save.version().get();
        if save.value().with(|value| matches!(value, Some(Ok(_)))) {
            version
        } else {
            previous.copied().unwrap_or(0)
        }
    });
    let current = Resource::new(move || last_saved.get(), |_| get_billing_profile());
    let error = action_error(save);
    let saved = action_succeeded(save);
    view! {
        <section class="card" id="billing-profile">
            <h2>"Billing details"</h2>
            <p class="muted">"Printed on every invoice issued from now on as the buyer. Receipts go to the billing email if you set one."</p>
            <FormError error/>
            {move || saved.get().then(|| view! { <p class="alert alert-success" role="status" data-testid="profile-saved">"Saved. New invoices will show these details."</p> })}
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        Ok(current) => view! { <ProfileForm current save/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form shows what was saved, normalised (trimmed, upper-case country and tax id): `value`
/// for the server's HTML, `prop:value` so a re-render after saving replaces what was typed.
#[component]
fn ProfileForm(
    current: BillingProfileView,
    save: ServerAction<SaveBillingProfile>,
) -> impl IntoView {
    let error = action_error(save);
    let address = current.address.clone();
    let tax_id = current.tax_id.clone().unwrap_or_default();
    let billing_email = current.billing_email.clone().unwrap_or_default();
    view! {
        {(!current.is_set).then(|| view! {
            <p class="alert alert-info" data-testid="profile-missing">"Invoices show only your account's name until you fill these in."</p>
        })}
        <ActionForm action=save attr:class="form profile-form">
            <label>"Legal name"
                <input type="text" name="legal_name" maxlength="200" required value=current.legal_name.clone() prop:value=current.legal_name/>
            </label>
            <FieldError error field="legal_name"/>
            <label>"Address"
                <textarea name="address" rows="4" maxlength="500" required prop:value=address>{current.address}</textarea>
            </label>
            <FieldError error field="address"/>
            <label>"Country (two-letter code)"
                <input type="text" name="country" maxlength="2" size="3" required placeholder="DE" value=current.country.clone() prop:value=current.country/>
            </label>
            <FieldError error field="country"/>
            <label>"VAT / tax ID (optional)"
                <input type="text" name="tax_id" maxlength="32" value=tax_id.clone() prop:value=tax_id/>
            </label>
            <FieldError error field="tax_id"/>
            <label>"Billing email (optional)"
                <input type="email" name="billing_email" value=billing_email.clone() prop:value=billing_email/>
            </label>
            <FieldError error field="billing_email"/>
            <SubmitButton pending=save.pending() label="Save billing details" busy_label="Saving…"/>
        </ActionForm>
    }
}

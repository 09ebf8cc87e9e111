//! The billing page's low-balance alert card (threshold, automatic top-up package and monthly
//! limit; credits/alerts.rs does the work) and the banner every signed-in page shows while the
//! available balance is below the threshold.

use super::api::{get_balance_alert, list_credit_packages, SaveBalanceAlert};
use super::model::{BalanceAlertView, CreditPackageView};
use super::widget::{refresh_balance_after, use_balance, BalanceState};
use crate::ui::errors::{FieldError, FormError};
use crate::ui::forms::{action_error, action_succeeded, SubmitButton};
use leptos::prelude::*;

#[component]
pub fn BalanceAlertCard() -> impl IntoView {
    let save = ServerAction::<SaveBalanceAlert>::new();
    let current = Resource::new(move || save.version().get(), |_| get_balance_alert());
    let packages = Resource::new(|| (), |_| list_credit_packages());
    let error = action_error(save);
    let saved = action_succeeded(save);
    // The banner follows the new threshold at once.
    refresh_balance_after(move || save.version().get());
    view! {
        <section class="card" id="balance-alert">
            <h2>"Low-balance alert"</h2>
            <p class="muted">"An email and a banner when your available credits fall below a threshold; optionally a package bought automatically with your default card or PayPal."</p>
            <FormError error/>
            {move || saved.get().then(|| view! { <p class="alert alert-success" role="status" data-testid="alert-saved">"Saved."</p> })}
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match (current.await, packages.await) {
                        (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        (Ok(current), Ok(packages)) => view! { <AlertForm current packages save/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AlertForm(
    current: BalanceAlertView,
    packages: Vec<CreditPackageView>,
    save: ServerAction<SaveBalanceAlert>,
) -> impl IntoView {
    let error = action_error(save);
    let threshold = current.threshold.map(|t| t.to_string()).unwrap_or_default();
    let limit = match current.topup_monthly_limit {
        0 => "3".to_string(),
        n => n.to_string(),
    };
    let chosen = current.topup_package_id.clone().unwrap_or_default();
    view! {
        {current.topup_paused.then(|| view! {
            <p class="alert alert-warning" role="status" data-testid="topup-paused">
                "Automatic top-up is paused: the last one failed with your default payment method. Make another method the default, or save again to retry."
            </p>
        })}
        <ActionForm action=save attr:class="form alert-form">
            <label>"Alert when available credits fall below"
                <input type="number" name="threshold" step="1" value=threshold placeholder="Off"/>
            </label>
            <FieldError error field="threshold"/>
            <label>"Automatic top-up"
                <select name="topup_package_id">
                    <option value="" selected=chosen.is_empty()>"Off"</option>
                    {packages.into_iter().map(|p| {
                        let selected = p.id == chosen;
                        let label = format!("{} ({} credits, {})", p.name, p.credits, p.price);
                        view! { <option value=p.id selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <FieldError error field="topup_package_id"/>
            <label>"At most (top-ups a month)"
                <input type="number" name="topup_monthly_limit" step="1" value=limit/>
            </label>
            <FieldError error field="topup_monthly_limit"/>
            <SubmitButton pending=save.pending() label="Save alert" busy_label="Saving…"/>
        </ActionForm>
        {current.topup_package_id.is_some().then(|| view! {
            <p class="muted" data-testid="topups-this-month">
                {format!("{} of {} automatic top-ups used this month.", current.topups_this_month, current.topup_monthly_limit)}
            </p>
        })}
    }
}

/// Shown above every signed-in page while the available balance is below the owner's alert
/// threshold. Follows the header's balance, so it appears and goes with the live figure.
#[component]
pub fn LowBalanceBanner() -> impl IntoView {
    let Some(balance) = use_balance() else {
        return ().into_any();
    };
    (move || {
        let BalanceState::Ready(view) = balance.state.get() else {
            return None;
        };
        let threshold = view.low_balance_threshold.filter(|t| view.available < *t)?;
        Some(view! {
            <p class="alert alert-warning low-balance" role="status" data-testid="low-balance-banner">
                {format!("Your balance is {} credits, below your alert threshold of {threshold}. ", view.available)}
                <a href="/account/billing#credit-packages">"Buy credits"</a>
            </p>
        })
    })
    .into_any()
}

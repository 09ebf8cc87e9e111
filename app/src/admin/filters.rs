//! The filter controls the admin lists share. Each list's filters are a plain GET form, so
//! filtering works before the page is interactive and every filtered view is a URL.

use crate::common::states::TextEnum;
use leptos::prelude::*;

/// A select of `choices` (value, label), with "Any" (the empty value) first when `any`.
#[component]
pub fn Choice(
    label: &'static str,
    name: &'static str,
    choices: Vec<(&'static str, String)>,
    #[prop(into)] current: String,
    #[prop(default = true)] any: bool,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name>
                {any.then(|| view! { <option value="">"Any"</option> })}
                {choices.into_iter().map(|(value, text)| view! { <option value=value selected=current == value>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// The choices of a filter by state: each state's name, shown as its label.
pub fn states<T: TextEnum>(states: &[T]) -> Vec<(&'static str, String)> {
    states.iter().map(|s| (s.name(), s.label())).collect()
}

/// Fixed choices: (value, label).
pub fn fixed(choices: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    choices
        .iter()
        .map(|(value, text)| (*value, text.to_string()))
        .collect()
}

/// The account and date-range (inclusive days) fields.
#[component]
pub fn AccountAndDates(account: String, from: String, to: String) -> impl IntoView {
    view! {
        <label>"Account id" <input type="text" name="account_id" value=account/></label>
        <label>"From" <input type="date" name="from" value=from/></label>
        <label>"To" <input type="date" name="to" value=to/></label>
    }
}

/// The form's submit button and the link to the CSV export of the filtered list.
#[component]
pub fn FilterButtons(
    label: &'static str,
    export: Signal<String>,
    export_testid: &'static str,
) -> impl IntoView {
    view! {
        <button class="button button-secondary" type="submit">{label}</button>
        <a class="button button-secondary" href=export rel="external" data-testid=export_testid>"Export CSV"</a>
    }
}

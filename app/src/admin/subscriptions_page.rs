//! `/admin/subscriptions?account_id=…&status=…`: an account's subscriptions (the deep link from
//! the accounts list), activate after an off-system payment, cancel at period end or now.

use super::api::{admin_subscriptions, AdminSubscriptionAction};
use super::filters::{states, Choice};
use super::list_query::use_query_fields;
use super::model::AdminSubscriptionRow;
use super::nav::AdminNav;
use crate::subscriptions::model::SubscriptionStatus;
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
use leptos::prelude::*;
use leptos_meta::Title;

const STATUSES: &[SubscriptionStatus] = &[
    SubscriptionStatus::Active,
    SubscriptionStatus::PastDue,
    SubscriptionStatus::PendingPayment,
    SubscriptionStatus::Canceled,
];

#[component]
pub fn AdminSubscriptionsPage() -> impl IntoView {
    let filter = use_query_fields(["account_id", "status"]);
    let page = use_page_number("page");
    let act = ServerAction::<AdminSubscriptionAction>::new();
    let rows = Resource::new(
        move || (filter.get(), page.get(), act.version().get()),
        |([account, status], page, _)| admin_subscriptions(account, status, page),
    );
    let error = action_error(act);
    let [account, status] = filter.get_untracked();
    view! {
        <Title text="Subscriptions · Admin"/>
        <AdminNav/>
        <h1>"Subscriptions"</h1>
        <form class="form filters" method="get" action="/admin/subscriptions">
            <label>"Account id" <input type="text" name="account_id" value=account/></label>
            <Choice label="Status" name="status" choices=states(STATUSES) current=status/>
            <button class="button button-secondary" type="submit">"Filter"</button>
        </form>
        <FormError error/>
        {move || act.value().get().and_then(Result::ok).map(|done| view! { <p class="alert alert-success" role="status" data-testid="subscription-done">{done}</p> })}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) if found.items.is_empty() => view! { <p class="muted">"No subscription matches."</p> }.into_any(),
                    Ok(found) => view! {
                        {found.items.iter().cloned().map(|row| view! { <SubscriptionCard row act/> }).collect_view()}
                        <Pager base="/admin/subscriptions" key="page" page=found.page page_size=found.page_size total=found.total/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SubscriptionCard(
    row: AdminSubscriptionRow,
    act: ServerAction<AdminSubscriptionAction>,
) -> impl IntoView {
    let waiting = matches!(
        row.status,
        SubscriptionStatus::PendingPayment | SubscriptionStatus::PastDue
    );
    let live = row.status != SubscriptionStatus::Canceled;
    let id = row.id.clone();
    // `note`: the placeholder of the "why" field, for the actions that ask for one.
    let action_form = move |action: &'static str,
                            label: &'static str,
                            note: Option<&'static str>| {
        view! {
            <ActionForm action=act attr:class="form inline-form">
                <input type="hidden" name="id" value=id.clone()/>
                <input type="hidden" name="action" value=action/>
                {note.map(|placeholder| view! {
                    <input type="text" name="note" maxlength="500" placeholder=placeholder aria-label=format!("Note for {label}")/>
                })}
                <SubmitButton pending=act.pending() label busy_label="Working…" class="button button-secondary button-small"/>
            </ActionForm>
        }
    };
    view! {
        <article class="card" data-subscription=row.id.clone() data-status=row.status.as_str()>
            <h2>{format!("{} · {}", row.account_name, row.plan)}</h2>
            <p class="muted">
                {format!("{} · billed every {} · ", row.status.label(), row.interval)}
                {row.current_period_end.as_deref().map(|end| format!("period ends {}", date(end))).unwrap_or_default()}
                {row.cancel_at_period_end.then_some(" · cancels at period end")}
            </p>
            {waiting.then(|| action_form.clone()("activate", "Activate", Some("Paid off-system: how?")))}
            {live.then(|| action_form.clone()("cancel_at_period_end", "Cancel at period end", Some("Reason")))}
            {live.then(|| action_form.clone()("cancel_now", "Cancel now", Some("Reason")))}
            {live.then(|| action_form("refresh", "Refresh", None))}
        </article>
    }
}

//! `/account/plans`: every active plan side by side with the account's subscription, and the
//! buttons that change it: subscribe, upgrade, downgrade, cancel, resume.

use super::api::list_plans;
use super::model::{BillingInterval, PlanView};
use crate::common::{AppError, ErrorKind};
use crate::payments::api::{list_payment_methods, AddCard};
use crate::payments::model::{PaymentMethodStatus, PaymentMethodView};
use crate::payments::pages::AddCardForm;
use crate::subscriptions::api::{
    current_subscription, CancelSubscription, ChangePlan, ResumeSubscription, Subscribe,
};
use crate::subscriptions::model::{SubscriptionStatus, SubscriptionView};
use crate::ui::errors::{ErrorPage, FormError};
use crate::ui::format::{date, StatusBadge};
use crate::ui::forms::{action_error, request_key, RequestKeyInput, SubmitButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The actions of the page, shared by every plan card.
#[derive(Clone, Copy)]
struct PlanActions {
    subscribe: ServerAction<Subscribe>,
    change: ServerAction<ChangePlan>,
    cancel: ServerAction<CancelSubscription>,
    resume: ServerAction<ResumeSubscription>,
    yearly: RwSignal<bool>,
    method: RwSignal<String>,
}

fn changed_notice(what: &str) -> Option<&'static str> {
    match what {
        "upgraded" => Some("Upgraded. The new plan and its extra credits are active now."),
        "downgrade_scheduled" => {
            Some("Downgrade scheduled: the new plan starts at the end of this period.")
        }
        "kept" => Some("The scheduled downgrade was undone."),
        "canceled" => Some("Canceled. The plan keeps working until the end of the period."),
        "resumed" => Some("Resumed. The subscription renews as usual."),
        _ => None,
    }
}

#[component]
pub fn PlansPage() -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    let plans = Resource::new(move || attempt.get(), |_| list_plans());
    let subscription = Resource::new(|| (), |_| current_subscription());
    let add_card = ServerAction::<AddCard>::new();
    let methods = Resource::new(move || add_card.version().get(), |_| list_payment_methods());
    let actions = PlanActions {
        subscribe: ServerAction::new(),
        change: ServerAction::new(),
        cancel: ServerAction::new(),
        resume: ServerAction::new(),
        yearly: RwSignal::new(false),
        method: RwSignal::new(String::new()),
    };
    let error = Signal::derive(move || {
        action_error(actions.subscribe)
            .get()
            .or_else(|| action_error(actions.change).get())
            .or_else(|| action_error(actions.cancel).get())
            .or_else(|| action_error(actions.resume).get())
    });
    let query = use_query_map();
    let notice = move || {
        query
            .get()
            .get("changed")
            .and_then(|what| changed_notice(&what))
            .map(|text| view! { <p class="alert alert-success" role="status">{text}</p> })
    };
    let retry_scheduled = StoredValue::new(false);
    view! {
        <Title text="Plans"/>
        <h1>"Plans"</h1>
        {notice}
        <FormError error/>
        <Transition fallback=|| view! { <div class="plan-grid"><span class="skeleton"></span></div> }>
            {move || Suspend::new(async move {
                let plans = plans.await;
                let subscription = subscription.await;
                let methods = methods.await;
                match (plans, subscription) {
                    (Err(AppError { kind: ErrorKind::Throttled { retry_after_seconds }, .. }), _) if attempt.get_untracked() == 0 => {
                        schedule_retry(attempt, retry_scheduled, retry_after_seconds);
                        view! {
                            <p class="alert alert-warning" role="status" data-testid="plans-throttled">
                                {format!("Throttled, retrying in {retry_after_seconds} s…")}
                            </p>
                        }.into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorPage error/> }.into_any(),
                    (Ok(plans), Ok(current)) => {
                        let methods = methods.unwrap_or_default();
                        view! { <PlansBody plans current methods actions add_card/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// After a 429, one more try once the advertised delay has passed (in the browser).
fn schedule_retry(attempt: RwSignal<u32>, scheduled: StoredValue<bool>, seconds: u64) {
    if scheduled.get_value() {
        return;
    }
    scheduled.set_value(true);
    #[cfg(feature = "hydrate")]
    set_timeout(
        move || attempt.set(1),
        std::time::Duration::from_secs(seconds),
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = (attempt, seconds);
}

#[component]
fn PlansBody(
    plans: Vec<PlanView>,
    current: Option<SubscriptionView>,
    methods: Vec<PaymentMethodView>,
    actions: PlanActions,
    add_card: ServerAction<AddCard>,
) -> impl IntoView {
    let usable: Vec<PaymentMethodView> = methods
        .into_iter()
        .filter(|m| m.status == PaymentMethodStatus::Active)
        .collect();
    let current_price = current.as_ref().and_then(|sub| {
        plans
            .iter()
            .find(|p| p.id == sub.plan.id)
            .map(|p| p.prices.of(sub.interval).amount)
    });
    view! {
        {match &current {
            Some(sub) => view! { <SubscriptionSummary sub=sub.clone() actions/> }.into_any(),
            None => view! {
                <p class="alert alert-warning">"Choose a plan to start using IGNY8."</p>
                <PaymentPicker methods=usable.clone() actions add_card/>
            }.into_any(),
        }}
        <div class="interval-toggle" role="group" aria-label="Billing interval">
            <button type="button" class="button button-small" class:button-secondary=move || actions.yearly.get()
                aria-pressed=move || (!actions.yearly.get()).to_string() on:click=move |_| actions.yearly.set(false)>"Monthly"</button>
            <button type="button" class="button button-small" class:button-secondary=move || !actions.yearly.get()
                aria-pressed=move || actions.yearly.get().to_string() on:click=move |_| actions.yearly.set(true)>"Yearly"</button>
        </div>
        <div class="plan-grid">
            {plans.into_iter().map(|plan| {
                view! { <PlanCard plan current=current.clone() current_price actions/> }
            }).collect_view()}
        </div>
    }
}

/// The method new subscriptions are charged to: the default preselected; with none, the card
/// form right here.
#[component]
fn PaymentPicker(
    methods: Vec<PaymentMethodView>,
    actions: PlanActions,
    add_card: ServerAction<AddCard>,
) -> impl IntoView {
    if methods.is_empty() {
        return view! {
            <section class="card inline-add-method">
                <h2>"Add payment method"</h2>
                <p class="muted">"Subscriptions are charged to it. Prefer PayPal or a bank transfer? Set it up on " <a href="/account/billing">"Billing"</a> "."</p>
                <AddCardForm action=add_card/>
            </section>
        }
        .into_any();
    }
    view! {
        <label class="method-picker">"Pay with "
            <select name="payment_method_id_picker" on:change=move |ev| actions.method.set(event_target_value(&ev))>
                {methods.into_iter().map(|m| {
                    let label = m.label();
                    view! { <option value=m.id.clone() selected=m.is_default>{label}</option> }
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

#[component]
fn SubscriptionSummary(sub: SubscriptionView, actions: PlanActions) -> impl IntoView {
    let id = sub.id.clone();
    let when = match (&sub.renewal_date, &sub.current_period_end) {
        (Some(renews), _) => format!("Renews on {}", date(renews)),
        (None, Some(end)) => format!("Ends on {}", date(end)),
        (None, None) => "Waiting for the first payment".to_string(),
    };
    view! {
        <section class="card subscription-summary" data-status=sub.status.as_str()>
            <p>
                <strong>{sub.plan.name.clone()}</strong>
                {format!(" · billed {} · ", sub.interval.adjective())}
                <StatusBadge status=sub.status.as_str()/>
                " " <span data-testid="renewal">{when}</span>
            </p>
            {sub.scheduled_plan.clone().map(|next| view! {
                <p class="muted">{format!("Changes to {} at the end of this period.", next.name)}</p>
            })}
            {(sub.status == SubscriptionStatus::PendingPayment).then(|| view! {
                <p class="alert alert-warning">"Waiting for your payment. " <a href="/account/billing#open-invoices">"Pay the invoice"</a></p>
            })}
            {(sub.status == SubscriptionStatus::PastDue).then(|| view! {
                <p class="alert alert-error">"Your last payment failed. " <a href="/account/billing#open-invoices">"Pay the invoice now"</a> " with another card or PayPal to keep your plan."</p>
            })}
            {if sub.cancel_at_period_end {
                view! {
                    <ActionForm action=actions.resume attr:class="inline-form">
                        <input type="hidden" name="subscription_id" value=id.clone()/>
                        <SubmitButton pending=actions.resume.pending() label="Resume subscription" busy_label="Resuming…"/>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <ActionForm action=actions.cancel attr:class="inline-form">
                        <input type="hidden" name="subscription_id" value=id.clone()/>
                        <SubmitButton pending=actions.cancel.pending() label="Cancel subscription" busy_label="Canceling…" class="button button-secondary"/>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PlanCard(
    plan: PlanView,
    current: Option<SubscriptionView>,
    current_price: Option<i64>,
    actions: PlanActions,
) -> impl IntoView {
    let is_current = current.as_ref().is_some_and(|s| s.plan.id == plan.id);
    let highlighted = use_query_map()
        .get_untracked()
        .get("highlight")
        .is_some_and(|slug| slug == plan.slug);
    let is_scheduled = current
        .as_ref()
        .and_then(|s| s.scheduled_plan.as_ref())
        .is_some_and(|p| p.id == plan.id);
    let month = plan.prices.month.to_string();
    let year = plan.prices.year.to_string();
    let yearly = actions.yearly;
    let price = move || {
        if yearly.get() {
            year.clone()
        } else {
            month.clone()
        }
    };
    let per = move || if yearly.get() { " / year" } else { " / month" };
    let credits = plan.credits_per_period;
    let button = plan_button(
        &plan,
        current.as_ref(),
        current_price,
        is_current,
        is_scheduled,
        actions,
    );
    view! {
        <article class="card plan-card" class:current=is_current class:highlighted=highlighted data-plan=plan.slug.clone()>
            <h2>{plan.name.clone()}</h2>
            {highlighted.then(|| view! { <span class="badge badge-upgrade">"Lifts your limit"</span> })}
            {is_current.then(|| view! { <span class="badge">"Current plan"</span> })}
            {is_scheduled.then(|| view! { <span class="badge">"Starts next period"</span> })}
            <p class="price"><strong>{price}</strong>{per}</p>
            <ul class="plan-facts">
                <li data-testid="plan-credits">{move || if yearly.get() {
                    format!("{credits} credits every month ({} a year)", credits * 12)
                } else {
                    format!("{credits} credits a month")
                }}</li>
                <li>{format!("{} sites", plan.limits.sites)}</li>
                <li>{format!("{} seats", plan.limits.seats)}</li>
                <li>{format!("Modules: {}", plan.limits.modules.join(", "))}</li>
            </ul>
            <ul class="plan-features">
                {plan.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
            </ul>
            {button}
        </article>
    }
}

/// Subscribe without a subscription; with one, upgrade (higher price, now) or downgrade (at
/// period end); on the current plan with a downgrade waiting, keep it.
fn plan_button(
    plan: &PlanView,
    current: Option<&SubscriptionView>,
    current_price: Option<i64>,
    is_current: bool,
    is_scheduled: bool,
    actions: PlanActions,
) -> AnyView {
    let plan_id = plan.id.clone();
    let Some(sub) = current else {
        let subscribe = actions.subscribe;
        return view! {
            <ActionForm action=subscribe attr:class="plan-action">
                <input type="hidden" name="plan_id" value=plan_id/>
                <input type="hidden" name="interval" value=move || if actions.yearly.get() { BillingInterval::Year } else { BillingInterval::Month }.as_str()/>
                <input type="hidden" name="payment_method_id" value=move || actions.method.get()/>
                <RequestKeyInput key=request_key(subscribe)/>
                <SubmitButton pending=subscribe.pending() label="Subscribe" busy_label="Subscribing…"/>
            </ActionForm>
        }
        .into_any();
    };
    if sub.status != SubscriptionStatus::Active
        || is_scheduled
        || (is_current && sub.scheduled_plan.is_none())
    {
        return ().into_any();
    }
    let upgrade =
        !is_current && current_price.is_some_and(|p| plan.prices.of(sub.interval).amount > p);
    let (label, busy) = match (is_current, upgrade) {
        (true, _) => ("Keep this plan", "Saving…"),
        (false, true) => ("Upgrade now", "Upgrading…"),
        (false, false) => ("Downgrade at period end", "Scheduling…"),
    };
    let change = actions.change;
    let subscription_id = sub.id.clone();
    view! {
        <ActionForm action=change attr:class="plan-action">
            <input type="hidden" name="subscription_id" value=subscription_id/>
            <input type="hidden" name="plan_id" value=plan_id/>
            <RequestKeyInput key=request_key(change)/>
            <SubmitButton pending=change.pending() label busy_label=busy class=if upgrade { "button" } else { "button button-secondary" }/>
        </ActionForm>
    }
    .into_any()
}

//! `/account/plans`: every active plan side by side with the account's subscription, and the
//! buttons that change it: subscribe; upgrade, downgrade or switch interval (each through a
//! preview of what it charges and grants); cancel, resume.

use super::api::list_plans;
use super::model::{BillingInterval, PlanView};
use crate::common::{AppError, ErrorKind};
use crate::payments::api::{list_payment_methods, AddCard};
use crate::payments::model::{PaymentMethodStatus, PaymentMethodView};
use crate::payments::pages::AddCardForm;
use crate::subscriptions::api::{
    current_subscription, preview_plan_change, trial_used, CancelSubscription, ChangePlan,
    ResumeSubscription, Subscribe,
};
use crate::subscriptions::model::{
    change_applies_now, ChangeKind, ChangePreview, SubscriptionStatus, SubscriptionView,
};
use crate::ui::errors::{message, ErrorPage, FormError};
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
    /// The interval the plans are shown at: `?interval=` (links, so it works before the WASM
    /// loads), else the subscription's, else monthly.
    yearly: Signal<bool>,
    method: RwSignal<String>,
}

fn changed_notice(what: &str) -> Option<&'static str> {
    match what {
        "upgraded" => Some("Upgraded. The new plan and its extra credits are active now."),
        "downgrade_scheduled" => {
            Some("Change scheduled: the new plan or interval starts at the end of this period.")
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
    let trial_was_used = Resource::new(|| (), |_| trial_used());
    let add_card = ServerAction::<AddCard>::new();
    let methods = Resource::new(move || add_card.version().get(), |_| list_payment_methods());
    let actions = PlanActions {
        subscribe: ServerAction::new(),
        change: ServerAction::new(),
        cancel: ServerAction::new(),
        resume: ServerAction::new(),
        yearly: Signal::derive(|| false),
        // `?method=`: chosen before the WASM loaded (see PaymentPicker).
        method: RwSignal::new(
            use_query_map()
                .get_untracked()
                .get("method")
                .unwrap_or_default(),
        ),
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
                // Unknown reads as used: a button must not promise a trial that is not there.
                let trial_used = trial_was_used.await.unwrap_or(true);
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
                        view! { <PlansBody plans current methods actions add_card trial_used/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The plans page at `interval`, keeping a payment method chosen before the WASM loaded.
fn interval_href(interval: BillingInterval, method: &str) -> String {
    match method {
        "" => format!("/account/plans?interval={}", interval.as_str()),
        method => format!(
            "/account/plans?interval={}&method={method}",
            interval.as_str()
        ),
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
    trial_used: bool,
) -> impl IntoView {
    let usable: Vec<PaymentMethodView> = methods
        .into_iter()
        .filter(|m| m.status == PaymentMethodStatus::Active)
        .collect();
    let current_plan = current
        .as_ref()
        .and_then(|sub| plans.iter().find(|p| p.id == sub.plan.id).cloned());
    let query = use_query_map();
    let shown_by_default = current.as_ref().map(|sub| sub.interval);
    let actions = PlanActions {
        yearly: Signal::derive(move || {
            let asked = query.get().get("interval").and_then(|i| i.parse().ok());
            asked.or(shown_by_default) == Some(BillingInterval::Year)
        }),
        ..actions
    };
    let shown = move |yearly: bool| {
        if yearly {
            BillingInterval::Year
        } else {
            BillingInterval::Month
        }
    };
    let toggle = move |interval: BillingInterval, label: &'static str| {
        let on = move || shown(actions.yearly.get()) == interval;
        view! {
            <a class="button button-small" class:button-secondary=move || !on() href=move || interval_href(interval, &actions.method.get())
                aria-current=move || on().then_some("true")>{label}</a>
        }
    };
    view! {
        {match &current {
            Some(sub) => view! {
                <SubscriptionSummary sub=sub.clone() actions/>
                <ChangePreviewPanel subscription_id=sub.id.clone() change=actions.change/>
            }.into_any(),
            None => view! {
                <p class="alert alert-warning">"Choose a plan to start using IGNY8."</p>
                <PaymentPicker methods=usable.clone() actions add_card/>
            }.into_any(),
        }}
        <nav class="interval-toggle" aria-label="Billing interval">
            {toggle(BillingInterval::Month, "Monthly")}
            {toggle(BillingInterval::Year, "Yearly")}
        </nav>
        <div class="plan-grid">
            {plans.into_iter().map(|plan| {
                view! { <PlanCard plan current=current.clone() current_plan=current_plan.clone() actions trial_used/> }
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
    // A GET form, so the choice works before the WASM loads too (its button shows only then);
    // the hydrated page takes the choice as it is made.
    let chosen = actions.method.get_untracked();
    let interval = move || {
        if actions.yearly.get() {
            "year"
        } else {
            "month"
        }
    };
    view! {
        <form method="get" action="/account/plans" class="method-picker">
            <input type="hidden" name="interval" value=interval/>
            <label>"Pay with "
                <select name="method" on:change=move |ev| actions.method.set(event_target_value(&ev))>
                    {methods.into_iter().map(|m| {
                        let label = m.label();
                        let selected = if chosen.is_empty() { m.is_default } else { m.id == chosen };
                        view! { <option value=m.id.clone() selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <noscript><button class="button button-small button-secondary" type="submit">"Use this method"</button></noscript>
        </form>
    }
    .into_any()
}

#[component]
fn SubscriptionSummary(sub: SubscriptionView, actions: PlanActions) -> impl IntoView {
    let id = sub.id.clone();
    let when = match (&sub.renewal_date, &sub.current_period_end) {
        (_, Some(end)) if sub.status == SubscriptionStatus::Trialing => {
            format!("Free trial ends on {}", date(end))
        }
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
            {sub.scheduled_plan.clone().map(|next| {
                let interval = sub.scheduled_interval.unwrap_or(sub.interval);
                view! {
                    <p class="muted" data-testid="scheduled-change">
                        {format!("Changes to {} billed {} at the end of this period.", next.name, interval.adjective())}
                    </p>
                }
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
    current_plan: Option<PlanView>,
    actions: PlanActions,
    trial_used: bool,
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
    let button = match current {
        None => subscribe_button(&plan, actions, !trial_used),
        Some(sub) => {
            let plan = plan.clone();
            (move || change_link(&plan, &sub, current_plan.as_ref(), yearly.get())).into_any()
        }
    };
    view! {
        <article class="card plan-card" class:current=is_current class:highlighted=highlighted data-plan=plan.slug.clone()>
            <h2>{plan.name.clone()}</h2>
            {highlighted.then(|| view! { <span class="badge badge-upgrade">"Lifts your limit"</span> })}
            {is_current.then(|| view! { <span class="badge">"Current plan"</span> })}
            {is_scheduled.then(|| view! { <span class="badge">"Starts next period"</span> })}
            <p class="price"><strong>{price}</strong>{per}</p>
            {plan.trial.clone().map(|trial| view! {
                <p class="trial" data-testid="plan-trial">
                    {format!("{}-day free trial with {} credits", trial.days, trial.credits)}
                    {trial.requires_card.then_some(" (card required)")}
                </p>
            })}
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

/// Without a subscription: subscribe to the plan at the interval shown, starting its free trial
/// when it has one the account may still have.
fn subscribe_button(plan: &PlanView, actions: PlanActions, trial_available: bool) -> AnyView {
    let plan_id = plan.id.clone();
    let subscribe = actions.subscribe;
    let (label, busy) = match (&plan.trial, trial_available) {
        (Some(_), true) => ("Start free trial", "Starting…"),
        _ => ("Subscribe", "Subscribing…"),
    };
    view! {
        <ActionForm action=subscribe attr:class="plan-action">
            <input type="hidden" name="plan_id" value=plan_id/>
            <input type="hidden" name="interval" value=move || if actions.yearly.get() { BillingInterval::Year } else { BillingInterval::Month }.as_str()/>
            <input type="hidden" name="payment_method_id" value=move || actions.method.get()/>
            <RequestKeyInput key=request_key(subscribe)/>
            <SubmitButton pending=subscribe.pending() label busy_label=busy/>
        </ActionForm>
    }
    .into_any()
}

/// With a subscription: a link to the preview of changing to `plan` at the interval shown,
/// labelled by what the change does (app/src/subscriptions/plan_change.rs decides; the preview
/// says it exactly). Nothing for the current terms, or terms already scheduled.
fn change_link(
    plan: &PlanView,
    sub: &SubscriptionView,
    current_plan: Option<&PlanView>,
    yearly: bool,
) -> AnyView {
    let to = if yearly {
        BillingInterval::Year
    } else {
        BillingInterval::Month
    };
    let same_plan = sub.plan.id == plan.id;
    let scheduled = sub.scheduled_plan.as_ref().map(|p| {
        let interval = sub.scheduled_interval.unwrap_or(sub.interval);
        (p.id.as_str(), interval)
    });
    let is_current_terms = same_plan && to == sub.interval;
    if sub.status != SubscriptionStatus::Active
        || scheduled == Some((plan.id.as_str(), to))
        || (is_current_terms && scheduled.is_none())
    {
        return ().into_any();
    }
    let old_price = current_plan.map_or(0, |p| p.prices.of(sub.interval).amount);
    let now = change_applies_now(
        sub.interval,
        to,
        old_price,
        plan.prices.of(sub.interval).amount,
    );
    let label = match (is_current_terms, same_plan, now) {
        (true, _, _) => "Keep this plan",
        (false, true, true) => "Switch to yearly",
        (false, true, false) => "Switch to monthly at period end",
        (false, false, true) => "Upgrade now",
        (false, false, false) => "Downgrade at period end",
    };
    let href = format!(
        "/account/plans?interval={}&change={}#plan-change",
        to.as_str(),
        plan.id
    );
    view! {
        <a class=if now { "button plan-action" } else { "button button-secondary plan-action" } href=href>{label}</a>
    }
    .into_any()
}

/// The preview of the change asked in the address (`?change=<plan>&interval=`), with the button
/// that makes it: what is charged now, what credits come now, when it takes effect and what the
/// renewal after it charges. Rendered by the server too, so it works before the WASM loads.
#[component]
fn ChangePreviewPanel(subscription_id: String, change: ServerAction<ChangePlan>) -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let query = query.get();
        query
            .get("change")
            .map(|plan_id| (plan_id, query.get("interval")))
    });
    let id = subscription_id.clone();
    let preview = Resource::new(
        move || asked.get(),
        move |asked| {
            let id = id.clone();
            async move {
                match asked {
                    None => Ok(None),
                    Some((plan_id, interval)) => {
                        preview_plan_change(id, plan_id, interval).await.map(Some)
                    }
                }
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || {
                let subscription_id = subscription_id.clone();
                Suspend::new(async move {
                    match preview.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(preview)) => view! { <ChangePreviewCard preview subscription_id change/> }.into_any(),
                        Err(error) => {
                            // What is wrong with the request, in words (a field's problem rather
                            // than "Some fields are invalid").
                            let problem = error
                                .field_errors()
                                .filter(|fields| !fields.is_empty())
                                .map(|fields| fields.values().cloned().collect::<Vec<_>>().join(" "))
                                .unwrap_or_else(|| message(&error));
                            view! {
                                <section class="card change-preview" id="plan-change">
                                    <p class="alert alert-error" role="alert" data-error-code=error.code()>{problem}</p>
                                    <a class="button button-secondary" href="/account/plans">"Back to the plans"</a>
                                </section>
                            }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn ChangePreviewCard(
    preview: ChangePreview,
    subscription_id: String,
    change: ServerAction<ChangePlan>,
) -> impl IntoView {
    let (title, confirm, busy) = match preview.kind {
        ChangeKind::Upgrade => ("Change now", "Confirm and pay", "Paying…"),
        ChangeKind::Downgrade => (
            "Change at the end of the period",
            "Confirm change",
            "Scheduling…",
        ),
        ChangeKind::Keep => ("Keep your plan", "Keep current plan", "Saving…"),
    };
    let takes_effect = match preview.kind {
        ChangeKind::Downgrade => format!("On {}", date(&preview.effective_at)),
        _ => "Now".to_string(),
    };
    let then = match &preview.renewal {
        Some(renewal) => format!(
            "Renews on {} at {} a {}, with {} credits every month",
            date(&renewal.date),
            renewal.amount,
            preview.interval.as_str(),
            renewal.credits_per_month
        ),
        None => "Ends at the end of the period (set to cancel)".to_string(),
    };
    view! {
        <section class="card change-preview" id="plan-change" data-kind=preview.kind.as_str()>
            <h2>{format!("{title}: {} billed {}", preview.plan.name, preview.interval.adjective())}</h2>
            <dl class="facts">
                <dt>"Charged now"</dt><dd data-testid="preview-charge">{preview.charge_now.to_string()}</dd>
                <dt>"Credits now"</dt><dd data-testid="preview-credits">{format!("+{}", preview.credits_now)}</dd>
                <dt>"Takes effect"</dt><dd data-testid="preview-effective">{takes_effect}</dd>
                <dt>"Then"</dt><dd data-testid="preview-renewal">{then}</dd>
            </dl>
            <p class="muted">{preview.summary.clone()}</p>
            <ActionForm action=change attr:class="inline-form">
                <input type="hidden" name="subscription_id" value=subscription_id/>
                <input type="hidden" name="plan_id" value=preview.plan.id.clone()/>
                <input type="hidden" name="interval" value=preview.interval.as_str()/>
                <RequestKeyInput key=request_key(change)/>
                <SubmitButton pending=change.pending() label=confirm busy_label=busy/>
                " " <a class="button button-secondary" href="/account/plans">"Cancel"</a>
            </ActionForm>
        </section>
    }
}

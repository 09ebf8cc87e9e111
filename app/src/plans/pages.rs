//! `/account/plans`: every active plan side by side, with the account's current status.

use super::api::list_plans;
use super::model::PlanView;
use crate::auth::guard::use_session;
use crate::ui::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PlansPage() -> impl IntoView {
    let plans = Resource::new(|| (), |_| list_plans());
    let session = use_session().0;
    view! {
        <Title text="Plans"/>
        <h1>"Plans"</h1>
        <Transition fallback=|| view! { <div class="plan-grid"><span class="skeleton"></span></div> }>
            {move || Suspend::new(async move {
                let current = session.await.ok().flatten();
                match plans.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(plans) => {
                        let current_plan = current.as_ref().and_then(|s| s.account.plan.clone()).map(|p| p.id);
                        let status = current.as_ref().and_then(|s| s.account.subscription_status.clone());
                        view! {
                            {match status {
                                Some(status) => view! { <p class="muted">"Subscription status: " <strong>{status}</strong></p> }.into_any(),
                                None => view! { <p class="alert alert-warning">"Choose a plan to start using IGNY8."</p> }.into_any(),
                            }}
                            <div class="plan-grid">
                                {plans.into_iter().map(|plan| {
                                    let is_current = current_plan.as_deref() == Some(plan.id.as_str());
                                    view! { <PlanCard plan is_current/> }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn PlanCard(plan: PlanView, is_current: bool) -> impl IntoView {
    view! {
        <article class="card plan-card" class:current=is_current data-plan=plan.slug.clone()>
            <h2>{plan.name.clone()}</h2>
            {is_current.then(|| view! { <span class="badge">"Current plan"</span> })}
            <p class="price"><strong>{plan.prices.month.to_string()}</strong>" / month"</p>
            <p class="muted">{format!("or {} / year", plan.prices.year)}</p>
            <ul class="plan-facts">
                <li>{format!("{} credits per month", plan.credits_per_period)}</li>
                <li>{format!("{} sites", plan.limits.sites)}</li>
                <li>{format!("{} seats", plan.limits.seats)}</li>
                <li>{format!("Modules: {}", plan.limits.modules.join(", "))}</li>
            </ul>
            <ul class="plan-features">
                {plan.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
            </ul>
        </article>
    }
}

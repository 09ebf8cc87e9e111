//! The dashboard: balance, plan, limits and the last 30 days.

use crate::credits::api::{get_balance, get_usage_summary};
use crate::credits::pages::UsageChart;
use crate::subscriptions::api::current_subscription;
use crate::ui::errors::FormError;
use crate::ui::format::date;
use leptos::prelude::*;
use leptos_meta::Title;

/// Balance, plan, renewal date and the last 30 days' usage.
#[component]
pub fn Dashboard() -> impl IntoView {
    let balance = Resource::new(|| (), |_| get_balance());
    let subscription = Resource::new(|| (), |_| current_subscription());
    let usage = Resource::new(|| (), |_| get_usage_summary(Default::default()));
    let limits = Resource::new(|| (), |_| crate::limits::api::get_limits());
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                let (balance, subscription, usage, limits) = (balance.await, subscription.await, usage.await, limits.await);
                match (balance, subscription, usage, limits) {
                    (Err(error), _, _, _) | (_, Err(error), _, _) | (_, _, Err(error), _) | (_, _, _, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(balance), Ok(sub), Ok(usage), Ok(limits)) => view! {
                        <div class="stat-grid">
                            <section class="card stat">
                                <p class="muted">"Credits available"</p>
                                <p class="stat-value" data-testid="dashboard-balance">{balance.available}</p>
                                <p class="muted small">{format!("{} included each month", balance.plan_credits_per_period)}</p>
                            </section>
                            {sub.map(|sub| view! {
                                <section class="card stat">
                                    <p class="muted">"Plan"</p>
                                    <p class="stat-value" data-testid="dashboard-plan">{sub.plan.name.clone()}</p>
                                    <p class="muted small">{sub.renewal_date.clone().map(|d| format!("Renews on {}", date(&d))).unwrap_or_else(|| "Does not renew".into())}</p>
                                </section>
                            })}
                        </div>
                        <section class="card">
                            <h2>"Plan limits"</h2>
                            <crate::limits::pages::LimitList limits/>
                        </section>
                        <section class="card">
                            <h2>"Last 30 days"</h2>
                            <UsageChart summary=usage/>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

//! The wall and the way past it: a module outside the plan shows the upgrade prompt instead of
//! its page.

use super::api::module_upgrade_url;
use crate::auth::guard::use_session;
use crate::common::{AppError, ErrorKind};
use crate::credits::model::UPGRADE_URL;
use crate::limits::model::{LimitView, LimitsView};
use crate::ui::errors::{headline, message, next_steps};
use leptos::prelude::*;

/// The prompt for a 402/403 that an upgrade or a purchase lifts: what was hit and what to do.
#[component]
pub fn UpgradePrompt(error: AppError) -> impl IntoView {
    let steps = next_steps(&error);
    view! {
        <section class="card upgrade-prompt" data-testid="upgrade-prompt" data-error-code=error.code()>
            <h2>{headline(&error)}</h2>
            <p>{message(&error)}</p>
            <p>{steps.into_iter().map(|(label, href)| view! { <a class="button" href=href>{label}</a> " " }).collect_view()}</p>
        </section>
    }
}

/// Renders the module's page only when the plan includes the module (the server checks again);
/// otherwise the upgrade prompt, leading to the cheapest plan that includes it.
#[component]
pub fn ModuleGate(
    module: &'static str,
    label: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let allowed = use_session()
        .signed_in()
        .is_some_and(|s| s.account.has_module(module));
    if allowed {
        return children().into_any();
    }
    let upgrade_url = Resource::new(|| (), move |_| module_upgrade_url(module.to_string()));
    view! {
        <h1>{label}</h1>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                let error = AppError::with_message(
                    ErrorKind::ModuleNotInPlan {
                        module: module.to_string(),
                        // Without the lookup the prompt still leads to the plans page.
                        upgrade_url: upgrade_url.await.unwrap_or_else(|_| UPGRADE_URL.into()),
                    },
                    format!("{label} is not part of your plan. Upgrade to a plan that includes it."),
                );
                view! { <UpgradePrompt error/> }
            })}
        </Transition>
    }
    .into_any()
}

/// Each plan limit with used and remaining, as the dashboard and the usage page list them.
#[component]
pub fn LimitList(limits: LimitsView) -> impl IntoView {
    view! {
        <ul class="limit-list" data-testid="limit-list">
            {limits.items.into_iter().map(|l| view! {
                <li data-limit=l.key.clone() class:near-limit=l.is_near()>
                    <strong>{l.label.clone()}</strong>
                    {format!(": {} of {} used, {} remaining", l.used, l.limit, l.remaining)}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The "close to the limit" banner, shown from 80% of a limit.
#[component]
pub fn LimitBanner(limit: LimitView) -> impl IntoView {
    limit.is_near().then(|| {
        let text = if limit.remaining == 0 {
            format!("You are using all {} {} of your plan. Upgrade to add more.", limit.limit, limit.label.to_lowercase())
        } else {
            format!("You are using {} of {} {} on your plan.", limit.used, limit.limit, limit.label.to_lowercase())
        };
        view! {
            <p class="alert alert-warning" role="status" data-testid=format!("limit-banner-{}", limit.key)>
                {text} " " <a href="/account/plans">"See plans"</a>
            </p>
        }
    })
}

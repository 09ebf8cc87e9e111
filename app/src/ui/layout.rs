//! The frame of every signed-in page: header (product, balance slot, user menu), a sidebar that
//! can be collapsed, and the page itself behind the route guard.

use super::hydration::mark_document_hydrated;
use super::toasts::{provide_toasts, ToastRegion};
use crate::auth::api::Logout;
use crate::auth::guard::{use_session, RouteGuard};
use crate::auth::model::{SessionView, PLANS_PATH};
use crate::credits::alert_card::LowBalanceBanner;
use crate::credits::widget::{provide_balance, BalanceWidget};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

#[component]
pub fn AppLayout() -> impl IntoView {
    mark_document_hydrated();
    provide_balance();
    let toasts = provide_toasts();
    let collapsed = RwSignal::new(false);
    let session = use_session();
    // `None` when signed out: the frame then shows no personal details.
    let signed_in = Signal::stored(session.signed_in());
    view! {
        <div class="app" class:sidebar-collapsed=move || collapsed.get()>
            <Header collapsed signed_in/>
            <Sidebar signed_in/>
            <main class="content">
                <TestClockBanner signed_in/>
                <LowBalanceBanner/>
                <RouteGuard>
                    <Outlet/>
                </RouteGuard>
            </main>
            <ToastRegion toasts/>
        </div>
    }
}

/// Outside production, an account an admin attached to a test clock says so on every page, with
/// the time its billing runs by (`accounts::test_clock`).
#[component]
fn TestClockBanner(signed_in: Signal<Option<SessionView>>) -> impl IntoView {
    move || {
        let at = signed_in.get()?.account.test_clock?;
        Some(view! {
            <p class="alert alert-info test-clock-banner" role="status" data-testid="test-clock-banner">
                "Test clock: this account's time is " <strong>{crate::ui::format::date_time(&at)}</strong>
                ". Its renewals, trials and payments run by it."
            </p>
        })
    }
}

fn needs_plan(session: &Option<SessionView>) -> bool {
    session
        .as_ref()
        .is_some_and(|s| !s.account.has_active_plan())
}

#[component]
fn ChoosePlanCta() -> impl IntoView {
    view! { <A href=PLANS_PATH attr:class="button button-small cta-choose-plan">"Choose a plan"</A> }
}

#[component]
fn Header(collapsed: RwSignal<bool>, signed_in: Signal<Option<SessionView>>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="header">
            <button
                class="icon-button sidebar-toggle"
                aria-label="Toggle navigation"
                aria-expanded=move || (!collapsed.get()).to_string()
                on:click=move |_| collapsed.update(|c| *c = !*c)
            >
                "☰"
            </button>
            <A href="/" attr:class="brand">"IGNY8"</A>
            <div class="header-slot balance-slot" aria-label="Credit balance"><BalanceWidget/></div>
            {move || signed_in.get().map(|s| {
                    let plan_missing = needs_plan(&Some(s.clone()));
                    view! {
                        <nav class="user-menu">
                            {plan_missing.then(|| view! { <ChoosePlanCta/> })}
                            {s.user.is_admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                            <A href="/account/profile" attr:class="user-name">
                                {if s.user.full_name.is_empty() { s.user.email.clone() } else { s.user.full_name.clone() }}
                            </A>
                            <ActionForm action=logout attr:class="inline-form">
                                <button class="button button-small button-secondary" type="submit" disabled=move || logout.pending().get()>
                                    {move || if logout.pending().get() { "Logging out…" } else { "Log out" }}
                                </button>
                            </ActionForm>
                        </nav>
                    }
                })}
        </header>
    }
}

/// Pages only the account's owner may open (each wrapped in `OwnerOnly`, `crate::pages`).
const OWNERS_PAGES: [&str; 3] = ["/account/billing", "/account/api-keys", "/account/webhooks"];

#[component]
fn Sidebar(signed_in: Signal<Option<SessionView>>) -> impl IntoView {
    // (path, label, the module the page belongs to)
    let links = [
        ("/", "Dashboard", None),
        ("/sites", "Sites", None),
        ("/planner", "Planner", Some("planner")),
        ("/writer", "Writer", Some("writer")),
        ("/automation", "Automation", Some("automation")),
        ("/account/usage", "Usage", None),
        ("/account/billing", "Billing", None),
        ("/account/plans", "Plans", None),
        ("/account/team", "Team", None),
        ("/account/api-keys", "API keys", None),
        ("/account/webhooks", "Webhooks", None),
    ];
    // A module outside an active plan is shown locked, with the way to unlock it.
    let locked = move |module: Option<&str>| {
        module.is_some_and(|m| {
            signed_in
                .get()
                .is_some_and(|s| s.account.has_active_plan() && !s.account.has_module(m))
        })
    };
    view! {
        <nav class="sidebar" aria-label="Main">
            {move || needs_plan(&signed_in.get()).then(|| view! {
                <div class="sidebar-cta">
                    <p>"Pick a plan to unlock IGNY8."</p>
                    <ChoosePlanCta/>
                </div>
            })}
            <ul>
                {links
                    .into_iter()
                    // Billing and keys are the owner's; a member would only meet the 403 page there.
                    .filter(|(href, ..)| !OWNERS_PAGES.contains(href) || signed_in.get().is_none_or(|s| s.is_owner()))
                    .map(|(href, label, module)| {
                        let is_locked = locked(module);
                        view! {
                            <li class:locked=is_locked>
                                <A href=href>{label}{is_locked.then(|| view! { " " <span class="badge badge-upgrade" data-testid="locked-module">"Upgrade"</span> })}</A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

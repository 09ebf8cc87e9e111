//! The frame of every signed-in page: header (product, balance slot, user menu), a sidebar
//! that can be collapsed, and the page itself.

use super::hydration::mark_document_hydrated;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

#[component]
pub fn AppLayout() -> impl IntoView {
    mark_document_hydrated();
    let collapsed = RwSignal::new(false);
    view! {
        <div class="app" class:sidebar-collapsed=move || collapsed.get()>
            <Header collapsed/>
            <Sidebar/>
            <main class="content">
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
fn Header(collapsed: RwSignal<bool>) -> impl IntoView {
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
            <div class="header-slot balance-slot" aria-label="Credit balance"></div>
            <nav class="user-menu">
                <A href="/login">"Log in"</A>
                <A href="/signup" attr:class="button button-small">"Sign up"</A>
            </nav>
        </header>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let links = [
        ("/", "Dashboard"),
        ("/sites", "Sites"),
        ("/planner", "Planner"),
        ("/writer", "Writer"),
        ("/automation", "Automation"),
        ("/account/usage", "Usage"),
        ("/account/billing", "Billing"),
        ("/account/plans", "Plans"),
        ("/account/team", "Team"),
    ];
    view! {
        <nav class="sidebar" aria-label="Main">
            <ul>
                {links
                    .into_iter()
                    .map(|(href, label)| view! { <li><A href=href>{label}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}

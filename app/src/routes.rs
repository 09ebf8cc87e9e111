//! The router: which page answers which path, inside which layout.

use crate::auth::pages::{LoginPage, SignupPage};
use crate::ui::layout::AppLayout;
use crate::ui::not_found::NotFound;
use crate::ui::pages::Dashboard;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::StaticSegment;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/igny8.css"/>
        <Title formatter=|page: String| if page.is_empty() { "IGNY8".to_string() } else { format!("{page} · IGNY8") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("login") view=LoginPage/>
                <Route path=StaticSegment("signup") view=SignupPage/>
                <ParentRoute path=StaticSegment("") view=AppLayout>
                    <Route path=StaticSegment("") view=Dashboard/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

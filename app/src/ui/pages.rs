//! Pages of the signed-in app that have no slice of their own yet.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <p class="muted">"Your balance, plan and usage will appear here."</p>
    }
}

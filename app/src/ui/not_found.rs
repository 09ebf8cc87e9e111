//! The 404 page. During server rendering it also sets the HTTP status to 404.

use super::hydration::mark_document_hydrated;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    mark_document_hydrated();
    view! {
        <Title text="Page not found"/>
        <main class="centered-page">
            <div class="card narrow">
                <p class="eyebrow">"404"</p>
                <h1>"Page not found"</h1>
                <p>"The page you asked for does not exist or has moved."</p>
                <a class="button" href="/">"Go to the dashboard"</a>
            </div>
        </main>
    }
}

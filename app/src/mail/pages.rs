//! `/dev/outbox`: what the app would have emailed, for developers without SMTP.

use super::api::dev_outbox;
use crate::ui::errors::ErrorPage;
use crate::ui::hydration::mark_document_hydrated;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DevOutboxPage() -> impl IntoView {
    mark_document_hydrated();
    let emails = Resource::new(|| (), |_| dev_outbox());
    view! {
        <Title text="Outbox"/>
        <main class="content standalone">
            <h1>"Outbox (development)"</h1>
            <Suspense fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match emails.await {
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No emails yet."</p> }.into_any(),
                        Ok(list) => list.into_iter().map(|mail| view! {
                            <article class="card outbox-email">
                                <p class="muted">{mail.created_at}" · to " <strong class="to">{mail.to_email}</strong>" · " {mail.status}</p>
                                <h2 class="subject">{mail.subject}</h2>
                                <pre class="body">{mail.body}</pre>
                            </article>
                        }).collect_view().into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

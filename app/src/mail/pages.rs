//! `/dev/outbox`: what the app would have emailed, for developers without SMTP.

use super::api::{admin_outbox, dev_outbox};
use super::model::OutboxEmail;
use crate::admin::nav::AdminNav;
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
                        Ok(list) => view! { <EmailList list/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn EmailList(list: Vec<OutboxEmail>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No emails yet."</p> }.into_any();
    }
    list.into_iter()
        .map(|mail| view! {
            <article class="card outbox-email">
                <p class="muted">{mail.created_at}" · to " <strong class="to">{mail.to_email}</strong>" · "
                    <span data-testid="mail-status">{mail.status.as_str()}</span>
                    {(mail.attempts > 0 && mail.status.as_str() != "sent").then(|| format!(" · {} attempts", mail.attempts))}
                    {mail.next_attempt_at.map(|next| format!(" · next try {next}"))}
                </p>
                {mail.error.map(|error| view! { <p class="alert alert-error small">{error}</p> })}
                <h2 class="subject">{mail.subject}</h2>
                <pre class="body">{mail.body}</pre>
                {mail.attachment.map(|name| view! { <p class="muted small attachment">"Attached: " {name}</p> })}
            </article>
        })
        .collect_view()
        .into_any()
}

/// `/admin/outbox`: what the app sent or would have sent (read-only), for admins.
#[component]
pub fn AdminOutboxPage() -> impl IntoView {
    let emails = Resource::new(|| (), |_| admin_outbox());
    view! {
        <Title text="Outbox · Admin"/>
        <AdminNav/>
        <h1>"Email outbox"</h1>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match emails.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(list) => view! { <EmailList list/> }.into_any(),
                }
            })}
        </Transition>
    }
}

//! `/account/webhooks` (the owner's): the endpoints that receive billing events, with their
//! signing secrets; add and delete one; the log of recent deliveries, sent again on request.

use super::api::{list_deliveries, list_webhooks, CreateWebhook, DeleteWebhook, ResendDelivery};
use super::model::{DeliveryView, EventType, WebhookEndpointView};
use crate::ui::errors::{FieldError, FormError};
use crate::ui::format::{date_time, StatusBadge};
use crate::ui::forms::{action_error, posted_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let changed = move || {
        (
            create.version().get(),
            delete.version().get(),
            resend.version().get(),
        )
    };
    let endpoints = Resource::new(changed, |_| list_webhooks());
    let deliveries = Resource::new(changed, |_| list_deliveries());
    let create_error = action_error(create);
    toast_errors(delete);
    toast_errors(resend);
    let delete_error = posted_error(delete);
    let resend_error = posted_error(resend);
    view! {
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <p class="muted">
            "IGNY8 tells your systems about billing events by POSTing JSON to the addresses below, within seconds of the event, and retries for a day until they answer 2xx. "
            "Each request is signed: check its " <code>"IGNY8-Signature"</code> " header with the endpoint's signing secret."
        </p>
        <FormError error=delete_error/>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match (endpoints.await, deliveries.await) {
                    (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(endpoints), Ok(log)) => view! {
                        <EndpointList endpoints=endpoints.clone() delete/>
                        <section class="card">
                            <h2>"Recent deliveries"</h2>
                            <FormError error=resend_error/>
                            <DeliveryLog log endpoints resend/>
                            <button type="button" class="button button-secondary button-small" on:click=move |_| deliveries.refetch()>"Refresh"</button>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Add an endpoint"</h2>
            <FormError error=create_error/>
            <ActionForm action=create attr:class="form" attr:data-testid="add-webhook-form">
                <label>"Address" <input type="url" name="url" placeholder="https://example.com/hooks/igny8" required/>
                    <FieldError error=create_error field="url"/></label>
                <fieldset>
                    <legend>"Events"</legend>
                    {EventType::ALL.iter().map(|event| view! {
                        <label class="checkbox">
                            <input type="checkbox" name="events[]" value=event.as_str()/>
                            <code>{event.as_str()}</code> " " <span class="muted">{event.describe()}</span>
                        </label>
                    }).collect_view()}
                    <FieldError error=create_error field="events"/>
                </fieldset>
                <SubmitButton pending=create.pending() label="Add endpoint" busy_label="Checking the address…"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn EndpointList(
    endpoints: Vec<WebhookEndpointView>,
    delete: ServerAction<DeleteWebhook>,
) -> impl IntoView {
    if endpoints.is_empty() {
        return view! { <p class="muted" data-testid="no-webhooks">"No endpoints yet."</p> }
            .into_any();
    }
    endpoints
        .into_iter()
        .map(|endpoint| {
            let events = endpoint.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
            view! {
                <section class="card" data-webhook=endpoint.url.clone()>
                    <h2 class="break-all">{endpoint.url.clone()}</h2>
                    <p class="muted small">{events}</p>
                    <details>
                        <summary>"Signing secret"</summary>
                        <code class="secret" data-testid="webhook-secret">{endpoint.secret.clone()}</code>
                    </details>
                    <ActionForm action=delete attr:class="inline-form">
                        <input type="hidden" name="id" value=endpoint.id.clone()/>
                        <SubmitButton pending=delete.pending() label="Delete endpoint" busy_label="Deleting…" class="button button-secondary button-small"/>
                    </ActionForm>
                </section>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn DeliveryLog(
    log: Vec<DeliveryView>,
    endpoints: Vec<WebhookEndpointView>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    if log.is_empty() {
        return view! { <p class="muted" data-testid="no-deliveries">"Nothing sent yet."</p> }
            .into_any();
    }
    let url_of = move |id: &str| {
        endpoints
            .iter()
            .find(|e| e.id == id)
            .map_or_else(|| "(deleted endpoint)".to_string(), |e| e.url.clone())
    };
    view! {
        <table class="table">
            <thead><tr><th>"Event"</th><th>"To"</th><th>"Sent"</th><th>"Status"</th><th>"Answer"</th><th></th></tr></thead>
            <tbody>
                {log.into_iter().map(|d| {
                    let answer = match (d.last_status_code, d.last_error.clone()) {
                        (Some(code), _) => format!("HTTP {code}"),
                        (None, Some(error)) => error,
                        (None, None) => "—".to_string(),
                    };
                    let tries = match d.next_attempt_at.as_deref() {
                        Some(next) if d.attempts > 0 => format!("{answer} · {} attempts, next {}", d.attempts, date_time(next)),
                        _ if d.attempts > 1 => format!("{answer} · {} attempts", d.attempts),
                        _ => answer,
                    };
                    view! {
                        <tr data-delivery=d.event_type.as_str() data-status=d.status.as_str()>
                            <td><code>{d.event_type.as_str()}</code></td>
                            <td class="break-all">{url_of(&d.endpoint_id)}</td>
                            <td>{date_time(&d.created_at)}</td>
                            <td><StatusBadge status=d.status.as_str()/></td>
                            <td data-testid="delivery-answer">{tries}</td>
                            <td>
                                <ActionForm action=resend attr:class="inline-form">
                                    <input type="hidden" name="id" value=d.id.clone()/>
                                    <SubmitButton pending=resend.pending() label="Resend" busy_label="Queuing…" class="button button-secondary button-small"/>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

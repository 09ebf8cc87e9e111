//! `/account/api-keys` (the owner's): the account's keys with their scopes, expiry and last use;
//! create one (its secret shown once), revoke one.

use super::api::{list_api_keys, CreateApiKey, RevokeApiKey};
use super::model::{ApiKeyView, Scope};
use crate::ui::errors::{FieldError, FormError};
use crate::ui::format::{date, date_time, StatusBadge};
use crate::ui::forms::{action_error, posted_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let changed = move || (create.version().get(), revoke.version().get());
    let keys = Resource::new(changed, |_| list_api_keys());
    let create_error = action_error(create);
    toast_errors(revoke);
    let revoke_error = posted_error(revoke);
    view! {
        <Title text="API keys"/>
        <h1>"API keys"</h1>
        <p class="muted">
            "Keys let your programs call the IGNY8 REST API as this account: send one as "
            <code>"Authorization: Bearer igk_…"</code>
            ". A key can do only what its scopes allow, never administration, and stops working the moment you revoke it."
        </p>
        <FormError error=revoke_error/>
        {move || create.value().get().and_then(Result::ok).map(|created| view! {
            <section class="card alert alert-success" role="status" data-testid="new-key">
                <h2>{format!("Key \u{201c}{}\u{201d} created", created.key.name)}</h2>
                <p>"Copy it now and keep it somewhere safe: it is not shown again."</p>
                <code class="secret" data-testid="new-key-secret">{created.secret}</code>
            </section>
        })}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    Ok(keys) => view! { <KeyList keys revoke/> }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Create a key"</h2>
            <FormError error=create_error/>
            <ActionForm action=create attr:class="form" attr:data-testid="create-key-form">
                <label>"Name" <input type="text" name="name" maxlength="60" placeholder="e.g. Nightly import" required/>
                    <FieldError error=create_error field="name"/></label>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {Scope::ALL.iter().map(|scope| view! {
                        <label class="checkbox">
                            <input type="checkbox" name="scopes[]" value=scope.as_str() checked=*scope != Scope::Billing/>
                            <strong>{scope.as_str()}</strong> " " <span class="muted">{scope.describe()}</span>
                        </label>
                    }).collect_view()}
                    <FieldError error=create_error field="scopes"/>
                </fieldset>
                <label>"Expires"
                    <select name="expires">
                        <option value="never">"Never (until revoked)"</option>
                        <option value="30">"In 30 days"</option>
                        <option value="90" selected>"In 90 days"</option>
                        <option value="365">"In a year"</option>
                    </select>
                    <FieldError error=create_error field="expires_in_days"/></label>
                <SubmitButton pending=create.pending() label="Create key" busy_label="Creating…"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn KeyList(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="muted" data-testid="no-keys">"No keys yet."</p> }.into_any();
    }
    view! {
        <div class="card"><table class="table">
            <thead><tr><th>"Key"</th><th>"Scopes"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let scopes = key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                    let live = key.status == "active";
                    view! {
                        <tr data-key=key.name.clone() data-status=key.status.clone()>
                            <td><strong>{key.name.clone()}</strong> " " <code class="muted">{format!("{}…", key.prefix)}</code></td>
                            <td>{scopes}</td>
                            <td>{date(&key.created_at)}</td>
                            <td>{key.expires_at.as_deref().map_or_else(|| "Never".to_string(), date)}</td>
                            <td data-testid="last-used">{key.last_used_at.as_deref().map_or_else(|| "Never".to_string(), date_time)}</td>
                            <td><StatusBadge status=key.status.clone()/></td>
                            <td>{live.then(|| view! {
                                <ActionForm action=revoke attr:class="inline-form">
                                    <input type="hidden" name="id" value=key.id.clone()/>
                                    <SubmitButton pending=revoke.pending() label="Revoke" busy_label="Revoking…" class="button button-secondary button-small"/>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

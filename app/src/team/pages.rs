//! `/account/team` (members, pending invitations, the seats limit with its 80% banner; the owner
//! invites, revokes and removes) and `/invite/:token`, where an invited person joins.

use super::api::{get_invitation, list_team, AcceptInvitation, InviteMember, RemoveMember};
use super::model::{InvitationPreview, JoinPath, TeamEntry, TeamStatus};
use crate::accounts::model::Role;
use crate::auth::guard::use_session;
use crate::auth::model::OWNER_ONLY;
use crate::auth::pages::AuthCard;
use crate::limits::api::get_limits;
use crate::limits::pages::LimitBanner;
use crate::ui::errors::{FieldError, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, posted_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn TeamPage() -> impl IntoView {
    let is_owner = use_session().signed_in().is_some_and(|s| s.is_owner());
    let invite = ServerAction::<InviteMember>::new();
    let query = use_query_map();
    let remove = ServerAction::<RemoveMember>::new();
    let changed = move || (invite.version().get(), remove.version().get());
    let team = Resource::new(changed, |_| list_team());
    let limits = Resource::new(changed, |_| get_limits());
    let invite_error = action_error(invite);
    toast_errors(remove);
    let remove_error = posted_error(remove);
    view! {
        <Title text="Team"/>
        <h1>"Team"</h1>
        <FormError error=remove_error/>
        <p class="muted">"The people who work in this account. Pending invitations hold a seat until they are accepted or revoked."</p>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match (team.await, limits.await) {
                    (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(team), Ok(limits)) => {
                        let seats = limits.get("seats").cloned();
                        view! {
                            {seats.clone().map(|limit| view! { <LimitBanner limit/> })}
                            {seats.map(|l| view! { <p class="muted small" data-testid="seats-usage">{format!("{} of {} seats used", l.used, l.limit)}</p> })}
                            <TeamList team remove is_owner/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        {if is_owner {
            view! {
                <section class="card">
                    <h2>"Invite a member"</h2>
                    <FormError error=invite_error/>
                    {move || {
                        // The hydrated page's invitation, or one posted before the WASM loaded
                        // (its outcome comes back in the address).
                        let sent = invite.value().get().and_then(Result::ok).map(|entry| entry.email)
                            .or_else(|| query.get().get("invited"));
                        sent.map(|email| view! {
                            <p class="alert alert-success" role="status" data-testid="invite-sent">{format!("Invitation sent to {email}.")}</p>
                        })
                    }}
                    <ActionForm action=invite attr:class="form" attr:data-testid="invite-form">
                        <label>"Email" <input type="email" name="email" autocomplete="off" required/>
                            <FieldError error=invite_error field="email"/></label>
                        <SubmitButton pending=invite.pending() label="Send invitation" busy_label="Sending…"/>
                    </ActionForm>
                </section>
            }.into_any()
        } else {
            view! { <p class="muted" data-testid="owner-only">{OWNER_ONLY}</p> }.into_any()
        }}
    }
}

#[component]
fn TeamList(
    team: Vec<TeamEntry>,
    remove: ServerAction<RemoveMember>,
    is_owner: bool,
) -> impl IntoView {
    view! {
        <div class="card"><table class="table team-table">
            <thead><tr><th>"Person"</th><th>"Role"</th><th>"Status"</th><th>"Since"</th><th></th></tr></thead>
            <tbody>
                {team.into_iter().map(|entry| {
                    let removable = is_owner && entry.role != Role::Owner;
                    let action = if entry.is_invitation() { "Revoke" } else { "Remove" };
                    let busy = if entry.is_invitation() { "Revoking…" } else { "Removing…" };
                    let status = match entry.expires_at.as_deref() {
                        Some(expires) if entry.status == TeamStatus::Pending => format!("Invited, link valid until {}", date(expires)),
                        _ if entry.status == TeamStatus::Expired => "Invitation expired".to_string(),
                        _ => "Active".to_string(),
                    };
                    view! {
                        <tr data-email=entry.email.clone() data-status=entry.status.as_str()>
                            <td><strong>{entry.full_name.clone()}</strong> " " <span class="muted">{entry.email.clone()}</span></td>
                            <td>{entry.role.as_str()}</td>
                            <td>{status}</td>
                            <td>{date(&entry.since)}</td>
                            <td>{removable.then(|| view! {
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="id" value=entry.id.clone()/>
                                    <SubmitButton pending=remove.pending() label=action busy_label=busy class="button button-secondary button-small"/>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// `/invite/:token`: who invited whom to what, and the one step that joins.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let preview = Resource::new(move || token.get(), get_invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    view! {
        <AuthCard title="Join a team">
            <FormError error/>
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        Ok(preview) => view! { <JoinForm preview token=token.get_untracked() accept error/> }.into_any(),
                    }
                })}
            </Transition>
        </AuthCard>
    }
}

#[component]
fn JoinForm(
    preview: InvitationPreview,
    token: String,
    accept: ServerAction<AcceptInvitation>,
    error: Signal<Option<crate::common::AppError>>,
) -> impl IntoView {
    let intro = format!(
        "{} invited {} to work in {}.",
        preview.invited_by, preview.email, preview.account_name
    );
    let step = match preview.how {
        JoinPath::CreateUser => view! {
            <ActionForm action=accept attr:class="form" attr:data-testid="accept-form">
                <input type="hidden" name="token" value=token/>
                <label>"Your name" <input type="text" name="full_name" autocomplete="name" maxlength="100"/>
                    <FieldError error field="full_name"/></label>
                <label>"Choose a password" <input type="password" name="password" autocomplete="new-password" minlength="10" maxlength="128" required/>
                    <span class="muted small">"At least 10 characters."</span>
                    <FieldError error field="password"/></label>
                <SubmitButton pending=accept.pending() label="Accept and join" busy_label="Joining…"/>
            </ActionForm>
        }.into_any(),
        JoinPath::Join => view! {
            <ActionForm action=accept attr:class="form" attr:data-testid="accept-form">
                <input type="hidden" name="token" value=token/>
                <SubmitButton pending=accept.pending() label="Accept and join" busy_label="Joining…"/>
            </ActionForm>
        }.into_any(),
        JoinPath::SignIn => view! {
            <a class="button" href=format!("/login?next=/invite/{token}")>{format!("Log in as {} to accept", preview.email)}</a>
        }.into_any(),
    };
    view! {
        <p data-testid="invitation-intro">{intro}</p>
        {step}
    }
}

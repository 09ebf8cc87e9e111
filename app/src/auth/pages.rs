//! The public pages — log in, sign up, forgot and reset password, verify email — and the
//! profile. Every form is an `ActionForm` posting to a server function, so it works before WASM
//! loads and without JavaScript; successful logins and signups end in a server-side redirect.

use super::api::{
    ChangePassword, ForgotPassword, Login, ResendVerification, ResetPassword, Signup,
    UpdateProfile, VerifyEmail,
};
use super::guard::use_session;
use crate::ui::errors::{FieldError, FormError};
use crate::ui::forms::{action_error, action_succeeded, SubmitButton};
use crate::ui::hydration::mark_document_hydrated;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    mark_document_hydrated();
    view! {
        <Title text=title/>
        <main class="centered-page">
            <div class="card narrow">
                <a class="brand" href="/">"IGNY8"</a>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

fn query_param(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = action_error(action);
    let next = query_param("next");
    let reset_done = move || query_param("reset").get().as_deref() == Some("done");
    view! {
        <AuthCard title="Log in">
            <Show when=reset_done>
                <p class="alert alert-success">"Your password was changed. Log in with the new one."</p>
            </Show>
            <FormError error/>
            <ActionForm action attr:class="form">
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
                <label>"Email" <input type="email" name="email" autocomplete="email" required/>
                    <FieldError error field="email"/></label>
                <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                <SubmitButton pending=action.pending() label="Log in" busy_label="Logging in…"/>
            </ActionForm>
            <p class="muted"><a href="/forgot-password">"Forgot your password?"</a></p>
            <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<Signup>::new();
    let error = action_error(action);
    view! {
        <AuthCard title="Create your account">
            <FormError error/>
            <ActionForm action attr:class="form">
                <label>"Your name" <input type="text" name="full_name" autocomplete="name" maxlength="100"/>
                    <FieldError error field="full_name"/></label>
                <label>"Company or team" <input type="text" name="account_name" autocomplete="organization" maxlength="100"/>
                    <FieldError error field="account_name"/></label>
                <label>"Email" <input type="email" name="email" autocomplete="email" required/>
                    <FieldError error field="email"/></label>
                <label>"Password" <input type="password" name="password" autocomplete="new-password" minlength="10" maxlength="128" required/>
                    <span class="muted small">"At least 10 characters."</span>
                    <FieldError error field="password"/></label>
                <SubmitButton pending=action.pending() label="Sign up" busy_label="Creating your account…"/>
            </ActionForm>
            <p class="muted">"Already have an account? " <a href="/login">"Log in"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = action_error(action);
    let sent = action_succeeded(action);
    view! {
        <AuthCard title="Reset your password">
            <Show when=move || sent.get() fallback=move || view! {
                <FormError error/>
                <ActionForm action attr:class="form">
                    <label>"Email" <input type="email" name="email" autocomplete="email" required/>
                        <FieldError error field="email"/></label>
                    <SubmitButton pending=action.pending() label="Send reset link" busy_label="Sending…"/>
                </ActionForm>
            }>
                <p class="alert alert-success">"If an account exists for that email, a reset link is on its way. It works for one hour."</p>
            </Show>
            <p class="muted"><a href="/login">"Back to log in"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    let token = query_param("token");
    view! {
        <AuthCard title="Choose a new password">
            <FormError error/>
            <ActionForm action attr:class="form">
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                <label>"New password" <input type="password" name="password" autocomplete="new-password" minlength="10" maxlength="128" required/>
                    <FieldError error field="password"/></label>
                <SubmitButton pending=action.pending() label="Set password" busy_label="Saving…"/>
            </ActionForm>
            <p class="muted"><a href="/forgot-password">"Request a new link"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let verify = ServerAction::<VerifyEmail>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let error = Signal::derive(move || {
        action_error(verify)
            .get()
            .or_else(|| action_error(resend).get())
    });
    let verified = action_succeeded(verify);
    let resent = action_succeeded(resend);
    let token = query_param("token");
    view! {
        <AuthCard title="Verify your email">
            <FormError error/>
            <Show when=move || verified.get() fallback=move || view! {
                <Show when=move || token.get().is_some() fallback=move || view! {
                    <p>"We sent a confirmation link to your email address. Open it to verify."</p>
                    <Show when=move || resent.get()>
                        <p class="alert alert-success">"A new link is on its way."</p>
                    </Show>
                    <ActionForm action=resend attr:class="form">
                        <SubmitButton pending=resend.pending() label="Send the link again" busy_label="Sending…" class="button button-secondary"/>
                    </ActionForm>
                }>
                    <ActionForm action=verify attr:class="form">
                        <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                        <SubmitButton pending=verify.pending() label="Confirm my email" busy_label="Confirming…"/>
                    </ActionForm>
                </Show>
            }>
                <p class="alert alert-success">"Your email address is verified."</p>
                <a class="button" href="/account/plans">"Continue"</a>
            </Show>
        </AuthCard>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let session = use_session();
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let profile_error = action_error(profile);
    let password_error = action_error(password);
    let profile_saved = action_succeeded(profile);
    let password_saved = action_succeeded(password);
    view! {
        <Title text="Profile"/>
        <h1>"Profile"</h1>
        {session.signed_in().map(|s| view! {
                    <section class="card">
                        <h2>"Your details"</h2>
                        <Show when=move || profile_saved.get()>
                            <p class="alert alert-success">"Saved. If you changed your email, confirm the new address from the link we sent."</p>
                        </Show>
                        {(!s.user.email_verified).then(|| view! {
                            <p class="alert alert-warning">"Your email address is not verified yet. " <a href="/verify-email">"Verify it"</a></p>
                        })}
                        <FormError error=profile_error/>
                        <ActionForm action=profile attr:class="form">
                            <label>"Name" <input type="text" name="full_name" value=s.user.full_name.clone() maxlength="100"/>
                                <FieldError error=profile_error field="full_name"/></label>
                            <label>"Email" <input type="email" name="email" value=s.user.email.clone() required/>
                                <FieldError error=profile_error field="email"/></label>
                            <SubmitButton pending=profile.pending() label="Save" busy_label="Saving…"/>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"Password"</h2>
                        <p class="muted">"Changing it logs you out everywhere else."</p>
                        <Show when=move || password_saved.get()>
                            <p class="alert alert-success">"Password changed. Your other sessions have ended."</p>
                        </Show>
                        <FormError error=password_error/>
                        <ActionForm action=password attr:class="form">
                            <label>"Current password" <input type="password" name="current_password" autocomplete="current-password" required/>
                                <FieldError error=password_error field="current_password"/></label>
                            <label>"New password" <input type="password" name="new_password" autocomplete="new-password" minlength="10" maxlength="128" required/>
                                <FieldError error=password_error field="new_password"/></label>
                            <SubmitButton pending=password.pending() label="Change password" busy_label="Changing…"/>
                        </ActionForm>
                    </section>
                })}
    }
}

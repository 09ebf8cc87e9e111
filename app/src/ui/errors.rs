//! The one place that turns an [`AppError`] into words and a next step for people. Pages never
//! print raw error text: they show these components.

use crate::common::{AppError, ErrorKind};
use leptos::prelude::*;
use leptos_meta::Title;

/// A short headline by kind: "not there" reads differently from "pay first" and from "our fault".
pub fn headline(err: &AppError) -> &'static str {
    match &err.kind {
        ErrorKind::NotFound => "Not found",
        ErrorKind::Unauthenticated | ErrorKind::TokenExpired => "Please log in",
        ErrorKind::PlanRequired => "Choose a plan first",
        ErrorKind::InsufficientCredits { .. } => "Not enough credits",
        ErrorKind::CardDeclined | ErrorKind::InsufficientFunds => "Payment declined",
        ErrorKind::ModuleNotInPlan { .. } | ErrorKind::PlanLimitReached { .. } => {
            "Upgrade to continue"
        }
        ErrorKind::AdminRequired => "Administrators only",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::EmailUnverified => "Verify your email",
        ErrorKind::ValidationFailed { .. } => "Check the form",
        ErrorKind::Throttled { .. } => "Slow down",
        ErrorKind::Unavailable => "Can't reach IGNY8",
        ErrorKind::Internal => "Something went wrong",
        _ => "That didn't work",
    }
}

/// What the person can do about it, as a link.
pub fn next_step(err: &AppError) -> Option<(&'static str, String)> {
    match &err.kind {
        ErrorKind::Unauthenticated | ErrorKind::TokenExpired => Some(("Log in", "/login".into())),
        ErrorKind::PlanRequired => Some(("Choose a plan", "/account/plans".into())),
        ErrorKind::InsufficientCredits { purchase_url, .. } => {
            Some(("Buy credits", purchase_url.clone()))
        }
        ErrorKind::ModuleNotInPlan { upgrade_url, .. }
        | ErrorKind::PlanLimitReached { upgrade_url, .. } => {
            Some(("Upgrade your plan", upgrade_url.clone()))
        }
        ErrorKind::EmailUnverified => Some(("Verify your email", "/verify-email".into())),
        ErrorKind::NotFound | ErrorKind::AdminRequired | ErrorKind::Forbidden => {
            Some(("Go to the dashboard", "/".into()))
        }
        _ => None,
    }
}

/// Every action that lifts the error: insufficient credits can be bought or come with a
/// bigger plan.
pub fn next_steps(err: &AppError) -> Vec<(&'static str, String)> {
    let mut steps: Vec<_> = next_step(err).into_iter().collect();
    if let ErrorKind::InsufficientCredits { upgrade_url, .. } = &err.kind {
        steps.push(("Upgrade your plan", upgrade_url.clone()));
    }
    steps
}

/// The sentence shown under the headline. Server faults never show internals.
pub fn message(err: &AppError) -> String {
    match &err.kind {
        ErrorKind::Internal => {
            "Something went wrong on our side. Please try again in a moment.".into()
        }
        ErrorKind::Unavailable => {
            "The server could not be reached. Check your connection and try again.".into()
        }
        ErrorKind::Throttled {
            retry_after_seconds,
        } => {
            format!("Too many attempts. Try again in {retry_after_seconds} seconds.")
        }
        _ => err.message.clone(),
    }
}

/// A whole-page error (404, 403, …). During server rendering it also sets the HTTP status.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
    }
    let title = headline(&error);
    let step = next_step(&error);
    view! {
        <Title text=title/>
        <section class="error-page" data-error-code=error.code()>
            <p class="eyebrow">{error.status()}</p>
            <h1>{title}</h1>
            <p>{message(&error)}</p>
            {step.map(|(label, href)| view! { <a class="button" href=href>{label}</a> })}
        </section>
    }
}

/// The error of a form submission above the form; invalid fields are shown beside their inputs
/// by [`FieldError`].
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            let steps = next_steps(&err);
            view! {
                <div class="alert alert-error" role="alert" data-error-code=err.code()>
                    <strong>{headline(&err)}": "</strong>
                    {message(&err)}
                    {steps.into_iter().map(|(label, href)| view! { " " <a class="alert-action" href=href>{label}</a> }).collect_view()}
                </div>
            }
        })
    }
}

/// The problem with one field, if the last submission reported one.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|err| {
                err.field_errors()
                    .and_then(|fields| fields.get(field).cloned())
            })
            .map(|problem| view! { <span class="field-error">{problem}</span> })
    }
}

//! Server functions of the auth pages: thin wrappers that find the caller, call the service and
//! set cookies or redirect. Forms post to them directly, so they work before (and without) WASM.

use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use super::super::cookies::{cleared_cookies, session_cookies, set_response_cookies};
    pub use super::super::guard::landing_path;
    pub use super::super::identity;
    pub use super::super::service::{self, RegisterInput};
    pub use crate::backend::app_state;
}
#[cfg(feature = "ssr")]
use ssr::*;

#[server(endpoint = "auth/signup")]
pub async fn signup(
    email: String,
    password: String,
    full_name: Option<String>,
    account_name: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let input = RegisterInput {
        email,
        password,
        full_name,
        account_name,
    };
    let signed_in = service::register(&state, input, &identity::client_ip()?).await?;
    set_response_cookies(session_cookies(
        &state,
        &signed_in.tokens.access,
        &signed_in.tokens.refresh,
    ));
    leptos_axum::redirect(&landing_path(&signed_in.view, None));
    Ok(())
}

#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let state = app_state()?;
    let signed_in = service::login(&state, &email, password, &identity::client_ip()?).await?;
    set_response_cookies(session_cookies(
        &state,
        &signed_in.tokens.access,
        &signed_in.tokens.refresh,
    ));
    leptos_axum::redirect(&landing_path(&signed_in.view, next.as_deref()));
    Ok(())
}

#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some((_, identity)) = identity::current_session().await? {
        service::logout(&state, &identity).await?;
    }
    set_response_cookies(cleared_cookies(&state));
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "auth/forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let state = app_state()?;
    service::request_password_reset(&state, &email, &identity::client_ip()?).await
}

#[server(endpoint = "auth/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = app_state()?;
    service::confirm_password_reset(&state, &token, password).await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

#[server(endpoint = "auth/verify-email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let state = app_state()?;
    service::verify_email(&state, &token).await
}

#[server(endpoint = "auth/resend-verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let state = app_state()?;
    let (view, _) = identity::require_session().await?;
    service::resend_verification(&state, &view).await
}

#[server(endpoint = "auth/profile")]
pub async fn update_profile(full_name: String, email: String) -> Result<(), AppError> {
    let state = app_state()?;
    let (_, identity) = identity::require_session().await?;
    service::update_profile(&state, &identity, &full_name, &email).await
}

#[server(endpoint = "auth/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let (_, identity) = identity::require_session().await?;
    service::change_password(&state, &identity, current_password, new_password).await
}

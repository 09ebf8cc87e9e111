//! The rules of signup, login, sessions, email verification and password reset. REST handlers
//! and server functions both call these, so the browser and API clients cannot disagree.

use super::email::Email;
use super::model::{SessionView, Tokens};
use super::password::{self, Password};
use super::store::{self, EmailPurpose, Rotation};
use super::throttle;
use super::tokens;
use super::tokens::Identity;
use crate::accounts::store::{self as accounts, CreateError, NewOwner};
use crate::backend::{mail, AppState};
use crate::common::{AppError, AppResult, ErrorKind};
use std::collections::BTreeMap;

const MAX_NAME_LEN: usize = 100;

/// A signed-in session and the tokens that carry it.
pub struct SignedIn {
    pub view: SessionView,
    pub identity: Identity,
    pub tokens: Tokens,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub account_name: Option<String>,
}

fn check_name(field: &str, value: &str, errors: &mut BTreeMap<String, String>) {
    if value.chars().count() > MAX_NAME_LEN {
        errors.insert(
            field.into(),
            format!("Use at most {MAX_NAME_LEN} characters."),
        );
    }
}

#[tracing::instrument(skip(state, input), fields(ip = %ip))]
pub async fn register(state: &AppState, input: RegisterInput, ip: &str) -> AppResult<SignedIn> {
    let now = state.clock.now();
    throttle::check_auth_action(
        &state.db,
        state.settings.auth_limits,
        "register",
        ip,
        Some(&input.email),
        now,
    )
    .await?;

    let mut errors = BTreeMap::new();
    let email = Email::parse(&input.email)
        .map_err(|e| errors.insert("email".into(), e))
        .ok();
    let password = Password::parse(input.password)
        .map_err(|e| errors.insert("password".into(), e))
        .ok();
    let full_name = input.full_name.unwrap_or_default().trim().to_string();
    let account_name = input.account_name.unwrap_or_default().trim().to_string();
    check_name("full_name", &full_name, &mut errors);
    check_name("account_name", &account_name, &mut errors);
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AppError::invalid_fields(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::invalid_fields(errors));
    }
    let account_name = if !account_name.is_empty() {
        account_name
    } else if !full_name.is_empty() {
        full_name.clone()
    } else {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("account")
            .to_string()
    };

    let hash = password::hash(password).await?;
    let owner = NewOwner {
        email: email.as_str(),
        full_name: &full_name,
        password_hash: &hash,
        is_admin: false,
        email_verified_at: None,
    };
    let (_, user) = match accounts::create_with_owner(&state.db, &account_name, owner, now).await {
        Ok(created) => created,
        Err(CreateError::EmailTaken) => return Err(AppError::new(ErrorKind::EmailTaken)),
        Err(CreateError::Db(e)) => return Err(e.into()),
    };
    send_verification(state, &user.id, email.as_str()).await?;
    sign_in(state, &user.id).await
}

#[tracing::instrument(skip(state, raw_password), fields(ip = %ip))]
pub async fn login(
    state: &AppState,
    raw_email: &str,
    raw_password: String,
    ip: &str,
) -> AppResult<SignedIn> {
    let now = state.clock.now();
    throttle::check_auth_action(
        &state.db,
        state.settings.auth_limits,
        "login",
        ip,
        Some(raw_email),
        now,
    )
    .await?;
    let email = Email::parse(raw_email).map_err(|e| AppError::invalid("email", e))?;
    let password = Password::for_login(raw_password).ok_or_else(wrong_credentials)?;
    let user = accounts::find_user_by_email(&state.db, email.as_str()).await?;
    // Unknown emails are verified against a dummy hash: same cost, same answer.
    let valid = password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    match user {
        Some(user) if valid => sign_in(state, &user.id).await,
        _ => Err(wrong_credentials()),
    }
}

fn wrong_credentials() -> AppError {
    AppError::with_message(
        ErrorKind::Unauthenticated,
        "Email or password is incorrect.",
    )
}

/// Opens a session for a user whose credentials were just proven.
pub async fn sign_in(state: &AppState, user_id: &str) -> AppResult<SignedIn> {
    let now = state.clock.now();
    let issued = store::open_session(&state.db, user_id, now).await?;
    signed_in(state, user_id, issued).await
}

async fn signed_in(
    state: &AppState,
    user_id: &str,
    issued: store::IssuedRefresh,
) -> AppResult<SignedIn> {
    let now = state.clock.now();
    let identity = Identity {
        user_id: user_id.to_string(),
        session_id: issued.session_id,
        key_scopes: None,
    };
    let view = session_view(state, &identity)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let tokens = Tokens {
        access: tokens::issue_access(
            &state.settings.jwt_secret,
            user_id,
            &identity.session_id,
            now,
        ),
        refresh: issued.refresh_token,
    };
    Ok(SignedIn {
        view,
        identity,
        tokens,
    })
}

/// Spends a refresh token for a new pair. A spent token presented again revokes its session.
#[tracing::instrument(skip(state, refresh_token), fields(ip = %ip))]
pub async fn refresh(state: &AppState, refresh_token: &str, ip: &str) -> AppResult<SignedIn> {
    let now = state.clock.now();
    throttle::check_auth_action(
        &state.db,
        state.settings.auth_limits,
        "refresh",
        ip,
        None,
        now,
    )
    .await?;
    match store::rotate_refresh(&state.db, refresh_token, now).await? {
        Rotation::Rotated { user_id, issued } => signed_in(state, &user_id, issued).await,
        Rotation::Invalid => Err(AppError::with_message(
            ErrorKind::Unauthenticated,
            "This session has ended. Please log in again.",
        )),
        Rotation::ReuseDetected => {
            tracing::warn!("refresh token reuse detected; session revoked");
            Err(AppError::with_message(
                ErrorKind::Unauthenticated,
                "This session was ended for your security. Please log in again.",
            ))
        }
    }
}

pub async fn logout(state: &AppState, identity: &Identity) -> AppResult<()> {
    store::revoke_session(&state.db, &identity.session_id, state.clock.now()).await?;
    Ok(())
}

/// The signed-in view of a live session, or `None` if it was revoked or expired.
pub async fn session_view(state: &AppState, identity: &Identity) -> AppResult<Option<SessionView>> {
    Ok(store::load_session_view(
        &state.db,
        identity,
        state.clock.now(),
        state.settings.require_email_verification,
    )
    .await?)
}

async fn send_verification(state: &AppState, user_id: &str, email: &str) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let token =
        store::issue_email_token(&mut tx, user_id, email, EmailPurpose::VerifyEmail, now).await?;
    let link = format!("{}/verify-email?token={token}", state.settings.public_url);
    let body = format!(
        "Welcome to IGNY8!\n\nConfirm your email address by opening this link within 24 hours:\n\n{link}\n\n\
         If you did not sign up, ignore this email."
    );
    // Queued with its token: a link is mailed exactly when it works.
    mail::queue_in(&mut tx, state, email, "Confirm your email address", &body).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn resend_verification(state: &AppState, view: &SessionView) -> AppResult<()> {
    if view.user.email_verified {
        return Ok(());
    }
    send_verification(state, &view.user.id, &view.user.email).await
}

/// Marks the email verified. The token proves the address it was sent to: after an email
/// change, an old link no longer verifies the new address.
pub async fn verify_email(state: &AppState, token: &str) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some((user_id, email)) =
        store::consume_email_token(&mut tx, token.trim(), EmailPurpose::VerifyEmail, now).await?
    else {
        return Err(invalid_link());
    };
    let updated = sqlx::query(
        "UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email = $3",
    )
    .bind(now)
    .bind(&user_id)
    .bind(&email)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(invalid_link());
    }
    tx.commit().await?;
    Ok(())
}

fn invalid_link() -> AppError {
    AppError::with_message(
        ErrorKind::ValidationFailed {
            fields: [("token".to_string(), "invalid".to_string())].into(),
        },
        "This link is invalid, expired or already used. Request a new one.",
    )
}

/// Sends a reset link when the email belongs to a user. Always answers the same, so the
/// endpoint does not reveal which emails have accounts.
#[tracing::instrument(skip(state), fields(ip = %ip))]
pub async fn request_password_reset(state: &AppState, raw_email: &str, ip: &str) -> AppResult<()> {
    let now = state.clock.now();
    throttle::check_auth_action(
        &state.db,
        state.settings.auth_limits,
        "password_reset",
        ip,
        Some(raw_email),
        now,
    )
    .await?;
    let email = Email::parse(raw_email).map_err(|e| AppError::invalid("email", e))?;
    let Some(user) = accounts::find_user_by_email(&state.db, email.as_str()).await? else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let token = store::issue_email_token(
        &mut tx,
        &user.id,
        &user.email,
        EmailPurpose::PasswordReset,
        now,
    )
    .await?;
    let link = format!("{}/reset-password?token={token}", state.settings.public_url);
    let body = format!(
        "Someone asked to reset the password of your IGNY8 account.\n\n\
         Choose a new password within one hour:\n\n{link}\n\nIf it was not you, ignore this email."
    );
    mail::queue_in(&mut tx, state, &user.email, "Reset your password", &body).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the new password and ends every session of the user.
pub async fn confirm_password_reset(
    state: &AppState,
    token: &str,
    new_password: String,
) -> AppResult<()> {
    let password = Password::parse(new_password).map_err(|e| AppError::invalid("password", e))?;
    let hash = password::hash(password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some((user_id, _)) =
        store::consume_email_token(&mut tx, token.trim(), EmailPurpose::PasswordReset, now).await?
    else {
        return Err(invalid_link());
    };
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(now)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    store::revoke_other_sessions(&mut tx, &user_id, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the name and, when it differs, the email (which then needs verifying again).
pub async fn update_profile(
    state: &AppState,
    identity: &Identity,
    full_name: &str,
    raw_email: &str,
) -> AppResult<()> {
    let mut errors = BTreeMap::new();
    let full_name = full_name.trim();
    check_name("full_name", full_name, &mut errors);
    let email = Email::parse(raw_email)
        .map_err(|e| errors.insert("email".into(), e))
        .ok();
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid_fields(errors));
    };
    let user = accounts::find_user(&state.db, &identity.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let now = state.clock.now();
    let email_changed = user.email != email.as_str();
    let result = sqlx::query(
        "UPDATE users SET full_name = $1, email = $2, updated_at = $3, \
         email_verified_at = CASE WHEN email = $2 THEN email_verified_at ELSE NULL END WHERE id = $4",
    )
    .bind(full_name)
    .bind(email.as_str())
    .bind(now)
    .bind(&identity.user_id)
    .execute(state.db.writer())
    .await;
    match result {
        Ok(_) => {}
        Err(e) if crate::backend::db::is_unique_violation(&e, "users_email_key", "users.email") => {
            return Err(AppError::new(ErrorKind::EmailTaken))
        }
        Err(e) => return Err(e.into()),
    }
    if email_changed {
        send_verification(state, &identity.user_id, email.as_str()).await?;
    }
    Ok(())
}

/// Changes the password after proving the current one; every other session ends.
pub async fn change_password(
    state: &AppState,
    identity: &Identity,
    current_password: String,
    new_password: String,
) -> AppResult<()> {
    let user = accounts::find_user(&state.db, &identity.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let current = Password::for_login(current_password).ok_or_else(|| {
        AppError::invalid("current_password", "The current password is incorrect.")
    })?;
    if !password::verify(current, Some(user.password_hash)).await? {
        return Err(AppError::invalid(
            "current_password",
            "The current password is incorrect.",
        ));
    }
    let new = Password::parse(new_password).map_err(|e| AppError::invalid("new_password", e))?;
    let hash = password::hash(new).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(now)
        .bind(&identity.user_id)
        .execute(&mut *tx)
        .await?;
    store::revoke_other_sessions(&mut tx, &identity.user_id, Some(&identity.session_id), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

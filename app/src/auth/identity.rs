//! Who the caller is, for handlers: REST extractors ([`Authenticated`], [`AdminUser`], …), the
//! same checks inside server functions ([`require_session`], …), and the rules of who may do
//! what ([`require_owner`], …). They read what the middleware (`middleware.rs`) proved.

use super::middleware::RequestAuth;
use super::model::SessionView;
use super::service;
use super::tokens::Identity;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

fn request_auth(parts: &Parts) -> RequestAuth {
    parts
        .extensions
        .get::<RequestAuth>()
        .cloned()
        .unwrap_or_default()
}

/// The identity the request's credentials prove, or 401 (`token_expired` for an expired bearer
/// token), without reading the database: the caller's own query must check that the session is
/// still live (as [`crate::credits::balance::of_session`] does).
pub fn require_identity_from(parts: &Parts) -> AppResult<Identity> {
    let auth = request_auth(parts);
    auth.identity
        .ok_or_else(|| auth.refused.unwrap_or_else(AppError::unauthenticated))
}

/// The signed-in session of a request, or 401 (`token_expired` for an expired bearer token).
pub async fn require_session_from(
    state: &AppState,
    parts: &Parts,
) -> AppResult<(SessionView, Identity)> {
    let identity = require_identity_from(parts)?;
    let view = service::session_view(state, &identity)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    Ok((view, identity))
}

/// Extractor for REST handlers: a signed-in user.
pub struct Authenticated {
    pub view: SessionView,
    pub identity: Identity,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (view, identity) = require_session_from(state, parts).await?;
        Ok(Authenticated { view, identity })
    }
}

/// A caller that may or may not be signed in (`Option<Authenticated>`); a bad token counts as
/// signed out.
impl axum::extract::OptionalFromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match require_session_from(state, parts).await {
            Ok((view, identity)) => Ok(Some(Authenticated { view, identity })),
            Err(e) if matches!(e.kind, ErrorKind::Unauthenticated | ErrorKind::TokenExpired) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Extractor for REST handlers that check the session in their own query: the identity the
/// credentials prove (see [`require_identity_from`]).
pub struct ClaimedIdentity(pub Identity);

impl FromRequestParts<AppState> for ClaimedIdentity {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        require_identity_from(parts).map(ClaimedIdentity)
    }
}

/// Extractor for REST handlers: a signed-in administrator (403 `admin_required` otherwise).
pub struct AdminUser(pub Authenticated);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        if !auth.view.user.is_admin {
            return Err(AppError::new(ErrorKind::AdminRequired));
        }
        Ok(AdminUser(auth))
    }
}

/// Extractor for REST handlers of the tenant app: signed in, email verified when that is
/// required (403 `email_unverified`), and with an active plan (402 `plan_required`).
pub struct ActiveTenant(pub Authenticated);

impl FromRequestParts<AppState> for ActiveTenant {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        require_active_plan(&auth.view)?;
        Ok(ActiveTenant(auth))
    }
}

/// The onboarding rules of the route guard, for servers: pages and APIs enforce the same.
pub fn require_active_plan(view: &SessionView) -> AppResult<()> {
    if view.must_verify_email {
        return Err(AppError::new(ErrorKind::EmailUnverified));
    }
    if !view.account.has_active_plan() {
        return Err(AppError::new(ErrorKind::PlanRequired));
    }
    Ok(())
}

/// Only the account's owner manages billing, plans and the team; members work in the account.
pub fn require_owner(view: &SessionView) -> AppResult<()> {
    if view.is_owner() {
        Ok(())
    } else {
        Err(AppError::with_message(
            ErrorKind::Forbidden,
            crate::auth::model::OWNER_ONLY,
        ))
    }
}

/// Paying (subscribing, changing plan, submitting a payment) is for the owner, and with
/// `REQUIRE_EMAIL_VERIFICATION` only once their email is verified, whichever way the request came.
pub fn require_paying_owner(view: &SessionView) -> AppResult<()> {
    if view.must_verify_email {
        return Err(AppError::new(ErrorKind::EmailUnverified));
    }
    require_owner(view)
}

/// Whose billing records the viewer may read: an admin any account's (`None`), the owner their
/// account's, a member none (403).
pub fn billing_scope(view: &SessionView) -> AppResult<Option<&str>> {
    if view.user.is_admin {
        return Ok(None);
    }
    require_owner(view)?;
    Ok(Some(view.account.id.as_str()))
}

/// Extractor for the caller's IP (rate limits).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(request_auth(parts).client_ip))
    }
}

// ------------------------------------------------------------ inside server functions

fn server_fn_parts() -> AppResult<Parts> {
    leptos::prelude::use_context::<Parts>()
        .ok_or_else(|| AppError::internal("request parts missing from context"))
}

/// The caller's session inside a server function or during server rendering; `None` when
/// signed out.
pub async fn current_session() -> AppResult<Option<(SessionView, Identity)>> {
    let state = crate::backend::app_state()?;
    match require_session_from(&state, &server_fn_parts()?).await {
        Ok(found) => Ok(Some(found)),
        Err(err) if err.status() == 401 => Ok(None),
        Err(err) => Err(err),
    }
}

/// [`require_identity_from`] inside a server function.
pub fn require_identity() -> AppResult<Identity> {
    require_identity_from(&server_fn_parts()?)
}

pub async fn require_session() -> AppResult<(SessionView, Identity)> {
    current_session()
        .await?
        .ok_or_else(AppError::unauthenticated)
}

/// The signed-in administrator of the running server function (403 `admin_required` otherwise).
pub async fn require_admin() -> AppResult<SessionView> {
    let (view, _) = require_session().await?;
    if view.user.is_admin {
        Ok(view)
    } else {
        Err(AppError::new(ErrorKind::AdminRequired))
    }
}

pub fn client_ip() -> AppResult<String> {
    Ok(request_auth(&server_fn_parts()?).client_ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: Option<&str>, must_verify_email: bool) -> SessionView {
        use crate::auth::model::{AccountView, UserView};
        SessionView {
            user: UserView {
                id: "u".into(),
                email: "a@b.co".into(),
                full_name: String::new(),
                is_admin: false,
                email_verified: !must_verify_email,
                role: crate::accounts::model::Role::Owner,
            },
            account: AccountView {
                id: "a".into(),
                name: "A".into(),
                slug: "a".into(),
                plan: None,
                subscription_status: status.map(|s| s.parse().expect("a subscription status")),
                modules: vec![],
                test_clock: None,
            },
            must_verify_email,
        }
    }

    #[test]
    fn tenant_endpoints_need_a_verified_email_and_an_active_plan() {
        let planless = require_active_plan(&view(None, false)).unwrap_err();
        assert_eq!((planless.code(), planless.status()), ("plan_required", 402));
        let pending = require_active_plan(&view(Some("pending_payment"), false)).unwrap_err();
        assert_eq!(pending.code(), "plan_required");
        let unverified = require_active_plan(&view(Some("active"), true)).unwrap_err();
        assert_eq!(
            (unverified.code(), unverified.status()),
            ("email_unverified", 403)
        );
        assert!(require_active_plan(&view(Some("active"), false)).is_ok());
        assert!(
            require_active_plan(&view(Some("past_due"), false)).is_ok(),
            "grace period keeps access"
        );
    }
}

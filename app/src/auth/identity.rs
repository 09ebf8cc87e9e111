//! Who is calling: one middleware reads the bearer token or the session cookies of every request
//! (pages, server functions, REST), refreshes an expired browser session transparently, refuses
//! cross-site cookie mutations (CSRF), and leaves a [`RequestAuth`] in the request extensions.
//! Server functions and REST extractors read it from there.

use super::model::SessionView;
use super::service;
use super::tokens::{self, AccessError, ACCESS_TTL, REFRESH_TTL};
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub const ACCESS_COOKIE: &str = "igny8_at";
pub const REFRESH_COOKIE: &str = "igny8_rt";

/// A proven session: the user and the refresh-token family the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub session_id: String,
}

#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub identity: Option<Identity>,
    /// A bearer token was presented but has expired (answers `token_expired`).
    pub expired: bool,
    pub client_ip: String,
}

pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| {
            let ip = state
                .settings
                .trusted_proxies
                .client_ip(addr.ip(), request.headers());
            ip.to_string()
        })
        .unwrap_or_else(|| "unknown".into());
    // The request's span (startup.rs) names the caller from here on.
    tracing::Span::current().record("client_ip", tracing::field::display(&client_ip));
    let headers = request.headers();
    let bearer = bearer_token(headers);
    let access_cookie = cookie(headers, ACCESS_COOKIE);
    let refresh_cookie = cookie(headers, REFRESH_COOKIE);

    if is_unsafe(request.method())
        && !same_origin(
            headers,
            bearer.is_none() && (access_cookie.is_some() || refresh_cookie.is_some()),
        )
    {
        return AppError::with_message(ErrorKind::Forbidden, "Cross-site request refused.")
            .into_response();
    }

    let now = state.clock.now();
    let secret = &state.settings.jwt_secret;
    let mut auth = RequestAuth {
        client_ip: client_ip.clone(),
        ..RequestAuth::default()
    };
    let mut set_cookies = Vec::new();
    if let Some(token) = bearer {
        match tokens::verify_access(secret, &token, now) {
            Ok(claims) => auth.identity = Some(identity_of(claims)),
            Err(AccessError::Expired) => auth.expired = true,
            Err(AccessError::Invalid) => {}
        }
    } else {
        let from_access = access_cookie.and_then(|t| tokens::verify_access(secret, &t, now).ok());
        if let Some(claims) = from_access {
            auth.identity = Some(identity_of(claims));
        } else if let Some(refresh) = refresh_cookie {
            // The browser's access token ran out: spend the refresh token for a new pair.
            match service::refresh(&state, &refresh, &client_ip).await {
                Ok(signed_in) => {
                    set_cookies = session_cookies(
                        &state,
                        &signed_in.tokens.access,
                        &signed_in.tokens.refresh,
                    );
                    auth.identity = Some(signed_in.identity);
                }
                Err(err) if err.code() == "throttled" => return err.into_response(),
                Err(_) => set_cookies = cleared_cookies(&state),
            }
        }
    }
    // Pages know their session before rendering starts, so the route guard decides
    // synchronously (the same value is handed to the browser for hydration).
    let is_page = request.method() == Method::GET && is_page_path(request.uri().path());
    if is_page {
        let session = match &auth.identity {
            Some(identity) => service::session_view(&state, identity).await,
            None => Ok(None),
        };
        request
            .extensions_mut()
            .insert(crate::auth::guard::PageSession(session));
    }
    request.extensions_mut().insert(auth);
    // Time limits, panics and failure logs are the tower-http layers' (server startup.rs).
    let mut response = next.run(request).await;
    for cookie in set_cookies {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

fn identity_of(claims: tokens::Claims) -> Identity {
    Identity {
        user_id: claims.sub,
        session_id: claims.sid,
    }
}

/// Paths the app renders as pages (not the API, not static files).
fn is_page_path(path: &str) -> bool {
    !["/api/", "/pkg/", "/healthz", "/readyz", "/favicon"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// An unsafe request is same-origin when its `Origin` (or, failing that, `Referer`) names the
/// host it was sent to. Without either, only requests that carry no session cookie pass: API
/// clients authenticate with a bearer token, which a cross-site page cannot attach.
fn same_origin(headers: &HeaderMap, cookie_authenticated: bool) -> bool {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let source = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|h| h.to_str().ok());
    match (source, host) {
        (Some(source), Some(host)) => origin_host(source) == Some(host),
        (Some(_), None) => false,
        (None, _) => !cookie_authenticated,
    }
}

/// `https://example.com:8443/path` → `example.com:8443`.
fn origin_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Cookies are `Secure` unless the app is served from this machine over plain HTTP.
fn secure_attribute(state: &AppState) -> &'static str {
    let url = &state.settings.public_url;
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|prefix| url.starts_with(prefix));
    if local {
        ""
    } else {
        "; Secure"
    }
}

fn cookie_header(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let header = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        secure_attribute(state)
    );
    HeaderValue::from_str(&header).expect("cookie values are hex and JWT characters")
}

pub fn session_cookies(state: &AppState, access: &str, refresh: &str) -> Vec<HeaderValue> {
    vec![
        cookie_header(state, ACCESS_COOKIE, access, ACCESS_TTL),
        cookie_header(state, REFRESH_COOKIE, refresh, REFRESH_TTL),
    ]
}

pub fn cleared_cookies(state: &AppState) -> Vec<HeaderValue> {
    vec![
        cookie_header(state, ACCESS_COOKIE, "", 0),
        cookie_header(state, REFRESH_COOKIE, "", 0),
    ]
}

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
    auth.identity.ok_or_else(|| {
        if auth.expired {
            AppError::new(ErrorKind::TokenExpired)
        } else {
            AppError::unauthenticated()
        }
    })
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

/// Sets (or clears) the session cookies on the response of the running server function.
pub fn set_response_cookies(cookies: Vec<HeaderValue>) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        for cookie in cookies {
            response.append_header(SET_COOKIE, cookie);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn view(status: Option<&str>, must_verify_email: bool) -> SessionView {
        use crate::auth::model::{AccountView, UserView};
        SessionView {
            user: UserView {
                id: "u".into(),
                email: "a@b.co".into(),
                full_name: String::new(),
                is_admin: false,
                email_verified: !must_verify_email,
                role: "owner".into(),
            },
            account: AccountView {
                id: "a".into(),
                name: "A".into(),
                slug: "a".into(),
                plan: None,
                subscription_status: status.map(String::from),
                modules: vec![],
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

    #[test]
    fn reads_cookies_by_name() {
        let h = headers(&[("cookie", "a=1; igny8_at=tok; b=2")]);
        assert_eq!(cookie(&h, ACCESS_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, REFRESH_COOKIE), None);
    }

    #[test]
    fn origin_rules() {
        let same = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(same_origin(&same, true));
        let cross = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!same_origin(&cross, true));
        assert!(
            !same_origin(&cross, false),
            "a cross-site login is refused too"
        );
        let referer = headers(&[
            ("host", "app.test"),
            ("referer", "https://app.test/account/profile"),
        ]);
        assert!(same_origin(&referer, true));
        let bare = headers(&[("host", "app.test")]);
        assert!(!same_origin(&bare, true), "cookie mutation without Origin");
        assert!(same_origin(&bare, false), "API clients without cookies");
    }
}

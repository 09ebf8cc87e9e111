//! Who is calling: one middleware reads the bearer token or the session cookies of every request
//! (pages, server functions, REST), refreshes an expired browser session transparently, refuses
//! cross-site cookie mutations (CSRF), and leaves a [`RequestAuth`] in the request extensions,
//! where the extractors of `identity.rs` read it.

use super::cookies::{cleared_cookies, cookie, session_cookies, ACCESS_COOKIE, REFRESH_COOKIE};
use super::service;
use super::tokens::{self, AccessError, Identity};
use crate::api_keys::service as api_keys;
use crate::backend::AppState;
use crate::common::{AppError, ErrorKind};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub identity: Option<Identity>,
    /// Why presented credentials were refused, when that says more than "please log in": an
    /// expired access token (`token_expired`), an API key that is revoked, expired or unknown.
    pub refused: Option<AppError>,
    pub client_ip: String,
}

pub async fn authenticate(
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
    if let Some(token) = bearer.as_deref().filter(|t| api_keys::is_api_key(t)) {
        // API keys are for the REST API only: pages and server functions are a person's.
        if request.uri().path().starts_with("/api/v1/") {
            match api_keys::authenticate(&state, token, now).await {
                Ok(Ok(identity)) => auth.identity = Some(identity),
                Ok(Err(refused)) => auth.refused = Some(refused),
                Err(err) => return AppError::from(err).into_response(),
            }
        }
    } else if let Some(token) = bearer {
        match tokens::verify_access(secret, &token, now) {
            Ok(claims) => auth.identity = Some(Identity::from(claims)),
            Err(AccessError::Expired) => {
                auth.refused = Some(AppError::new(ErrorKind::TokenExpired));
            }
            Err(AccessError::Invalid) => {}
        }
    } else {
        let from_access = access_cookie.and_then(|t| tokens::verify_access(secret, &t, now).ok());
        if let Some(claims) = from_access {
            auth.identity = Some(Identity::from(claims));
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
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

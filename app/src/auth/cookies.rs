//! The browser's session cookies: an access token (15 minutes) and a refresh token (30 days),
//! both `HttpOnly` and `SameSite=Lax`, `Secure` unless served from this machine over plain HTTP.

use super::tokens::{ACCESS_TTL, REFRESH_TTL};
use crate::backend::AppState;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

pub const ACCESS_COOKIE: &str = "igny8_at";
pub const REFRESH_COOKIE: &str = "igny8_rt";

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

    #[test]
    fn reads_cookies_by_name() {
        let mut h = HeaderMap::new();
        h.append("cookie", HeaderValue::from_static("a=1; igny8_at=tok; b=2"));
        assert_eq!(cookie(&h, ACCESS_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, REFRESH_COOKIE), None);
    }
}

//! The bodies of server-function requests, checked before server_fn decodes them.
//!
//! server_fn reads whatever body it is given as a URL-encoded form (the `#[server]` default,
//! which every server function here uses) and reports a body it cannot read — past the body
//! limit, not text — as a server fault, 500 `internal`. This layer answers those requests with
//! the 4xx a client can act on, in the body every server-function error has (an `AppError`):
//! 413 past the body limit, 415 for a body that declares another type, 422 for a body that is
//! not a form. Plain form posts (no JavaScript) are sent back to their page with the error, as
//! server_fn does with the errors of the functions themselves, and a success says so there too
//! ([`mark_success`]).

use crate::startup::MAX_BODY_BYTES;
use app::common::{AppError, ErrorKind};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, LOCATION, REFERER};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;
use leptos::server_fn::error::{FromServerFnError, ServerFnUrlError};
use std::collections::HashSet;
use std::sync::Arc;

const FORM: &str = "application/x-www-form-urlencoded";
/// See [`read_capped`].
const DRAINED_AT_MOST: usize = 16 * 1024 * 1024;

/// The paths of the registered server functions (`/api/auth/login`, …).
#[derive(Clone)]
pub struct ServerFnPaths(Arc<HashSet<&'static str>>);

impl ServerFnPaths {
    pub fn registered() -> ServerFnPaths {
        let paths = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path);
        ServerFnPaths(Arc::new(paths.collect()))
    }
}

pub async fn guard(State(paths): State<ServerFnPaths>, request: Request, next: Next) -> Response {
    let Some(path) = paths.0.get(request.uri().path()).copied() else {
        return next.run(request).await;
    };
    let headers = request.headers().clone();
    match read_form(request).await {
        Ok(request) => mark_success(path, &headers, next.run(request).await),
        Err(error) => refuse(path, &headers, error),
    }
}

/// A plain form post that succeeded is sent back to its page by server_fn with nothing saying
/// so; the address gets `__done=<path>`, which the page reads (`ui::forms::action_succeeded`) as
/// it reads a failure from `__err`. Redirects a function chose itself are left alone.
fn mark_success(path: &str, headers: &HeaderMap, mut response: Response) -> Response {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let plain_post = header(ACCEPT).is_some_and(|accept| accept.contains("text/html"));
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // server_fn's own redirect is the Referer again (with an empty query added); one a function
    // chose is the relative path it named.
    let back_to_page = |l: &String| {
        header(REFERER)
            .is_some_and(|referer| referer.trim_end_matches('?') == l.trim_end_matches('?'))
    };
    let Some(location) = location.filter(|l| plain_post && back_to_page(l)) else {
        return response;
    };
    if !response.status().is_redirection() || location.contains("__err=") {
        return response;
    }
    let (address, fragment) = match location.split_once('#') {
        Some((address, fragment)) => (address, format!("#{fragment}")),
        None => (location.as_str(), String::new()),
    };
    let address = address.trim_end_matches('?');
    let separator = if address.contains('?') { '&' } else { '?' };
    let marked = format!(
        "{address}{separator}__done={}{fragment}",
        path.replace('/', "%2F")
    );
    if let Ok(value) = marked.parse() {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The request again, its body read and known to be a form.
async fn read_form(request: Request) -> Result<Request, AppError> {
    let declared = request
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or_default());
    // No declared type is read as a form, as server_fn does (a post with an empty body).
    if let Some(declared) = declared {
        let essence = declared.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case(FORM) {
            return Err(AppError::with_message(
                ErrorKind::UnsupportedMediaType,
                format!("Send the request as a form ({FORM})."),
            ));
        }
    }
    let (parts, body) = request.into_parts();
    let bytes = read_capped(body).await?;
    if !is_form(&bytes) {
        return Err(AppError::invalid(
            "form",
            "The request body is not a URL-encoded form.",
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The body, at most [`MAX_BODY_BYTES`]. A larger one is still read (and dropped) up to
/// [`DRAINED_AT_MOST`], so that the client gets the 413 rather than a connection closed while it
/// is still sending; past that the connection is closed.
async fn read_capped(body: Body) -> Result<Bytes, AppError> {
    let mut chunks = body.into_data_stream();
    let (mut kept, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| AppError::invalid("form", "The request body broke off."))?;
        seen += chunk.len();
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAINED_AT_MOST {
            break;
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(AppError::new(ErrorKind::PayloadTooLarge));
    }
    Ok(kept.into())
}

/// A URL-encoded form: `name=value` pairs joined by `&`, where every `%` starts a two-digit
/// hex escape and each name and value decodes to UTF-8 text.
fn is_form(body: &[u8]) -> bool {
    body.split(|&b| b == b'&' || b == b'=')
        .all(|part| percent_decoded(part).is_some_and(|text| String::from_utf8(text).is_ok()))
}

fn percent_decoded(part: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(part.len());
    let mut bytes = part.iter().copied();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'%' => hex(bytes.next()?)? << 4 | hex(bytes.next()?)?,
            b'+' => b' ',
            other => other,
        });
    }
    Some(out)
}

fn refuse(path: &str, headers: &HeaderMap, error: AppError) -> Response {
    let from_page = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let back = headers.get(REFERER).and_then(|v| v.to_str().ok());
    if let (true, Some(back)) = (from_page, back) {
        if let Ok(url) = ServerFnUrlError::new(path, error.clone()).to_url(back) {
            return Redirect::to(url.as_str()).into_response();
        }
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        FromServerFnError::ser(&error),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_told_from_other_bodies() {
        for form in [
            "".as_bytes(),
            b"email=a%40b.example&password=x+y",
            b"query[q]=caf%C3%A9&page=1",
            "name=café".as_bytes(),
            b"a=&=b&&",
        ] {
            assert!(is_form(form), "{}", String::from_utf8_lossy(form));
        }
        for garbage in [
            b"\xff\xfe=1".as_slice(),
            b"a=%zz",
            b"a=%4",
            b"a=%FF",
            b"\xa1\x61a\x01",
        ] {
            assert!(!is_form(garbage), "{garbage:?}");
        }
    }
}

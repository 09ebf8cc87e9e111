//! Forms posted before the WASM loads (or with JavaScript off). Such a post is a plain HTML form
//! submission: leptos_axum answers it with a redirect back to the page it came from, which
//! shows an error (`__err` in the address) but nothing of a success. A server function calls
//! [`show_outcome_at`] to send such a post to a page whose address says what happened (a flash
//! message in the query, e.g. `/writer?task=…`); a call from the hydrated page is left alone,
//! since that page shows the outcome itself.

use axum::http::{header::ACCEPT, request::Parts};

/// True when the current server-function request is a plain form post (it accepts HTML, as a
/// browser navigating does; the hydrated page's calls ask for the function's encoding).
pub fn posted_without_js() -> bool {
    leptos::prelude::use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Sends a plain form post on to `path` (whose query names the outcome); nothing for a call
/// from the hydrated page.
pub fn show_outcome_at(path: &str) {
    if posted_without_js() {
        leptos_axum::redirect(path);
    }
}

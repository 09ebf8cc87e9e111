//! How browsers get the site's files, and how every response is compressed.
//!
//! A release build (`cargo leptos build --release --precompress`, see `scripts/run`) writes
//! `/pkg` with content-hashed names (`hash-files` in Cargo.toml) and a `.br` and `.gz` beside
//! each file; leptos_axum's file handler sends the variant the browser accepts with
//! `Content-Encoding`. What is ours is the caching policy: a hashed name never changes content,
//! so the browser may keep it for a year without asking again; anything else under `/pkg` (an
//! unhashed development build) is revalidated on every use. Responses that are not files —
//! HTML pages, JSON, server functions — are compressed on the fly.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// A year, the longest lifetime caches honour.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Use the copy only after asking the server whether it changed (it answers 304 if not).
pub const REVALIDATE: &str = "no-cache";

/// Which responses are site files and whether their names carry a content hash.
#[derive(Clone)]
pub struct AssetCaching {
    /// `/pkg/`: the build's output (WASM, JS, CSS and the lazy chunks).
    pkg_prefix: Arc<str>,
    hashed_names: bool,
}

impl AssetCaching {
    pub fn new(site_pkg_dir: &str, hashed_names: bool) -> Self {
        AssetCaching {
            pkg_prefix: format!("/{}/", site_pkg_dir.trim_matches('/')).into(),
            hashed_names,
        }
    }

    fn policy_for(&self, path: &str) -> Option<&'static str> {
        if !path.starts_with(&*self.pkg_prefix) {
            return None;
        }
        Some(if self.hashed_names {
            IMMUTABLE
        } else {
            REVALIDATE
        })
    }
}

/// Sets `Cache-Control` on files served from `/pkg`, and `Vary: Accept-Encoding` because the
/// same name answers brotli, gzip or identity depending on what the browser accepts.
pub async fn cache_policy(
    State(caching): State<AssetCaching>,
    request: Request,
    next: Next,
) -> Response {
    let policy = caching.policy_for(request.uri().path());
    let mut response = next.run(request).await;
    let served_a_file = matches!(
        response.status(),
        StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT
    );
    if let (Some(policy), true) = (policy, served_a_file) {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        if !headers.contains_key(VARY) {
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
    response
}

/// Brotli or gzip, whichever the client prefers, for every response worth it. tower-http's
/// default predicate leaves alone what is small, already encoded (the precompressed files),
/// images, and the live balance stream (`text/event-stream` must reach the browser event by
/// event). Level 4: most of brotli's gain at a fraction of its top level's cost per request.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_pkg_files_are_immutable_and_the_rest_is_not_touched() {
        let caching = AssetCaching::new("pkg", true);
        assert_eq!(
            caching.policy_for("/pkg/igny8.abc123.wasm"),
            Some(IMMUTABLE)
        );
        assert_eq!(caching.policy_for("/pkg/app.css"), Some(IMMUTABLE));
        assert_eq!(caching.policy_for("/pkgs/x.js"), None);
        assert_eq!(caching.policy_for("/dashboard"), None);
        assert_eq!(caching.policy_for("/favicon.svg"), None);
    }

    #[test]
    fn unhashed_pkg_files_are_revalidated() {
        let caching = AssetCaching::new("/pkg/", false);
        assert_eq!(caching.policy_for("/pkg/igny8.wasm"), Some(REVALIDATE));
    }
}

//! What an API key may call: a route layer of the v1 router that checks a key's scopes against
//! the endpoint the router matched (`endpoints.rs`), before the handler runs, so a refused
//! request changes nothing. People's sessions pass untouched (their role is the handlers' rule).
//!
//! A plain tower layer rather than `middleware::from_fn`: it wraps every route, so every request
//! of the API passes it, and a check that needs no waiting should cost no boxed future.

use super::endpoints::{self, Access};
use app::auth::middleware::RequestAuth;
use app::common::{AppError, ErrorKind};
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use futures_util::future::{self, Either, Ready};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Refuses API keys outside their scopes; see the module's documentation.
#[derive(Clone, Copy, Default)]
pub struct EnforceScopes;

impl<S> Layer<S> for EnforceScopes {
    type Service = ScopeCheck<S>;

    fn layer(&self, inner: S) -> ScopeCheck<S> {
        ScopeCheck { inner }
    }
}

#[derive(Clone)]
pub struct ScopeCheck<S> {
    inner: S,
}

impl<S> Service<Request> for ScopeCheck<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match refusal(&request) {
            Some(error) => Either::Left(future::ready(Ok(error.into_response()))),
            None => Either::Right(self.inner.call(request)),
        }
    }
}

/// Why an API key may not call the matched endpoint; `None` for keys within their scopes and for
/// everything that is not a key.
fn refusal(request: &Request) -> Option<AppError> {
    let scopes = request
        .extensions()
        .get::<RequestAuth>()?
        .identity
        .as_ref()?
        .key_scopes?;
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let message = match endpoints::find(request.method().as_str(), matched).map(|e| e.access) {
        Some(Access::Public) => return None,
        Some(Access::User(scope)) if scopes.contains(scope) => return None,
        Some(Access::User(scope)) => {
            format!("This API key lacks the `{scope}` scope this endpoint needs.")
        }
        Some(Access::Admin) => "Admin endpoints do not accept API keys.".to_string(),
        // People's own business (and anything not in the table): never a key's.
        Some(Access::Person) | None => {
            "This endpoint is for signed-in people, not API keys.".to_string()
        }
    };
    Some(AppError::with_message(
        ErrorKind::InsufficientScope,
        message,
    ))
}

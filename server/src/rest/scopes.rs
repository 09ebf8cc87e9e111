//! What an API key may call: a route layer of the v1 router that checks a key's scopes against
//! the endpoint the router matched (`endpoints.rs`), before the handler runs, so a refused
//! request changes nothing. People's sessions pass untouched (their role is the handlers' rule).

use super::endpoints::{self, Access};
use app::auth::middleware::RequestAuth;
use app::common::{AppError, ErrorKind};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn enforce(request: Request, next: Next) -> Response {
    let key_scopes = request
        .extensions()
        .get::<RequestAuth>()
        .and_then(|auth| auth.identity.as_ref())
        .and_then(|identity| identity.key_scopes);
    if let Some(scopes) = key_scopes {
        let matched = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("", MatchedPath::as_str);
        let access = endpoints::find(request.method().as_str(), matched).map(|e| e.access);
        let refusal = match access {
            Some(Access::Public) => None,
            Some(Access::User(scope)) if scopes.contains(scope) => None,
            Some(Access::User(scope)) => Some(format!(
                "This API key lacks the `{scope}` scope this endpoint needs."
            )),
            Some(Access::Admin) => Some("Admin endpoints do not accept API keys.".to_string()),
            // People's own business (and anything not in the table): never a key's.
            Some(Access::Person) | None => {
                Some("This endpoint is for signed-in people, not API keys.".to_string())
            }
        };
        if let Some(message) = refusal {
            return AppError::with_message(ErrorKind::InsufficientScope, message).into_response();
        }
    }
    next.run(request).await
}

//! The request plumbing that `startup.rs` stacks around the router, taken from tower-http and
//! tower: a request id on every request, response and log line, a span per request, panics
//! answered as 500 in the API's error shape, and a time limit.
//!
//! What is ours here is only policy: which request ids we accept, what a span may show (never
//! query strings or headers, which carry tokens), what the answers say, and which requests the
//! time limit spares.

use app::common::{AppError, ErrorKind};
use axum::extract::Request;
use axum::http::{HeaderName, Method};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use std::any::Any;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::{BoxError, Layer, Service, ServiceExt};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id we keep from a client or a proxy in front of us.
const MAX_REQUEST_ID_LEN: usize = 64;

/// A request id that came with the request is kept when it is one short, plain token, so a load
/// balancer's or a client's id can be followed through our logs; anything else is dropped (and
/// replaced by a generated one), so a caller cannot write arbitrary text into every log line.
pub async fn drop_malformed_request_id(mut request: Request) -> Request {
    let ids = request.headers().get_all(&REQUEST_ID);
    let mut values = ids.iter();
    let keep = match (values.next(), values.next()) {
        (Some(id), None) => well_formed(id.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !keep {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

fn well_formed(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The span of one request: its id, method and path (no query string: reset and invite tokens
/// travel there). The identity middleware fills in `client_ip` once it knows it.
pub fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        client_ip = tracing::field::Empty,
    )
}

/// A handler that panicked: 500 `internal` in the error shape; the cause goes to the log only.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let cause = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(%cause, "request panicked");
    AppError::new(ErrorKind::Internal).into_response()
}

/// What a request that ran out of time answers: 503 `unavailable` (retry later).
pub async fn timed_out(err: BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        tracing::warn!("request timed out");
        AppError::with_message(
            ErrorKind::Unavailable,
            "The server took too long to answer. Please try again in a moment.",
        )
        .into_response()
    } else {
        AppError::internal(err).into_response()
    }
}

/// Requests the time limit spares: the live balance stream (open for as long as the page is),
/// and the Writer's runs, which wait for the AI provider under its own 120 s limit; cutting one
/// off would leave its credit hold in place until the hold expires.
pub fn outlasts_time_limit(request: &Request) -> bool {
    let path = request.uri().path().trim_end_matches('/');
    path == "/api/v1/billing/transactions/balance/stream"
        || (request.method() == Method::POST && path == "/api/v1/writer/tasks")
        || path.starts_with("/api/writer/run")
}

/// Applies `layer` to every request but those `skip` selects, which reach the service as they
/// are.
#[derive(Clone)]
pub struct Except<L> {
    layer: L,
    skip: fn(&Request) -> bool,
}

impl<L> Except<L> {
    pub fn new(layer: L, skip: fn(&Request) -> bool) -> Except<L> {
        Except { layer, skip }
    }
}

impl<L: Layer<S>, S: Clone> Layer<S> for Except<L> {
    type Service = ExceptService<L::Service, S>;

    fn layer(&self, inner: S) -> Self::Service {
        ExceptService {
            layered: self.layer.layer(inner.clone()),
            plain: inner,
            skip: self.skip,
        }
    }
}

#[derive(Clone)]
pub struct ExceptService<W, S> {
    layered: W,
    plain: S,
    skip: fn(&Request) -> bool,
}

impl<W, S> Service<Request> for ExceptService<W, S>
where
    W: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    W::Future: Send + 'static,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    /// Each call waits for its own clone to be ready (as axum's routes do).
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if (self.skip)(&request) {
            Box::pin(self.plain.clone().oneshot(request))
        } else {
            Box::pin(self.layered.clone().oneshot(request))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    fn request(method: Method, uri: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(REQUEST_ID, "req-123")
            .header("authorization", "Bearer secret-token")
            .body(Body::empty())
            .unwrap()
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Every line logged inside a request names its id, method and path, and nothing of the
    /// query string or the headers.
    #[test]
    fn log_lines_inside_a_request_carry_its_id() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let request = request(Method::GET, "/reset-password?token=very-secret");
            let span = request_span(&request);
            let _entered = span.enter();
            span.record("client_ip", tracing::field::display("203.0.113.9"));
            tracing::warn!("something worth knowing");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("something worth knowing"), "{text}");
        for part in [
            "id=req-123",
            "method=GET",
            "path=/reset-password",
            "client_ip=203.0.113.9",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(!text.contains("very-secret"), "{text}");
        assert!(!text.contains("secret-token"), "{text}");
    }

    #[tokio::test]
    async fn only_plain_short_request_ids_are_kept() {
        for (id, kept) in [
            ("req-123", true),
            ("01J9Z3K4W6.a_b:c", true),
            ("has space", false),
            ("quote\"d", false),
            (&"x".repeat(65), false),
            ("", false),
        ] {
            let mut req = request(Method::GET, "/");
            req.headers_mut().insert(REQUEST_ID, id.parse().unwrap());
            let req = drop_malformed_request_id(req).await;
            assert_eq!(req.headers().contains_key(&REQUEST_ID), kept, "{id:?}");
        }
        let mut twice = request(Method::GET, "/");
        twice
            .headers_mut()
            .append(REQUEST_ID, "other".parse().unwrap());
        let twice = drop_malformed_request_id(twice).await;
        assert!(!twice.headers().contains_key(&REQUEST_ID));
    }

    #[test]
    fn the_stream_and_writer_runs_outlast_the_time_limit() {
        let cases = [
            (
                Method::GET,
                "/api/v1/billing/transactions/balance/stream/",
                true,
            ),
            (
                Method::GET,
                "/api/v1/billing/transactions/balance/stream",
                true,
            ),
            (Method::POST, "/api/v1/writer/tasks/", true),
            (Method::POST, "/api/writer/run", true),
            (Method::GET, "/api/v1/billing/transactions/balance/", false),
            (Method::GET, "/api/v1/writer/tasks/t_1/", false),
            (Method::POST, "/api/v1/planner/tasks/", false),
            (Method::GET, "/account/billing", false),
        ];
        for (method, path, spared) in cases {
            assert_eq!(
                outlasts_time_limit(&request(method, path)),
                spared,
                "{path}"
            );
        }
    }
}

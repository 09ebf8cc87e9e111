//! The one error type of the application.
//!
//! It travels unchanged from the services through REST handlers (as
//! `{"error": {"code", "message", ...details}}`, see docs/api.md) and through server functions to the
//! browser, where the UI matches on [`ErrorKind`] rather than on strings. Server faults carry no
//! internals: the cause is logged where the error is made and the client only sees `internal`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What went wrong, with the details a client needs to act on it. The serde tag is the stable
/// machine code of docs/api.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed or invalid input; `fields` maps a field name to what is wrong with it.
    ValidationFailed {
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, String>,
    },
    Unauthenticated,
    TokenExpired,
    PlanRequired,
    InsufficientCredits {
        required: i64,
        available: i64,
        purchase_url: String,
        upgrade_url: String,
    },
    /// The payment processor refused the card.
    CardDeclined,
    /// The card has too little money for the charge.
    InsufficientFunds,
    ModuleNotInPlan {
        module: String,
        upgrade_url: String,
    },
    PlanLimitReached {
        limit_key: String,
        limit: i64,
        used: i64,
        upgrade_url: String,
    },
    AdminRequired,
    /// An API key without the scope the endpoint needs (or at an endpoint no key may call).
    InsufficientScope,
    EmailUnverified,
    /// Authenticated but not allowed for another reason (e.g. a member managing billing).
    Forbidden,
    NotFound,
    EmailTaken,
    AlreadySubscribed,
    IdempotencyConflict,
    /// Any other state conflict.
    Conflict,
    PayloadTooLarge,
    /// The body is of a type this endpoint does not read.
    UnsupportedMediaType,
    Throttled {
        retry_after_seconds: u64,
    },
    /// The server could not be reached or a dependency (the database) is down.
    Unavailable,
    Internal,
}

impl ErrorKind {
    /// The HTTP status that says what kind of error this is.
    pub fn status(&self) -> u16 {
        match self {
            ErrorKind::ValidationFailed { .. } => 422,
            ErrorKind::Unauthenticated | ErrorKind::TokenExpired => 401,
            ErrorKind::PlanRequired
            | ErrorKind::InsufficientCredits { .. }
            | ErrorKind::CardDeclined
            | ErrorKind::InsufficientFunds => 402,
            ErrorKind::ModuleNotInPlan { .. }
            | ErrorKind::PlanLimitReached { .. }
            | ErrorKind::AdminRequired
            | ErrorKind::InsufficientScope
            | ErrorKind::EmailUnverified
            | ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::EmailTaken
            | ErrorKind::AlreadySubscribed
            | ErrorKind::IdempotencyConflict
            | ErrorKind::Conflict => 409,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Throttled { .. } => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }

    /// The stable machine code, as serialized.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::ValidationFailed { .. } => "validation_failed",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::TokenExpired => "token_expired",
            ErrorKind::PlanRequired => "plan_required",
            ErrorKind::InsufficientCredits { .. } => "insufficient_credits",
            ErrorKind::CardDeclined => "card_declined",
            ErrorKind::InsufficientFunds => "insufficient_funds",
            ErrorKind::ModuleNotInPlan { .. } => "module_not_in_plan",
            ErrorKind::PlanLimitReached { .. } => "plan_limit_reached",
            ErrorKind::AdminRequired => "admin_required",
            ErrorKind::InsufficientScope => "insufficient_scope",
            ErrorKind::EmailUnverified => "email_unverified",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::EmailTaken => "email_taken",
            ErrorKind::AlreadySubscribed => "already_subscribed",
            ErrorKind::IdempotencyConflict => "idempotency_conflict",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::Throttled { .. } => "throttled",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }

    /// The message shown when the code needs no further words.
    fn default_message(&self) -> &'static str {
        match self {
            ErrorKind::ValidationFailed { .. } => "Some fields are invalid.",
            ErrorKind::Unauthenticated => "Please log in.",
            ErrorKind::TokenExpired => "Your session has expired. Please log in again.",
            ErrorKind::PlanRequired => "Choose a plan to continue.",
            ErrorKind::InsufficientCredits { .. } => "Not enough credits for this task.",
            ErrorKind::CardDeclined => "The card was declined. Try another card or payment method.",
            ErrorKind::InsufficientFunds => {
                "The card has insufficient funds. Try another card or payment method."
            }
            ErrorKind::ModuleNotInPlan { .. } => "Your plan does not include this module.",
            ErrorKind::PlanLimitReached { .. } => "You have reached a limit of your plan.",
            ErrorKind::AdminRequired => "This area is for administrators.",
            ErrorKind::InsufficientScope => "This API key does not have the scope for this.",
            ErrorKind::EmailUnverified => "Please verify your email address first.",
            ErrorKind::Forbidden => "You are not allowed to do this.",
            ErrorKind::NotFound => "Not found.",
            ErrorKind::EmailTaken => "An account with this email already exists.",
            ErrorKind::AlreadySubscribed => "This account already has a subscription.",
            ErrorKind::IdempotencyConflict => {
                "This idempotency key was already used with a different request."
            }
            ErrorKind::Conflict => "The request conflicts with the current state.",
            ErrorKind::PayloadTooLarge => "The request is too large.",
            ErrorKind::UnsupportedMediaType => "The request body is of a type this does not read.",
            ErrorKind::Throttled { .. } => "Too many requests. Please wait and try again.",
            ErrorKind::Unavailable => "The service is unavailable. Please try again.",
            ErrorKind::Internal => "Something went wrong on our side. Please try again.",
        }
    }
}

/// An error with its kind and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppError {
    #[serde(flatten)]
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind) -> Self {
        let message = kind.default_message().to_string();
        AppError { kind, message }
    }

    pub fn with_message(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
        }
    }

    /// A server fault. The cause is logged here and never sent to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        #[cfg(feature = "ssr")]
        tracing::error!(cause = %cause, "internal error");
        #[cfg(not(feature = "ssr"))]
        let _ = cause;
        AppError::new(ErrorKind::Internal)
    }

    /// One invalid field.
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        AppError::invalid_fields([(field.to_string(), problem.into())].into())
    }

    /// Input that does not parse as a whole (a body, a query string), with no one field to name.
    pub fn malformed(problem: impl Into<String>) -> Self {
        AppError::with_message(
            ErrorKind::ValidationFailed {
                fields: BTreeMap::new(),
            },
            problem,
        )
    }

    pub fn invalid_fields(fields: BTreeMap<String, String>) -> Self {
        AppError::new(ErrorKind::ValidationFailed { fields })
    }

    /// The error a bare code names (a redirect's query string carries only the code), with its
    /// default message; a code that is unknown or needs details reads as a server fault.
    pub fn from_code(code: &str) -> Self {
        serde_json::from_value(serde_json::json!({ "code": code }))
            .map(AppError::new)
            .unwrap_or_else(|_| AppError::new(ErrorKind::Internal))
    }

    pub fn not_found() -> Self {
        AppError::new(ErrorKind::NotFound)
    }

    pub fn unauthenticated() -> Self {
        AppError::new(ErrorKind::Unauthenticated)
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The invalid-field messages, if this is a validation error.
    pub fn field_errors(&self) -> Option<&BTreeMap<String, String>> {
        match &self.kind {
            ErrorKind::ValidationFailed { fields } => Some(fields),
            _ => None,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for AppError {}

impl From<ErrorKind> for AppError {
    fn from(kind: ErrorKind) -> Self {
        AppError::new(kind)
    }
}

/// The body of every error response of the REST API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: AppError,
}

/// Server functions carry `AppError` as their error type, so the UI gets the same codes as API
/// clients. Transport failures become `unavailable` (the request never reached us) or `internal`.
impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => AppError::new(ErrorKind::Unavailable),
            E::Args(problem) | E::MissingArg(problem) => AppError::malformed(problem),
            other => AppError::internal(other),
        }
    }

    /// Serializes the error of a server function and gives the response the error's own HTTP
    /// status (402, 403, 404, 422, 503, …) instead of server_fn's blanket 500, so browsers and
    /// logs read it for what it is. Plain form posts keep their redirect back to the form.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        server::set_server_fn_status(self);
        <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(self).unwrap_or_else(|_| {
            leptos::server_fn::Bytes::from_static(
                br#"{"code":"internal","message":"Something went wrong on our side."}"#,
            )
        })
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    pub(super) fn set_server_fn_status(error: &AppError) {
        use leptos::prelude::use_context;
        let from_script = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            !parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        });
        if let (true, Some(response)) = (from_script, use_context::<leptos_axum::ResponseOptions>())
        {
            if let Ok(status) = StatusCode::from_u16(error.status()) {
                response.set_status(status);
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let retry_after = match &self.kind {
                ErrorKind::Throttled {
                    retry_after_seconds,
                } => Some(*retry_after_seconds),
                _ => None,
            };
            let mut response = (status, axum::Json(ErrorBody { error: self })).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match err {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    tracing::error!(cause = %err, "database unavailable");
                    AppError::new(ErrorKind::Unavailable)
                }
                other => AppError::internal(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_code_names_its_error_and_unknown_ones_read_as_faults() {
        assert_eq!(AppError::from_code("not_found").kind, ErrorKind::NotFound);
        assert_eq!(
            AppError::from_code("validation_failed").kind,
            ErrorKind::ValidationFailed {
                fields: Default::default()
            }
        );
        assert_eq!(AppError::from_code("<script>").kind, ErrorKind::Internal);
        // Codes whose details a query string cannot carry.
        assert_eq!(
            AppError::from_code("plan_limit_reached").kind,
            ErrorKind::Internal
        );
    }

    #[test]
    fn serializes_code_details_and_message_flat() {
        let err = AppError::new(ErrorKind::PlanLimitReached {
            limit_key: "sites".into(),
            limit: 3,
            used: 3,
            upgrade_url: "/account/plans".into(),
        });
        let json = serde_json::to_value(ErrorBody { error: err.clone() }).unwrap();
        assert_eq!(json["error"]["code"], "plan_limit_reached");
        assert_eq!(json["error"]["limit"], 3);
        assert_eq!(json["error"]["limit_key"], "sites");
        assert_eq!(json["error"]["message"], err.message);
        let back: ErrorBody = serde_json::from_value(json).unwrap();
        assert_eq!(back.error, err);
    }

    #[test]
    fn unit_codes_round_trip() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::Internal,
            ErrorKind::AdminRequired,
        ] {
            let json = serde_json::to_string(&AppError::new(kind.clone())).unwrap();
            assert!(json.contains(&format!("\"code\":\"{}\"", kind.code())));
            let back: AppError = serde_json::from_str(&json).unwrap();
            assert_eq!(back.kind, kind);
        }
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(AppError::invalid("email", "bad").status(), 422);
        assert_eq!(AppError::unauthenticated().status(), 401);
        assert_eq!(AppError::new(ErrorKind::PlanRequired).status(), 402);
        assert_eq!(AppError::new(ErrorKind::AdminRequired).status(), 403);
        assert_eq!(AppError::not_found().status(), 404);
        assert_eq!(AppError::new(ErrorKind::EmailTaken).status(), 409);
        assert_eq!(
            AppError::new(ErrorKind::Throttled {
                retry_after_seconds: 5
            })
            .status(),
            429
        );
        assert_eq!(AppError::internal("db exploded").status(), 500);
    }

    #[test]
    fn internal_errors_never_carry_the_cause() {
        let err = AppError::internal("password=hunter2 at db.rs:12");
        let json = serde_json::to_string(&err).unwrap();
        assert!(!json.contains("hunter2"));
        assert_eq!(err.code(), "internal");
    }
}

//! The application state every handler and server function reaches: the pool, the clock and the
//! settings read from the environment at start-up.

use super::clock::Clock;
use super::db::Db;
use super::secret::Secret;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Development generates what is missing (a JWT secret, an admin password); production
/// requires it to be configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Development,
    Production,
}

/// Settings the services need, already validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: RunMode,
    pub jwt_secret: Secret,
    /// The address users reach the app at, for links in emails (no trailing slash).
    pub public_url: String,
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub require_email_verification: bool,
    pub auth_limits: crate::auth::throttle::AuthLimits,
    /// Where older versions kept uploaded bank-transfer receipts (outside the web root); still
    /// read for their payments. New receipts are in the database (`payments::receipts`).
    pub receipts_dir: std::path::PathBuf,
    /// `FAULT_INJECTION=true` (never in production): tests may make parts fail on purpose.
    pub fault_injection: bool,
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the caller (none by default).
    pub trusted_proxies: crate::auth::client_ip::TrustedProxies,
    /// Where outgoing webhooks may go and how long an attempt may take.
    pub webhooks: crate::webhooks::delivery::WebhookSettings,
    /// The seller printed on invoices and the bank account for transfers (`SELLER_*`, `BANK_*`).
    pub seller: crate::invoices::parties::SellerSettings,
}

/// What every request shares, behind one `Arc`: extractors, middleware and server functions
/// clone the state on every request, so a clone is one reference count, not one per field.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

#[derive(Debug)]
pub struct Services {
    pub db: Db,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub gateway: Arc<dyn crate::payments::gateway::PaymentGateway>,
    pub ai: Arc<dyn crate::modules::ai::AiProvider>,
    pub credit_events: crate::credits::live::CreditEvents,
    /// The SMTP transport when `SMTP_URL` is set; without it mail stays in the outbox.
    pub mailer: Option<super::mail::Mailer>,
    pub faults: Arc<Faults>,
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function (provided as context by the server).
pub fn app_state() -> Result<AppState, crate::common::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::common::AppError::internal("AppState missing from context"))
}

/// Failures tests can switch on when `FAULT_INJECTION` is set (to see the UI handle them).
#[derive(Debug, Default)]
pub struct Faults {
    pub balance: std::sync::atomic::AtomicBool,
    /// A named point where the next request passing it dies, as if the process were killed
    /// there: what was committed stays, the rest of the request never runs. Tests arm it.
    pub crash_at: std::sync::Mutex<Option<&'static str>>,
}

impl Faults {
    /// Dies here (a panic that ends the request) when a test armed this point; once.
    pub fn crash_point(&self, name: &'static str) {
        let mut armed = self
            .crash_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *armed == Some(name) {
            *armed = None;
            drop(armed);
            panic!("injected crash at {name}");
        }
    }

    /// Arms `name` for the next request that passes it.
    pub fn arm_crash(&self, name: &'static str) {
        *self
            .crash_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(name);
    }
}

//! Builds the application from a configuration: pool, migrations, seed data, router, listener.
//! `Application::build` binds the configured address — port 0 in tests — so every integration
//! test runs a real server.

use crate::config::{AdminSource, Config, ADMIN_LOGIN_FILE};
use crate::server_fns::{self, ServerFnPaths};
use crate::{assets, layers, rest};
use app::auth::middleware;
use app::auth::password::Password;
use app::backend::db::Engine;
use app::backend::mail::Mailer;
use app::backend::seed::{self, AdminSeed};
use app::backend::{AppState, Clock, Db, RunMode};
use app::credits::live::CreditEvents;
use app::credits::live_relay;
use app::payments::gateway::SandboxGateway;
use app::{shell, App};
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tokio::net::TcpListener;

/// How often each instance looks for webhooks and emails that are due: they go out about this
/// long after the change that caused them commits.
const DELIVERY_POLL: std::time::Duration = std::time::Duration::from_secs(1);
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Requests larger than this are refused before they are read (uploads get their own cap).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot seed the admin: {0}")]
    Seed(app::common::AppError),
    #[error("cannot set up email: {0}")]
    Mail(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        Application::build_with_clock(config, Clock::system()).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Clock,
    ) -> Result<Application, StartupError> {
        announce_mode(&config);
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        seed::seed_catalog(&db, clock.now()).await?;
        if let Some(bank) = &config.settings.seller.bank {
            app::invoices::store::fill_missing_bank_details(&db, bank).await?;
        }
        if config.settings.mode == app::backend::RunMode::Production
            && config.settings.seller.bank.is_none()
        {
            tracing::warn!("no BANK_IBAN or BANK_ACCOUNT_NUMBER: bank-transfer payers are told to ask the seller's email for the details");
        }
        if let Some(admin) = &config.admin {
            seed_and_announce_admin(&db, &clock, &config, admin).await?;
        }

        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|source| StartupError::Listen {
                addr: config.site_addr,
                source,
            })?;
        let mut leptos_options = config.leptos_options.clone();
        leptos_options.site_addr =
            listener
                .local_addr()
                .map_err(|source| StartupError::Listen {
                    addr: config.site_addr,
                    source,
                })?;

        let gateway = Arc::new(SandboxGateway::new(db.clone(), clock.clone()));
        let ai: Arc<dyn app::modules::ai::AiProvider> = match &config.ai {
            Some(ai) => Arc::new(app::modules::ai::OpenAiCompatible::new(
                &ai.base_url,
                ai.api_key.clone(),
                &ai.model,
            )),
            None => Arc::new(app::modules::ai::OfflineTemplates),
        };
        let mailer = match &config.settings.smtp_url {
            Some(url) => Some(
                Mailer::new(url.expose(), &config.settings.mail_from)
                    .map_err(StartupError::Mail)?,
            ),
            None => None,
        };
        // Several instances share a PostgreSQL database: balance changes reach every instance's
        // streams through LISTEN/NOTIFY. SQLite serves one instance.
        let credit_events = match db.engine() {
            Engine::Postgres => live_relay::start(&db, &config.database_url).await?,
            Engine::Sqlite => CreditEvents::in_process(),
        };
        let state = AppState::new(app::backend::state::Services {
            db,
            clock,
            gateway,
            ai,
            credit_events,
            mailer,
            faults: Default::default(),
            settings: Arc::new(config.settings.clone()),
            leptos_options,
        });
        let router = build_router(state.clone(), config.request_timeout);
        if config.run_scheduler {
            app::backend::scheduler::spawn(state.clone(), config.scheduler_interval);
            app::backend::scheduler::spawn_deliveries(state.clone(), DELIVERY_POLL);
        }
        Ok(Application {
            listener,
            router,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.state.leptos_options.site_addr.port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(
            "listening on http://{}",
            self.state.leptos_options.site_addr
        );
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        // Closing the pool lets SQLite checkpoint its write-ahead log into the database file,
        // so the next start does not begin by recovering it.
        self.state.db.close().await;
        served
    }
}

/// The routes inside the layer stack. Listed outermost first (each `.layer` below wraps what is
/// above it, so they are applied in the reverse order):
/// 1. a malformed client request id is dropped, then `x-request-id` is set (a UUID when absent);
/// 2. a trace span per request carrying that id, the method and the path — every log line
///    written while serving the request names them;
/// 3. the id is copied onto the response;
/// 4. the body limit; the identity middleware (ours: who calls, CSRF, session refresh);
/// 5. a panic in a handler answers 500 `internal` (cause logged) — inside the identity
///    middleware, so a refreshed session's cookies still reach the browser;
/// 6. the time limit (503 `unavailable`), sparing the live stream and the Writer's runs;
/// 7. compression of what is not precompressed, and the cache policy of the site's files
///    (`assets.rs`), innermost: their headers are set before anything above looks.
fn build_router(state: AppState, request_timeout: std::time::Duration) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let asset_caching =
        assets::AssetCaching::new(&leptos_options.site_pkg_dir, leptos_options.hash_files);
    let time_limit = layers::Except::new(
        tower::ServiceBuilder::new()
            .layer(HandleErrorLayer::new(layers::timed_out))
            .layer(tower::timeout::TimeoutLayer::new(request_timeout)),
        layers::outlasts_time_limit,
    );
    Router::new()
        .merge(rest::health_routes())
        .nest("/api/v1", rest::v1_routes())
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            asset_caching,
            assets::cache_policy,
        ))
        .layer(assets::compression())
        .layer(time_limit)
        .layer(CatchPanicLayer::custom(layers::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            ServerFnPaths::registered(),
            server_fns::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::authenticate,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(PropagateRequestIdLayer::new(layers::REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(layers::request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(layers::REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(
            layers::drop_malformed_request_id,
        ))
        .with_state(state)
}

/// One line at start-up saying which mode this is and what chose it.
fn announce_mode(config: &Config) {
    let reason = config.mode_reason;
    match config.settings.mode {
        RunMode::Production => tracing::info!("running in production mode ({reason})"),
        RunMode::Development => tracing::warn!(
            "running in DEVELOPMENT mode ({reason}): /dev/outbox shows every email, reset and \
             invite links included, to anyone; never expose this server"
        ),
    }
}

/// Seeds the admin and tells the operator how to log in. A generated password is printed
/// only when that admin is created; later runs point at the file that keeps it.
async fn seed_and_announce_admin(
    db: &Db,
    clock: &Clock,
    config: &Config,
    admin: &crate::config::AdminLogin,
) -> Result<(), StartupError> {
    let password = Password::for_login(admin.password.expose().to_string()).ok_or_else(|| {
        StartupError::Seed(app::common::AppError::internal("admin password too long"))
    })?;
    let outcome = seed::seed_admin(db, &admin.email, password, clock.now())
        .await
        .map_err(StartupError::Seed)?;
    if admin.source == AdminSource::Generated {
        let file = config.data_dir.join(ADMIN_LOGIN_FILE);
        match outcome {
            AdminSeed::Created => println!(
                "\n  Admin login (development): {}  password: {}\n  (kept in {})\n",
                admin.email,
                admin.password.expose(),
                file.display()
            ),
            AdminSeed::AlreadyThere => println!(
                "\n  Admin login (development): {}  (password in {})\n",
                admin.email,
                file.display()
            ),
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

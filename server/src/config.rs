//! Configuration from the environment (and an optional `.env`). Every value is checked here, so a
//! bad one stops start-up with one line naming the variable.
//!
//! Production is the default: it requires `JWT_SECRET`, never invents an admin and never serves
//! the development outbox. Development is chosen explicitly — `APP_ENV=development` (what
//! `scripts/run` and the browser tests set) or `cargo leptos watch`, which sets `LEPTOS_WATCH` —
//! and makes what is missing under the data folder: a JWT secret, and an admin login that is
//! printed.

use app::auth::client_ip::TrustedProxies;
use app::auth::email::Email;
use app::auth::throttle::AuthLimits;
use app::backend::{RunMode, Secret, Settings};
use app::webhooks::delivery::WebhookSettings;
use leptos::config::LeptosOptions;
use rand::distributions::{Alphanumeric, DistString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

pub(crate) fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

/// The list of hashed asset names a `hash-files` build (Cargo.toml) writes next to the server
/// binary; leptos reads it there to name `/pkg/igny8.<hash>.wasm` and the rest in the page.
const HASH_FILE: &str = "hash.txt";

/// Whether `/pkg` holds content-hashed names: `LEPTOS_HASH_FILES` (cargo-leptos sets it) or else
/// whether the build left its hash file next to this binary, so the release binary started by
/// hand (or by the browser tests) names its assets right too. Checked here because leptos
/// panics on every page when told the names are hashed and the file is missing.
fn asset_names_hashed(var: &impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)));
    let present = hash_file.as_deref().is_some_and(Path::is_file);
    match parse_bool(var("LEPTOS_HASH_FILES"), present) {
        Some(true) if !present => Err(bad(
            "LEPTOS_HASH_FILES",
            format!("is true but the build's {HASH_FILE} is not next to the server binary"),
        )),
        Some(hashed) => Ok(hashed),
        None => Err(bad("LEPTOS_HASH_FILES", "must be true or false")),
    }
}

/// Where the admin login came from, which decides what start-up prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSource {
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD`.
    Configured,
    /// Generated in development and kept in `data/admin-login.txt`.
    Generated,
}

#[derive(Debug, Clone)]
pub struct AdminLogin {
    pub email: Email,
    pub password: Secret,
    pub source: AdminSource,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub settings: Settings,
    pub admin: Option<AdminLogin>,
    pub leptos_options: LeptosOptions,
    /// Runs the background scheduler (renewals, expiries). Tests that drive it by hand turn it off.
    pub run_scheduler: bool,
    /// How often the scheduler looks for due work (`SCHEDULER_INTERVAL_SECONDS`, default 30).
    pub scheduler_interval: std::time::Duration,
    /// The OpenAI-compatible endpoint of the Writer; `None` = the offline templates.
    pub ai: Option<AiSettings>,
    /// What chose the run mode (`settings.mode`), for the start-up line.
    pub mode_reason: &'static str,
    /// How long a request may take before it answers 503 (`REQUEST_TIMEOUT_SECONDS`, default
    /// 30); the live balance stream and the Writer's runs are spared.
    pub request_timeout: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct AiSettings {
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
}

/// `WEBHOOKS_ALLOW_PRIVATE` (default: only in development) lets webhooks reach loopback and
/// private addresses; `WEBHOOK_TIMEOUT_SECONDS` (default 10) bounds an attempt. Production
/// sends to https only.
fn webhook_settings(
    var: &impl Fn(&str) -> Option<String>,
    mode: RunMode,
) -> Result<WebhookSettings, ConfigError> {
    let development = mode == RunMode::Development;
    let allow_private = parse_bool(var("WEBHOOKS_ALLOW_PRIVATE"), development)
        .ok_or_else(|| bad("WEBHOOKS_ALLOW_PRIVATE", "must be true or false"))?;
    let timeout = match var("WEBHOOK_TIMEOUT_SECONDS") {
        None => 10,
        Some(v) => positive(&v)
            .ok_or_else(|| bad("WEBHOOK_TIMEOUT_SECONDS", "must be a positive number"))?,
    };
    Ok(WebhookSettings {
        allow_private,
        require_https: !development,
        timeout: std::time::Duration::from_secs(timeout as u64),
    })
}

pub const ADMIN_LOGIN_FILE: &str = "admin-login.txt";
const JWT_SECRET_FILE: &str = "jwt-secret";
const MIN_SECRET_LEN: usize = 32;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads every setting through `var`, so tests can configure without touching the process.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let (mode, mode_reason) = match var("APP_ENV").as_deref() {
            Some("development" | "dev") => (RunMode::Development, "APP_ENV=development"),
            Some("production" | "prod") => (RunMode::Production, "APP_ENV=production"),
            Some(other) => {
                return Err(bad(
                    "APP_ENV",
                    format!("'{other}' is not development or production"),
                ))
            }
            // cargo-leptos sets LEPTOS_WATCH=true for `cargo leptos watch` only (it sets no
            // LEPTOS_ENV, whatever the workspace metadata says).
            None if parse_bool(var("LEPTOS_WATCH"), false) == Some(true) => {
                (RunMode::Development, "cargo leptos watch")
            }
            None => (RunMode::Production, "the default; APP_ENV is unset"),
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));

        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/igny8.db", data_dir.display()));
        if app::backend::Engine::from_url(&database_url).is_none() {
            return Err(bad(
                "DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }

        let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|_| bad("LEPTOS_SITE_ADDR", "must be an address like 127.0.0.1:3000"))?;

        let jwt_secret = match (var("JWT_SECRET"), mode) {
            (Some(s), _) if s.len() < MIN_SECRET_LEN => {
                return Err(bad(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_LEN} characters"),
                ))
            }
            (Some(s), _) => Secret::new(s),
            (None, RunMode::Production) => return Err(bad(
                "JWT_SECRET",
                "is required in production (the default mode; APP_ENV=development generates one)",
            )),
            (None, RunMode::Development) => dev_jwt_secret(&data_dir)?,
        };

        let public_url = var("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(bad("PUBLIC_URL", "must start with http:// or https://"));
        }

        let smtp_url = match var("SMTP_URL") {
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                Some(Secret::new(url))
            }
            Some(_) => return Err(bad("SMTP_URL", "must start with smtp:// or smtps://")),
            None => None,
        };
        let mail_from = var("MAIL_FROM").unwrap_or_else(|| "IGNY8 <no-reply@igny8.local>".into());
        let require_email_verification = parse_bool(var("REQUIRE_EMAIL_VERIFICATION"), false)
            .ok_or_else(|| bad("REQUIRE_EMAIL_VERIFICATION", "must be true or false"))?;
        let run_scheduler = parse_bool(var("RUN_SCHEDULER"), true)
            .ok_or_else(|| bad("RUN_SCHEDULER", "must be true or false"))?;
        let scheduler_interval = match var("SCHEDULER_INTERVAL_SECONDS") {
            None => 30,
            Some(v) => positive(&v)
                .ok_or_else(|| bad("SCHEDULER_INTERVAL_SECONDS", "must be a positive number"))?,
        };
        let scheduler_interval = std::time::Duration::from_secs(scheduler_interval as u64);
        let fault_injection = parse_bool(var("FAULT_INJECTION"), false)
            .ok_or_else(|| bad("FAULT_INJECTION", "must be true or false"))?;
        if fault_injection && mode == RunMode::Production {
            return Err(bad(
                "FAULT_INJECTION",
                "is for tests and cannot be on in production",
            ));
        }
        let ai = match (var("AI_BASE_URL"), var("AI_API_KEY")) {
            (None, _) => None,
            (Some(url), _) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                return Err(bad("AI_BASE_URL", "must start with http:// or https://"))
            }
            (Some(_), None) => return Err(bad("AI_API_KEY", "is required with AI_BASE_URL")),
            (Some(url), Some(key)) => Some(AiSettings {
                base_url: url,
                api_key: Secret::new(key),
                model: var("AI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into()),
            }),
        };

        let request_timeout = match var("REQUEST_TIMEOUT_SECONDS") {
            None => 30,
            Some(v) => positive(&v)
                .ok_or_else(|| bad("REQUEST_TIMEOUT_SECONDS", "must be a positive number"))?,
        };
        let request_timeout = std::time::Duration::from_secs(request_timeout as u64);
        let trusted_proxies = TrustedProxies::parse(&var("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|p| bad("TRUSTED_PROXIES", p))?;

        let mut auth_limits = AuthLimits::default();
        if let Some(v) = var("AUTH_RATE_LIMIT_PER_IP") {
            auth_limits.per_ip.max_hits = positive(&v)
                .ok_or_else(|| bad("AUTH_RATE_LIMIT_PER_IP", "must be a positive number"))?;
        }
        if let Some(v) = var("AUTH_RATE_LIMIT_PER_EMAIL") {
            auth_limits.per_email.max_hits = positive(&v)
                .ok_or_else(|| bad("AUTH_RATE_LIMIT_PER_EMAIL", "must be a positive number"))?;
        }

        let admin = admin_login(&var, mode, &data_dir)?;
        let webhooks = webhook_settings(&var, mode)?;
        let seller = crate::seller_config::seller_settings(&var, mode)?;

        let hash_files = asset_names_hashed(&var)?;
        let leptos_options = LeptosOptions::builder()
            .output_name(var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "igny8".into()))
            .site_root(var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
            .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
            .site_addr(site_addr)
            .reload_port(
                var("LEPTOS_RELOAD_PORT")
                    .map(|p| {
                        p.parse()
                            .map_err(|_| bad("LEPTOS_RELOAD_PORT", "must be a port number"))
                    })
                    .transpose()?
                    .unwrap_or(3001),
            )
            .hash_files(hash_files)
            .hash_file(HASH_FILE.into())
            .env(match var("LEPTOS_ENV").as_deref() {
                Some("PROD" | "prod") => leptos::config::Env::PROD,
                _ => leptos::config::Env::DEV,
            })
            .build();

        Ok(Config {
            database_url,
            site_addr,
            data_dir: data_dir.clone(),
            settings: Settings {
                mode,
                jwt_secret,
                public_url,
                smtp_url,
                mail_from,
                require_email_verification,
                auth_limits,
                receipts_dir: data_dir.join("receipts"),
                fault_injection,
                trusted_proxies,
                webhooks,
                seller,
            },
            ai,
            mode_reason,
            request_timeout,
            admin,
            leptos_options,
            run_scheduler,
            scheduler_interval,
        })
    }
}

fn positive(value: &str) -> Option<i64> {
    value.trim().parse().ok().filter(|n: &i64| *n > 0)
}

fn parse_bool(value: Option<String>, default: bool) -> Option<bool> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Some(default),
        Some("true" | "1" | "yes") => Some(true),
        Some("false" | "0" | "no") => Some(false),
        Some(_) => None,
    }
}

fn admin_login(
    var: &impl Fn(&str) -> Option<String>,
    mode: RunMode,
    data_dir: &Path,
) -> Result<Option<AdminLogin>, ConfigError> {
    match (var("ADMIN_EMAIL"), var("ADMIN_PASSWORD")) {
        (Some(email), Some(password)) => {
            let email = Email::parse(&email).map_err(|p| bad("ADMIN_EMAIL", p))?;
            app::auth::password::Password::parse(password.clone())
                .map_err(|p| bad("ADMIN_PASSWORD", p))?;
            Ok(Some(AdminLogin {
                email,
                password: Secret::new(password),
                source: AdminSource::Configured,
            }))
        }
        (Some(_), None) => Err(bad("ADMIN_PASSWORD", "is required when ADMIN_EMAIL is set")),
        (None, Some(_)) => Err(bad("ADMIN_EMAIL", "is required when ADMIN_PASSWORD is set")),
        (None, None) if mode == RunMode::Production => Ok(None),
        (None, None) => dev_admin_login(data_dir).map(Some),
    }
}

/// The development admin: read back from the data folder, or made once and kept there.
fn dev_admin_login(data_dir: &Path) -> Result<AdminLogin, ConfigError> {
    let path = data_dir.join(ADMIN_LOGIN_FILE);
    let (email, password) = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mut lines = text.lines();
            let email = lines.next().unwrap_or_default().to_string();
            let password = lines.next().unwrap_or_default().to_string();
            (email, password)
        }
        Err(_) => {
            let email = "admin@igny8.local".to_string();
            let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 20);
            write_private(&path, &format!("{email}\n{password}\n"))
                .map_err(|e| bad("DATA_DIR", format!("cannot write {}: {e}", path.display())))?;
            (email, password)
        }
    };
    let email =
        Email::parse(&email).map_err(|p| bad("DATA_DIR", format!("{}: {p}", path.display())))?;
    Ok(AdminLogin {
        email,
        password: Secret::new(password),
        source: AdminSource::Generated,
    })
}

fn dev_jwt_secret(data_dir: &Path) -> Result<Secret, ConfigError> {
    let path = data_dir.join(JWT_SECRET_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_LEN {
            return Ok(Secret::new(existing));
        }
    }
    let secret = Alphanumeric.sample_string(&mut rand::thread_rng(), 64);
    write_private(&path, &secret)
        .map_err(|e| bad("DATA_DIR", format!("cannot write {}: {e}", path.display())))?;
    Ok(Secret::new(secret))
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "a-test-secret-that-is-long-enough-0123";

    /// A data folder under the system's temp dir, removed afterwards: tests never write
    /// generated files (secrets, admin logins) into the source tree.
    struct TempDataDir(PathBuf);

    impl TempDataDir {
        fn new() -> TempDataDir {
            let name = format!(
                "igny8-config-{}",
                Alphanumeric.sample_string(&mut rand::thread_rng(), 12)
            );
            TempDataDir(std::env::temp_dir().join(name))
        }

        fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for TempDataDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The configuration of `vars`, with `DATA_DIR` in a fresh temp folder unless given.
    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = TempDataDir::new();
        let mut map: HashMap<String, String> = HashMap::from([("DATA_DIR".into(), dir.path())]);
        for (k, v) in vars {
            map.insert(k.to_string(), v.to_string());
        }
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn tests_keep_generated_files_out_of_the_tree() {
        let dev = config(&[("APP_ENV", "development")]).unwrap();
        assert!(
            dev.data_dir.starts_with(std::env::temp_dir()),
            "{}",
            dev.data_dir.display()
        );
        assert!(!dev.data_dir.exists(), "the temp data folder is removed");
    }

    #[test]
    fn development_generates_and_keeps_secret_and_admin() {
        let dir = TempDataDir::new();
        let vars = [("APP_ENV", "development"), ("DATA_DIR", &dir.path())];
        let first = config(&vars).unwrap();
        let second = config(&vars).unwrap();
        assert_eq!(first.settings.mode, RunMode::Development);
        assert_eq!(first.settings.jwt_secret, second.settings.jwt_secret);
        let (a, b) = (first.admin.unwrap(), second.admin.unwrap());
        assert_eq!(a.email.as_str(), "admin@igny8.local");
        assert_eq!(a.password, b.password);
        assert_eq!(a.source, AdminSource::Generated);
        assert!(first.database_url.starts_with("sqlite://"));
    }

    #[test]
    fn production_is_the_default_and_requires_a_jwt_secret() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err.var, "JWT_SECRET");
        assert!(err.to_string().contains("required in production"), "{err}");
        let short = config(&[("JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(short.var, "JWT_SECRET");
        let ok = config(&[("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(ok.settings.mode, RunMode::Production);
        assert!(ok.admin.is_none(), "production never invents an admin");
        assert!(
            !ok.data_dir.exists(),
            "production generates nothing into the data folder"
        );
        let explicit = config(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(explicit.var, "JWT_SECRET");
    }

    #[test]
    fn development_only_when_asked() {
        let mode = |vars: &[(&str, &str)]| config(vars).map(|c| c.settings.mode);
        assert_eq!(
            mode(&[("APP_ENV", "development")]).unwrap(),
            RunMode::Development
        );
        assert_eq!(mode(&[("APP_ENV", "dev")]).unwrap(), RunMode::Development);
        // `cargo leptos watch` passes LEPTOS_WATCH=true to the server.
        assert_eq!(
            mode(&[("LEPTOS_WATCH", "true")]).unwrap(),
            RunMode::Development
        );
        // An explicit APP_ENV wins over the watch.
        assert_eq!(
            mode(&[
                ("LEPTOS_WATCH", "true"),
                ("APP_ENV", "production"),
                ("JWT_SECRET", SECRET)
            ])
            .unwrap(),
            RunMode::Production
        );
        // Nothing else means development: not Leptos' own env, not a false watch flag.
        for vars in [
            &[("LEPTOS_ENV", "DEV"), ("JWT_SECRET", SECRET)][..],
            &[("LEPTOS_WATCH", "false"), ("JWT_SECRET", SECRET)][..],
            &[("JWT_SECRET", SECRET)][..],
        ] {
            assert_eq!(mode(vars).unwrap(), RunMode::Production, "{vars:?}");
        }
        // Test faults are refused outside development, whatever asks for them.
        let err = config(&[("FAULT_INJECTION", "true"), ("JWT_SECRET", SECRET)]).unwrap_err();
        assert_eq!(err.var, "FAULT_INJECTION");
    }

    #[test]
    fn request_timeout_and_trusted_proxies() {
        let defaults = config(&[("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(defaults.request_timeout, std::time::Duration::from_secs(30));
        assert!(defaults.settings.trusted_proxies.is_empty());
        let set = config(&[
            ("JWT_SECRET", SECRET),
            ("REQUEST_TIMEOUT_SECONDS", "5"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ])
        .unwrap();
        assert_eq!(set.request_timeout, std::time::Duration::from_secs(5));
        assert!(set
            .settings
            .trusted_proxies
            .trusts("10.20.30.40".parse().unwrap()));
        assert!(!set
            .settings
            .trusted_proxies
            .trusts("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&str, &str, &str)] = &[
            ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
            ("LEPTOS_SITE_ADDR", "localhost", "LEPTOS_SITE_ADDR"),
            ("APP_ENV", "staging", "APP_ENV"),
            ("SMTP_URL", "http://mail", "SMTP_URL"),
            (
                "REQUIRE_EMAIL_VERIFICATION",
                "maybe",
                "REQUIRE_EMAIL_VERIFICATION",
            ),
            ("ADMIN_EMAIL", "not-an-email", "ADMIN_PASSWORD"),
            ("PUBLIC_URL", "example.com", "PUBLIC_URL"),
            ("REQUEST_TIMEOUT_SECONDS", "0", "REQUEST_TIMEOUT_SECONDS"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, lb.local", "TRUSTED_PROXIES"),
        ];
        for (var, value, named) in cases {
            let err = config(&[("JWT_SECRET", SECRET), (var, value)]).unwrap_err();
            assert_eq!(&err.var, named, "{var}={value}");
            assert!(err
                .to_string()
                .starts_with(&format!("configuration error: {named}: ")));
        }
        let err = config(&[
            ("JWT_SECRET", SECRET),
            ("ADMIN_EMAIL", "nope"),
            ("ADMIN_PASSWORD", "long enough password"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "ADMIN_EMAIL");
        let err = config(&[
            ("JWT_SECRET", SECRET),
            ("ADMIN_EMAIL", "a@b.co"),
            ("ADMIN_PASSWORD", "short"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "ADMIN_PASSWORD");
    }
}

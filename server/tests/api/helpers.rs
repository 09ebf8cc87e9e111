//! The test harness: a real server per test, on a fresh database of the chosen engine.
//!
//! PostgreSQL comes from `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each test creates its own database there and drops it afterwards. When PostgreSQL cannot be
//! reached the test says so loudly and passes, except under `CI=true`, where it fails.

use app::backend::Clock;
use server::config::Config;
use server::startup::Application;
use sqlx::Connection;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per engine for each listed test: `sqlite::name` and
/// `postgres::name`. A plain `async fn(TestApp)` gets a default server; after `engine:`, an
/// `async fn(Engine)` starts its own (for a custom configuration).
#[macro_export]
macro_rules! on_both_engines {
    (engine: $($name:ident),* $(,)?) => {
        $crate::on_both_engines!(@tests sqlite Sqlite, engine: $($name),*);
        $crate::on_both_engines!(@tests postgres Postgres, engine: $($name),*);
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both_engines!(@tests sqlite Sqlite, app: $($name),*);
        $crate::on_both_engines!(@tests postgres Postgres, app: $($name),*);
    };
    (@tests $module:ident $engine:ident, $kind:ident: $($name:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::on_both_engines!(@run $kind $engine $name);
                }
            )*
        }
    };
    (@run app $engine:ident $name:ident) => {
        if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Engine::$engine).await {
            super::$name(app).await;
        }
    };
    (@run engine $engine:ident $name:ident) => {
        super::$name($crate::helpers::Engine::$engine).await
    };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub state: app::backend::AppState,
    vars: HashMap<String, String>,
    _database: TestDatabase,
}

/// Start of every test's manual clock: 2026-01-15T12:00:00Z.
pub const TEST_START: i64 = 1_768_478_400;

impl TestApp {
    /// A server on a fresh database, or `None` when PostgreSQL is unreachable outside CI.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, &[]).await
    }

    pub async fn spawn_with(engine: Engine, extra: &[(&str, &str)]) -> Option<TestApp> {
        let database = TestDatabase::create(engine).await?;
        let data_dir = database.dir.display().to_string();
        // Development explicitly: what the tests rely on (test faults) is refused in production,
        // the default. Tests of production behaviour unset it.
        let mut vars: HashMap<String, String> = [
            ("APP_ENV", "development"),
            ("DATABASE_URL", database.url.as_str()),
            ("DATA_DIR", data_dir.as_str()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ("JWT_SECRET", "test-secret-that-is-long-enough-0123456789"),
            ("ADMIN_EMAIL", "admin@example.com"),
            ("ADMIN_PASSWORD", "admin-password-123"),
            ("RUN_SCHEDULER", "false"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        override_vars(&mut vars, extra);
        let clock = Clock::manual(TEST_START);
        let (address, state) = start_instance(&vars, clock.clone()).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Some(TestApp {
            address,
            client,
            clock,
            state,
            vars,
            _database: database,
        })
    }

    /// Another server instance on the same database and clock (as behind a load balancer);
    /// returns its address.
    pub async fn another_instance(&self) -> String {
        self.another_instance_with(&[]).await.0
    }

    /// A folder of this test's own, removed with its database.
    pub fn own_dir(&self, name: &str) -> String {
        let dir = self._database.dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir.display().to_string()
    }

    /// Another instance on the same database and clock with some settings changed (an empty
    /// value unsets one), e.g. a `DATA_DIR` of its own as on another machine (`own_dir` gives
    /// one); returns its address and state.
    pub async fn another_instance_with(
        &self,
        extra: &[(&str, &str)],
    ) -> (String, app::backend::AppState) {
        let mut vars = self.vars.clone();
        override_vars(&mut vars, extra);
        start_instance(&vars, self.clock.clone()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        crate::conformance::checked(&self.client, self.client.get(self.url(path))).await
    }
}

/// Sets `extra` over `vars`; an empty value unsets one (`("APP_ENV", "")`: the server's own
/// default mode).
fn override_vars(vars: &mut HashMap<String, String>, extra: &[(&str, &str)]) {
    for (k, v) in extra {
        if v.is_empty() {
            vars.remove(*k);
        } else {
            vars.insert(k.to_string(), v.to_string());
        }
    }
}

async fn start_instance(
    vars: &HashMap<String, String>,
    clock: Clock,
) -> (String, app::backend::AppState) {
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
    let app = Application::build_with_clock(config, clock)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    (address, state)
}

/// A fresh database, removed when the test ends.
pub struct TestDatabase {
    pub url: String,
    dir: std::path::PathBuf,
    postgres: Option<(String, String)>,
}

fn unique_name() -> String {
    format!("igny8_test_{}", uuid::Uuid::new_v4().simple())
}

fn admin_postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDatabase {
    /// `None` when PostgreSQL is unreachable outside CI (said loudly).
    pub async fn create(engine: Engine) -> Option<TestDatabase> {
        let name = unique_name();
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        match engine {
            Engine::Sqlite => Some(TestDatabase {
                url: format!("sqlite://{}/test.db", dir.display()),
                dir,
                postgres: None,
            }),
            Engine::Postgres => {
                let admin_url = admin_postgres_url();
                let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(conn) => conn,
                    Err(err) => {
                        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
                        assert!(
                            !ci,
                            "PostgreSQL at {admin_url} is unreachable under CI=true: {err}"
                        );
                        eprintln!("\n!!! PostgreSQL at {admin_url} is UNREACHABLE ({err}): this test did NOT run on PostgreSQL !!!\n");
                        return None;
                    }
                };
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .expect("create the test database");
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .expect("a database in TEST_POSTGRES_URL");
                Some(TestDatabase {
                    url: format!("{base}/{name}"),
                    dir,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // The server still holds connections; FORCE ends them. Runs on its own thread
            // because Drop cannot await inside the test's runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Requests and fixtures the tests share.
impl TestApp {
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        crate::conformance::checked(&self.client, self.client.post(self.url(path)).json(body)).await
    }

    pub async fn get_with_token(&self, path: &str, access: &str) -> reqwest::Response {
        crate::conformance::checked(
            &self.client,
            self.client.get(self.url(path)).bearer_auth(access),
        )
        .await
    }

    pub async fn delete_with_token(&self, path: &str, access: &str) -> reqwest::Response {
        crate::conformance::checked(
            &self.client,
            self.client.delete(self.url(path)).bearer_auth(access),
        )
        .await
    }

    /// Registers a tenant and returns the register response body.
    pub async fn register(&self, email: &str, account_name: &str) -> serde_json::Value {
        let response = self
            .post_json(
                "/api/v1/auth/register/",
                &serde_json::json!({
                    "email": email,
                    "password": PASSWORD,
                    "full_name": "Test User",
                    "account_name": account_name,
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        response.json().await.unwrap()
    }

    /// The token of the newest email to `to` whose link contains `path`.
    pub async fn emailed_token(&self, to: &str, path: &str) -> String {
        self.token_after(to, &format!("{path}?token=")).await
    }

    /// The 64-character token that follows `marker` in the newest email to `to` that has one.
    /// The test clock stands still, so several emails can share a second: the marker, not the
    /// order alone, picks the email.
    pub async fn token_after(&self, to: &str, marker: &str) -> String {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM outbox WHERE to_email = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(to)
        .fetch_all(self.state.db.pool())
        .await
        .unwrap();
        bodies
            .iter()
            .find_map(|body| {
                let start = body.find(marker)? + marker.len();
                Some(body[start..start + 64].to_string())
            })
            .unwrap_or_else(|| panic!("no email to {to} with {marker}"))
    }

    /// A server function called the way the hydrated page calls it: a form post with the
    /// session cookie, answered with JSON.
    pub async fn server_fn(
        &self,
        path: &str,
        access: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(reqwest::header::ORIGIN, &self.address)
            .header(reqwest::header::COOKIE, format!("igny8_at={access}"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// `plan_tiny`: few credits (so tests reach the edge of the balance quickly), one site, one
    /// seat, the given modules.
    pub async fn tiny_plan(&self, credits: i64, modules: &str) {
        sqlx::query(
            "INSERT INTO plans (id, slug, name, currency, price_month, price_year, credits_per_period, \
             limit_sites, limit_seats, modules, features, is_active, sort_order, created_at, updated_at) \
             VALUES ('plan_tiny', 'tiny', 'Tiny', 'USD', 500, 5000, $1, 1, 1, $2, '', 1, 9, 0, 0)",
        )
        .bind(credits)
        .bind(modules)
        .execute(self.state.db.pool())
        .await
        .unwrap();
    }

    /// Gives the account an active subscription, as the subscriptions flow would.
    pub async fn activate_subscription(&self, account_id: &str, plan_id: &str) {
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO subscriptions (id, account_id, plan_id, status, billing_interval, current_period_start, \
             current_period_end, created_at, updated_at) VALUES ($1, $2, $3, 'active', 'month', $4, $5, $4, $4)",
        )
        .bind(format!("sub_{}", uuid::Uuid::new_v4().simple()))
        .bind(account_id)
        .bind(plan_id)
        .bind(now)
        .bind(now + 30 * 86_400)
        .execute(self.state.db.pool())
        .await
        .unwrap();
    }
}

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-123";

/// A signed-up tenant: its bearer token and account id.
pub struct Tenant {
    pub email: String,
    pub access: String,
    pub account_id: String,
}

pub fn card_body(number: &str) -> serde_json::Value {
    serde_json::json!({"kind": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
}

/// Billing fixtures: tenants, methods, subscriptions, the scheduler, time.
impl TestApp {
    pub async fn post_with_token(
        &self,
        path: &str,
        access: &str,
        body: &Value,
    ) -> reqwest::Response {
        crate::conformance::checked(
            &self.client,
            self.client
                .post(self.url(path))
                .bearer_auth(access)
                .json(body),
        )
        .await
    }

    pub async fn tenant(&self, email: &str) -> Tenant {
        let body = self.register(email, "Tenant").await;
        Tenant {
            email: email.to_string(),
            access: body["tokens"]["access"].as_str().unwrap().to_string(),
            account_id: body["account"]["id"].as_str().unwrap().to_string(),
        }
    }

    /// The access token of a login (e.g. the seeded admin's).
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/login/",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "login {email}");
        let body: Value = response.json().await.unwrap();
        body["tokens"]["access"].as_str().unwrap().to_string()
    }

    /// A fresh token after the clock moved past the old one's expiry.
    pub async fn relogin(&self, tenant: &mut Tenant) {
        tenant.access = self.login(&tenant.email, PASSWORD).await;
    }

    pub async fn admin(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Adds a method (see `card_body`) and returns it.
    pub async fn add_method(&self, access: &str, body: &Value) -> Value {
        let response = self
            .post_with_token("/api/v1/billing/payment-methods/", access, body)
            .await;
        assert_eq!(response.status(), 201, "add method");
        response.json().await.unwrap()
    }

    /// Makes the method the account's default (200 expected).
    pub async fn make_default(&self, access: &str, method_id: &str) {
        let path = format!("/api/v1/billing/payment-methods/{method_id}/set-default/");
        let response = self
            .post_with_token(&path, access, &serde_json::json!({}))
            .await;
        assert_eq!(response.status(), 200, "set default");
    }

    /// Adds a card that saves but declines every charge and makes it the default; returns its id.
    pub async fn default_to_declining_card(&self, access: &str) -> String {
        let failing = self
            .add_method(access, &card_body("4000000000000341"))
            .await;
        let id = failing["id"].as_str().unwrap().to_string();
        self.make_default(access, &id).await;
        id
    }

    pub async fn subscribe(
        &self,
        access: &str,
        plan_id: &str,
        interval: &str,
    ) -> reqwest::Response {
        self.post_with_token(
            "/api/v1/auth/subscriptions/",
            access,
            &serde_json::json!({"plan_id": plan_id, "interval": interval}),
        )
        .await
    }

    /// `GET /api/v1/billing/invoices/{id}/` (200 expected).
    pub async fn invoice(&self, access: &str, id: &str) -> Value {
        self.json(&format!("/api/v1/billing/invoices/{id}/"), access)
            .await
    }

    /// `POST …/subscriptions/{id}/change-plan/` to `plan_id`.
    pub async fn change_plan(&self, access: &str, id: &str, plan_id: &str) -> reqwest::Response {
        self.post_with_token(
            &format!("/api/v1/auth/subscriptions/{id}/change-plan/"),
            access,
            &serde_json::json!({"plan_id": plan_id}),
        )
        .await
    }

    /// A tenant with a 4242 card and an active subscription; returns it and the subscription.
    pub async fn subscribed_tenant(&self, email: &str, plan_id: &str) -> (Tenant, Value) {
        let tenant = self.tenant(email).await;
        self.add_method(&tenant.access, &card_body("4242424242424242"))
            .await;
        let response = self.subscribe(&tenant.access, plan_id, "month").await;
        assert_eq!(response.status(), 201, "subscribe");
        let body: Value = response.json().await.unwrap();
        (tenant, body)
    }

    pub async fn json(&self, path: &str, access: &str) -> Value {
        let response = self.get_with_token(path, access).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn balance(&self, access: &str) -> i64 {
        self.json("/api/v1/billing/transactions/balance/", access)
            .await["balance"]
            .as_i64()
            .unwrap()
    }

    /// Moves the manual clock to `at` (epoch seconds; never backwards).
    pub fn set_time(&self, at: i64) {
        let now = self.clock.now();
        assert!(at >= now, "time only moves forward");
        self.clock.advance(at - now);
    }

    /// One pass of the background jobs, as one server instance would run it.
    pub async fn tick(&self) {
        app::backend::scheduler::tick(&self.state, "test-instance").await;
    }

    /// One pass of the webhook worker, as one server instance would run it; how many
    /// deliveries it attempted.
    pub async fn deliver_webhooks(&self) -> usize {
        app::webhooks::delivery::run_due(&self.state).await.unwrap()
    }

    /// One pass of the email worker; how many mails it tried to send.
    pub async fn deliver_mail(&self) -> usize {
        app::backend::mail::deliver_due(&self.state).await.unwrap()
    }

    /// `PUT` with a bearer token.
    pub async fn put_with_token(
        &self,
        path: &str,
        access: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        crate::conformance::checked(
            &self.client,
            self.client
                .put(self.url(path))
                .bearer_auth(access)
                .json(body),
        )
        .await
    }

    /// Emails to `to` with `subject` in the outbox.
    pub async fn mails(&self, to: &str, subject: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE to_email = $1 AND subject = $2",
        )
        .bind(to)
        .bind(subject)
        .fetch_one(self.state.db.pool())
        .await
        .unwrap()
    }

    pub async fn count(&self, sql: &str, bind: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(bind)
            .fetch_one(self.state.db.pool())
            .await
            .unwrap()
    }
}

// ---------------------------------------------------------------- browser-like requests

use reqwest::header::{ACCEPT, COOKIE, LOCATION};
use serde_json::Value;

/// The `error.code` of an error answer (docs/api.md "Errors").
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn session_cookie(body: &Value) -> String {
    format!(
        "igny8_at={}; igny8_rt={}",
        body["tokens"]["access"].as_str().unwrap(),
        body["tokens"]["refresh"].as_str().unwrap()
    )
}

pub async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header(ACCEPT, BROWSER_ACCEPT);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

pub fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// What a browser sends with a page load or a plain form post; it tells the server to answer a
/// real redirect rather than the server-function client's redirect header.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

pub fn form_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(ACCEPT, BROWSER_ACCEPT.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

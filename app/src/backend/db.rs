//! The database: one pool over SQLite (embedded default) or PostgreSQL (several server instances).
//!
//! Both engines run the same SQL: TEXT ids, BIGINT money, credits, flags (0/1) and epoch-second
//! times, `$n` placeholders and `ON CONFLICT` upserts. Where they differ — how a write
//! transaction starts, SQLite's pragmas — this module is the only place that knows.

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::time::Duration;

/// Every migration of the schema, embedded in the binary; run at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A write transaction. Everything that changes several rows takes `&mut Tx`.
pub type Tx = Transaction<'static, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing). Does not migrate.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        let engine = Engine::from_url(url)
            .ok_or_else(|| sqlx::Error::Configuration("unsupported database URL".into()))?;
        let (url, max_connections) = match engine {
            Engine::Sqlite => (sqlite_url_creating_file(url)?, 8),
            Engine::Postgres => (url.to_string(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes
                        // writers queue instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Db { pool, engine })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts a transaction that will write. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one failing
    /// when it upgrades a read lock; PostgreSQL relies on row locks and conditional updates.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
    }

    /// Ready means: the database answers and every embedded migration has been applied.
    pub async fn is_ready(&self) -> bool {
        let applied: Result<i64, _> = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await;
        matches!(applied, Ok(n) if n as usize >= MIGRATOR.iter().count())
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// SQLite URLs name a file: make sure its folder exists and that the driver may create it.
fn sqlite_url_creating_file(url: &str) -> Result<String, sqlx::Error> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(parent) = Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| {
                sqlx::Error::Configuration(
                    format!("cannot create {}: {e}", parent.display()).into(),
                )
            })?;
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// True when `err` is a unique violation of the index `index` (PostgreSQL names it) on
/// `table.column` (SQLite names the columns). Lets stores map duplicates by constraint, not
/// by guessing from messages of other errors.
pub fn is_unique_violation(err: &sqlx::Error, index: &str, table_column: &str) -> bool {
    let Some(db) = err.as_database_error() else {
        return false;
    };
    if !matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation) {
        return false;
    }
    match db.constraint() {
        Some(name) => name == index,
        None => db.message().contains(table_column),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_from_urls() {
        assert_eq!(Engine::from_url("sqlite://data/x.db"), Some(Engine::Sqlite));
        assert_eq!(Engine::from_url("sqlite:x.db"), Some(Engine::Sqlite));
        assert_eq!(
            Engine::from_url("postgres://u@h/db"),
            Some(Engine::Postgres)
        );
        assert_eq!(Engine::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_urls_allow_creating_the_file() {
        let dir = std::env::temp_dir().join(format!("igny8-url-{}", std::process::id()));
        let url = format!("sqlite://{}/a.db", dir.display());
        let made = sqlite_url_creating_file(&url).unwrap();
        assert!(made.ends_with("/a.db?mode=rwc"));
        assert!(dir.is_dir());
        assert_eq!(
            sqlite_url_creating_file("sqlite://x.db?mode=ro").unwrap(),
            "sqlite://x.db?mode=ro"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// A query argument of either type our filters use, so a query built at run time (a list's
/// filters) can be bound in one go, whether its rows are collected or streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl Arg {
    /// A text filter: empty when unset, which the list queries read as "any" (`$n = ''`).
    pub fn filter(value: &Option<String>) -> Arg {
        Arg::Text(value.as_deref().unwrap_or("").trim().to_string())
    }
}

/// The bounds `[start, end)` of the inclusive UTC days `from`..`to` (`YYYY-MM-DD`), open where
/// unset; 422 for a date that does not parse.
pub fn day_range(from: &Option<String>, to: &Option<String>) -> crate::common::AppResult<[Arg; 2]> {
    let day = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| crate::credits::usage::parse_day(field, v))
            .transpose()
    };
    Ok([
        Arg::Int(day("from", from)?.unwrap_or(i64::MIN)),
        Arg::Int(day("to", to)?.map_or(i64::MAX, |start| start + 86_400)),
    ])
}

/// One page of `sql` (bound with `args`) and how many rows it has in all. The count wraps the
/// query; `LIMIT` and `OFFSET` are bound as the next two parameters.
pub async fn fetch_page(
    db: &Db,
    sql: &str,
    mut args: Vec<Arg>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<sqlx::any::AnyRow>, i64), sqlx::Error> {
    use sqlx::Row;
    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM ({sql}) AS counted");
    let total: i64 = bind_all(sqlx::query(&count_sql), &args)
        .fetch_one(db.pool())
        .await?
        .try_get(0)?;
    let next = args.len();
    args.push(Arg::Int(limit));
    args.push(Arg::Int(offset));
    let page_sql = format!("{sql} LIMIT ${} OFFSET ${}", next + 1, next + 2);
    let rows = bind_all(sqlx::query(&page_sql), &args)
        .fetch_all(db.pool())
        .await?;
    Ok((rows, total))
}

/// Binds `args` in order.
pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(text) => query.bind(text.as_str()),
            Arg::Int(n) => query.bind(*n),
        };
    }
    query
}

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
    /// The engine a transaction runs on (for the few statements written per engine).
    pub fn of(tx: &Tx) -> Engine {
        if tx.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

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

/// SQLite's one writer: how long a write waits for the lock another process (or a statement on
/// a read connection) holds, and how long a write waits for its turn at the writer connection.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 15_000;
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `/readyz` gives the database to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct Db {
    /// Reads (and, on PostgreSQL, everything).
    pool: AnyPool,
    /// Writes: on SQLite one connection of its own, so writers queue here, in order, instead of
    /// each holding a connection of `pool` while SQLite makes it wait for the lock — with the
    /// pool full of waiting writers, reads and `/readyz` could not get a connection and answered
    /// 503 (right after a restart: the scheduler catching up, every browser renewing its
    /// session). On PostgreSQL the same pool as `pool`.
    writer: AnyPool,
    engine: Engine,
}

/// Why the database cannot serve requests (`/readyz` logs it).
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations are missing or failed: {0:?}")]
    Migrations(Vec<i64>),
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing). Does not migrate.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        let engine = Engine::from_url(url)
            .ok_or_else(|| sqlx::Error::Configuration("unsupported database URL".into()))?;
        match engine {
            Engine::Sqlite => {
                let url = sqlite_url_creating_file(url)?;
                // The writer first: its connection switches a new database to WAL, which
                // needs the file to itself.
                let writer = pool_options(engine, 1, WRITER_ACQUIRE_TIMEOUT)
                    .connect(&url)
                    .await?;
                let pool = pool_options(engine, 8, Duration::from_secs(10))
                    .connect(&url)
                    .await?;
                Ok(Db {
                    pool,
                    writer,
                    engine,
                })
            }
            Engine::Postgres => {
                let pool = pool_options(engine, 16, Duration::from_secs(10))
                    .connect(url)
                    .await?;
                Ok(Db {
                    writer: pool.clone(),
                    pool,
                    engine,
                })
            }
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.writer).await
    }

    /// For reads. Single write statements outside a transaction go to [`Db::writer`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// For a write statement outside a transaction: it waits its turn with the transactions of
    /// [`Db::begin`] (on SQLite, the one writer connection).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts a transaction that will write. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`) on the writer connection, so writers queue for it in order instead of
    /// one failing when it upgrades a read lock; PostgreSQL relies on row locks and conditional
    /// updates.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.writer.begin().await,
        }
    }

    /// Ready means: a read connection answers a real query within a short time, and every
    /// embedded migration has been applied successfully.
    pub async fn readiness(&self) -> Result<(), NotReady> {
        let applied = tokio::time::timeout(
            READY_TIMEOUT,
            sqlx::query_scalar::<_, i64>(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool),
        )
        .await
        .map_err(|_| NotReady::Timeout(READY_TIMEOUT))??;
        let missing: Vec<i64> = MIGRATOR
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(NotReady::Migrations(missing))
        }
    }

    /// Closes both pools; SQLite then checkpoints its write-ahead log into the database file.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

fn pool_options(engine: Engine, max: u32, acquire_timeout: Duration) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(acquire_timeout)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    // The busy timeout first, so the statements after it wait for a lock
                    // instead of failing at once. WAL lets readers run beside the one writer.
                    conn.execute(
                        format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}").as_str(),
                    )
                    .await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
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

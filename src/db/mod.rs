//! Storage: diesel over SQLite (default) or PostgreSQL; schema, rows and every query.
//!
//! One connection type, [`DbConnection`], covers both backends; queries are written once
//! against it. Nothing here knows about HTTP: handlers call these functions inside
//! `web::block` and map [`DbError`] to responses in `error.rs`.

pub mod account_links;
pub mod analysis;
pub mod attempts;
pub mod backup;
pub mod codes;
pub mod contact_requests;
pub mod counting;
pub mod entry;
pub mod fieldwork;
pub mod frame;
pub mod outbox;
pub mod responses;
pub mod sample;
pub mod schema;
pub mod sessions;
pub mod survey_access;
pub mod surveys;
pub mod users;
pub mod weightings;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ConnectionManager, CustomizeConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseUrl, SqliteSynchronous};

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// A pool of connections; cheap to clone.
pub type Pool = r2d2::Pool<ConnectionManager<DbConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// What can go wrong in storage, in words a handler can pass on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Query(diesel::result::Error),
    /// The change would alter the data of a published survey (refused by the database).
    #[error("the survey is published: its data cannot change until it is unpublished")]
    Published,
    #[error("could not get a database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("{0}")]
    Corrupt(String),
}

/// What the database says when a change would alter a published survey's data (the trigger
/// of the migration `survey_lifecycle`).
const PUBLISHED_REFUSAL: &str = "tsunagari: the survey is published";

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        match &e {
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains(PUBLISHED_REFUSAL) =>
            {
                DbError::Published
            }
            _ => DbError::Query(e),
        }
    }
}

/// A stored survey whose settings no longer parse is damaged data.
impl From<crate::survey::SurveyError> for DbError {
    fn from(e: crate::survey::SurveyError) -> Self {
        DbError::Corrupt(e.to_string())
    }
}

/// Shorthand for storage results.
pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug)]
struct SqlitePragmas {
    synchronous: SqliteSynchronous,
}

impl CustomizeConnection<DbConnection, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if let DbConnection::Sqlite(sqlite) = conn {
            // busy_timeout waits out short locks instead of failing a resident's page save.
            // The journal mode (WAL, so residents read while staff write) is a property of
            // the file, set once by `prepare_sqlite_file` before the pool opens: several new
            // connections switching a fresh file to WAL at once would fight for its lock.
            sqlite
                .batch_execute(&format!(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = {}; \
                     PRAGMA foreign_keys = ON;",
                    self.synchronous.pragma()
                ))
                .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Opens a pool for `url`, creating the SQLite file (and its folder) when needed; SQLite
/// with `synchronous = NORMAL`.
pub fn connect(url: &DatabaseUrl) -> anyhow::Result<Pool> {
    connect_with(url, SqliteSynchronous::Normal)
}

/// Opens a pool for `url` with SQLite's `synchronous` as configured.
pub fn connect_with(url: &DatabaseUrl, synchronous: SqliteSynchronous) -> anyhow::Result<Pool> {
    use anyhow::Context;
    let max_size = match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating the folder {}", parent.display()))?;
            }
            prepare_sqlite_file(path)?;
            4
        }
        DatabaseUrl::Postgres(_) => 10,
    };
    let manager = ConnectionManager::<DbConnection>::new(url.connection_string());
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_customizer(Box::new(SqlitePragmas { synchronous }))
        .build(manager)
        .with_context(|| format!("connecting to {}", url.describe()))
}

/// Creates the SQLite file if needed and switches it to WAL, on one connection, before any
/// pool connection exists. WAL stays set in the file, so the pool's connections only read it.
fn prepare_sqlite_file(path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let location = path.to_string_lossy();
    let mut conn = diesel::SqliteConnection::establish(&location)
        .with_context(|| format!("opening the SQLite file {}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
        .with_context(|| format!("switching {} to WAL", path.display()))?;
    Ok(())
}

/// Applies every migration not yet applied; returns how many ran.
pub fn migrate(pool: &Pool) -> anyhow::Result<usize> {
    let mut conn = pool.get()?;
    let applied = match &mut *conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?
    .len();
    // Reasons the paper entry wrote in English before they were stored as kinds (migration
    // 2026-12-04-000201 added the column; reading the old text is Rust's job, not SQL's).
    entry::convert_legacy_reasons(&mut conn)
        .map_err(|e| anyhow::anyhow!("converting the audit log's older reasons: {e}"))?;
    Ok(applied)
}

/// The current time as stored (UTC, no zone).
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Runs `f` in a transaction.
pub fn transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> DbResult<T>,
) -> DbResult<T> {
    conn.transaction(f)
}

/// Runs `f` in a transaction, for work whose error type is not [`DbError`] (a refusal that
/// must roll back what was already written, e.g. `ops::accounts`).
pub fn transaction_with<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    /// The work's own error, or the database's (beginning or committing failed).
    enum Failure<E> {
        Work(E),
        Database(diesel::result::Error),
    }
    impl<E> From<diesel::result::Error> for Failure<E> {
        fn from(e: diesel::result::Error) -> Self {
            Failure::Database(e)
        }
    }
    conn.transaction(|conn| f(conn).map_err(Failure::Work))
        .map_err(|failure| match failure {
            Failure::Work(e) => e,
            Failure::Database(e) => E::from(DbError::from(e)),
        })
}

/// Whether the database answers (`SELECT 1`), for the health check.
pub fn ping(conn: &mut DbConnection) -> DbResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Whether an error is a unique-constraint violation (the same on both backends).
pub(crate) fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs a statement on the concrete connection inside a [`DbConnection`], for the few
/// statements the multi-backend connection cannot run itself (multi-row inserts).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// A connection borrowed from the pool.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager<DbConnection>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_opened_with_full_syncs_every_commit() {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("full.sqlite3"));
        for (setting, expected) in [(SqliteSynchronous::Full, 2), (SqliteSynchronous::Normal, 1)] {
            let pool = connect_with(&url, setting).unwrap();
            let mut conn = pool.get().unwrap();
            let read: Setting = diesel::sql_query("PRAGMA synchronous")
                .get_result(&mut *conn)
                .unwrap();
            assert_eq!(read.synchronous, expected, "{setting:?}");
        }
    }
}

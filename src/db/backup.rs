//! What a backup and a restore ask of the database itself: a consistent copy of a SQLite
//! database while it serves (`VACUUM INTO`), whether a database is still empty, its
//! integrity, and which migrations a copy carries. The files and the PostgreSQL tools are
//! `ops::backup`'s.

use std::path::Path;

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{DbConnection, DbResult, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    text: String,
}

/// Writes a consistent copy of the SQLite database behind `conn` to `out` (which must not
/// exist): one read transaction, so writers go on while it runs and none of their changes is
/// half in the copy.
pub fn sqlite_copy_into(conn: &mut DbConnection, out: &Path) -> DbResult<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(out.to_string_lossy().as_ref())
        .execute(conn)?;
    Ok(())
}

/// How many tables the database holds (0: a fresh database a restore may fill).
pub fn table_count(conn: &mut DbConnection) -> DbResult<i64> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
        }
    };
    Ok(diesel::sql_query(query).get_result::<Count>(conn)?.n)
}

/// SQLite's own check of a database file: `ok`, or what is damaged.
pub fn sqlite_integrity(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS text FROM pragma_integrity_check")
            .load(conn)?;
    Ok(lines.into_iter().map(|line| line.text).collect())
}

/// The migrations applied to the database (their versions), or `None` when it has no
/// migration table (it was not made by tsunagari).
pub fn applied_migrations(conn: &mut DbConnection) -> DbResult<Option<Vec<String>>> {
    let has_table = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name = '__diesel_schema_migrations'"
        }
    };
    if diesel::sql_query(has_table).get_result::<Count>(conn)?.n == 0 {
        return Ok(None);
    }
    let versions: Vec<Line> = diesel::sql_query(
        "SELECT version AS text FROM __diesel_schema_migrations ORDER BY version",
    )
    .load(conn)?;
    Ok(Some(versions.into_iter().map(|v| v.text).collect()))
}

/// The versions of the migrations this build knows for the backend of `conn`.
pub fn known_migrations(conn: &DbConnection) -> Vec<String> {
    fn versions<DB: diesel::backend::Backend>(source: &impl MigrationSource<DB>) -> Vec<String> {
        source
            .migrations()
            .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
            .unwrap_or_default()
    }
    match conn {
        DbConnection::Sqlite(_) => versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS),
        DbConnection::Postgresql(_) => versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS),
    }
}

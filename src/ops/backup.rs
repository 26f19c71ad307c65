//! Backing up a running database into one file and restoring that file into a fresh
//! database, on either backend: SQLite through `VACUUM INTO` (a consistent copy while the
//! site serves), PostgreSQL through `pg_dump`'s custom format (one snapshot) and
//! `pg_restore`. A restore never writes over a database that holds anything, and brings an
//! older backup up to this version's migrations.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::DatabaseUrl;
use crate::db::{self, DbError};

/// The first bytes of a SQLite database file.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump --format=custom` archive.
const PG_DUMP_HEADER: &[u8] = b"PGDMP";

/// What a backup file holds, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    Sqlite,
    PgDump,
}

impl BackupKind {
    fn describe(self) -> &'static str {
        match self {
            BackupKind::Sqlite => "a SQLite backup",
            BackupKind::PgDump => "a PostgreSQL backup (pg_dump)",
        }
    }
}

/// What a finished backup or restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: BackupKind,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Migrations a restore applied after loading the backup (0 for a backup).
    pub migrations_applied: usize,
}

/// Why a backup or restore did nothing (a failed one leaves no partial file or database
/// behind where it can be avoided, and never changes the source).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: choose a new file name (a backup never overwrites a file)")]
    OutExists(PathBuf),
    #[error("cannot read {path}: {cause}")]
    Unreadable {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "{0} is not a tsunagari backup: it is neither a SQLite database nor a pg_dump archive"
    )]
    NotABackup(PathBuf),
    #[error("{file} is {kind}, but DATABASE_URL names a {target} database: restore it into a database of the same kind")]
    WrongBackend {
        file: PathBuf,
        kind: &'static str,
        target: &'static str,
    },
    #[error("{target} is not empty ({tables} tables): a restore only fills a fresh database; move the old one aside (or create an empty PostgreSQL database) and restore into that")]
    TargetNotEmpty { target: String, tables: i64 },
    #[error("{0} is damaged (SQLite integrity check: {1}); use another backup")]
    Damaged(PathBuf, String),
    #[error("{0} was not made by tsunagari (it has no migration table)")]
    NotTsunagari(PathBuf),
    #[error("{file} comes from a newer version of tsunagari (migration {version} is unknown here): restore it with that version or newer")]
    NewerVersion { file: PathBuf, version: String },
    #[error("`{tool}` could not be run ({cause}); install the PostgreSQL client tools (apt-get install postgresql-client) in a version at least the server's")]
    ToolMissing {
        tool: &'static str,
        cause: std::io::Error,
    },
    #[error("`{tool}` failed: {stderr}")]
    ToolFailed { tool: &'static str, stderr: String },
    #[error("writing {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] DbError),
    #[error("{0}")]
    Connect(String),
}

/// Writes a consistent snapshot of the database at `url` to `out`, which must not exist.
/// Safe while the site serves: residents' saves go on and none is half in the file.
pub fn backup(url: &DatabaseUrl, out: &Path) -> Result<Outcome, BackupError> {
    if out.exists() {
        return Err(BackupError::OutExists(out.to_path_buf()));
    }
    let kind = match url {
        DatabaseUrl::Sqlite(_) => {
            let pool = open(url)?;
            let mut conn = pool.get().map_err(DbError::from)?;
            db::backup::sqlite_copy_into(&mut conn, out)?;
            BackupKind::Sqlite
        }
        DatabaseUrl::Postgres(connection) => {
            let partial = partial_name(out);
            run_tool(
                "pg_dump",
                Command::new("pg_dump")
                    .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                    .arg(&partial)
                    .arg(connection),
            )
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&partial);
            })?;
            std::fs::rename(&partial, out).map_err(|cause| BackupError::Write {
                path: out.to_path_buf(),
                cause,
            })?;
            BackupKind::PgDump
        }
    };
    Ok(Outcome {
        kind,
        bytes: file_size(out)?,
        migrations_applied: 0,
    })
}

/// Loads the backup `file` into the fresh database at `url` (a SQLite file that does not
/// exist or holds no tables; an empty PostgreSQL database), then applies the migrations
/// this version has that the backup does not.
pub fn restore(url: &DatabaseUrl, file: &Path) -> Result<Outcome, BackupError> {
    let kind = kind_of(file)?;
    match (kind, url) {
        (BackupKind::Sqlite, DatabaseUrl::Sqlite(target)) => restore_sqlite(file, target)?,
        (BackupKind::PgDump, DatabaseUrl::Postgres(connection)) => {
            refuse_unless_empty(url)?;
            run_tool(
                "pg_restore",
                Command::new("pg_restore")
                    .args([
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "--single-transaction",
                        "--dbname",
                    ])
                    .arg(connection)
                    .arg(file),
            )?;
        }
        (kind, url) => {
            return Err(BackupError::WrongBackend {
                file: file.to_path_buf(),
                kind: kind.describe(),
                target: backend_name(url),
            })
        }
    }
    let pool = open(url)?;
    if kind == BackupKind::PgDump {
        // A SQLite copy was checked before it was put in place; a dump only once loaded.
        check_migrations(&pool, file)?;
    }
    let migrations_applied =
        db::migrate(&pool).map_err(|e| BackupError::Connect(format!("{e:#}")))?;
    Ok(Outcome {
        kind,
        bytes: file_size(file)?,
        migrations_applied,
    })
}

/// What the first bytes of `file` say it is.
pub fn kind_of(file: &Path) -> Result<BackupKind, BackupError> {
    use std::io::Read;
    let unreadable = |cause| BackupError::Unreadable {
        path: file.to_path_buf(),
        cause,
    };
    let mut head = [0u8; 16];
    let mut opened = std::fs::File::open(file).map_err(unreadable)?;
    let read = opened.read(&mut head).map_err(unreadable)?;
    let head = &head[..read];
    if head.starts_with(SQLITE_HEADER) {
        Ok(BackupKind::Sqlite)
    } else if head.starts_with(PG_DUMP_HEADER) {
        Ok(BackupKind::PgDump)
    } else {
        Err(BackupError::NotABackup(file.to_path_buf()))
    }
}

/// Copies the backup next to the target, checks the copy (SQLite's integrity check, made by
/// tsunagari, not by a newer version), then puts it in place in one rename, so that the
/// target is either absent, empty or the whole backup — never half of it.
fn restore_sqlite(file: &Path, target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        refuse_unless_empty(&DatabaseUrl::Sqlite(target.to_path_buf()))?;
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|cause| BackupError::Write {
            path: parent.to_path_buf(),
            cause,
        })?;
    }
    let partial = partial_name(target);
    let write = |cause| BackupError::Write {
        path: target.to_path_buf(),
        cause,
    };
    std::fs::copy(file, &partial).map_err(write)?;
    let checked = check_sqlite_copy(file, &partial);
    if checked.is_err() {
        remove_with_journals(&partial);
        return checked;
    }
    // An empty target's journal files belong to the file being replaced.
    remove_with_journals(target);
    std::fs::rename(&partial, target).map_err(write)
}

fn check_sqlite_copy(file: &Path, copy: &Path) -> Result<(), BackupError> {
    let pool = open(&DatabaseUrl::Sqlite(copy.to_path_buf()))?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let report = db::backup::sqlite_integrity(&mut conn)?;
    if report != ["ok"] {
        return Err(BackupError::Damaged(file.to_path_buf(), report.join("; ")));
    }
    drop(conn);
    check_migrations(&pool, file)
}

/// Removes a SQLite file and its journal files (those that exist).
fn remove_with_journals(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn refuse_unless_empty(url: &DatabaseUrl) -> Result<(), BackupError> {
    let pool = open(url)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let tables = db::backup::table_count(&mut conn)?;
    if tables > 0 {
        return Err(BackupError::TargetNotEmpty {
            target: url.describe(),
            tables,
        });
    }
    Ok(())
}

fn check_migrations(pool: &db::Pool, file: &Path) -> Result<(), BackupError> {
    let mut conn = pool.get().map_err(DbError::from)?;
    let Some(applied) = db::backup::applied_migrations(&mut conn)? else {
        return Err(BackupError::NotTsunagari(file.to_path_buf()));
    };
    let known = db::backup::known_migrations(&conn);
    match applied.into_iter().find(|version| !known.contains(version)) {
        Some(version) => Err(BackupError::NewerVersion {
            file: file.to_path_buf(),
            version,
        }),
        None => Ok(()),
    }
}

fn open(url: &DatabaseUrl) -> Result<db::Pool, BackupError> {
    db::connect(url).map_err(|e| BackupError::Connect(format!("{e:#}")))
}

fn run_tool(tool: &'static str, command: &mut Command) -> Result<(), BackupError> {
    let output = command
        .output()
        .map_err(|cause| BackupError::ToolMissing { tool, cause })?;
    if output.status.success() {
        return Ok(());
    }
    Err(BackupError::ToolFailed {
        tool,
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    })
}

/// The name a file is written under until it is whole.
fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn file_size(path: &Path) -> Result<u64, BackupError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|cause| BackupError::Unreadable {
            path: path.to_path_buf(),
            cause,
        })
}

fn backend_name(url: &DatabaseUrl) -> &'static str {
    match url {
        DatabaseUrl::Sqlite(_) => "SQLite",
        DatabaseUrl::Postgres(_) => "PostgreSQL",
    }
}

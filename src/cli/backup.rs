//! `tsunagari backup --out FILE` and `tsunagari restore --file FILE`: the database named by
//! DATABASE_URL (or --database) into one file while the site serves, and that file into a
//! fresh database.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, CliResult};
use crate::config::{Config, DatabaseUrl};
use crate::ops::backup::{self, BackupError, BackupKind, Outcome};

/// Flags of `tsunagari backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (must not exist): a SQLite database file for SQLite, a pg_dump
    /// custom-format archive for PostgreSQL.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The database to back up (a SQLite file path or postgres://…); overrides DATABASE_URL.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// Flags of `tsunagari restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `tsunagari backup` wrote.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// The fresh database to restore into (a SQLite file that does not exist yet, or an empty
    /// PostgreSQL database); overrides DATABASE_URL.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// Runs `tsunagari backup`.
pub fn run_backup(args: &BackupArgs) -> CliResult {
    let url = database(args.database.as_deref())?;
    let done = backup::backup(&url, &args.out).map_err(worded)?;
    println!(
        "backed up {} into {} ({})",
        url.describe(),
        args.out.display(),
        described(&done)
    );
    Ok(())
}

/// Runs `tsunagari restore`.
pub fn run_restore(args: &RestoreArgs) -> CliResult {
    let url = database(args.database.as_deref())?;
    let done = backup::restore(&url, &args.file).map_err(worded)?;
    println!(
        "restored {} into {} ({}; migrations applied since the backup: {})",
        args.file.display(),
        url.describe(),
        described(&done),
        done.migrations_applied
    );
    Ok(())
}

fn database(flag: Option<&str>) -> Result<DatabaseUrl, CliError> {
    match flag {
        Some(raw) => DatabaseUrl::parse(raw).map_err(CliError::Usage),
        None => Ok(Config::from_env().map_err(CliError::Usage)?.database),
    }
}

fn described(done: &Outcome) -> String {
    let kind = match done.kind {
        BackupKind::Sqlite => "SQLite database file",
        BackupKind::PgDump => "pg_dump custom-format archive",
    };
    format!("{kind}, {} bytes", done.bytes)
}

/// The person's input (exit 2) or a failure of the database or its tools (exit 1).
fn worded(e: BackupError) -> CliError {
    match e {
        BackupError::Storage(_)
        | BackupError::Connect(_)
        | BackupError::ToolFailed { .. }
        | BackupError::Write { .. } => CliError::Failed(e.into()),
        _ => CliError::Usage(e.to_string()),
    }
}

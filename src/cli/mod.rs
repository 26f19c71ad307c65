//! Command-line interface: one module per subcommand; `main.rs` only parses and dispatches.

pub mod accounts;
pub mod backup;
pub mod codes;
pub mod demo;
pub mod estimate;
pub mod export;
pub mod frame;
pub mod mail;
pub mod sample;
pub mod serve;
pub mod surveys;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{self, Pool};

/// tsunagari — resident surveys on loneliness and isolation, end to end.
#[derive(Debug, Parser)]
#[command(name = "tsunagari", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Every command the binary knows.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (migrates the database first).
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Set up a demo survey with codes and a staff login on the database, then serve.
    Demo(demo::DemoArgs),
    /// Staff, planner and admin accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Access codes for residents.
    #[command(subcommand)]
    Codes(codes::CodesCommand),
    /// Create, list, open and close surveys.
    #[command(subcommand)]
    Survey(surveys::SurveyCommand),
    /// Weighted prevalence and subgroup rates from an analysis CSV file.
    Estimate(estimate::EstimateArgs),
    /// The analysis file for statisticians: analysis.csv, codebook.csv, margins.csv and
    /// reproduce.R (R's survey package recomputes the subgroup table from them).
    Export(export::ExportArgs),
    /// The sampling frame: import the resident register, purge it after fieldwork.
    #[command(subcommand)]
    Frame(frame::FrameCommand),
    /// The sample: draw, summary, response rates, mailing and reminder lists, dispositions.
    #[command(subcommand)]
    Sample(sample::SampleCommand),
    /// A consistent copy of the database in one file, while the site serves.
    Backup(backup::BackupArgs),
    /// A backup into a fresh database (never over one that holds anything).
    Restore(backup::RestoreArgs),
    /// E-mail: send a test message through the configured transport.
    #[command(subcommand)]
    Mail(mail::MailCommand),
}

/// Runs the parsed command; errors are printed to stderr with exit status 2 for bad input
/// and 1 for failures.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Migrate => with_database().map(|(_, _, ran)| {
            println!("migrations applied: {ran}");
        }),
        Command::Demo(args) => demo::run(&args),
        Command::User(cmd) => accounts::run(cmd),
        Command::Codes(cmd) => codes::run(cmd),
        Command::Survey(cmd) => surveys::run(cmd),
        // Writes its own errors: exit 2 for bad input, as the estimation issue specifies.
        Command::Estimate(args) => return estimate::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Frame(cmd) => frame::run(cmd),
        Command::Sample(cmd) => sample::run(cmd),
        Command::Mail(cmd) => mail::run(cmd),
        Command::Backup(args) => backup::run_backup(&args),
        Command::Restore(args) => backup::run_restore(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// How a command failed: the person's input (exit 2) or something else (exit 1).
#[derive(Debug)]
pub enum CliError {
    Usage(String),
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

impl From<db::DbError> for CliError {
    fn from(e: db::DbError) -> Self {
        match e {
            db::DbError::Conflict(message) => CliError::Usage(message),
            other => CliError::Failed(other.into()),
        }
    }
}

/// Result of a command.
pub type CliResult = Result<(), CliError>;

/// Reads the configuration, connects and migrates; returns the pool, config and how many
/// migrations ran.
pub fn with_database() -> Result<(Pool, Config, usize), CliError> {
    let config = Config::from_env().map_err(CliError::Usage)?;
    let pool = db::connect_with(&config.database, config.sqlite_synchronous)?;
    let ran = db::migrate(&pool)?;
    Ok((pool, config, ran))
}

/// A pooled connection or a failure.
pub fn connection(pool: &Pool) -> Result<db::PooledConnection, CliError> {
    pool.get().map_err(|e| CliError::Failed(e.into()))
}

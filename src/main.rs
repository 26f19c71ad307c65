//! The `tsunagari` binary: parse the command line and run one command.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tsunagari::cli;

/// Municipal loneliness and social-isolation surveys, end to end.
#[derive(Debug, Parser)]
#[command(name = "tsunagari", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Weighted prevalence and subgroup rates from an analysis CSV file.
    Estimate(cli::estimate::EstimateArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Estimate(args) => cli::estimate::run(&args),
    }
}

//! The `tsunagari` binary: parse the command line and run one command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_server=warn"),
    )
    .init();
    tsunagari::cli::run(tsunagari::cli::Cli::parse())
}

//! `tsunagari mail test --to ADDRESS`: sends one message through the configured transport
//! now, and says where it went (for the folder transport: the .eml file).

use clap::{Args, Subcommand};

use super::{CliError, CliResult};
use crate::config::Config;
use crate::mail::messages::TestMail;
use crate::mail::{EmailAddress, Mailer};
use crate::questionnaire::Lang;

/// Mail commands.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test message through the configured transport (SMTP or the mail folder).
    Test(TestArgs),
    /// Queue the weekly fieldwork digest now (the server also queues it every Monday at 08:00).
    Digest,
}

/// Options of `mail test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The address to send the test message to.
    #[arg(long)]
    pub to: String,
}

/// Runs a mail command.
pub fn run(cmd: MailCommand) -> CliResult {
    let config = Config::from_env().map_err(CliError::Usage)?;
    match cmd {
        MailCommand::Test(args) => {
            let line = send_test(&config, &args.to)?;
            println!("{line}");
            Ok(())
        }
        MailCommand::Digest => {
            let pool = crate::db::connect_with(&config.database, config.sqlite_synchronous)?;
            crate::db::migrate(&pool)?;
            let mut conn = super::connection(&pool)?;
            let links = crate::ops::accounts::LinkContext {
                base_url: &config.base_url,
                zone: &config.time_zone,
            };
            let queued = crate::ops::digest::queue_now(&mut conn, crate::db::now(), links)?;
            println!("fieldwork digest queued for {queued} account(s); the server sends them");
            Ok(())
        }
    }
}

/// Sends the test message; the line says where it went. Bad settings or a refused message
/// are errors naming what to fix.
pub fn send_test(config: &Config, to: &str) -> Result<String, CliError> {
    let to = EmailAddress::parse(to)
        .map_err(|e| CliError::Usage(format!("--to: {}", e.message(Lang::En))))?;
    let mailer = Mailer::from_settings(&config.mail).map_err(CliError::Usage)?;
    let mail = TestMail {
        transport: &mailer.describe(),
        sent_at: crate::db::now(),
        zone: &config.time_zone,
    }
    .render();
    let delivery = mailer
        .send(to.as_str(), &mail)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("the test message was not sent: {e}")))?;
    Ok(format!("test message to {}: {delivery}", to.as_str()))
}

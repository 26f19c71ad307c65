//! `tsunagari serve`: run the site.

use clap::Args;

use super::{with_database, CliResult};
use crate::web::{build_app, AppState};

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides TSUNAGARI_BIND).
    #[arg(long)]
    pub bind: Option<String>,
}

/// Migrates, then serves until interrupted.
pub fn run(args: &ServeArgs) -> CliResult {
    let (pool, mut config, _) = with_database()?;
    if let Some(bind) = &args.bind {
        config.bind = bind.clone();
    }
    start(pool, config)
}

/// Serves the site with an already migrated pool.
pub fn start(pool: crate::db::Pool, config: crate::config::Config) -> CliResult {
    let bind = config.bind.clone();
    let state = AppState::new(pool.clone(), config).map_err(super::CliError::Usage)?;
    crate::mail::sender::spawn(pool, state.mailer.clone(), state.mail_wakeup.clone());
    println!("listening on http://{bind}");
    println!("mail: {}", state.mailer.describe());
    actix_web::rt::System::new()
        .block_on({
            let bind = bind.clone();
            async move {
                actix_web::HttpServer::new(move || build_app(state.clone()))
                    .bind(&bind)?
                    .run()
                    .await
            }
        })
        .map_err(|e| super::CliError::Failed(anyhow::anyhow!("serving on {bind}: {e}")))
}

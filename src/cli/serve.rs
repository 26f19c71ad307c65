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
    let (base_url, zone) = (state.config.base_url.clone(), state.config.time_zone);
    let weekly_digest = move |pool: &crate::db::Pool| {
        let queued = pool
            .get()
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| {
                let links = crate::ops::accounts::LinkContext {
                    base_url: &base_url,
                    zone: &zone,
                };
                crate::ops::digest::queue_if_due(&mut conn, crate::db::now(), links)
                    .map_err(anyhow::Error::from)
            });
        match queued {
            Ok(0) => {}
            Ok(n) => log::info!("weekly fieldwork digest queued for {n} account(s)"),
            Err(e) => log::error!("the weekly fieldwork digest could not be queued: {e:#}"),
        }
    };
    crate::mail::sender::spawn(
        pool,
        state.mailer.clone(),
        state.mail_wakeup.clone(),
        weekly_digest,
    );
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

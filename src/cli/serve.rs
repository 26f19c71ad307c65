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

/// How often the server looks for closed contact requests past their retention period.
const RETENTION_PASS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes the contact requests whose retention period has ended (each deletion is logged).
fn delete_expired_contact_requests(pool: &crate::db::Pool) {
    let deleted = pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| {
            crate::ops::consultation::delete_expired(&mut conn, crate::db::now())
                .map_err(anyhow::Error::from)
        });
    if let Err(e) = deleted {
        log::error!("closed contact requests could not be checked for deletion: {e:#}");
    }
}

/// Serves the site with an already migrated pool.
pub fn start(pool: crate::db::Pool, config: crate::config::Config) -> CliResult {
    let bind = config.bind.clone();
    let state = AppState::new(pool.clone(), config).map_err(super::CliError::Usage)?;
    let (base_url, zone) = (state.config.base_url.clone(), state.config.time_zone);
    let mut last_retention_pass: Option<std::time::Instant> = None;
    let scheduled = move |pool: &crate::db::Pool| {
        if last_retention_pass.is_none_or(|at| at.elapsed() >= RETENTION_PASS_EVERY) {
            last_retention_pass = Some(std::time::Instant::now());
            delete_expired_contact_requests(pool);
        }
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
        scheduled,
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

//! `tsunagari demo`: a ready-to-try survey with codes and a staff login, then the site.

use std::path::PathBuf;

use clap::Args;

use super::{codes, connection, with_database, CliError, CliResult};
use crate::auth::{self, Role};
use crate::db;
use crate::sampling::access_code::AccessCode;
use crate::survey::SurveySettings;

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo survey file.
    #[arg(long, default_value = "surveys/demo.toml")]
    pub survey_file: PathBuf,
    /// The demo open questionnaire (answered through one public link, no codes).
    #[arg(long, default_value = "surveys/gatekeeper-demo.toml")]
    pub open_survey_file: PathBuf,
    /// Set up and print, but do not start the server.
    #[arg(long)]
    pub no_serve: bool,
}

/// The stored survey of a survey file, created on the first run.
fn find_or_create(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    settings: &SurveySettings,
) -> Result<db::surveys::SurveyRow, CliError> {
    match db::surveys::find_by_slug(conn, &settings.slug)? {
        Some(existing) => Ok(existing),
        None => super::surveys::create(conn, config, settings),
    }
}

/// Sign-in name of the demo administrator.
pub const DEMO_ADMIN: &str = "demo-admin";

/// Creates (or reuses) the demo survey, makes sure it has unused codes, resets the demo
/// admin's password, prints how to try it, and serves.
pub fn run(args: &DemoArgs) -> CliResult {
    let (pool, config, _) = with_database()?;
    let settings =
        SurveySettings::load(&args.survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut conn = connection(&pool)?;
    let survey = find_or_create(&mut conn, &config, &settings)?;
    let open_settings =
        SurveySettings::load(&args.open_survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    find_or_create(&mut conn, &config, &open_settings)?;
    let mut unused = db::codes::unused(&mut conn, survey.id, 5)?;
    if unused.len() < 5 {
        codes::issue(&mut conn, survey.id, 20)?;
        unused = db::codes::unused(&mut conn, survey.id, 5)?;
    }
    let password = super::accounts::generate_password();
    let hash = auth::hash_password(&password).map_err(|e| CliError::Failed(e.into()))?;
    match db::users::find_by_username(&mut conn, DEMO_ADMIN)? {
        Some(user) => db::users::set_password(&mut conn, user.id, &hash)?,
        None => {
            db::users::create(&mut conn, DEMO_ADMIN, "デモ管理者", &hash, Role::Admin)?;
        }
    }
    drop(conn);

    let base = &config.base_url;
    println!();
    println!(
        "tsunagari demo — {} ({})",
        settings.title.ja,
        config.database.describe()
    );
    println!();
    println!("  Residents: open {base}/ and type one of these access codes,");
    println!("  or open the link (what the QR code on a letter carries):");
    for code in &unused {
        let code = AccessCode::parse(code)
            .map(|c| c.grouped())
            .unwrap_or_else(|_| code.clone());
        println!("    {code}    {base}/c/{code}");
    }
    println!();
    println!(
        "  Open questionnaire (anyone with the link, e.g. after a training session): {base}/o/{}",
        open_settings.slug
    );
    println!();
    println!("  Staff:     {base}/login   user {DEMO_ADMIN}   password {password}");
    println!();
    if args.no_serve {
        return Ok(());
    }
    super::serve::start(pool, config)
}

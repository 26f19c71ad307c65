//! `tsunagari codes generate|list`: access codes for a survey.

use clap::{Args, Subcommand};

use super::{connection, with_database, CliError, CliResult};
use crate::db;
use crate::sampling::access_code::AccessCode;

/// Access-code commands.
#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Issue new random codes for a survey and print them.
    Generate(GenerateCodes),
    /// Print every code of a survey.
    List {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
    },
}

/// Options of `codes generate`.
#[derive(Debug, Args)]
pub struct GenerateCodes {
    /// The survey's slug.
    #[arg(long)]
    pub survey: String,
    /// How many codes (1–200000).
    #[arg(long)]
    pub count: usize,
}

/// Runs an access-code command.
pub fn run(cmd: CodesCommand) -> CliResult {
    let (pool, _, _) = with_database()?;
    let mut conn = connection(&pool)?;
    match cmd {
        CodesCommand::Generate(args) => {
            let survey = find_survey(&mut conn, &args.survey)?;
            let codes = issue(&mut conn, survey.id, args.count)?;
            for code in codes {
                println!("{}", code.grouped());
            }
            Ok(())
        }
        CodesCommand::List { survey } => {
            let survey = find_survey(&mut conn, &survey)?;
            for code in db::codes::list(&mut conn, survey.id)? {
                match AccessCode::parse(&code) {
                    Ok(code) => println!("{}", code.grouped()),
                    Err(_) => println!("{code}"),
                }
            }
            Ok(())
        }
    }
}

/// Generates and stores `count` codes for a survey; all or none.
pub fn issue(
    conn: &mut db::DbConnection,
    survey_id: i64,
    count: usize,
) -> Result<Vec<AccessCode>, CliError> {
    crate::ops::codes::issue(conn, survey_id, count, false).map_err(|e| match e {
        crate::ops::codes::CodesError::Db(e) => e.into(),
        refusal @ crate::ops::codes::CodesError::Count(_) => CliError::Usage(refusal.to_string()),
        other => CliError::Failed(other.into()),
    })
}

/// The survey with this slug, or a usage error naming it.
pub fn find_survey(
    conn: &mut db::DbConnection,
    slug: &str,
) -> Result<db::surveys::SurveyRow, CliError> {
    crate::ops::surveys::row_by_slug(conn, slug).map_err(|e| match e {
        db::DbError::NotFound => CliError::Usage(format!(
            "there is no survey `{slug}`; `tsunagari survey list` shows them"
        )),
        other => other.into(),
    })
}

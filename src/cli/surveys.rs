//! `tsunagari survey create|list|open|close`: surveys from survey files.

use std::path::PathBuf;

use clap::Subcommand;

use super::codes::find_survey;
use super::{connection, with_database, CliError, CliResult};
use crate::db;
use crate::ops::lifecycle::{Confirmation, Stage, Transition};
use crate::ops::{self, surveys::CreateError};
use crate::survey::SurveySettings;

/// Survey commands.
#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Create a survey from a survey file (see surveys/README.md).
    Create {
        /// The survey file, e.g. surveys/demo.toml.
        #[arg(long)]
        file: PathBuf,
    },
    /// List surveys.
    List,
    /// Open fieldwork: access codes start to work.
    Open {
        #[arg(long)]
        survey: String,
    },
    /// Close fieldwork: access codes stop working.
    Close {
        #[arg(long)]
        survey: String,
    },
    /// Publish the results: planners' numbers are final and the data is frozen.
    Publish {
        #[arg(long)]
        survey: String,
        /// Publish although paper forms still wait to be keyed or reconciled.
        #[arg(long)]
        despite_paper_backlog: bool,
    },
    /// Unpublish, to correct something; the reason is logged.
    Unpublish {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        reason: String,
    },
}

/// Runs a survey command.
pub fn run(cmd: SurveyCommand) -> CliResult {
    let (pool, config, _) = with_database()?;
    let mut conn = connection(&pool)?;
    match cmd {
        SurveyCommand::Create { file } => {
            let settings =
                SurveySettings::load(&file).map_err(|e| CliError::Usage(e.to_string()))?;
            let row = create(&mut conn, &config, &settings)?;
            println!("created survey {} ({})", row.slug, row.status);
            Ok(())
        }
        SurveyCommand::List => {
            for row in db::surveys::list(&mut conn)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    row.slug, row.status, row.questionnaire, row.title_ja
                );
            }
            Ok(())
        }
        SurveyCommand::Open { survey } => {
            step(&mut conn, &config, &survey, None, Default::default())
        }
        SurveyCommand::Close { survey } => step(
            &mut conn,
            &config,
            &survey,
            Some(Transition::Close),
            Default::default(),
        ),
        SurveyCommand::Publish {
            survey,
            despite_paper_backlog,
        } => step(
            &mut conn,
            &config,
            &survey,
            Some(Transition::Publish),
            Confirmation {
                despite_paper_backlog,
                reason: String::new(),
            },
        ),
        SurveyCommand::Unpublish { survey, reason } => step(
            &mut conn,
            &config,
            &survey,
            Some(Transition::Unpublish),
            Confirmation {
                despite_paper_backlog: false,
                reason,
            },
        ),
    }
}

/// Creates a survey ([`ops::surveys::create`]), worded for the terminal.
pub fn create(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    settings: &SurveySettings,
) -> Result<db::surveys::SurveyRow, CliError> {
    ops::surveys::create(conn, &config.questionnaires_dir, settings).map_err(|e| match e {
        CreateError::Storage(e) => e.into(),
        other => CliError::Usage(other.to_string()),
    })
}

/// Takes a lifecycle step from the command line (`None`: open, from a draft or closed).
fn step(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    slug: &str,
    transition: Option<Transition>,
    confirmation: Confirmation,
) -> CliResult {
    let row = find_survey(conn, slug)?;
    let survey =
        crate::survey::Survey::try_from(row.clone()).map_err(|e| CliError::Failed(e.into()))?;
    let transition = transition.unwrap_or(match Stage::of(&survey) {
        Stage::Closed => Transition::Reopen,
        _ => Transition::Open,
    });
    let sampled = crate::questionnaire::Catalogue::load(&config.questionnaires_dir)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .for_survey(&survey.questionnaire, &survey.modules)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .kind()
        == crate::questionnaire::QuestionnaireKind::Sampled;
    let links = crate::ops::accounts::LinkContext {
        base_url: &config.base_url,
        zone: &config.time_zone,
    };
    crate::ops::lifecycle::transition(
        conn,
        row.id,
        sampled,
        None,
        transition,
        &confirmation,
        links,
    )
    .map_err(|e| match e {
        crate::ops::lifecycle::LifecycleError::Db(e) => e.into(),
        refusal => CliError::Usage(refusal.message(crate::questionnaire::Lang::En)),
    })?;
    let now = Stage::of(
        &crate::survey::Survey::try_from(db::surveys::find(conn, row.id)?)
            .map_err(|e| CliError::Failed(e.into()))?,
    );
    println!(
        "survey {slug}: {}",
        now.label(crate::questionnaire::Lang::En)
    );
    Ok(())
}

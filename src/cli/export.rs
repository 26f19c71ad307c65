//! `tsunagari export --survey S --out DIR`: the analysis file for statisticians
//! (`analysis.csv`, `codebook.csv`, `margins.csv`, `reproduce.R`; see docs/export.md), built
//! from the survey's counted responses as the planner pages see them.

use std::path::{Path, PathBuf};

use clap::Args;

use super::codes::find_survey;
use super::{connection, with_database, CliError, CliResult};
use crate::analysis::cache::KnownAnswers;
use crate::analysis::weighting::WeightingSpec;
use crate::analysis::{AnalysisError, Dataset, Published};
use crate::config::Config;
use crate::db::{self, DbConnection};
use crate::export::analysis_file::{self, AnalysisFile, ExportInfo, FILE_NAMES};
use crate::questionnaire::Catalogue;
use crate::survey::Survey;

/// Options of `tsunagari export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The survey's slug.
    #[arg(long)]
    pub survey: String,
    /// Folder to write the four files into (created if missing; files of the same names are
    /// replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `tsunagari export`.
pub fn run(args: &ExportArgs) -> CliResult {
    let (pool, config, _) = with_database()?;
    let mut conn = connection(&pool)?;
    let file = build(&mut conn, &config, &args.survey, rand::random())?;
    write(&file, &args.out)?;
    println!(
        "{}: {}\n{}",
        args.out.display(),
        FILE_NAMES.join(", "),
        file.summary
    );
    Ok(())
}

/// The analysis file of the survey `slug` at its current data version, its respondents in the
/// order `seed` gives.
pub fn build(
    conn: &mut DbConnection,
    config: &Config,
    slug: &str,
    seed: u64,
) -> Result<AnalysisFile, CliError> {
    let row = find_survey(conn, slug)?;
    let survey = Survey::try_from(row).map_err(|e| CliError::Failed(e.into()))?;
    let questionnaire = Catalogue::load(&config.questionnaires_dir)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("{e}")))?
        .for_survey(&survey.questionnaire, &survey.modules)
        .map_err(|e| CliError::Failed(anyhow::anyhow!("survey {slug}: {e}")))?;
    // The version is read before the data, as the planner pages do: a change in between
    // only makes the recorded version older than the data, never the data stale.
    let data_version = db::surveys::data_version(conn, survey.id)?;
    let published = db::weightings::published(conn, survey.id)?
        .map(|(name, json)| {
            WeightingSpec::from_json(&json)
                .map(|spec| Published { name, spec })
                .map_err(|e| CliError::Failed(anyhow::anyhow!("the published weighting: {e}")))
        })
        .transpose()?;
    let stored = db::analysis::stored(conn, survey.id, &KnownAnswers::default())?;
    let dataset = match stored.design {
        None => Err(AnalysisError::NoSample),
        Some((respondents, register)) => {
            Dataset::build_weighted(&questionnaire, respondents, &register, published.as_ref())
        }
    }
    .map_err(|e| CliError::Usage(not_exportable(&e, slug)))?;
    let info = ExportInfo {
        survey_slug: survey.slug.clone(),
        survey_title: survey.title.clone(),
        data_version,
    };
    analysis_file::build(&dataset, &info, seed).map_err(|e| match e.messages() {
        Some((ja, en)) => CliError::Usage(format!("{ja}\n{en}")),
        None => CliError::Failed(e.into()),
    })
}

/// Why there is nothing to export, and what to do, in Japanese and English.
fn not_exportable(e: &AnalysisError, slug: &str) -> String {
    let (ja, en) = analysis_file::not_exportable(e);
    format!(
        "survey `{slug}` cannot be exported yet / 調査「{slug}」はまだ出力できません:\n  {ja}\n  {en}"
    )
}

/// Writes the four files into `dir`.
pub fn write(file: &AnalysisFile, dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Usage(format!("cannot create the folder {}: {e}", dir.display())))?;
    for (name, bytes) in file.files() {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

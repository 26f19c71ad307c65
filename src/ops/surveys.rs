//! Creating a survey from a survey file: its questionnaire and modules checked against the
//! catalogue, its previous wave checked, then the survey, its letter text and the wave
//! stored.

use std::path::Path;

use crate::db::{self, DbConnection, DbError};
use crate::ops::previous_wave::{self, WaveError};
use crate::survey::{Survey, SurveySettings};

/// Why a survey was not created (nothing is stored then).
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The questionnaire files could not be loaded (each problem in both languages).
    #[error("{0}")]
    Catalogue(crate::questionnaire::LoadErrors),
    /// The survey names a questionnaire or module the catalogue does not have.
    #[error("{0}")]
    Questionnaire(crate::questionnaire::QuestionnaireError),
    /// The consultation window's address is not an e-mail address.
    #[error("[consultation] email: {0}")]
    Consultation(String),
    /// The previous wave named cannot be one.
    #[error("{}", .0.message(crate::questionnaire::Lang::En))]
    PreviousWave(WaveError),
    /// Storing failed (a taken slug is a conflict).
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Stores a new survey after checking that its questionnaire and modules exist in
/// `questionnaires_dir` and that its previous wave may be one.
pub fn create(
    conn: &mut DbConnection,
    questionnaires_dir: &Path,
    settings: &SurveySettings,
) -> Result<db::surveys::SurveyRow, CreateError> {
    crate::questionnaire::Catalogue::load(questionnaires_dir)
        .map_err(CreateError::Catalogue)?
        .check_survey(&settings.questionnaire, &settings.modules)
        .map_err(CreateError::Questionnaire)?;
    // Checked before anything is stored, so a wrong name creates nothing.
    let wave = match &settings.previous_wave {
        Some(previous) => Some(
            previous_wave::check(conn, &settings.slug, &settings.questionnaire, previous)
                .map_err(CreateError::PreviousWave)?,
        ),
        None => None,
    };
    if let Some(window) = &settings.consultation {
        crate::mail::EmailAddress::parse(&window.email)
            .map_err(|e| CreateError::Consultation(e.message(crate::questionnaire::Lang::En)))?;
    }
    let consultation_json = settings.consultation_json();
    let row = db::surveys::create(
        conn,
        &db::surveys::NewSurvey {
            slug: &settings.slug,
            title_ja: &settings.title.ja,
            title_en: settings.title.en.as_deref().unwrap_or_default(),
            questionnaire: &settings.questionnaire,
            modules: &settings.modules_list(),
            status: settings.status.as_str(),
            help_json: &settings.help_json(),
            consultation_json: consultation_json.as_deref(),
            answer_from: settings.answer_from,
            answer_until: settings.answer_until,
            one_per_browser: settings.one_per_browser,
        },
    )?;
    if let Some(letter) = &settings.letter {
        db::sample::set_letter(conn, row.id, &letter.to_json())?;
    }
    if let Some(wave) = wave {
        db::surveys::set_previous_wave(conn, row.id, Some(wave.id))?;
    }
    Ok(row)
}

/// The survey row with this slug: the one lookup the pages and the commands share. No such
/// survey is [`DbError::NotFound`] (404 on a page; the command line names the slug).
pub fn row_by_slug(conn: &mut DbConnection, slug: &str) -> Result<db::surveys::SurveyRow, DbError> {
    db::surveys::find_by_slug(conn, slug)?.ok_or(DbError::NotFound)
}

/// The survey with this slug, read into a [`Survey`] (see [`row_by_slug`]).
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> Result<Survey, DbError> {
    Ok(Survey::try_from(row_by_slug(conn, slug)?)?)
}

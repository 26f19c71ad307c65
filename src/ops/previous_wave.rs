//! Naming a survey's previous wave: an earlier survey of the same questionnaire, whose
//! indicators the planner overview shows beside this survey's with a test of the change.

use crate::db::surveys::SurveyRow;
use crate::db::{self, DbConnection, DbError};
use crate::questionnaire::Lang;

/// Why a survey cannot be the previous wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaveError {
    /// No survey has that slug.
    Unknown(String),
    /// A survey cannot be its own previous wave.
    Itself,
    /// The two surveys use different questionnaires, so their indicators differ.
    OtherQuestionnaire {
        slug: String,
        questionnaire: String,
    },
    Storage(String),
}

impl WaveError {
    /// The message, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (WaveError::Unknown(slug), Lang::Ja) => format!("「{slug}」という調査はありません。前回の調査の略称（slug）を確かめてください。"),
            (WaveError::Unknown(slug), Lang::En) => format!("previous_wave: there is no survey `{slug}`; check the earlier survey's slug"),
            (WaveError::Itself, Lang::Ja) => "調査そのものを前回の調査にはできません。".into(),
            (WaveError::Itself, Lang::En) => "previous_wave: a survey cannot be its own previous wave".into(),
            (WaveError::OtherQuestionnaire { slug, questionnaire }, Lang::Ja) => format!("「{slug}」は別の調査票（{questionnaire}）の調査のため、前回の調査として比べられません。同じ調査票の調査を選んでください。"),
            (WaveError::OtherQuestionnaire { slug, questionnaire }, Lang::En) => format!("previous_wave: `{slug}` uses another questionnaire ({questionnaire}); choose a survey of the same questionnaire"),
            (WaveError::Storage(detail), Lang::Ja) => format!("保存できませんでした（{detail}）。"),
            (WaveError::Storage(detail), Lang::En) => format!("could not be stored: {detail}"),
        }
    }
}

impl From<DbError> for WaveError {
    fn from(e: DbError) -> Self {
        WaveError::Storage(e.to_string())
    }
}

/// The survey `previous` if it may be the previous wave of the survey `own_slug` that uses
/// `questionnaire`.
pub fn check(
    conn: &mut DbConnection,
    own_slug: &str,
    questionnaire: &str,
    previous: &str,
) -> Result<SurveyRow, WaveError> {
    if previous == own_slug {
        return Err(WaveError::Itself);
    }
    let row = db::surveys::find_by_slug(conn, previous)?
        .ok_or_else(|| WaveError::Unknown(previous.to_string()))?;
    if row.questionnaire != questionnaire {
        return Err(WaveError::OtherQuestionnaire {
            slug: row.slug,
            questionnaire: row.questionnaire,
        });
    }
    Ok(row)
}

/// Names `previous` (or clears, with `None`) as the previous wave of survey `id`.
pub fn set(
    conn: &mut DbConnection,
    own: &SurveyRow,
    previous: Option<&str>,
) -> Result<Option<SurveyRow>, WaveError> {
    let wave = match previous {
        Some(slug) => Some(check(conn, &own.slug, &own.questionnaire, slug)?),
        None => None,
    };
    db::surveys::set_previous_wave(conn, own.id, wave.as_ref().map(|w| w.id))?;
    Ok(wave)
}

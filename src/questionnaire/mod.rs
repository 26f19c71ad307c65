//! Questionnaires: loading and validating `questionnaires/*.toml`, answers, and scale scoring.
//!
//! A questionnaire file is parsed once, at the edge, into a [`Questionnaire`]: every
//! reference (conditions, scales, distress rules) is checked while loading, so the rest of the
//! application never meets a dangling item id or an option code that does not exist. The
//! file format is documented for survey staff in `questionnaires/README.md`.
//!
//! The pieces:
//! - [`load_dir`], [`load_file`], [`from_toml_str`]: read and validate; errors name the file,
//!   the place ([`Location`]: item, scale, line …) and what is wrong and how to fix it, in
//!   Japanese and English ([`LoadErrors`], `load_error.rs`).
//! - [`Questionnaire`]: pages of [`Item`]s for rendering, and the flat list of answerable
//!   [`Question`]s (a grid item contributes one question per row). Optional modules (LSNS-6,
//!   K6 …) are switched on and off with [`Questionnaire::with_modules`].
//! - [`Answers`]: what one respondent answered, keyed by question id, serializable to JSON.
//!   Form input ([`RawInput`]) is parsed page by page into answers or per-question
//!   [`AnswerError`]s with messages in Japanese and English.
//! - Scales ([`Scale`], [`ScaleScore`]) and the distress rule ([`DistressRule`]) are data in
//!   the file and evaluated here.
//! - [`Provenance`]: whether an item's wording is the national survey's (so its figures may
//!   stand beside national ones); [`Questionnaire::codebook`] lists every question with it.
//!
//! This module is pure: no HTTP, no database, no HTML.

mod answers;
mod catalogue;
mod codebook;
mod flow;
mod load;
mod load_error;
mod merge;
mod model;
mod scoring;
mod text;

pub use answers::{
    Answer, AnswerError, AnswerProblem, Answers, MissingReason, PageErrors, RawInput,
};
pub use catalogue::Catalogue;
pub use codebook::CodebookEntry;
pub use flow::{AnswerProgress, PageAnswers, Progress, ReviewEntry};
pub use load::{from_toml_str, load_dir, load_file};
pub use load_error::{LoadError, LoadErrors, Location};
pub use merge::{AnswerSource, AnswerSources, Conflict, Merged, PageSave};
pub use model::{
    Band, Breakdown, BreakdownGroup, BreakdownSource, Choice, Code, Condition, DistressRule,
    GridRow, GroupRule, Indicator, IndicatorRule, Item, ItemKind, MissingRule, Module,
    NationalFigure, Page, Provenance, Question, Questionnaire, QuestionnaireKind, Response, Scale,
};
pub use scoring::{DistressReason, ScaleScore};
pub use text::{t, Lang, Text};

/// Everything that can go wrong when using a questionnaire (as opposed to answering one, see
/// [`AnswerError`]). Worded in both languages by [`QuestionnaireError::message`]; shown as text
/// (the terminal, logs) Japanese first with the English under it.
#[derive(Debug, thiserror::Error)]
pub enum QuestionnaireError {
    /// A questionnaire file could not be read or is invalid.
    #[error(transparent)]
    Load(#[from] LoadErrors),
    /// A survey names a questionnaire the folder does not have.
    #[error("{}", both(self))]
    NoQuestionnaire {
        questionnaire: String,
        /// The ids the folder has, sorted.
        available: Vec<String>,
    },
    /// A survey asked for a module the questionnaire does not define.
    #[error("{}", both(self))]
    UnknownModule {
        questionnaire: String,
        module: String,
        /// The modules the questionnaire defines.
        available: Vec<String>,
    },
    /// A page index outside the questionnaire.
    #[error("{}", both(self))]
    NoSuchPage {
        questionnaire: String,
        index: usize,
        count: usize,
    },
}

impl QuestionnaireError {
    /// What is wrong and how to put it right, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        use QuestionnaireError::*;
        let ja = lang == Lang::Ja;
        let ids = |ids: &[String], none: &str, separator: &str| {
            if ids.is_empty() {
                none.to_string()
            } else {
                ids.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(separator)
            }
        };
        match self {
            Load(errors) => errors.message(lang),
            NoQuestionnaire { questionnaire, available } if ja => format!(
                "調査票 `{questionnaire}` はありません。調査票のフォルダにあるのは {} です。調査ファイルの `questionnaire` を直すか、調査票ファイル `{questionnaire}.toml` を置いてください",
                ids(available, "（なし）", "、")
            ),
            NoQuestionnaire { questionnaire, available } => format!(
                "there is no questionnaire `{questionnaire}`; the questionnaire folder has: {}",
                ids(available, "(none)", ", ")
            ),
            UnknownModule { questionnaire, module, available } if ja => format!(
                "調査票 `{questionnaire}` にモジュール `{module}` はありません。この調査票のモジュールは {} です。調査ファイルの `modules` を直してください",
                ids(available, "（なし）", "、")
            ),
            UnknownModule { questionnaire, module, available } => format!(
                "questionnaire `{questionnaire}` has no module `{module}`; its modules are: {}",
                ids(available, "(none)", ", ")
            ),
            NoSuchPage { questionnaire, index, count } if ja => format!(
                "調査票 `{questionnaire}` にページ {index} はありません（ページは{count}ページです）"
            ),
            NoSuchPage { questionnaire, index, count } => format!(
                "questionnaire `{questionnaire}` has no page {index} (it has {count} pages)"
            ),
        }
    }
}

/// Japanese, then the English indented under it: how text without a chosen language (the
/// terminal, logs) shows a problem with a questionnaire.
fn both(error: &QuestionnaireError) -> String {
    format!(
        "{}\n    {}",
        error.message(Lang::Ja),
        error.message(Lang::En)
    )
}

#[cfg(test)]
mod tests;

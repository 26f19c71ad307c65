//! Questionnaires: loading and validating `questionnaires/*.toml`, answers, and scale scoring.
//!
//! A questionnaire file is parsed once, at the edge, into a [`Questionnaire`]: every
//! reference (conditions, scales, distress rules) is checked while loading, so the rest of the
//! application never meets a dangling item id or an option code that does not exist. The
//! file format is documented for survey staff in `questionnaires/README.md`.
//!
//! The pieces:
//! - [`load_dir`], [`load_file`], [`from_toml_str`]: read and validate; errors name the file,
//!   the item and what is wrong ([`LoadErrors`]).
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
pub use load::{from_toml_str, load_dir, load_file, LoadError, LoadErrors};
pub use merge::{AnswerSource, AnswerSources, Conflict, Merged, PageSave};
pub use model::{
    Band, Breakdown, BreakdownGroup, BreakdownSource, Choice, Code, Condition, DistressRule,
    GridRow, GroupRule, Indicator, IndicatorRule, Item, ItemKind, MissingRule, Module,
    NationalFigure, Page, Provenance, Question, Questionnaire, QuestionnaireKind, Response, Scale,
};
pub use scoring::{DistressReason, ScaleScore};
pub use text::{t, Lang, Text};

/// Everything that can go wrong when using a questionnaire (as opposed to answering one, see
/// [`AnswerError`]).
#[derive(Debug, thiserror::Error)]
pub enum QuestionnaireError {
    /// A questionnaire file could not be read or is invalid.
    #[error(transparent)]
    Load(#[from] LoadErrors),
    /// A survey asked for a module the questionnaire does not define.
    #[error(
        "questionnaire `{questionnaire}` has no module `{module}`; its modules are: {available}"
    )]
    UnknownModule {
        questionnaire: String,
        module: String,
        available: String,
    },
    /// A page index outside the questionnaire.
    #[error("questionnaire `{questionnaire}` has no page {index} (it has {count} pages)")]
    NoSuchPage {
        questionnaire: String,
        index: usize,
        count: usize,
    },
}

#[cfg(test)]
mod tests;

//! A survey's stages (draft, fieldwork, closed, published) and the steps between them, as
//! data with their words: `ops::lifecycle` takes the steps, `views::lifecycle` shows them. A
//! leaf below both. Pure.

use crate::questionnaire::{t, Lang};
use crate::survey::{Survey, SurveyStatus};

/// Where a survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Draft,
    Fieldwork,
    Closed,
    Published,
}

impl Stage {
    /// The stage of a stored survey.
    pub fn of(survey: &Survey) -> Stage {
        match (survey.status, survey.published_at) {
            (SurveyStatus::Draft, _) => Stage::Draft,
            (SurveyStatus::Open, _) => Stage::Fieldwork,
            (SurveyStatus::Closed, None) => Stage::Closed,
            (SurveyStatus::Closed, Some(_)) => Stage::Published,
        }
    }

    /// The stage's name on screens.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Stage::Draft => t(lang, "準備中", "Draft"),
            Stage::Fieldwork => t(lang, "実査中（回答の受付中）", "Fieldwork (taking answers)"),
            Stage::Closed => t(
                lang,
                "実査終了（紙の入力は続けられます）",
                "Closed (paper keying may finish)",
            ),
            Stage::Published => t(lang, "公表済み（数値は確定）", "Published (numbers final)"),
        }
    }
}

/// A step from one stage to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Draft → fieldwork: codes start to work; test responses are deleted.
    Open,
    /// Fieldwork → closed.
    Close,
    /// Closed → fieldwork again (not once published).
    Reopen,
    /// Fieldwork → draft, only while nobody has answered.
    BackToDraft,
    /// Closed → published.
    Publish,
    /// Published → closed, with a reason (to correct something, then publish again).
    Unpublish,
}

impl Transition {
    /// Reads the posted name.
    pub fn parse(raw: &str) -> Option<Transition> {
        Some(match raw {
            "open" => Transition::Open,
            "close" => Transition::Close,
            "reopen" => Transition::Reopen,
            "draft" => Transition::BackToDraft,
            "publish" => Transition::Publish,
            "unpublish" => Transition::Unpublish,
            _ => return None,
        })
    }

    /// The posted and logged name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Open => "open",
            Transition::Close => "close",
            Transition::Reopen => "reopen",
            Transition::BackToDraft => "draft",
            Transition::Publish => "publish",
            Transition::Unpublish => "unpublish",
        }
    }

    /// The button's words.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Transition::Open => t(lang, "実査を開始する", "Start fieldwork"),
            Transition::Close => t(lang, "実査を終了する", "End fieldwork"),
            Transition::Reopen => t(lang, "実査を再開する", "Reopen fieldwork"),
            Transition::BackToDraft => t(lang, "準備中に戻す", "Back to draft"),
            Transition::Publish => t(
                lang,
                "結果を公表する（数値を確定）",
                "Publish the results (numbers final)",
            ),
            Transition::Unpublish => t(lang, "修正のため公表を取り消す", "Unpublish to correct"),
        }
    }

    /// The transitions allowed from `stage`, in the order the page offers them.
    pub fn from(stage: Stage) -> &'static [Transition] {
        match stage {
            Stage::Draft => &[Transition::Open],
            Stage::Fieldwork => &[Transition::Close, Transition::BackToDraft],
            Stage::Closed => &[Transition::Publish, Transition::Reopen],
            Stage::Published => &[Transition::Unpublish],
        }
    }
}

/// What the status page shows before a transition: the stage, and what would stop one.
#[derive(Debug, Clone)]
pub struct Readiness {
    pub stage: Stage,
    /// Sampled surveys: whether the sample is final.
    pub final_sample: Option<bool>,
    /// Responses that count (online and paper, submitted).
    pub responses: i64,
    /// Paper forms keyed once or twice and not yet counted.
    pub paper_backlog: usize,
    pub test_codes: Vec<String>,
}

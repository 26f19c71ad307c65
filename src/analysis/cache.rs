//! The analysis of a survey at one data version, as the planner pages keep it between
//! requests (see `web::cache`), with the parsed answers the next version reuses.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::subgroups::{self, SubgroupReport};
use super::{AnalysisError, Dataset};
use crate::questionnaire::{Answers, Lang, Questionnaire};
use crate::tabulation::{free_text, simple_tabulation, Table, TextAnswers, MIN_RESPONDENTS};

/// One counted response's answers as read from storage, with the answer version they were
/// read at: parsed once and shared by the survey's successive analyses.
#[derive(Debug, Clone)]
pub struct StoredAnswers {
    pub response_id: i64,
    pub version: i32,
    pub answers: Arc<Answers>,
}

impl Borrow<Answers> for StoredAnswers {
    fn borrow(&self) -> &Answers {
        &self.answers
    }
}

/// The answers an earlier analysis of a survey has parsed, by response id: a new analysis
/// reads and parses only the responses added or changed since.
#[derive(Debug, Default)]
pub struct KnownAnswers(HashMap<i64, StoredAnswers>);

impl KnownAnswers {
    /// The parsed answers of `response_id` if they were read at `version`.
    pub fn get(&self, response_id: i64, version: i32) -> Option<&StoredAnswers> {
        self.0.get(&response_id).filter(|a| a.version == version)
    }
}

/// The dataset of one survey at one data version (the cache keeps which), with what is
/// computed from it on demand.
#[derive(Debug)]
pub struct Analysis {
    pub dataset: Result<Dataset, AnalysisError>,
    report: OnceLock<Result<SubgroupReport, String>>,
    /// Every counted response's answers, in submission order, for the simple tabulation.
    answers: Vec<StoredAnswers>,
    questionnaire: Questionnaire,
    tabulation: [OnceLock<Vec<Table>>; 2],
}

impl Analysis {
    /// Wraps a freshly built dataset, with every counted response's answers.
    pub fn new(
        dataset: Result<Dataset, AnalysisError>,
        answers: Vec<StoredAnswers>,
        questionnaire: Questionnaire,
    ) -> Analysis {
        Analysis {
            dataset,
            report: OnceLock::new(),
            answers,
            questionnaire,
            tabulation: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// Every free-text question with its answers, sorted (`None` under the minimum number of
    /// respondents, as for the tables).
    pub fn free_text(&self, lang: Lang) -> Option<Vec<TextAnswers>> {
        free_text(&self.questionnaire, &self.answers, lang)
    }

    /// The questionnaire as the survey uses it.
    pub fn questionnaire(&self) -> &Questionnaire {
        &self.questionnaire
    }

    /// Counted responses (sampled or not).
    pub fn responses(&self) -> usize {
        self.answers.len()
    }

    /// What this analysis has parsed, for the next analysis of the survey to reuse.
    pub fn known_answers(&self) -> KnownAnswers {
        KnownAnswers(
            self.answers
                .iter()
                .map(|a| (a.response_id, a.clone()))
                .collect(),
        )
    }

    /// The simple tabulation in `lang`, `None` under [`MIN_RESPONDENTS`] responses;
    /// computed on first use.
    pub fn tabulation(&self, lang: Lang) -> Option<&[Table]> {
        if self.answers.len() < MIN_RESPONDENTS {
            return None;
        }
        let slot = &self.tabulation[usize::from(lang == Lang::En)];
        Some(slot.get_or_init(|| simple_tabulation(&self.questionnaire, &self.answers, lang)))
    }

    /// Every indicator by every breakdown, computed on first use.
    pub fn report(&self) -> Result<&SubgroupReport, String> {
        let data = self.dataset.as_ref().map_err(|e| e.to_string())?;
        self.report
            .get_or_init(|| subgroups::report(data).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

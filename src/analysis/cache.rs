//! The analysis of each survey, kept in memory between requests and replaced when the
//! survey's data version (raised by the database with every change) moves on. Several app
//! servers each keep their own; the version makes every one of them correct.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::subgroups::{self, SubgroupReport};
use super::{AnalysisError, Dataset};
use crate::questionnaire::{Answers, Lang, Questionnaire};
use crate::tabulation::{simple_tabulation, Table, MIN_RESPONDENTS};

/// The dataset of one survey at one data version, with what is computed from it on demand.
#[derive(Debug)]
pub struct Analysis {
    pub version: i64,
    pub dataset: Result<Dataset, AnalysisError>,
    report: OnceLock<Result<SubgroupReport, String>>,
    /// Every counted response's answers, for the simple tabulation.
    answers: Vec<Answers>,
    questionnaire: Questionnaire,
    tabulation: [OnceLock<Vec<Table>>; 2],
}

impl Analysis {
    /// Wraps a freshly built dataset, with every counted response's answers.
    pub fn new(
        version: i64,
        dataset: Result<Dataset, AnalysisError>,
        answers: Vec<Answers>,
        questionnaire: Questionnaire,
    ) -> Analysis {
        Analysis {
            version,
            dataset,
            report: OnceLock::new(),
            answers,
            questionnaire,
            tabulation: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// Counted responses (sampled or not).
    pub fn responses(&self) -> usize {
        self.answers.len()
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

/// The analyses of the surveys seen so far, by survey id.
#[derive(Debug, Default)]
pub struct AnalysisCache {
    entries: Mutex<HashMap<i64, Arc<Analysis>>>,
}

impl AnalysisCache {
    /// The cached analysis of `survey_id` if it was built at `version`.
    pub fn get(&self, survey_id: i64, version: i64) -> Option<Arc<Analysis>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&survey_id)
            .filter(|a| a.version == version)
            .cloned()
    }

    /// Keeps `analysis` for `survey_id` unless a newer version is already kept.
    pub fn put(&self, survey_id: i64, analysis: Arc<Analysis>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&survey_id) {
            Some(kept) if kept.version > analysis.version => {}
            _ => {
                entries.insert(survey_id, analysis);
            }
        }
    }
}

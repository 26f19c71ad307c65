//! The analysis of each survey, kept in memory between requests and replaced when the
//! survey's data version (raised by the database with every change) moves on. Several app
//! servers each keep their own; the version makes every one of them correct.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::subgroups::{self, SubgroupReport};
use super::{AnalysisError, Dataset};

/// The dataset of one survey at one data version, with what is computed from it on demand.
#[derive(Debug)]
pub struct Analysis {
    pub version: i64,
    pub dataset: Result<Dataset, AnalysisError>,
    report: OnceLock<Result<SubgroupReport, String>>,
}

impl Analysis {
    /// Wraps a freshly built dataset.
    pub fn new(version: i64, dataset: Result<Dataset, AnalysisError>) -> Analysis {
        Analysis {
            version,
            dataset,
            report: OnceLock::new(),
        }
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

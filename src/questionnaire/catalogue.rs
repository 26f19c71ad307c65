//! The questionnaires a site offers, loaded once at start-up and looked up by id.

use std::collections::BTreeMap;
use std::path::Path;

use super::{load_dir, LoadErrors, Questionnaire, QuestionnaireError};

/// Every questionnaire of the questionnaire folder, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    by_id: BTreeMap<String, Questionnaire>,
}

impl Catalogue {
    /// Loads and validates every `*.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Catalogue, LoadErrors> {
        let by_id = load_dir(dir)?
            .into_iter()
            .map(|q| (q.id().to_string(), q))
            .collect();
        Ok(Catalogue { by_id })
    }

    /// The questionnaire with this id (all modules at their defaults).
    pub fn get(&self, id: &str) -> Option<&Questionnaire> {
        self.by_id.get(id)
    }

    /// The questionnaire as a survey uses it: exactly `modules` switched on.
    pub fn for_survey(
        &self,
        id: &str,
        modules: &[String],
    ) -> Result<Questionnaire, QuestionnaireError> {
        let base = self
            .get(id)
            .ok_or_else(|| QuestionnaireError::NoQuestionnaire {
                questionnaire: id.to_string(),
                available: self.ids().map(str::to_string).collect(),
            })?;
        base.with_modules(modules)
    }

    /// Checks that a survey's questionnaire and modules exist.
    pub fn check_survey(&self, id: &str, modules: &[String]) -> Result<(), QuestionnaireError> {
        self.for_survey(id, modules).map(|_| ())
    }

    /// The ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

//! What the planner pages compute per survey, kept in memory between requests and replaced
//! when the survey's version counter (raised by database triggers in the same transaction
//! as every change) moves on. Several app servers each keep their own; the version makes
//! every one of them correct.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Values of type `T`, one per survey, each with the version it was computed at.
#[derive(Debug)]
pub struct SurveyCache<T> {
    entries: Mutex<HashMap<i64, (i64, Arc<T>)>>,
}

impl<T> Default for SurveyCache<T> {
    fn default() -> Self {
        SurveyCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> SurveyCache<T> {
    /// The value kept for `survey_id` if it was computed at `version`.
    pub fn get(&self, survey_id: i64, version: i64) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&survey_id)
            .filter(|(kept, _)| *kept == version)
            .map(|(_, value)| Arc::clone(value))
    }

    /// The latest value kept for `survey_id`, whatever its version.
    pub fn latest(&self, survey_id: i64) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&survey_id).map(|(_, value)| Arc::clone(value))
    }

    /// Keeps `value`, computed at `version`, unless a newer version is already kept.
    pub fn put(&self, survey_id: i64, version: i64, value: Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&survey_id) {
            Some((kept, _)) if *kept > version => {}
            _ => {
                entries.insert(survey_id, (version, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_only_at_its_version_and_an_older_one_never_replaces_a_newer() {
        let cache = SurveyCache::default();
        cache.put(1, 5, Arc::new("five"));
        assert_eq!(cache.get(1, 5).as_deref(), Some(&"five"));
        assert_eq!(cache.get(1, 6), None);
        assert_eq!(cache.get(2, 5), None);
        cache.put(1, 4, Arc::new("four"));
        assert_eq!(cache.latest(1).as_deref(), Some(&"five"));
        cache.put(1, 6, Arc::new("six"));
        assert_eq!(cache.get(1, 6).as_deref(), Some(&"six"));
        assert_eq!(cache.get(1, 5), None);
    }
}

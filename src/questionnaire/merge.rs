//! Saving a page over answers that moved on since the page was drawn.
//!
//! A resident's page carries the version of the response it was drawn from. When the stored
//! response is newer (the browser's back button, a second tab, another device), the page is
//! merged into the stored answers instead of being refused, unless another answering session
//! changed one of the page's questions since the page was drawn and the resident typed
//! something else there: that is a real conflict, and the resident decides.
//!
//! Who changed what is kept per question in [`AnswerSources`]: the version of the save that
//! last changed the stored answer and a short tag of the session ("writer") that made it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::model::Questionnaire;

/// Which save last changed each stored answer (question id → source). Stored as JSON next to
/// the answers; answers that were never changed online have no entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnswerSources(BTreeMap<String, AnswerSource>);

/// The save that last changed one answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSource {
    /// The response version that save wrote.
    pub version: i32,
    /// A tag of the answering session that saved it (not a secret: it cannot open anything).
    pub writer: String,
}

impl AnswerSources {
    /// The source of question `id`'s stored answer, if it was changed online.
    pub fn get(&self, id: &str) -> Option<&AnswerSource> {
        self.0.get(id)
    }

    /// Whether a session other than `writer` changed question `id` after version `since`.
    pub fn changed_by_another_since(&self, id: &str, since: i32, writer: &str) -> bool {
        self.0
            .get(id)
            .is_some_and(|source| source.version > since && source.writer != writer)
    }

    /// Questions changed by a session other than `writer` after version `since`.
    pub fn changed_by_others_since(&self, since: i32, writer: &str) -> Vec<&str> {
        self.0
            .keys()
            .filter(|id| self.changed_by_another_since(id, since, writer))
            .map(String::as_str)
            .collect()
    }

    /// Records that the save writing `version` by `writer` turned `before` into `after`:
    /// every answer added, changed or removed gets that source.
    pub fn record(&mut self, before: &Answers, after: &Answers, version: i32, writer: &str) {
        let mut changed: Vec<String> = after
            .iter()
            .filter(|(id, answer)| before.get(id) != Some(*answer))
            .map(|(id, _)| id.to_string())
            .collect();
        changed.extend(
            before
                .iter()
                .filter(|(id, _)| after.get(id).is_none())
                .map(|(id, _)| id.to_string()),
        );
        for id in changed {
            self.0.insert(
                id,
                AnswerSource {
                    version,
                    writer: writer.to_string(),
                },
            );
        }
    }
}

/// A question of the page that another session changed since the page was drawn, while the
/// resident typed something else.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The question id.
    pub question_id: String,
    /// Its printed number.
    pub number: String,
    /// What is stored now (saved elsewhere); `None` if the answer was removed.
    pub stored: Option<Answer>,
    /// What this page sent.
    pub typed: Answer,
}

/// The answers a page save leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// The stored answers with the page's answers merged in and hidden answers dropped.
    pub answers: Answers,
    /// The sources after this save (which writes `version`).
    pub sources: AnswerSources,
}

/// One page save: what the page sent, and where it came from.
pub struct PageSave<'a> {
    /// The version of the response the page was drawn from.
    pub drawn_version: i32,
    /// The version stored now (the save writes the next one).
    pub stored_version: i32,
    /// The session saving.
    pub writer: &'a str,
    /// The page's answers (shown questions only).
    pub answers: &'a [(String, Answer)],
    /// Questions of the page hidden by earlier answers (their answers are dropped).
    pub hidden: &'a [String],
}

impl Questionnaire {
    /// Merges a page into the stored answers. A page drawn from an older version is merged
    /// like a current one (the resident's own earlier saves are simply superseded), except
    /// where another session changed a question of the page since it was drawn and the page
    /// sends a different answer: those questions are returned as conflicts and nothing is
    /// merged.
    pub fn merge_page(
        &self,
        stored: &Answers,
        sources: &AnswerSources,
        save: &PageSave<'_>,
    ) -> Result<Merged, Vec<Conflict>> {
        let conflicts: Vec<Conflict> = save
            .answers
            .iter()
            .filter(|(id, typed)| {
                sources.changed_by_another_since(id, save.drawn_version, save.writer)
                    && stored.get(id) != Some(typed)
            })
            .map(|(id, typed)| Conflict {
                question_id: id.clone(),
                number: self
                    .question(id)
                    .map(|q| q.number.clone())
                    .unwrap_or_default(),
                stored: stored.get(id).cloned(),
                typed: typed.clone(),
            })
            .collect();
        if !conflicts.is_empty() {
            return Err(conflicts);
        }
        let mut answers = stored.clone();
        for id in save.hidden {
            answers.remove(id);
        }
        for (id, answer) in save.answers {
            answers.insert(id.clone(), answer.clone());
        }
        self.drop_hidden_answers(&mut answers);
        let mut next_sources = sources.clone();
        next_sources.record(stored, &answers, save.stored_version + 1, save.writer);
        Ok(Merged {
            answers,
            sources: next_sources,
        })
    }
}

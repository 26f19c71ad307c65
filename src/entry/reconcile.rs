//! Reconciling two entries of a form: for each item on which they differ a reviewer takes
//! entry 1, entry 2 or types the value from the paper. What the form then says, and the
//! reason written to the audit log for each item, are decided here, without a database.

use super::audit::{AuditReason, Decision};
use super::{differences, keyed_text, parse_keyed};
use crate::questionnaire::{Answer, AnswerError, AnswerProblem, Answers, Questionnaire};

/// The reviewer's decision on one differing item, as posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick<'a> {
    /// Take entry 1's value.
    First,
    /// Take entry 2's value.
    Second,
    /// The value typed from the paper (keying conventions apply).
    Typed(&'a str),
    /// Nothing chosen.
    Missing,
}

/// One reconciled item: its value (`None`: removed), the audit reason and the reviewer's note.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconciledItem {
    pub question_id: String,
    pub answer: Option<Answer>,
    pub reason: AuditReason,
    pub note: String,
}

/// The form as reconciled: every answer, the items decided, and the reason for accepting
/// the whole response.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    pub answers: Answers,
    pub items: Vec<ReconciledItem>,
    pub acceptance_reason: AuditReason,
}

/// Applies the reviewer's picks to the items on which `first` and `second` differ, starting
/// from entry 1. `note` (the reviewer's reason, may be empty) is kept with every item. An
/// item without a choice, or with a typed value that is not valid, is an error for that item;
/// then nothing is decided.
pub fn reconcile<'a>(
    questionnaire: &Questionnaire,
    first: &Answers,
    second: &Answers,
    pick: impl Fn(&str) -> Pick<'a>,
    note: &str,
) -> Result<Reconciled, Vec<AnswerError>> {
    let found = differences(questionnaire, first, second);
    let mut answers = first.clone();
    let mut errors = Vec::new();
    let mut items = Vec::new();
    for difference in &found {
        let id = &difference.question_id;
        let (chosen, decision): (Option<Answer>, Decision) = match pick(id) {
            Pick::First => (difference.first.clone(), Decision::First),
            Pick::Second => (difference.second.clone(), Decision::Second),
            Pick::Typed(raw) => match questionnaire.question(id).map(|q| parse_keyed(q, raw)) {
                Some(Ok(answer)) => (
                    Some(answer),
                    Decision::Corrected {
                        typed: raw.trim().to_string(),
                    },
                ),
                Some(Err(error)) => {
                    errors.push(error);
                    continue;
                }
                None => (None, Decision::Removed),
            },
            Pick::Missing => {
                errors.push(AnswerError {
                    question_id: id.clone(),
                    number: difference.number.clone(),
                    problem: AnswerProblem::Required,
                });
                continue;
            }
        };
        match &chosen {
            Some(answer) => answers.insert(id.clone(), answer.clone()),
            None => answers.remove(id),
        };
        items.push(ReconciledItem {
            question_id: id.clone(),
            answer: chosen,
            reason: AuditReason::ReconciledItem {
                first: difference.first.as_ref().map(keyed_text),
                second: difference.second.as_ref().map(keyed_text),
                decision,
            },
            note: note.trim().to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Reconciled {
        answers,
        items,
        acceptance_reason: AuditReason::Reconciled { items: found.len() },
    })
}

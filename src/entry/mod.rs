//! Paper entry (調査票の入力): keying conventions, double entry and the mixed-mode rule.
//!
//! Staff key each mailed form on a screen that mirrors the paper numbering. This module is
//! the pure part of that work — no HTTP, no database, no HTML:
//!
//! - **Keying conventions** ([`parse_keyed`], [`keyed_text`]): what a keyer types for one
//!   question. The printed option number for a single choice (`3`); codes separated by spaces
//!   or commas for a multiple choice (`1 4`); digits for numbers; free text as written. Three
//!   special entries, valid for every question and never stored as an option:
//!   blank or [`KEY_NO_ANSWER`] (`-`) = 無回答 no answer, [`KEY_MULTIPLE_MARKED`] (`*`) =
//!   several marked on a single-choice question, [`KEY_UNREADABLE`] (`?`) = unreadable.
//!   Full-width `－ ＊ ？` are read the same.
//! - **A keyed form** ([`parse_form`]): every question parsed; invalid entries are errors
//!   (nothing is stored until they are fixed); answers where the skip rules say the form
//!   should have been skipped are kept and flagged, as the paper says what it says.
//! - **Double entry** ([`choose_pass`], [`differences`], [`Agreement`]): two different people
//!   key the same form without seeing each other's entry; identical forms are accepted, the
//!   others are reconciled item by item.
//! - **Mixed mode** ([`counted_response`]): when an access code has both an online and a
//!   paper response, both are kept and exactly one counts. The rule: a choice made by staff
//!   (with a reason) wins, the latest such choice if there are several; otherwise the first
//!   complete response counts — the one submitted (online) or accepted (paper) first.

use chrono::NaiveDateTime;

use crate::questionnaire::{
    Answer, AnswerError, Answers, Lang, MissingReason, Question, Questionnaire, RawInput, Response,
};

/// Audit `item_id` of events that concern the whole response (acceptance).
pub const AUDIT_WHOLE_RESPONSE: &str = "_response";
/// Audit `item_id` of a change of which response counts; values are `true` / `false`.
pub const AUDIT_COUNTED: &str = "_counted";

/// Typed for "no answer" (a blank entry means the same).
pub const KEY_NO_ANSWER: &str = "-";
/// Typed for "several options marked" on a single-choice question.
pub const KEY_MULTIPLE_MARKED: &str = "*";
/// Typed for "cannot be read".
pub const KEY_UNREADABLE: &str = "?";

/// One keying pass: the first or the second entry of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pass {
    /// 1回目入力.
    First,
    /// 2回目入力 (double entry only).
    Second,
}

impl Pass {
    /// 1 or 2, as stored.
    pub fn number(self) -> i32 {
        match self {
            Pass::First => 1,
            Pass::Second => 2,
        }
    }

    /// Reads 1 or 2.
    pub fn from_number(number: i32) -> Option<Pass> {
        match number {
            1 => Some(Pass::First),
            2 => Some(Pass::Second),
            _ => None,
        }
    }

    /// The other pass.
    pub fn other(self) -> Pass {
        match self {
            Pass::First => Pass::Second,
            Pass::Second => Pass::First,
        }
    }
}

/// Why a staff member cannot key a form now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The form was already accepted as a response; changes are corrections now.
    #[error("this form has already been accepted; a reviewer can correct it on its response page")]
    AlreadyAccepted,
    /// Both passes exist (double entry) or the single pass exists (single entry).
    #[error("this form has already been keyed as often as the survey needs")]
    FullyKeyed,
    /// The same person asked to key the second pass after keying the first.
    #[error(
        "you keyed the other entry of this form; the second entry must be keyed by someone else"
    )]
    SameKeyer,
    /// The person's own pass is complete and waits for the other pass or reconciliation.
    #[error("you have already completed your entry of this form")]
    OwnPassComplete,
}

impl EntryError {
    /// The message for staff.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Ja => match self {
                EntryError::AlreadyAccepted => "この調査票は受理済みです。修正は確認者が回答の画面で行います。".into(),
                EntryError::FullyKeyed => "この調査票は必要な回数の入力が済んでいます。".into(),
                EntryError::SameKeyer => "この調査票のもう一方の入力はあなたが行いました。2回目の入力は別の職員が行ってください。".into(),
                EntryError::OwnPassComplete => "この調査票のあなたの入力は完了しています。".into(),
            },
        }
    }
}

/// A pass that already exists for a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingPass {
    pub pass: Pass,
    pub keyer_id: i64,
    pub complete: bool,
}

/// Which pass `user_id` keys for a form: their own unfinished pass, else the first free one.
/// A person never keys both passes of one form.
pub fn choose_pass(
    double_entry: bool,
    accepted: bool,
    existing: &[ExistingPass],
    user_id: i64,
) -> Result<Pass, EntryError> {
    if accepted {
        return Err(EntryError::AlreadyAccepted);
    }
    if let Some(own) = existing.iter().find(|p| p.keyer_id == user_id) {
        if !own.complete {
            return Ok(own.pass);
        }
        let other_free = double_entry && existing.iter().all(|p| p.pass != own.pass.other());
        return Err(if other_free {
            EntryError::SameKeyer
        } else {
            EntryError::OwnPassComplete
        });
    }
    let taken = |pass: Pass| existing.iter().any(|p| p.pass == pass);
    if !taken(Pass::First) {
        Ok(Pass::First)
    } else if double_entry && !taken(Pass::Second) {
        Ok(Pass::Second)
    } else {
        Err(EntryError::FullyKeyed)
    }
}

fn special(raw: &str) -> Option<MissingReason> {
    match raw {
        "-" | "－" => Some(MissingReason::NoAnswer),
        "*" | "＊" => Some(MissingReason::MultipleMarked),
        "?" | "？" => Some(MissingReason::Unreadable),
        _ => None,
    }
}

/// Parses what a keyer typed for `question` (see the module docs for the conventions).
pub fn parse_keyed(question: &Question, raw: &str) -> Result<Answer, AnswerError> {
    match special(raw.trim()) {
        Some(reason) => Ok(Answer::Missing(reason)),
        None => question.parse_entry(raw),
    }
}

/// What a keyer would type for `answer`: shown when an entry is opened again.
pub fn keyed_text(answer: &Answer) -> String {
    match answer {
        Answer::Choice(code) => code.to_string(),
        Answer::Choices(codes) => codes
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Answer::Number(value) => value.to_string(),
        Answer::Text(text) => text.clone(),
        Answer::Missing(MissingReason::NoAnswer) => String::new(),
        Answer::Missing(MissingReason::MultipleMarked) => KEY_MULTIPLE_MARKED.into(),
        Answer::Missing(MissingReason::Unreadable) => KEY_UNREADABLE.into(),
    }
}

/// The keyed values of stored answers, by question id, to fill the keying screen.
pub fn keyed_values(questionnaire: &Questionnaire, answers: &Answers) -> RawInput {
    let mut input = RawInput::default();
    for question in questionnaire.questions() {
        if let Some(answer) = answers.get(&question.id) {
            input.push(question.id.clone(), keyed_text(answer));
        }
    }
    input
}

/// A keyed form after parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedForm {
    /// Every shown question (blank = no answer) and every skipped question something was
    /// typed for.
    pub answers: Answers,
    /// Entries that are not valid for their question (unknown option, not a number …).
    /// While there are any, nothing is stored.
    pub errors: Vec<AnswerError>,
    /// Answers given where the skip rules say the form should have been skipped; kept.
    pub skip_flags: Vec<AnswerError>,
}

impl KeyedForm {
    /// Whether the form can be stored.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses a whole keyed form: one raw value per question id.
pub fn parse_form(questionnaire: &Questionnaire, input: &RawInput) -> KeyedForm {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    let mut blank = Vec::new();
    for question in questionnaire.questions() {
        let raw = input.value(&question.id).unwrap_or_default();
        // `-` means the same as a blank: on a skipped question, nothing at all.
        if raw.trim().is_empty() || special(raw.trim()) == Some(MissingReason::NoAnswer) {
            blank.push(question.id.as_str());
        }
        match parse_keyed(question, raw) {
            Ok(answer) => {
                answers.insert(question.id.clone(), answer);
            }
            Err(error) => errors.push(error),
        }
    }
    // Blank entries are "no answer" where the form asks the question and nothing at all where
    // it is skipped; a missing answer never changes what is shown, so one pass suffices.
    let visibility = questionnaire.visibility(&answers);
    for (question, shown) in questionnaire.questions().iter().zip(visibility) {
        if !shown && blank.contains(&question.id.as_str()) {
            answers.remove(&question.id);
        }
    }
    let skip_flags = questionnaire.skip_violations(&answers);
    KeyedForm {
        answers,
        errors,
        skip_flags,
    }
}

/// One item on which two entries of a form differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub question_id: String,
    /// Printed number (`問7(2)`).
    pub number: String,
    /// The first entry's value (`None`: nothing, the question was skipped).
    pub first: Option<Answer>,
    /// The second entry's value.
    pub second: Option<Answer>,
}

/// The items on which two entries differ, in questionnaire order.
pub fn differences(
    questionnaire: &Questionnaire,
    first: &Answers,
    second: &Answers,
) -> Vec<Difference> {
    let mut found: Vec<Difference> = questionnaire
        .questions()
        .iter()
        .filter(|q| first.get(&q.id) != second.get(&q.id))
        .map(|q| Difference {
            question_id: q.id.clone(),
            number: q.number.clone(),
            first: first.get(&q.id).cloned(),
            second: second.get(&q.id).cloned(),
        })
        .collect();
    // Ids the questionnaire no longer has (a module switched off later) still count.
    let mut stray: Vec<&str> = first
        .iter()
        .chain(second.iter())
        .map(|(id, _)| id)
        .filter(|id| questionnaire.question(id).is_none())
        .collect();
    stray.sort_unstable();
    stray.dedup();
    for id in stray {
        if first.get(id) != second.get(id) {
            found.push(Difference {
                question_id: id.to_string(),
                number: String::new(),
                first: first.get(id).cloned(),
                second: second.get(id).cloned(),
            });
        }
    }
    found
}

/// How many items two entries of a form were compared on: questions with an entry in either.
pub fn compared_items(first: &Answers, second: &Answers) -> usize {
    let mut ids: Vec<&str> = first
        .iter()
        .chain(second.iter())
        .map(|(id, _)| id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

/// A keyer's agreement with the other keyer over the forms both have keyed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Forms with both entries complete that this keyer keyed.
    pub forms: u32,
    /// Items compared on those forms.
    pub items: u32,
    /// Items on which both entries were identical.
    pub agreed: u32,
}

impl Agreement {
    /// Adds one compared form.
    pub fn add_form(&mut self, items: usize, differing: usize) {
        self.forms += 1;
        self.items += items as u32;
        self.agreed += items.saturating_sub(differing) as u32;
    }

    /// The share of items agreed, `None` before any item was compared.
    pub fn rate(&self) -> Option<f64> {
        (self.items > 0).then(|| f64::from(self.agreed) / f64::from(self.items))
    }
}

/// A submitted response of one access code, as the mixed-mode rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountCandidate {
    pub response_id: i64,
    /// When it became complete: submitted online, or accepted on paper.
    pub completed_at: NaiveDateTime,
    /// When staff chose this response to count, if they did.
    pub chosen_at: Option<NaiveDateTime>,
}

/// The response that counts among one code's complete responses (see the module docs).
pub fn counted_response(candidates: &[CountCandidate]) -> Option<i64> {
    let chosen = candidates
        .iter()
        .filter_map(|c| c.chosen_at.map(|at| (at, c.response_id)))
        .max();
    if let Some((_, id)) = chosen {
        return Some(id);
    }
    candidates
        .iter()
        .min_by_key(|c| (c.completed_at, c.response_id))
        .map(|c| c.response_id)
}

/// How a question is keyed, for the hint next to its input.
pub fn entry_hint(question: &Question, lang: Lang) -> String {
    let codes = |options: &[crate::questionnaire::Choice]| {
        options
            .iter()
            .map(|c| c.code.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match (&question.response, lang) {
        (Response::Single { options }, _) => codes(options),
        (Response::Multiple { options, .. }, Lang::Ja) => format!("{}（複数可）", codes(options)),
        (Response::Multiple { options, .. }, Lang::En) => format!("{} (several)", codes(options)),
        (Response::Number { min, max, .. }, _) => format!("{min}–{max}"),
        (Response::Text { .. }, Lang::Ja) => "記述".into(),
        (Response::Text { .. }, Lang::En) => "text".into(),
    }
}

pub mod audit;
pub mod reconcile;

#[cfg(test)]
mod tests;

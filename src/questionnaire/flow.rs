//! Answering a questionnaire: which items are shown, parsing a submitted page, progress,
//! completeness, the review summary, and the checks staff entry needs (skip violations).

use super::answers::{
    Answer, AnswerError, AnswerProblem, Answers, MissingReason, PageErrors, RawInput,
};
use super::model::{Code, Condition, Item, Question, Questionnaire};
use super::text::Lang;
use super::QuestionnaireError;
use std::collections::HashSet;

/// The parsed answers of one page, ready to be merged into [`Answers`].
#[derive(Clone, Debug, PartialEq)]
pub struct PageAnswers {
    /// The page.
    pub page_index: usize,
    /// Every shown question of the page with its answer; optional questions left blank are
    /// [`Answer::Missing`] with [`MissingReason::NoAnswer`].
    pub answers: Vec<(String, Answer)>,
    /// Questions of the page that are hidden by their conditions (their answers are dropped).
    pub hidden: Vec<String>,
}

/// Where the respondent is: page `current` of `total` (both counted over shown pages,
/// `current` from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// 1-based position of the page among the shown pages.
    pub current: usize,
    /// Number of shown pages.
    pub total: usize,
}

/// How far the respondent is: questions answered out of the questions that apply.
///
/// A question whose condition cannot be decided yet (it depends on a question not answered
/// so far) counts as applying, so the total never grows as conditional pages appear; it only
/// shrinks when an answer rules questions out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerProgress {
    /// Questions that apply and have an entry (an optional question left blank counts).
    pub answered: usize,
    /// Questions that apply, or may still apply.
    pub applicable: usize,
}

/// Whether a question is shown, hidden, or depends on answers not given yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Applies {
    Yes,
    No,
    Undecided,
}

/// One line of the review page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewEntry {
    /// Page to go back to for changing the answer.
    pub page_index: usize,
    /// The question id.
    pub question_id: String,
    /// Printed number (`"問7(1)"`).
    pub number: String,
    /// The question text (grid rows: the row text).
    pub label: String,
    /// The answer in words, 「未回答」 / "Not answered" if there is none yet.
    pub answer: String,
}

impl Condition {
    /// Whether the condition holds, treating questions in `hidden` as unanswered.
    fn holds(&self, answers: &Answers, hidden: &HashSet<&str>) -> bool {
        let given = |question: &str| {
            if hidden.contains(question) {
                None
            } else {
                answers.given(question)
            }
        };
        match self {
            Condition::Chosen { question, codes } => match given(question) {
                Some(Answer::Choice(code)) => codes.contains(code),
                Some(Answer::Choices(chosen)) => chosen.iter().any(|code| codes.contains(code)),
                _ => false,
            },
            Condition::Answered { question } => given(question).is_some(),
            Condition::Between { question, min, max } => match given(question) {
                Some(Answer::Number(value)) => {
                    min.is_none_or(|min| *value >= min) && max.is_none_or(|max| *value <= max)
                }
                _ => false,
            },
            Condition::All(parts) => parts.iter().all(|part| part.holds(answers, hidden)),
            Condition::Any(parts) => parts.iter().any(|part| part.holds(answers, hidden)),
            Condition::Not(inner) => !inner.holds(answers, hidden),
        }
    }
}

impl Condition {
    /// Three-valued [`Condition::holds`]: `None` while it depends on a question that applies
    /// (or may apply) and has no entry yet. Questions in `hidden` count as unanswered.
    fn decided(
        &self,
        answers: &Answers,
        hidden: &HashSet<&str>,
        undecided: &HashSet<&str>,
    ) -> Option<bool> {
        let open = |question: &str| {
            !hidden.contains(question)
                && (undecided.contains(question) || answers.get(question).is_none())
        };
        match self {
            Condition::Chosen { question, .. }
            | Condition::Answered { question }
            | Condition::Between { question, .. } => {
                if open(question) {
                    None
                } else {
                    Some(self.holds(answers, hidden))
                }
            }
            Condition::All(parts) => {
                let values: Vec<Option<bool>> = parts
                    .iter()
                    .map(|part| part.decided(answers, hidden, undecided))
                    .collect();
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            Condition::Any(parts) => {
                let values: Vec<Option<bool>> = parts
                    .iter()
                    .map(|part| part.decided(answers, hidden, undecided))
                    .collect();
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            Condition::Not(inner) => inner.decided(answers, hidden, undecided).map(|v| !v),
        }
    }
}

fn join_codes(codes: &[Code]) -> String {
    codes
        .iter()
        .map(Code::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Questionnaire {
    /// For each question (in [`Questionnaire::questions`] order), whether it is shown given
    /// `answers`. A question whose condition refers to a hidden question treats that one as
    /// unanswered, so skips chain the way they do on paper.
    pub fn visibility(&self, answers: &Answers) -> Vec<bool> {
        let mut hidden: HashSet<&str> = HashSet::new();
        self.questions
            .iter()
            .map(|question| {
                let shown = question
                    .show_if
                    .as_ref()
                    .is_none_or(|condition| condition.holds(answers, &hidden));
                if !shown {
                    hidden.insert(question.id.as_str());
                }
                shown
            })
            .collect()
    }

    /// Whether question `id` is shown given `answers` (false for unknown ids).
    pub fn is_shown(&self, id: &str, answers: &Answers) -> bool {
        match self.question_index.get(id) {
            Some(&index) => self.visibility(answers)[index],
            None => false,
        }
    }

    /// The items of page `page_index` that are shown given the answers so far, for rendering.
    pub fn visible_items(
        &self,
        page_index: usize,
        answers: &Answers,
    ) -> Result<Vec<&Item>, QuestionnaireError> {
        let page = self.page(page_index)?;
        let visibility = self.visibility(answers);
        let shown_items: HashSet<&str> = self
            .questions
            .iter()
            .zip(&visibility)
            .filter(|(question, shown)| **shown && question.page_index == page_index)
            .map(|(question, _)| question.item_id.as_str())
            .collect();
        Ok(page
            .items
            .iter()
            .filter(|item| shown_items.contains(item.id.as_str()))
            .collect())
    }

    /// Indices of the pages with at least one shown question, in order.
    pub fn visible_pages(&self, answers: &Answers) -> Vec<usize> {
        let visibility = self.visibility(answers);
        let mut pages: Vec<usize> = self
            .questions
            .iter()
            .zip(&visibility)
            .filter(|(_, shown)| **shown)
            .map(|(question, _)| question.page_index)
            .collect();
        pages.dedup();
        pages
    }

    /// The next shown page after `page_index`, or `None` at the end (go to review).
    pub fn next_page(&self, page_index: usize, answers: &Answers) -> Option<usize> {
        self.visible_pages(answers)
            .into_iter()
            .find(|&index| index > page_index)
    }

    /// The shown page before `page_index`, or `None` at the start.
    pub fn previous_page(&self, page_index: usize, answers: &Answers) -> Option<usize> {
        self.visible_pages(answers)
            .into_iter()
            .rev()
            .find(|&index| index < page_index)
    }

    /// Page `page_index` as "page i of n" over the shown pages. A hidden page counts as the
    /// position it would take.
    pub fn progress(&self, page_index: usize, answers: &Answers) -> Progress {
        let pages = self.visible_pages(answers);
        let before = pages.iter().filter(|&&index| index < page_index).count();
        Progress {
            current: before + 1,
            total: pages.len().max(before + 1),
        }
    }

    /// Questions answered out of the questions that apply (see [`AnswerProgress`]).
    pub fn answer_progress(&self, answers: &Answers) -> AnswerProgress {
        let mut hidden: HashSet<&str> = HashSet::new();
        let mut undecided: HashSet<&str> = HashSet::new();
        let mut progress = AnswerProgress {
            answered: 0,
            applicable: 0,
        };
        for question in &self.questions {
            let applies = match &question.show_if {
                None => Applies::Yes,
                Some(condition) => match condition.decided(answers, &hidden, &undecided) {
                    Some(true) => Applies::Yes,
                    Some(false) => Applies::No,
                    None => Applies::Undecided,
                },
            };
            match applies {
                Applies::No => {
                    hidden.insert(question.id.as_str());
                }
                Applies::Undecided => {
                    undecided.insert(question.id.as_str());
                    progress.applicable += 1;
                }
                Applies::Yes => {
                    progress.applicable += 1;
                    let done = answers
                        .get(&question.id)
                        .is_some_and(|answer| answer.is_given() || !question.required);
                    if done {
                        progress.answered += 1;
                    }
                }
            }
        }
        progress
    }

    /// Parses the posted fields of page `page_index`. `answers` are the answers so far (used
    /// for conditions, which only refer to earlier pages). Shown questions are parsed and
    /// checked; values posted for hidden questions are ignored.
    pub fn parse_page(
        &self,
        page_index: usize,
        input: &RawInput,
        answers: &Answers,
    ) -> Result<Result<PageAnswers, PageErrors>, QuestionnaireError> {
        self.page(page_index)?;
        let visibility = self.visibility(answers);
        let mut parsed = Vec::new();
        let mut hidden = Vec::new();
        let mut errors = Vec::new();
        for (question, shown) in self.questions.iter().zip(visibility) {
            if question.page_index != page_index {
                continue;
            }
            if !shown {
                hidden.push(question.id.clone());
                continue;
            }
            match question.parse_values(input.values(&question.id)) {
                Ok(Some(answer)) => parsed.push((question.id.clone(), answer)),
                Ok(None) if question.required => errors.push(AnswerError {
                    question_id: question.id.clone(),
                    number: question.number.clone(),
                    problem: AnswerProblem::Required,
                }),
                Ok(None) => parsed.push((
                    question.id.clone(),
                    Answer::Missing(MissingReason::NoAnswer),
                )),
                Err(error) => errors.push(error),
            }
        }
        Ok(if errors.is_empty() {
            Ok(PageAnswers {
                page_index,
                answers: parsed,
                hidden,
            })
        } else {
            Err(PageErrors {
                errors,
                input: input.clone(),
            })
        })
    }

    /// Parses page `page_index` and, if it is valid, merges it into `answers` and drops
    /// answers that later pages no longer show (after a change of an earlier answer).
    pub fn save_page(
        &self,
        page_index: usize,
        input: &RawInput,
        answers: &mut Answers,
    ) -> Result<Result<(), PageErrors>, QuestionnaireError> {
        let page = match self.parse_page(page_index, input, answers)? {
            Ok(page) => page,
            Err(errors) => return Ok(Err(errors)),
        };
        for id in &page.hidden {
            answers.remove(id);
        }
        for (id, answer) in page.answers {
            answers.insert(id, answer);
        }
        self.drop_hidden_answers(answers);
        Ok(Ok(()))
    }

    /// Removes answers to questions that are hidden given the other answers (online flow:
    /// after an earlier answer changed). Paper entry keeps them and reports
    /// [`Questionnaire::skip_violations`] instead.
    pub fn drop_hidden_answers(&self, answers: &mut Answers) {
        let visibility = self.visibility(answers);
        let hidden: HashSet<&str> = self
            .questions
            .iter()
            .zip(visibility)
            .filter(|(_, shown)| !shown)
            .map(|(question, _)| question.id.as_str())
            .collect();
        answers.retain(|id, _| !hidden.contains(id));
    }

    /// The values to prefill page inputs with from stored answers (field name = question id).
    pub fn form_values(&self, answers: &Answers) -> RawInput {
        let mut input = RawInput::default();
        for question in &self.questions {
            if let Some(answer) = answers.get(&question.id) {
                for value in question.form_values(answer) {
                    input.push(question.id.clone(), value);
                }
            }
        }
        input
    }

    /// Shown required questions without a real answer, in order. Empty means the answers
    /// can be submitted.
    pub fn missing_required(&self, answers: &Answers) -> Vec<&Question> {
        self.questions
            .iter()
            .zip(self.visibility(answers))
            .filter(|(question, shown)| {
                *shown && question.required && answers.given(&question.id).is_none()
            })
            .map(|(question, _)| question)
            .collect()
    }

    /// Whether every shown question has an entry and every shown required question an answer.
    pub fn is_complete(&self, answers: &Answers) -> bool {
        self.first_unfinished_page(answers).is_none()
    }

    /// The first shown page with a shown question that has no entry yet, or a required one
    /// without a real answer: where a returning respondent continues.
    pub fn first_unfinished_page(&self, answers: &Answers) -> Option<usize> {
        self.questions
            .iter()
            .zip(self.visibility(answers))
            .find(|(question, shown)| {
                *shown
                    && match answers.get(&question.id) {
                        None => true,
                        Some(answer) => question.required && !answer.is_given(),
                    }
            })
            .map(|(question, _)| question.page_index)
    }

    /// The review summary: every shown question with its answer in words.
    pub fn review(&self, answers: &Answers, lang: Lang) -> Vec<ReviewEntry> {
        self.questions
            .iter()
            .zip(self.visibility(answers))
            .filter(|(_, shown)| *shown)
            .map(|(question, _)| ReviewEntry {
                page_index: question.page_index,
                question_id: question.id.clone(),
                number: question.number.clone(),
                label: question.text.get(lang).to_string(),
                answer: match answers.get(&question.id) {
                    Some(answer) => question.answer_label(answer, lang),
                    None => match lang {
                        Lang::Ja => "未回答".to_string(),
                        Lang::En => "Not answered".to_string(),
                    },
                },
            })
            .collect()
    }

    /// Checks stored answers against the questionnaire: unknown questions, wrong types,
    /// codes not in the options, numbers out of range. Does not check required or skips.
    pub fn check_answers(&self, answers: &Answers) -> Vec<AnswerError> {
        let mut errors = Vec::new();
        for (id, answer) in answers.iter() {
            match self.question(id) {
                Some(question) => {
                    if let Err(error) = question.check_answer(answer) {
                        errors.push(error);
                    }
                }
                None => errors.push(AnswerError {
                    question_id: id.to_string(),
                    number: String::new(),
                    problem: AnswerProblem::UnknownQuestion,
                }),
            }
        }
        errors
    }

    /// Questions answered although the skip rules hide them (paper entry flags these and
    /// keeps the answer). Entries marked missing are not violations.
    pub fn skip_violations(&self, answers: &Answers) -> Vec<AnswerError> {
        self.questions
            .iter()
            .zip(self.visibility(answers))
            .filter(|(question, shown)| !shown && answers.given(&question.id).is_some())
            .map(|(question, _)| AnswerError {
                question_id: question.id.clone(),
                number: question.number.clone(),
                problem: AnswerProblem::AnsweredWhenSkipped,
            })
            .collect()
    }

    /// A condition in words with printed numbers, for staff screens and paper instructions:
    /// 「問6で 1 と回答」 / "問6 answered 1".
    pub fn describe_condition(&self, condition: &Condition, lang: Lang) -> String {
        let number = |id: &str| {
            self.question(id)
                .map(|question| question.number.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let join = |parts: &[Condition], ja: &str, en: &str| {
            let separator = if lang == Lang::Ja { ja } else { en };
            parts
                .iter()
                .map(|part| format!("（{}）", self.describe_condition(part, lang)))
                .collect::<Vec<_>>()
                .join(separator)
        };
        match (lang, condition) {
            (Lang::Ja, Condition::Chosen { question, codes }) => {
                format!("{}で {} と回答", number(question), join_codes(codes))
            }
            (Lang::En, Condition::Chosen { question, codes }) => format!(
                "{} answered {}",
                number(question),
                join_codes(codes).replace(", ", " or ")
            ),
            (Lang::Ja, Condition::Answered { question }) => {
                format!("{}に回答あり", number(question))
            }
            (Lang::En, Condition::Answered { question }) => {
                format!("{} answered", number(question))
            }
            (_, Condition::Between { question, min, max }) => {
                let range = match (min, max) {
                    (Some(min), Some(max)) => format!("{min}–{max}"),
                    (Some(min), None) => format!("≥ {min}"),
                    (None, Some(max)) => format!("≤ {max}"),
                    (None, None) => String::new(),
                };
                match lang {
                    Lang::Ja => format!("{}が {range}", number(question)),
                    Lang::En => format!("{} is {range}", number(question)),
                }
            }
            (_, Condition::All(parts)) => join(parts, " かつ ", " and "),
            (_, Condition::Any(parts)) => join(parts, " または ", " or "),
            (Lang::Ja, Condition::Not(inner)) => {
                format!("「{}」以外", self.describe_condition(inner, lang))
            }
            (Lang::En, Condition::Not(inner)) => {
                format!("not ({})", self.describe_condition(inner, lang))
            }
        }
    }
}

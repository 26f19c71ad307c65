//! Answers: the stored form ([`Answers`], JSON), raw form input ([`RawInput`]), and parsing
//! one question's raw values into an [`Answer`] or an [`AnswerError`] with a message in
//! Japanese and English.

use super::model::{Code, Question, Response};
use super::text::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One question's answer as stored.
///
/// JSON: `{"type":"choice","value":3}`, `{"type":"choices","value":[1,4]}`,
/// `{"type":"number","value":2.0}`, `{"type":"text","value":"…"}`,
/// `{"type":"missing","value":"no_answer"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// Single choice (also a grid row): the option code.
    Choice(Code),
    /// Multiple choice: the codes chosen, ascending, without repeats.
    Choices(Vec<Code>),
    /// A number within the question's range.
    Number(f64),
    /// Free text, trimmed, never empty.
    Text(String),
    /// Seen but not validly answered.
    Missing(MissingReason),
}

impl Answer {
    /// Whether this is a real answer (not [`Answer::Missing`]).
    pub fn is_given(&self) -> bool {
        !matches!(self, Answer::Missing(_))
    }
}

/// Why an answer is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingReason {
    /// Left blank (online: an optional item skipped; paper: nothing marked).
    NoAnswer,
    /// Paper: the mark or writing cannot be read.
    Unreadable,
    /// Paper: several options marked on a single-choice question.
    MultipleMarked,
}

/// All answers of one respondent, keyed by question id. Serializes as a JSON object.
/// A question without an entry has not been reached (or was hidden).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, Answer>);

impl Answers {
    /// No answers yet.
    pub fn new() -> Answers {
        Answers::default()
    }

    /// The entry for question `id`.
    pub fn get(&self, id: &str) -> Option<&Answer> {
        self.0.get(id)
    }

    /// The answer for `id` if it is a real answer (not missing).
    pub fn given(&self, id: &str) -> Option<&Answer> {
        self.0.get(id).filter(|answer| answer.is_given())
    }

    /// Sets the entry for `id`, returning the previous one.
    pub fn insert(&mut self, id: impl Into<String>, answer: Answer) -> Option<Answer> {
        self.0.insert(id.into(), answer)
    }

    /// Removes the entry for `id`.
    pub fn remove(&mut self, id: &str) -> Option<Answer> {
        self.0.remove(id)
    }

    /// Entries in question-id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.0.iter().map(|(id, answer)| (id.as_str(), answer))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps only the entries for which `keep` holds.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&str, &Answer) -> bool) {
        self.0.retain(|id, answer| keep(id, answer));
    }
}

/// Raw form values of one page as posted: field name → values in order (a multiple-choice
/// question posts one value per checked box). Kept as typed so a page with errors can be
/// shown again with nothing lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawInput {
    fields: BTreeMap<String, Vec<String>>,
}

impl RawInput {
    /// Collects `(name, value)` pairs, e.g. from `serde_urlencoded::from_str::<Vec<(String,
    /// String)>>`.
    pub fn from_pairs<I, K, V>(pairs: I) -> RawInput
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut input = RawInput::default();
        for (name, value) in pairs {
            input.push(name, value);
        }
        input
    }

    /// Adds one value to `name`.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields
            .entry(name.into())
            .or_default()
            .push(value.into());
    }

    /// All values posted under `name` (empty if none).
    pub fn values(&self, name: &str) -> &[String] {
        self.fields.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first value under `name`, for text and number inputs.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values(name).first().map(String::as_str)
    }

    /// Whether `value` was posted under `name`, for checking radio buttons and boxes.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values(name)
            .iter()
            .any(|posted| posted.trim() == value)
    }
}

/// What is wrong with one answer.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerProblem {
    /// A required question shown to the respondent has no answer.
    Required,
    /// A choice value that is not a number.
    NotACode {
        /// What was posted.
        raw: String,
    },
    /// A choice code the question does not have.
    UnknownCode {
        /// The code given.
        code: Code,
        /// The codes the question has.
        allowed: Vec<Code>,
    },
    /// Several values for a single-choice question.
    SeveralChoices,
    /// More options chosen than `max_choices`.
    TooManyChoices {
        /// Most allowed.
        max: usize,
        /// How many were chosen.
        given: usize,
    },
    /// An exclusive option (「特にない」) combined with others.
    ExclusiveCombined {
        /// The exclusive option's code.
        code: Code,
    },
    /// A number input that is not a number.
    NotANumber {
        /// What was typed.
        raw: String,
    },
    /// A number with decimals where only whole numbers are allowed.
    NotAWholeNumber {
        /// The value typed.
        value: f64,
    },
    /// A number outside the question's range.
    OutOfRange {
        /// The value typed.
        value: f64,
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// Text longer than allowed.
    TooLong {
        /// Longest allowed, in characters.
        max: usize,
        /// Length given.
        length: usize,
    },
    /// Stored answers mention a question the questionnaire does not have.
    UnknownQuestion,
    /// A stored answer of the wrong type for the question (e.g. text for a choice).
    WrongType,
    /// Answered although the skip rules say the question should have been skipped
    /// (paper entry: flagged, the answer is kept).
    AnsweredWhenSkipped,
}

/// A problem with the answer to one question.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerError {
    /// The question (form field name and answer key).
    pub question_id: String,
    /// Its printed number (`"問7(2)"`), empty for unknown questions.
    pub number: String,
    /// What is wrong.
    pub problem: AnswerProblem,
}

fn join_codes(codes: &[Code], lang: Lang) -> String {
    let separator = match lang {
        Lang::Ja => "、",
        Lang::En => ", ",
    };
    codes
        .iter()
        .map(Code::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

impl AnswerError {
    /// The message for the respondent or staff member, to show next to the question.
    pub fn message(&self, lang: Lang) -> String {
        use AnswerProblem as P;
        match (lang, &self.problem) {
            (Lang::Ja, P::Required) => "この質問にお答えください。".into(),
            (Lang::En, P::Required) => "Please answer this question.".into(),
            (Lang::Ja, P::NotACode { raw }) => {
                format!("「{raw}」は選択肢の番号ではありません。選択肢から選んでください。")
            }
            (Lang::En, P::NotACode { raw }) => {
                format!("\"{raw}\" is not an option number. Please choose one of the options.")
            }
            (Lang::Ja, P::UnknownCode { code, allowed }) => format!(
                "{code} という選択肢はありません。{} から選んでください。",
                join_codes(allowed, lang)
            ),
            (Lang::En, P::UnknownCode { code, allowed }) => format!(
                "There is no option {code}. Please choose from {}.",
                join_codes(allowed, lang)
            ),
            (Lang::Ja, P::SeveralChoices) => "選べるのは1つだけです。1つ選んでください。".into(),
            (Lang::En, P::SeveralChoices) => {
                "Only one option can be chosen. Please choose one.".into()
            }
            (Lang::Ja, P::TooManyChoices { max, given }) => {
                format!("選べるのは{max}つまでです（{given}つ選ばれています）。")
            }
            (Lang::En, P::TooManyChoices { max, given }) => {
                format!("Choose at most {max} options ({given} are chosen).")
            }
            (Lang::Ja, P::ExclusiveCombined { code }) => {
                format!("選択肢 {code} は他の選択肢と一緒には選べません。")
            }
            (Lang::En, P::ExclusiveCombined { code }) => {
                format!("Option {code} cannot be combined with other options.")
            }
            (Lang::Ja, P::NotANumber { raw }) => {
                format!("「{raw}」は数字として読めません。数字で入力してください。")
            }
            (Lang::En, P::NotANumber { raw }) => {
                format!("\"{raw}\" is not a number. Please enter a number.")
            }
            (Lang::Ja, P::NotAWholeNumber { value }) => {
                format!("{value} は整数ではありません。整数で入力してください。")
            }
            (Lang::En, P::NotAWholeNumber { value }) => {
                format!("{value} is not a whole number. Please enter a whole number.")
            }
            (Lang::Ja, P::OutOfRange { value, min, max }) => {
                format!("{value} は範囲外です。{min}から{max}までの数を入力してください。")
            }
            (Lang::En, P::OutOfRange { value, min, max }) => {
                format!("{value} is out of range. Please enter a number from {min} to {max}.")
            }
            (Lang::Ja, P::TooLong { max, length }) => {
                format!("{max}文字以内で入力してください（現在{length}文字）。")
            }
            (Lang::En, P::TooLong { max, length }) => {
                format!("Please keep to {max} characters (now {length}).")
            }
            (Lang::Ja, P::UnknownQuestion) => format!(
                "この調査票には「{}」という質問はありません。",
                self.question_id
            ),
            (Lang::En, P::UnknownQuestion) => format!(
                "This questionnaire has no question \"{}\".",
                self.question_id
            ),
            (Lang::Ja, P::WrongType) => "回答の種類がこの質問に合いません。".into(),
            (Lang::En, P::WrongType) => "The answer is of the wrong kind for this question.".into(),
            (Lang::Ja, P::AnsweredWhenSkipped) => {
                "前の回答により答えない（飛ばす）はずの質問に回答があります。".into()
            }
            (Lang::En, P::AnsweredWhenSkipped) => {
                "Answered although earlier answers say this question should have been skipped."
                    .into()
            }
        }
    }
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = if self.number.is_empty() {
            self.question_id.clone()
        } else {
            format!("{} ({})", self.number, self.question_id)
        };
        write!(f, "{label}: {}", self.message(Lang::En))
    }
}

impl std::error::Error for AnswerError {}

/// The problems on one submitted page, with the raw input kept for showing the page again.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{} answer(s) on the page need correcting", errors.len())]
pub struct PageErrors {
    /// One entry per question with a problem, in question order.
    pub errors: Vec<AnswerError>,
    /// The values as posted.
    pub input: RawInput,
}

impl PageErrors {
    /// The error for question `id`, if any (to show next to that question).
    pub fn for_question(&self, id: &str) -> Option<&AnswerError> {
        self.errors.iter().find(|error| error.question_id == id)
    }
}

/// Turns full-width digits, signs and separators (as typed on Japanese keyboards) into ASCII,
/// and drops thousands separators and spaces.
fn normalize_number(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '．' => Some('.'),
            '－' | '−' | 'ー' | '‐' => Some('-'),
            '＋' => Some('+'),
            ',' | '，' | '、' | ' ' | '　' => None,
            _ => Some(c),
        })
        .collect()
}

/// Parses a plain decimal number: optional sign, digits, optional fraction. Rejects
/// exponents, `inf` and `NaN`, which `f64::from_str` would accept.
fn parse_decimal(raw: &str) -> Option<f64> {
    let text = normalize_number(raw);
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    let valid = digits(whole)
        && fraction.is_none_or(|fraction| digits(fraction) && !fraction.is_empty())
        && !whole.is_empty();
    if !valid {
        return None;
    }
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

fn parse_code(raw: &str) -> Result<Code, AnswerProblem> {
    let text = normalize_number(raw);
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(AnswerProblem::NotACode {
            raw: raw.trim().to_string(),
        });
    }
    text.parse::<Code>().map_err(|_| AnswerProblem::NotACode {
        raw: raw.trim().to_string(),
    })
}

impl Question {
    fn error(&self, problem: AnswerProblem) -> AnswerError {
        AnswerError {
            question_id: self.id.clone(),
            number: self.number.clone(),
            problem,
        }
    }

    fn known_code(&self, code: Code) -> Result<Code, AnswerProblem> {
        match self.response.option(code) {
            Some(_) => Ok(code),
            None => Err(AnswerProblem::UnknownCode {
                code,
                allowed: self.response.options().iter().map(|c| c.code).collect(),
            }),
        }
    }

    /// Parses the raw values posted for this question. `Ok(None)` means nothing was given
    /// (blank inputs are ignored). Whether an answer is required is not checked here.
    pub fn parse_values(&self, values: &[String]) -> Result<Option<Answer>, AnswerError> {
        let values: Vec<&str> = values
            .iter()
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .collect();
        if values.is_empty() {
            return Ok(None);
        }
        self.parse_present(&values)
            .map(Some)
            .map_err(|problem| self.error(problem))
    }

    fn parse_present(&self, values: &[&str]) -> Result<Answer, AnswerProblem> {
        match &self.response {
            Response::Single { .. } => {
                if values.len() > 1 {
                    return Err(AnswerProblem::SeveralChoices);
                }
                Ok(Answer::Choice(self.known_code(parse_code(values[0])?)?))
            }
            Response::Multiple {
                options,
                max_choices,
            } => {
                let mut codes = Vec::new();
                for value in values {
                    codes.push(self.known_code(parse_code(value)?)?);
                }
                codes.sort_unstable();
                codes.dedup();
                if codes.len() > 1 {
                    if let Some(exclusive) = options
                        .iter()
                        .find(|choice| choice.exclusive && codes.contains(&choice.code))
                    {
                        return Err(AnswerProblem::ExclusiveCombined {
                            code: exclusive.code,
                        });
                    }
                }
                if let Some(max) = max_choices {
                    if codes.len() > *max {
                        return Err(AnswerProblem::TooManyChoices {
                            max: *max,
                            given: codes.len(),
                        });
                    }
                }
                Ok(Answer::Choices(codes))
            }
            Response::Number {
                min, max, integer, ..
            } => {
                let raw = values.join(" ");
                let value = parse_decimal(&raw).ok_or(AnswerProblem::NotANumber { raw })?;
                if *integer && value.fract() != 0.0 {
                    return Err(AnswerProblem::NotAWholeNumber { value });
                }
                if value < *min || value > *max {
                    return Err(AnswerProblem::OutOfRange {
                        value,
                        min: *min,
                        max: *max,
                    });
                }
                Ok(Answer::Number(value))
            }
            Response::Text { max_length, .. } => {
                let text = values.join("\n").replace("\r\n", "\n");
                let length = text.chars().count();
                if length > *max_length {
                    return Err(AnswerProblem::TooLong {
                        max: *max_length,
                        length,
                    });
                }
                Ok(Answer::Text(text))
            }
        }
    }

    /// Parses one keyed entry from a paper form: blank means [`MissingReason::NoAnswer`];
    /// multiple-choice codes are separated by spaces, commas or dots (`"1 3"`, `"1,3"`).
    pub fn parse_entry(&self, entry: &str) -> Result<Answer, AnswerError> {
        let values: Vec<String> = match self.response {
            Response::Multiple { .. } => entry
                .split([' ', ',', '.', '、', '，', '　', '・'])
                .map(str::to_string)
                .collect(),
            _ => vec![entry.to_string()],
        };
        Ok(self
            .parse_values(&values)?
            .unwrap_or(Answer::Missing(MissingReason::NoAnswer)))
    }

    /// Checks a stored answer against this question (type, codes, range, length).
    pub fn check_answer(&self, answer: &Answer) -> Result<(), AnswerError> {
        let problem = match (&self.response, answer) {
            (_, Answer::Missing(_)) => return Ok(()),
            (Response::Single { .. }, Answer::Choice(code)) => self.known_code(*code).err(),
            (Response::Multiple { .. }, Answer::Choices(codes)) => {
                let values: Vec<String> = codes.iter().map(Code::to_string).collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                if codes.is_empty() {
                    Some(AnswerProblem::WrongType)
                } else {
                    self.parse_present(&values).err()
                }
            }
            (Response::Number { .. }, Answer::Number(value)) => {
                if value.is_finite() {
                    self.parse_present(&[value.to_string().as_str()]).err()
                } else {
                    Some(AnswerProblem::WrongType)
                }
            }
            (Response::Text { .. }, Answer::Text(text)) => {
                self.parse_present(&[text.as_str()]).err()
            }
            _ => Some(AnswerProblem::WrongType),
        };
        match problem {
            Some(problem) => Err(self.error(problem)),
            None => Ok(()),
        }
    }

    /// The form values that show `answer` in this question's inputs (to prefill a page).
    pub fn form_values(&self, answer: &Answer) -> Vec<String> {
        match answer {
            Answer::Choice(code) => vec![code.to_string()],
            Answer::Choices(codes) => codes.iter().map(Code::to_string).collect(),
            Answer::Number(value) => vec![value.to_string()],
            Answer::Text(text) => vec![text.clone()],
            Answer::Missing(_) => Vec::new(),
        }
    }

    /// The answer in words: option labels, the number with its unit, the text; missing
    /// answers as 「無回答」 / "No answer".
    pub fn answer_label(&self, answer: &Answer, lang: Lang) -> String {
        let label = |code: &Code| {
            self.response
                .option(*code)
                .map(|choice| choice.label.get(lang).to_string())
                .unwrap_or_else(|| code.to_string())
        };
        match answer {
            Answer::Choice(code) => label(code),
            Answer::Choices(codes) => codes
                .iter()
                .map(label)
                .collect::<Vec<_>>()
                .join(if lang == Lang::Ja { "、" } else { ", " }),
            Answer::Number(value) => match &self.response {
                Response::Number {
                    unit: Some(unit), ..
                } => match lang {
                    Lang::Ja => format!("{value}{}", unit.get(lang)),
                    Lang::En => format!("{value} {}", unit.get(lang)),
                },
                _ => value.to_string(),
            },
            Answer::Text(text) => text.clone(),
            Answer::Missing(reason) => match (lang, reason) {
                (Lang::Ja, MissingReason::NoAnswer) => "無回答".into(),
                (Lang::En, MissingReason::NoAnswer) => "No answer".into(),
                (Lang::Ja, MissingReason::Unreadable) => "判読不能".into(),
                (Lang::En, MissingReason::Unreadable) => "Unreadable".into(),
                (Lang::Ja, MissingReason::MultipleMarked) => "複数回答（無効）".into(),
                (Lang::En, MissingReason::MultipleMarked) => "Several marked (invalid)".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_separators_are_read_as_numbers() {
        assert_eq!(parse_decimal("１２"), Some(12.0));
        assert_eq!(parse_decimal(" 1,200 "), Some(1200.0));
        assert_eq!(parse_decimal("－３．５"), Some(-3.5));
        assert_eq!(parse_decimal("2.5"), Some(2.5));
    }

    #[test]
    fn exponents_infinities_and_words_are_not_numbers() {
        for raw in ["1e3", "inf", "NaN", "abc", "1.", ".5", "--1", "3人", ""] {
            assert_eq!(parse_decimal(raw), None, "{raw} should be rejected");
        }
    }

    #[test]
    fn codes_accept_full_width_digits_and_reject_other_text() {
        assert_eq!(parse_code("３"), Ok(3));
        assert_eq!(parse_code(" 2 "), Ok(2));
        assert!(matches!(
            parse_code("-1"),
            Err(AnswerProblem::NotACode { .. })
        ));
        assert!(matches!(
            parse_code("はい"),
            Err(AnswerProblem::NotACode { .. })
        ));
    }

    #[test]
    fn answers_serialize_as_tagged_json_and_round_trip() {
        let mut answers = Answers::new();
        answers.insert("direct", Answer::Choice(5));
        answers.insert("participation", Answer::Choices(vec![1, 3]));
        answers.insert("household_size", Answer::Number(2.0));
        answers.insert("comments", Answer::Text("ありがとう".into()));
        answers.insert("ucla_1", Answer::Missing(MissingReason::MultipleMarked));
        let json = serde_json::to_string(&answers).expect("answers serialize");
        assert_eq!(
            json,
            r#"{"comments":{"type":"text","value":"ありがとう"},"direct":{"type":"choice","value":5},"household_size":{"type":"number","value":2.0},"participation":{"type":"choices","value":[1,3]},"ucla_1":{"type":"missing","value":"multiple_marked"}}"#
        );
        let back: Answers = serde_json::from_str(&json).expect("answers deserialize");
        assert_eq!(back, answers);
    }

    #[test]
    fn raw_input_keeps_every_value_per_name() {
        let input = RawInput::from_pairs([("a", "1"), ("b", "x"), ("a", "3")]);
        assert_eq!(input.values("a"), ["1".to_string(), "3".to_string()]);
        assert_eq!(input.value("b"), Some("x"));
        assert!(input.has("a", "3"));
        assert!(!input.has("a", "2"));
        assert!(input.values("missing").is_empty());
    }
}

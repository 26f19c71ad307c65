//! What the paper-entry tests share: a filled-in paper form and the fields a keyer types
//! for it.

use tsunagari::entry::keyed_values;
use tsunagari::questionnaire::{Answer, Answers, Question, Questionnaire, Response};

/// Answers for every question the form shows: `pick` decides, else the first option, the
/// smallest number, a short text.
pub fn paper_answers(q: &Questionnaire, pick: &dyn Fn(&Question) -> Option<Answer>) -> Answers {
    let mut answers = Answers::new();
    for question in q.questions() {
        if !q.is_shown(&question.id, &answers) {
            continue;
        }
        let answer = pick(question).unwrap_or_else(|| match &question.response {
            Response::Single { options } => Answer::Choice(options[0].code),
            Response::Multiple { options, .. } => Answer::Choices(vec![options[0].code]),
            Response::Number { min, .. } => Answer::Number(*min),
            Response::Text { .. } => Answer::Text("紙の記入".into()),
        });
        answers.insert(question.id.clone(), answer);
    }
    answers
}

/// The keyed fields for `answers`: one per question, blank where nothing is written.
pub fn keyed_fields(q: &Questionnaire, answers: &Answers) -> Vec<(String, String)> {
    let values = keyed_values(q, answers);
    q.questions()
        .iter()
        .map(|question| {
            (
                question.id.clone(),
                values.value(&question.id).unwrap_or_default().to_string(),
            )
        })
        .collect()
}

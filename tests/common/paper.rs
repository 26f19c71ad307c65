//! What the paper-entry tests share: a filled-in paper form, the fields a keyer types for
//! it, and keying them through the keying screen.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use tsunagari::entry::keyed_values;
use tsunagari::sampling::access_code::AccessCode;

use super::{Client, Page};
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

/// Opens the keying screen of `code` in survey `slug` and posts `fields` with `action`
/// (`save` or `complete`), as a keyer does.
pub async fn key<S, B>(
    client: &mut Client<S>,
    slug: &str,
    code: &AccessCode,
    fields: &[(String, String)],
    action: &str,
) -> Page
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let path = format!("/staff/entry/{slug}/form/{}", code.as_str());
    let screen = client.get(&path).await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
    let mut all = fields.to_vec();
    all.push(("csrf".into(), screen.hidden("csrf")));
    all.push(("version".into(), screen.hidden("version")));
    all.push(("action".into(), action.into()));
    let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post(&path, &pairs).await
}

//! The codebook (コードブック): every question of a questionnaire as a survey uses it, with
//! its printed number, wording, answer codes, when it is asked, and where its wording comes
//! from (provenance) — what a data export documents beside the answers, so that nobody sets
//! a local item beside a national figure.

use serde::Serialize;

use super::model::{Choice, Provenance, Questionnaire, Response};
use super::text::{Lang, Text};

/// One answerable question (a grid row is a question of its own) as the codebook lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodebookEntry {
    /// The answer's name in data exports.
    pub question_id: String,
    /// The item it belongs to (the grid for a row).
    pub item_id: String,
    /// As printed on the paper form and shown on the screens (`問7(2)`).
    pub number: String,
    /// The optional module it belongs to (`None`: the core questionnaire).
    pub module: Option<String>,
    /// The question (for a grid row: the row).
    pub text: Text,
    /// For a grid row, the grid's stem.
    pub stem: Option<Text>,
    /// `single`, `multiple`, `number` or `text`.
    pub kind: &'static str,
    /// The answer codes in printed order (empty for number and text questions).
    pub options: Vec<Choice>,
    /// When it is asked, in words with printed numbers (`None`: always).
    pub asked_when: Option<Text>,
    /// Where the wording comes from.
    pub provenance: Provenance,
    /// What is and is not verified about the wording.
    pub provenance_note: Option<Text>,
}

impl Questionnaire {
    /// The codebook of the questionnaire with its current modules: every question in order.
    pub fn codebook(&self) -> Vec<CodebookEntry> {
        self.questions()
            .iter()
            .map(|question| {
                let page = &self.pages()[question.page_index];
                let note = page
                    .items
                    .iter()
                    .find(|item| item.id == question.item_id)
                    .and_then(|item| item.provenance_note.clone());
                let kind = match question.response {
                    Response::Single { .. } => "single",
                    Response::Multiple { .. } => "multiple",
                    Response::Number { .. } => "number",
                    Response::Text { .. } => "text",
                };
                CodebookEntry {
                    question_id: question.id.clone(),
                    item_id: question.item_id.clone(),
                    number: question.number.clone(),
                    module: page.module.clone(),
                    text: question.text.clone(),
                    stem: question.stem.clone(),
                    kind,
                    options: question.response.options().to_vec(),
                    asked_when: question.show_if.as_ref().map(|condition| {
                        Text::new(
                            self.describe_condition(condition, Lang::Ja),
                            self.describe_condition(condition, Lang::En),
                        )
                    }),
                    provenance: question.provenance,
                    provenance_note: note,
                }
            })
            .collect()
    }
}

//! What the analysis dataset is built from: the design columns of every counted submitted
//! response of a sampled person, joined with its answers, and the register totals.

use std::collections::HashMap;

use super::{responses, sample, DbConnection, DbError, DbResult};
use crate::analysis::{RegisterCell, Respondent};
use crate::questionnaire::Answers;

/// What a survey's analysis is built from.
pub struct Stored {
    /// Every counted submitted response's answers, in submission order (the simple
    /// tabulation counts them all, sampled or not).
    pub answers: Vec<Answers>,
    /// The respondents from the sample (in response-id order) and the register cells;
    /// `None` when the survey has no sample.
    pub design: Option<(Vec<Respondent>, Vec<RegisterCell>)>,
}

/// Reads and parses what the analysis of a survey needs.
pub fn stored(conn: &mut DbConnection, survey_id: i64) -> DbResult<Stored> {
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    let mut answers = Vec::new();
    for (id, json) in responses::submitted_answers(conn, survey_id)? {
        let parsed: Answers = serde_json::from_str(&json)
            .map_err(|e| DbError::Corrupt(format!("response {id} has unreadable answers: {e}")))?;
        by_id.insert(id, answers.len());
        answers.push(parsed);
    }
    let Some(design) = sample::design_for_estimation(conn, survey_id)? else {
        return Ok(Stored {
            answers,
            design: None,
        });
    };
    let mut respondents = Vec::with_capacity(design.respondents.len());
    for row in design.respondents {
        let Some(&index) = by_id.get(&row.response_id) else {
            continue;
        };
        let parsed = answers[index].clone();
        respondents.push(Respondent {
            stratum: row.stratum,
            population: row.population as f64,
            base_weight: row.base_weight,
            sex: row.sex,
            age_band: row.age_band,
            district: row.district,
            answers: parsed,
        });
    }
    let register = design
        .margins
        .into_iter()
        .map(|m| RegisterCell {
            sex: m.sex,
            age_band: m.age_band,
            district: m.district,
            population: m.population as f64,
        })
        .collect();
    Ok(Stored {
        answers,
        design: Some((respondents, register)),
    })
}

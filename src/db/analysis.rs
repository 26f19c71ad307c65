//! What the analysis dataset is built from: the design columns of every counted submitted
//! response of a sampled person, joined with its answers, and the register totals.

use std::collections::HashMap;

use super::{responses, sample, DbConnection, DbError, DbResult};
use crate::analysis::{RegisterCell, Respondent};
use crate::questionnaire::Answers;

/// The respondents (in response-id order) and register cells of a survey; `None` when the
/// survey has no sample.
pub fn respondents(
    conn: &mut DbConnection,
    survey_id: i64,
) -> DbResult<Option<(Vec<Respondent>, Vec<RegisterCell>)>> {
    let Some(design) = sample::design_for_estimation(conn, survey_id)? else {
        return Ok(None);
    };
    let stored = responses::submitted_answers(conn, survey_id)?;
    let mut answers: HashMap<i64, String> = stored.into_iter().collect();
    let mut respondents = Vec::with_capacity(design.respondents.len());
    for row in design.respondents {
        let Some(json) = answers.remove(&row.response_id) else {
            continue;
        };
        let parsed: Answers = serde_json::from_str(&json).map_err(|e| {
            DbError::Corrupt(format!(
                "response {} has unreadable answers: {e}",
                row.response_id
            ))
        })?;
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
    Ok(Some((respondents, register)))
}

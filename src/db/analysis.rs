//! What the analysis dataset is built from: the design columns of every counted submitted
//! response of a sampled person, joined with its answers, and the register totals.

use std::collections::HashMap;
use std::sync::Arc;

use super::{responses, sample, DbConnection, DbError, DbResult};
use crate::analysis::cache::{KnownAnswers, StoredAnswers};
use crate::analysis::{RegisterCell, Respondent};
use crate::questionnaire::Answers;

/// What a survey's analysis is built from.
pub struct Stored {
    /// Every counted submitted response's answers, in submission order (the simple
    /// tabulation counts them all, sampled or not).
    pub answers: Vec<StoredAnswers>,
    /// The respondents from the sample (in response-id order) and the register cells;
    /// `None` when the survey has no sample.
    pub design: Option<(Vec<Respondent>, Vec<RegisterCell>)>,
}

/// Reads what the analysis of a survey needs. Answers already in `known` at their current
/// version are reused; only the others are read and parsed.
pub fn stored(conn: &mut DbConnection, survey_id: i64, known: &KnownAnswers) -> DbResult<Stored> {
    let listed = responses::submitted_versions(conn, survey_id)?;
    let unknown: Vec<i64> = listed
        .iter()
        .filter(|(id, version)| known.get(*id, *version).is_none())
        .map(|(id, _)| *id)
        .collect();
    // Reading everything in one pass is cheaper than many lookups by id once most is new.
    let rows = if unknown.len() * 2 > listed.len() {
        responses::submitted_answers(conn, survey_id)?
            .into_iter()
            .filter(|(id, version, _)| known.get(*id, *version).is_none())
            .collect()
    } else {
        responses::answers_of(conn, &unknown)?
    };
    let mut fetched = parse(rows)?;
    // A response that stopped counting between the two reads is left out; one that changed
    // carries its newer version, so the next analysis reads it again: never stale.
    let answers: Vec<StoredAnswers> = listed
        .into_iter()
        .filter_map(|(id, version)| {
            known
                .get(id, version)
                .cloned()
                .or_else(|| fetched.remove(&id))
        })
        .collect();
    let Some(design) = sample::design_for_estimation(conn, survey_id)? else {
        return Ok(Stored {
            answers,
            design: None,
        });
    };
    let by_id: HashMap<i64, &Arc<Answers>> = answers
        .iter()
        .map(|a| (a.response_id, &a.answers))
        .collect();
    let respondents = design
        .respondents
        .into_iter()
        .filter_map(|row| {
            let answers = by_id.get(&row.response_id)?;
            Some(Respondent {
                stratum: row.stratum,
                population: row.population as f64,
                base_weight: row.base_weight,
                sex: row.sex,
                age_band: row.age_band,
                district: row.district,
                answers: Arc::clone(answers),
            })
        })
        .collect();
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

/// Parses stored answer JSON, on every core (a first analysis parses 20,000 documents).
fn parse(rows: Vec<(i64, i32, String)>) -> DbResult<HashMap<i64, StoredAnswers>> {
    crate::parallel::map(&rows, |(id, version, json)| {
        let answers: Answers = serde_json::from_str(json)
            .map_err(|e| DbError::Corrupt(format!("response {id} has unreadable answers: {e}")))?;
        Ok((
            *id,
            StoredAnswers {
                response_id: *id,
                version: *version,
                answers: Arc::new(answers),
            },
        ))
    })
    .into_iter()
    .collect()
}

//! The drawn sample: its design (seed, reference date, strata, allocation), the per-stratum
//! numbers, one row per sampled person with N_h, n_h, π_h and base weight and an access
//! code, what happened to each letter, the register margins for weighting, and the letter
//! text of a survey.
//!
//! Nothing here returns names or addresses (those are in [`super::frame`]); planners'
//! pages may use these queries.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    access_codes, frame_margins, responses, sample_strata, sampled_units, samples, survey_letters,
};
use super::{now, on_backend, transaction, DbConnection, DbError, DbResult};
use crate::sampling::access_code::AccessCode;
use crate::sampling::disposition::Disposition;
use crate::sampling::records::{SampleRecord, StratumRecord, UnitOutcome};

/// Rows per multi-row insert of sampled units (14 values a row; SQLite allows 32,766).
const UNIT_CHUNK_ROWS: usize = 2_000;

/// A stored sample's design.
/// A `samples` row as diesel reads it; the rest of the program sees [`SampleRecord`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = samples)]
struct StoredSample {
    id: i64,
    survey_id: i64,
    seed: String,
    reference_date: NaiveDate,
    min_age: i32,
    strata: String,
    age_bands: String,
    allocation: String,
    frame_size: i64,
    sample_size: i64,
    created_at: NaiveDateTime,
    letters_printed_at: Option<NaiveDateTime>,
}

impl From<StoredSample> for SampleRecord {
    fn from(s: StoredSample) -> Self {
        SampleRecord {
            id: s.id,
            survey_id: s.survey_id,
            seed: s.seed,
            reference_date: s.reference_date,
            min_age: s.min_age,
            strata: s.strata,
            age_bands: s.age_bands,
            allocation: s.allocation,
            frame_size: s.frame_size,
            sample_size: s.sample_size,
            created_at: s.created_at,
            letters_printed_at: s.letters_printed_at,
        }
    }
}

/// A `sample_strata` row as diesel reads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = sample_strata)]
struct StoredStratum {
    position: i32,
    label: String,
    population: i64,
    size: i64,
}

impl From<StoredStratum> for StratumRecord {
    fn from(s: StoredStratum) -> Self {
        StratumRecord {
            position: s.position,
            label: s.label,
            population: s.population,
            size: s.size,
        }
    }
}

/// A sample to store.
#[derive(Debug, Clone)]
pub struct NewSample {
    pub seed: String,
    pub reference_date: NaiveDate,
    pub min_age: i32,
    pub strata: String,
    pub age_bands: String,
    pub allocation: String,
    pub frame_size: i64,
    pub strata_rows: Vec<NewStratum>,
    pub units: Vec<NewUnit>,
    pub margins: Vec<NewMargin>,
}

/// One stratum of a new sample, in display order.
#[derive(Debug, Clone)]
pub struct NewStratum {
    pub label: String,
    pub population: i64,
    pub size: i64,
}

/// One sampled person of a new sample.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// The frame row drawn.
    pub frame_person_id: i64,
    pub stratum: String,
    pub population: i64,
    pub size: i64,
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
    pub code: AccessCode,
}

/// One cell of the register margins: eligible residents by sex × age band × district.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NewMargin {
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
    pub population: i64,
}

/// The sample of a survey, if drawn.
pub fn find(conn: &mut DbConnection, survey_id: i64) -> DbResult<Option<SampleRecord>> {
    Ok(samples::table
        .filter(samples::survey_id.eq(survey_id))
        .select(StoredSample::as_select())
        .first(conn)
        .optional()?
        .map(SampleRecord::from))
}

/// The strata of a sample in display order.
pub fn strata(conn: &mut DbConnection, sample_id: i64) -> DbResult<Vec<StratumRecord>> {
    Ok(sample_strata::table
        .filter(sample_strata::sample_id.eq(sample_id))
        .order(sample_strata::position.asc())
        .select(StoredStratum::as_select())
        .load(conn)?
        .into_iter()
        .map(StratumRecord::from)
        .collect())
}

/// Stores a drawn sample with its access codes, all or nothing. A survey that already has
/// a sample is refused unless `replace` is set, and even then once letters were produced
/// or any of its codes has been used.
pub fn store(
    conn: &mut DbConnection,
    survey_id: i64,
    new: &NewSample,
    replace: bool,
) -> DbResult<SampleRecord> {
    transaction(conn, |conn| {
        if let Some(existing) = find(conn, survey_id)? {
            if let Some(printed) = existing.letters_printed_at {
                return Err(DbError::Conflict(format!(
                    "this survey's sample was made final on {} UTC (for its letters and mailing list) and cannot be replaced",
                    printed.format("%Y-%m-%d %H:%M")
                )));
            }
            if !replace {
                return Err(DbError::Conflict(format!(
                    "this survey already has a sample (drawn {} UTC, seed {}, n = {}); give --replace to draw it again before any letter goes out",
                    existing.created_at.format("%Y-%m-%d %H:%M"),
                    existing.seed,
                    existing.sample_size
                )));
            }
            delete(conn, &existing)?;
        }
        let created_at = now();
        diesel::insert_into(samples::table)
            .values((
                samples::survey_id.eq(survey_id),
                samples::seed.eq(&new.seed),
                samples::reference_date.eq(new.reference_date),
                samples::min_age.eq(new.min_age),
                samples::strata.eq(&new.strata),
                samples::age_bands.eq(&new.age_bands),
                samples::allocation.eq(&new.allocation),
                samples::frame_size.eq(new.frame_size),
                samples::sample_size.eq(new.units.len() as i64),
                samples::created_at.eq(created_at),
            ))
            .execute(conn)?;
        let sample = find(conn, survey_id)?.ok_or(DbError::NotFound)?;

        let strata_rows: Vec<_> = new
            .strata_rows
            .iter()
            .enumerate()
            .map(|(position, s)| {
                (
                    sample_strata::sample_id.eq(sample.id),
                    sample_strata::position.eq(position as i32),
                    sample_strata::label.eq(&s.label),
                    sample_strata::population.eq(s.population),
                    sample_strata::size.eq(s.size),
                )
            })
            .collect();
        for chunk in strata_rows.chunks(1_000) {
            let statement = diesel::insert_into(sample_strata::table).values(chunk);
            on_backend!(conn, |c| statement.execute(c))?;
        }

        let codes: Vec<AccessCode> = new.units.iter().map(|u| u.code.clone()).collect();
        super::codes::insert(conn, survey_id, &codes)?;
        let mut code_ids: HashMap<String, i64> = HashMap::with_capacity(codes.len());
        for chunk in codes.chunks(5_000) {
            let texts: Vec<&str> = chunk.iter().map(AccessCode::as_str).collect();
            code_ids.extend(
                access_codes::table
                    .filter(access_codes::code.eq_any(texts))
                    .select((access_codes::code, access_codes::id))
                    .load::<(String, i64)>(conn)?,
            );
        }
        for chunk in new.units.chunks(UNIT_CHUNK_ROWS) {
            let mut rows = Vec::with_capacity(chunk.len());
            for unit in chunk {
                let code_id = *code_ids.get(unit.code.as_str()).ok_or_else(|| {
                    DbError::Corrupt(format!("access code {} was not stored", unit.code))
                })?;
                rows.push((
                    sampled_units::sample_id.eq(sample.id),
                    sampled_units::frame_person_id.eq(unit.frame_person_id),
                    sampled_units::stratum.eq(&unit.stratum),
                    sampled_units::population.eq(unit.population),
                    sampled_units::size.eq(unit.size),
                    sampled_units::inclusion_probability
                        .eq(unit.size as f64 / unit.population as f64),
                    sampled_units::base_weight.eq(unit.population as f64 / unit.size as f64),
                    sampled_units::sex.eq(&unit.sex),
                    sampled_units::age_band.eq(&unit.age_band),
                    sampled_units::district.eq(&unit.district),
                    sampled_units::access_code_id.eq(code_id),
                ));
            }
            let statement = diesel::insert_into(sampled_units::table).values(rows);
            on_backend!(conn, |c| statement.execute(c))?;
        }

        let margin_rows: Vec<_> = new
            .margins
            .iter()
            .map(|m| {
                (
                    frame_margins::sample_id.eq(sample.id),
                    frame_margins::sex.eq(&m.sex),
                    frame_margins::age_band.eq(&m.age_band),
                    frame_margins::district.eq(&m.district),
                    frame_margins::population.eq(m.population),
                )
            })
            .collect();
        for chunk in margin_rows.chunks(1_000) {
            let statement = diesel::insert_into(frame_margins::table).values(chunk);
            on_backend!(conn, |c| statement.execute(c))?;
        }
        Ok(sample)
    })
}

/// How many of the sample's access codes have been used to answer (a sample with any
/// cannot be replaced).
pub fn answered_codes(conn: &mut DbConnection, sample_id: i64) -> DbResult<i64> {
    Ok(responses::table
        .inner_join(
            sampled_units::table.on(sampled_units::access_code_id
                .nullable()
                .eq(responses::access_code_id)),
        )
        .filter(sampled_units::sample_id.eq(sample_id))
        .count()
        .get_result(conn)?)
}

/// Removes a sample that no letter went out for, with its units, codes and margins.
fn delete(conn: &mut DbConnection, sample: &SampleRecord) -> DbResult<()> {
    let code_ids: Vec<i64> = sampled_units::table
        .filter(sampled_units::sample_id.eq(sample.id))
        .select(sampled_units::access_code_id)
        .load(conn)?;
    let used = answered_codes(conn, sample.id)?;
    if used > 0 {
        return Err(DbError::Conflict(format!(
            "{used} of this sample's access codes have already been used to answer; the sample cannot be replaced"
        )));
    }
    diesel::delete(sampled_units::table.filter(sampled_units::sample_id.eq(sample.id)))
        .execute(conn)?;
    for chunk in code_ids.chunks(10_000) {
        diesel::delete(access_codes::table.filter(access_codes::id.eq_any(chunk))).execute(conn)?;
    }
    diesel::delete(sample_strata::table.filter(sample_strata::sample_id.eq(sample.id)))
        .execute(conn)?;
    diesel::delete(frame_margins::table.filter(frame_margins::sample_id.eq(sample.id)))
        .execute(conn)?;
    diesel::delete(samples::table.find(sample.id)).execute(conn)?;
    Ok(())
}

/// Records that letters or the mailing list were produced (the first time only); the
/// sample can no longer be replaced.
pub fn mark_letters_printed(conn: &mut DbConnection, sample_id: i64) -> DbResult<()> {
    diesel::update(
        samples::table
            .find(sample_id)
            .filter(samples::letters_printed_at.is_null()),
    )
    .set(samples::letters_printed_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

/// The disposition that counts for a sampled person: a submitted online answer, then a
/// submitted or keyed paper form, then what staff recorded, then an online answer still
/// in progress; otherwise no response.
pub fn effective_disposition(
    recorded: Option<Disposition>,
    online_status: Option<&str>,
    paper_status: Option<&str>,
) -> Disposition {
    use super::responses::STATUS_SUBMITTED;
    if online_status == Some(STATUS_SUBMITTED) {
        Disposition::CompletedOnline
    } else if paper_status.is_some() {
        // A paper response row exists once the returned form is being keyed.
        Disposition::PaperReceived
    } else if let Some(recorded) = recorded {
        recorded
    } else if online_status.is_some() {
        Disposition::PartialOnline
    } else {
        Disposition::NoResponse
    }
}

/// Every sampled person of a sample with their disposition, in unit order.
pub fn outcomes(conn: &mut DbConnection, sample_id: i64) -> DbResult<Vec<UnitOutcome>> {
    type Row = (
        i64,
        String,
        String,
        i64,
        Option<String>,
        Option<NaiveDateTime>,
        Option<String>,
    );
    let rows: Vec<Row> = sampled_units::table
        .inner_join(access_codes::table)
        .filter(sampled_units::sample_id.eq(sample_id))
        .order(sampled_units::id.asc())
        .select((
            sampled_units::id,
            sampled_units::stratum,
            access_codes::code,
            access_codes::id,
            sampled_units::disposition,
            sampled_units::disposition_at,
            sampled_units::note,
        ))
        .load(conn)?;
    let answered: Vec<(Option<i64>, String, String)> = responses::table
        .inner_join(
            sampled_units::table.on(sampled_units::access_code_id
                .nullable()
                .eq(responses::access_code_id)),
        )
        .filter(sampled_units::sample_id.eq(sample_id))
        // A mixed-mode duplicate (the response that does not count) decides nothing.
        .filter(responses::counted.eq(true))
        .select((
            responses::access_code_id,
            responses::channel,
            responses::status,
        ))
        .load(conn)?;
    let mut online: HashMap<i64, String> = HashMap::new();
    let mut paper: HashMap<i64, String> = HashMap::new();
    for (code_id, channel, status) in answered {
        let Some(code_id) = code_id else { continue };
        let target = if channel == super::responses::CHANNEL_ONLINE {
            &mut online
        } else {
            &mut paper
        };
        // Several paper rows (double entry) count once; a submitted one wins.
        let entry = target.entry(code_id).or_insert_with(|| status.clone());
        if status == super::responses::STATUS_SUBMITTED {
            *entry = status;
        }
    }
    rows.into_iter()
        .map(
            |(unit_id, stratum, code, code_id, recorded, recorded_at, note)| {
                let recorded = recorded
                    .map(|r| {
                        r.parse::<Disposition>()
                            .map_err(|e| DbError::Corrupt(format!("sampled unit {unit_id}: {e}")))
                    })
                    .transpose()?;
                let disposition = effective_disposition(
                    recorded,
                    online.get(&code_id).map(String::as_str),
                    paper.get(&code_id).map(String::as_str),
                );
                Ok(UnitOutcome {
                    unit_id,
                    stratum,
                    code,
                    recorded,
                    recorded_at,
                    note,
                    disposition,
                })
            },
        )
        .collect()
}

/// Records (or, with `None`, clears) what staff learned about a sampled person's letter.
/// The code must belong to the survey's sample.
pub fn record_disposition(
    conn: &mut DbConnection,
    survey_id: i64,
    code: &AccessCode,
    disposition: Option<Disposition>,
    note: Option<&str>,
) -> DbResult<()> {
    let unit_id: Option<i64> = sampled_units::table
        .inner_join(access_codes::table)
        .inner_join(samples::table)
        .filter(samples::survey_id.eq(survey_id))
        .filter(access_codes::code.eq(code.as_str()))
        .select(sampled_units::id)
        .first(conn)
        .optional()?;
    let unit_id = unit_id.ok_or_else(|| {
        DbError::Conflict(format!(
            "the code {} does not belong to this survey's sample",
            code.grouped()
        ))
    })?;
    diesel::update(sampled_units::table.find(unit_id))
        .set((
            sampled_units::disposition.eq(disposition.map(|d| d.code())),
            sampled_units::disposition_at.eq(disposition.map(|_| now())),
            sampled_units::note.eq(note.map(str::trim).filter(|n| !n.is_empty())),
        ))
        .execute(conn)?;
    Ok(())
}

/// The design columns of one submitted response, for estimation.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct DesignRow {
    pub response_id: i64,
    pub stratum: String,
    /// N_h.
    pub population: i64,
    /// n_h.
    pub size: i64,
    /// N_h / n_h.
    pub base_weight: f64,
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
}

/// What the weighting step reads: the design of every respondent and the register totals.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimationDesign {
    /// One row per submitted response (online or paper) that came from a sampled person's
    /// code, by response id. Responses from codes outside the sample are not included.
    pub respondents: Vec<DesignRow>,
    /// Eligible residents on the reference date by sex × age band × district; sum cells
    /// for any margin (sex × age band, district, …).
    pub margins: Vec<NewMargin>,
    /// Every stratum's N_h and n_h (n_h as drawn, before non-response).
    pub strata: Vec<StratumRecord>,
}

/// For estimation: per submitted response of a survey, its design columns (stratum, N_h,
/// n_h, base weight, sex, age band, district), plus the register margins and the strata.
/// `None` when the survey has no sample.
pub fn design_for_estimation(
    conn: &mut DbConnection,
    survey_id: i64,
) -> DbResult<Option<EstimationDesign>> {
    let Some(sample) = find(conn, survey_id)? else {
        return Ok(None);
    };
    let respondents: Vec<DesignRow> = responses::table
        .inner_join(
            sampled_units::table.on(sampled_units::access_code_id
                .nullable()
                .eq(responses::access_code_id)),
        )
        .filter(sampled_units::sample_id.eq(sample.id))
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::status.eq(super::responses::STATUS_SUBMITTED))
        // One response per code: a duplicate of a mixed-mode code does not count twice.
        .filter(responses::counted.eq(true))
        .order(responses::id.asc())
        .select((
            responses::id,
            sampled_units::stratum,
            sampled_units::population,
            sampled_units::size,
            sampled_units::base_weight,
            sampled_units::sex,
            sampled_units::age_band,
            sampled_units::district,
        ))
        .load(conn)?;
    let margins = frame_margins::table
        .filter(frame_margins::sample_id.eq(sample.id))
        .order(frame_margins::id.asc())
        .select((
            frame_margins::sex,
            frame_margins::age_band,
            frame_margins::district,
            frame_margins::population,
        ))
        .load(conn)?;
    Ok(Some(EstimationDesign {
        respondents,
        margins,
        strata: strata(conn, sample.id)?,
    }))
}

/// Stores (or replaces) the letter text of a survey, as JSON.
pub fn set_letter(conn: &mut DbConnection, survey_id: i64, letter_json: &str) -> DbResult<()> {
    transaction(conn, |conn| {
        diesel::delete(survey_letters::table.find(survey_id)).execute(conn)?;
        diesel::insert_into(survey_letters::table)
            .values((
                survey_letters::survey_id.eq(survey_id),
                survey_letters::letter_json.eq(letter_json),
                survey_letters::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The letter text of a survey as JSON, if one was set.
pub fn letter(conn: &mut DbConnection, survey_id: i64) -> DbResult<Option<String>> {
    Ok(survey_letters::table
        .find(survey_id)
        .select(survey_letters::letter_json)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::responses::{STATUS_IN_PROGRESS, STATUS_SUBMITTED};

    #[test]
    fn answers_outrank_what_staff_recorded_and_records_outrank_unfinished_answers() {
        use Disposition::*;
        let refused = Some(Refused);
        assert_eq!(effective_disposition(None, None, None), NoResponse);
        assert_eq!(
            effective_disposition(refused, Some(STATUS_SUBMITTED), None),
            CompletedOnline
        );
        assert_eq!(
            effective_disposition(refused, None, Some(STATUS_IN_PROGRESS)),
            PaperReceived
        );
        assert_eq!(
            effective_disposition(refused, Some(STATUS_IN_PROGRESS), None),
            Refused
        );
        assert_eq!(
            effective_disposition(None, Some(STATUS_IN_PROGRESS), None),
            PartialOnline
        );
        assert_eq!(
            effective_disposition(None, Some(STATUS_IN_PROGRESS), Some(STATUS_SUBMITTED)),
            PaperReceived
        );
    }
}

/// A sampled person's design columns and access code (no personal data).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct UnitProfile {
    pub unit_id: i64,
    pub access_code_id: i64,
    /// Normalised access code.
    pub code: String,
    pub stratum: String,
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
}

/// Every sampled person of a sample with their code id and design columns, in unit order:
/// what the demo needs to give synthetic respondents answers that agree with the frame.
pub fn unit_profiles(conn: &mut DbConnection, sample_id: i64) -> DbResult<Vec<UnitProfile>> {
    Ok(sampled_units::table
        .inner_join(access_codes::table)
        .filter(sampled_units::sample_id.eq(sample_id))
        .order(sampled_units::id.asc())
        .select((
            sampled_units::id,
            access_codes::id,
            access_codes::code,
            sampled_units::stratum,
            sampled_units::sex,
            sampled_units::age_band,
            sampled_units::district,
        ))
        .load(conn)?)
}

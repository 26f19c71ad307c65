//! Responses: the answers of one resident (online) or one paper form, saved page by page.
//!
//! Every write names the version it read; a write over a newer version is refused, so two
//! tabs or devices never silently overwrite each other. (A resident's page drawn from an
//! older version is merged into the stored answers first, by the questionnaire's rule, and
//! then written with the version just read; `answer_sources_json` says who changed what.)

use diesel::prelude::*;

use super::schema::responses;
use super::{is_unique_violation, now, on_backend, transaction, DbConnection, DbError, DbResult};

/// A response as stored; `answers_json` is parsed by the questionnaire module.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    pub id: i64,
    pub survey_id: i64,
    pub access_code_id: Option<i64>,
    pub channel: String,
    pub status: String,
    pub answers_json: String,
    pub page_index: i32,
    pub version: i32,
    pub distress: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    /// Which save last changed each answer (see `questionnaire::AnswerSources`).
    pub answer_sources_json: String,
}

impl ResponseRow {
    /// Whether the resident has already submitted.
    pub fn is_submitted(&self) -> bool {
        self.status == STATUS_SUBMITTED
    }
}

pub use super::counting::{CHANNEL_ONLINE, STATUS_IN_PROGRESS, STATUS_SUBMITTED};

/// The online response of an access code, created empty when the code is first used.
pub fn start_or_resume_online(
    conn: &mut DbConnection,
    survey_id: i64,
    access_code_id: i64,
) -> DbResult<ResponseRow> {
    if let Some(existing) = find_online(conn, access_code_id)? {
        return Ok(existing);
    }
    let t = now();
    let inserted = diesel::insert_into(responses::table)
        .values((
            responses::survey_id.eq(survey_id),
            responses::access_code_id.eq(Some(access_code_id)),
            responses::channel.eq(CHANNEL_ONLINE),
            responses::status.eq(STATUS_IN_PROGRESS),
            responses::answers_json.eq("{}"),
            responses::page_index.eq(0),
            responses::version.eq(0),
            responses::distress.eq(false),
            responses::created_at.eq(t),
            responses::updated_at.eq(t),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        // Two devices starting at once: the other one won; its row is the one to use.
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    find_online(conn, access_code_id)?.ok_or(DbError::NotFound)
}

fn find_online(conn: &mut DbConnection, access_code_id: i64) -> DbResult<Option<ResponseRow>> {
    Ok(responses::table
        .filter(responses::access_code_id.eq(access_code_id))
        .filter(responses::channel.eq(CHANNEL_ONLINE))
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The response with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> DbResult<ResponseRow> {
    responses::table
        .find(id)
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// Saves answers, who changed them (`sources_json`) and where the resident is, if the
/// response is still at `expected_version` and not submitted; returns the new row.
pub fn save_progress(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i32,
    answers_json: &str,
    sources_json: &str,
    page_index: i32,
) -> DbResult<ResponseRow> {
    let n = diesel::update(
        responses::table
            .find(id)
            .filter(responses::version.eq(expected_version))
            .filter(responses::status.eq(STATUS_IN_PROGRESS)),
    )
    .set((
        responses::answers_json.eq(answers_json),
        responses::answer_sources_json.eq(sources_json),
        responses::page_index.eq(page_index),
        responses::version.eq(expected_version + 1),
        responses::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(stale(conn, id)?);
    }
    find(conn, id)
}

/// Marks the response submitted with its final answers and distress signal.
pub fn submit(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i32,
    answers_json: &str,
    distress: bool,
) -> DbResult<ResponseRow> {
    transaction(conn, |conn| {
        let t = now();
        let n = diesel::update(
            responses::table
                .find(id)
                .filter(responses::version.eq(expected_version))
                .filter(responses::status.eq(STATUS_IN_PROGRESS)),
        )
        .set((
            responses::answers_json.eq(answers_json),
            responses::status.eq(STATUS_SUBMITTED),
            responses::distress.eq(distress),
            responses::version.eq(expected_version + 1),
            responses::updated_at.eq(t),
            responses::submitted_at.eq(Some(t)),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(stale(conn, id)?);
        }
        let row = find(conn, id)?;
        // A paper form of the same code may already count: apply the mixed-mode rule now.
        if let Some(code_id) = row.access_code_id {
            super::counting::settle_duplicates(conn, code_id)?;
        }
        Ok(row)
    })
}

/// Why a guarded update touched no row.
fn stale(conn: &mut DbConnection, id: i64) -> DbResult<DbError> {
    let current = find(conn, id)?;
    Ok(if current.is_submitted() {
        DbError::Conflict("these answers were already submitted".into())
    } else {
        DbError::Conflict(
            "these answers were changed elsewhere (another tab or device) after this page was opened".into(),
        )
    })
}

/// Counts of a survey's responses that count (duplicates of a mixed-mode code left out):
/// (in progress, submitted).
pub fn counts(conn: &mut DbConnection, survey_id: i64) -> DbResult<(i64, i64)> {
    let rows: Vec<(String, i64)> = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::counted.eq(true))
        .group_by(responses::status)
        .select((responses::status, diesel::dsl::count_star()))
        .load(conn)?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok((get(STATUS_IN_PROGRESS), get(STATUS_SUBMITTED)))
}

/// The answers of every submitted response of a survey that counts (one per code under the
/// mixed-mode rule), with the response id and answer version, in submission order.
pub fn submitted_answers(
    conn: &mut DbConnection,
    survey_id: i64,
) -> DbResult<Vec<(i64, i32, String)>> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::status.eq(STATUS_SUBMITTED))
        .filter(responses::counted.eq(true))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select((responses::id, responses::version, responses::answers_json))
        .load(conn)?)
}

/// The id and answer version of every counted submitted response of a survey, in submission
/// order: what tells an analysis which answers it already has parsed.
pub fn submitted_versions(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<(i64, i32)>> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::status.eq(STATUS_SUBMITTED))
        .filter(responses::counted.eq(true))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select((responses::id, responses::version))
        .load(conn)?)
}

/// The id, answer version and answers (JSON) of the responses with these ids.
pub fn answers_of(conn: &mut DbConnection, ids: &[i64]) -> DbResult<Vec<(i64, i32, String)>> {
    // Bound the statement's parameters (SQLite allows 32,766, older builds 999).
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(900) {
        rows.extend(
            responses::table
                .filter(responses::id.eq_any(chunk))
                .select((responses::id, responses::version, responses::answers_json))
                .load::<(i64, i32, String)>(conn)?,
        );
    }
    Ok(rows)
}

/// A new, empty anonymous response (an open questionnaire answered through its public link).
pub fn start_anonymous(conn: &mut DbConnection, survey_id: i64) -> DbResult<ResponseRow> {
    let t = now();
    let statement = diesel::insert_into(responses::table)
        .values((
            responses::survey_id.eq(survey_id),
            responses::channel.eq(CHANNEL_ONLINE),
            responses::status.eq(STATUS_IN_PROGRESS),
            responses::answers_json.eq("{}"),
            responses::page_index.eq(0),
            responses::version.eq(0),
            responses::distress.eq(false),
            responses::created_at.eq(t),
            responses::updated_at.eq(t),
        ))
        .returning(responses::id);
    // There is no natural key to find the new row by, so each backend returns its id.
    let id: i64 = on_backend!(conn, |c| statement.get_result(c))?;
    find(conn, id)
}

/// A complete response to store in bulk ([`insert_submitted`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubmitted {
    pub access_code_id: i64,
    /// [`CHANNEL_ONLINE`] or [`super::counting::CHANNEL_PAPER`].
    pub channel: &'static str,
    pub answers_json: String,
    pub distress: bool,
    pub submitted_at: chrono::NaiveDateTime,
}

/// Rows per multi-row insert of responses (11 values a row; SQLite allows 32,766).
const SUBMITTED_CHUNK_ROWS: usize = 1_000;

/// Stores complete (submitted) responses in multi-row inserts, all counting, for codes that
/// have no response yet (synthetic data for the demo and benchmarks): with one response per
/// code the mixed-mode rule has nothing to settle. A code that already has a response of
/// the same channel is a [`DbError::Conflict`]; run it inside the caller's transaction.
pub fn insert_submitted(
    conn: &mut DbConnection,
    survey_id: i64,
    rows: &[NewSubmitted],
) -> DbResult<usize> {
    for chunk in rows.chunks(SUBMITTED_CHUNK_ROWS) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    responses::survey_id.eq(survey_id),
                    responses::access_code_id.eq(Some(r.access_code_id)),
                    responses::channel.eq(r.channel),
                    responses::status.eq(STATUS_SUBMITTED),
                    responses::answers_json.eq(r.answers_json.as_str()),
                    responses::page_index.eq(0),
                    responses::version.eq(1),
                    responses::distress.eq(r.distress),
                    responses::created_at.eq(r.submitted_at),
                    responses::updated_at.eq(r.submitted_at),
                    responses::submitted_at.eq(Some(r.submitted_at)),
                )
            })
            .collect();
        let statement = diesel::insert_into(responses::table).values(values);
        match on_backend!(conn, |c| statement.execute(c)) {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::Conflict(
                    "an access code already has a response of this channel".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(rows.len())
}

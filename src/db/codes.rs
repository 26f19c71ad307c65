//! Access codes: one per invited resident, the only key a resident needs.

use diesel::prelude::*;

use super::schema::{access_codes, responses};
use super::{is_unique_violation, now, on_backend, transaction, DbConnection, DbError, DbResult};
use crate::sampling::access_code::AccessCode;

/// Stores `codes` for a survey, all or none; a code that already exists anywhere is a
/// [`DbError::Conflict`] (the caller draws again).
pub fn insert(conn: &mut DbConnection, survey_id: i64, codes: &[AccessCode]) -> DbResult<usize> {
    let created_at = now();
    transaction(conn, |conn| {
        for chunk in codes.chunks(500) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|c| {
                    (
                        access_codes::survey_id.eq(survey_id),
                        access_codes::code.eq(c.as_str()),
                        access_codes::created_at.eq(created_at),
                    )
                })
                .collect();
            let statement = diesel::insert_into(access_codes::table).values(rows);
            match on_backend!(conn, |c| statement.execute(c)) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(DbError::Conflict(
                        "a generated access code already exists".into(),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(codes.len())
    })
}

/// Marks `codes` as test codes (they work only while the survey is a draft).
pub fn mark_test(conn: &mut DbConnection, codes: &[AccessCode]) -> DbResult<()> {
    for chunk in codes.chunks(500) {
        let texts: Vec<&str> = chunk.iter().map(AccessCode::as_str).collect();
        diesel::update(access_codes::table.filter(access_codes::code.eq_any(texts)))
            .set(access_codes::test.eq(true))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the code with this id is a test code.
pub fn is_test(conn: &mut DbConnection, code_id: i64) -> DbResult<bool> {
    Ok(access_codes::table
        .find(code_id)
        .select(access_codes::test)
        .first(conn)
        .optional()?
        .unwrap_or(false))
}

/// A survey's test codes, oldest first.
pub fn test_codes(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<String>> {
    Ok(access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .filter(access_codes::test.eq(true))
        .order(access_codes::id.asc())
        .select(access_codes::code)
        .load(conn)?)
}

/// Deletes the responses made with a survey's test codes (when fieldwork opens); returns
/// how many. Their sessions go with them.
pub fn delete_test_responses(conn: &mut DbConnection, survey_id: i64) -> DbResult<usize> {
    let test_codes = access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .filter(access_codes::test.eq(true))
        .select(access_codes::id);
    Ok(diesel::delete(
        responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::access_code_id.eq_any(test_codes.nullable())),
    )
    .execute(conn)?)
}

/// How many responses a survey's test codes have.
pub fn test_response_count(conn: &mut DbConnection, survey_id: i64) -> DbResult<i64> {
    let test_codes = access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .filter(access_codes::test.eq(true))
        .select(access_codes::id);
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::access_code_id.eq_any(test_codes.nullable()))
        .count()
        .get_result(conn)?)
}

/// The id and survey of an access code, if it exists.
pub fn find(conn: &mut DbConnection, code: &AccessCode) -> DbResult<Option<(i64, i64)>> {
    Ok(access_codes::table
        .filter(access_codes::code.eq(code.as_str()))
        .select((access_codes::id, access_codes::survey_id))
        .first(conn)
        .optional()?)
}

/// Codes of a survey that have no online response yet, oldest first, at most `limit`.
pub fn unused(conn: &mut DbConnection, survey_id: i64, limit: i64) -> DbResult<Vec<String>> {
    Ok(access_codes::table
        .left_join(responses::table)
        .filter(access_codes::survey_id.eq(survey_id))
        .filter(responses::id.is_null())
        .order(access_codes::id.asc())
        .limit(limit)
        .select(access_codes::code)
        .load(conn)?)
}

/// Every code of a survey, in issue order.
pub fn list(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<String>> {
    Ok(access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .order(access_codes::id.asc())
        .select(access_codes::code)
        .load(conn)?)
}

/// How many codes a survey has.
pub fn count(conn: &mut DbConnection, survey_id: i64) -> DbResult<i64> {
    Ok(access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?)
}

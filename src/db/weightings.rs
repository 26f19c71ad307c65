//! The weightings an admin saves per survey, which one is published, and the log of changes.
//! Publishing raises the survey's data version in the same transaction, so every cached
//! analysis is rebuilt with the published weights.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{surveys, users, weighting_log, weightings};
use super::{is_unique_violation, now, DbConnection, DbError, DbResult};

/// A saved weighting; `spec_json` is parsed by `analysis::weighting::WeightingSpec`.
#[derive(Debug, Clone)]
pub struct WeightingRow {
    pub id: i64,
    pub name: String,
    pub spec_json: String,
    /// Display name of who saved it.
    pub created_by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    pub published_by: Option<String>,
}

/// One line of the change log.
#[derive(Debug, Clone)]
pub struct LogRow {
    pub at: chrono::NaiveDateTime,
    /// Display name of who made the change.
    pub user: Option<String>,
    /// `saved`, `published` or `unpublished`.
    pub action: String,
    /// The weighting's name.
    pub detail: String,
}

type Stored = (
    i64,
    String,
    String,
    Option<i64>,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<i64>,
);

fn names(conn: &mut DbConnection, ids: Vec<i64>) -> DbResult<HashMap<i64, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The survey's saved weightings, newest first.
pub fn list(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<WeightingRow>> {
    let rows: Vec<Stored> = weightings::table
        .filter(weightings::survey_id.eq(survey_id))
        .order(weightings::id.desc())
        .select((
            weightings::id,
            weightings::name,
            weightings::spec_json,
            weightings::created_by,
            weightings::created_at,
            weightings::published_at,
            weightings::published_by,
        ))
        .load(conn)?;
    let ids = rows
        .iter()
        .flat_map(|r| [r.3, r.6])
        .flatten()
        .collect::<Vec<_>>();
    let names = names(conn, ids)?;
    let name = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
    Ok(rows
        .into_iter()
        .map(
            |(id, name_, spec_json, created_by, created_at, published_at, published_by)| {
                WeightingRow {
                    id,
                    name: name_,
                    spec_json,
                    created_by: name(created_by),
                    created_at,
                    published_at,
                    published_by: name(published_by),
                }
            },
        )
        .collect())
}

/// The published weighting of the survey (name, specification JSON), if any.
pub fn published(conn: &mut DbConnection, survey_id: i64) -> DbResult<Option<(String, String)>> {
    Ok(weightings::table
        .filter(weightings::survey_id.eq(survey_id))
        .filter(weightings::published_at.is_not_null())
        .select((weightings::name, weightings::spec_json))
        .first(conn)
        .optional()?)
}

/// The survey's weighting `id`.
pub fn find(conn: &mut DbConnection, survey_id: i64, id: i64) -> DbResult<WeightingRow> {
    list(conn, survey_id)?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(DbError::NotFound)
}

fn log(
    conn: &mut DbConnection,
    survey_id: i64,
    weighting_id: Option<i64>,
    user_id: i64,
    action: &str,
    detail: &str,
) -> DbResult<()> {
    diesel::insert_into(weighting_log::table)
        .values((
            weighting_log::survey_id.eq(survey_id),
            weighting_log::weighting_id.eq(weighting_id),
            weighting_log::user_id.eq(user_id),
            weighting_log::action.eq(action),
            weighting_log::detail.eq(detail),
            weighting_log::at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Saves a weighting under a name new to the survey (a taken name is a
/// [`DbError::Conflict`]), logged; its id.
pub fn save(
    conn: &mut DbConnection,
    survey_id: i64,
    name: &str,
    spec_json: &str,
    user_id: i64,
) -> DbResult<i64> {
    super::transaction(conn, |conn| {
        diesel::insert_into(weightings::table)
            .values((
                weightings::survey_id.eq(survey_id),
                weightings::name.eq(name),
                weightings::spec_json.eq(spec_json),
                weightings::created_by.eq(user_id),
                weightings::created_at.eq(now()),
            ))
            .execute(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    DbError::Conflict(format!(
                        "この調査には「{name}」という重み付けがすでにあります。別の名前にしてください。 / A weighting called “{name}” already exists for this survey: choose another name."
                    ))
                } else {
                    DbError::Query(e)
                }
            })?;
        let id: i64 = weightings::table
            .filter(weightings::survey_id.eq(survey_id))
            .filter(weightings::name.eq(name))
            .select(weightings::id)
            .first(conn)?;
        log(conn, survey_id, Some(id), user_id, "saved", name)?;
        Ok(id)
    })
}

/// Raises the survey's data version, so cached analyses are built again.
fn bump_data_version(conn: &mut DbConnection, survey_id: i64) -> DbResult<()> {
    diesel::update(surveys::table.find(survey_id))
        .set(surveys::data_version.eq(surveys::data_version + 1))
        .execute(conn)?;
    Ok(())
}

/// Publishes weighting `id` of the survey (the one published before no longer is), logged,
/// with the data version raised — all in one transaction.
pub fn publish(conn: &mut DbConnection, survey_id: i64, id: i64, user_id: i64) -> DbResult<()> {
    super::transaction(conn, |conn| {
        let name: String = weightings::table
            .filter(weightings::survey_id.eq(survey_id))
            .filter(weightings::id.eq(id))
            .select(weightings::name)
            .first(conn)
            .optional()?
            .ok_or(DbError::NotFound)?;
        diesel::update(
            weightings::table
                .filter(weightings::survey_id.eq(survey_id))
                .filter(weightings::published_at.is_not_null()),
        )
        .set((
            weightings::published_at.eq(None::<chrono::NaiveDateTime>),
            weightings::published_by.eq(None::<i64>),
        ))
        .execute(conn)?;
        diesel::update(weightings::table.find(id))
            .set((
                weightings::published_at.eq(Some(now())),
                weightings::published_by.eq(Some(user_id)),
            ))
            .execute(conn)?;
        bump_data_version(conn, survey_id)?;
        log(conn, survey_id, Some(id), user_id, "published", &name)
    })
}

/// Returns the survey to the default weighting, logged, with the data version raised.
pub fn unpublish(conn: &mut DbConnection, survey_id: i64, user_id: i64) -> DbResult<()> {
    super::transaction(conn, |conn| {
        let published: Option<(i64, String)> = weightings::table
            .filter(weightings::survey_id.eq(survey_id))
            .filter(weightings::published_at.is_not_null())
            .select((weightings::id, weightings::name))
            .first(conn)
            .optional()?;
        let Some((id, name)) = published else {
            return Ok(());
        };
        diesel::update(weightings::table.find(id))
            .set((
                weightings::published_at.eq(None::<chrono::NaiveDateTime>),
                weightings::published_by.eq(None::<i64>),
            ))
            .execute(conn)?;
        bump_data_version(conn, survey_id)?;
        log(conn, survey_id, Some(id), user_id, "unpublished", &name)
    })
}

/// The survey's change log, newest first.
pub fn changes(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<LogRow>> {
    let rows: Vec<(chrono::NaiveDateTime, Option<i64>, String, String)> = weighting_log::table
        .filter(weighting_log::survey_id.eq(survey_id))
        .order(weighting_log::id.desc())
        .select((
            weighting_log::at,
            weighting_log::user_id,
            weighting_log::action,
            weighting_log::detail,
        ))
        .load(conn)?;
    let names = names(conn, rows.iter().filter_map(|r| r.1).collect())?;
    Ok(rows
        .into_iter()
        .map(|(at, user, action, detail)| LogRow {
            at,
            user: user.and_then(|id| names.get(&id).cloned()),
            action,
            detail,
        })
        .collect())
}

//! Surveys: which questionnaire, which modules, open or closed, and the help lines shown.

use diesel::prelude::*;

use super::schema::surveys;
use super::{is_unique_violation, now, DbConnection, DbError, DbResult};

/// A survey as stored; `help_json` and `modules` are parsed by `crate::survey`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = surveys)]
pub struct SurveyRow {
    pub id: i64,
    pub slug: String,
    pub title_ja: String,
    pub title_en: String,
    pub questionnaire: String,
    pub modules: String,
    pub status: String,
    pub help_json: String,
    pub created_at: chrono::NaiveDateTime,
    /// The consultation window (`survey::ConsultationSettings`) as JSON; `None`: the survey
    /// does not offer contact requests.
    pub consultation_json: Option<String>,
    pub answer_from: Option<chrono::NaiveDate>,
    pub answer_until: Option<chrono::NaiveDate>,
    pub one_per_browser: bool,
    /// When the results were published (the data is frozen while set).
    pub published_at: Option<chrono::NaiveDateTime>,
}

/// What is needed to create a survey.
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub slug: &'a str,
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub questionnaire: &'a str,
    pub modules: &'a str,
    pub status: &'a str,
    pub help_json: &'a str,
    pub consultation_json: Option<&'a str>,
    pub answer_from: Option<chrono::NaiveDate>,
    pub answer_until: Option<chrono::NaiveDate>,
    pub one_per_browser: bool,
}

/// Creates a survey; a taken slug is a [`DbError::Conflict`].
pub fn create(conn: &mut DbConnection, new: &NewSurvey<'_>) -> DbResult<SurveyRow> {
    let inserted = diesel::insert_into(surveys::table)
        .values((
            surveys::slug.eq(new.slug),
            surveys::title_ja.eq(new.title_ja),
            surveys::title_en.eq(new.title_en),
            surveys::questionnaire.eq(new.questionnaire),
            surveys::modules.eq(new.modules),
            surveys::status.eq(new.status),
            surveys::help_json.eq(new.help_json),
            surveys::consultation_json.eq(new.consultation_json),
            surveys::answer_from.eq(new.answer_from),
            surveys::answer_until.eq(new.answer_until),
            surveys::one_per_browser.eq(new.one_per_browser),
            surveys::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => find_by_slug(conn, new.slug)?.ok_or(DbError::NotFound),
        Err(e) if is_unique_violation(&e) => Err(DbError::Conflict(format!(
            "a survey with the slug `{}` already exists",
            new.slug
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The survey with this slug, if any.
pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> DbResult<Option<SurveyRow>> {
    // Text that cannot be a slug names no survey; PostgreSQL would refuse a NUL in it.
    if crate::survey::check_slug(slug).is_err() {
        return Ok(None);
    }
    Ok(surveys::table
        .filter(surveys::slug.eq(slug))
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?)
}

/// The survey with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> DbResult<SurveyRow> {
    surveys::table
        .find(id)
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// Every survey, newest first.
pub fn list(conn: &mut DbConnection) -> DbResult<Vec<SurveyRow>> {
    Ok(surveys::table
        .order(surveys::id.desc())
        .select(SurveyRow::as_select())
        .load(conn)?)
}

/// Marks a survey's results as published (by `by`, `None` from the command line) or no longer
/// published.
pub fn set_published(
    conn: &mut DbConnection,
    id: i64,
    published: bool,
    by: Option<i64>,
) -> DbResult<()> {
    let at = published.then(now);
    let by = by.filter(|_| published);
    diesel::update(surveys::table.find(id))
        .set((surveys::published_at.eq(at), surveys::published_by.eq(by)))
        .execute(conn)?;
    Ok(())
}

/// Sets the answering period (both days included; `None`: open-ended).
pub fn set_answering_period(
    conn: &mut DbConnection,
    id: i64,
    from: Option<chrono::NaiveDate>,
    until: Option<chrono::NaiveDate>,
) -> DbResult<()> {
    diesel::update(surveys::table.find(id))
        .set((
            surveys::answer_from.eq(from),
            surveys::answer_until.eq(until),
        ))
        .execute(conn)?;
    Ok(())
}

/// One line of a survey's lifecycle log.
#[derive(Debug, Clone)]
pub struct SurveyLogLine {
    pub at: chrono::NaiveDateTime,
    pub user: Option<String>,
    pub action: String,
    pub detail: String,
}

/// Writes a line to a survey's lifecycle log.
pub fn log(
    conn: &mut DbConnection,
    survey_id: i64,
    user_id: Option<i64>,
    action: &str,
    detail: &str,
) -> DbResult<()> {
    use super::schema::survey_log;
    diesel::insert_into(survey_log::table)
        .values((
            survey_log::survey_id.eq(survey_id),
            survey_log::user_id.eq(user_id),
            survey_log::at.eq(now()),
            survey_log::action.eq(action),
            survey_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// A survey's lifecycle log, newest first.
pub fn log_of(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<SurveyLogLine>> {
    use super::schema::{survey_log, users};
    let rows: Vec<(chrono::NaiveDateTime, Option<String>, String, String)> = survey_log::table
        .left_join(users::table)
        .filter(survey_log::survey_id.eq(survey_id))
        .order(survey_log::id.desc())
        .select((
            survey_log::at,
            users::display_name.nullable(),
            survey_log::action,
            survey_log::detail,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, user, action, detail)| SurveyLogLine {
            at,
            user,
            action,
            detail,
        })
        .collect())
}

/// Opens or closes a survey.
pub fn set_status(conn: &mut DbConnection, id: i64, status: &str) -> DbResult<()> {
    let n = diesel::update(surveys::table.find(id))
        .set(surveys::status.eq(status))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The version of the data the survey's estimates are built from: database triggers raise it
/// in the same transaction as every change to a submitted response or to the sample (see the
/// migration `analysis_data_version`), so a cache keyed by it is never stale.
pub fn data_version(conn: &mut DbConnection, id: i64) -> DbResult<i64> {
    surveys::table
        .find(id)
        .select(surveys::data_version)
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// The version of what the fieldwork page shows: triggers raise it with every response
/// started, submitted or removed, every disposition, paper keying pass and batch of
/// envelopes (see the migration `fieldwork_version`), but not with saved answers.
pub fn fieldwork_version(conn: &mut DbConnection, id: i64) -> DbResult<i64> {
    surveys::table
        .find(id)
        .select(surveys::fieldwork_version)
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// The survey named as this survey's previous wave, if any.
pub fn previous_wave(conn: &mut DbConnection, id: i64) -> DbResult<Option<SurveyRow>> {
    let previous: Option<i64> = surveys::table
        .find(id)
        .select(surveys::previous_wave_id)
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?;
    match previous {
        Some(previous) => Ok(Some(find(conn, previous)?)),
        None => Ok(None),
    }
}

/// Names (or, with `None`, clears) the previous wave of a survey. The caller checks that it
/// is another survey of the same questionnaire.
pub fn set_previous_wave(conn: &mut DbConnection, id: i64, previous: Option<i64>) -> DbResult<()> {
    let n = diesel::update(surveys::table.find(id))
        .set(surveys::previous_wave_id.eq(previous))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// A stored survey read back; a value that cannot be read is [`crate::survey::SurveyError::Stored`].
impl TryFrom<SurveyRow> for crate::survey::Survey {
    type Error = crate::survey::SurveyError;
    fn try_from(row: SurveyRow) -> Result<Self, crate::survey::SurveyError> {
        let stored = |message: String| crate::survey::SurveyError::Stored {
            slug: row.slug.clone(),
            message,
        };
        let status = crate::survey::SurveyStatus::parse(&row.status).map_err(stored)?;
        let help: Vec<crate::survey::HelpLine> =
            serde_json::from_str(&row.help_json).map_err(|e| stored(format!("help lines: {e}")))?;
        let consultation = row
            .consultation_json
            .as_deref()
            .map(serde_json::from_str::<crate::survey::ConsultationSettings>)
            .transpose()
            .map_err(|e| stored(format!("consultation window: {e}")))?;
        let modules = row
            .modules
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(String::from)
            .collect();
        Ok(crate::survey::Survey {
            id: row.id,
            title: crate::questionnaire::Text {
                ja: row.title_ja,
                en: Some(row.title_en).filter(|t| !t.is_empty()),
            },
            slug: row.slug,
            questionnaire: row.questionnaire,
            modules,
            status,
            help,
            consultation,
            answer_from: row.answer_from,
            answer_until: row.answer_until,
            one_per_browser: row.one_per_browser,
            published_at: row.published_at,
        })
    }
}

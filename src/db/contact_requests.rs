//! Residents' requests to be contacted by the consultation window, what the consultation
//! staff did about them, and who opened them.
//!
//! A request is stored apart from the answers: nothing here names a response, an access code,
//! a session, a sample unit or a register person, and no other table names a request. Only
//! this module reads the contact details, and only the consultation pages call it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{contact_request_log, contact_request_notes, contact_requests, users};
use super::{is_unique_violation, DbConnection, DbError, DbResult};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Nobody has reached the resident yet.
    Received,
    /// The window reached the resident (or passed them on to another service).
    Contacted,
    /// Nothing more to do; deleted after the survey's retention period.
    Closed,
}

impl RequestStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Received => "received",
            RequestStatus::Contacted => "contacted",
            RequestStatus::Closed => "closed",
        }
    }

    fn parse(raw: &str) -> DbResult<Self> {
        match raw {
            "received" => Ok(RequestStatus::Received),
            "contacted" => Ok(RequestStatus::Contacted),
            "closed" => Ok(RequestStatus::Closed),
            other => Err(DbError::Corrupt(format!(
                "contact request status `{other}`"
            ))),
        }
    }
}

/// How a contact attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactOutcome {
    /// Spoke with the resident.
    Reached,
    /// Called or wrote, no answer yet.
    NotReached,
    /// Passed on to another service with the resident's agreement.
    Referred,
}

impl ContactOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "reached",
            ContactOutcome::NotReached => "not_reached",
            ContactOutcome::Referred => "referred",
        }
    }

    /// Reads a stored or posted name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "reached" => Some(ContactOutcome::Reached),
            "not_reached" => Some(ContactOutcome::NotReached),
            "referred" => Some(ContactOutcome::Referred),
            _ => None,
        }
    }

    /// Whether this attempt counts as the resident having been contacted.
    pub fn counts_as_contact(self) -> bool {
        !matches!(self, ContactOutcome::NotReached)
    }
}

/// What a note records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Contact,
    Note,
    Closed,
    Reopened,
}

impl NoteKind {
    fn as_str(self) -> &'static str {
        match self {
            NoteKind::Contact => "contact",
            NoteKind::Note => "note",
            NoteKind::Closed => "closed",
            NoteKind::Reopened => "reopened",
        }
    }

    fn parse(raw: &str) -> DbResult<Self> {
        match raw {
            "contact" => Ok(NoteKind::Contact),
            "note" => Ok(NoteKind::Note),
            "closed" => Ok(NoteKind::Closed),
            "reopened" => Ok(NoteKind::Reopened),
            other => Err(DbError::Corrupt(format!("contact note kind `{other}`"))),
        }
    }
}

/// What the log records about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    Viewed,
    Contacted,
    Noted,
    Closed,
    Reopened,
    Deleted,
}

impl LogAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::Viewed => "viewed",
            LogAction::Contacted => "contacted",
            LogAction::Noted => "noted",
            LogAction::Closed => "closed",
            LogAction::Reopened => "reopened",
            LogAction::Deleted => "deleted",
        }
    }

    fn parse(raw: &str) -> DbResult<Self> {
        Ok(match raw {
            "viewed" => LogAction::Viewed,
            "contacted" => LogAction::Contacted,
            "noted" => LogAction::Noted,
            "closed" => LogAction::Closed,
            "reopened" => LogAction::Reopened,
            "deleted" => LogAction::Deleted,
            other => return Err(DbError::Corrupt(format!("contact log action `{other}`"))),
        })
    }
}

/// A new request, checked: at least one way to reach the resident.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub survey_id: i64,
    /// The hour the request came in (minutes and seconds dropped).
    pub received_at: NaiveDateTime,
    pub distress: bool,
    /// The names of the help lines the end page showed, as JSON.
    pub help_shown: &'a str,
    pub lang: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub good_times: &'a str,
    pub message: &'a str,
    pub sender_mark: &'a str,
}

/// A stored request.
#[derive(Debug, Clone)]
pub struct ContactRequest {
    pub id: i64,
    pub survey_id: i64,
    pub received_at: NaiveDateTime,
    pub distress: bool,
    pub help_shown: Vec<String>,
    pub lang: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub good_times: String,
    pub message: String,
    pub status: RequestStatus,
    pub contacted_at: Option<NaiveDateTime>,
    pub contacted_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<String>,
    /// Contact attempts so far (reached or not).
    pub attempts: i64,
}

/// One line of what was done about a request.
#[derive(Debug, Clone)]
pub struct RequestNote {
    pub kind: NoteKind,
    pub outcome: Option<ContactOutcome>,
    pub body: String,
    pub written_at: NaiveDateTime,
    pub author: Option<String>,
}

/// One line of the access log of a survey's requests.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub request_id: i64,
    pub action: LogAction,
    pub at: NaiveDateTime,
    pub user: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = contact_requests)]
struct RequestRow {
    id: i64,
    survey_id: i64,
    received_at: NaiveDateTime,
    distress: bool,
    help_shown: String,
    lang: String,
    name: String,
    phone: String,
    email: String,
    good_times: String,
    message: String,
    status: String,
    contacted_at: Option<NaiveDateTime>,
    contacted_by: Option<i64>,
    closed_at: Option<NaiveDateTime>,
    closed_by: Option<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = contact_request_notes)]
struct NoteRow {
    user_id: Option<i64>,
    written_at: NaiveDateTime,
    kind: String,
    outcome: Option<String>,
    body: String,
}

/// Stores a request; a second one with the same sender mark is a [`DbError::Conflict`] and
/// stores nothing.
pub fn insert(conn: &mut DbConnection, new: &NewRequest<'_>) -> DbResult<i64> {
    let inserted = diesel::insert_into(contact_requests::table)
        .values((
            contact_requests::survey_id.eq(new.survey_id),
            contact_requests::received_at.eq(new.received_at),
            contact_requests::distress.eq(new.distress),
            contact_requests::help_shown.eq(new.help_shown),
            contact_requests::lang.eq(new.lang),
            contact_requests::name.eq(new.name),
            contact_requests::phone.eq(new.phone),
            contact_requests::email.eq(new.email),
            contact_requests::good_times.eq(new.good_times),
            contact_requests::message.eq(new.message),
            contact_requests::sender_mark.eq(new.sender_mark),
            contact_requests::status.eq(RequestStatus::Received.as_str()),
        ))
        .returning(contact_requests::id)
        .get_result(conn);
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(DbError::Conflict(
            "this session has already asked to be contacted".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether a request with this sender mark exists.
pub fn exists_from(conn: &mut DbConnection, sender_mark: &str) -> DbResult<bool> {
    Ok(contact_requests::table
        .filter(contact_requests::sender_mark.eq(sender_mark))
        .select(contact_requests::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Display names of accounts by id.
fn names_of(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = i64>,
) -> DbResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

fn attempts_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> DbResult<std::collections::HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(contact_request_notes::table
        .filter(contact_request_notes::request_id.eq_any(ids))
        .filter(contact_request_notes::kind.eq(NoteKind::Contact.as_str()))
        .group_by(contact_request_notes::request_id)
        .select((contact_request_notes::request_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

fn finish(conn: &mut DbConnection, rows: Vec<RequestRow>) -> DbResult<Vec<ContactRequest>> {
    let names = names_of(
        conn,
        rows.iter()
            .flat_map(|r| [r.contacted_by, r.closed_by])
            .flatten(),
    )?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let attempts = attempts_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            Ok(ContactRequest {
                id: r.id,
                survey_id: r.survey_id,
                received_at: r.received_at,
                distress: r.distress,
                help_shown: serde_json::from_str(&r.help_shown).map_err(|e| {
                    DbError::Corrupt(format!("contact request {}: help shown: {e}", r.id))
                })?,
                lang: r.lang,
                name: r.name,
                phone: r.phone,
                email: r.email,
                good_times: r.good_times,
                message: r.message,
                status: RequestStatus::parse(&r.status)?,
                contacted_at: r.contacted_at,
                contacted_by: r.contacted_by.and_then(|id| names.get(&id).cloned()),
                closed_at: r.closed_at,
                closed_by: r.closed_by.and_then(|id| names.get(&id).cloned()),
                attempts: attempts.get(&r.id).copied().unwrap_or(0),
            })
        })
        .collect()
}

/// A survey's requests: open ones first (oldest first), then the closed ones (latest first).
pub fn list(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<ContactRequest>> {
    let rows: Vec<RequestRow> = contact_requests::table
        .filter(contact_requests::survey_id.eq(survey_id))
        .order((
            contact_requests::received_at.asc(),
            contact_requests::id.asc(),
        ))
        .select(RequestRow::as_select())
        .load(conn)?;
    let mut all = finish(conn, rows)?;
    all.sort_by_key(|r| {
        (
            r.status == RequestStatus::Closed,
            if r.status == RequestStatus::Closed {
                std::cmp::Reverse(r.closed_at)
            } else {
                std::cmp::Reverse(None)
            },
        )
    });
    Ok(all)
}

/// Open requests (not closed) per survey id, with the oldest one's time.
pub fn open_counts(
    conn: &mut DbConnection,
    survey_ids: &[i64],
) -> DbResult<Vec<(i64, RequestStatus, NaiveDateTime)>> {
    if survey_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, NaiveDateTime)> = contact_requests::table
        .filter(contact_requests::survey_id.eq_any(survey_ids))
        .filter(contact_requests::status.ne(RequestStatus::Closed.as_str()))
        .select((
            contact_requests::survey_id,
            contact_requests::status,
            contact_requests::received_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(survey, status, at)| Ok((survey, RequestStatus::parse(&status)?, at)))
        .collect()
}

/// One request of a survey; a request of another survey is [`DbError::NotFound`].
pub fn find(conn: &mut DbConnection, survey_id: i64, id: i64) -> DbResult<ContactRequest> {
    let row: RequestRow = contact_requests::table
        .filter(contact_requests::survey_id.eq(survey_id))
        .filter(contact_requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?;
    finish(conn, vec![row])?.pop().ok_or(DbError::NotFound)
}

/// What was done and written about a request, oldest first.
pub fn notes(conn: &mut DbConnection, request_id: i64) -> DbResult<Vec<RequestNote>> {
    let rows: Vec<NoteRow> = contact_request_notes::table
        .filter(contact_request_notes::request_id.eq(request_id))
        .order(contact_request_notes::id.asc())
        .select(NoteRow::as_select())
        .load(conn)?;
    let names = names_of(conn, rows.iter().filter_map(|r| r.user_id))?;
    rows.into_iter()
        .map(|row| {
            Ok(RequestNote {
                kind: NoteKind::parse(&row.kind)?,
                outcome: row.outcome.as_deref().and_then(ContactOutcome::parse),
                body: row.body,
                written_at: row.written_at,
                author: row.user_id.and_then(|id| names.get(&id).cloned()),
            })
        })
        .collect()
}

/// Adds a note to a request.
pub fn add_note(
    conn: &mut DbConnection,
    request_id: i64,
    user_id: i64,
    kind: NoteKind,
    outcome: Option<ContactOutcome>,
    body: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(contact_request_notes::table)
        .values((
            contact_request_notes::request_id.eq(request_id),
            contact_request_notes::user_id.eq(Some(user_id)),
            contact_request_notes::written_at.eq(at),
            contact_request_notes::kind.eq(kind.as_str()),
            contact_request_notes::outcome.eq(outcome.map(ContactOutcome::as_str)),
            contact_request_notes::body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that the resident was reached (first time only: the status becomes contacted).
pub fn mark_contacted(
    conn: &mut DbConnection,
    request_id: i64,
    user_id: i64,
    at: NaiveDateTime,
) -> DbResult<()> {
    diesel::update(
        contact_requests::table
            .filter(contact_requests::id.eq(request_id))
            .filter(contact_requests::status.eq(RequestStatus::Received.as_str())),
    )
    .set((
        contact_requests::status.eq(RequestStatus::Contacted.as_str()),
        contact_requests::contacted_at.eq(Some(at)),
        contact_requests::contacted_by.eq(Some(user_id)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Closes a request (nothing more to do).
pub fn close(
    conn: &mut DbConnection,
    request_id: i64,
    user_id: i64,
    at: NaiveDateTime,
) -> DbResult<()> {
    diesel::update(contact_requests::table.filter(contact_requests::id.eq(request_id)))
        .set((
            contact_requests::status.eq(RequestStatus::Closed.as_str()),
            contact_requests::closed_at.eq(Some(at)),
            contact_requests::closed_by.eq(Some(user_id)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Opens a closed request again: back to contacted if the resident was reached, else to
/// received.
pub fn reopen(conn: &mut DbConnection, request: &ContactRequest) -> DbResult<()> {
    let status = if request.contacted_at.is_some() {
        RequestStatus::Contacted
    } else {
        RequestStatus::Received
    };
    diesel::update(contact_requests::table.filter(contact_requests::id.eq(request.id)))
        .set((
            contact_requests::status.eq(status.as_str()),
            contact_requests::closed_at.eq(None::<NaiveDateTime>),
            contact_requests::closed_by.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes a line to a survey's request log.
pub fn log(
    conn: &mut DbConnection,
    survey_id: i64,
    request_id: i64,
    user_id: Option<i64>,
    action: LogAction,
    at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(contact_request_log::table)
        .values((
            contact_request_log::survey_id.eq(survey_id),
            contact_request_log::request_id.eq(request_id),
            contact_request_log::user_id.eq(user_id),
            contact_request_log::at.eq(at),
            contact_request_log::action.eq(action.as_str()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The log lines about one request, oldest first.
pub fn log_of(conn: &mut DbConnection, survey_id: i64, request_id: i64) -> DbResult<Vec<LogLine>> {
    let rows: Vec<(i64, String, NaiveDateTime, Option<i64>)> = contact_request_log::table
        .filter(contact_request_log::survey_id.eq(survey_id))
        .filter(contact_request_log::request_id.eq(request_id))
        .order(contact_request_log::id.asc())
        .select((
            contact_request_log::request_id,
            contact_request_log::action,
            contact_request_log::at,
            contact_request_log::user_id,
        ))
        .load(conn)?;
    let names = names_of(conn, rows.iter().filter_map(|r| r.3))?;
    rows.into_iter()
        .map(|(request_id, action, at, user)| {
            Ok(LogLine {
                request_id,
                action: LogAction::parse(&action)?,
                at,
                user: user.and_then(|id| names.get(&id).cloned()),
            })
        })
        .collect()
}

/// The ids of a survey's requests closed before `cutoff`.
pub fn closed_before(
    conn: &mut DbConnection,
    survey_id: i64,
    cutoff: NaiveDateTime,
) -> DbResult<Vec<i64>> {
    Ok(contact_requests::table
        .filter(contact_requests::survey_id.eq(survey_id))
        .filter(contact_requests::status.eq(RequestStatus::Closed.as_str()))
        .filter(contact_requests::closed_at.lt(cutoff))
        .select(contact_requests::id)
        .load(conn)?)
}

/// Deletes a request with its notes (the log keeps its number and the deletion).
pub fn delete(conn: &mut DbConnection, request_id: i64) -> DbResult<()> {
    diesel::delete(
        contact_request_notes::table.filter(contact_request_notes::request_id.eq(request_id)),
    )
    .execute(conn)?;
    diesel::delete(contact_requests::table.filter(contact_requests::id.eq(request_id)))
        .execute(conn)?;
    Ok(())
}

/// The ids of the surveys that have requests, for the retention pass.
pub fn surveys_with_closed(conn: &mut DbConnection) -> DbResult<Vec<i64>> {
    Ok(contact_requests::table
        .filter(contact_requests::status.eq(RequestStatus::Closed.as_str()))
        .select(contact_requests::survey_id)
        .distinct()
        .load(conn)?)
}

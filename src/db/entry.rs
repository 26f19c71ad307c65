//! Paper entry storage: envelope batches, keying passes, accepted paper responses, which
//! response of a code counts (mixed mode) and the audit log of changes to responses.
//!
//! Every write that edits existing data names the version it read, and a write over a newer
//! version is refused ([`DbError::Conflict`]); nothing is ever overwritten silently. Changes to
//! a response are written together with their audit rows in one transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

pub use super::counting::{code_responses, settle_duplicates, CodeResponse, CHANNEL_PAPER};
use super::schema::{
    access_codes, paper_batches, paper_entries, response_audit, responses, surveys, users,
};
use super::{is_unique_violation, now, transaction, DbConnection, DbError, DbResult};

use crate::entry::audit::AuditReason;
pub use crate::entry::{AUDIT_COUNTED, AUDIT_WHOLE_RESPONSE};

pub const ENTRY_DRAFT: &str = "draft";
pub const ENTRY_COMPLETE: &str = "complete";

/// One keying pass of one form.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = paper_entries)]
pub struct PaperEntryRow {
    pub id: i64,
    pub survey_id: i64,
    pub access_code_id: i64,
    pub pass: i32,
    pub keyer_id: i64,
    pub answers_json: String,
    pub status: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

impl PaperEntryRow {
    /// Whether the keyer has finished this pass.
    pub fn is_complete(&self) -> bool {
        self.status == ENTRY_COMPLETE
    }
}

/// A batch of envelopes received by post.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = paper_batches)]
pub struct BatchRow {
    pub id: i64,
    pub survey_id: i64,
    pub received_on: NaiveDate,
    pub envelopes: i32,
    pub note: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// One row of the audit log, with who made the change and the form's code.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub response_id: i64,
    pub code: String,
    pub channel: String,
    pub username: String,
    pub changed_at: NaiveDateTime,
    pub item_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The reason the system gave (`None`: a person's reason only, or a row written before
    /// reasons were stored as kinds).
    pub reason_code: Option<AuditReason>,
    /// What a person typed (or an older row's whole reason).
    pub reason: String,
}

/// An audit row to write: `old_value`/`new_value` are JSON answers (or `true`/`false` for
/// [`AUDIT_COUNTED`]), `None` where there was or is nothing; `reason_code` the system's reason,
/// `reason` what a person typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub item_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason_code: Option<AuditReason>,
    pub reason: String,
}

/// Whether a survey's paper forms are keyed twice.
pub fn double_entry(conn: &mut DbConnection, survey_id: i64) -> DbResult<bool> {
    surveys::table
        .find(survey_id)
        .select(surveys::double_entry)
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// Switches double entry on or off for a survey (forms already accepted stay accepted).
pub fn set_double_entry(conn: &mut DbConnection, survey_id: i64, on: bool) -> DbResult<()> {
    let n = diesel::update(surveys::table.find(survey_id))
        .set(surveys::double_entry.eq(on))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Logs a batch of envelopes.
pub fn add_batch(
    conn: &mut DbConnection,
    survey_id: i64,
    received_on: NaiveDate,
    envelopes: i32,
    note: &str,
    user_id: i64,
) -> DbResult<()> {
    diesel::insert_into(paper_batches::table)
        .values((
            paper_batches::survey_id.eq(survey_id),
            paper_batches::received_on.eq(received_on),
            paper_batches::envelopes.eq(envelopes),
            paper_batches::note.eq(note),
            paper_batches::created_by.eq(user_id),
            paper_batches::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A survey's batches, newest receipt first.
pub fn batches(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<BatchRow>> {
    Ok(paper_batches::table
        .filter(paper_batches::survey_id.eq(survey_id))
        .order((paper_batches::received_on.desc(), paper_batches::id.desc()))
        .select(BatchRow::as_select())
        .load(conn)?)
}

/// The keying passes of one form, first pass first.
pub fn passes(conn: &mut DbConnection, access_code_id: i64) -> DbResult<Vec<PaperEntryRow>> {
    Ok(paper_entries::table
        .filter(paper_entries::access_code_id.eq(access_code_id))
        .order(paper_entries::pass.asc())
        .select(PaperEntryRow::as_select())
        .load(conn)?)
}

/// Every keying pass of a survey with its form's code (for counts and agreement rates).
pub fn survey_passes(
    conn: &mut DbConnection,
    survey_id: i64,
) -> DbResult<Vec<(PaperEntryRow, String)>> {
    Ok(paper_entries::table
        .inner_join(access_codes::table)
        .filter(paper_entries::survey_id.eq(survey_id))
        .order((
            paper_entries::access_code_id.asc(),
            paper_entries::pass.asc(),
        ))
        .select((PaperEntryRow::as_select(), access_codes::code))
        .load(conn)?)
}

/// Stores the first save of pass `pass` of a form by `keyer_id` (opening a form to look at
/// it stores nothing), at version 1, as a draft or `complete`. If another keyer saved that pass
/// a moment earlier, that is a [`DbError::Conflict`]; so is a second pass by the keyer of the
/// first.
pub fn start_pass(
    conn: &mut DbConnection,
    survey_id: i64,
    access_code_id: i64,
    pass: i32,
    keyer_id: i64,
    answers_json: &str,
    complete: bool,
) -> DbResult<PaperEntryRow> {
    transaction(conn, |conn| {
        let same_keyer = paper_entries::table
            .filter(paper_entries::access_code_id.eq(access_code_id))
            .filter(paper_entries::keyer_id.eq(keyer_id))
            .count()
            .get_result::<i64>(conn)?;
        if same_keyer > 0 {
            return Err(DbError::Conflict(
                "you already keyed the other entry of this form; the second entry must be keyed by someone else".into(),
            ));
        }
        let t = now();
        let inserted = diesel::insert_into(paper_entries::table)
            .values((
                paper_entries::survey_id.eq(survey_id),
                paper_entries::access_code_id.eq(access_code_id),
                paper_entries::pass.eq(pass),
                paper_entries::keyer_id.eq(keyer_id),
                paper_entries::answers_json.eq(answers_json),
                paper_entries::status.eq(if complete {
                    ENTRY_COMPLETE
                } else {
                    ENTRY_DRAFT
                }),
                paper_entries::version.eq(1),
                paper_entries::created_at.eq(t),
                paper_entries::updated_at.eq(t),
                paper_entries::completed_at.eq(complete.then_some(t)),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::Conflict(format!(
                    "entry {pass} of this form was just saved by someone else"
                )))
            }
            Err(e) => return Err(e.into()),
        }
        paper_entries::table
            .filter(paper_entries::access_code_id.eq(access_code_id))
            .filter(paper_entries::pass.eq(pass))
            .select(PaperEntryRow::as_select())
            .first(conn)
            .map_err(DbError::from)
    })
}

/// Saves a pass's answers if it is still at `expected_version` and still a draft; `complete`
/// finishes it. A stale or finished pass is a [`DbError::Conflict`].
pub fn save_pass(
    conn: &mut DbConnection,
    entry_id: i64,
    expected_version: i32,
    answers_json: &str,
    complete: bool,
) -> DbResult<PaperEntryRow> {
    let t = now();
    let n = diesel::update(
        paper_entries::table
            .find(entry_id)
            .filter(paper_entries::version.eq(expected_version))
            .filter(paper_entries::status.eq(ENTRY_DRAFT)),
    )
    .set((
        paper_entries::answers_json.eq(answers_json),
        paper_entries::status.eq(if complete {
            ENTRY_COMPLETE
        } else {
            ENTRY_DRAFT
        }),
        paper_entries::version.eq(expected_version + 1),
        paper_entries::updated_at.eq(t),
        paper_entries::completed_at.eq(complete.then_some(t)),
    ))
    .execute(conn)?;
    if n == 0 {
        let current = find_pass(conn, entry_id)?;
        return Err(DbError::Conflict(if current.is_complete() {
            "this entry was already completed in another window".into()
        } else {
            "this entry was saved in another window after this screen was opened".into()
        }));
    }
    find_pass(conn, entry_id)
}

/// Deletes an unfinished pass of the survey if it is still at `expected_version`, so the
/// pass is free for someone else: a keyer's own draft (opened by mistake, or to start
/// again), or one an admin releases because its keyer left it.
pub fn discard_draft(
    conn: &mut DbConnection,
    survey_id: i64,
    entry_id: i64,
    expected_version: i32,
) -> DbResult<()> {
    let n = diesel::delete(
        paper_entries::table
            .find(entry_id)
            .filter(paper_entries::survey_id.eq(survey_id))
            .filter(paper_entries::version.eq(expected_version))
            .filter(paper_entries::status.eq(ENTRY_DRAFT)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::Conflict(
            "this entry was saved, completed or discarded in another window; open it again".into(),
        ));
    }
    Ok(())
}

/// The pass with this id.
pub fn find_pass(conn: &mut DbConnection, entry_id: i64) -> DbResult<PaperEntryRow> {
    paper_entries::table
        .find(entry_id)
        .select(PaperEntryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// Stores an accepted (or reconciled) paper form as a submitted paper response, with its
/// audit rows, then applies the mixed-mode rule. A form accepted twice is a
/// [`DbError::Conflict`].
pub fn accept(
    conn: &mut DbConnection,
    survey_id: i64,
    access_code_id: i64,
    answers_json: &str,
    distress: bool,
    user_id: i64,
    audit: &[NewAudit],
) -> DbResult<CodeResponse> {
    transaction(conn, |conn| {
        let t = now();
        let inserted = diesel::insert_into(responses::table)
            .values((
                responses::survey_id.eq(survey_id),
                responses::access_code_id.eq(Some(access_code_id)),
                responses::channel.eq(CHANNEL_PAPER),
                responses::status.eq(super::counting::STATUS_SUBMITTED),
                responses::answers_json.eq(answers_json),
                responses::page_index.eq(0),
                responses::version.eq(0),
                responses::distress.eq(distress),
                responses::created_at.eq(t),
                responses::updated_at.eq(t),
                responses::submitted_at.eq(Some(t)),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::Conflict(
                    "this form was accepted by someone else a moment ago".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        let response = paper_response(conn, access_code_id)?.ok_or(DbError::NotFound)?;
        write_audit(conn, response.id, user_id, t, audit)?;
        settle_duplicates(conn, access_code_id)?;
        paper_response(conn, access_code_id)?.ok_or(DbError::NotFound)
    })
}

/// The paper response of a code, if the form was accepted.
pub fn paper_response(
    conn: &mut DbConnection,
    access_code_id: i64,
) -> DbResult<Option<CodeResponse>> {
    Ok(responses::table
        .filter(responses::access_code_id.eq(access_code_id))
        .filter(responses::channel.eq(CHANNEL_PAPER))
        .select(CodeResponse::as_select())
        .first(conn)
        .optional()?)
}

fn write_audit(
    conn: &mut DbConnection,
    response_id: i64,
    user_id: i64,
    at: NaiveDateTime,
    audit: &[NewAudit],
) -> DbResult<()> {
    // One statement per row: audits are a handful of rows, and the multi-backend connection
    // cannot run multi-row inserts.
    for row in audit {
        let code = row
            .reason_code
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DbError::Corrupt(format!("an audit reason: {e}")))?;
        diesel::insert_into(response_audit::table)
            .values((
                response_audit::response_id.eq(response_id),
                response_audit::user_id.eq(user_id),
                response_audit::changed_at.eq(at),
                response_audit::item_id.eq(&row.item_id),
                response_audit::old_value.eq(row.old_value.as_deref()),
                response_audit::new_value.eq(row.new_value.as_deref()),
                response_audit::reason.eq(&row.reason),
                response_audit::reason_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Staff choose which complete response of a code counts, with a reason; the change is
/// audited on every response whose status changed. `expected_version` is the chosen
/// response's version as shown; a newer one is a [`DbError::Conflict`].
pub fn choose_counted(
    conn: &mut DbConnection,
    access_code_id: i64,
    response_id: i64,
    expected_version: i32,
    user_id: i64,
    reason: &str,
) -> DbResult<()> {
    transaction(conn, |conn| {
        let t = now();
        let chosen = code_responses(conn, access_code_id)?
            .into_iter()
            .find(|r| r.id == response_id)
            .ok_or(DbError::NotFound)?;
        if !chosen.is_complete() {
            return Err(DbError::Conflict(
                "only a complete response can count; this one is still in progress".into(),
            ));
        }
        diesel::update(responses::table.filter(responses::access_code_id.eq(access_code_id)))
            .set((
                responses::count_chosen_by.eq(None::<i64>),
                responses::count_chosen_at.eq(None::<NaiveDateTime>),
                responses::count_reason.eq(None::<String>),
            ))
            .execute(conn)?;
        let n = diesel::update(
            responses::table
                .find(response_id)
                .filter(responses::version.eq(expected_version)),
        )
        .set((
            responses::count_chosen_by.eq(Some(user_id)),
            responses::count_chosen_at.eq(Some(t)),
            responses::count_reason.eq(Some(reason)),
            responses::version.eq(expected_version + 1),
            responses::updated_at.eq(t),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(DbError::Conflict(
                "this response was changed by someone else after the page was opened".into(),
            ));
        }
        for (id, counts) in settle_duplicates(conn, access_code_id)? {
            write_audit(
                conn,
                id,
                user_id,
                t,
                &[NewAudit {
                    item_id: AUDIT_COUNTED.into(),
                    old_value: Some((!counts).to_string()),
                    new_value: Some(counts.to_string()),
                    reason_code: None,
                    reason: reason.to_string(),
                }],
            )?;
        }
        Ok(())
    })
}

/// Replaces a response's answers (a correction after acceptance) if it is still at
/// `expected_version`, writing the audit rows in the same transaction.
pub fn correct(
    conn: &mut DbConnection,
    response_id: i64,
    expected_version: i32,
    answers_json: &str,
    distress: bool,
    user_id: i64,
    audit: &[NewAudit],
) -> DbResult<()> {
    transaction(conn, |conn| {
        let t = now();
        let n = diesel::update(
            responses::table
                .find(response_id)
                .filter(responses::version.eq(expected_version))
                .filter(responses::status.eq(super::counting::STATUS_SUBMITTED)),
        )
        .set((
            responses::answers_json.eq(answers_json),
            responses::distress.eq(distress),
            responses::version.eq(expected_version + 1),
            responses::updated_at.eq(t),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(DbError::Conflict(
                "this response was changed by someone else after the page was opened".into(),
            ));
        }
        write_audit(conn, response_id, user_id, t, audit)
    })
}

type AuditTuple = (
    i64,
    i64,
    String,
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// Rewrites the audit rows whose reason is one the system wrote in English before reasons
/// were stored as kinds (`accepted after reconciling 2 item(s)`, `reconciliation: entry 1 …`)
/// as a kind and the reviewer's note, so that they are shown in the reader's language. Rows it
/// cannot read (a person's own reason) are left as they are; running it again changes
/// nothing. Returns how many rows it rewrote.
pub fn convert_legacy_reasons(conn: &mut DbConnection) -> DbResult<usize> {
    transaction(conn, |conn| {
        let candidates: Vec<(i64, String)> = response_audit::table
            .filter(response_audit::reason_code.is_null())
            .filter(
                response_audit::reason
                    .like("accepted%")
                    .or(response_audit::reason.like("reconciliation: %")),
            )
            .select((response_audit::id, response_audit::reason))
            .load(conn)?;
        let mut converted = 0;
        for (id, reason) in candidates {
            let Some((code, note)) = crate::entry::audit::from_legacy(&reason) else {
                continue;
            };
            let code = serde_json::to_string(&code)
                .map_err(|e| DbError::Corrupt(format!("an audit reason: {e}")))?;
            diesel::update(response_audit::table.find(id))
                .set((
                    response_audit::reason_code.eq(code),
                    response_audit::reason.eq(note),
                ))
                .execute(conn)?;
            converted += 1;
        }
        Ok(converted)
    })
}

fn audit_entry(row: AuditTuple) -> AuditEntry {
    let (
        id,
        response_id,
        code,
        channel,
        username,
        changed_at,
        item_id,
        old_value,
        new_value,
        reason,
        reason_code,
    ) = row;
    AuditEntry {
        id,
        response_id,
        code,
        channel,
        username,
        changed_at,
        item_id,
        old_value,
        new_value,
        // A code this version cannot read is shown as its text rather than failing the page.
        reason_code: reason_code.and_then(|code| serde_json::from_str(&code).ok()),
        reason,
    }
}

/// The audit log of a survey (or of one response), oldest first.
pub fn audit_log(
    conn: &mut DbConnection,
    survey_id: i64,
    response_id: Option<i64>,
) -> DbResult<Vec<AuditEntry>> {
    let mut query = response_audit::table
        .inner_join(responses::table.inner_join(access_codes::table))
        .inner_join(users::table)
        .filter(responses::survey_id.eq(survey_id))
        .into_boxed();
    if let Some(id) = response_id {
        query = query.filter(response_audit::response_id.eq(id));
    }
    let rows: Vec<AuditTuple> = query
        .order(response_audit::id.asc())
        .select((
            response_audit::id,
            response_audit::response_id,
            access_codes::code,
            responses::channel,
            users::username,
            response_audit::changed_at,
            response_audit::item_id,
            response_audit::old_value,
            response_audit::new_value,
            response_audit::reason,
            response_audit::reason_code,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(audit_entry).collect())
}

/// A survey's paper-side figures for the overview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaperCounts {
    /// Envelopes logged in batches.
    pub envelopes: i64,
    /// Accepted paper responses (automatically or after reconciliation).
    pub accepted: i64,
    /// Complete responses (either channel) marked as duplicates of another.
    pub duplicates: i64,
}

/// Envelopes received, paper responses accepted and duplicates of a survey.
pub fn paper_counts(conn: &mut DbConnection, survey_id: i64) -> DbResult<PaperCounts> {
    let envelopes: Option<i64> = paper_batches::table
        .filter(paper_batches::survey_id.eq(survey_id))
        .select(diesel::dsl::sum(paper_batches::envelopes))
        .first(conn)?;
    let accepted = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::channel.eq(CHANNEL_PAPER))
        .count()
        .get_result(conn)?;
    let duplicates = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::status.eq(super::counting::STATUS_SUBMITTED))
        .filter(responses::counted.eq(false))
        .count()
        .get_result(conn)?;
    Ok(PaperCounts {
        envelopes: envelopes.unwrap_or(0),
        accepted,
        duplicates,
    })
}

/// Codes of a survey whose paper form was accepted: (access code id, response id).
pub fn accepted_codes(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<(i64, i64)>> {
    Ok(responses::table
        .inner_join(access_codes::table)
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::channel.eq(CHANNEL_PAPER))
        .select((access_codes::id, responses::id))
        .load(conn)?)
}

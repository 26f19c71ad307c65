//! What the online flow and paper entry share about responses, below both: the status and
//! channel values, a code's responses, and the mixed-mode rule applied to them (which of a
//! code's complete responses counts). `db::responses` and `db::entry` both use it; it
//! uses neither.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::responses;
use super::{DbConnection, DbResult};
use crate::entry::{counted_response, CountCandidate};

pub const STATUS_IN_PROGRESS: &str = "in_progress";
pub const STATUS_SUBMITTED: &str = "submitted";
pub const CHANNEL_ONLINE: &str = "online";
pub const CHANNEL_PAPER: &str = "paper";

/// A response of a code as the entry screens show it (either channel).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct CodeResponse {
    pub id: i64,
    pub survey_id: i64,
    pub access_code_id: Option<i64>,
    pub channel: String,
    pub status: String,
    pub answers_json: String,
    pub version: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub counted: bool,
    pub duplicate_of: Option<i64>,
    pub count_chosen_by: Option<i64>,
    pub count_chosen_at: Option<NaiveDateTime>,
    pub count_reason: Option<String>,
}

impl CodeResponse {
    /// Whether this response is complete (submitted online, accepted on paper).
    pub fn is_complete(&self) -> bool {
        self.status == STATUS_SUBMITTED
    }
}

/// Every response of a code (online and paper), oldest first.
pub fn code_responses(conn: &mut DbConnection, access_code_id: i64) -> DbResult<Vec<CodeResponse>> {
    Ok(responses::table
        .filter(responses::access_code_id.eq(access_code_id))
        .order(responses::id.asc())
        .select(CodeResponse::as_select())
        .load(conn)?)
}

/// Applies the mixed-mode rule ([`crate::entry::counted_response`]) to a code's complete
/// responses: exactly one counts, the others are marked duplicates of it. Returns the
/// responses whose `counted` flag changed, with the new value.
///
/// Call it after anything that completes a response of a code (the online submit included).
pub fn settle_duplicates(
    conn: &mut DbConnection,
    access_code_id: i64,
) -> DbResult<Vec<(i64, bool)>> {
    let all = code_responses(conn, access_code_id)?;
    let candidates: Vec<CountCandidate> = all
        .iter()
        .filter(|r| r.is_complete())
        .filter_map(|r| {
            r.submitted_at.map(|completed_at| CountCandidate {
                response_id: r.id,
                completed_at,
                chosen_at: r.count_chosen_at,
            })
        })
        .collect();
    let winner = counted_response(&candidates);
    let mut changed = Vec::new();
    for r in &all {
        let counts = Some(r.id) == winner;
        // Incomplete responses keep the default; they are never used while incomplete.
        if !r.is_complete() {
            continue;
        }
        let duplicate_of = if counts { None } else { winner };
        if r.counted != counts || r.duplicate_of != duplicate_of {
            diesel::update(responses::table.find(r.id))
                .set((
                    responses::counted.eq(counts),
                    responses::duplicate_of.eq(duplicate_of),
                ))
                .execute(conn)?;
            if r.counted != counts {
                changed.push((r.id, counts));
            }
        }
    }
    Ok(changed)
}

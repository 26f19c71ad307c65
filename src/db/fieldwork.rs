//! How fieldwork is going, for the planner's fieldwork page: counted responses by time and
//! mode, the sample's dispositions by stratum, and the paper forms still waiting.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entry::{self, ENTRY_COMPLETE};
use super::sample;
use super::schema::{paper_entries, responses};
use super::{DbConnection, DbResult};
use crate::sampling::records::{StratumRecord, UnitOutcome};

/// Everything the fieldwork page shows.
#[derive(Debug, Clone)]
pub struct Progress {
    /// When each counted response was submitted (UTC) and its channel (`online`, `paper`).
    pub submitted: Vec<(NaiveDateTime, String)>,
    /// The strata and every sampled person's disposition; `None` without a sample.
    pub sample: Option<(Vec<StratumRecord>, Vec<UnitOutcome>)>,
    pub paper: entry::PaperCounts,
    pub backlog: PaperBacklog,
}

/// Paper forms not yet counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaperBacklog {
    /// Keyed once, waiting for the second keying (double entry on).
    pub awaiting_second: usize,
    /// Keyed twice, not accepted: the two entries differ and wait for reconciliation.
    pub awaiting_reconciliation: usize,
    /// Keying passes started and not finished.
    pub unfinished: usize,
}

/// The fieldwork progress of a survey.
pub fn progress(conn: &mut DbConnection, survey_id: i64) -> DbResult<Progress> {
    let submitted: Vec<(Option<NaiveDateTime>, String)> = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::status.eq(super::responses::STATUS_SUBMITTED))
        .filter(responses::counted.eq(true))
        .order(responses::submitted_at.asc())
        .select((responses::submitted_at, responses::channel))
        .load(conn)?;
    let sample = match sample::find(conn, survey_id)? {
        Some(row) => Some((
            sample::strata(conn, row.id)?,
            sample::outcomes(conn, row.id)?,
        )),
        None => None,
    };
    let paper = entry::paper_counts(conn, survey_id)?;
    let backlog = paper_backlog(conn, survey_id)?;
    Ok(Progress {
        submitted: submitted
            .into_iter()
            .filter_map(|(at, channel)| Some((at?, channel)))
            .collect(),
        sample,
        paper,
        backlog,
    })
}

/// The paper forms of a survey not yet counted: keyed once (double entry on), keyed twice
/// and differing, or a keying pass not finished.
pub fn paper_backlog(conn: &mut DbConnection, survey_id: i64) -> DbResult<PaperBacklog> {
    let double_entry = entry::double_entry(conn, survey_id)?;
    let accepted: HashSet<i64> = entry::accepted_codes(conn, survey_id)?
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    let passes: Vec<(i64, String)> = paper_entries::table
        .filter(paper_entries::survey_id.eq(survey_id))
        .select((paper_entries::access_code_id, paper_entries::status))
        .load(conn)?;
    let mut complete: BTreeMap<i64, usize> = BTreeMap::new();
    let mut backlog = PaperBacklog::default();
    for (code, status) in &passes {
        if status == ENTRY_COMPLETE {
            *complete.entry(*code).or_default() += 1;
        } else {
            backlog.unfinished += 1;
        }
    }
    for (code, done) in complete {
        if accepted.contains(&code) {
            continue;
        }
        match done {
            1 if double_entry => backlog.awaiting_second += 1,
            2 => backlog.awaiting_reconciliation += 1,
            _ => {}
        }
    }
    Ok(backlog)
}

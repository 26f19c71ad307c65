//! What storage keeps of a survey's register import and drawn sample, as plain data for the
//! pages, the command line and the statistics: the sample's facts, its strata, each sampled
//! person's fieldwork outcome (no personal data), and when and from what the register came.
//! `db` reads them; nothing here knows how they are stored.

use chrono::{NaiveDate, NaiveDateTime};

use super::disposition::Disposition;

/// A drawn sample: its seed, design and size, and whether it is final.
#[derive(Debug, Clone)]
pub struct SampleRecord {
    pub id: i64,
    pub survey_id: i64,
    pub seed: String,
    pub reference_date: NaiveDate,
    pub min_age: i32,
    /// Stratum variables, e.g. `district,age_band` (empty: one stratum).
    pub strata: String,
    /// Age bands, e.g. `16-29,30-39,…,80-`.
    pub age_bands: String,
    /// The allocation in words.
    pub allocation: String,
    /// N: eligible residents.
    pub frame_size: i64,
    /// n.
    pub sample_size: i64,
    pub created_at: NaiveDateTime,
    /// When letters or the mailing list were first produced; from then on the sample is
    /// final.
    pub letters_printed_at: Option<NaiveDateTime>,
}

/// A stratum's design numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumRecord {
    pub position: i32,
    pub label: String,
    /// N_h.
    pub population: i64,
    /// n_h.
    pub size: i64,
}

/// One sampled person's fieldwork state (no personal data).
#[derive(Debug, Clone)]
pub struct UnitOutcome {
    pub unit_id: i64,
    pub stratum: String,
    /// Normalised access code.
    pub code: String,
    /// What staff recorded, if anything.
    pub recorded: Option<Disposition>,
    pub recorded_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    /// The disposition that counts: responses first, then what staff recorded.
    pub disposition: Disposition,
}

/// When and from what the register (frame) of a survey was imported.
#[derive(Debug, Clone)]
pub struct FrameImport {
    pub survey_id: i64,
    pub file_name: String,
    pub encoding: String,
    pub row_count: i64,
    pub imported_at: NaiveDateTime,
    pub purged_at: Option<NaiveDateTime>,
}

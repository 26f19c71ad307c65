//! The sample of a survey: the seeded stratified draw from its stored frame, making it
//! final, and the lists for the print shop. The command line and the staff pages call
//! these; each words the errors in its own way.
//!
//! The rule for the mailing list and the letters: they come only from a final sample
//! (`samples.letters_printed_at`). A sample is made final only by a deliberate act of
//! staff — the button on the sample or letters page (a POST, [`make_final`]) or the
//! `sample mailing-list` command, whose purpose is to hand the list to the print shop
//! ([`Finalise::Now`]) — and never by opening a page: the page's `mailing.csv` asks for
//! [`Finalise::AlreadyFinal`] and is refused with [`ListError::NotFinal`] otherwise.

use std::collections::HashMap;

use crate::db::{self, DbConnection, DbError};
use crate::sampling::access_code::AccessCode;
use crate::sampling::age::{AgeBands, Eligibility};
use crate::sampling::allocation::{allocate, AllocationMethod, StratumPopulation};
use crate::sampling::draw::{draw_sample, Seed};
use crate::sampling::frame::{Frame, FrameCandidate, FrameCounts, FrameDesign};
use crate::sampling::mailing::{mailing_list_csv, MailingEntry, MailingError};
use crate::sampling::register::{Sex, TextEncoding};
use crate::sampling::strata::StratumVariable;

/// A draw, parsed.
#[derive(Debug, Clone)]
pub struct DrawPlan {
    pub eligibility: Eligibility,
    pub strata_by: Vec<StratumVariable>,
    pub age_bands: AgeBands,
    pub method: AllocationMethod,
    pub seed: Seed,
    pub replace: bool,
}

/// What a draw did.
#[derive(Debug, Clone)]
pub struct DrawOutcome {
    pub sample: crate::sampling::records::SampleRecord,
    pub strata: Vec<crate::sampling::records::StratumRecord>,
    pub counts: FrameCounts,
}

/// Why no sample was drawn (nothing is stored then).
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    /// The survey has a sample that is not final and the plan does not replace it.
    #[error("the survey already has a sample (seed {seed}, n = {size})")]
    SampleExists { seed: String, size: i64 },
    /// No register was imported.
    #[error("the survey has no frame yet")]
    NoFrame,
    /// The frame's personal data (birth dates) was purged.
    #[error("the frame's personal data was purged")]
    FramePurged,
    /// The plan does not fit the frame (age bands, allocation, sizes larger than strata …).
    #[error("{0}")]
    Plan(String),
    /// A stored value that cannot be read back.
    #[error("{0}")]
    Corrupt(String),
    /// Storing failed, or the sample may no longer be replaced (final, codes used).
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Draws and stores the sample of a survey's stored frame.
pub fn draw(
    conn: &mut db::DbConnection,
    survey_id: i64,
    plan: &DrawPlan,
) -> Result<DrawOutcome, DrawError> {
    if let Some(existing) = db::sample::find(conn, survey_id)? {
        if existing.letters_printed_at.is_none() && !plan.replace {
            return Err(DrawError::SampleExists {
                seed: existing.seed,
                size: existing.sample_size,
            });
        }
    }
    let rows = db::frame::candidates(conn, survey_id)?;
    if rows.is_empty() {
        return Err(DrawError::NoFrame);
    }
    let mut sexes = Vec::with_capacity(rows.len());
    let mut candidates = Vec::with_capacity(rows.len());
    for row in &rows {
        let birth_date = row.birth_date.ok_or(DrawError::FramePurged)?;
        let sex = row
            .sex
            .as_deref()
            .map(stored_sex)
            .transpose()
            .map_err(|e| DrawError::Corrupt(format!("stored sex of frame row {}: {e}", row.id)))?;
        sexes.push(sex);
        candidates.push(FrameCandidate {
            resident_id: &row.resident_id,
            birth_date,
            sex,
            district: row.district.as_deref(),
            excluded: row.excluded,
        });
    }
    let design = FrameDesign::new(
        plan.eligibility,
        Some(plan.age_bands.clone()),
        plan.strata_by.clone(),
    )
    .map_err(|e| DrawError::Plan(e.to_string()))?;
    let frame = Frame::build(candidates, design).map_err(|e| DrawError::Plan(e.to_string()))?;
    let populations: Vec<StratumPopulation> = frame
        .strata
        .iter()
        .map(|s| StratumPopulation {
            label: s.label.clone(),
            population: s.population,
        })
        .collect();
    let allocation =
        allocate(&populations, &plan.method).map_err(|e| DrawError::Plan(e.to_string()))?;
    let drawn =
        draw_sample(&frame, &allocation, plan.seed).map_err(|e| DrawError::Plan(e.to_string()))?;

    let band_labels: Vec<String> = plan
        .age_bands
        .bands()
        .iter()
        .map(|band| band.to_string())
        .collect();
    let band_of = |age: u32| plan.age_bands.band_index(age).unwrap_or(0);
    let mut band_of_source = vec![0usize; rows.len()];
    // Counted by indexes, labelled afterwards: one string per cell, not per resident.
    let mut cells: HashMap<(Option<Sex>, usize, Option<&str>), i64> = HashMap::new();
    for unit in &frame.units {
        let band = band_of(unit.age);
        band_of_source[unit.source_index] = band;
        *cells
            .entry((
                sexes[unit.source_index],
                band,
                rows[unit.source_index].district.as_deref(),
            ))
            .or_default() += 1;
    }
    let mut margins: Vec<db::sample::NewMargin> = cells
        .into_iter()
        .map(
            |((sex, band, district), population)| db::sample::NewMargin {
                sex: sex.map(|s| s.code().to_string()),
                age_band: band_labels[band].clone(),
                district: district.map(str::to_string),
                population,
            },
        )
        .collect();
    margins.sort_by(|a, b| {
        (&a.district, &a.sex, &a.age_band).cmp(&(&b.district, &b.sex, &b.age_band))
    });
    let codes = unique_codes(drawn.units.len());
    let units = drawn
        .units
        .iter()
        .zip(codes)
        .map(|(unit, code)| {
            let row = &rows[unit.source_index];
            db::sample::NewUnit {
                frame_person_id: row.id,
                stratum: drawn.strata[unit.stratum].label.clone(),
                population: unit.population as i64,
                size: unit.size as i64,
                sex: sexes[unit.source_index].map(|s| s.code().to_string()),
                age_band: band_labels[band_of_source[unit.source_index]].clone(),
                district: row.district.clone(),
                code,
            }
        })
        .collect();
    let new = db::sample::NewSample {
        seed: drawn.seed.to_string(),
        reference_date: plan.eligibility.reference_date,
        min_age: plan.eligibility.minimum_age as i32,
        strata: plan
            .strata_by
            .iter()
            .map(|v| v.name())
            .collect::<Vec<_>>()
            .join(","),
        age_bands: plan.age_bands.to_string(),
        allocation: plan.method.to_string(),
        frame_size: frame.population() as i64,
        strata_rows: drawn
            .strata
            .iter()
            .map(|s| db::sample::NewStratum {
                label: s.label.clone(),
                population: s.population as i64,
                size: s.size as i64,
            })
            .collect(),
        units,
        margins,
    };
    let sample = db::sample::store(conn, survey_id, &new, plan.replace)?;
    let strata = db::sample::strata(conn, sample.id)?;
    Ok(DrawOutcome {
        sample,
        strata,
        counts: frame.counts,
    })
}

/// A sex as stored (its code), read without the register's lenient parsing.
fn stored_sex(code: &str) -> Result<Sex, String> {
    match code {
        "male" => Ok(Sex::Male),
        "female" => Ok(Sex::Female),
        "unknown" => Ok(Sex::Unknown),
        other => Sex::parse(other),
    }
}

/// `count` distinct fresh access codes.
fn unique_codes(count: usize) -> Vec<AccessCode> {
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let code = AccessCode::generate();
        if seen.insert(code.clone()) {
            codes.push(code);
        }
    }
    codes
}

/// Which list to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Everyone sampled, for the letters; only from a final sample.
    Mailing(Finalise),
    /// Sampled people who still need a reminder (any sample; it stays as it is).
    Reminders,
}

/// What the mailing list does when the sample is not final yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finalise {
    /// Make it final with the list (`sample mailing-list`: handing the list to the print
    /// shop is the deliberate act that fixes the sample).
    Now,
    /// Refuse with [`ListError::NotFinal`] (a download link: opening a page changes
    /// nothing).
    AlreadyFinal,
}

/// Why no list was made.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// No sample was drawn.
    #[error("the survey has no sample yet")]
    NoSample,
    /// The mailing list was asked for from a sample that is not final.
    #[error("the sample is not final yet")]
    NotFinal,
    /// Names and addresses were purged.
    #[error("the frame's personal data was purged; address lists can no longer be made")]
    FramePurged,
    /// A character the encoding cannot hold.
    #[error(transparent)]
    Encoding(#[from] MailingError),
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// A list as CSV bytes in `encoding` and how many people are on it. The mailing list comes
/// only from a final sample: with [`Finalise::Now`] the sample is made final once the list
/// is made, with [`Finalise::AlreadyFinal`] a sample that is not final is refused.
pub fn list_csv(
    conn: &mut DbConnection,
    survey_id: i64,
    list: List,
    encoding: TextEncoding,
) -> Result<(Vec<u8>, usize), ListError> {
    let sample = db::sample::find(conn, survey_id)?.ok_or(ListError::NoSample)?;
    if list == List::Mailing(Finalise::AlreadyFinal) && sample.letters_printed_at.is_none() {
        return Err(ListError::NotFinal);
    }
    let people = db::frame::mailing(conn, sample.id, list == List::Reminders)?;
    refuse_if_purged(&people)?;
    let bytes = mailing_csv(&people, encoding)?;
    if list == List::Mailing(Finalise::Now) {
        db::sample::mark_letters_printed(conn, sample.id)?;
    }
    Ok((bytes, people.len()))
}

/// Letters and lists need names and addresses, which a purge removed.
pub fn refuse_if_purged(people: &[db::frame::Addressee]) -> Result<(), ListError> {
    if people
        .iter()
        .any(|p| p.name.is_none() || p.address.is_none())
    {
        return Err(ListError::FramePurged);
    }
    Ok(())
}

/// The print-shop CSV of these addressees, codes grouped as printed.
pub fn mailing_csv(
    people: &[db::frame::Addressee],
    encoding: TextEncoding,
) -> Result<Vec<u8>, MailingError> {
    let grouped: Vec<String> = people
        .iter()
        .map(|p| {
            AccessCode::parse(&p.code)
                .map(|c| c.grouped())
                .unwrap_or_else(|_| p.code.clone())
        })
        .collect();
    let entries = people.iter().zip(&grouped).map(|(p, code)| MailingEntry {
        code,
        postal_code: p.postal_code.as_deref().unwrap_or_default(),
        address: p.address.as_deref().unwrap_or_default(),
        name: p.name.as_deref().unwrap_or_default(),
        stratum: &p.stratum,
    });
    mailing_list_csv(entries, encoding)
}

/// Makes the survey's sample final (no draw can replace it from then on) and returns it;
/// `None` when the survey has no sample. Making it final twice keeps the first time.
pub fn make_final(
    conn: &mut DbConnection,
    survey_id: i64,
) -> Result<Option<crate::sampling::records::SampleRecord>, DbError> {
    let sample = db::sample::find(conn, survey_id)?;
    if let Some(sample) = &sample {
        db::sample::mark_letters_printed(conn, sample.id)?;
    }
    Ok(sample)
}

//! The sample of a survey: the seeded stratified draw from its stored frame (what a person
//! asks for read into a plan by [`DrawRequest::plan`], for the command and the draw page
//! alike), making it final, and the lists for the print shop. The command line and the
//! staff pages call these; each words the errors in its own way.
//!
//! The rule for the mailing list and the letters: they come only from a final sample
//! (`samples.letters_printed_at`). A sample is made final only by a deliberate act of
//! staff — the button on the sample or letters page (a POST, [`make_final`]) or the
//! `sample mailing-list` command, whose purpose is to hand the list to the print shop
//! ([`Finalise::Now`]) — and never by opening a page: the page's `mailing.csv` asks for
//! [`Finalise::AlreadyFinal`] and is refused with [`ListError::NotFinal`] otherwise.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::{self, DbConnection, DbError};
use crate::questionnaire::Lang;
use crate::sampling::access_code::AccessCode;
use crate::sampling::age::{default_age_bands, AgeBandError, AgeBands, Eligibility};
use crate::sampling::allocation::{
    allocate, parse_explicit_sizes, AllocationError, AllocationMethod, StratumPopulation,
};
use crate::sampling::draw::{draw_sample, BadSeed, Seed};
use crate::sampling::frame::{Frame, FrameCandidate, FrameCounts, FrameDesign, FrameError};
use crate::sampling::mailing::{mailing_list_csv, MailingEntry, MailingError};
use crate::sampling::register::{Sex, TextEncoding};
use crate::sampling::strata::{parse_variables, StratumVariable, UnknownStratumVariable};

/// A draw as a person asks for it — the command's flags or the draw page's form — before
/// it is read into a [`DrawPlan`] by [`DrawRequest::plan`], the one reading both use.
#[derive(Debug, Clone)]
pub struct DrawRequest {
    /// `YYYY-MM-DD`.
    pub reference_date: String,
    /// Minimum age on the reference date.
    pub min_age: u32,
    /// Stratum variables, comma-separated (`district,age_band`; empty: one stratum).
    pub strata: String,
    /// Age bands (`16-29,30-39,...,80-`); `None` or blank: [`default_age_bands`].
    pub age_bands: Option<String>,
    /// How to allocate.
    pub allocation: AllocationRequest,
    /// n, for proportional and equal allocation.
    pub n: Option<u64>,
    /// The minimum per stratum of proportional allocation.
    pub min_per_stratum: u64,
    /// The seed as typed; `None` or blank: a fresh one ([`Seed::generate`]).
    pub seed: Option<String>,
    /// Replace a sample that is not final.
    pub replace: bool,
}

/// The allocation asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationRequest {
    /// Proportional to N_h with at least the minimum per stratum.
    Proportional,
    /// The same n_h in every stratum.
    Equal,
    /// n_h per stratum from a `stratum,n` CSV (UTF-8 or Shift_JIS).
    Explicit(Vec<u8>),
}

/// Which part of a [`DrawRequest`] is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawField {
    ReferenceDate,
    Strata,
    AgeBands,
    SampleSize,
    Sizes,
    Seed,
}

/// What is wrong with a [`DrawRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawRequestError {
    /// The reference date is not `YYYY-MM-DD`.
    Date(String),
    Strata(UnknownStratumVariable),
    AgeBands(AgeBandError),
    /// Proportional or equal allocation without n.
    NoSize,
    /// n given with explicit sizes.
    SizeWithSizes,
    /// The explicit sizes cannot be read.
    Sizes(AllocationError),
    Seed(BadSeed),
}

impl DrawRequestError {
    /// The part of the request to correct.
    pub fn field(&self) -> DrawField {
        match self {
            DrawRequestError::Date(_) => DrawField::ReferenceDate,
            DrawRequestError::Strata(_) => DrawField::Strata,
            DrawRequestError::AgeBands(_) => DrawField::AgeBands,
            DrawRequestError::NoSize | DrawRequestError::SizeWithSizes => DrawField::SampleSize,
            DrawRequestError::Sizes(_) => DrawField::Sizes,
            DrawRequestError::Seed(_) => DrawField::Seed,
        }
    }

    /// What to correct, for the draw page in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DrawRequestError::Date(text), Lang::Ja) => {
                format!("基準日「{text}」を 2026-12-01 のような日付で入力してください。")
            }
            (DrawRequestError::Date(text), Lang::En) => {
                format!("The reference date `{text}` is not a date like 2026-12-01.")
            }
            (DrawRequestError::Strata(e), _) => e.message(lang),
            (DrawRequestError::AgeBands(e), _) => e.message(lang),
            (DrawRequestError::NoSize, Lang::Ja) => {
                "標本の大きさ n を入力してください。".into()
            }
            (DrawRequestError::NoSize, Lang::En) => "Give the sample size n.".into(),
            (DrawRequestError::SizeWithSizes, Lang::Ja) => "層ごとに人数を指定するときは、標本の大きさ n は空欄にしてください（表の人数の合計が n です）。".into(),
            (DrawRequestError::SizeWithSizes, Lang::En) => "Leave n empty with explicit sizes: the table gives every n_h.".into(),
            (DrawRequestError::Sizes(e), _) => e.message(lang),
            (DrawRequestError::Seed(e), _) => e.message(lang),
        }
    }
}

impl DrawRequest {
    /// Reads the request into a plan: the date, the strata, the age bands (by default
    /// [`default_age_bands`]) covering the minimum age, the allocation and the seed.
    pub fn plan(&self) -> Result<DrawPlan, DrawRequestError> {
        let reference_date = NaiveDate::parse_from_str(self.reference_date.trim(), "%Y-%m-%d")
            .map_err(|_| DrawRequestError::Date(self.reference_date.trim().to_string()))?;
        let strata_by = parse_variables(&self.strata).map_err(DrawRequestError::Strata)?;
        let band_spec = match self.age_bands.as_deref().map(str::trim) {
            Some(spec) if !spec.is_empty() => spec.to_string(),
            _ => default_age_bands(self.min_age),
        };
        let age_bands: AgeBands = band_spec.parse().map_err(DrawRequestError::AgeBands)?;
        age_bands
            .check_covers(self.min_age)
            .map_err(DrawRequestError::AgeBands)?;
        let method = match &self.allocation {
            AllocationRequest::Explicit(bytes) => {
                if self.n.is_some() {
                    return Err(DrawRequestError::SizeWithSizes);
                }
                AllocationMethod::Explicit(
                    parse_explicit_sizes(bytes).map_err(DrawRequestError::Sizes)?,
                )
            }
            AllocationRequest::Proportional => AllocationMethod::Proportional {
                total: self.n.ok_or(DrawRequestError::NoSize)?,
                minimum: self.min_per_stratum,
            },
            AllocationRequest::Equal => AllocationMethod::Equal {
                total: self.n.ok_or(DrawRequestError::NoSize)?,
            },
        };
        let seed = match self.seed.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => text.parse().map_err(DrawRequestError::Seed)?,
            _ => Seed::generate(),
        };
        Ok(DrawPlan {
            eligibility: Eligibility {
                reference_date,
                minimum_age: self.min_age,
            },
            strata_by,
            age_bands,
            method,
            seed,
            replace: self.replace,
        })
    }
}

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
    /// The sample was made final (letters or the mailing list): no draw replaces it.
    #[error("the sample was made final on {at} UTC (for its letters and mailing list) and cannot be replaced")]
    SampleFinal { at: chrono::NaiveDateTime },
    /// Residents have already answered with the current sample's codes: replacing it would
    /// take their answers out of the survey.
    #[error("{used} of this sample's access codes have already been used to answer; the sample cannot be replaced")]
    CodesUsed { used: i64 },
    /// The plan does not fit the frame (age bands, allocation, sizes larger than strata …).
    #[error(transparent)]
    Plan(PlanProblem),
    /// A stored value that cannot be read back.
    #[error("{0}")]
    Corrupt(String),
    /// Storing failed, or the sample may no longer be replaced (final, codes used).
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Why a plan does not fit the frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanProblem {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    #[error(transparent)]
    Draw(#[from] crate::sampling::draw::DrawError),
}

impl PlanProblem {
    /// The problem in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            PlanProblem::Frame(e) => e.message(lang),
            PlanProblem::Allocation(e) => e.message(lang),
            PlanProblem::Draw(e) => e.message(lang),
        }
    }
}

impl DrawError {
    /// What went wrong and what to do, for a page in `lang`.
    pub fn message(&self, lang: Lang, zone: &chrono_tz::Tz) -> String {
        match (self, lang) {
            (DrawError::SampleExists { seed, size }, Lang::Ja) => format!(
                "この調査にはすでに標本があります（乱数の種 {seed}、n = {size}）。依頼状を出す前に抽出し直す場合は「今の標本を取り替える」にチェックを入れてください。"
            ),
            (DrawError::SampleExists { seed, size }, Lang::En) => format!(
                "The survey already has a sample (seed {seed}, n = {size}); tick \"replace the current sample\" to draw again before any letter goes out."
            ),
            (DrawError::SampleFinal { at }, Lang::Ja) => format!(
                "標本は{}に確定しています（依頼状・発送リストのため）。取り替えることはできません。",
                crate::clock::local_time(lang, *at, zone)
            ),
            (DrawError::SampleFinal { at }, Lang::En) => format!(
                "The sample was made final on {} (for its letters and mailing list) and cannot be replaced.",
                crate::clock::local_time(lang, *at, zone)
            ),
            (DrawError::CodesUsed { used }, Lang::Ja) => format!(
                "今の標本のアクセスコードで、すでに{used}人が回答しています。回答を調査から外さないよう、標本は取り替えられません。"
            ),
            (DrawError::CodesUsed { used }, Lang::En) => format!(
                "{used} residents have already answered with this sample's access codes; the sample cannot be replaced without taking their answers out of the survey."
            ),
            (DrawError::NoFrame, Lang::Ja) => "この調査には名簿がまだありません。先に住民基本台帳を取り込んでください。".into(),
            (DrawError::NoFrame, Lang::En) => "The survey has no frame yet: import the register first.".into(),
            (DrawError::FramePurged, Lang::Ja) => "名簿の個人情報は消去済みです。抽出し直すには名簿を取り込み直してください。".into(),
            (DrawError::FramePurged, Lang::En) => "The frame's personal data was purged: a new draw needs a new import.".into(),
            (DrawError::Plan(problem), _) => problem.message(lang),
            (DrawError::Corrupt(message), Lang::Ja) => format!("保存されている名簿の値を読めません（{message}）。"),
            (DrawError::Corrupt(message), Lang::En) => format!("A stored value of the frame cannot be read ({message})."),
            (DrawError::Storage(crate::db::DbError::Conflict(message)), Lang::Ja) => format!("標本を取り替えられません（{message}）。"),
            (DrawError::Storage(e), Lang::Ja) => format!("標本を保存できませんでした（{e}）。何も保存していません。"),
            (DrawError::Storage(e), Lang::En) => format!("The sample could not be stored ({e}); nothing was stored."),
        }
    }
}

/// Draws and stores the sample of a survey's stored frame.
pub fn draw(
    conn: &mut db::DbConnection,
    survey_id: i64,
    plan: &DrawPlan,
) -> Result<DrawOutcome, DrawError> {
    if let Some(existing) = db::sample::find(conn, survey_id)? {
        if let Some(at) = existing.letters_printed_at {
            return Err(DrawError::SampleFinal { at });
        }
        if !plan.replace {
            return Err(DrawError::SampleExists {
                seed: existing.seed,
                size: existing.sample_size,
            });
        }
        let used = db::sample::answered_codes(conn, existing.id)?;
        if used > 0 {
            return Err(DrawError::CodesUsed { used });
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
    .map_err(|e| DrawError::Plan(e.into()))?;
    let frame = Frame::build(candidates, design).map_err(|e| DrawError::Plan(e.into()))?;
    let populations: Vec<StratumPopulation> = frame
        .strata
        .iter()
        .map(|s| StratumPopulation {
            label: s.label.clone(),
            population: s.population,
        })
        .collect();
    let allocation = allocate(&populations, &plan.method).map_err(|e| DrawError::Plan(e.into()))?;
    let drawn =
        draw_sample(&frame, &allocation, plan.seed).map_err(|e| DrawError::Plan(e.into()))?;

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
        other => Sex::parse(other).map_err(|e| e.to_string()),
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

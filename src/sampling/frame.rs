//! The sampling frame: the residents eligible on the reference date, each in one stratum,
//! in a canonical order (by resident id) so that a draw depends only on the frame's
//! content, never on the order rows arrived in.

use std::collections::HashMap;

use chrono::NaiveDate;
use thiserror::Error;

use crate::questionnaire::Lang;

use super::age::{AgeBandError, AgeBands, Eligibility, EligibilityStatus};
use super::register::{RegisterRecord, Sex};
use super::strata::{Stratum, StratumValues, StratumVariable};

/// District, sex and age band index of a stratum while the frame is being built.
type StratumCoordinates<'a> = (Option<&'a str>, Option<Sex>, Option<usize>);

/// How the frame is defined: who is eligible and which variables make the strata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameDesign {
    /// Reference date and minimum age.
    pub eligibility: Eligibility,
    /// Age bands, required when strata use [`StratumVariable::AgeBand`].
    pub age_bands: Option<AgeBands>,
    /// Stratum variables in display order; empty for one stratum.
    pub strata_by: Vec<StratumVariable>,
}

impl FrameDesign {
    /// Checks the design: no variable twice, age bands given when used and covering every
    /// eligible age.
    pub fn new(
        eligibility: Eligibility,
        age_bands: Option<AgeBands>,
        strata_by: Vec<StratumVariable>,
    ) -> Result<Self, FrameError> {
        for (i, variable) in strata_by.iter().enumerate() {
            if strata_by[..i].contains(variable) {
                return Err(FrameError::RepeatedVariable(*variable));
            }
        }
        if strata_by.contains(&StratumVariable::AgeBand) {
            match &age_bands {
                None => return Err(FrameError::AgeBandsMissing),
                Some(bands) => bands.check_covers(eligibility.minimum_age)?,
            }
        }
        Ok(FrameDesign {
            eligibility,
            age_bands,
            strata_by,
        })
    }
}

/// What the frame needs to know about one resident. Built from a [`RegisterRecord`] or
/// from a stored frame row; names and addresses are not needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCandidate<'a> {
    /// Resident id.
    pub resident_id: &'a str,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Sex, if known.
    pub sex: Option<Sex>,
    /// District, if known.
    pub district: Option<&'a str>,
    /// Flagged to be left out.
    pub excluded: bool,
}

impl<'a> From<&'a RegisterRecord> for FrameCandidate<'a> {
    fn from(record: &'a RegisterRecord) -> Self {
        FrameCandidate {
            resident_id: record.resident_id.as_str(),
            birth_date: record.birth_date,
            sex: record.sex,
            district: record.district.as_deref(),
            excluded: record.excluded,
        }
    }
}

/// One eligible resident in the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameUnit {
    /// Resident id.
    pub resident_id: String,
    /// Position of the resident in the input the frame was built from.
    pub source_index: usize,
    /// Index into [`Frame::strata`].
    pub stratum: usize,
    /// Legal age on the reference date.
    pub age: u32,
}

/// How the register was split into frame and non-frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCounts {
    /// Residents considered.
    pub considered: u64,
    /// Left out by the exclusion flag.
    pub excluded: u64,
    /// Younger than the minimum age on the reference date.
    pub too_young: u64,
    /// Born after the reference date.
    pub not_yet_born: u64,
    /// In the frame.
    pub eligible: u64,
}

/// The eligible residents, sorted by resident id, and the strata, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The design it was built with.
    pub design: FrameDesign,
    /// Eligible residents, sorted by resident id (byte order of the id text).
    pub units: Vec<FrameUnit>,
    /// Strata with their N_h, in display order.
    pub strata: Vec<Stratum>,
    /// Who was left out and why.
    pub counts: FrameCounts,
}

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// A variable chosen twice.
    #[error("stratum variable {0} is chosen twice")]
    RepeatedVariable(StratumVariable),
    /// Strata by age band without bands.
    #[error("strata use age bands but none are defined; give bands like 16-29,30-39,...,80-")]
    AgeBandsMissing,
    /// Bad age bands.
    #[error(transparent)]
    AgeBands(#[from] AgeBandError),
    /// Residents lacking a value the strata need.
    #[error("{count} eligible resident(s) have no {variable} (first: resident id {first}); map the {variable} column in the import or stratify without it")]
    MissingValue {
        /// The variable.
        variable: StratumVariable,
        /// The first resident id lacking it.
        first: String,
        /// How many lack it.
        count: u64,
    },
    /// The same resident id twice.
    #[error("resident id {0} occurs more than once")]
    DuplicateResident(String),
    /// Nobody is eligible.
    #[error("no resident is eligible on {reference_date} at minimum age {minimum_age}; check the reference date and the birth dates")]
    Empty {
        /// Reference date.
        reference_date: NaiveDate,
        /// Minimum age.
        minimum_age: u32,
    },
    /// Two strata with the same label (a district name containing ` × `).
    #[error("two strata are both labelled `{0}`; rename the district so labels are unique")]
    AmbiguousLabel(String),
}

impl FrameError {
    /// Why the frame cannot be built and what to change, in `lang` (English is the
    /// `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            FrameError::RepeatedVariable(v) => {
                format!("層の変数「{}」が2回選ばれています。", v.label(lang))
            }
            FrameError::AgeBandsMissing => "年齢階級で層を分けるには年齢区分が必要です。16-29,30-39,...,80- のように書いてください。".into(),
            FrameError::AgeBands(e) => e.message(lang),
            FrameError::MissingValue { variable, first, count } => format!(
                "対象者{count}人に{}がありません（最初は住民番号 {first}）。名簿の取り込みで{}の列を選ぶか、{}を使わずに層を分けてください。",
                variable.label(lang),
                variable.label(lang),
                variable.label(lang)
            ),
            FrameError::DuplicateResident(id) => format!("住民番号 {id} が2回以上あります。"),
            FrameError::Empty { reference_date, minimum_age } => format!(
                "基準日 {reference_date} に{minimum_age}歳以上の対象者がいません。基準日と生年月日を確かめてください。"
            ),
            FrameError::AmbiguousLabel(label) => format!(
                "2つの層がどちらも「{label}」という名前になります。層の名前が重ならないように地区名を変えてください。"
            ),
        }
    }
}

impl Frame {
    /// Builds the frame from residents in any order.
    pub fn build<'a>(
        residents: impl IntoIterator<Item = FrameCandidate<'a>>,
        design: FrameDesign,
    ) -> Result<Frame, FrameError> {
        let uses = |variable| design.strata_by.contains(&variable);
        let (by_district, by_sex, by_band) = (
            uses(StratumVariable::District),
            uses(StratumVariable::Sex),
            uses(StratumVariable::AgeBand),
        );
        let mut counts = FrameCounts::default();
        let mut missing: Option<(StratumVariable, String, u64)> = None;
        let mut stratum_of: HashMap<StratumCoordinates<'a>, usize> = HashMap::new();
        let mut values: Vec<StratumValues> = Vec::new();
        let mut units = Vec::new();

        for (source_index, resident) in residents.into_iter().enumerate() {
            counts.considered += 1;
            let age = match design
                .eligibility
                .status(resident.birth_date, resident.excluded)
            {
                EligibilityStatus::Eligible { age } => age,
                EligibilityStatus::Excluded => {
                    counts.excluded += 1;
                    continue;
                }
                EligibilityStatus::TooYoung => {
                    counts.too_young += 1;
                    continue;
                }
                EligibilityStatus::NotYetBorn => {
                    counts.not_yet_born += 1;
                    continue;
                }
            };
            counts.eligible += 1;
            let district = if by_district { resident.district } else { None };
            let sex = if by_sex { resident.sex } else { None };
            let band = match (&design.age_bands, by_band) {
                (Some(bands), true) => bands.band_index(age),
                _ => None,
            };
            let lacking = [
                (by_district && district.is_none(), StratumVariable::District),
                (by_sex && sex.is_none(), StratumVariable::Sex),
                (by_band && band.is_none(), StratumVariable::AgeBand),
            ]
            .into_iter()
            .find_map(|(lacks, variable)| lacks.then_some(variable));
            if let Some(variable) = lacking {
                match &mut missing {
                    Some((_, _, count)) => *count += 1,
                    None => missing = Some((variable, resident.resident_id.to_string(), 1)),
                }
                continue;
            }
            let next = values.len();
            let stratum = *stratum_of.entry((district, sex, band)).or_insert_with(|| {
                values.push(StratumValues {
                    district: district.map(str::to_string),
                    sex,
                    age_band: band.and_then(|index| {
                        design
                            .age_bands
                            .as_ref()
                            .map(|bands| (index, bands.bands()[index]))
                    }),
                });
                next
            });
            units.push(FrameUnit {
                resident_id: resident.resident_id.to_string(),
                source_index,
                stratum,
                age,
            });
        }
        if let Some((variable, first, count)) = missing {
            return Err(FrameError::MissingValue {
                variable,
                first,
                count,
            });
        }
        if units.is_empty() {
            return Err(FrameError::Empty {
                reference_date: design.eligibility.reference_date,
                minimum_age: design.eligibility.minimum_age,
            });
        }

        // Put strata in display order and renumber the units' stratum indexes.
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].display_order(&values[b], &design.strata_by));
        let mut new_index = vec![0; values.len()];
        for (position, &old) in order.iter().enumerate() {
            new_index[old] = position;
        }
        let mut populations = vec![0u64; values.len()];
        for unit in &mut units {
            unit.stratum = new_index[unit.stratum];
            populations[unit.stratum] += 1;
        }
        let strata: Vec<Stratum> = order
            .iter()
            .zip(populations)
            .map(|(&old, population)| Stratum {
                label: values[old].label(&design.strata_by),
                values: values[old].clone(),
                population,
            })
            .collect();
        let mut labels: Vec<&str> = strata.iter().map(|s| s.label.as_str()).collect();
        labels.sort_unstable();
        if let Some(pair) = labels.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(FrameError::AmbiguousLabel(pair[0].to_string()));
        }

        units.sort_unstable_by(|a, b| a.resident_id.cmp(&b.resident_id));
        if let Some(pair) = units
            .windows(2)
            .find(|pair| pair[0].resident_id == pair[1].resident_id)
        {
            return Err(FrameError::DuplicateResident(pair[0].resident_id.clone()));
        }
        Ok(Frame {
            design,
            units,
            strata,
            counts,
        })
    }

    /// N: eligible residents in all.
    pub fn population(&self) -> u64 {
        self.units.len() as u64
    }
}

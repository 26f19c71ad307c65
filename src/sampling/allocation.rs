//! Allocation: how many residents to draw from each stratum (n_h).
//!
//! - Proportional with a minimum: n_h ∝ N_h, but at least `minimum` per stratum. Strata
//!   whose proportional share falls below the minimum get exactly the minimum and the rest
//!   is shared proportionally among the others, repeated until no share is below the
//!   minimum. Shares are rounded by the largest-remainder method (ties go to the stratum
//!   listed first), so the sizes sum exactly to n. All arithmetic is in integers.
//! - Equal: n / H per stratum; the n mod H left-over units go to the largest strata (ties
//!   to the stratum listed first).
//! - Explicit: sizes per stratum from a CSV `stratum,n` written by staff (the stratum
//!   summary CSV edited in a spreadsheet), UTF-8 or Shift_JIS.
//!
//! Every stratum gets at least one, and none more than it has residents.

use std::collections::{HashMap, HashSet};
use std::fmt;

use encoding_rs::SHIFT_JIS;
use thiserror::Error;

use crate::questionnaire::Lang;

/// What an allocation works on: a stratum's label and N_h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumPopulation {
    /// Stratum label.
    pub label: String,
    /// N_h.
    pub population: u64,
}

/// How to allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationMethod {
    /// Proportional to N_h with at least `minimum` per stratum; sizes sum to `total`.
    Proportional {
        /// n.
        total: u64,
        /// Minimum n_h (at least 1).
        minimum: u64,
    },
    /// The same size for every stratum; sizes sum to `total`.
    Equal {
        /// n.
        total: u64,
    },
    /// Sizes given per stratum label.
    Explicit(Vec<ExplicitSize>),
}

/// An allocation as stored with a sample and shown: the method and its numbers, without
/// the explicit sizes themselves (the strata table has them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationSummary {
    Proportional { total: u64, minimum: u64 },
    Equal { total: u64 },
    Explicit { strata: usize },
}

impl AllocationSummary {
    /// Reads the stored words back (what `Display` of [`AllocationMethod`] wrote).
    pub fn parse(stored: &str) -> Option<AllocationSummary> {
        let number = |text: &str| text.trim().parse::<u64>().ok();
        if let Some(rest) = stored.strip_prefix("proportional, n = ") {
            let (total, rest) = rest.split_once(", at least ")?;
            let minimum = rest.strip_suffix(" per stratum")?;
            return Some(AllocationSummary::Proportional {
                total: number(total)?,
                minimum: number(minimum)?,
            });
        }
        if let Some(total) = stored.strip_prefix("equal, n = ") {
            return Some(AllocationSummary::Equal {
                total: number(total)?,
            });
        }
        let strata = stored
            .strip_prefix("explicit sizes for ")?
            .strip_suffix(" strata")?;
        Some(AllocationSummary::Explicit {
            strata: number(strata)? as usize,
        })
    }

    /// The allocation in words (`proportional, n = 600, at least 10 per stratum`,
    /// `比例配分（n = 600、各層10人以上）`).
    pub fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (AllocationSummary::Proportional { total, minimum }, Lang::Ja) => {
                format!("比例配分（n = {total}、各層{minimum}人以上）")
            }
            (AllocationSummary::Proportional { total, minimum }, Lang::En) => {
                format!("proportional, n = {total}, at least {minimum} per stratum")
            }
            (AllocationSummary::Equal { total }, Lang::Ja) => format!("均等配分（n = {total}）"),
            (AllocationSummary::Equal { total }, Lang::En) => format!("equal, n = {total}"),
            (AllocationSummary::Explicit { strata }, Lang::Ja) => {
                format!("層ごとに指定（{strata}層）")
            }
            (AllocationSummary::Explicit { strata }, Lang::En) => {
                format!("explicit sizes for {strata} strata")
            }
        }
    }
}

/// A stored allocation in words in `lang`; text it cannot read is shown as it is.
pub fn describe_allocation(stored: &str, lang: Lang) -> String {
    AllocationSummary::parse(stored).map_or_else(|| stored.to_string(), |a| a.describe(lang))
}

impl AllocationMethod {
    /// What is stored and shown of the method.
    pub fn summary(&self) -> AllocationSummary {
        match self {
            AllocationMethod::Proportional { total, minimum } => AllocationSummary::Proportional {
                total: *total,
                minimum: *minimum,
            },
            AllocationMethod::Equal { total } => AllocationSummary::Equal { total: *total },
            AllocationMethod::Explicit(sizes) => AllocationSummary::Explicit {
                strata: sizes.len(),
            },
        }
    }
}

impl fmt::Display for AllocationMethod {
    /// The stored form (English; [`AllocationSummary::parse`] reads it back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary().describe(Lang::En))
    }
}

/// One row of an explicit allocation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplicitSize {
    /// Stratum label as in the stratum summary.
    pub label: String,
    /// n_h.
    pub size: u64,
    /// Line in the file, for messages (0 when not from a file).
    pub line: u64,
}

/// The size drawn from one stratum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumAllocation {
    /// Stratum label.
    pub label: String,
    /// N_h.
    pub population: u64,
    /// n_h.
    pub size: u64,
}

/// Sizes for every stratum, in the order of the strata given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Per stratum, same order as the input.
    pub strata: Vec<StratumAllocation>,
}

impl Allocation {
    /// n: the total sample size.
    pub fn total(&self) -> u64 {
        self.strata.iter().map(|s| s.size).sum()
    }
}

/// Why an allocation is impossible or its file unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    /// There are no strata.
    #[error("the frame has no strata")]
    NoStrata,
    /// n = 0.
    #[error("the sample size must be at least 1")]
    ZeroSample,
    /// The minimum is 0.
    #[error("the minimum per stratum must be at least 1, or the stratum could not be weighted")]
    ZeroMinimum,
    /// n > N.
    #[error("a sample of {requested} is larger than the frame of {population} residents")]
    LargerThanFrame {
        /// n.
        requested: u64,
        /// N.
        population: u64,
    },
    /// H × minimum > n.
    #[error("{strata} strata with at least {minimum} each need {needed}, more than the sample size {total}; lower the minimum, merge strata or raise n")]
    MinimumExceedsTotal {
        /// H.
        strata: usize,
        /// Minimum.
        minimum: u64,
        /// H × minimum.
        needed: u64,
        /// n.
        total: u64,
    },
    /// Equal allocation with n < H.
    #[error("equal allocation of {total} over {strata} strata would leave some stratum empty; raise n to at least {strata}")]
    FewerThanStrata {
        /// n.
        total: u64,
        /// H.
        strata: usize,
    },
    /// A stratum smaller than its allocation.
    #[error("stratum `{label}` has {population} residents, fewer than its allocation of {size}; lower its size or merge it with a neighbouring stratum")]
    StratumTooSmall {
        /// Stratum label.
        label: String,
        /// N_h.
        population: u64,
        /// n_h asked for.
        size: u64,
    },
    /// A stratum in the explicit file that the frame does not have.
    #[error("line {line}: no stratum is labelled `{label}`; the strata are: {known}")]
    UnknownStratum {
        /// Line in the file.
        line: u64,
        /// Label given.
        label: String,
        /// Known labels.
        known: String,
    },
    /// A stratum twice in the explicit file.
    #[error("line {line}: stratum `{label}` is listed a second time")]
    DuplicateStratum {
        /// Line in the file.
        line: u64,
        /// Label.
        label: String,
    },
    /// Strata the explicit file does not give a size for.
    #[error("no size given for stratum(s): {0}; every stratum needs a size of at least 1")]
    MissingStrata(String),
    /// A size that is not a whole number ≥ 1.
    #[error(
        "line {line}: size `{value}` for stratum `{label}` is not a whole number of at least 1"
    )]
    BadSize {
        /// Line in the file.
        line: u64,
        /// Label.
        label: String,
        /// Text given.
        value: String,
    },
    /// The explicit file is not a `stratum,n` CSV.
    #[error("allocation file, line {line}: {message}")]
    File {
        /// Line in the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

impl AllocationError {
    /// Why the allocation is impossible and what to change, in `lang` (English is the
    /// `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            AllocationError::NoStrata => "名簿に層がありません。".into(),
            AllocationError::ZeroSample => "標本の大きさ n は1以上にしてください。".into(),
            AllocationError::ZeroMinimum => "各層の最低人数は1以上にしてください（0人の層はウェイトを付けられません）。".into(),
            AllocationError::LargerThanFrame { requested, population } => format!(
                "標本の大きさ {requested} が、名簿の対象者 {population}人より大きくなっています。"
            ),
            AllocationError::MinimumExceedsTotal { strata, minimum, needed, total } => format!(
                "{strata}層にそれぞれ{minimum}人以上を割り当てると{needed}人になり、標本の大きさ {total} を超えます。最低人数を下げるか、層をまとめるか、n を増やしてください。"
            ),
            AllocationError::FewerThanStrata { total, strata } => format!(
                "{total}人を{strata}層に均等に割り当てると、0人の層ができます。n を{strata}以上にしてください。"
            ),
            AllocationError::StratumTooSmall { label, population, size } => format!(
                "層「{label}」は{population}人しかおらず、割り当て{size}人より少なくなっています。その層の人数を減らすか、隣の層とまとめてください。"
            ),
            AllocationError::UnknownStratum { line, label, known } => format!(
                "{line}行目: 「{label}」という層はありません。層は次のとおりです: {known}"
            ),
            AllocationError::DuplicateStratum { line, label } => {
                format!("{line}行目: 層「{label}」が2回目です。")
            }
            AllocationError::MissingStrata(labels) => format!(
                "次の層の人数がありません: {labels}。すべての層に1以上の人数が必要です。"
            ),
            AllocationError::BadSize { line, label, value } => format!(
                "{line}行目: 層「{label}」の人数「{value}」が1以上の整数ではありません。"
            ),
            AllocationError::File { line, message } => {
                format!("層ごとの人数の表、{line}行目: {message}")
            }
        }
    }
}

/// Allocates a sample over strata.
pub fn allocate(
    strata: &[StratumPopulation],
    method: &AllocationMethod,
) -> Result<Allocation, AllocationError> {
    if strata.is_empty() {
        return Err(AllocationError::NoStrata);
    }
    let sizes = match method {
        AllocationMethod::Proportional { total, minimum } => {
            proportional(strata, *total, *minimum)?
        }
        AllocationMethod::Equal { total } => equal(strata, *total)?,
        AllocationMethod::Explicit(sizes) => explicit(strata, sizes)?,
    };
    for (stratum, &size) in strata.iter().zip(&sizes) {
        if size > stratum.population {
            return Err(AllocationError::StratumTooSmall {
                label: stratum.label.clone(),
                population: stratum.population,
                size,
            });
        }
    }
    Ok(Allocation {
        strata: strata
            .iter()
            .zip(sizes)
            .map(|(stratum, size)| StratumAllocation {
                label: stratum.label.clone(),
                population: stratum.population,
                size,
            })
            .collect(),
    })
}

fn check_total(strata: &[StratumPopulation], total: u64) -> Result<(), AllocationError> {
    if total == 0 {
        return Err(AllocationError::ZeroSample);
    }
    let population: u64 = strata.iter().map(|s| s.population).sum();
    if total > population {
        return Err(AllocationError::LargerThanFrame {
            requested: total,
            population,
        });
    }
    Ok(())
}

fn proportional(
    strata: &[StratumPopulation],
    total: u64,
    minimum: u64,
) -> Result<Vec<u64>, AllocationError> {
    check_total(strata, total)?;
    if minimum == 0 {
        return Err(AllocationError::ZeroMinimum);
    }
    let needed = minimum.saturating_mul(strata.len() as u64);
    if needed > total {
        return Err(AllocationError::MinimumExceedsTotal {
            strata: strata.len(),
            minimum,
            needed,
            total,
        });
    }
    if let Some(small) = strata.iter().find(|s| s.population < minimum) {
        return Err(AllocationError::StratumTooSmall {
            label: small.label.clone(),
            population: small.population,
            size: minimum,
        });
    }

    // Fix strata at the minimum until every remaining proportional share reaches it.
    let mut at_minimum = vec![false; strata.len()];
    loop {
        let (free_total, free_population) = free_parts(strata, &at_minimum, total, minimum);
        let mut changed = false;
        for (i, stratum) in strata.iter().enumerate() {
            // share = free_total × N_h / free_population < minimum, in integers.
            if !at_minimum[i]
                && u128::from(free_total) * u128::from(stratum.population)
                    < u128::from(minimum) * u128::from(free_population)
            {
                at_minimum[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let (free_total, free_population) = free_parts(strata, &at_minimum, total, minimum);
    let mut sizes = vec![minimum; strata.len()];
    let mut remainders = Vec::new();
    let mut assigned = 0u64;
    for (i, stratum) in strata.iter().enumerate().filter(|(i, _)| !at_minimum[*i]) {
        let product = u128::from(free_total) * u128::from(stratum.population);
        let divisor = u128::from(free_population.max(1));
        // The floor of a share never exceeds free_total, which fits in u64.
        sizes[i] = u64::try_from(product / divisor).unwrap_or(u64::MAX);
        assigned += sizes[i];
        remainders.push((product % divisor, i));
    }
    // Largest remainder first; equal remainders in stratum order.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left_over = free_total - assigned;
    for &(_, i) in remainders.iter().take(left_over as usize) {
        sizes[i] += 1;
    }
    Ok(sizes)
}

/// The sample and population left for strata not fixed at the minimum.
fn free_parts(
    strata: &[StratumPopulation],
    at_minimum: &[bool],
    total: u64,
    minimum: u64,
) -> (u64, u64) {
    let fixed = at_minimum.iter().filter(|&&fixed| fixed).count() as u64;
    let free_population = strata
        .iter()
        .zip(at_minimum)
        .filter(|(_, &fixed)| !fixed)
        .map(|(s, _)| s.population)
        .sum();
    (total - fixed * minimum, free_population)
}

fn equal(strata: &[StratumPopulation], total: u64) -> Result<Vec<u64>, AllocationError> {
    check_total(strata, total)?;
    let count = strata.len() as u64;
    if total < count {
        return Err(AllocationError::FewerThanStrata {
            total,
            strata: strata.len(),
        });
    }
    let mut sizes = vec![total / count; strata.len()];
    let mut largest_first: Vec<usize> = (0..strata.len()).collect();
    largest_first.sort_by(|&a, &b| {
        strata[b]
            .population
            .cmp(&strata[a].population)
            .then(a.cmp(&b))
    });
    for &i in largest_first.iter().take((total % count) as usize) {
        sizes[i] += 1;
    }
    Ok(sizes)
}

fn explicit(
    strata: &[StratumPopulation],
    given: &[ExplicitSize],
) -> Result<Vec<u64>, AllocationError> {
    let position: HashMap<&str, usize> = strata
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.as_str(), i))
        .collect();
    let mut sizes = vec![None; strata.len()];
    let mut seen = HashSet::new();
    for entry in given {
        let Some(&i) = position.get(entry.label.as_str()) else {
            return Err(AllocationError::UnknownStratum {
                line: entry.line,
                label: entry.label.clone(),
                known: strata
                    .iter()
                    .map(|s| format!("`{}`", s.label))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if !seen.insert(i) {
            return Err(AllocationError::DuplicateStratum {
                line: entry.line,
                label: entry.label.clone(),
            });
        }
        if entry.size == 0 {
            return Err(AllocationError::BadSize {
                line: entry.line,
                label: entry.label.clone(),
                value: "0".to_string(),
            });
        }
        sizes[i] = Some(entry.size);
    }
    let missing: Vec<String> = strata
        .iter()
        .zip(&sizes)
        .filter(|(_, size)| size.is_none())
        .map(|(s, _)| format!("`{}`", s.label))
        .collect();
    if !missing.is_empty() {
        return Err(AllocationError::MissingStrata(missing.join(", ")));
    }
    let sizes: Vec<u64> = sizes.into_iter().flatten().collect();
    let population: u64 = strata.iter().map(|s| s.population).sum();
    let requested: u64 = sizes.iter().sum();
    if requested > population {
        return Err(AllocationError::LargerThanFrame {
            requested,
            population,
        });
    }
    Ok(sizes)
}

/// Header names of the size column in an explicit allocation file.
const SIZE_HEADERS: [&str; 7] = ["n", "n_h", "size", "Size", "標本数", "サンプル数", "配分数"];
/// Header names of the stratum column.
const STRATUM_HEADERS: [&str; 4] = ["stratum", "Stratum", "層", "層名"];

/// Reads an explicit allocation file: a header row, then one row per stratum. The stratum
/// is the column headed `stratum` (or `層`), else the first; the size is the column headed
/// `n`, `n_h`, `size` or `標本数`, else the second. Other columns are ignored, so the
/// downloaded stratum summary (`stratum,N_h,n_h,…`) can be edited and read back. UTF-8
/// (BOM allowed) or, if the bytes are not UTF-8, Shift_JIS as Excel saves it. A label that
/// is not in the frame is reported by [`allocate`], so a wrongly decoded file cannot slip
/// through.
pub fn parse_explicit_sizes(bytes: &[u8]) -> Result<Vec<ExplicitSize>, AllocationError> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or_else(|| AllocationError::File {
                line: 0,
                message: "the file is neither UTF-8 nor Shift_JIS; save it as CSV (UTF-8)".into(),
            })?,
    };
    // One line-end convention, so the CSV reader's line numbers are right.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|error| AllocationError::File {
        line: 1,
        message: error.to_string(),
    })?;
    // Exact match: `N_h` (the population) must not be taken for `n_h` (the size).
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let stratum_column = find(&STRATUM_HEADERS).unwrap_or(0);
    let size_column = find(&SIZE_HEADERS).unwrap_or(1);
    let mut sizes = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| AllocationError::File {
            line: error.position().map_or(0, |p| p.line()),
            message: error.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let label = record.get(stratum_column).unwrap_or_default().trim();
        let value = record.get(size_column).unwrap_or_default().trim();
        if label.is_empty() && value.is_empty() {
            continue;
        }
        if label.is_empty() {
            return Err(AllocationError::File {
                line,
                message: "the stratum label (first column) is empty".into(),
            });
        }
        let folded = super::text::fold_width(value).replace(',', "");
        let size = folded
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| AllocationError::BadSize {
                line,
                label: label.to_string(),
                value: value.to_string(),
            })?;
        sizes.push(ExplicitSize {
            label: label.to_string(),
            size,
            line,
        });
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strata(populations: &[u64]) -> Vec<StratumPopulation> {
        populations
            .iter()
            .enumerate()
            .map(|(i, &population)| StratumPopulation {
                label: format!("S{}", i + 1),
                population,
            })
            .collect()
    }

    fn sizes(allocation: &Allocation) -> Vec<u64> {
        allocation.strata.iter().map(|s| s.size).collect()
    }

    #[test]
    fn proportional_allocation_rounds_by_largest_remainder_to_the_exact_total() {
        // Shares of 10 over 100/200/300 (N = 600): 1.667, 3.333, 5.0 → floors 1, 3, 5
        // (9); remainders 2/3, 1/3, 0 → the first stratum gets the 10th.
        let allocation = allocate(
            &strata(&[100, 200, 300]),
            &AllocationMethod::Proportional {
                total: 10,
                minimum: 1,
            },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [2, 3, 5]);
        assert_eq!(allocation.total(), 10);
    }

    #[test]
    fn strata_below_the_minimum_get_the_minimum_and_the_rest_is_shared_proportionally() {
        // n = 100 over 50/950/1000 (N = 2000): the first share is 2.5 < 10 → 10. The other
        // 90 go over 1950: 43.85 and 46.15 → 43 + 46 = 89, the larger remainder (0.85)
        // takes the last one.
        let allocation = allocate(
            &strata(&[50, 950, 1000]),
            &AllocationMethod::Proportional {
                total: 100,
                minimum: 10,
            },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [10, 44, 46]);
    }

    #[test]
    fn fixing_one_stratum_at_the_minimum_can_push_another_below_it() {
        // A stratum of 1 cannot give the minimum of 5.

        let allocation = allocate(
            &strata(&[1, 125, 874]),
            &AllocationMethod::Proportional {
                total: 40,
                minimum: 5,
            },
        );
        assert!(matches!(
            allocation,
            Err(AllocationError::StratumTooSmall { population: 1, .. })
        ));
        // n = 40, minimum 5 over 5/125/870 (N = 1000): the first share 0.2 → 5; the second
        // share is exactly 5 at first, but of the 35 left over 995 it is 4.40 → 5 as well,
        // leaving 30 for the large stratum.
        let allocation = allocate(
            &strata(&[5, 125, 870]),
            &AllocationMethod::Proportional {
                total: 40,
                minimum: 5,
            },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [5, 5, 30]);
        // n = 12, minimum 3 over 20/100/120: 1 < 3 → 3; then 9 over 220: 4.09, 4.91 → both
        // stay; floors 4 + 4 = 8, the larger remainder takes the 9th.
        let allocation = allocate(
            &strata(&[20, 100, 120]),
            &AllocationMethod::Proportional {
                total: 12,
                minimum: 3,
            },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [3, 4, 5]);
    }

    #[test]
    fn equal_remainders_go_to_the_stratum_listed_first() {
        let allocation = allocate(
            &strata(&[100, 100, 100]),
            &AllocationMethod::Proportional {
                total: 10,
                minimum: 1,
            },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [4, 3, 3]);
    }

    #[test]
    fn impossible_proportional_allocations_are_explained() {
        assert_eq!(
            allocate(
                &strata(&[10, 10]),
                &AllocationMethod::Proportional {
                    total: 21,
                    minimum: 1
                }
            ),
            Err(AllocationError::LargerThanFrame {
                requested: 21,
                population: 20
            })
        );
        assert!(matches!(
            allocate(
                &strata(&[100, 100, 100]),
                &AllocationMethod::Proportional {
                    total: 20,
                    minimum: 7
                }
            ),
            Err(AllocationError::MinimumExceedsTotal { needed: 21, .. })
        ));
        assert!(matches!(
            allocate(
                &strata(&[3, 100]),
                &AllocationMethod::Proportional {
                    total: 20,
                    minimum: 5
                }
            ),
            Err(AllocationError::StratumTooSmall {
                population: 3,
                size: 5,
                ..
            })
        ));
        assert_eq!(
            allocate(
                &strata(&[10]),
                &AllocationMethod::Proportional {
                    total: 0,
                    minimum: 1
                }
            ),
            Err(AllocationError::ZeroSample)
        );
    }

    #[test]
    fn equal_allocation_gives_left_over_units_to_the_largest_strata() {
        let allocation = allocate(
            &strata(&[50, 300, 200]),
            &AllocationMethod::Equal { total: 8 },
        )
        .expect("feasible");
        assert_eq!(sizes(&allocation), [2, 3, 3]);
        assert!(matches!(
            allocate(
                &strata(&[2, 300, 200]),
                &AllocationMethod::Equal { total: 9 }
            ),
            Err(AllocationError::StratumTooSmall {
                population: 2,
                size: 3,
                ..
            })
        ));
        assert!(matches!(
            allocate(
                &strata(&[20, 30, 40]),
                &AllocationMethod::Equal { total: 2 }
            ),
            Err(AllocationError::FewerThanStrata { .. })
        ));
    }

    #[test]
    fn explicit_sizes_are_read_from_a_csv_and_checked_against_the_strata() {
        let file = "stratum,N_h,n_h\r\nS2,200,7\r\nS1,100,3\r\n\r\n";
        let given = parse_explicit_sizes(file.as_bytes()).expect("readable");
        let allocation =
            allocate(&strata(&[100, 200]), &AllocationMethod::Explicit(given)).expect("feasible");
        assert_eq!(sizes(&allocation), [3, 7]);

        let unknown =
            parse_explicit_sizes("stratum,n\r\nS1,3\r\nS9,4\r\n".as_bytes()).expect("readable");
        assert!(matches!(
            allocate(&strata(&[100, 200]), &AllocationMethod::Explicit(unknown)),
            Err(AllocationError::UnknownStratum { line: 3, .. })
        ));
        let missing = parse_explicit_sizes("stratum,n\nS1,3\n".as_bytes()).expect("readable");
        assert!(matches!(
            allocate(&strata(&[100, 200]), &AllocationMethod::Explicit(missing)),
            Err(AllocationError::MissingStrata(_))
        ));
        let twice =
            parse_explicit_sizes("stratum,n\nS1,3\nS2,1\nS1,2\n".as_bytes()).expect("readable");
        assert!(matches!(
            allocate(&strata(&[100, 200]), &AllocationMethod::Explicit(twice)),
            Err(AllocationError::DuplicateStratum { line: 4, .. })
        ));
        let too_big =
            parse_explicit_sizes("stratum,n\nS1,101\nS2,1\n".as_bytes()).expect("readable");
        assert!(matches!(
            allocate(&strata(&[100, 200]), &AllocationMethod::Explicit(too_big)),
            Err(AllocationError::StratumTooSmall {
                population: 100,
                size: 101,
                ..
            })
        ));
        assert!(matches!(
            parse_explicit_sizes("stratum,n\nS1,three\n".as_bytes()),
            Err(AllocationError::BadSize { line: 2, .. })
        ));
    }

    #[test]
    fn an_explicit_file_saved_by_excel_in_shift_jis_is_read() {
        let (bytes, _, unmappable) = SHIFT_JIS.encode("層,n\n北部 × 16-29,５\n");
        assert!(!unmappable);
        let given = parse_explicit_sizes(&bytes).expect("readable");
        assert_eq!(given[0].label, "北部 × 16-29");
        assert_eq!(given[0].size, 5);
    }
}

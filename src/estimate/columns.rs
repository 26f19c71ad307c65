//! Column types the estimators work on: categorical variables and outcomes with missing values.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::{EstimateError, Result};

/// A categorical column: one level code per row, with sorted level labels.
///
/// Levels are sorted numerically when every label is a number, otherwise by text, so that
/// tables list `2, 10` (not `10, 2`) and `Higashi, Kita` in a stable order.
#[derive(Debug, Clone, PartialEq)]
pub struct Categorical {
    /// Shared, so that calibration margins can keep the column without copying it.
    codes: Arc<Vec<u32>>,
    levels: Vec<String>,
    /// Rows per level.
    counts: Vec<usize>,
    /// Rows with a missing value.
    missing: usize,
}

impl Categorical {
    /// The code of a missing value.
    pub const MISSING: u32 = u32::MAX;

    /// Builds a column from text labels; an empty label is missing.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        let mut builder = CategoricalBuilder::default();
        for label in labels {
            builder.push(label.as_ref().as_bytes());
        }
        builder.finish()
    }

    /// Builds a column from codes into `levels` (use [`Categorical::MISSING`] for missing).
    pub fn from_codes(codes: Vec<u32>, levels: Vec<String>) -> Result<Self> {
        let mut counts = vec![0usize; levels.len()];
        let mut missing = 0;
        for (row, &code) in codes.iter().enumerate() {
            match counts.get_mut(code as usize) {
                Some(count) => *count += 1,
                None if code == Self::MISSING => missing += 1,
                None => {
                    return Err(EstimateError::LengthMismatch {
                        name: format!("level code on row {}", row + 1),
                        expected: levels.len(),
                        found: code as usize + 1,
                    })
                }
            }
        }
        Ok(Categorical {
            codes: Arc::new(codes),
            levels,
            counts,
            missing,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The level labels, in sorted order; codes index into this.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// The level code of every row ([`Categorical::MISSING`] when missing).
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The codes as a shared vector, for a structure that keeps the column.
    pub(crate) fn shared_codes(&self) -> Arc<Vec<u32>> {
        Arc::clone(&self.codes)
    }

    /// Number of rows with each level.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// Number of rows with a missing value.
    pub fn missing_count(&self) -> usize {
        self.missing
    }

    /// The code of a level label, if the label occurs.
    pub fn code_of(&self, label: &str) -> Option<u32> {
        self.levels
            .iter()
            .position(|l| l == label)
            .map(|c| c as u32)
    }

    /// The indicator outcome `column == label` (missing where the column is missing).
    pub fn indicator(&self, label: &str) -> Outcome {
        let code = self.code_of(label);
        let values = self
            .codes
            .iter()
            .map(|&c| {
                if c == Self::MISSING {
                    f64::NAN
                } else if Some(c) == code {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        Outcome { values }
    }
}

/// FNV-1a: labels are short and few, so a simple hash beats SipHash by a wide margin.
#[derive(Debug, Default)]
struct LabelHasher(u64);

impl Hasher for LabelHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Builds a [`Categorical`] from byte labels, one row at a time (used by the CSV reader).
#[derive(Debug, Default)]
pub(crate) struct CategoricalBuilder {
    index: HashMap<Vec<u8>, u32, BuildHasherDefault<LabelHasher>>,
    labels: Vec<String>,
    codes: Vec<u32>,
    /// The previous row's label and code: survey files are often sorted by stratum.
    last: Option<(Vec<u8>, u32)>,
}

impl CategoricalBuilder {
    /// Appends one row; an empty (or all-blank) label is missing.
    pub(crate) fn push(&mut self, label: &[u8]) {
        let label = label.trim_ascii();
        if label.is_empty() {
            self.codes.push(Categorical::MISSING);
            return;
        }
        if let Some((last_label, last_code)) = &self.last {
            if last_label.as_slice() == label {
                self.codes.push(*last_code);
                return;
            }
        }
        let code = match self.index.get(label) {
            Some(&code) => code,
            None => {
                let code = self.labels.len() as u32;
                self.index.insert(label.to_vec(), code);
                self.labels
                    .push(String::from_utf8_lossy(label).into_owned());
                code
            }
        };
        self.codes.push(code);
        match &mut self.last {
            Some((last_label, last_code)) => {
                last_label.clear();
                last_label.extend_from_slice(label);
                *last_code = code;
            }
            None => self.last = Some((label.to_vec(), code)),
        }
    }

    /// Sorts the levels and renumbers the codes accordingly.
    pub(crate) fn finish(self) -> Categorical {
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        let numbers: Option<Vec<f64>> = self
            .labels
            .iter()
            .map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        match &numbers {
            Some(values) => order.sort_by(|&a, &b| values[a].total_cmp(&values[b])),
            None => order.sort_by(|&a, &b| self.labels[a].cmp(&self.labels[b])),
        }
        let mut new_code = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_code[old] = new as u32;
        }
        let levels = order.iter().map(|&old| self.labels[old].clone()).collect();
        let mut counts = vec![0usize; order.len()];
        let mut missing = 0;
        let codes = self
            .codes
            .into_iter()
            .map(|c| {
                if c == Categorical::MISSING {
                    missing += 1;
                    c
                } else {
                    let code = new_code[c as usize];
                    counts[code as usize] += 1;
                    code
                }
            })
            .collect();
        Categorical {
            codes: Arc::new(codes),
            levels,
            counts,
            missing,
        }
    }
}

/// An outcome variable: one number per row, where NaN means "no answer" (missing).
///
/// Missing answers are excluded from every estimate the way `svymean(na.rm = TRUE)` does:
/// the estimate is for the domain of non-missing answers inside the full design.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    values: Vec<f64>,
}

impl Outcome {
    /// From optional numbers (`None` is missing).
    pub fn from_options(values: &[Option<f64>]) -> Self {
        Outcome {
            values: values.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
        }
    }

    /// From optional yes/no answers (`None` is missing).
    pub fn binary(values: &[Option<bool>]) -> Self {
        Outcome {
            values: values
                .iter()
                .map(|v| match v {
                    Some(true) => 1.0,
                    Some(false) => 0.0,
                    None => f64::NAN,
                })
                .collect(),
        }
    }

    /// From raw values where NaN marks a missing answer.
    pub fn from_values(values: Vec<f64>) -> Self {
        Outcome { values }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values, NaN where missing.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Fails unless every non-missing value is 0 or 1.
    pub(crate) fn check_binary(&self, name: &str) -> Result<()> {
        // Whole chunks without early exit, so that the common all-valid case vectorises;
        // the offending row is looked for only when there is one.
        let valid = |v: f64| (v == 0.0) | (v == 1.0) | v.is_nan();
        if self
            .values
            .chunks(64)
            .all(|chunk| chunk.iter().fold(true, |ok, &v| ok & valid(v)))
        {
            return Ok(());
        }
        match self
            .values
            .iter()
            .position(|&v| !v.is_nan() && v != 0.0 && v != 1.0)
        {
            Some(row) => Err(EstimateError::NotBinary {
                name: name.to_string(),
                row: row + 1,
                value: self.values[row],
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_levels_sort_as_numbers_and_empty_labels_are_missing() {
        let column = Categorical::from_labels(&["10", "2", "", "2"]);
        assert_eq!(column.levels(), ["2", "10"]);
        assert_eq!(column.codes(), [1, 0, Categorical::MISSING, 0]);
        assert_eq!(column.counts(), [2, 1]);
        assert_eq!(column.missing_count(), 1);
    }

    #[test]
    fn columns_from_codes_count_their_levels_and_refuse_unknown_codes() {
        let levels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let column =
            Categorical::from_codes(vec![2, Categorical::MISSING, 2, 0], levels.clone()).unwrap();
        assert_eq!(column.counts(), [1, 0, 2]);
        assert_eq!(column.missing_count(), 1);
        assert!(Categorical::from_codes(vec![0, 3], levels).is_err());
    }

    #[test]
    fn text_levels_sort_as_text() {
        let column = Categorical::from_labels(&["Nishi", "Higashi", "Kita"]);
        assert_eq!(column.levels(), ["Higashi", "Kita", "Nishi"]);
        assert_eq!(column.codes(), [2, 0, 1]);
    }

    #[test]
    fn an_indicator_keeps_missing_values_missing() {
        let column = Categorical::from_labels(&["Yes", "No", ""]);
        let y = column.indicator("Yes");
        assert_eq!(y.values()[..2], [1.0, 0.0]);
        assert!(y.values()[2].is_nan());
    }

    #[test]
    fn a_proportion_outcome_must_be_zero_or_one() {
        let y = Outcome::from_values(vec![0.0, 1.0, f64::NAN, 2.0]);
        assert!(matches!(
            y.check_binary("q1"),
            Err(EstimateError::NotBinary { row: 4, .. })
        ));
    }
}

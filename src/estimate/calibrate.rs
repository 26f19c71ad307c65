//! Calibration of the weights to register totals: post-stratification (R's `postStratify`),
//! raking (R's `rake`), weight trimming (R's `trimWeights`) and weight diagnostics.
//!
//! Besides new weights, calibration records what the variance needs to take the calibration
//! into account: the margins, and per stratum the cross-products of calibration weights by
//! margin category (see `variance.rs` for how they are used).

use std::sync::Arc;

use super::calibration::{Calibration, CellIndex, MarginCodes};
pub use super::calibration::{CalibrationKind, CalibrationReport};
use super::columns::Categorical;
use super::design::Design;
use super::{EstimateError, Result};

/// Register totals for one calibration variable: a category per respondent and a population
/// total per category.
#[derive(Debug, Clone)]
pub struct MarginTotals {
    name: String,
    labels: Vec<String>,
    totals: Vec<f64>,
    /// The category (index into `labels`) of every row.
    codes: MarginCodes,
}

impl MarginTotals {
    /// Matches the respondents' categories (`column`) with the population totals.
    ///
    /// Every category in the data needs a total, and every total needs at least one
    /// respondent (a cell without respondents cannot be weighted up).
    pub fn new(name: &str, column: &Categorical, totals: &[(String, f64)]) -> Result<Self> {
        let margin_error = |message: String| EstimateError::Margin {
            margin: name.to_string(),
            message,
        };
        let mut labels = Vec::with_capacity(totals.len());
        let mut values = Vec::with_capacity(totals.len());
        for (label, total) in totals {
            if labels.contains(label) {
                return Err(margin_error(format!("category '{label}' has two totals")));
            }
            if !(total.is_finite() && *total > 0.0) {
                return Err(margin_error(format!(
                    "the total for category '{label}' is {total}: totals must be positive numbers"
                )));
            }
            labels.push(label.clone());
            values.push(*total);
        }
        const NO_TOTAL: u32 = u32::MAX;
        let category_of_level: Vec<u32> = column
            .levels()
            .iter()
            .map(|level| {
                labels
                    .iter()
                    .position(|l| l == level)
                    .map_or(NO_TOTAL, |i| i as u32)
            })
            .collect();
        // The column's counts say whether any row is unmatched; the rows are searched only
        // to name the first one.
        let unmatched = column
            .counts()
            .iter()
            .zip(&category_of_level)
            .any(|(&count, &category)| count > 0 && category == NO_TOTAL);
        if column.missing_count() > 0 || unmatched {
            let first_bad = column.codes().iter().position(|&code| {
                code == Categorical::MISSING || category_of_level[code as usize] == NO_TOTAL
            });
            if let Some(row) = first_bad {
                let code = column.codes()[row];
                return Err(margin_error(if code == Categorical::MISSING {
                    format!(
                        "empty on data row {}: every respondent needs a category",
                        row + 1
                    )
                } else {
                    format!(
                        "category '{}' (data row {}) has no population total",
                        column.levels()[code as usize],
                        row + 1
                    )
                }));
            }
        }
        let mut respondents = vec![0usize; labels.len()];
        for (&count, &category) in column.counts().iter().zip(&category_of_level) {
            if category != NO_TOTAL {
                respondents[category as usize] += count;
            }
        }
        if let Some(empty) = respondents.iter().position(|&count| count == 0) {
            return Err(margin_error(format!(
                "category '{}' has a total but no respondents: merge it with a neighbouring category",
                labels[empty]
            )));
        }
        Ok(MarginTotals {
            name: name.to_string(),
            labels,
            totals: values,
            codes: MarginCodes {
                levels: column.shared_codes(),
                category_of_level,
            },
        })
    }

    /// The calibration variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The categories, in the order of the totals.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The population totals.
    pub fn totals(&self) -> &[f64] {
        &self.totals
    }
}

/// When raking stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RakeOptions {
    /// Largest allowed relative difference between a weighted margin and its total.
    pub tolerance: f64,
    /// Most sweeps over all margins before giving up with an error.
    pub max_iterations: usize,
}

impl Default for RakeOptions {
    fn default() -> Self {
        RakeOptions {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// The distribution of the weights and the design effect due to weighting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightDiagnostics {
    /// Number of weights.
    pub n: usize,
    /// Sum of weights (estimated population size).
    pub sum: f64,
    /// Smallest weight.
    pub min: f64,
    /// Median weight.
    pub median: f64,
    /// Largest weight.
    pub max: f64,
    /// Kish's design effect from weighting, n Σw² / (Σw)².
    pub kish_deff: f64,
    /// Kish's effective sample size, (Σw)² / Σw².
    pub kish_n_eff: f64,
}

/// Per cell: rows, Σ w and Σ w² of the weights the cells were built from.
type CellSums = Vec<[f64; 3]>;

impl CellIndex {
    /// Largest strata × joint margin categories given a dense lookup table.
    const MAX_KEYS: usize = 1 << 22;

    /// Numbers the (stratum, margin categories) combinations that occur, in order of first
    /// appearance, and sums rows, w and w² per cell in the same pass; `None` when the
    /// lookup table would be too large.
    fn new(
        design: &Design,
        margins: &[MarginTotals],
        offsets: &[usize],
    ) -> Option<(CellIndex, CellSums)> {
        let sizes: Vec<usize> = margins.iter().map(|m| m.labels.len()).collect();
        let keys = sizes
            .iter()
            .try_fold(design.n_strata(), |acc, &s| acc.checked_mul(s))
            .filter(|&keys| keys <= Self::MAX_KEYS)?;
        let mut lookup = vec![u32::MAX; keys];
        let mut index = CellIndex {
            row_cell: Vec::with_capacity(design.n_rows()),
            stratum: Vec::new(),
            cols: Vec::new(),
        };
        let mut sums: CellSums = Vec::new();
        for (row, (&h, &w)) in design.strata.iter().zip(design.weights.iter()).enumerate() {
            let key = margins
                .iter()
                .zip(&sizes)
                .fold(h as usize, |key, (m, &size)| {
                    key * size + m.codes.get(row) as usize
                });
            let mut cell = lookup[key];
            if cell == u32::MAX {
                cell = index.stratum.len() as u32;
                lookup[key] = cell;
                index.stratum.push(h);
                index.cols.extend(
                    margins
                        .iter()
                        .zip(offsets)
                        .map(|(m, offset)| (offset + m.codes.get(row) as usize) as u32),
                );
                sums.push([0.0; 3]);
            }
            index.row_cell.push(cell);
            let cell_sums = &mut sums[cell as usize];
            cell_sums[0] += 1.0;
            cell_sums[1] += w;
            cell_sums[2] += w * w;
        }
        Some((index, sums))
    }
}

impl Calibration {
    /// The calibration record of `design` (whose weights are the calibrated ones); `cells`
    /// carries each cell's Σ ω, Σ q and Σ q² when the rows were grouped into cells.
    fn new(
        design: &Design,
        margins: Vec<MarginCodes>,
        sizes: &[usize],
        cells: Option<(CellIndex, CellSums)>,
        omega: Option<Arc<Vec<f64>>>,
        sweeps: usize,
        report: CalibrationReport,
    ) -> Calibration {
        let offsets = column_offsets(sizes);
        let n_cols = sizes.iter().sum();
        let n_strata = design.n_strata();
        let q = &design.cal_weights;
        let mut cross = vec![0.0; n_cols * n_cols];
        let mut gram = vec![0.0; n_strata * n_cols * n_cols];
        let mut psu_sums = vec![0.0; n_strata * n_cols];
        let mut psu_entries: Vec<Vec<(u32, f64)>> = Vec::new();
        let k_margins = margins.len();
        let mut row_cols: Vec<u32> = Vec::new();
        let cells = match cells {
            Some((cells, per_cell)) => {
                // Spread each cell's Σ ω, Σ q and Σ q² over its columns.
                for (cell, &[omega_sum, q_sum, qq_sum]) in per_cell.iter().enumerate() {
                    let h = cells.stratum[cell] as usize;
                    let cols = &cells.cols[cell * k_margins..(cell + 1) * k_margins];
                    for &a in cols {
                        let a = a as usize;
                        psu_sums[h * n_cols + a] += q_sum;
                        for &b in cols {
                            cross[a * n_cols + b as usize] += omega_sum;
                            gram[(h * n_cols + a) * n_cols + b as usize] += qq_sum;
                        }
                    }
                }
                Some(cells)
            }
            None => {
                // One pass: every row's calibration columns, the ω cross-products and, without
                // clusters, the per-stratum Gram matrix of the rows' calibration weights.
                row_cols.reserve(design.n_rows() * k_margins);
                for row in 0..design.n_rows() {
                    let start = row_cols.len();
                    for (margin, offset) in margins.iter().zip(&offsets) {
                        row_cols.push((offset + margin.get(row) as usize) as u32);
                    }
                    let cols = &row_cols[start..];
                    let omega_row = omega.as_ref().map_or(1.0, |o| o[row]);
                    for &a in cols {
                        let cross_row = &mut cross[a as usize * n_cols..(a as usize + 1) * n_cols];
                        for &b in cols {
                            cross_row[b as usize] += omega_row;
                        }
                    }
                    if design.psu.is_none() {
                        let h = design.strata[row] as usize;
                        let qq = q[row] * q[row];
                        let g = &mut gram[h * n_cols * n_cols..(h + 1) * n_cols * n_cols];
                        for &a in cols {
                            psu_sums[h * n_cols + a as usize] += q[row];
                            let g_row = &mut g[a as usize * n_cols..(a as usize + 1) * n_cols];
                            for &b in cols {
                                g_row[b as usize] += qq;
                            }
                        }
                    }
                }
                if let Some(psu) = &design.psu {
                    psu_entries = vec![Vec::new(); design.n_psu];
                    for row in 0..design.n_rows() {
                        let entries = &mut psu_entries[psu[row] as usize];
                        for &a in &row_cols[row * k_margins..(row + 1) * k_margins] {
                            match entries.iter_mut().find(|(col, _)| *col == a) {
                                Some(entry) => entry.1 += q[row],
                                None => entries.push((a, q[row])),
                            }
                        }
                    }
                    for (j, entries) in psu_entries.iter().enumerate() {
                        let h = design.psu_stratum[j] as usize;
                        for &(a, pa) in entries {
                            psu_sums[h * n_cols + a as usize] += pa;
                            for &(b, pb) in entries {
                                gram[(h * n_cols + a as usize) * n_cols + b as usize] += pa * pb;
                            }
                        }
                    }
                }
                None
            }
        };
        // A column without calibration weight in a stratum has a zero Gram row and column
        // there, so the variance only needs the stratum's active columns.
        let active_cols = (0..n_strata)
            .map(|h| {
                (0..n_cols as u32)
                    .filter(|&a| gram[(h * n_cols + a as usize) * n_cols + a as usize] != 0.0)
                    .collect()
            })
            .collect();
        Calibration {
            row_cols,
            active_cols,
            cells,
            margins,
            offsets,
            n_cols,
            omega,
            sweeps,
            cross,
            gram,
            psu_sums,
            psu_entries,
            report,
        }
    }
}

impl Design {
    /// Rakes the weights to several margins (iterative proportional fitting), like
    /// `rake(design, list(~m1, ~m2), list(t1, t2))`.
    pub fn rake(&self, margins: &[MarginTotals], options: &RakeOptions) -> Result<Design> {
        if margins.is_empty() {
            return Err(EstimateError::Margin {
                margin: "(none)".to_string(),
                message: "raking needs at least one margin".to_string(),
            });
        }
        self.calibrate(margins, CalibrationKind::Raking, options)
    }

    /// Post-stratifies the weights on one classification, like `postStratify(design, ~v, t)`.
    pub fn post_stratify(&self, margin: &MarginTotals) -> Result<Design> {
        self.calibrate(
            std::slice::from_ref(margin),
            CalibrationKind::PostStratification,
            &RakeOptions::default(),
        )
    }

    /// Raking, or (with one margin and a single step) post-stratification.
    ///
    /// Rows are grouped into cells of equal stratum and margin categories, so the fitting
    /// works on cell totals, every row's new weight is its old one times its cell's factor,
    /// and the calibration record's per-cell sums follow from the cells' sums and factors.
    fn calibrate(
        &self,
        margins: &[MarginTotals],
        kind: CalibrationKind,
        options: &RakeOptions,
    ) -> Result<Design> {
        if self.calibration.is_some() {
            return Err(EstimateError::AlreadyCalibrated);
        }
        for margin in margins {
            self.check_rows(margin.name(), margin.codes.len())?;
        }
        let sizes: Vec<usize> = margins.iter().map(|m| m.labels.len()).collect();
        let offsets = column_offsets(&sizes);
        let cells = CellIndex::new(self, margins, &offsets);
        let table = match &cells {
            Some((index, sums)) => RakingTable {
                cell_codes: (0..margins.len())
                    .map(|k| {
                        index
                            .cols
                            .iter()
                            .skip(k)
                            .step_by(margins.len())
                            .map(|&col| col - offsets[k] as u32)
                            .collect()
                    })
                    .collect(),
                base: sums.iter().map(|s| s[1]).collect(),
            },
            None => RakingTable {
                cell_codes: margins.iter().map(|m| m.codes.to_vec()).collect(),
                base: self.weights.to_vec(),
            },
        };
        let mut factors: Vec<Vec<f64>> = sizes.iter().map(|&s| vec![1.0; s]).collect();
        let mut iterations = 0;
        let mut discrepancy = table.discrepancy(margins, &factors);
        // Post-stratification is exactly one step; raking sweeps until the margins match.
        while match kind {
            CalibrationKind::PostStratification => iterations == 0,
            CalibrationKind::Raking => discrepancy > options.tolerance,
        } {
            if iterations == options.max_iterations {
                return Err(EstimateError::RakingNotConverged {
                    iterations,
                    discrepancy,
                    tolerance: options.tolerance,
                });
            }
            for (k, margin) in margins.iter().enumerate() {
                let current = table.margin_totals(k, sizes[k], &factors);
                for (c, factor) in factors[k].iter_mut().enumerate() {
                    *factor *= margin.totals[c] / current[c];
                }
            }
            iterations += 1;
            discrepancy = table.discrepancy(margins, &factors);
        }
        let cell_factors = table.cell_factors(&factors);
        let weights: Vec<f64> = match &cells {
            Some((index, _)) => self
                .weights
                .iter()
                .zip(&index.row_cell)
                .map(|(w, &cell)| w * cell_factors[cell as usize])
                .collect(),
            None => self
                .weights
                .iter()
                .zip(&cell_factors)
                .map(|(w, f)| w * f)
                .collect(),
        };
        let (omega, sweeps) = match kind {
            CalibrationKind::Raking => (None, 10),
            CalibrationKind::PostStratification => (Some(Arc::clone(&self.weights)), 1),
        };
        // Within a cell every weight was multiplied by the same factor f, so Σ q = f Σ w and
        // Σ q² = f² Σ w²; ω is 1 for raking and the old weight for post-stratification.
        let cells = match (cells, &self.psu) {
            (Some((index, sums)), None) => {
                let calibrated = sums
                    .iter()
                    .zip(&cell_factors)
                    .map(|(&[rows, w, ww], &f)| {
                        let omega_sum = if omega.is_some() { w } else { rows };
                        [omega_sum, f * w, f * f * ww]
                    })
                    .collect();
                Some((index, calibrated))
            }
            _ => None,
        };
        let report = CalibrationReport {
            kind,
            margins: margins.iter().map(|m| m.name.clone()).collect(),
            iterations,
            max_discrepancy: discrepancy,
        };
        let weights = Arc::new(weights);
        let mut design = Design {
            cal_weights: Arc::clone(&weights),
            weights,
            strata: Arc::clone(&self.strata),
            stratum_labels: self.stratum_labels.clone(),
            psu: self.psu.clone(),
            psu_stratum: self.psu_stratum.clone(),
            n_psu: self.n_psu,
            stratum_psus: self.stratum_psus.clone(),
            stratum_fpc: self.stratum_fpc.clone(),
            lonely: self.lonely,
            calibration: None,
        };
        design.calibration = Some(Calibration::new(
            &design,
            margins.iter().map(|m| m.codes.clone()).collect(),
            &sizes,
            cells,
            omega,
            sweeps,
            report,
        ));
        Ok(design)
    }

    /// Trims weights to `[lower, upper]` and spreads what was cut equally over the weights
    /// inside the bounds, like R's `trimWeights` (`strict` repeats until no weight is
    /// outside). The calibration record is kept, as R keeps it, so variances still account
    /// for the calibration.
    pub fn trim_weights(
        &self,
        lower: Option<f64>,
        upper: Option<f64>,
        strict: bool,
    ) -> Result<Design> {
        let lower = lower.unwrap_or(f64::NEG_INFINITY);
        let upper = upper.unwrap_or(f64::INFINITY);
        if lower.partial_cmp(&upper).is_none_or(|o| o.is_gt()) || upper <= 0.0 {
            return Err(EstimateError::Trim(format!(
                "the bounds [{lower}, {upper}] are not an interval of positive weights"
            )));
        }
        let mut weights = self.weights.to_vec();
        for _ in 0..1000 {
            let outside = weights.iter().filter(|&&w| w < lower || w > upper).count();
            if outside == 0 {
                break;
            }
            if outside == weights.len() {
                return Err(EstimateError::Trim(format!(
                    "every weight lies outside [{lower}, {upper}]: nothing to spread the trimmed weight over"
                )));
            }
            let mut trimmed = 0.0;
            for w in weights.iter_mut() {
                let clamped = w.clamp(lower, upper);
                trimmed += *w - clamped;
            }
            let share = trimmed / (weights.len() - outside) as f64;
            for w in weights.iter_mut() {
                if *w < lower || *w > upper {
                    *w = w.clamp(lower, upper);
                } else {
                    *w += share;
                }
            }
            if !strict {
                break;
            }
        }
        if let Some(row) = weights.iter().position(|&w| w.is_nan() || w <= 0.0) {
            return Err(EstimateError::Trim(format!(
                "trimming leaves data row {} with weight {}",
                row + 1,
                weights[row]
            )));
        }
        let mut design = self.clone();
        design.weights = Arc::new(weights);
        if design.calibration.is_none() {
            design.cal_weights = Arc::clone(&design.weights);
        }
        Ok(design)
    }

    /// The distribution of the weights and Kish's design effect from weighting.
    pub fn weight_diagnostics(&self) -> WeightDiagnostics {
        let n = self.weights.len();
        let sum: f64 = self.weights.iter().sum();
        let sum_sq: f64 = self.weights.iter().map(|w| w * w).sum();
        let mut sorted = self.weights.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        WeightDiagnostics {
            n,
            sum,
            min: sorted[0],
            median,
            max: sorted[n - 1],
            kish_deff: n as f64 * sum_sq / (sum * sum),
            kish_n_eff: sum * sum / sum_sq,
        }
    }
}

/// The first calibration column of each margin, for margins of `sizes` categories.
fn column_offsets(sizes: &[usize]) -> Vec<usize> {
    sizes
        .iter()
        .scan(0, |next, &size| {
            let first = *next;
            *next += size;
            Some(first)
        })
        .collect()
}

/// Base weights by raking cell (cells of a [`CellIndex`], or rows when there are too many
/// cells), so that each raking sweep costs the number of cells rather than the number of
/// rows.
struct RakingTable {
    /// Category of every cell in every margin (margins × cells).
    cell_codes: Vec<Vec<u32>>,
    base: Vec<f64>,
}

impl RakingTable {
    /// The product of the margins' raking factors for every cell.
    fn cell_factors(&self, factors: &[Vec<f64>]) -> Vec<f64> {
        (0..self.base.len())
            .map(|cell| {
                self.cell_codes
                    .iter()
                    .zip(factors)
                    .fold(1.0, |product, (codes, f)| product * f[codes[cell] as usize])
            })
            .collect()
    }

    fn margin_totals(&self, k: usize, size: usize, factors: &[Vec<f64>]) -> Vec<f64> {
        let mut totals = vec![0.0; size];
        for (cell, &base) in self.base.iter().enumerate() {
            if base == 0.0 {
                continue;
            }
            let weight = self
                .cell_codes
                .iter()
                .zip(factors)
                .fold(base, |w, (codes, f)| w * f[codes[cell] as usize]);
            totals[self.cell_codes[k][cell] as usize] += weight;
        }
        totals
    }

    fn discrepancy(&self, margins: &[MarginTotals], factors: &[Vec<f64>]) -> f64 {
        let mut worst: f64 = 0.0;
        for (k, margin) in margins.iter().enumerate() {
            let current = self.margin_totals(k, margin.totals.len(), factors);
            for (c, t) in current.iter().zip(&margin.totals) {
                worst = worst.max((c / t - 1.0).abs());
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(l, t)| (l.to_string(), *t)).collect()
    }

    #[test]
    fn post_stratified_weights_add_up_to_the_totals() {
        let sex = Categorical::from_labels(&["F", "F", "M"]);
        let design = Design::builder(vec![1.0, 3.0, 2.0]).build().unwrap();
        let margin = MarginTotals::new("sex", &sex, &totals(&[("F", 80.0), ("M", 50.0)])).unwrap();
        let calibrated = design.post_stratify(&margin).unwrap();
        assert_eq!(calibrated.weights(), [20.0, 60.0, 50.0]);
    }

    #[test]
    fn a_total_without_respondents_is_an_error() {
        let sex = Categorical::from_labels(&["F", "F"]);
        let err = MarginTotals::new("sex", &sex, &totals(&[("F", 80.0), ("M", 50.0)])).unwrap_err();
        assert!(
            err.to_string()
                .contains("'M' has a total but no respondents"),
            "{err}"
        );
    }

    #[test]
    fn a_data_category_without_a_total_is_an_error() {
        let sex = Categorical::from_labels(&["F", "X"]);
        let err = MarginTotals::new("sex", &sex, &totals(&[("F", 80.0)])).unwrap_err();
        assert!(
            err.to_string()
                .contains("'X' (data row 2) has no population total"),
            "{err}"
        );
    }

    #[test]
    fn raking_reaches_both_margins() {
        let a = Categorical::from_labels(&["1", "1", "2", "2", "1"]);
        let b = Categorical::from_labels(&["x", "y", "x", "y", "y"]);
        let design = Design::builder(vec![1.0; 5]).build().unwrap();
        let ma = MarginTotals::new("a", &a, &totals(&[("1", 60.0), ("2", 40.0)])).unwrap();
        let mb = MarginTotals::new("b", &b, &totals(&[("x", 30.0), ("y", 70.0)])).unwrap();
        let raked = design.rake(&[ma, mb], &RakeOptions::default()).unwrap();
        let w = raked.weights();
        assert!((w[0] + w[1] + w[4] - 60.0).abs() < 1e-8);
        assert!((w[0] + w[2] - 30.0).abs() < 1e-8);
    }

    #[test]
    fn raking_that_cannot_converge_says_so() {
        // Inconsistent grand totals (100 vs 200) can never both be met.
        let a = Categorical::from_labels(&["1", "2"]);
        let b = Categorical::from_labels(&["x", "y"]);
        let design = Design::builder(vec![1.0; 2]).build().unwrap();
        let ma = MarginTotals::new("a", &a, &totals(&[("1", 50.0), ("2", 50.0)])).unwrap();
        let mb = MarginTotals::new("b", &b, &totals(&[("x", 100.0), ("y", 100.0)])).unwrap();
        let options = RakeOptions {
            tolerance: 1e-10,
            max_iterations: 50,
        };
        let err = design.rake(&[ma, mb], &options).unwrap_err();
        assert!(
            matches!(
                err,
                EstimateError::RakingNotConverged { iterations: 50, .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn trimming_spreads_the_excess_over_the_other_weights() {
        let design = Design::builder(vec![1.0, 2.0, 9.0]).build().unwrap();
        let trimmed = design.trim_weights(None, Some(5.0), false).unwrap();
        assert_eq!(trimmed.weights(), [3.0, 4.0, 5.0]);
    }

    #[test]
    fn kish_design_effect_is_n_times_sum_of_squares_over_squared_sum() {
        let design = Design::builder(vec![1.0, 1.0, 4.0]).build().unwrap();
        let d = design.weight_diagnostics();
        assert!((d.kish_deff - 3.0 * 18.0 / 36.0).abs() < 1e-15);
        assert_eq!((d.min, d.median, d.max), (1.0, 1.0, 4.0));
    }
}

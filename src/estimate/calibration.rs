//! What a calibration leaves on a design, below both `design.rs` (which keeps it) and
//! `calibrate.rs` (which makes it): the report, the margins' category codes and the
//! cross-products the variance estimator needs. A leaf: it knows no `Design`.

use std::sync::Arc;

/// A margin's category on every row: the data column's level codes (shared with the
/// column, not copied) read through a level → category table.
#[derive(Debug, Clone)]
pub(crate) struct MarginCodes {
    pub(crate) levels: Arc<Vec<u32>>,
    pub(crate) category_of_level: Vec<u32>,
}

impl MarginCodes {
    /// The category of `row`.
    #[inline]
    pub(crate) fn get(&self, row: usize) -> u32 {
        self.category_of_level[self.levels[row] as usize]
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.levels.len()
    }

    /// The category of every row, written out (for the row-by-row paths).
    pub(crate) fn to_vec(&self) -> Vec<u32> {
        self.levels
            .iter()
            .map(|&level| self.category_of_level[level as usize])
            .collect()
    }
}

/// Which calibration produced the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationKind {
    /// Post-stratification on one classification.
    PostStratification,
    /// Raking (iterative proportional fitting) on several margins.
    Raking,
}

/// What a calibration did, for the record next to the estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    /// Post-stratification or raking.
    pub kind: CalibrationKind,
    /// The calibration variables.
    pub margins: Vec<String>,
    /// Sweeps used (1 for post-stratification).
    pub iterations: usize,
    /// Largest relative difference between a weighted margin and its total at the end.
    pub max_discrepancy: f64,
}

/// Calibration data the variance estimator needs.
#[derive(Debug, Clone)]
pub(crate) struct Calibration {
    /// Category (column within its margin) of every row, per margin.
    pub(crate) margins: Vec<MarginCodes>,
    /// First calibration column of each margin.
    pub(crate) offsets: Vec<usize>,
    /// Total number of calibration columns (categories over all margins).
    pub(crate) n_cols: usize,
    /// Weights of the centring step: the pre-calibration weights for post-stratification
    /// (R centres at the old-weighted cell mean) and `None` (all ones) for raking.
    pub(crate) omega: Option<Arc<Vec<f64>>>,
    /// Centring sweeps over the margins: 10 for raking as in R, 1 for post-stratification.
    pub(crate) sweeps: usize,
    /// Σ ω over rows in calibration column pairs (n_cols × n_cols).
    pub(crate) cross: Vec<f64>,
    /// Per stratum: Σ over PSUs of P_j[a] P_j[b], where P_j[a] is the PSU's calibration
    /// weight in column a (n_strata × n_cols × n_cols).
    pub(crate) gram: Vec<f64>,
    /// Per stratum: Σ over PSUs of P_j[a] (n_strata × n_cols).
    pub(crate) psu_sums: Vec<f64>,
    /// For clustered designs, the non-zero P_j[a] of every PSU.
    pub(crate) psu_entries: Vec<Vec<(u32, f64)>>,
    /// Calibration column of every row in every margin, row-major (n × margins); empty
    /// when `cells` is known (see [`Calibration::row_cols`]).
    pub(crate) row_cols: Vec<u32>,
    /// Per stratum: the calibration columns with non-zero calibration weight in it.
    pub(crate) active_cols: Vec<Vec<u32>>,
    /// For designs without clusters (and not too many strata × margin categories): rows
    /// grouped by stratum and calibration columns, so that a table can sum over these cells.
    pub(crate) cells: Option<CellIndex>,
    pub(crate) report: CalibrationReport,
}

/// Rows that share stratum and calibration columns, which is all the variance needs to know
/// about a row besides its weights and outcome.
#[derive(Debug, Clone)]
pub(crate) struct CellIndex {
    /// Cell of every row.
    pub(crate) row_cell: Vec<u32>,
    /// Stratum of every cell.
    pub(crate) stratum: Vec<u32>,
    /// Calibration columns of every cell, one per margin (cells × margins).
    pub(crate) cols: Vec<u32>,
}

impl Calibration {
    /// The calibration columns of a row, one per margin.
    #[inline]
    pub(crate) fn row_cols(&self, row: usize) -> &[u32] {
        let k = self.margins.len();
        match &self.cells {
            Some(cells) => {
                let cell = cells.row_cell[row] as usize;
                &cells.cols[cell * k..(cell + 1) * k]
            }
            None => &self.row_cols[row * k..(row + 1) * k],
        }
    }

    /// The calibration adjustment a (one value per calibration column) for a score whose
    /// ω-weighted column sums are `sums`: R's repeated centring of x / w within the margin
    /// categories, carried out on the column sums instead of on every row.
    pub(crate) fn adjustment(&self, sums: &[f64]) -> Vec<f64> {
        let n = self.n_cols;
        let mut a = vec![0.0; n];
        let mut means = vec![0.0; n];
        for _ in 0..self.sweeps {
            for k in 0..self.margins.len() {
                let start = self.offsets[k];
                let end = self.offsets.get(k + 1).copied().unwrap_or(n);
                for col in start..end {
                    let row = &self.cross[col * n..(col + 1) * n];
                    let fitted: f64 = row.iter().zip(&a).map(|(c, a)| c * a).sum();
                    means[col] = (sums[col] - fitted) / row[col];
                }
                for col in start..end {
                    a[col] += means[col];
                }
            }
        }
        a
    }
}

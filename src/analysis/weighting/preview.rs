//! What a weighting would give before it is used: the distribution of the weights
//! (percentiles and a histogram), Kish's design effect, the raking iterations, the largest
//! weights with their stratum and cells, and every margin cell achieved against the register.

use super::spec::{apply, SpecError, WeightingSpec};
use super::RegisterCell;
use crate::analysis::{base_design, Respondent};
use crate::estimate::WeightDiagnostics;

/// One bar of the histogram: weights in `[from, to)` (the last bar includes `to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
}

/// One of the largest weights.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeWeight {
    pub weight: f64,
    pub stratum: String,
    /// The respondent's cell in every margin, in margin order.
    pub cells: Vec<String>,
}

/// One margin cell: respondents, the register's total and the sum of the new weights.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginCell {
    pub level: String,
    pub respondents: usize,
    pub register: f64,
    pub achieved: f64,
}

/// One margin with its cells and what was merged.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginCheck {
    pub kind: super::MarginKind,
    pub cells: Vec<MarginCell>,
    pub merged: Vec<(String, Vec<String>)>,
}

/// The preview of one specification on one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub spec: WeightingSpec,
    pub diagnostics: WeightDiagnostics,
    /// Percentiles 5, 25, 50, 75 and 95 (R's `quantile`, type 7).
    pub percentiles: Vec<(u8, f64)>,
    pub histogram: Vec<Bin>,
    pub iterations: usize,
    pub max_discrepancy: f64,
    pub trimmed: usize,
    /// The ten largest weights, largest first.
    pub largest: Vec<LargeWeight>,
    pub margins: Vec<MarginCheck>,
}

/// Bars of the histogram.
pub const BINS: usize = 12;
/// How many of the largest weights are listed.
pub const LARGEST: usize = 10;

/// The weights `spec` would give `respondents`, described; or why it cannot be used.
pub fn preview(
    spec: &WeightingSpec,
    respondents: &[Respondent],
    register: &[RegisterCell],
) -> Result<Preview, SpecError> {
    let base = base_design(respondents).map_err(|e| SpecError::Engine(e.to_string()))?;
    let applied = apply(spec, &base, respondents, register)?;
    let weights = applied.design.weights();
    let mut sorted = weights.to_vec();
    sorted.sort_by(f64::total_cmp);
    let percentiles = [5u8, 25, 50, 75, 95]
        .iter()
        .map(|&p| (p, quantile(&sorted, f64::from(p) / 100.0)))
        .collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    let largest = order
        .iter()
        .take(LARGEST)
        .map(|&row| LargeWeight {
            weight: weights[row],
            stratum: respondents[row].stratum.clone(),
            cells: applied
                .margins
                .iter()
                .map(|m| m.cells[row].clone())
                .collect(),
        })
        .collect();
    let margins = applied
        .margins
        .iter()
        .map(|m| {
            let cells = m
                .totals
                .iter()
                .zip(&m.respondents)
                .map(|((level, total), &n)| MarginCell {
                    level: level.clone(),
                    respondents: n,
                    register: *total,
                    achieved: m
                        .cells
                        .iter()
                        .zip(weights)
                        .filter(|(cell, _)| *cell == level)
                        .map(|(_, w)| w)
                        .sum(),
                })
                .collect();
            MarginCheck {
                kind: m.kind,
                cells,
                merged: m.merged.clone(),
            }
        })
        .collect();
    Ok(Preview {
        spec: spec.clone(),
        diagnostics: applied.design.weight_diagnostics(),
        percentiles,
        histogram: histogram(&sorted),
        iterations: applied.iterations,
        max_discrepancy: applied.max_discrepancy,
        trimmed: applied.trimmed,
        largest,
        margins,
    })
}

/// R's default quantile (type 7) of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let low = h.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
}

/// [`BINS`] bars of equal width from the smallest to the largest weight.
fn histogram(sorted: &[f64]) -> Vec<Bin> {
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    if max <= min {
        return vec![Bin {
            from: min,
            to: max,
            count: sorted.len(),
        }];
    }
    let width = (max - min) / BINS as f64;
    let mut bins: Vec<Bin> = (0..BINS)
        .map(|i| Bin {
            from: min + width * i as f64,
            to: if i + 1 == BINS {
                max
            } else {
                min + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for &w in sorted {
        let i = (((w - min) / width) as usize).min(BINS - 1);
        bins[i].count += 1;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_rs_type_7_and_the_histogram_counts_every_weight() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert!((quantile(&sorted, 0.95) - 8.8).abs() < 1e-12);
        assert!((quantile(&sorted, 0.05) - 1.2).abs() < 1e-12);
        let bins = histogram(&sorted);
        assert_eq!(bins.len(), BINS);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 5);
        assert_eq!(bins[BINS - 1].count, 1);
    }
}

//! The survey design: weights, strata, one-stage clusters, finite population correction and
//! the lonely-PSU rule — R's `svydesign(ids, strata, weights, fpc)`.

use std::collections::HashMap;
use std::sync::Arc;

use super::calibration::{Calibration, CalibrationReport};
use super::columns::Categorical;
use super::{EstimateError, Result};

/// What to do with a stratum that has a single primary sampling unit (R's
/// `options(survey.lonely.psu = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LonelyPsu {
    /// Centre the lonely unit at the population mean (zero) instead of its stratum mean.
    #[default]
    Adjust,
    /// Refuse to build the design.
    Fail,
    /// Treat the lonely unit as sampled with certainty: it adds no variance.
    Certainty,
    /// Replace the lonely stratum's variance by the average of the other strata.
    Average,
}

impl LonelyPsu {
    /// The name R uses for this rule.
    pub fn as_str(self) -> &'static str {
        match self {
            LonelyPsu::Adjust => "adjust",
            LonelyPsu::Fail => "fail",
            LonelyPsu::Certainty => "certainty",
            LonelyPsu::Average => "average",
        }
    }
}

/// Collects the columns of a design; [`DesignBuilder::build`] checks and freezes them.
#[derive(Debug, Clone)]
pub struct DesignBuilder {
    weights: Vec<f64>,
    strata: Option<(String, Categorical)>,
    clusters: Option<(String, Categorical)>,
    fpc: Option<(String, Vec<f64>)>,
    lonely_psu: LonelyPsu,
}

impl DesignBuilder {
    /// Stratum of every row (`svydesign(strata = ~col)`).
    pub fn strata(mut self, name: impl Into<String>, column: Categorical) -> Self {
        self.strata = Some((name.into(), column));
        self
    }

    /// Primary sampling unit (cluster) of every row (`svydesign(ids = ~col)`); cluster labels
    /// are taken within their stratum, as with `nest = TRUE`.
    pub fn clusters(mut self, name: impl Into<String>, column: Categorical) -> Self {
        self.clusters = Some((name.into(), column));
        self
    }

    /// Population size of the row's stratum (number of primary sampling units in the
    /// population), the same on every row of a stratum (`svydesign(fpc = ~col)`).
    pub fn fpc(mut self, name: impl Into<String>, population_sizes: Vec<f64>) -> Self {
        self.fpc = Some((name.into(), population_sizes));
        self
    }

    /// The lonely-PSU rule (default [`LonelyPsu::Adjust`]).
    pub fn lonely_psu(mut self, rule: LonelyPsu) -> Self {
        self.lonely_psu = rule;
        self
    }

    /// Checks every column and builds the design.
    pub fn build(self) -> Result<Design> {
        let n = self.weights.len();
        if n == 0 {
            return Err(EstimateError::NoRows);
        }
        if let Some(row) = self
            .weights
            .iter()
            .position(|w| !(w.is_finite() && *w > 0.0))
        {
            let value = self.weights[row];
            return Err(EstimateError::InvalidWeight {
                row: row + 1,
                value: if value.is_nan() {
                    "missing".to_string()
                } else {
                    value.to_string()
                },
            });
        }
        let (strata, stratum_labels) = match &self.strata {
            Some((name, column)) => {
                check_length(name, column.len(), n)?;
                check_complete(name, column)?;
                (column.codes().to_vec(), column.levels().to_vec())
            }
            None => (vec![0; n], vec!["all".to_string()]),
        };
        let n_strata = stratum_labels.len();

        let (psu, psu_stratum) = match &self.clusters {
            Some((name, column)) => {
                check_length(name, column.len(), n)?;
                check_complete(name, column)?;
                let mut index: HashMap<(u32, u32), u32> = HashMap::new();
                let mut psu_stratum = Vec::new();
                let psu: Vec<u32> = column
                    .codes()
                    .iter()
                    .zip(&strata)
                    .map(|(&cluster, &stratum)| {
                        *index.entry((stratum, cluster)).or_insert_with(|| {
                            psu_stratum.push(stratum);
                            psu_stratum.len() as u32 - 1
                        })
                    })
                    .collect();
                (Some(psu), psu_stratum)
            }
            None => (None, Vec::new()),
        };
        let mut stratum_psus = vec![0usize; n_strata];
        match &psu {
            Some(_) => psu_stratum
                .iter()
                .for_each(|&h| stratum_psus[h as usize] += 1),
            None => strata.iter().for_each(|&h| stratum_psus[h as usize] += 1),
        }
        let n_psu = if psu.is_some() { psu_stratum.len() } else { n };
        if self.strata.is_none() && n_psu == 1 {
            return Err(EstimateError::SinglePsu);
        }

        let mut stratum_fpc = vec![1.0; n_strata];
        if let Some((name, sizes)) = &self.fpc {
            check_length(name, sizes.len(), n)?;
            let mut population: Vec<Option<f64>> = vec![None; n_strata];
            for (row, (&size, &h)) in sizes.iter().zip(&strata).enumerate() {
                if !(size.is_finite() && size > 0.0) {
                    return Err(EstimateError::InvalidFpc {
                        row: row + 1,
                        value: if size.is_nan() {
                            "missing".to_string()
                        } else {
                            size.to_string()
                        },
                    });
                }
                match population[h as usize] {
                    None => population[h as usize] = Some(size),
                    Some(first) if first != size => {
                        return Err(EstimateError::FpcNotConstant {
                            stratum: stratum_labels[h as usize].clone(),
                            first,
                            other: size,
                        })
                    }
                    Some(_) => {}
                }
            }
            for h in 0..n_strata {
                if let Some(size) = population[h] {
                    let sampled = stratum_psus[h];
                    if size < sampled as f64 {
                        return Err(EstimateError::FpcBelowSampleSize {
                            stratum: stratum_labels[h].clone(),
                            fpc: size,
                            sampled,
                        });
                    }
                    stratum_fpc[h] = (size - sampled as f64) / size;
                }
            }
        }
        if self.lonely_psu == LonelyPsu::Fail {
            if let Some(h) = stratum_psus.iter().position(|&count| count == 1) {
                return Err(EstimateError::LonelyPsu {
                    stratum: stratum_labels[h].clone(),
                });
            }
        }
        let weights = Arc::new(self.weights);
        Ok(Design {
            cal_weights: Arc::clone(&weights),
            weights,
            strata: Arc::new(strata),
            stratum_labels,
            psu,
            psu_stratum,
            n_psu,
            stratum_psus,
            stratum_fpc,
            lonely: self.lonely_psu,
            calibration: None,
        })
    }
}

fn check_length(name: &str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(EstimateError::LengthMismatch {
            name: name.to_string(),
            expected,
            found,
        })
    }
}

fn check_complete(name: &str, column: &Categorical) -> Result<()> {
    match column
        .codes()
        .iter()
        .position(|&c| c == Categorical::MISSING)
    {
        Some(row) => Err(EstimateError::MissingDesignValue {
            column: name.to_string(),
            row: row + 1,
        }),
        None => Ok(()),
    }
}

/// A survey design over `n` respondents (rows), possibly calibrated.
///
/// Build one with [`Design::builder`]; calibrate with [`Design::rake`] or
/// [`Design::post_stratify`]; estimate with [`Design::proportion`] and friends.
#[derive(Debug, Clone)]
pub struct Design {
    /// Final weights used by the estimators.
    pub(crate) weights: Arc<Vec<f64>>,
    /// Weights recorded by the calibration (R's `attr(postStrata, "weights")`); the same
    /// vector as `weights` unless the design was trimmed after calibration. Columns are
    /// shared between a design and the designs calibrated or trimmed from it.
    pub(crate) cal_weights: Arc<Vec<f64>>,
    pub(crate) strata: Arc<Vec<u32>>,
    pub(crate) stratum_labels: Vec<String>,
    /// Global PSU index of every row; `None` when every row is its own PSU.
    pub(crate) psu: Option<Vec<u32>>,
    pub(crate) psu_stratum: Vec<u32>,
    pub(crate) n_psu: usize,
    pub(crate) stratum_psus: Vec<usize>,
    /// Finite population correction factor (N_h - n_h) / N_h, or 1 without fpc.
    pub(crate) stratum_fpc: Vec<f64>,
    pub(crate) lonely: LonelyPsu,
    pub(crate) calibration: Option<Calibration>,
}

impl Design {
    /// Starts a design from the base (sampling) weights, one per respondent.
    pub fn builder(weights: Vec<f64>) -> DesignBuilder {
        DesignBuilder {
            weights,
            strata: None,
            clusters: None,
            fpc: None,
            lonely_psu: LonelyPsu::Adjust,
        }
    }

    /// Number of respondents (rows).
    pub fn n_rows(&self) -> usize {
        self.weights.len()
    }

    /// The current (final) weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of strata (1 for an unstratified design).
    pub fn n_strata(&self) -> usize {
        self.stratum_labels.len()
    }

    /// Number of primary sampling units.
    pub fn n_psu(&self) -> usize {
        self.n_psu
    }

    /// The lonely-PSU rule in force.
    pub fn lonely_psu(&self) -> LonelyPsu {
        self.lonely
    }

    /// Design degrees of freedom: PSUs minus strata (R's `degf`).
    pub fn degrees_of_freedom(&self) -> usize {
        self.n_psu - self.n_strata()
    }

    /// True when the final weights are the calibration weights (no trimming since), so
    /// that w / q = 1 and w·q = w² on every row.
    pub(crate) fn weights_are_calibration_weights(&self) -> bool {
        Arc::ptr_eq(&self.weights, &self.cal_weights)
    }

    /// The calibration done on this design, if any.
    pub fn calibration_report(&self) -> Option<&CalibrationReport> {
        self.calibration.as_ref().map(|c| &c.report)
    }

    /// True when the weights were raked or post-stratified.
    pub fn is_calibrated(&self) -> bool {
        self.calibration.is_some()
    }

    pub(crate) fn check_rows(&self, name: &str, len: usize) -> Result<()> {
        check_length(name, len, self.n_rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_positive_weight_is_reported_with_its_row() {
        let err = Design::builder(vec![1.0, 0.0]).build().unwrap_err();
        assert!(
            matches!(err, EstimateError::InvalidWeight { row: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_fpc_below_the_sample_size_is_refused() {
        let strata = Categorical::from_labels(&["a", "a", "a", "b", "b"]);
        let err = Design::builder(vec![1.0; 5])
            .strata("s", strata)
            .fpc("N", vec![2.0, 2.0, 2.0, 10.0, 10.0])
            .build()
            .unwrap_err();
        assert!(
            matches!(err, EstimateError::FpcBelowSampleSize { sampled: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn the_fail_rule_refuses_a_stratum_with_one_unit() {
        let strata = Categorical::from_labels(&["a", "a", "b"]);
        let err = Design::builder(vec![1.0; 3])
            .strata("s", strata)
            .lonely_psu(LonelyPsu::Fail)
            .build()
            .unwrap_err();
        assert!(matches!(err, EstimateError::LonelyPsu { ref stratum } if stratum == "b"));
    }

    #[test]
    fn clusters_are_counted_within_their_stratum() {
        let strata = Categorical::from_labels(&["a", "a", "b", "b"]);
        let clusters = Categorical::from_labels(&["1", "1", "1", "2"]);
        let design = Design::builder(vec![1.0; 4])
            .strata("s", strata)
            .clusters("c", clusters)
            .build()
            .unwrap();
        assert_eq!(design.n_psu(), 3);
        assert_eq!(design.degrees_of_freedom(), 1);
    }
}

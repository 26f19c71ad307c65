//! Estimators over a design: proportions (with confidence intervals, design effect,
//! effective sample size and presentation flags), means and totals, for the whole
//! population or for domains computed inside the full design.

use super::columns::{Categorical, Outcome};
use super::design::Design;
use std::cell::RefCell;
use std::collections::HashMap;

use super::distributions::{beta_quantile, standard_normal_quantile, t_quantile};
use super::presentation::Presentation;
use super::variance::{Grouping, Moments};
use super::{EstimateError, Result};

/// How the confidence interval of a proportion is formed (R's `svyciprop(method = ...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiMethod {
    /// Wald interval on the logit scale with t on the domain's degrees of freedom
    /// (`method = "logit"`).
    #[default]
    Logit,
    /// Korn–Graubard (`method = "beta"`), the interval the NCHS rules are based on.
    Beta,
    /// p ± t·SE (`method = "mean"`).
    Wald,
}

impl CiMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            CiMethod::Logit => "logit",
            CiMethod::Beta => "beta",
            CiMethod::Wald => "wald",
        }
    }
}

/// Interval method and confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimateOptions {
    /// Interval method.
    pub ci: CiMethod,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        EstimateOptions {
            ci: CiMethod::Logit,
            level: 0.95,
        }
    }
}

/// Which respondents an estimate is about.
#[derive(Debug, Clone, Copy)]
pub enum Domain<'a> {
    /// Everyone.
    All,
    /// The rows marked true.
    Mask(&'a [bool]),
    /// The rows where the categorical column has the given level.
    Level(&'a Categorical, &'a str),
}

/// A weighted proportion with everything a table cell needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProportionEstimate {
    /// Respondents in the domain with an answer (unweighted).
    pub n: usize,
    /// Weighted proportion.
    pub estimate: f64,
    /// Standard error (NaN only when no stratum could give a variance).
    pub se: f64,
    /// Confidence interval, when one exists: there is none without degrees of freedom, and
    /// no logit interval when p is 0 or 1.
    pub ci: Option<(f64, f64)>,
    /// Weighted count of respondents with the outcome (population estimate).
    pub total: f64,
    /// Standard error of `total`.
    pub total_se: f64,
    /// Design effect (R's `svymean(deff = TRUE)`), when defined.
    pub deff: Option<f64>,
    /// NCHS effective sample size p(1 − p)/SE², capped at `n` (and `n` when p is 0 or 1).
    pub n_eff: f64,
    /// Degrees of freedom: the domain's PSUs minus its strata, counting the domain's
    /// respondents whose answer is missing (R's `degf(subset(design, domain))`).
    pub df: usize,
    /// Presentation decision.
    pub presentation: Presentation,
}

/// A weighted mean and total of a numeric outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanEstimate {
    /// Respondents in the domain with an answer.
    pub n: usize,
    /// Weighted mean.
    pub estimate: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// Weighted total.
    pub total: f64,
    /// Standard error of the total.
    pub total_se: f64,
    /// Degrees of freedom, as for a proportion: the domain's PSUs minus its strata,
    /// respondents without an answer included (R's `degf(subset(design, domain))`, the df
    /// to give `confint(svymean(...), df = )`).
    pub df: usize,
}

/// A proportion for everyone and for the levels of several subgroup variables
/// ([`Design::proportion_tables`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProportionTables {
    /// Everyone who answered; `None` when nobody did.
    pub overall: Option<ProportionEstimate>,
    /// One table per subgroup variable, in the order asked for, levels in the variable's
    /// order.
    pub tables: Vec<Vec<LevelEstimate<ProportionEstimate>>>,
}

/// One level of a subgroup table; `estimate` is `None` when nobody in the level answered.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelEstimate<T> {
    /// The level's label.
    pub level: String,
    /// Respondents in the level with an answer.
    pub n: usize,
    /// The estimate, if the level has respondents.
    pub estimate: Option<T>,
}

impl Design {
    /// A weighted proportion of a 0/1 outcome in a domain (R: `svymean`, `svytotal` and
    /// `svyciprop` on `subset(design, domain & !is.na(y))`).
    pub fn proportion(
        &self,
        outcome: &Outcome,
        domain: Domain,
        options: &EstimateOptions,
    ) -> Result<ProportionEstimate> {
        self.check_proportion_inputs(outcome, options)?;
        let (grouping, level) = self.grouping(domain)?;
        let m = self
            .binary_moments_many(outcome.values(), std::slice::from_ref(&grouping))
            .pop()
            .ok_or(EstimateError::EmptyDomain)?;
        let t = TQuantiles::default();
        self.finish_proportion(outcome.values(), &grouping, &m, level, options, &t)
            .ok_or(EstimateError::EmptyDomain)
    }

    /// A proportion for every level of `by`, from one pass over the data (R: `svyby`).
    pub fn proportion_by(
        &self,
        outcome: &Outcome,
        by: &Categorical,
        options: &EstimateOptions,
    ) -> Result<Vec<LevelEstimate<ProportionEstimate>>> {
        Ok(self
            .proportion_tables(outcome, &[by], options)?
            .tables
            .pop()
            .unwrap_or_default())
    }

    /// The proportion for everyone and for every level of each variable in `by`, all from
    /// the same single pass over the data.
    pub fn proportion_tables(
        &self,
        outcome: &Outcome,
        by: &[&Categorical],
        options: &EstimateOptions,
    ) -> Result<ProportionTables> {
        self.check_proportion_inputs(outcome, options)?;
        for column in by {
            self.check_rows("by", column.len())?;
        }
        let groupings: Vec<Grouping> = std::iter::once(Grouping::All)
            .chain(by.iter().map(|column| Grouping::Levels {
                codes: column.codes(),
                levels: column.levels().len(),
            }))
            .collect();
        let moments = self.binary_moments_many(outcome.values(), &groupings);
        let t = TQuantiles::default();
        let y = outcome.values();
        let overall = self.finish_proportion(y, &groupings[0], &moments[0], 0, options, &t);
        let tables = by
            .iter()
            .zip(&groupings[1..])
            .zip(&moments[1..])
            .map(|((column, grouping), m)| {
                column
                    .levels()
                    .iter()
                    .enumerate()
                    .map(|(l, label)| LevelEstimate {
                        level: label.clone(),
                        n: m.n[l],
                        estimate: self.finish_proportion(y, grouping, m, l, options, &t),
                    })
                    .collect()
            })
            .collect();
        Ok(ProportionTables { overall, tables })
    }

    /// A weighted mean and total of a numeric outcome in a domain (R: `svymean`, `svytotal`).
    pub fn mean(&self, outcome: &Outcome, domain: Domain) -> Result<MeanEstimate> {
        self.check_rows("outcome", outcome.len())?;
        let (grouping, level) = self.grouping(domain)?;
        let m = self.moments(outcome.values(), &grouping);
        self.finish_mean(outcome.values(), &grouping, &m, level)
            .ok_or(EstimateError::EmptyDomain)
    }

    /// A mean and total for every level of `by`.
    pub fn mean_by(
        &self,
        outcome: &Outcome,
        by: &Categorical,
    ) -> Result<Vec<LevelEstimate<MeanEstimate>>> {
        self.check_rows("outcome", outcome.len())?;
        self.check_rows("by", by.len())?;
        let grouping = Grouping::Levels {
            codes: by.codes(),
            levels: by.levels().len(),
        };
        let m = self.moments(outcome.values(), &grouping);
        Ok(by
            .levels()
            .iter()
            .enumerate()
            .map(|(l, label)| LevelEstimate {
                level: label.clone(),
                n: m.n[l],
                estimate: self.finish_mean(outcome.values(), &grouping, &m, l),
            })
            .collect())
    }

    fn check_proportion_inputs(&self, outcome: &Outcome, options: &EstimateOptions) -> Result<()> {
        self.check_rows("outcome", outcome.len())?;
        outcome.check_binary("outcome")?;
        if !(options.level > 0.0 && options.level < 1.0) {
            return Err(EstimateError::InvalidLevel(options.level));
        }
        Ok(())
    }

    fn grouping<'a>(&self, domain: Domain<'a>) -> Result<(Grouping<'a>, usize)> {
        Ok(match domain {
            Domain::All => (Grouping::All, 0),
            Domain::Mask(mask) => {
                self.check_rows("domain", mask.len())?;
                (Grouping::Mask(mask), 0)
            }
            Domain::Level(column, label) => {
                self.check_rows("domain", column.len())?;
                let level = column.code_of(label).ok_or(EstimateError::EmptyDomain)?;
                let grouping = Grouping::Levels {
                    codes: column.codes(),
                    levels: column.levels().len(),
                };
                (grouping, level as usize)
            }
        })
    }

    fn finish_mean(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        l: usize,
    ) -> Option<MeanEstimate> {
        let n = m.n[l];
        if n == 0 {
            return None;
        }
        let (w, t) = (m.sum_w[l], m.sum_wy[l]);
        let mean = t / w;
        Some(MeanEstimate {
            n,
            estimate: mean,
            se: self.variance(y, grouping, m, l, 1.0 / w, -mean / w).sqrt(),
            total: t,
            total_se: self.variance(y, grouping, m, l, 1.0, 0.0).sqrt(),
            df: self.domain_df(m, l),
        })
    }

    fn finish_proportion(
        &self,
        y: &[f64],
        grouping: &Grouping,
        m: &Moments,
        l: usize,
        options: &EstimateOptions,
        quantiles: &TQuantiles,
    ) -> Option<ProportionEstimate> {
        let n = m.n[l];
        if n == 0 {
            return None;
        }
        let (w, t) = (m.sum_w[l], m.sum_wy[l]);
        let p = t / w;
        let variance = self.variance(y, grouping, m, l, 1.0 / w, -p / w);
        let se = variance.sqrt();
        let df = self.domain_df(m, l);
        // R's svyciprop(method = "beta") uses nrow(design) of subset(design, domain): for a
        // calibrated design the subset keeps every row (with weight zero), otherwise the
        // domain's rows, those without an answer included.
        let design_rows = if self.is_calibrated() {
            self.n_rows()
        } else {
            m.rows[l]
        };
        let interior = p > 0.0 && p < 1.0;
        let ci = match options.ci {
            CiMethod::Logit => logit_interval(p, variance, df, options.level, quantiles),
            CiMethod::Beta => {
                korn_graubard(p, variance, n, design_rows, df, options.level, quantiles)
            }
            CiMethod::Wald => wald_interval(p, variance, df, options.level, quantiles),
        };
        let deff = if interior && n > 1 && w > n as f64 && variance.is_finite() {
            let srs = p * (1.0 - p) * (w - n as f64) / ((n as f64 - 1.0) * w);
            Some(variance / srs)
        } else {
            None
        };
        let n_eff = if interior && variance > 0.0 {
            (p * (1.0 - p) / variance).min(n as f64)
        } else {
            n as f64
        };
        let kg95 = korn_graubard(p, variance, n, design_rows, df, 0.95, quantiles);
        Some(ProportionEstimate {
            n,
            estimate: p,
            se,
            ci,
            total: t,
            total_se: self.variance(y, grouping, m, l, 1.0, 0.0).sqrt(),
            deff,
            n_eff,
            df,
            presentation: Presentation::assess(n, p, n_eff, kg95, df),
        })
    }
}

/// Student t quantiles remembered within one call: the cells of a table share their
/// degrees of freedom and design size, and each quantile costs an inverse incomplete beta.
#[derive(Default)]
struct TQuantiles {
    known: RefCell<HashMap<(u64, u64), f64>>,
}

impl TQuantiles {
    /// [`t_quantile`], with the same reflection for p above one half so that the values are
    /// exactly those `t_quantile` gives.
    fn quantile(&self, p: f64, df: f64) -> f64 {
        if p == 0.5 {
            return 0.0;
        }
        if p > 0.5 {
            return -self.quantile(1.0 - p, df);
        }
        let key = (p.to_bits(), df.to_bits());
        if let Some(&value) = self.known.borrow().get(&key) {
            return value;
        }
        let value = t_quantile(p, df);
        self.known.borrow_mut().insert(key, value);
        value
    }
}

fn logit_interval(
    p: f64,
    variance: f64,
    df: usize,
    level: f64,
    t: &TQuantiles,
) -> Option<(f64, f64)> {
    if !(p > 0.0 && p < 1.0) || df == 0 || !variance.is_finite() {
        return None;
    }
    if variance == 0.0 {
        return Some((p, p));
    }
    let half = t.quantile(0.5 + level / 2.0, df as f64) * variance.sqrt() / (p * (1.0 - p));
    let centre = (p / (1.0 - p)).ln();
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    Some((expit(centre - half), expit(centre + half)))
}

fn wald_interval(
    p: f64,
    variance: f64,
    df: usize,
    level: f64,
    t: &TQuantiles,
) -> Option<(f64, f64)> {
    if df == 0 || !variance.is_finite() {
        return None;
    }
    let half = t.quantile(0.5 + level / 2.0, df as f64) * variance.sqrt();
    Some((p - half, p + half))
}

/// Korn–Graubard interval as R's `svyciprop(method = "beta")`: a Clopper–Pearson interval
/// on the effective sample size, scaled by (t_{rows−1} / t_df)². At p = 0 or 1, where R
/// gives NaN, the effective sample size is taken as `n` (the NCHS convention).
fn korn_graubard(
    p: f64,
    variance: f64,
    n: usize,
    design_rows: usize,
    df: usize,
    level: f64,
    t: &TQuantiles,
) -> Option<(f64, f64)> {
    if df == 0 || design_rows < 2 || !variance.is_finite() {
        return None;
    }
    let interior = p > 0.0 && p < 1.0;
    if interior && variance == 0.0 {
        return Some((p, p));
    }
    let alpha = 1.0 - level;
    let raw = if interior {
        p * (1.0 - p) / variance
    } else {
        n as f64
    };
    let ratio =
        t.quantile(alpha / 2.0, design_rows as f64 - 1.0) / t.quantile(alpha / 2.0, df as f64);
    let n_eff = raw * ratio * ratio;
    if interior && n_eff > 1e10 {
        // The beta quantiles are then within 1e-10 of the normal ones, and the continued
        // fraction behind them is no longer practical.
        let z = standard_normal_quantile(1.0 - alpha / 2.0);
        let half = z * (p * (1.0 - p) / n_eff).sqrt();
        return Some(((p - half).max(0.0), (p + half).min(1.0)));
    }
    let low = if p == 0.0 {
        0.0
    } else {
        beta_quantile(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0)
    };
    let high = if p == 1.0 {
        1.0
    } else {
        beta_quantile(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p))
    };
    Some((low, high))
}

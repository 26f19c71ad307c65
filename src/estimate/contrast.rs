//! Tests of a difference between proportions: every level of a breakdown against the rest of
//! the population inside one design (R's `svyttest`), a city figure against a national one
//! (`prop.test`), and the change between two independent survey waves.

use super::columns::{Categorical, Outcome};
use super::design::Design;
use super::distributions::{normal_two_sided_p, t_two_sided_p};
use super::estimators::LevelEstimate;
use super::variance::{Grouping, Score};
use super::Result;

/// A design-based test of a difference of two proportions (or of a proportion and a fixed
/// value).
#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceTest {
    /// The difference (first minus second).
    pub difference: f64,
    /// Its standard error.
    pub se: f64,
    /// `difference / se`.
    pub statistic: f64,
    /// Degrees of freedom of the t reference; `None` for the normal reference.
    pub df: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Pearson's test of two proportions from simple random samples.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoProportionTest {
    /// p1 − p2.
    pub difference: f64,
    /// The signed statistic (p1 − p2) / √(p̄(1 − p̄)(1/n1 + 1/n2)), p̄ the pooled proportion.
    pub z: f64,
    /// Pearson's X² of the 2 × 2 table (= z²), one degree of freedom.
    pub chi_square: f64,
    /// Two-sided p-value, P(χ²₁ > X²).
    pub p_value: f64,
}

impl Design {
    /// For every level of `by`: the proportion of `outcome` in the level minus the proportion
    /// in the rest of the population, with the SE of the difference from the linearised
    /// covariance inside the one design (calibration residuals included, as for every other
    /// variance here), a t statistic and two-sided p.
    ///
    /// "The rest" is every respondent who answered the outcome and has a non-missing `by`
    /// outside the level; respondents with `by` missing or without an answer are in neither
    /// group. This is R's
    /// `svyttest(I(y == 1) ~ I(g == level), subset(design, !is.na(g)))`: the second
    /// coefficient of a gaussian `svyglm`, whose SE is the linearised SE of the difference of
    /// the two domain means, and whose degrees of freedom are `svyglm`'s `df.residual`:
    /// `degf()` of the design it fits on (rows with a missing value dropped, by `na.omit`)
    /// minus 1 — PSUs with an answering respondent whose `by` is known, minus their strata,
    /// minus 1. The same for every level of a breakdown.
    ///
    /// One pass over the rows gives every level. `None` for a level where the test does not
    /// exist: nobody in the level or nobody in the rest answered, the SE is zero (both groups
    /// all 0 or all 1, or an outcome the calibration fixes exactly), or no degrees of freedom
    /// are left.
    pub fn domain_vs_rest(
        &self,
        outcome: &Outcome,
        by: &Categorical,
    ) -> Result<Vec<LevelEstimate<DifferenceTest>>> {
        self.check_rows("outcome", outcome.len())?;
        outcome.check_binary("outcome")?;
        self.check_rows("by", by.len())?;
        let grouping = Grouping::Levels {
            codes: by.codes(),
            levels: by.levels().len(),
        };
        let y = outcome.values();
        let m = self.contrast_moments(y, &grouping);
        let union = m
            .union
            .as_ref()
            .expect("contrast moments carry the union of the levels");
        let df = self.union_answering_df(union) as f64 - 1.0;
        Ok(by
            .levels()
            .iter()
            .enumerate()
            .map(|(l, label)| {
                let (w_level, w_rest) = (m.sum_w[l], union.sum_w - m.sum_w[l]);
                let n_rest = union.n - m.n[l];
                let estimate = (m.n[l] > 0 && n_rest > 0 && df >= 1.0)
                    .then(|| {
                        let p_level = m.sum_wy[l] / w_level;
                        let p_rest = (union.sum_wy - m.sum_wy[l]) / w_rest;
                        // z = δ_level (y − p_level)/W_level − δ_rest (y − p_rest)/W_rest, with
                        // δ_rest = δ_union − δ_level.
                        let score = Score {
                            alpha: 1.0 / w_level + 1.0 / w_rest,
                            beta: -(p_level / w_level + p_rest / w_rest),
                            union: Some((-1.0 / w_rest, p_rest / w_rest)),
                        };
                        let variance = self.score_variance_or_direct(y, &grouping, &m, l, score);
                        t_test(p_level - p_rest, variance, df)
                    })
                    .flatten();
                LevelEstimate {
                    level: label.clone(),
                    n: m.n[l],
                    estimate,
                }
            })
            .collect())
    }
}

/// The t test of `difference` with the given variance, `None` unless every number exists.
fn t_test(difference: f64, variance: f64, df: f64) -> Option<DifferenceTest> {
    let se = variance.sqrt();
    if !(se > 0.0 && se.is_finite() && difference.is_finite()) {
        return None;
    }
    let statistic = difference / se;
    let p_value = t_two_sided_p(statistic, df);
    p_value.is_finite().then_some(DifferenceTest {
        difference,
        se,
        statistic,
        df: Some(df),
        p_value,
    })
}

/// City proportion `p1` from `n1` respondents (unweighted, national convention) against the
/// national `p2` from `n2`.
///
/// Pearson's chi-square test of the 2 × 2 table of successes p·n and failures (1 − p)·n,
/// without continuity correction: R's `prop.test(c(p1 * n1, p2 * n2), c(n1, n2),
/// correct = FALSE)` (its `statistic` is `chi_square`, its `p.value` is `p_value`). The
/// counts need not be whole numbers (a percentage published with rounding). `None` when an
/// input is not a proportion or a positive count, and when the test does not exist: both
/// proportions 0 or both 1 (R gives NaN).
///
/// The two samples are taken as independent; a city that is part of the national sample
/// overlaps it slightly, which this ignores (as the national convention does).
pub fn two_proportion_test(p1: f64, n1: f64, p2: f64, n2: f64) -> Option<TwoProportionTest> {
    let proportion = |p: f64| (0.0..=1.0).contains(&p);
    let count = |n: f64| n > 0.0 && n.is_finite();
    if !(proportion(p1) && proportion(p2) && count(n1) && count(n2)) {
        return None;
    }
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    // The inputs are proportions and positive counts, so the variance is 0 or more.
    if variance <= 0.0 {
        return None;
    }
    let difference = p1 - p2;
    let z = difference / variance.sqrt();
    Some(TwoProportionTest {
        difference,
        z,
        chi_square: z * z,
        p_value: normal_two_sided_p(z),
    })
}

/// Difference est1 − est2 of two estimates from independent samples,
/// z = d / sqrt(se1² + se2²), normal two-sided p.
///
/// For the change between two survey waves (separate samples, each with its own design):
/// the estimates are independent, so the variance of the difference is the sum of the
/// variances. The reference is the standard normal (`df` is `None`) because the two designs'
/// degrees of freedom do not combine into one t reference (a Satterthwaite df would need both
/// designs' variance components), and at the sizes of a municipal survey (hundreds of PSUs)
/// t and normal differ little (p = 0.0455 against 0.0464 for a statistic of 2 and 300 df).
/// `None` when an input is not finite, an SE is negative, or both SEs are zero.
pub fn independent_difference(est1: f64, se1: f64, est2: f64, se2: f64) -> Option<DifferenceTest> {
    if ![est1, se1, est2, se2].iter().all(|v| v.is_finite()) || se1 < 0.0 || se2 < 0.0 {
        return None;
    }
    let se = se1.hypot(se2);
    if se == 0.0 {
        return None;
    }
    let difference = est1 - est2;
    let statistic = difference / se;
    Some(DifferenceTest {
        difference,
        se,
        statistic,
        df: None,
        p_value: normal_two_sided_p(statistic),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance * expected.abs().max(1e-300),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn an_independent_difference_adds_the_variances() {
        let t = independent_difference(0.214, 0.018, 0.186, 0.016).unwrap();
        close(t.difference, 0.028, 1e-12);
        close(t.se, (0.018f64 * 0.018 + 0.016 * 0.016).sqrt(), 1e-12);
        close(t.statistic, 0.028 / t.se, 1e-12);
        assert_eq!(t.df, None);
        // R: 2 * pnorm(-0.028 / sqrt(0.018^2 + 0.016^2))
        close(t.p_value, 0.24497692673434218, 1e-9);
    }

    #[test]
    fn an_independent_difference_is_symmetric_and_zero_gives_one() {
        let a = independent_difference(0.3, 0.02, 0.25, 0.03).unwrap();
        let b = independent_difference(0.25, 0.03, 0.3, 0.02).unwrap();
        close(a.statistic, -b.statistic, 1e-15);
        close(a.p_value, b.p_value, 1e-15);
        let same = independent_difference(0.3, 0.02, 0.3, 0.02).unwrap();
        assert_eq!(same.statistic, 0.0);
        assert_eq!(same.p_value, 1.0);
    }

    #[test]
    fn an_independent_difference_far_in_the_tail_keeps_its_precision() {
        // R: 2 * pnorm(-10) = 1.5239706048321054e-23
        let t = independent_difference(0.5, 0.03, 0.2, 0.0).unwrap();
        close(t.statistic, 10.0, 1e-12);
        close(t.p_value, 1.5239706048321054e-23, 1e-9);
    }

    #[test]
    fn an_independent_difference_without_a_variance_does_not_exist() {
        assert!(independent_difference(0.3, 0.0, 0.2, 0.0).is_none());
        assert!(independent_difference(0.3, -0.01, 0.2, 0.02).is_none());
        assert!(independent_difference(f64::NAN, 0.01, 0.2, 0.02).is_none());
        assert!(independent_difference(0.3, f64::INFINITY, 0.2, 0.02).is_none());
    }

    #[test]
    fn two_proportions_outside_their_range_or_both_at_an_edge_give_none() {
        assert!(two_proportion_test(1.2, 100.0, 0.3, 1000.0).is_none());
        assert!(two_proportion_test(0.2, 0.0, 0.3, 1000.0).is_none());
        assert!(two_proportion_test(0.2, 100.0, f64::NAN, 1000.0).is_none());
        assert!(two_proportion_test(0.0, 100.0, 0.0, 1000.0).is_none());
        assert!(two_proportion_test(1.0, 100.0, 1.0, 1000.0).is_none());
        let t = two_proportion_test(0.2, 100.0, 0.2, 1000.0).unwrap();
        assert_eq!((t.z, t.p_value), (0.0, 1.0));
    }
}

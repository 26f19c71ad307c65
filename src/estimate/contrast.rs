//! TEMPORARY stand-in until branch `stats` lands (never committed to main as is).
use super::{Categorical, Design, LevelEstimate, Outcome, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceTest {
    pub difference: f64,
    pub se: f64,
    pub statistic: f64,
    pub df: Option<f64>,
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TwoProportionTest {
    pub difference: f64,
    pub z: f64,
    pub chi_square: f64,
    pub p_value: f64,
}

pub fn two_proportion_test(p1: f64, n1: f64, p2: f64, n2: f64) -> Option<TwoProportionTest> {
    let p = (p1 * n1 + p2 * n2) / (n1 + n2);
    let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if !(se > 0.0) {
        return None;
    }
    let z = (p1 - p2) / se;
    let p_value = statrs_normal_two_sided(z);
    Some(TwoProportionTest {
        difference: p1 - p2,
        z,
        chi_square: z * z,
        p_value,
    })
}

fn statrs_normal_two_sided(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::new(0.0, 1.0).unwrap();
    2.0 * (1.0 - n.cdf(z.abs()))
}

pub fn independent_difference(e1: f64, s1: f64, e2: f64, s2: f64) -> Option<DifferenceTest> {
    let se = (s1 * s1 + s2 * s2).sqrt();
    if !(se > 0.0) {
        return None;
    }
    let z = (e1 - e2) / se;
    Some(DifferenceTest {
        difference: e1 - e2,
        se,
        statistic: z,
        df: None,
        p_value: statrs_normal_two_sided(z),
    })
}

impl Design {
    pub fn domain_vs_rest(
        &self,
        _outcome: &Outcome,
        by: &Categorical,
    ) -> Result<Vec<LevelEstimate<DifferenceTest>>> {
        Ok(by
            .levels()
            .iter()
            .map(|l| LevelEstimate {
                level: l.clone(),
                n: 0,
                estimate: None,
            })
            .collect())
    }
}

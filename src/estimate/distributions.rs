//! Distribution functions the estimators need: the regularised incomplete beta function and
//! the quantiles built on it (Student t, beta) and the F upper tail.
//!
//! statrs supplies ln Γ; the incomplete beta is our own continued fraction because the one in
//! statrs stops after 140 terms, too few for the large shape parameters a survey of several
//! hundred thousand respondents produces in the Korn–Graubard interval.

use statrs::function::gamma::ln_gamma;

const MAX_TERMS: usize = 200_000;
const TINY: f64 = 1e-300;

/// ln B(a, b).
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Continued fraction for I_x(a, b) (modified Lentz), valid for x < (a + 1) / (a + b + 2).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The p-quantile of Beta(a, b) (R's `qbeta(p, a, b)`).
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    beta_quantile_from(p, a, b, None)
}

/// A starting value for the p-quantile of Beta(a, b) when both shapes exceed one: the
/// normal approximation with the skewness correction of Abramowitz & Stegun 26.5.22, whose
/// error shrinks like 1/min(a, b), so that the large shapes of a big survey start close.
fn beta_quantile_guess(p: f64, a: f64, b: f64) -> Option<f64> {
    if !(a > 1.0 && b > 1.0) {
        return None;
    }
    // A&S give the upper-tail point; the lower p-quantile is the upper (1 - p) point.
    let y = -standard_normal_quantile(p);
    let lambda = (y * y - 3.0) / 6.0;
    let (s, t) = (1.0 / (2.0 * a - 1.0), 1.0 / (2.0 * b - 1.0));
    let h = 2.0 / (s + t);
    let w = y * (h + lambda).sqrt() / h - (t - s) * (lambda + 5.0 / 6.0 - 2.0 / (3.0 * h));
    let x = a / (a + b * (2.0 * w).exp());
    (x > 0.0 && x < 1.0).then_some(x)
}

/// [`beta_quantile`] from a starting value (the mean, or the approximation above, when
/// none is given): Halley steps on I_x(a, b) - p, kept inside a bracket that every step
/// narrows, falling back to bisection when a step would leave it.
fn beta_quantile_from(p: f64, a: f64, b: f64, start: Option<f64>) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_b = ln_beta(a, b);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let mut x = start
        .or_else(|| beta_quantile_guess(p, a, b))
        .unwrap_or(a / (a + b))
        .clamp(1e-12, 1.0 - 1e-12);
    for _ in 0..1000 {
        let f = beta_cdf(x, a, b) - p;
        if f == 0.0 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let density = ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_b).exp();
        let newton = f / density;
        // Halley's correction uses density' / density = (a - 1)/x - (b - 1)/(1 - x).
        let curvature = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
        let denominator = 1.0 - 0.5 * newton * curvature;
        let step = if denominator > 0.5 {
            newton / denominator
        } else {
            newton
        };
        let candidate = x - step;
        let next = if density.is_finite() && density > 0.0 && candidate > lo && candidate < hi {
            candidate
        } else {
            0.5 * (lo + hi)
        };
        // Once a Halley (or Newton) step is this small, the point it lands on is exact to
        // rounding: the remaining error is of the order of the step's square or cube.
        let scale = x.min(1.0 - x).max(TINY);
        if (next - x).abs() <= 1e-9 * scale || hi - lo <= f64::EPSILON * hi {
            return next;
        }
        x = next;
    }
    x
}

/// The p-quantile of Student's t with `df` degrees of freedom (R's `qt(p, df)`).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p > 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    // P(T < -t) = I_x(df/2, 1/2) / 2 with x = df / (df + t²); Fisher's expansion of t in
    // powers of 1/df gives the start (for the large df of big surveys it is already exact to
    // about 1e-13, so one or two steps finish).
    let start = t_quantile_expansion(p, df).map(|t| df / (df + t * t));
    let x = beta_quantile_from(2.0 * p, 0.5 * df, 0.5, start);
    -(df * (1.0 - x) / x).sqrt()
}

/// Fisher's (1925) asymptotic expansion of the t quantile around the normal one, to the
/// fourth power of 1/df; `None` for df below 30, where it is too rough to start from.
fn t_quantile_expansion(p: f64, df: f64) -> Option<f64> {
    if df < 30.0 {
        return None;
    }
    let z = standard_normal_quantile(p);
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    Some(z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df)
}

/// The p-quantile of the standard normal distribution.
pub fn standard_normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// Two-sided p-value of a t statistic, P(|T| > |t|) with `df` degrees of freedom (R's
/// `2 * pt(-abs(t), df)`).
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if t == 0.0 {
        return 1.0;
    }
    beta_cdf(df / (df + t * t), 0.5 * df, 0.5)
}

/// Two-sided p-value of a standard normal statistic, P(|Z| > |z|) (R's `2 * pnorm(-abs(z))`).
pub fn normal_two_sided_p(z: f64) -> f64 {
    statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// P(F > f) for F with `df1` and `df2` degrees of freedom (R's `pf(f, df1, df2, lower.tail = FALSE)`).
pub fn f_upper_tail(f: f64, df1: f64, df2: f64) -> f64 {
    if f <= 0.0 {
        return 1.0;
    }
    beta_cdf(df2 / (df2 + df1 * f), 0.5 * df2, 0.5 * df1)
}

// The expected values are R's output printed with 17 significant digits, kept verbatim.
#[allow(clippy::excessive_precision)]
#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        let error = ((actual - expected) / expected).abs();
        assert!(
            error < tolerance,
            "{actual} vs R's {expected} (relative error {error:e})"
        );
    }

    // Expected values are R 4.2.2's qt, qbeta, pbeta and pf printed with 17 digits.
    #[test]
    fn t_quantiles_agree_with_r() {
        close(t_quantile(0.975, 197.0), 1.972079033778501, 1e-12);
        close(t_quantile(0.025, 3.0), -3.1824463052837091, 1e-12);
        close(t_quantile(0.95, 1.0), 6.3137515146750376, 1e-12);
        close(t_quantile(0.975, 800_000.0), 1.9599669498835015, 1e-9);
    }

    #[test]
    fn beta_quantiles_agree_with_r_including_large_shapes() {
        close(
            beta_quantile(0.025, 12.5, 300.25),
            0.021211456456460182,
            1e-11,
        );
        close(beta_quantile(0.975, 0.3, 2.0), 0.67244298194330276, 1e-11);
        close(
            beta_quantile(0.025, 45000.5, 3000.2),
            0.93531405191973382,
            1e-11,
        );
    }

    // R 4.2.2 (Debian r-base-core), printed with 17 digits: around the df = 30 boundary of
    // Fisher's expansion, a far tail at df = 1000, and the large df of a big survey.
    #[test]
    fn t_quantiles_agree_with_r_on_both_sides_of_the_expansion() {
        close(t_quantile(0.975, 29.0), 2.0452296421327034, 1e-12);
        close(t_quantile(0.975, 30.0), 2.0422724563012378, 1e-12);
        close(t_quantile(0.975, 31.0), 2.0395134463964082, 1e-12);
        close(t_quantile(0.0005, 1000.0), -3.3002826484239121, 1e-12);
        // For large df the quantile goes through x = df / (df + t²) just below 1, which
        // holds 1 - x (and so t) to about 12 significant digits.
        close(t_quantile(0.025, 50_000.0), -1.9600114310936798, 1e-11);
    }

    // The Korn–Graubard bounds of a prevalence near 15% among 800,000 respondents, and
    // shapes at or below one-and-a-half where the normal start does not apply.
    #[test]
    fn beta_quantiles_agree_with_r_for_survey_sized_and_small_shapes() {
        close(
            beta_quantile(0.025, 120_000.5, 680_000.25),
            0.14921886060848227,
            1e-11,
        );
        close(
            beta_quantile(0.975, 120_001.5, 680_000.25),
            0.15078482994057751,
            1e-11,
        );
        close(beta_quantile(0.0005, 2.5, 1.5), 0.03616182607450364, 1e-11);
        close(
            beta_quantile(0.999, 3000.0, 4.0),
            0.99985723076690736,
            1e-11,
        );
    }

    #[test]
    fn beta_cdf_agrees_with_r() {
        close(beta_cdf(0.3, 2.5, 7.0), 0.64122246297172114, 1e-12);
        close(beta_cdf(0.999, 30000.0, 20.0), 0.021655282214315705, 1e-9);
    }

    #[test]
    fn the_normal_quantile_agrees_with_r() {
        close(standard_normal_quantile(0.975), 1.959963984540054, 1e-14);
    }

    #[test]
    fn two_sided_p_values_agree_with_r() {
        // R: 2 * pt(-2.5, 7), 2 * pt(-40, 300), 2 * pt(-0.3, 1), 2 * pnorm(-10)
        close(t_two_sided_p(2.5, 7.0), 0.040992218585752874, 1e-12);
        close(t_two_sided_p(-2.5, 7.0), 0.040992218585752874, 1e-12);
        close(t_two_sided_p(40.0, 300.0), 2.8524180395311094e-122, 1e-9);
        close(t_two_sided_p(0.3, 1.0), 0.81445284184451539, 1e-12);
        assert_eq!(t_two_sided_p(0.0, 12.0), 1.0);
        close(normal_two_sided_p(-10.0), 1.5239706048321054e-23, 1e-9);
        assert_eq!(normal_two_sided_p(0.0), 1.0);
    }

    #[test]
    fn f_upper_tail_agrees_with_r() {
        close(
            f_upper_tail(17.247443963888806, 1.8286715041635835, 360.24828632022593),
            2.0350463594651511e-07,
            1e-9,
        );
    }
}

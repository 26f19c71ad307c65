//! Presentation rules for proportions: the NCHS Data Presentation Standards for Proportions
//! (Parker et al. 2017, as CDC's surveytable applies them) plus a minimum cell of 10
//! respondents, decided here once so every table and chart shows the same cells.

/// Why an estimate must not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressReason {
    /// Fewer than 10 respondents answered in the cell.
    FewerThanTenRespondents,
    /// Effective sample size below 30.
    EffectiveSampleSizeBelow30,
    /// No Korn–Graubard interval can be computed (no degrees of freedom).
    NoConfidenceInterval,
    /// Korn–Graubard interval at least 30 percentage points wide.
    WideInterval,
    /// Korn–Graubard interval wider than 130% of the estimate.
    WideRelativeInterval,
}

impl SuppressReason {
    fn code(self) -> &'static str {
        match self {
            SuppressReason::FewerThanTenRespondents => "suppress:n<10",
            SuppressReason::EffectiveSampleSizeBelow30 => "suppress:n_eff<30",
            SuppressReason::NoConfidenceInterval => "suppress:no_ci",
            SuppressReason::WideInterval => "suppress:ci_width>=0.30",
            SuppressReason::WideRelativeInterval => "suppress:relative_ci_width>130%",
        }
    }
}

/// Why a statistician should look at an estimate before it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Fewer than 8 degrees of freedom.
    FewDegreesOfFreedom,
    /// The estimate is exactly 0% or 100%.
    ZeroOrHundredPercent,
}

/// The presentation decision for one proportion.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation {
    /// `Some` when the estimate must be suppressed.
    pub suppress: Option<SuppressReason>,
    /// Shown, but footnoted: the complement's relative CI width exceeds 130%.
    pub footnote_complement: bool,
    /// Flags for statistical review.
    pub review: Vec<Review>,
}

impl Presentation {
    /// Applies the rules to a proportion `p` from `n` respondents with NCHS effective sample
    /// size `n_eff`, 95% Korn–Graubard interval `korn_graubard` and `df` degrees of freedom.
    pub fn assess(
        n: usize,
        p: f64,
        n_eff: f64,
        korn_graubard: Option<(f64, f64)>,
        df: usize,
    ) -> Self {
        let mut review = Vec::new();
        if df < 8 {
            review.push(Review::FewDegreesOfFreedom);
        }
        if p == 0.0 || p == 1.0 {
            review.push(Review::ZeroOrHundredPercent);
        }
        let width = korn_graubard.map(|(low, high)| high - low);
        let suppress = if n < 10 {
            Some(SuppressReason::FewerThanTenRespondents)
        } else if n_eff < 30.0 {
            Some(SuppressReason::EffectiveSampleSizeBelow30)
        } else {
            match width {
                None => Some(SuppressReason::NoConfidenceInterval),
                Some(w) if w <= 0.05 => None,
                Some(w) if w >= 0.30 => Some(SuppressReason::WideInterval),
                Some(w) if p == 0.0 || w / p > 1.30 => Some(SuppressReason::WideRelativeInterval),
                Some(_) => None,
            }
        };
        let footnote_complement =
            suppress.is_none() && width.is_some_and(|w| w > 0.0 && w > 1.30 * (1.0 - p));
        Presentation {
            suppress,
            footnote_complement,
            review,
        }
    }

    /// True when the estimate may be shown.
    pub fn shown(&self) -> bool {
        self.suppress.is_none()
    }

    /// A compact code for tables and CSV output, e.g. `show`, `suppress:n<10`,
    /// `show;footnote:complement;review:df<8`.
    pub fn code(&self) -> String {
        let mut parts = vec![self
            .suppress
            .map_or("show", SuppressReason::code)
            .to_string()];
        if self.footnote_complement {
            parts.push("footnote:complement".to_string());
        }
        for r in &self.review {
            parts.push(
                match r {
                    Review::FewDegreesOfFreedom => "review:df<8",
                    Review::ZeroOrHundredPercent => "review:p=0_or_1",
                }
                .to_string(),
            );
        }
        parts.join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_than_ten_respondents_are_suppressed_whatever_the_interval() {
        let p = Presentation::assess(9, 0.5, 9.0, Some((0.49, 0.51)), 100);
        assert_eq!(p.suppress, Some(SuppressReason::FewerThanTenRespondents));
    }

    #[test]
    fn a_narrow_interval_is_shown_even_for_a_small_proportion() {
        let p = Presentation::assess(500, 0.01, 400.0, Some((0.005, 0.03)), 100);
        assert!(p.shown());
        assert_eq!(p.code(), "show");
    }

    #[test]
    fn an_interval_thirty_points_wide_is_suppressed() {
        let p = Presentation::assess(40, 0.5, 35.0, Some((0.35, 0.65)), 30);
        assert_eq!(p.suppress, Some(SuppressReason::WideInterval));
    }

    #[test]
    fn a_relative_width_over_130_percent_is_suppressed() {
        let p = Presentation::assess(200, 0.08, 60.0, Some((0.02, 0.20)), 30);
        assert_eq!(p.suppress, Some(SuppressReason::WideRelativeInterval));
    }

    #[test]
    fn a_large_proportion_with_wide_complement_is_footnoted_and_low_df_is_reviewed() {
        let p = Presentation::assess(200, 0.95, 60.0, Some((0.85, 0.99)), 5);
        assert!(p.shown());
        assert_eq!(p.code(), "show;footnote:complement;review:df<8");
    }
}

//! This survey against its previous wave: each indicator's weighted rate in both, the change
//! and a test of the change between the two independent samples.

use super::cells::{Direction, View};
use super::subgroups::SubgroupReport;
use crate::estimate::{independent_difference, DifferenceTest, ProportionEstimate};
use crate::questionnaire::Indicator;

/// One indicator in both waves.
#[derive(Debug, Clone)]
pub struct WaveChange<'a> {
    pub indicator: &'a Indicator,
    /// This wave's estimate, when the view shows it.
    pub current: Option<&'a ProportionEstimate>,
    /// The previous wave's, when the view shows it (`None` also when the previous survey has
    /// no such indicator).
    pub previous: Option<&'a ProportionEstimate>,
    /// This wave minus the previous one, tested; only when both are shown.
    pub test: Option<DifferenceTest>,
}

impl WaveChange<'_> {
    /// Whether the rate went up or down significantly at `alpha`.
    pub fn direction(&self, alpha: f64) -> Option<Direction> {
        let test = self.test.as_ref()?;
        (test.p_value < alpha).then_some(if test.difference > 0.0 {
            Direction::Higher
        } else {
            Direction::Lower
        })
    }
}

/// Every indicator of `current` beside the same indicator (by id) of `previous`.
pub fn compare<'a>(
    current: &'a SubgroupReport,
    previous: &'a SubgroupReport,
    view: View,
) -> Vec<WaveChange<'a>> {
    current
        .indicators
        .iter()
        .map(|now| {
            let before = previous
                .indicator(&now.indicator.id)
                .and_then(|p| p.overall.shown(view));
            let current = now.overall.shown(view);
            let test = match (current, before) {
                (Some(c), Some(p)) => independent_difference(c.estimate, c.se, p.estimate, p.se),
                _ => None,
            };
            WaveChange {
                indicator: &now.indicator,
                current,
                previous: before,
                test,
            }
        })
        .collect()
}

//! Response rates from dispositions: AAPOR RR1–RR4 and the rate municipalities publish
//! (有効回収率 = valid responses / sample), per stratum and overall.
//!
//! With I complete, P partial, R refusals, NC non-contacts, O other, UH and UO unknown
//! eligibility and e the estimated share of the unknowns that are eligible:
//! - RR1 = I / ((I + P) + (R + NC + O) + (UH + UO))
//! - RR2 = (I + P) / ((I + P) + (R + NC + O) + (UH + UO))
//! - RR3 = I / ((I + P) + (R + NC + O) + e (UH + UO))
//! - RR4 = (I + P) / ((I + P) + (R + NC + O) + e (UH + UO))
//! - valid response rate = (I + P) / everyone sampled (NE included), as in
//!   "799 valid responses of 2,000 (40.0%)".
//!
//! A rate with a zero denominator is `None`, never NaN.

use std::collections::BTreeMap;

use super::disposition::{AaporCategory, Disposition};

/// Counts of the AAPOR outcome categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutcomeCounts {
    /// I.
    pub complete: u64,
    /// P.
    pub partial: u64,
    /// R.
    pub refusal: u64,
    /// NC.
    pub non_contact: u64,
    /// O.
    pub other: u64,
    /// UH.
    pub unknown_nothing_returned: u64,
    /// UO.
    pub unknown_other: u64,
    /// NE.
    pub not_eligible: u64,
}

impl OutcomeCounts {
    /// Counts a list of dispositions.
    pub fn from_dispositions(dispositions: impl IntoIterator<Item = Disposition>) -> Self {
        let mut counts = OutcomeCounts::default();
        for disposition in dispositions {
            counts.add(disposition);
        }
        counts
    }

    /// Counts one more disposition.
    pub fn add(&mut self, disposition: Disposition) {
        let slot = match disposition.category() {
            AaporCategory::Complete => &mut self.complete,
            AaporCategory::Partial => &mut self.partial,
            AaporCategory::Refusal => &mut self.refusal,
            AaporCategory::NonContact => &mut self.non_contact,
            AaporCategory::Other => &mut self.other,
            AaporCategory::UnknownNothingReturned => &mut self.unknown_nothing_returned,
            AaporCategory::UnknownOther => &mut self.unknown_other,
            AaporCategory::NotEligible => &mut self.not_eligible,
        };
        *slot += 1;
    }

    /// Everyone sampled.
    pub fn sample(&self) -> u64 {
        self.responses()
            + self.refusal
            + self.non_contact
            + self.other
            + self.unknown()
            + self.not_eligible
    }

    /// I + P: valid responses.
    pub fn responses(&self) -> u64 {
        self.complete + self.partial
    }

    /// UH + UO.
    pub fn unknown(&self) -> u64 {
        self.unknown_nothing_returned + self.unknown_other
    }

    fn eligible_known(&self) -> u64 {
        self.responses() + self.refusal + self.non_contact + self.other
    }

    /// AAPOR RR1: completes over all possibly eligible cases.
    pub fn rr1(&self) -> Option<f64> {
        ratio(
            self.complete as f64,
            (self.eligible_known() + self.unknown()) as f64,
        )
    }

    /// AAPOR RR2: completes and partials over all possibly eligible cases.
    pub fn rr2(&self) -> Option<f64> {
        ratio(
            self.responses() as f64,
            (self.eligible_known() + self.unknown()) as f64,
        )
    }

    /// AAPOR RR3, with `e` the estimated eligible share of unknown-eligibility cases.
    /// `None` when `e` is outside 0 … 1.
    pub fn rr3(&self, e: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&e) {
            return None;
        }
        ratio(
            self.complete as f64,
            self.eligible_known() as f64 + e * self.unknown() as f64,
        )
    }

    /// AAPOR RR4, with `e` as for [`OutcomeCounts::rr3`].
    pub fn rr4(&self, e: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&e) {
            return None;
        }
        ratio(
            self.responses() as f64,
            self.eligible_known() as f64 + e * self.unknown() as f64,
        )
    }

    /// The proportion of known-eligibility cases that are eligible,
    /// (I + P + R + NC + O) / (I + P + R + NC + O + NE): AAPOR's usual default for e.
    pub fn estimated_eligibility(&self) -> Option<f64> {
        ratio(
            self.eligible_known() as f64,
            (self.eligible_known() + self.not_eligible) as f64,
        )
    }

    /// The municipal rate: valid responses over everyone sampled.
    pub fn valid_response_rate(&self) -> Option<f64> {
        ratio(self.responses() as f64, self.sample() as f64)
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

/// Outcome counts per stratum and overall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSummary<K: Ord> {
    /// Per stratum, in key order.
    pub by_stratum: BTreeMap<K, OutcomeCounts>,
    /// All strata together.
    pub overall: OutcomeCounts,
}

/// Counts dispositions per stratum and overall.
pub fn summarise_by_stratum<K: Ord>(
    dispositions: impl IntoIterator<Item = (K, Disposition)>,
) -> ResponseSummary<K> {
    let mut by_stratum: BTreeMap<K, OutcomeCounts> = BTreeMap::new();
    let mut overall = OutcomeCounts::default();
    for (stratum, disposition) in dispositions {
        by_stratum.entry(stratum).or_default().add(disposition);
        overall.add(disposition);
    }
    ResponseSummary {
        by_stratum,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeat(disposition: Disposition, times: usize) -> impl Iterator<Item = Disposition> {
        std::iter::repeat_n(disposition, times)
    }

    /// 100 sampled: 30 paper, 10 online, 5 online partial, 5 refused, 2 deceased,
    /// 3 away, 35 nothing back, 6 undeliverable, 4 ineligible.
    fn example() -> OutcomeCounts {
        OutcomeCounts::from_dispositions(
            repeat(Disposition::PaperReceived, 30)
                .chain(repeat(Disposition::CompletedOnline, 10))
                .chain(repeat(Disposition::PartialOnline, 5))
                .chain(repeat(Disposition::Refused, 5))
                .chain(repeat(Disposition::Deceased, 2))
                .chain(repeat(Disposition::Away, 3))
                .chain(repeat(Disposition::NoResponse, 35))
                .chain(repeat(Disposition::ReturnedUndeliverable, 6))
                .chain(repeat(Disposition::Ineligible, 4)),
        )
    }

    #[test]
    fn the_rates_match_hand_computed_values() {
        let counts = example();
        assert_eq!(counts.sample(), 100);
        // Denominator of RR1/RR2: everyone but the 4 ineligible = 96.
        assert_eq!(counts.rr1(), Some(40.0 / 96.0));
        assert_eq!(counts.rr2(), Some(45.0 / 96.0));
        // Known eligible: 45 + 5 + 3 + 2 = 55; unknown 41; e = 0.5 → 55 + 20.5 = 75.5.
        assert_eq!(counts.rr3(0.5), Some(40.0 / 75.5));
        assert_eq!(counts.rr4(0.5), Some(45.0 / 75.5));
        assert_eq!(counts.estimated_eligibility(), Some(55.0 / 59.0));
        assert_eq!(counts.valid_response_rate(), Some(0.45));
        assert_eq!(counts.rr3(1.5), None);
    }

    #[test]
    fn the_suzaka_figure_is_reproduced() {
        let counts = OutcomeCounts::from_dispositions(
            repeat(Disposition::PaperReceived, 799).chain(repeat(Disposition::NoResponse, 1201)),
        );
        assert_eq!(counts.valid_response_rate(), Some(0.3995));
    }

    #[test]
    fn rates_without_a_denominator_are_absent_not_nan() {
        let empty = OutcomeCounts::default();
        assert_eq!(empty.rr1(), None);
        assert_eq!(empty.valid_response_rate(), None);
        let all_ineligible = OutcomeCounts::from_dispositions(repeat(Disposition::Ineligible, 3));
        assert_eq!(all_ineligible.rr2(), None);
        assert_eq!(all_ineligible.valid_response_rate(), Some(0.0));
    }

    #[test]
    fn strata_are_counted_separately_and_together() {
        let summary = summarise_by_stratum([
            ("北部", Disposition::CompletedOnline),
            ("北部", Disposition::NoResponse),
            ("南部", Disposition::PaperReceived),
            ("南部", Disposition::ReturnedUndeliverable),
            ("南部", Disposition::Ineligible),
        ]);
        assert_eq!(summary.by_stratum["北部"].rr1(), Some(0.5));
        assert_eq!(summary.by_stratum["南部"].rr1(), Some(0.5));
        assert_eq!(
            summary.by_stratum["南部"].valid_response_rate(),
            Some(1.0 / 3.0)
        );
        assert_eq!(summary.overall.rr1(), Some(0.5));
        assert_eq!(summary.overall.valid_response_rate(), Some(0.4));
    }
}

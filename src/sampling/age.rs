//! Age on the survey's reference date under Japanese law, eligibility, and the age bands
//! staff define for strata.
//!
//! Under 年齢計算ニ関スル法律 and 民法 143, a person attains an age at the end of the day
//! before the birthday. So someone is "aged 16 or over on D" when their 16th birthday is
//! on or before D + 1, and a person born on 29 February attains each age at the end of
//! 28 February. Both follow from one rule: the legal age on D is the everyday age on D + 1.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::questionnaire::Lang;

/// The minimum age of the Suzaka survey and of the national survey.
pub const DEFAULT_MINIMUM_AGE: u32 = 16;

/// Age in completed years on `reference` under Japanese law, `None` if the person was
/// born after the reference date.
pub fn age_on(birth: NaiveDate, reference: NaiveDate) -> Option<u32> {
    if birth > reference {
        return None;
    }
    // The legal age on D is the everyday age on D + 1 (see the module documentation).
    let next_day = reference.succ_opt()?;
    let mut years = next_day.year() - birth.year();
    if (next_day.month(), next_day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// Who belongs to the frame: aged at least `minimum_age` on `reference_date` and not
/// flagged as excluded in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligibility {
    /// The survey's reference date (基準日).
    pub reference_date: NaiveDate,
    /// Minimum age on the reference date, 16 by default.
    pub minimum_age: u32,
}

/// Whether one resident is in the frame, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityStatus {
    /// In the frame, with the legal age on the reference date.
    Eligible {
        /// Age on the reference date.
        age: u32,
    },
    /// Younger than the minimum age on the reference date.
    TooYoung,
    /// Born after the reference date.
    NotYetBorn,
    /// Flagged as excluded in the register extract.
    Excluded,
}

impl Eligibility {
    /// Eligibility with the default minimum age of 16.
    pub fn new(reference_date: NaiveDate) -> Self {
        Eligibility {
            reference_date,
            minimum_age: DEFAULT_MINIMUM_AGE,
        }
    }

    /// Classifies one resident. The exclusion flag wins over age.
    pub fn status(&self, birth: NaiveDate, excluded: bool) -> EligibilityStatus {
        if excluded {
            return EligibilityStatus::Excluded;
        }
        match age_on(birth, self.reference_date) {
            None => EligibilityStatus::NotYetBorn,
            Some(age) if age < self.minimum_age => EligibilityStatus::TooYoung,
            Some(age) => EligibilityStatus::Eligible { age },
        }
    }
}

/// One age band: `from` to `to` inclusive, or open-ended (`80-`, shown as `80+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgeBand {
    /// First age in the band.
    pub from: u32,
    /// Last age in the band, `None` for "and over".
    pub to: Option<u32>,
}

impl AgeBand {
    /// Whether `age` falls in the band.
    pub fn contains(&self, age: u32) -> bool {
        age >= self.from && self.to.is_none_or(|to| age <= to)
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) if to == self.from => write!(f, "{}", self.from),
            Some(to) => write!(f, "{}-{}", self.from, to),
            None => write!(f, "{}+", self.from),
        }
    }
}

/// Contiguous, non-overlapping age bands in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeBands {
    bands: Vec<AgeBand>,
}

/// Why an age band specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AgeBandError {
    /// Nothing was given.
    #[error("no age bands given; write them like 16-29,30-39,40-49,50-59,60-69,70-79,80-")]
    Empty,
    /// One item is not `a-b`, `a-`, `a+`, `a` or `...`.
    #[error("age band `{0}` is not understood; write a band as 30-39, a last open band as 80- (or 80+), and ... to repeat the previous band's width")]
    Malformed(String),
    /// A band ends before it starts.
    #[error("age band `{0}` ends before it starts")]
    Reversed(String),
    /// A band does not start the year after the previous one ended.
    #[error(
        "age band `{band}` should start at {expected} so the bands neither overlap nor leave a gap"
    )]
    NotContiguous {
        /// The band as written.
        band: String,
        /// Where it should have started.
        expected: u32,
    },
    /// An open band (`80-`) that is not the last.
    #[error("only the last age band may be open-ended, but `{0}` is followed by more bands")]
    OpenBandNotLast(String),
    /// `...` that cannot be filled with whole bands of the previous width.
    #[error("`...` must sit between two bands and the gap must be a whole number of bands as wide as the one before it (`{before}` then `{after}`)")]
    BadEllipsis {
        /// The band before `...`.
        before: String,
        /// The band after `...`.
        after: String,
    },
    /// The bands do not cover every eligible age.
    #[error(
        "the age bands must cover every age from the minimum age {minimum_age} upwards: {gap}"
    )]
    DoesNotCover {
        /// The frame's minimum age.
        minimum_age: u32,
        /// What is missing.
        gap: CoverGap,
    },
}

/// Which ages a set of bands leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverGap {
    /// From the minimum age to the year before the first band.
    Below { minimum_age: u32, first_from: u32 },
    /// Over the last band, which is not open-ended.
    Above { to: u32, last_from: u32 },
}

impl CoverGap {
    /// The ages left out, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (*self, lang) {
            (CoverGap::Below { minimum_age, first_from }, Lang::Ja) => {
                format!("{minimum_age}〜{}歳がどの区分にも入りません", first_from - 1)
            }
            (CoverGap::Below { minimum_age, first_from }, Lang::En) => {
                format!("ages {minimum_age}-{} are in no band", first_from - 1)
            }
            (CoverGap::Above { to, last_from }, Lang::Ja) => format!(
                "{to}歳を超える年齢がどの区分にも入りません。最後の区分を上限なし（{last_from}-）にしてください"
            ),
            (CoverGap::Above { to, last_from }, Lang::En) => format!(
                "ages over {to} are in no band; make the last band open-ended ({last_from}-)"
            ),
        }
    }
}

impl fmt::Display for CoverGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl AgeBandError {
    /// What is wrong with the bands and how to write them, in `lang` (English is the
    /// `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            AgeBandError::Empty => "年齢区分がありません。16-29,30-39,40-49,50-59,60-69,70-79,80- のように書いてください。".into(),
            AgeBandError::Malformed(item) => format!(
                "年齢区分「{item}」を読み取れません。区分は 30-39、最後の上限なしの区分は 80-（または 80+）、前の区分と同じ幅の繰り返しは ... と書いてください。"
            ),
            AgeBandError::Reversed(item) => format!("年齢区分「{item}」は終わりが始まりより前です。"),
            AgeBandError::NotContiguous { band, expected } => format!(
                "年齢区分「{band}」は{expected}歳から始めてください（区分が重なったり、すき間ができたりしないように）。"
            ),
            AgeBandError::OpenBandNotLast(item) => format!(
                "上限なしの区分にできるのは最後の区分だけですが、「{item}」の後にも区分があります。"
            ),
            AgeBandError::BadEllipsis { before, after } => format!(
                "... は2つの区分の間に置き、その間が前の区分と同じ幅の区分で埋まるようにしてください（「{before}」と「{after}」）。"
            ),
            AgeBandError::DoesNotCover { minimum_age, gap } => format!(
                "年齢区分は最低年齢{minimum_age}歳以上のすべての年齢を含む必要があります: {}。",
                gap.message(lang)
            ),
        }
    }
}

/// The age bands used when none are given: from the minimum age to 29 (or to the next
/// decade), then ten-year bands, 80 and over — `16-29,30-39,...,80-` for 16.
pub fn default_age_bands(min_age: u32) -> String {
    if min_age < 20 {
        format!("{min_age}-29,30-39,...,80-")
    } else if min_age < 80 {
        let next = (min_age / 10 + 1) * 10;
        if next >= 80 {
            format!("{min_age}-79,80-")
        } else {
            format!("{min_age}-{},{next}-{},...,80-", next - 1, next + 9)
        }
    } else {
        format!("{min_age}-")
    }
}

impl AgeBands {
    /// The bands, youngest first.
    pub fn bands(&self) -> &[AgeBand] {
        &self.bands
    }

    /// Index of the band containing `age`.
    pub fn band_index(&self, age: u32) -> Option<usize> {
        self.bands.iter().position(|band| band.contains(age))
    }

    /// Checks that every age from `minimum_age` up falls in a band.
    pub fn check_covers(&self, minimum_age: u32) -> Result<(), AgeBandError> {
        let first = self.bands.first().ok_or(AgeBandError::Empty)?;
        if first.from > minimum_age {
            return Err(AgeBandError::DoesNotCover {
                minimum_age,
                gap: CoverGap::Below {
                    minimum_age,
                    first_from: first.from,
                },
            });
        }
        if let Some(last @ AgeBand { to: Some(to), .. }) = self.bands.last() {
            return Err(AgeBandError::DoesNotCover {
                minimum_age,
                gap: CoverGap::Above {
                    to: *to,
                    last_from: last.from,
                },
            });
        }
        Ok(())
    }
}

impl fmt::Display for AgeBands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, band) in self.bands.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match band.to {
                Some(to) => write!(f, "{}-{}", band.from, to)?,
                None => write!(f, "{}-", band.from)?,
            }
        }
        Ok(())
    }
}

/// One item of a band specification before `...` is expanded.
enum SpecItem {
    Band(AgeBand, String),
    Ellipsis,
}

impl FromStr for AgeBands {
    type Err = AgeBandError;

    /// Parses `16-19,20-29,...,70-79,80-`: comma-separated bands `a-b`, a last open band
    /// `a-` or `a+`, single ages `a`, and `...` meaning "continue with bands as wide as the
    /// previous one until the next band". Full-width characters are accepted.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let folded = super::text::fold_width(spec);
        let items: Vec<SpecItem> = folded
            .split([',', '、'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(parse_item)
            .collect::<Result<_, _>>()?;
        if items.is_empty() {
            return Err(AgeBandError::Empty);
        }
        let mut bands: Vec<AgeBand> = Vec::new();
        let mut pending_ellipsis = false;
        for (i, item) in items.iter().enumerate() {
            match item {
                SpecItem::Ellipsis => {
                    if pending_ellipsis || bands.is_empty() || i + 1 == items.len() {
                        return Err(ellipsis_error(&items, i));
                    }
                    pending_ellipsis = true;
                }
                SpecItem::Band(band, text) => {
                    if let Some(previous) = bands.last().copied() {
                        let Some(previous_end) = previous.to else {
                            return Err(AgeBandError::OpenBandNotLast(previous.to_string()));
                        };
                        if pending_ellipsis {
                            let width = previous_end - previous.from + 1;
                            let gap = band.from.checked_sub(previous_end + 1);
                            match gap {
                                Some(gap) if gap % width == 0 => {
                                    let mut from = previous_end + 1;
                                    while from < band.from {
                                        bands.push(AgeBand {
                                            from,
                                            to: Some(from + width - 1),
                                        });
                                        from += width;
                                    }
                                }
                                _ => return Err(ellipsis_error(&items, i - 1)),
                            }
                            pending_ellipsis = false;
                        }
                        let expected = bands.last().and_then(|b| b.to).map_or(0, |to| to + 1);
                        if band.from != expected {
                            return Err(AgeBandError::NotContiguous {
                                band: text.clone(),
                                expected,
                            });
                        }
                    }
                    bands.push(*band);
                }
            }
        }
        Ok(AgeBands { bands })
    }
}

fn ellipsis_error(items: &[SpecItem], at: usize) -> AgeBandError {
    let describe = |item: Option<&SpecItem>| match item {
        Some(SpecItem::Band(_, text)) => text.clone(),
        Some(SpecItem::Ellipsis) => "...".to_string(),
        None => "nothing".to_string(),
    };
    AgeBandError::BadEllipsis {
        before: describe(at.checked_sub(1).and_then(|i| items.get(i))),
        after: describe(items.get(at + 1)),
    }
}

fn parse_item(item: &str) -> Result<SpecItem, AgeBandError> {
    if item == "..." || item == "…" {
        return Ok(SpecItem::Ellipsis);
    }
    let malformed = || AgeBandError::Malformed(item.to_string());
    // No one is older than 150; larger numbers are typing mistakes.
    let number = |text: &str| {
        text.trim()
            .parse::<u32>()
            .ok()
            .filter(|&age| age <= 150)
            .ok_or_else(malformed)
    };
    let band = if let Some(from) = item.strip_suffix('+') {
        AgeBand {
            from: number(from)?,
            to: None,
        }
    } else if let Some((from, to)) = item.split_once(['-', '~', '〜']) {
        let from = number(from)?;
        if to.trim().is_empty() {
            AgeBand { from, to: None }
        } else {
            let to = number(to)?;
            if to < from {
                return Err(AgeBandError::Reversed(item.to_string()));
            }
            AgeBand { from, to: Some(to) }
        }
    } else {
        let age = number(item)?;
        AgeBand {
            from: age,
            to: Some(age),
        }
    };
    Ok(SpecItem::Band(band, item.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn a_person_whose_birthday_is_the_day_after_the_reference_date_has_already_attained_the_age() {
        let reference = date(2022, 12, 1);
        assert_eq!(age_on(date(2006, 12, 2), reference), Some(16));
        assert_eq!(age_on(date(2006, 12, 1), reference), Some(16));
        assert_eq!(age_on(date(2006, 12, 3), reference), Some(15));
    }

    #[test]
    fn a_leap_day_birth_attains_the_age_at_the_end_of_28_february() {
        let birth = date(2008, 2, 29);
        assert_eq!(age_on(birth, date(2024, 2, 27)), Some(15));
        assert_eq!(age_on(birth, date(2024, 2, 28)), Some(16));
        assert_eq!(age_on(birth, date(2023, 2, 27)), Some(14));
        assert_eq!(age_on(birth, date(2023, 2, 28)), Some(15));
        assert_eq!(age_on(birth, date(2023, 3, 1)), Some(15));
    }

    #[test]
    fn age_on_the_day_of_birth_is_zero_and_before_it_there_is_no_age() {
        assert_eq!(age_on(date(2022, 12, 1), date(2022, 12, 1)), Some(0));
        assert_eq!(age_on(date(2022, 12, 2), date(2022, 12, 1)), None);
    }

    #[test]
    fn eligibility_uses_the_minimum_age_and_the_exclusion_flag() {
        let rule = Eligibility::new(date(2022, 12, 1));
        assert_eq!(
            rule.status(date(2006, 12, 2), false),
            EligibilityStatus::Eligible { age: 16 }
        );
        assert_eq!(
            rule.status(date(2006, 12, 3), false),
            EligibilityStatus::TooYoung
        );
        assert_eq!(
            rule.status(date(1950, 1, 1), true),
            EligibilityStatus::Excluded
        );
        assert_eq!(
            rule.status(date(2023, 1, 1), false),
            EligibilityStatus::NotYetBorn
        );
    }

    #[test]
    fn a_band_spec_with_an_ellipsis_expands_to_bands_of_the_same_width() {
        let bands: AgeBands = "16-29,30-39,...,80-".parse().expect("valid spec");
        let labels: Vec<String> = bands.bands().iter().map(ToString::to_string).collect();
        assert_eq!(
            labels,
            ["16-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
        );
        assert_eq!(bands.band_index(16), Some(0));
        assert_eq!(bands.band_index(29), Some(0));
        assert_eq!(bands.band_index(30), Some(1));
        assert_eq!(bands.band_index(104), Some(6));
        assert_eq!(bands.band_index(15), None);
        assert_eq!(bands.to_string(), "16-29,30-39,40-49,50-59,60-69,70-79,80-");
        assert!(bands.check_covers(16).is_ok());
    }

    #[test]
    fn overlapping_or_gapped_bands_are_refused() {
        assert_eq!(
            "16-29,29-39,40-".parse::<AgeBands>(),
            Err(AgeBandError::NotContiguous {
                band: "29-39".into(),
                expected: 30
            })
        );
        assert_eq!(
            "16-29,31-39,40-".parse::<AgeBands>(),
            Err(AgeBandError::NotContiguous {
                band: "31-39".into(),
                expected: 30
            })
        );
        assert!(matches!(
            "16-,30-39".parse::<AgeBands>(),
            Err(AgeBandError::OpenBandNotLast(_))
        ));
        assert!(matches!(
            "30-19".parse::<AgeBands>(),
            Err(AgeBandError::Reversed(_))
        ));
        assert!(matches!(
            "16-29,30-39,...,75-".parse::<AgeBands>(),
            Err(AgeBandError::BadEllipsis { .. })
        ));
        assert!(matches!(
            "16-x".parse::<AgeBands>(),
            Err(AgeBandError::Malformed(_))
        ));
        assert_eq!("".parse::<AgeBands>(), Err(AgeBandError::Empty));
    }

    #[test]
    fn bands_must_cover_the_minimum_age_and_all_older_ages() {
        let starts_late: AgeBands = "18-29,30-".parse().expect("valid spec");
        assert!(starts_late.check_covers(16).is_err());
        assert!(starts_late.check_covers(18).is_ok());
        let closed: AgeBands = "16-29,30-99".parse().expect("valid spec");
        assert!(closed.check_covers(16).is_err());
    }

    #[test]
    fn the_default_age_bands_parse_and_cover_every_minimum_age() {
        assert_eq!(super::default_age_bands(16), "16-29,30-39,...,80-");
        for min_age in 0..=110 {
            let bands: AgeBands = super::default_age_bands(min_age)
                .parse()
                .unwrap_or_else(|e| panic!("{min_age}: {e}"));
            bands
                .check_covers(min_age)
                .unwrap_or_else(|e| panic!("{min_age}: {e}"));
            assert_eq!(bands.bands()[0].from, min_age);
        }
    }
}

//! Birth dates as municipal systems print them: ISO and Western forms (`1970-03-12`,
//! `1970/3/12`, `19700312`, `1970年3月12日`) and the Japanese era forms (`昭和45年3月12日`,
//! `平成元年1月8日`, `S45.03.12`, `H7/1/5`, `R2-4-1`), with full-width digits accepted.
//!
//! Era dates are checked against the era's first and last day, so `昭和64年1月8日` (a day
//! that belongs to 平成) is an error, not silently moved to 1989-01-08. Dates in 明治 1–5
//! used the lunisolar calendar and are refused rather than converted wrongly.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use super::text::fold_width;
use crate::questionnaire::Lang;

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治 (M), 1868-01-25 – 1912-07-29.
    Meiji,
    /// 大正 (T), 1912-07-30 – 1926-12-24.
    Taisho,
    /// 昭和 (S), 1926-12-25 – 1989-01-07.
    Showa,
    /// 平成 (H), 1989-01-08 – 2019-04-30.
    Heisei,
    /// 令和 (R), from 2019-05-01.
    Reiwa,
}

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name in kanji (`昭和`).
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation (`S`).
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The Gregorian year in which year 1 (元年) of the era falls.
    fn first_gregorian_year(self) -> i32 {
        match self {
            Era::Meiji => 1868,
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }

    /// First day of the era (Gregorian).
    pub fn first_day(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        ymd(y, m, d)
    }

    /// Last day of the era, `None` for the current era.
    pub fn last_day(self) -> Option<NaiveDate> {
        match self {
            Era::Meiji => Some(ymd(1912, 7, 29)),
            Era::Taisho => Some(ymd(1926, 12, 24)),
            Era::Showa => Some(ymd(1989, 1, 7)),
            Era::Heisei => Some(ymd(2019, 4, 30)),
            Era::Reiwa => None,
        }
    }

    /// The era a Gregorian date belongs to, `None` before 明治.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL
            .into_iter()
            .rev()
            .find(|era| date >= era.first_day())
    }

    fn from_prefix(text: &str) -> Option<(Era, &str)> {
        for era in Era::ALL {
            if let Some(rest) = text.strip_prefix(era.kanji()) {
                return Some((era, rest));
            }
            let mut chars = text.chars();
            if let Some(first) = chars.next() {
                if first.to_ascii_uppercase() == era.letter() {
                    return Some((era, chars.as_str()));
                }
            }
        }
        None
    }
}

/// Compile-time-known dates only; the arguments are literals above.
fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Why a birth date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EraDateError {
    /// The field was empty.
    #[error("the date is empty")]
    Empty,
    /// The text is in none of the accepted forms.
    #[error(
        "`{0}` is not a date in a known form; write 1970-03-12, 1970/3/12, 19700312, \
         昭和45年3月12日, S45.03.12, H7/1/5 or R2-4-1"
    )]
    Unrecognised(String),
    /// Year, month and day are numbers but no such day exists (30 February, month 13 …).
    #[error("`{0}` is not a real calendar day")]
    Impossible(String),
    /// An era year 0, or an era day before the era began.
    #[error("`{text}` is before {era} began on {first_day}; check the era")]
    BeforeEra {
        /// The text as given.
        text: String,
        /// The era named.
        era: &'static str,
        /// The era's first day.
        first_day: NaiveDate,
    },
    /// An era day after the era ended (`昭和64年1月8日` is `平成元年1月8日`).
    #[error("`{text}` is after {era} ended on {last_day}; that day is {correct}")]
    AfterEra {
        /// The text as given.
        text: String,
        /// The era named.
        era: &'static str,
        /// The era's last day.
        last_day: NaiveDate,
        /// The same day written in its own era.
        correct: String,
    },
    /// 明治 1–5 used the lunisolar calendar.
    #[error("`{0}` is before 明治6年 (1873), when Japan used the lunisolar calendar; such dates are not supported")]
    Lunisolar(String),
}

impl EraDateError {
    /// What is wrong with the date, in `lang` (English is the `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (EraDateError::Empty, Lang::Ja) => "日付が空です".into(),
            (EraDateError::Unrecognised(text), Lang::Ja) => format!(
                "「{text}」は日付として読み取れません。1970-03-12、1970/3/12、19700312、昭和45年3月12日、S45.03.12、H7/1/5、R2-4-1 のように書いてください"
            ),
            (EraDateError::Impossible(text), Lang::Ja) => {
                format!("「{text}」という日は暦にありません")
            }
            (EraDateError::BeforeEra { text, era, first_day }, Lang::Ja) => format!(
                "「{text}」は{era}の始まり（{first_day}）より前です。元号を確かめてください"
            ),
            (
                EraDateError::AfterEra {
                    text,
                    era,
                    last_day,
                    correct,
                },
                Lang::Ja,
            ) => format!(
                "「{text}」は{era}の終わり（{last_day}）より後です。その日は{correct}です"
            ),
            (EraDateError::Lunisolar(text), Lang::Ja) => format!(
                "「{text}」は明治6年（1873年）より前で、太陰太陽暦の日付のため扱えません"
            ),
        }
    }
}

/// Parses a birth date in any accepted form (see the module documentation).
pub fn parse_birth_date(text: &str) -> Result<NaiveDate, EraDateError> {
    let folded = fold_width(text.trim());
    let compact: Cow<'_, str> = if folded.contains(char::is_whitespace) {
        Cow::Owned(folded.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        folded
    };
    if compact.is_empty() {
        return Err(EraDateError::Empty);
    }
    let original = text.trim();
    match Era::from_prefix(&compact) {
        Some((era, rest)) => parse_era_date(era, rest, original),
        None => parse_western_date(&compact, original),
    }
}

/// Writes a date in the long era form (`昭和45年3月12日`, `平成元年1月8日`).
/// Dates before 明治 are written in the Western form.
pub fn format_era(date: NaiveDate) -> String {
    match Era::of(date) {
        Some(era) => {
            let year = date.year() - era.first_gregorian_year() + 1;
            let year_text = if year == 1 {
                "元".to_string()
            } else {
                year.to_string()
            };
            format!(
                "{}{}年{}月{}日",
                era.kanji(),
                year_text,
                date.month(),
                date.day()
            )
        }
        None => date.format("%Y-%m-%d").to_string(),
    }
}

/// The three numeric parts of a date and how they were separated.
struct DateParts {
    year: u32,
    month: u32,
    day: u32,
}

fn parse_era_date(era: Era, rest: &str, original: &str) -> Result<NaiveDate, EraDateError> {
    let unrecognised = || EraDateError::Unrecognised(original.to_string());
    // A letter era is sometimes followed by a dot: `S.45.03.12`.
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let (year, after_year) = match rest.strip_prefix('元') {
        Some(after) => (1, after),
        None => take_number(rest, 2).ok_or_else(unrecognised)?,
    };
    let parts = parse_month_day(year, after_year).ok_or_else(unrecognised)?;
    if parts.year == 0 {
        return Err(EraDateError::BeforeEra {
            text: original.to_string(),
            era: era.kanji(),
            first_day: era.first_day(),
        });
    }
    if era == Era::Meiji && parts.year < 6 {
        return Err(EraDateError::Lunisolar(original.to_string()));
    }
    let gregorian_year = era.first_gregorian_year() + parts.year as i32 - 1;
    let date = NaiveDate::from_ymd_opt(gregorian_year, parts.month, parts.day)
        .ok_or_else(|| EraDateError::Impossible(original.to_string()))?;
    if date < era.first_day() {
        return Err(EraDateError::BeforeEra {
            text: original.to_string(),
            era: era.kanji(),
            first_day: era.first_day(),
        });
    }
    if let Some(last_day) = era.last_day() {
        if date > last_day {
            return Err(EraDateError::AfterEra {
                text: original.to_string(),
                era: era.kanji(),
                last_day,
                correct: format_era(date),
            });
        }
    }
    Ok(date)
}

fn parse_western_date(compact: &str, original: &str) -> Result<NaiveDate, EraDateError> {
    let unrecognised = || EraDateError::Unrecognised(original.to_string());
    let parts = if compact.len() == 8 && compact.bytes().all(|b| b.is_ascii_digit()) {
        // `19700312`: digits only, so byte slicing is on character boundaries.
        DateParts {
            year: compact[..4].parse().map_err(|_| unrecognised())?,
            month: compact[4..6].parse().map_err(|_| unrecognised())?,
            day: compact[6..].parse().map_err(|_| unrecognised())?,
        }
    } else {
        let (year, rest) = take_number(compact, 4).ok_or_else(unrecognised)?;
        if year < 1000 {
            return Err(unrecognised());
        }
        parse_month_day(year, rest).ok_or_else(unrecognised)?
    };
    if parts.year < 1873 {
        return Err(EraDateError::Lunisolar(original.to_string()));
    }
    NaiveDate::from_ymd_opt(parts.year as i32, parts.month, parts.day)
        .ok_or_else(|| EraDateError::Impossible(original.to_string()))
}

/// Reads `<sep>M<sep>D[日]` after the year: either `年`/`月`/`日` or one punctuation mark
/// (`.`, `/`, `-`) used for both separators.
fn parse_month_day(year: u32, after_year: &str) -> Option<DateParts> {
    if let Some(rest) = after_year.strip_prefix('年') {
        let (month, rest) = take_number(rest, 2)?;
        let rest = rest.strip_prefix('月')?;
        let (day, rest) = take_number(rest, 2)?;
        let rest = rest.strip_prefix('日').unwrap_or(rest);
        return rest.is_empty().then_some(DateParts { year, month, day });
    }
    let separator = after_year
        .chars()
        .next()
        .filter(|c| matches!(c, '.' | '/' | '-'))?;
    let (month, rest) = take_number(&after_year[1..], 2)?;
    let rest = rest.strip_prefix(separator)?;
    let (day, rest) = take_number(rest, 2)?;
    rest.is_empty().then_some(DateParts { year, month, day })
}

/// Takes 1 to `max_digits` ASCII digits from the start of `text`.
fn take_number(text: &str, max_digits: usize) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > max_digits {
        return None;
    }
    let value = text[..digits].parse().ok()?;
    Some((value, &text[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn western_forms_are_read() {
        for text in [
            "1970-03-12",
            "1970/3/12",
            "1970.3.12",
            "19700312",
            "1970年3月12日",
        ] {
            assert_eq!(parse_birth_date(text), Ok(date(1970, 3, 12)), "{text}");
        }
    }

    #[test]
    fn era_forms_are_read() {
        assert_eq!(parse_birth_date("昭和45年3月12日"), Ok(date(1970, 3, 12)));
        assert_eq!(parse_birth_date("S45.03.12"), Ok(date(1970, 3, 12)));
        assert_eq!(parse_birth_date("s45.3.12"), Ok(date(1970, 3, 12)));
        assert_eq!(parse_birth_date("H7/1/5"), Ok(date(1995, 1, 5)));
        assert_eq!(parse_birth_date("R2-4-1"), Ok(date(2020, 4, 1)));
        assert_eq!(parse_birth_date("大正15年12月24日"), Ok(date(1926, 12, 24)));
        assert_eq!(parse_birth_date("T10.5.5"), Ok(date(1921, 5, 5)));
        assert_eq!(parse_birth_date("明治45年7月29日"), Ok(date(1912, 7, 29)));
        assert_eq!(parse_birth_date("M44.1.1"), Ok(date(1911, 1, 1)));
    }

    #[test]
    fn full_width_digits_and_spaces_are_accepted() {
        assert_eq!(
            parse_birth_date("昭和４５年　３月１２日"),
            Ok(date(1970, 3, 12))
        );
        assert_eq!(parse_birth_date("Ｈ７．１．５"), Ok(date(1995, 1, 5)));
        assert_eq!(
            parse_birth_date(" １９７０－０３－１２ "),
            Ok(date(1970, 3, 12))
        );
    }

    #[test]
    fn the_first_year_of_an_era_is_written_gannen() {
        assert_eq!(parse_birth_date("平成元年1月8日"), Ok(date(1989, 1, 8)));
        assert_eq!(parse_birth_date("令和元年5月1日"), Ok(date(2019, 5, 1)));
        assert_eq!(parse_birth_date("H元.12.31"), Ok(date(1989, 12, 31)));
        assert_eq!(parse_birth_date("平成1年1月8日"), Ok(date(1989, 1, 8)));
    }

    #[test]
    fn the_last_day_of_showa_and_heisei_are_accepted_and_the_next_day_is_not() {
        assert_eq!(parse_birth_date("昭和64年1月7日"), Ok(date(1989, 1, 7)));
        assert!(matches!(
            parse_birth_date("昭和64年1月8日"),
            Err(EraDateError::AfterEra { ref correct, .. }) if correct == "平成元年1月8日"
        ));
        assert_eq!(parse_birth_date("平成31年4月30日"), Ok(date(2019, 4, 30)));
        assert!(matches!(
            parse_birth_date("平成31年5月1日"),
            Err(EraDateError::AfterEra { ref correct, .. }) if correct == "令和元年5月1日"
        ));
        assert!(matches!(
            parse_birth_date("S65.1.1"),
            Err(EraDateError::AfterEra { .. })
        ));
    }

    #[test]
    fn a_day_before_the_era_began_is_an_error() {
        assert!(matches!(
            parse_birth_date("平成元年1月7日"),
            Err(EraDateError::BeforeEra { .. })
        ));
        assert!(matches!(
            parse_birth_date("令和元年4月30日"),
            Err(EraDateError::BeforeEra { .. })
        ));
        assert!(matches!(
            parse_birth_date("昭和0年1月1日"),
            Err(EraDateError::BeforeEra { .. })
        ));
    }

    #[test]
    fn impossible_days_are_rejected() {
        for text in [
            "1970-02-30",
            "S45.13.01",
            "平成3年2月29日",
            "19700132",
            "R2-4-31",
        ] {
            assert!(
                matches!(parse_birth_date(text), Err(EraDateError::Impossible(_))),
                "{text}"
            );
        }
        assert_eq!(parse_birth_date("平成4年2月29日"), Ok(date(1992, 2, 29)));
    }

    #[test]
    fn malformed_text_is_rejected_with_the_accepted_forms() {
        for text in [
            "1970",
            "45.3.12",
            "S45年3.12",
            "X45.3.12",
            "1970-3/12",
            "S123.1.1",
        ] {
            let error = parse_birth_date(text);
            assert!(
                matches!(error, Err(EraDateError::Unrecognised(_))),
                "{text}: {error:?}"
            );
        }
        assert_eq!(parse_birth_date("  "), Err(EraDateError::Empty));
    }

    #[test]
    fn early_meiji_dates_are_refused_as_lunisolar() {
        assert!(matches!(
            parse_birth_date("明治5年1月1日"),
            Err(EraDateError::Lunisolar(_))
        ));
        assert_eq!(parse_birth_date("明治6年1月1日"), Ok(date(1873, 1, 1)));
    }

    #[test]
    fn every_day_from_meiji_6_to_2030_survives_a_round_trip_through_the_era_form() {
        let mut day = date(1873, 1, 1);
        while day <= date(2030, 12, 31) {
            assert_eq!(parse_birth_date(&format_era(day)), Ok(day), "{day}");
            day = day.succ_opt().expect("next day");
        }
    }
}

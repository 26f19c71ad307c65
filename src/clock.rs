//! Times as people read them: stored times are UTC; screens and messages show them in the
//! municipality's time zone (`config.time_zone`).

use crate::questionnaire::Lang;

/// A stored (UTC) time in `zone`: 「2026年12月5日 14:00」 or 「5 Dec 2026 14:00」.
pub fn local_time(lang: Lang, utc: chrono::NaiveDateTime, zone: &chrono_tz::Tz) -> String {
    let local = utc.and_utc().with_timezone(zone);
    match lang {
        Lang::Ja => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => local.format("%-d %b %Y %H:%M").to_string(),
    }
}

/// A date as people read it: 「2026年12月5日」 or 「5 Dec 2026」.
pub fn local_date(lang: Lang, date: chrono::NaiveDate) -> String {
    match lang {
        Lang::Ja => date.format("%Y年%-m月%-d日").to_string(),
        Lang::En => date.format("%-d %b %Y").to_string(),
    }
}

/// Today's date in `zone` (an answering period is given in the municipality's days).
pub fn today(zone: &chrono_tz::Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_time_is_shown_in_the_municipality_s_zone() {
        let utc = chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
            .unwrap()
            .and_hms_opt(15, 30, 0)
            .unwrap();
        assert_eq!(
            local_time(Lang::Ja, utc, &chrono_tz::Asia::Tokyo),
            "2027年1月1日 00:30"
        );
        assert_eq!(
            local_time(Lang::En, utc, &chrono_tz::UTC),
            "31 Dec 2026 15:30"
        );
    }
}

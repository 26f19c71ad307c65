//! The weekly fieldwork digest: every Monday from 08:00 (the municipality's time), each
//! active admin and planner with an address gets one message on the open surveys they may
//! open — responses by mode, response rate, paper backlog, days left. The background sender
//! asks [`digest_due`] on each pass; `tsunagari mail digest` queues one at once.

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone};

use crate::auth::Role;
use crate::db::outbox::{self, MailKind, NewMail};
use crate::db::{self, DbConnection, DbError};
use crate::mail::messages::{DigestSurvey, FieldworkDigestMail};
use crate::ops::accounts::LinkContext;
use crate::questionnaire::Lang;
use crate::sampling::response_rate::OutcomeCounts;
use crate::survey::{Survey, SurveyStatus};

/// The local time on Mondays from which the week's digest is due.
const DIGEST_HOUR: u32 = 8;

/// The start of the digest week that contains `now`: the latest Monday 08:00 in `zone` at or
/// before `now` (UTC).
pub fn week_start(now: NaiveDateTime, zone: &chrono_tz::Tz) -> NaiveDateTime {
    let local = now.and_utc().with_timezone(zone);
    let monday = local.date_naive() - Duration::days(local.weekday().num_days_from_monday() as i64);
    let at = |day: chrono::NaiveDate| {
        let naive = day.and_time(NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).expect("a time"));
        zone.from_local_datetime(&naive)
            .earliest()
            .map(|t| t.naive_utc())
            .unwrap_or(naive)
    };
    let start = at(monday);
    if start <= now {
        start
    } else {
        at(monday - Duration::days(7))
    }
}

/// Whether this week's digest is still to be queued: none was queued since the week began.
pub fn digest_due(
    last_queued: Option<NaiveDateTime>,
    now: NaiveDateTime,
    zone: &chrono_tz::Tz,
) -> bool {
    last_queued.is_none_or(|last| last < week_start(now, zone))
}

/// Queues this week's digest if it is due; returns how many messages were queued.
pub fn queue_if_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    links: LinkContext<'_>,
) -> Result<usize, DbError> {
    let last = outbox::last_queued(conn, MailKind::FieldworkDigest)?;
    if !digest_due(last, now, links.zone) {
        return Ok(0);
    }
    queue_now(conn, now, links)
}

/// Queues a digest now to every recipient with at least one open survey; returns how many.
pub fn queue_now(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    links: LinkContext<'_>,
) -> Result<usize, DbError> {
    let today = now.and_utc().with_timezone(links.zone).date_naive();
    let mut open = Vec::new();
    for row in db::surveys::list(conn)? {
        let survey = Survey::try_from(row)?;
        if survey.status != SurveyStatus::Open {
            continue;
        }
        let progress = db::fieldwork::progress(conn, survey.id)?;
        let paper = progress
            .submitted
            .iter()
            .filter(|(_, channel)| channel == db::entry::CHANNEL_PAPER)
            .count();
        let sample = progress.sample.as_ref().map(|(_, outcomes)| {
            let counts = OutcomeCounts::from_dispositions(outcomes.iter().map(|o| o.disposition));
            (counts.sample(), counts.rr1())
        });
        open.push((
            survey.id,
            DigestSurvey {
                title: survey.title.get(Lang::Ja).to_string(),
                link: format!("{}/planner/{}/fieldwork", links.base_url, survey.slug),
                slug: survey.slug,
                online: progress.submitted.len() - paper,
                paper,
                sample,
                awaiting_second: progress.backlog.awaiting_second,
                awaiting_reconciliation: progress.backlog.awaiting_reconciliation,
                unfinished: progress.backlog.unfinished,
                closes_on: None,
                today,
            },
        ));
    }
    let mut queued = 0;
    db::transaction(conn, |conn| {
        for (user, member_of) in db::survey_access::digest_recipients(conn)? {
            let theirs: Vec<DigestSurvey> = open
                .iter()
                .filter(|(id, _)| user.role == Role::Admin || member_of.contains(id))
                .map(|(_, s)| s.clone())
                .collect();
            let Some(email) = user.email.as_deref().filter(|_| !theirs.is_empty()) else {
                continue;
            };
            let mail = FieldworkDigestMail {
                display_name: &user.display_name,
                surveys: &theirs,
                at: now,
                zone: links.zone,
            }
            .render();
            outbox::enqueue(
                conn,
                &NewMail {
                    kind: MailKind::FieldworkDigest,
                    recipient: email,
                    subject: &mail.subject,
                    body_text: &mail.text,
                    body_html: &mail.html,
                },
            )?;
            queued += 1;
        }
        Ok(())
    })?;
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_digest_week_starts_on_monday_at_eight_in_the_municipality_s_time() {
        let tokyo = chrono_tz::Asia::Tokyo;
        // Monday 7 December 2026, 08:00 in Tokyo is 23:00 UTC on Sunday.
        assert_eq!(
            week_start(utc("2026-12-06 23:00"), &tokyo),
            utc("2026-12-06 23:00")
        );
        assert_eq!(
            week_start(utc("2026-12-06 22:59"), &tokyo),
            utc("2026-11-29 23:00")
        );
        assert_eq!(
            week_start(utc("2026-12-10 12:00"), &tokyo),
            utc("2026-12-06 23:00")
        );
    }

    #[test]
    fn a_digest_is_due_once_a_week_and_after_a_missed_monday() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let monday_nine = utc("2026-12-07 00:00");
        assert!(digest_due(None, monday_nine, &tokyo));
        assert!(!digest_due(
            Some(utc("2026-12-06 23:30")),
            monday_nine,
            &tokyo
        ));
        assert!(digest_due(
            Some(utc("2026-12-01 00:00")),
            monday_nine,
            &tokyo
        ));
        // The server was down on Monday: Wednesday sends it.
        assert!(digest_due(
            Some(utc("2026-11-30 00:00")),
            utc("2026-12-09 03:00"),
            &tokyo
        ));
        // Sunday evening is still the previous week, already sent.
        assert!(!digest_due(
            Some(utc("2026-11-30 00:00")),
            utc("2026-12-06 12:00"),
            &tokyo
        ));
    }
}

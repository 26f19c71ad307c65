//! Notices about a survey: when its fieldwork opens or closes or its results are published, everyone who may open it (its
//! members and the admins) is told by e-mail, queued in the transaction of the change.

use crate::db::outbox::{self, MailKind, NewMail};
use crate::db::{self, DbConnection, DbError};
use crate::mail::messages::{SurveyEvent, SurveyNoticeMail};
use crate::ops::accounts::LinkContext;
use crate::questionnaire::Lang;
use crate::survey::{Survey, SurveyStatus};

/// Sets the survey's status; when fieldwork opens or closes, queues a notice to each of its
/// recipients. Returns how many notices were queued (none when the status did not change).
pub fn set_survey_status(
    conn: &mut DbConnection,
    survey_id: i64,
    status: SurveyStatus,
    links: LinkContext<'_>,
) -> Result<usize, DbError> {
    db::transaction(conn, |conn| {
        let survey = Survey::try_from(db::surveys::find(conn, survey_id)?)?;
        if survey.status == status {
            return Ok(0);
        }
        db::surveys::set_status(conn, survey.id, status.as_str())?;
        let event = match status {
            SurveyStatus::Open => SurveyEvent::Opened,
            SurveyStatus::Closed => SurveyEvent::Closed,
            SurveyStatus::Draft => return Ok(0),
        };
        notify(conn, &survey, event, links)
    })
}

/// Queues the notice of `event` to everyone who may open `survey`; returns how many.
pub fn notify(
    conn: &mut DbConnection,
    survey: &Survey,
    event: SurveyEvent,
    links: LinkContext<'_>,
) -> Result<usize, DbError> {
    let link = match event {
        SurveyEvent::Published => format!("{}/planner/{}/estimates", links.base_url, survey.slug),
        _ => format!("{}/planner/{}/fieldwork", links.base_url, survey.slug),
    };
    let recipients = db::survey_access::notice_recipients(conn, survey.id)?;
    let now = db::now();
    for (display_name, email) in &recipients {
        let mail = SurveyNoticeMail {
            display_name,
            survey_title: survey.title.get(Lang::Ja),
            slug: &survey.slug,
            event,
            at: now,
            zone: links.zone,
            link: &link,
        }
        .render();
        outbox::enqueue(
            conn,
            &NewMail {
                kind: MailKind::SurveyNotice,
                recipient: email,
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
            },
        )?;
    }
    Ok(recipients.len())
}

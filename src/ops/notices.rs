//! Notices about a survey: when its fieldwork opens or closes, everyone who may open it (its
//! members and the admins) is told by e-mail, queued in the transaction of the change.

use crate::db::outbox::{self, MailKind, NewMail};
use crate::db::{self, DbConnection, DbError};
use crate::mail::messages::SurveyNoticeMail;
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
        let opened = match status {
            SurveyStatus::Open => true,
            SurveyStatus::Closed => false,
            SurveyStatus::Draft => return Ok(0),
        };
        let link = format!("{}/planner/{}/fieldwork", links.base_url, survey.slug);
        let recipients = db::survey_access::notice_recipients(conn, survey.id)?;
        let now = db::now();
        for (display_name, email) in &recipients {
            let mail = SurveyNoticeMail {
                display_name,
                survey_title: survey.title.get(Lang::Ja),
                slug: &survey.slug,
                opened,
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
    })
}

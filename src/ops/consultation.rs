//! From the survey to support: a resident who asks to be contacted leaves how to be reached,
//! stored apart from the answers; the survey's consultation staff (相談員) follow it up —
//! contacted, notes, closed — and closed requests are deleted after the survey's retention
//! period. Every step is one transaction; a new request queues the notification to the
//! window's address in its own transaction.

use chrono::{Duration, NaiveDateTime, Timelike};

use crate::auth;
pub use crate::contact_form::{ContactForm, FormProblems};
use crate::db::contact_requests::{
    self as requests, ContactOutcome, ContactRequest, LogAction, LogLine, NewRequest, NoteKind,
    RequestNote, RequestStatus,
};
use crate::db::outbox::{self, MailKind, NewMail};
use crate::db::{self, DbConnection, DbError};
use crate::mail::messages::ContactRequestMail;
use crate::mail::EmailAddress;
use crate::questionnaire::{t, Lang};
use crate::survey::{ConsultationSettings, Survey};

/// The longest name a resident may give.
pub const LONGEST_NAME: usize = 40;
/// The longest "good times to call" text.
pub const LONGEST_TIMES: usize = 100;
/// The longest note a resident may leave.
pub const LONGEST_MESSAGE: usize = 400;
/// The longest note consultation staff may write at once.
pub const LONGEST_STAFF_NOTE: usize = 2000;

/// A checked request: at least one way to reach the resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
    pub good_times: String,
    pub message: String,
}

/// A Japanese phone number as a resident would dial it: full-width digits and dashes made
/// plain, 10 or 11 digits starting with 0 (or +81 and the number without its 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Reads a typed number; `None` when it cannot be a Japanese phone number.
    pub fn parse(raw: &str) -> Option<Self> {
        let plain: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '－' | 'ー' | '‐' | '―' | '−' | '–' => '-',
                '＋' => '+',
                '（' => '(',
                '）' => ')',
                '\u{3000}' => ' ',
                other => other,
            })
            .collect();
        if plain.is_empty()
            || !plain
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '+'))
            || plain.chars().skip(1).any(|c| c == '+')
        {
            return None;
        }
        let digits: String = plain.chars().filter(char::is_ascii_digit).collect();
        let domestic = if plain.starts_with('+') {
            digits.strip_prefix("81").map(|rest| format!("0{rest}"))?
        } else {
            digits
        };
        let plausible = domestic.starts_with('0')
            && !domestic.starts_with("00")
            && (10..=11).contains(&domestic.len());
        plausible.then(|| PhoneNumber(plain.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// The number as the resident wrote it (plain digits and dashes).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn too_long(lang: Lang, what_ja: &str, what_en: &str, most: usize) -> String {
    match lang {
        Lang::Ja => format!("{what_ja}は{most}文字以内で入力してください。"),
        Lang::En => format!("Please keep the {what_en} to {most} characters."),
    }
}

impl ContactForm {
    /// Checks every field; the problems are worded for the resident.
    pub fn check(&self, lang: Lang) -> Result<ContactDetails, FormProblems> {
        let mut problems = FormProblems::default();
        let name = self.name.trim().to_string();
        if name.chars().count() > LONGEST_NAME {
            problems
                .fields
                .push(("name", too_long(lang, "お名前", "name", LONGEST_NAME)));
        }
        let phone_typed = self.phone.trim();
        let phone = if phone_typed.is_empty() {
            None
        } else {
            let parsed = PhoneNumber::parse(phone_typed);
            if parsed.is_none() {
                problems.fields.push((
                    "phone",
                    match lang {
                        Lang::Ja => format!("「{phone_typed}」は電話番号として読み取れません。市外局番から入力してください（例：026-123-4567、090-1234-5678）。"),
                        Lang::En => format!("`{phone_typed}` cannot be a Japanese phone number. Please type it with the area code, e.g. 026-123-4567 or 090-1234-5678."),
                    },
                ));
            }
            parsed
        };
        let email_typed = self.email.trim();
        let email = if email_typed.is_empty() {
            None
        } else {
            match EmailAddress::parse(email_typed) {
                Ok(address) => Some(address),
                Err(e) => {
                    problems.fields.push(("email", e.message(lang)));
                    None
                }
            }
        };
        if phone_typed.is_empty() && email_typed.is_empty() {
            problems.fields.push((
                "phone",
                t(
                    lang,
                    "連絡先として、電話番号かメールアドレスの少なくとも一方を入力してください。",
                    "Please give a phone number or an e-mail address (or both) so that the window can reach you.",
                )
                .into(),
            ));
        }
        let good_times = self.good_times.trim().to_string();
        if good_times.chars().count() > LONGEST_TIMES {
            problems.fields.push((
                "good_times",
                too_long(
                    lang,
                    "連絡してよい時間帯",
                    "good times to call",
                    LONGEST_TIMES,
                ),
            ));
        }
        let message = self.message.trim().to_string();
        if message.chars().count() > LONGEST_MESSAGE {
            problems.fields.push((
                "message",
                too_long(lang, "伝えたいこと", "message", LONGEST_MESSAGE),
            ));
        }
        if !self.consent {
            problems.fields.push((
                "consent",
                t(
                    lang,
                    "上の説明を読み、連絡を希望する場合はチェックを入れてください。",
                    "Please tick the box to confirm that you have read the text above and want to be contacted.",
                )
                .into(),
            ));
        }
        if !problems.fields.is_empty() {
            return Err(problems);
        }
        Ok(ContactDetails {
            name,
            phone,
            email,
            good_times,
            message,
        })
    }
}

/// Why a request or a change to one was refused; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ConsultationError {
    #[error("this survey does not offer contact requests")]
    NotOffered,
    #[error("this session has already asked to be contacted")]
    AlreadyRequested,
    #[error("the request is closed; reopen it first")]
    Closed,
    #[error("the request is not closed")]
    NotClosed,
    #[error("the note is empty")]
    EmptyNote,
    #[error("the note is longer than {LONGEST_STAFF_NOTE} characters")]
    NoteTooLong,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ConsultationError {
    /// The sentence shown on the page.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ConsultationError::NotOffered => t(
                lang,
                "この調査では、相談窓口からの連絡の依頼を受け付けていません。下の相談先に直接ご連絡ください。",
                "This survey does not take requests to be contacted. Please contact one of the services below directly.",
            )
            .into(),
            ConsultationError::AlreadyRequested => t(
                lang,
                "ご連絡の依頼はすでに受け付けています。2回目の依頼は必要ありません。",
                "Your request to be contacted has already been received; there is no need to send it again.",
            )
            .into(),
            ConsultationError::Closed => t(
                lang,
                "この依頼は完了しています。記録を追加するには、先に「対応を再開する」を押してください。",
                "This request is closed. To add to it, reopen it first.",
            )
            .into(),
            ConsultationError::NotClosed => t(
                lang,
                "この依頼は完了していないため、再開する必要はありません。",
                "This request is not closed, so there is nothing to reopen.",
            )
            .into(),
            ConsultationError::EmptyNote => t(
                lang,
                "記録の内容を入力してください。",
                "Please write what happened.",
            )
            .into(),
            ConsultationError::NoteTooLong => match lang {
                Lang::Ja => format!("記録は{LONGEST_STAFF_NOTE}文字以内で入力してください。"),
                Lang::En => format!("Please keep a note to {LONGEST_STAFF_NOTE} characters."),
            },
            ConsultationError::Db(e) => e.to_string(),
        }
    }
}

/// The mark a request keeps of the answering session it came from: SHA-256 of a fixed prefix
/// and the session's token. Only the resident's browser holds the token (the server keeps a
/// different hash of it), so the mark ties a second request to the first without tying the
/// request to the session or its answers.
pub fn sender_mark(session_token: &str) -> String {
    auth::token_hash(&format!("tsunagari contact request\0{session_token}"))
}

/// Whether the answering session with this token has already asked to be contacted.
pub fn already_requested(conn: &mut DbConnection, session_token: &str) -> Result<bool, DbError> {
    requests::exists_from(conn, &sender_mark(session_token))
}

/// The hour a request is filed under: minutes and seconds are not kept, so that the time of a
/// request does not point at the moment an answer was submitted.
pub fn to_the_hour(at: NaiveDateTime) -> NaiveDateTime {
    at.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

pub use crate::survey::urgent_lines;

/// What a new request needs besides the form.
pub struct RequestContext<'a> {
    pub survey: &'a Survey,
    /// Whether the resident's answers signalled distress (read from the stored response).
    pub distress: bool,
    /// The resident's answering session token (from their cookie).
    pub session_token: &'a str,
    pub lang: Lang,
    pub base_url: &'a str,
    pub now: NaiveDateTime,
}

/// Stores a resident's request and queues the notification to the window, in one
/// transaction. Returns the survey's consultation settings, for the confirmation.
pub fn request_contact<'a>(
    conn: &mut DbConnection,
    context: &RequestContext<'a>,
    details: &ContactDetails,
) -> Result<&'a ConsultationSettings, ConsultationError> {
    let survey = context.survey;
    let window = survey
        .contact_window(context.distress)
        .ok_or(ConsultationError::NotOffered)?;
    let mark = sender_mark(context.session_token);
    let help_shown: Vec<&str> = survey.help.iter().map(|h| h.name.ja.as_str()).collect();
    let help_shown = serde_json::to_string(&help_shown).unwrap_or_else(|_| "[]".into());
    db::transaction_with(conn, |conn| {
        // The unique sender mark refuses a second request of the session, also when two
        // arrive at once.
        let inserted = requests::insert(
            conn,
            &NewRequest {
                survey_id: survey.id,
                received_at: to_the_hour(context.now),
                distress: context.distress,
                help_shown: &help_shown,
                lang: context.lang.code(),
                name: &details.name,
                phone: details.phone.as_ref().map_or("", PhoneNumber::as_str),
                email: details.email.as_ref().map_or("", EmailAddress::as_str),
                good_times: &details.good_times,
                message: &details.message,
                sender_mark: &mark,
            },
        );
        match inserted {
            Ok(_) => {}
            Err(DbError::Conflict(_)) => return Err(ConsultationError::AlreadyRequested),
            Err(e) => return Err(e.into()),
        }
        let waiting = requests::open_counts(conn, &[survey.id])?
            .into_iter()
            .filter(|(_, status, _)| *status == RequestStatus::Received)
            .count();
        let link = format!("{}/consult/{}", context.base_url, survey.slug);
        let mail = ContactRequestMail {
            window: window.window.get(Lang::Ja),
            survey_title: survey.title.get(Lang::Ja),
            waiting,
            reply_within_days: window.reply_within_days,
            link: &link,
        }
        .render();
        outbox::enqueue(
            conn,
            &NewMail {
                kind: MailKind::ContactRequest,
                recipient: &window.email,
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
            },
        )?;
        Ok(window)
    })
}

/// The time by which the window promised to get in touch with a request received at
/// `received_at` (calendar days from the hour it came in).
pub fn due(received_at: NaiveDateTime, reply_within_days: u32) -> NaiveDateTime {
    received_at + Duration::days(i64::from(reply_within_days))
}

/// Whether a request is overdue: nobody has reached the resident by its due time.
pub fn is_overdue(request: &ContactRequest, reply_within_days: u32, now: NaiveDateTime) -> bool {
    request.status == RequestStatus::Received && now > due(request.received_at, reply_within_days)
}

/// One request as consultation staff see it: the request, what was done, who opened it.
pub struct RequestFile {
    pub request: ContactRequest,
    pub notes: Vec<RequestNote>,
    pub log: Vec<LogLine>,
}

/// Opens a request for `user_id`, logging the view.
pub fn open_request(
    conn: &mut DbConnection,
    survey_id: i64,
    request_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<RequestFile, DbError> {
    db::transaction(conn, |conn| {
        let request = requests::find(conn, survey_id, request_id)?;
        requests::log(
            conn,
            survey_id,
            request_id,
            Some(user_id),
            LogAction::Viewed,
            now,
        )?;
        let notes = requests::notes(conn, request_id)?;
        let log = requests::log_of(conn, survey_id, request_id)?;
        Ok(RequestFile {
            request,
            notes,
            log,
        })
    })
}

/// What consultation staff record about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// A call or message to the resident, with how it went.
    Contact(ContactOutcome),
    /// A note without a contact.
    Note,
    /// Nothing more to do.
    Close,
    /// A closed request needs work again.
    Reopen,
}

fn checked_note(body: &str, required: bool) -> Result<String, ConsultationError> {
    let body = body.trim();
    if required && body.is_empty() {
        return Err(ConsultationError::EmptyNote);
    }
    if body.chars().count() > LONGEST_STAFF_NOTE {
        return Err(ConsultationError::NoteTooLong);
    }
    Ok(body.to_string())
}

/// Records what a member of the consultation staff did, with its note and a log line, in one
/// transaction. A note is required for a plain note; a contact, closing or reopening may
/// leave it empty.
pub fn record(
    conn: &mut DbConnection,
    survey_id: i64,
    request_id: i64,
    user_id: i64,
    action: StaffAction,
    body: &str,
    now: NaiveDateTime,
) -> Result<(), ConsultationError> {
    let body = checked_note(body, action == StaffAction::Note)?;
    db::transaction_with(conn, |conn| {
        let request = requests::find(conn, survey_id, request_id)?;
        let closed = request.status == RequestStatus::Closed;
        let (kind, outcome, logged) = match action {
            StaffAction::Contact(outcome) => {
                if closed {
                    return Err(ConsultationError::Closed);
                }
                if outcome.counts_as_contact() {
                    requests::mark_contacted(conn, request_id, user_id, now)?;
                }
                (NoteKind::Contact, Some(outcome), LogAction::Contacted)
            }
            StaffAction::Note => {
                if closed {
                    return Err(ConsultationError::Closed);
                }
                (NoteKind::Note, None, LogAction::Noted)
            }
            StaffAction::Close => {
                if closed {
                    return Err(ConsultationError::Closed);
                }
                requests::close(conn, request_id, user_id, now)?;
                (NoteKind::Closed, None, LogAction::Closed)
            }
            StaffAction::Reopen => {
                if !closed {
                    return Err(ConsultationError::NotClosed);
                }
                requests::reopen(conn, &request)?;
                (NoteKind::Reopened, None, LogAction::Reopened)
            }
        };
        requests::add_note(conn, request_id, user_id, kind, outcome, &body, now)?;
        requests::log(conn, survey_id, request_id, Some(user_id), logged, now)?;
        Ok(())
    })
}

/// Deletes every request closed longer ago than its survey's retention period, with a line
/// in the request log and the server log for each. Returns how many were deleted.
pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    let mut deleted = 0;
    for survey_id in requests::surveys_with_closed(conn)? {
        let survey = Survey::try_from(db::surveys::find(conn, survey_id)?)?;
        // A survey keeps its window's settings from creation; one without them (never
        // offered requests) keeps closed requests no longer than the longest allowed.
        let days = survey
            .consultation
            .as_ref()
            .map_or(crate::survey::LONGEST_RETENTION_DAYS, |w| w.retention_days);
        let cutoff = now - Duration::days(i64::from(days));
        for request_id in requests::closed_before(conn, survey_id, cutoff)? {
            db::transaction(conn, |conn| {
                requests::delete(conn, request_id)?;
                requests::log(conn, survey_id, request_id, None, LogAction::Deleted, now)
            })?;
            log::info!(
                "deleted contact request {request_id} of survey {}: closed more than {days} days ago",
                survey.slug
            );
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_read_as_residents_type_them() {
        for typed in [
            "090-1234-5678",
            "09012345678",
            "０９０－１２３４－５６７８",
            "026 123 4567",
            "(026) 123-4567",
            "+81 90-1234-5678",
            "0120-279-338",
        ] {
            assert!(PhoneNumber::parse(typed).is_some(), "{typed}");
        }
        assert_eq!(
            PhoneNumber::parse("０９０－１２３４－５６７８")
                .unwrap()
                .as_str(),
            "090-1234-5678"
        );
        for wrong in [
            "",
            "1234",
            "090-1234",
            "12345678901",
            "090-1234-5678-9",
            "abc",
            "090+1234",
            "+1 555 123 4567",
            "0012345678",
        ] {
            assert!(PhoneNumber::parse(wrong).is_none(), "{wrong}");
        }
    }

    fn form() -> ContactForm {
        ContactForm {
            phone: "090-1234-5678".into(),
            consent: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_request_needs_a_way_to_reach_the_resident_and_consent() {
        assert!(form().check(Lang::Ja).is_ok());
        let empty = ContactForm {
            consent: true,
            ..Default::default()
        }
        .check(Lang::Ja)
        .unwrap_err();
        assert!(empty.of("phone").unwrap().contains("少なくとも一方"));
        let unconsented = ContactForm {
            consent: false,
            ..form()
        }
        .check(Lang::En)
        .unwrap_err();
        assert!(unconsented.of("consent").unwrap().contains("tick"));
    }

    #[test]
    fn wrong_fields_are_each_named_with_what_to_type() {
        let problems = ContactForm {
            phone: "12-34".into(),
            email: "yamada@".into(),
            name: "あ".repeat(LONGEST_NAME + 1),
            message: "x".repeat(LONGEST_MESSAGE + 1),
            consent: true,
            ..Default::default()
        }
        .check(Lang::Ja)
        .unwrap_err();
        assert!(problems.of("phone").unwrap().contains("12-34"));
        assert!(problems.of("email").unwrap().contains("yamada@"));
        assert!(problems.of("name").unwrap().contains("40文字"));
        assert!(problems.of("message").unwrap().contains("400文字"));
    }

    #[test]
    fn the_sender_mark_is_not_the_session_hash_and_is_the_same_for_one_session() {
        let token = "a".repeat(64);
        assert_eq!(sender_mark(&token), sender_mark(&token));
        assert_ne!(sender_mark(&token), auth::token_hash(&token));
        assert_ne!(sender_mark(&token), sender_mark(&"b".repeat(64)));
    }

    #[test]
    fn a_request_is_filed_under_its_hour() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_milli_opt(19, 47, 13, 512)
            .unwrap();
        assert_eq!(
            to_the_hour(at),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(19, 0, 0)
                .unwrap()
        );
    }
}

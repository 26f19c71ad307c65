//! The mail outbox: every message the site sends, from the moment a change asks for it until
//! a background sender has delivered it (or an admin sees that it could not be).
//!
//! A page adds a row in the transaction of the change the message is about, so a message is
//! never sent for a change that was rolled back and never lost for one that was committed.
//! Senders claim a row before sending it (`claimed_until`), so two app servers never send the
//! same message at once; a claim that was never settled (a crash) runs out and the row is
//! tried again.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::mail_outbox;
use super::{now, DbConnection, DbResult};

/// What a message is about (stored in `kind`; logs name the kind, never the recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    PasswordReset,
    FieldworkDigest,
    SurveyNotice,
    ContactRequest,
}

impl MailKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::FieldworkDigest => "fieldwork_digest",
            MailKind::SurveyNotice => "survey_notice",
            MailKind::ContactRequest => "contact_request",
        }
    }
}

/// A message to queue: already rendered, so what is sent is what was asked for at the time.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub kind: MailKind,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

/// Where a queued message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Delivered to the transport.
    Sent,
    /// Refused for good (e.g. the server rejected the address): not retried until an admin
    /// asks for it.
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> OutboxStatus {
        match raw {
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            _ => OutboxStatus::Pending,
        }
    }
}

/// A queued or sent message as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub delivered_to: Option<String>,
}

impl OutboxRow {
    /// The row's status.
    pub fn status(&self) -> OutboxStatus {
        OutboxStatus::parse(&self.status)
    }
}

/// Queues a message for the background sender; due at once.
pub fn enqueue(conn: &mut DbConnection, mail: &NewMail<'_>) -> DbResult<()> {
    let t = now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::kind.eq(mail.kind.as_str()),
            mail_outbox::recipient.eq(mail.recipient),
            mail_outbox::subject.eq(mail.subject),
            mail_outbox::body_text.eq(mail.body_text),
            mail_outbox::body_html.eq(mail.body_html),
            mail_outbox::status.eq(OutboxStatus::Pending.as_str()),
            mail_outbox::attempts.eq(0),
            mail_outbox::created_at.eq(t),
            mail_outbox::next_attempt_at.eq(t),
        ))
        .execute(conn)?;
    Ok(())
}

/// When a message of this kind was last queued, if ever.
pub fn last_queued(conn: &mut DbConnection, kind: MailKind) -> DbResult<Option<NaiveDateTime>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::kind.eq(kind.as_str()))
        .select(diesel::dsl::max(mail_outbox::created_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// Pending messages due at `at` and not claimed by a sender, oldest first.
pub fn due(conn: &mut DbConnection, at: NaiveDateTime, limit: i64) -> DbResult<Vec<OutboxRow>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
        .filter(mail_outbox::next_attempt_at.le(at))
        .filter(
            mail_outbox::claimed_until
                .is_null()
                .or(mail_outbox::claimed_until.lt(at)),
        )
        .order(mail_outbox::id.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// When the next pending message falls due, if any is waiting.
pub fn next_due(conn: &mut DbConnection) -> DbResult<Option<NaiveDateTime>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
        .select(diesel::dsl::min(mail_outbox::next_attempt_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// Claims a due message for one sender until `until`; `false` when another sender has it
/// (the update only matches an unclaimed pending row).
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> DbResult<bool> {
    let n = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.eq(OutboxStatus::Pending.as_str()))
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.lt(at)),
            ),
    )
    .set(mail_outbox::claimed_until.eq(Some(until)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a delivery. The bodies are emptied: they can hold a single-use link, and the
/// outbox is a queue, not an archive (kind, recipient, subject and when stay).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    at: NaiveDateTime,
    delivered_to: &str,
) -> DbResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(OutboxStatus::Sent.as_str()),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::sent_at.eq(Some(at)),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::delivered_to.eq(Some(delivered_to)),
            mail_outbox::last_error.eq(None::<String>),
            mail_outbox::body_text.eq(""),
            mail_outbox::body_html.eq(""),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or (`None`) given up as permanent.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> DbResult<()> {
    let status = match retry_at {
        Some(_) => OutboxStatus::Pending,
        None => OutboxStatus::Failed,
    };
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(status.as_str()),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::last_error.eq(Some(error)),
            // A message given up keeps no due time worth reading; `now` keeps the column set.
            mail_outbox::next_attempt_at.eq(retry_at.unwrap_or_else(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// An admin's "send again now": a pending or failed message becomes due at once. `false`
/// when there is no such unsent message.
pub fn retry_now(conn: &mut DbConnection, id: i64) -> DbResult<bool> {
    let n = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.ne(OutboxStatus::Sent.as_str())),
    )
    .set((
        mail_outbox::status.eq(OutboxStatus::Pending.as_str()),
        mail_outbox::next_attempt_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Every message not yet delivered, oldest first (what admins must see).
pub fn undelivered(conn: &mut DbConnection) -> DbResult<Vec<OutboxRow>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.ne(OutboxStatus::Sent.as_str()))
        .order(mail_outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// The most recently delivered messages, newest first.
pub fn recently_sent(conn: &mut DbConnection, limit: i64) -> DbResult<Vec<OutboxRow>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq(OutboxStatus::Sent.as_str()))
        .order(mail_outbox::id.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// How many messages have failed at least once and are still not delivered.
pub fn failing_count(conn: &mut DbConnection) -> DbResult<i64> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.ne(OutboxStatus::Sent.as_str()))
        .filter(mail_outbox::attempts.gt(0))
        .count()
        .get_result(conn)?)
}

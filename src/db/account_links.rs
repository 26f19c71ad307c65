//! Invitation and password-reset links (single use, expiring; only the token's SHA-256 is
//! stored) and the log of changes to accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{account_audit, account_links, users};
use super::users::{User, UserRow};
use super::{DbConnection, DbResult};

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Set the first password of an invited account.
    Invitation,
    /// Replace a forgotten password.
    PasswordReset,
}

impl LinkPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }
}

/// A stored link with its account.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub user: User,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Records a new link for `user_id`.
pub fn create(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: i64,
    purpose: LinkPurpose,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(account_links::table)
        .values((
            account_links::token_hash.eq(token_hash),
            account_links::user_id.eq(user_id),
            account_links::purpose.eq(purpose.as_str()),
            account_links::created_by.eq(created_by),
            account_links::created_at.eq(created_at),
            account_links::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The link with this token hash and purpose, used or not, expired or not.
pub fn find(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: LinkPurpose,
) -> DbResult<Option<StoredLink>> {
    let found = account_links::table
        .inner_join(users::table)
        .filter(account_links::token_hash.eq(token_hash))
        .filter(account_links::purpose.eq(purpose.as_str()))
        .select((
            account_links::expires_at,
            account_links::used_at,
            UserRow::as_select(),
        ))
        .first::<(NaiveDateTime, Option<NaiveDateTime>, UserRow)>(conn)
        .optional()?;
    found
        .map(|(expires_at, used_at, row)| {
            Ok(StoredLink {
                user: User::try_from(row)?,
                expires_at,
                used_at,
            })
        })
        .transpose()
}

/// Marks the link used at `at` if it is still unused and unexpired; `false` otherwise. The
/// condition is part of the update, so of two requests racing with one link only one wins.
pub fn use_once(conn: &mut DbConnection, token_hash: &str, at: NaiveDateTime) -> DbResult<bool> {
    let n = diesel::update(
        account_links::table
            .filter(account_links::token_hash.eq(token_hash))
            .filter(account_links::used_at.is_null())
            .filter(account_links::expires_at.gt(at)),
    )
    .set(account_links::used_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends every unused link of an account (a new invitation replaces the old one; a password
/// once set ends the outstanding resets).
pub fn expire_unused_of(conn: &mut DbConnection, user_id: i64, at: NaiveDateTime) -> DbResult<()> {
    diesel::update(
        account_links::table
            .filter(account_links::user_id.eq(user_id))
            .filter(account_links::used_at.is_null())
            .filter(account_links::expires_at.gt(at)),
    )
    .set(account_links::expires_at.eq(at))
    .execute(conn)?;
    Ok(())
}

/// How many links of this purpose the account was given since `since` (to refuse a flood of
/// reset messages to one person).
pub fn count_since(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: LinkPurpose,
    since: NaiveDateTime,
) -> DbResult<i64> {
    Ok(account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::purpose.eq(purpose.as_str()))
        .filter(account_links::created_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// When the account's newest invitation runs out, if it has an unused one.
pub fn open_invitation_expiry(
    conn: &mut DbConnection,
    user_id: i64,
) -> DbResult<Option<NaiveDateTime>> {
    Ok(account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::purpose.eq(LinkPurpose::Invitation.as_str()))
        .filter(account_links::used_at.is_null())
        .select(diesel::dsl::max(account_links::expires_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// One logged change to an account.
#[derive(Debug, Clone, Queryable)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    /// Who made the change (`None`: the account's owner through a link, or the command line).
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
}

/// Logs a change to `user_id` by `actor_id`.
pub fn log_change(
    conn: &mut DbConnection,
    user_id: i64,
    actor_id: Option<i64>,
    action: &str,
    detail: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(account_audit::table)
        .values((
            account_audit::user_id.eq(user_id),
            account_audit::actor_id.eq(actor_id),
            account_audit::action.eq(action),
            account_audit::detail.eq(detail),
            account_audit::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The changes to an account, newest first, with the actor's display name.
pub fn changes_of(conn: &mut DbConnection, user_id: i64) -> DbResult<Vec<AuditEntry>> {
    let actors = diesel::alias!(users as actors);
    Ok(account_audit::table
        .left_join(actors.on(account_audit::actor_id.eq(actors.field(users::id).nullable())))
        .filter(account_audit::user_id.eq(user_id))
        .order((account_audit::at.desc(), account_audit::id.desc()))
        .select((
            account_audit::at,
            actors.field(users::display_name).nullable(),
            account_audit::action,
            account_audit::detail,
        ))
        .load(conn)?)
}

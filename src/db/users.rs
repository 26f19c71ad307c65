//! Staff, planner and admin accounts: who they are, their role, their e-mail address and
//! whether they may still sign in.

use diesel::prelude::*;

use super::schema::users;
use super::{is_unique_violation, now, DbConnection, DbError, DbResult};
use crate::auth::Role;

/// An account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: chrono::NaiveDateTime,
    pub email: Option<String>,
    pub active: bool,
}

/// An account with its role parsed.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    /// Where invitations and password resets go (lower case); accounts made on the command
    /// line may have none.
    pub email: Option<String>,
    /// A deactivated account cannot sign in, and its sessions ended when it was deactivated.
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
}

impl User {
    /// Invited and not yet accepted: no password has been set.
    pub fn awaits_password(&self) -> bool {
        self.password_hash.is_empty()
    }
}

impl TryFrom<UserRow> for User {
    type Error = DbError;
    fn try_from(row: UserRow) -> DbResult<Self> {
        let role = Role::parse(&row.role).map_err(|_| {
            DbError::Corrupt(format!("user {} has unknown role `{}`", row.id, row.role))
        })?;
        Ok(User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            password_hash: row.password_hash,
            role,
            email: row.email,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

/// Creates an account; a taken username is a [`DbError::Conflict`].
pub fn create(
    conn: &mut DbConnection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
) -> DbResult<User> {
    create_with_email(conn, username, display_name, password_hash, role, None)
}

/// Creates an account with an e-mail address (lower case); an empty `password_hash` makes an
/// account that cannot sign in until its owner sets a password through an invitation link.
/// A taken username or address is a [`DbError::Conflict`].
pub fn create_with_email(
    conn: &mut DbConnection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
    email: Option<&str>,
) -> DbResult<User> {
    let inserted = diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::display_name.eq(display_name),
            users::password_hash.eq(password_hash),
            users::role.eq(role.as_str()),
            users::created_at.eq(now()),
            users::email.eq(email),
            users::active.eq(true),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => find_by_username(conn, username)?.ok_or(DbError::NotFound),
        Err(e) if is_unique_violation(&e) => {
            if find_by_username(conn, username)?.is_some() {
                Err(DbError::Conflict(format!(
                    "the username `{username}` is already taken"
                )))
            } else {
                Err(DbError::Conflict(format!(
                    "the e-mail address `{}` already belongs to an account",
                    email.unwrap_or_default()
                )))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The account with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> DbResult<User> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)
        .and_then(User::try_from)
}

/// The account with this e-mail address (give it in lower case), if any.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> DbResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// Changes an account's role.
pub fn set_role(conn: &mut DbConnection, id: i64, role: Role) -> DbResult<()> {
    let n = diesel::update(users::table.find(id))
        .set(users::role.eq(role.as_str()))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Allows or stops signing in (the caller ends the sessions of a deactivated account).
pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> DbResult<()> {
    let n = diesel::update(users::table.find(id))
        .set(users::active.eq(active))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The active admins' e-mail addresses (for notices to them).
pub fn admin_emails(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select(users::email.assume_not_null())
        .order(users::id.asc())
        .load(conn)?)
}

/// The account with this username, if any.
pub fn find_by_username(conn: &mut DbConnection, username: &str) -> DbResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// Every account, by username.
pub fn list(conn: &mut DbConnection) -> DbResult<Vec<User>> {
    users::table
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// Replaces an account's password hash.
pub fn set_password(conn: &mut DbConnection, id: i64, password_hash: &str) -> DbResult<()> {
    let n = diesel::update(users::table.find(id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

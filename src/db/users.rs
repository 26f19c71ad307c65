//! Staff, planner and admin accounts.

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
}

/// An account with its role parsed.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
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
    let inserted = diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::display_name.eq(display_name),
            users::password_hash.eq(password_hash),
            users::role.eq(role.as_str()),
            users::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => find_by_username(conn, username)?.ok_or(DbError::NotFound),
        Err(e) if is_unique_violation(&e) => Err(DbError::Conflict(format!(
            "the username `{username}` is already taken"
        ))),
        Err(e) => Err(e.into()),
    }
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

//! Login sessions of staff and the anonymous answering sessions of residents.
//!
//! Only a SHA-256 hash of each session token is stored, so a copy of the database does not
//! let anyone act as a signed-in person.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{resident_sessions, staff_sessions, users};
use super::users::{User, UserRow};
use super::{now, DbConnection, DbResult};

/// A signed-in staff member's session.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub user: User,
    pub csrf_token: String,
}

/// Records a new staff session.
pub fn create_staff(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    expires_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::token_hash.eq(token_hash),
            staff_sessions::user_id.eq(user_id),
            staff_sessions::csrf_token.eq(csrf_token),
            staff_sessions::created_at.eq(now()),
            staff_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live (unexpired) staff session with this token hash.
pub fn find_staff(conn: &mut DbConnection, token_hash: &str) -> DbResult<Option<StaffSession>> {
    let found = staff_sessions::table
        .inner_join(users::table)
        .filter(staff_sessions::token_hash.eq(token_hash))
        .filter(staff_sessions::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select((staff_sessions::csrf_token, UserRow::as_select()))
        .first::<(String, UserRow)>(conn)
        .optional()?;
    found
        .map(|(csrf_token, row)| {
            Ok(StaffSession {
                user: User::try_from(row)?,
                csrf_token,
            })
        })
        .transpose()
}

/// Ends a staff session (logout).
pub fn delete_staff(conn: &mut DbConnection, token_hash: &str) -> DbResult<()> {
    diesel::delete(staff_sessions::table.filter(staff_sessions::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of an account (deactivation, a new password); returns how many ended.
pub fn delete_all_staff_of(conn: &mut DbConnection, user_id: i64) -> DbResult<usize> {
    Ok(
        diesel::delete(staff_sessions::table.filter(staff_sessions::user_id.eq(user_id)))
            .execute(conn)?,
    )
}

/// A resident's answering session: which response it may read and write.
#[derive(Debug, Clone)]
pub struct ResidentSession {
    pub response_id: i64,
    pub csrf_token: String,
}

/// Records a new resident session for a response.
pub fn create_resident(
    conn: &mut DbConnection,
    token_hash: &str,
    response_id: i64,
    csrf_token: &str,
    expires_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::insert_into(resident_sessions::table)
        .values((
            resident_sessions::token_hash.eq(token_hash),
            resident_sessions::response_id.eq(response_id),
            resident_sessions::csrf_token.eq(csrf_token),
            resident_sessions::created_at.eq(now()),
            resident_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live resident session with this token hash.
pub fn find_resident(
    conn: &mut DbConnection,
    token_hash: &str,
) -> DbResult<Option<ResidentSession>> {
    Ok(resident_sessions::table
        .filter(resident_sessions::token_hash.eq(token_hash))
        .filter(resident_sessions::expires_at.gt(now()))
        .select((
            resident_sessions::response_id,
            resident_sessions::csrf_token,
        ))
        .first::<(i64, String)>(conn)
        .optional()?
        .map(|(response_id, csrf_token)| ResidentSession {
            response_id,
            csrf_token,
        }))
}

/// Removes expired sessions of both kinds; returns how many went.
pub fn purge_expired(conn: &mut DbConnection) -> DbResult<usize> {
    let t = now();
    let staff = diesel::delete(staff_sessions::table.filter(staff_sessions::expires_at.le(t)))
        .execute(conn)?;
    let residents =
        diesel::delete(resident_sessions::table.filter(resident_sessions::expires_at.le(t)))
            .execute(conn)?;
    Ok(staff + residents)
}

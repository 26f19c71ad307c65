//! Which surveys staff and planners may open: membership per survey. Admins open every survey
//! and need no membership.

use diesel::prelude::*;

use super::schema::{survey_members, surveys, users};
use super::surveys::SurveyRow;
use super::{now, DbConnection, DbResult};
use crate::auth::Role;
use crate::db::users::User;

/// Whether `user` may open the survey with this slug: admins always; others when they are
/// members. An unknown slug is never open to a non-admin (so scope answers before existence).
pub fn may_open(conn: &mut DbConnection, user: &User, slug: &str) -> DbResult<bool> {
    if user.role == Role::Admin {
        return Ok(true);
    }
    // Text that cannot be a slug names no survey; PostgreSQL would refuse a NUL in it.
    if crate::survey::check_slug(slug).is_err() {
        return Ok(false);
    }
    let n: i64 = survey_members::table
        .inner_join(surveys::table)
        .filter(surveys::slug.eq(slug))
        .filter(survey_members::user_id.eq(user.id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The surveys `user` may open, newest first: every survey for an admin.
pub fn visible_surveys(conn: &mut DbConnection, user: &User) -> DbResult<Vec<SurveyRow>> {
    if user.role == Role::Admin {
        return super::surveys::list(conn);
    }
    Ok(surveys::table
        .inner_join(survey_members::table)
        .filter(survey_members::user_id.eq(user.id))
        .order(surveys::id.desc())
        .select(SurveyRow::as_select())
        .load(conn)?)
}

/// The ids of the surveys `user_id` is a member of.
pub fn survey_ids_of(conn: &mut DbConnection, user_id: i64) -> DbResult<Vec<i64>> {
    Ok(survey_members::table
        .filter(survey_members::user_id.eq(user_id))
        .order(survey_members::survey_id.asc())
        .select(survey_members::survey_id)
        .load(conn)?)
}

/// Every membership as (user id, survey id), for the account list.
pub fn all_memberships(conn: &mut DbConnection) -> DbResult<Vec<(i64, i64)>> {
    Ok(survey_members::table
        .order((
            survey_members::user_id.asc(),
            survey_members::survey_id.asc(),
        ))
        .select((survey_members::user_id, survey_members::survey_id))
        .load(conn)?)
}

/// Makes `user_id` a member of exactly `survey_ids` (granted by `granted_by`).
pub fn set_memberships(
    conn: &mut DbConnection,
    user_id: i64,
    survey_ids: &[i64],
    granted_by: Option<i64>,
) -> DbResult<()> {
    let current = survey_ids_of(conn, user_id)?;
    let removed: Vec<i64> = current
        .iter()
        .copied()
        .filter(|id| !survey_ids.contains(id))
        .collect();
    if !removed.is_empty() {
        diesel::delete(
            survey_members::table
                .filter(survey_members::user_id.eq(user_id))
                .filter(survey_members::survey_id.eq_any(&removed)),
        )
        .execute(conn)?;
    }
    let t = now();
    for survey_id in survey_ids.iter().filter(|id| !current.contains(id)) {
        diesel::insert_into(survey_members::table)
            .values((
                survey_members::survey_id.eq(survey_id),
                survey_members::user_id.eq(user_id),
                survey_members::granted_by.eq(granted_by),
                survey_members::granted_at.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Who is told about a survey (notices when it opens or closes): the active accounts in use
/// (password set) with an e-mail address that may open it — every admin and the survey's
/// members — as (display name, address), by address.
pub fn notice_recipients(
    conn: &mut DbConnection,
    survey_id: i64,
) -> DbResult<Vec<(String, String)>> {
    let members = survey_members::table
        .filter(survey_members::survey_id.eq(survey_id))
        .select(survey_members::user_id);
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::password_hash.ne(""))
        .filter(users::email.is_not_null())
        .filter(
            users::role
                .eq(Role::Admin.as_str())
                .or(users::id.eq_any(members)),
        )
        .order(users::email.asc())
        .select((users::display_name, users::email.assume_not_null()))
        .load(conn)?)
}

/// The active admins and planners in use (password set) with an e-mail address, as (account,
/// ids of the surveys they are members of) — who gets the weekly fieldwork digest.
pub fn digest_recipients(conn: &mut DbConnection) -> DbResult<Vec<(User, Vec<i64>)>> {
    let accounts = super::users::list(conn)?.into_iter().filter(|u| {
        u.active
            && !u.awaits_password()
            && u.email.is_some()
            && matches!(u.role, Role::Admin | Role::Planner)
    });
    let mut out = Vec::new();
    for user in accounts {
        let surveys = survey_ids_of(conn, user.id)?;
        out.push((user, surveys));
    }
    Ok(out)
}

//! Failed attempts (access codes, sign-ins) per client address, shared by every app server
//! on the database; the rule that reads them is `auth::rate_limit::FailureRule`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::attempt_failures;
use super::{DbConnection, DbResult};

/// The failures of `client` at `kind` since `since`, oldest first.
pub fn failures_since(
    conn: &mut DbConnection,
    kind: &str,
    client: &str,
    since: NaiveDateTime,
) -> DbResult<Vec<NaiveDateTime>> {
    Ok(attempt_failures::table
        .filter(attempt_failures::kind.eq(kind))
        .filter(attempt_failures::client.eq(client))
        .filter(attempt_failures::failed_at.gt(since))
        .order(attempt_failures::failed_at.asc())
        .select(attempt_failures::failed_at)
        .load(conn)?)
}

/// Records one failure of `client` at `kind`, and forgets every failure at or before
/// `forget_before` (they no longer count), so the table stays small.
pub fn record_failure(
    conn: &mut DbConnection,
    kind: &str,
    client: &str,
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> DbResult<()> {
    diesel::delete(attempt_failures::table.filter(attempt_failures::failed_at.le(forget_before)))
        .execute(conn)?;
    diesel::insert_into(attempt_failures::table)
        .values((
            attempt_failures::kind.eq(kind),
            attempt_failures::client.eq(client),
            attempt_failures::failed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

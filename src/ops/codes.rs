//! Issuing access codes, for the command line and the pages: real codes for a survey, or
//! test codes that work only while it is a draft.

use crate::db::{self, DbConnection, DbError};
use crate::sampling::access_code::AccessCode;

/// The most codes issued at once.
pub const MOST_CODES: usize = 200_000;

/// Why no codes were issued.
#[derive(Debug, thiserror::Error)]
pub enum CodesError {
    #[error("--count {0} is out of range: give 1 to {MOST_CODES}")]
    Count(usize),
    #[error("could not generate unique codes; try again")]
    Collisions,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Generates and stores `count` codes for a survey, all or none; `test` codes work only while
/// the survey is a draft and their answers never count.
pub fn issue(
    conn: &mut DbConnection,
    survey_id: i64,
    count: usize,
    test: bool,
) -> Result<Vec<AccessCode>, CodesError> {
    if count == 0 || count > MOST_CODES {
        return Err(CodesError::Count(count));
    }
    // With 74 random bits a collision is practically impossible; one retry covers it anyway.
    for _ in 0..2 {
        let mut codes: Vec<AccessCode> = (0..count).map(|_| AccessCode::generate()).collect();
        codes.sort();
        codes.dedup();
        if codes.len() != count {
            continue;
        }
        let stored = db::transaction(conn, |conn| {
            db::codes::insert(conn, survey_id, &codes)?;
            if test {
                db::codes::mark_test(conn, &codes)?;
            }
            Ok(())
        });
        match stored {
            Ok(()) => return Ok(codes),
            Err(DbError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CodesError::Collisions)
}

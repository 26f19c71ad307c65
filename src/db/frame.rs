//! The sampling frame as stored: one row per resident of the register extract.
//!
//! These are the only tables (with `frame_imports`) that hold names, addresses and birth
//! dates. Every query that returns them is in this file and is called only by staff
//! handlers and the command line, never by planner pages; responses reach a sampled
//! person only through `sampled_units` by internal id. [`purge`] removes the personal data
//! after fieldwork and keeps what weighting needs.

use crate::sampling::records::FrameImport;
use std::io::Write;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{access_codes, frame_imports, frame_persons, sampled_units, samples};
use super::{now, transaction, DbConnection, DbError, DbResult};
use crate::sampling::register::{Register, RegisterRecord, TextEncoding};

/// Rows per multi-row insert: 10 values a row keeps a statement under SQLite's limit of
/// 32,766 bound parameters.
const INSERT_CHUNK_ROWS: usize = 3_000;

/// The signature, flags and (empty) header extension that open PostgreSQL's binary `COPY`.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Fields of a frame row in `COPY`, in the order of [`copy_row`].
const COPY_FIELDS: i16 = 10;

/// A `frame_imports` row as diesel reads it; the rest of the program sees [`FrameImport`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = frame_imports)]
struct StoredImport {
    survey_id: i64,
    file_name: String,
    encoding: String,
    row_count: i64,
    imported_at: chrono::NaiveDateTime,
    purged_at: Option<chrono::NaiveDateTime>,
}

impl From<StoredImport> for FrameImport {
    fn from(s: StoredImport) -> Self {
        FrameImport {
            survey_id: s.survey_id,
            file_name: s.file_name,
            encoding: s.encoding,
            row_count: s.row_count,
            imported_at: s.imported_at,
            purged_at: s.purged_at,
        }
    }
}

/// The import of a survey's frame, if one was made.
pub fn import_info(conn: &mut DbConnection, survey_id: i64) -> DbResult<Option<FrameImport>> {
    Ok(frame_imports::table
        .find(survey_id)
        .select(StoredImport::as_select())
        .first(conn)
        .optional()?
        .map(FrameImport::from))
}

/// Stores a register held in memory as the survey's frame; see [`store_batches`].
pub fn store(
    conn: &mut DbConnection,
    survey_id: i64,
    file_name: &str,
    register: &Register,
) -> DbResult<u64> {
    let stored = store_batches(
        conn,
        survey_id,
        file_name,
        std::iter::once(register.records.as_slice()),
        || Some(register.encoding),
    )?;
    Ok(stored.unwrap_or_default())
}

/// Stores a register as the survey's frame while it is being read, replacing any earlier
/// frame, in one transaction: all rows or none. `batches` are the rows in file order (on
/// PostgreSQL one `COPY` takes them all as they come); once they are exhausted `read_ok` is
/// asked whether the whole file was good and in which encoding it was read: `None` rolls
/// everything back and gives `Ok(None)`. Refused while the survey has a sample (its units
/// point at the frame). Returns the rows stored.
pub fn store_batches<B: AsRef<[RegisterRecord]>>(
    conn: &mut DbConnection,
    survey_id: i64,
    file_name: &str,
    batches: impl Iterator<Item = B>,
    read_ok: impl FnOnce() -> Option<TextEncoding>,
) -> DbResult<Option<u64>> {
    let stored = transaction(conn, |conn| {
        let has_sample = samples::table
            .filter(samples::survey_id.eq(survey_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if has_sample {
            return Err(DbError::Conflict(
                "this survey already has a sample drawn from its frame; the frame cannot be replaced".into(),
            ));
        }
        diesel::delete(frame_persons::table.filter(frame_persons::survey_id.eq(survey_id)))
            .execute(conn)?;
        diesel::delete(frame_imports::table.filter(frame_imports::survey_id.eq(survey_id)))
            .execute(conn)?;
        let stored = match conn {
            DbConnection::Sqlite(c) => insert_rows(c, survey_id, batches)?,
            DbConnection::Postgresql(c) => copy_rows(c, survey_id, batches)?,
        };
        let Some(encoding) = read_ok() else {
            return Err(diesel::result::Error::RollbackTransaction.into());
        };
        diesel::insert_into(frame_imports::table)
            .values((
                frame_imports::survey_id.eq(survey_id),
                frame_imports::file_name.eq(file_name),
                frame_imports::encoding.eq(encoding.name()),
                frame_imports::row_count.eq(stored as i64),
                frame_imports::imported_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(stored)
    });
    match stored {
        Ok(stored) => Ok(Some(stored)),
        Err(DbError::Query(diesel::result::Error::RollbackTransaction)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Multi-row inserts on SQLite.
fn insert_rows<B: AsRef<[RegisterRecord]>>(
    conn: &mut diesel::SqliteConnection,
    survey_id: i64,
    batches: impl Iterator<Item = B>,
) -> DbResult<u64> {
    let mut stored = 0u64;
    for batch in batches {
        for chunk in batch.as_ref().chunks(INSERT_CHUNK_ROWS) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|r| {
                    (
                        frame_persons::survey_id.eq(survey_id),
                        frame_persons::resident_id.eq(r.resident_id.as_str()),
                        frame_persons::name.eq(Some(r.name.as_str())),
                        frame_persons::address.eq(Some(r.address.as_str())),
                        frame_persons::postal_code.eq(r.postal_code.map(|p| p.to_string())),
                        frame_persons::birth_date.eq(Some(r.birth_date)),
                        frame_persons::sex.eq(r.sex.map(|s| s.code())),
                        frame_persons::district.eq(r.district.as_deref()),
                        frame_persons::excluded.eq(r.excluded),
                        frame_persons::source_line.eq(r.line as i64),
                    )
                })
                .collect();
            diesel::insert_into(frame_persons::table)
                .values(rows)
                .execute(conn)?;
            stored += chunk.len() as u64;
        }
    }
    Ok(stored)
}

/// One binary `COPY` on PostgreSQL for all batches (several times faster than `INSERT`):
/// each batch is encoded into one buffer and sent while the server works on the last.
fn copy_rows<B: AsRef<[RegisterRecord]>>(
    conn: &mut diesel::PgConnection,
    survey_id: i64,
    batches: impl Iterator<Item = B>,
) -> DbResult<u64> {
    use diesel::pg::CopyFormat;
    use diesel::result::Error;
    // The COPY callback is `Fn`; the batches and the count are taken inside it once.
    let batches = std::cell::RefCell::new(batches);
    let stored = std::cell::Cell::new(0u64);
    let send = |copy: &mut dyn std::io::Write, bytes: &[u8]| {
        copy.write_all(bytes)
            .map_err(|e| Error::SerializationError(Box::new(e)))
    };
    diesel::copy_from(frame_persons::table)
        .from_raw_data(
            (
                frame_persons::survey_id,
                frame_persons::resident_id,
                frame_persons::name,
                frame_persons::address,
                frame_persons::postal_code,
                frame_persons::birth_date,
                frame_persons::sex,
                frame_persons::district,
                frame_persons::excluded,
                frame_persons::source_line,
            ),
            |copy: &mut dyn std::io::Write| -> Result<(), Error> {
                let mut buffer = COPY_HEADER.to_vec();
                for batch in &mut *batches.borrow_mut() {
                    let batch = batch.as_ref();
                    for record in batch {
                        copy_row(&mut buffer, survey_id, record);
                    }
                    send(copy, &buffer)?;
                    buffer.clear();
                    stored.set(stored.get() + batch.len() as u64);
                }
                send(copy, &(-1i16).to_be_bytes())
            },
        )
        .with_format(CopyFormat::Binary)
        .execute(conn)?;
    Ok(stored.get())
}

/// Appends one frame row in the binary `COPY` format: the field count, then each field as
/// its length and bytes (-1 for NULL), in PostgreSQL's binary representation.
fn copy_row(out: &mut Vec<u8>, survey_id: i64, r: &RegisterRecord) {
    fn field(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        write(out);
        let length = (out.len() - start - 4) as i32;
        out[start..start + 4].copy_from_slice(&length.to_be_bytes());
    }
    fn text(out: &mut Vec<u8>, text: Option<&str>) {
        match text {
            Some(text) => field(out, |out| out.extend_from_slice(text.as_bytes())),
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
    let days_since_2000 = r
        .birth_date
        .signed_duration_since(NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date"))
        .num_days() as i32;
    out.extend_from_slice(&COPY_FIELDS.to_be_bytes());
    field(out, |out| out.extend_from_slice(&survey_id.to_be_bytes()));
    text(out, Some(r.resident_id.as_str()));
    text(out, Some(&r.name));
    text(out, Some(&r.address));
    match r.postal_code {
        Some(code) => field(out, |out| {
            // Writing into a Vec cannot fail.
            let _ = write!(out, "{code}");
        }),
        None => text(out, None),
    }
    field(out, |out| {
        out.extend_from_slice(&days_since_2000.to_be_bytes())
    });
    text(out, r.sex.map(|s| s.code()));
    text(out, r.district.as_deref());
    field(out, |out| out.push(u8::from(r.excluded)));
    field(out, |out| {
        out.extend_from_slice(&(r.line as i64).to_be_bytes())
    });
}

/// What the draw needs of one stored resident: no name or address.
#[derive(Debug, Clone, Queryable)]
pub struct CandidateRow {
    pub id: i64,
    pub resident_id: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<String>,
    pub district: Option<String>,
    pub excluded: bool,
}

/// Every resident of a survey's frame, for building the sampling frame.
pub fn candidates(conn: &mut DbConnection, survey_id: i64) -> DbResult<Vec<CandidateRow>> {
    Ok(frame_persons::table
        .filter(frame_persons::survey_id.eq(survey_id))
        .select((
            frame_persons::id,
            frame_persons::resident_id,
            frame_persons::birth_date,
            frame_persons::sex,
            frame_persons::district,
            frame_persons::excluded,
        ))
        .load(conn)?)
}

/// A sampled person as a letter or an envelope needs them. Personal data: staff only.
#[derive(Debug, Clone, Queryable)]
pub struct Addressee {
    /// The sampled unit's id.
    pub unit_id: i64,
    /// The access code, normalised.
    pub code: String,
    /// Stratum label.
    pub stratum: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
}

/// The addressees of a sample in unit order (by stratum, then resident id).
pub fn addressees(conn: &mut DbConnection, sample_id: i64) -> DbResult<Vec<Addressee>> {
    Ok(sampled_units::table
        .inner_join(frame_persons::table)
        .inner_join(access_codes::table)
        .filter(sampled_units::sample_id.eq(sample_id))
        .order(sampled_units::id.asc())
        .select((
            sampled_units::id,
            access_codes::code,
            sampled_units::stratum,
            frame_persons::name,
            frame_persons::address,
            frame_persons::postal_code,
        ))
        .load(conn)?)
}

/// Deletes the personal data of a survey's frame after fieldwork: residents who were not
/// sampled are removed; sampled ones lose name, address, postal code, birth date and
/// resident id (replaced by `purged-<row id>`). Sex, district, the sampled units' design
/// columns and the register margins stay for weighting. Returns (rows removed, rows
/// blanked).
pub fn purge(conn: &mut DbConnection, survey_id: i64) -> DbResult<(u64, u64)> {
    transaction(conn, |conn| {
        let sampled = sampled_units::table
            .inner_join(samples::table)
            .filter(samples::survey_id.eq(survey_id))
            .select(sampled_units::frame_person_id);
        let removed = diesel::delete(
            frame_persons::table
                .filter(frame_persons::survey_id.eq(survey_id))
                .filter(frame_persons::id.ne_all(sampled)),
        )
        .execute(conn)?;
        let blanked =
            diesel::update(frame_persons::table.filter(frame_persons::survey_id.eq(survey_id)))
                .set((
                    frame_persons::resident_id.eq(diesel::dsl::sql::<diesel::sql_types::Text>(
                        "'purged-' || CAST(id AS TEXT)",
                    )),
                    frame_persons::name.eq(None::<String>),
                    frame_persons::address.eq(None::<String>),
                    frame_persons::postal_code.eq(None::<String>),
                    frame_persons::birth_date.eq(None::<NaiveDate>),
                ))
                .execute(conn)?;
        diesel::update(frame_imports::table.find(survey_id))
            .set(frame_imports::purged_at.eq(Some(now())))
            .execute(conn)?;
        Ok((removed as u64, blanked as u64))
    })
}

/// Makes what a purge deleted unreadable in the database's files, not only in its tables:
/// SQLite rewrites the whole file without its free pages (where deleted rows' bytes stay
/// otherwise, also those of an earlier replaced import) and empties its write-ahead log;
/// PostgreSQL rewrites the register's table without its dead rows. Run outside a
/// transaction, after [`purge`]; the site may keep serving (writers wait a moment).
pub fn scrub_deleted(conn: &mut DbConnection) -> DbResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        DbConnection::Postgresql(c) => {
            c.batch_execute("VACUUM FULL frame_persons")?;
        }
    }
    Ok(())
}

/// How many frame rows of a survey still hold a name, an address or a birth date.
pub fn personal_rows(conn: &mut DbConnection, survey_id: i64) -> DbResult<i64> {
    Ok(frame_persons::table
        .filter(frame_persons::survey_id.eq(survey_id))
        .filter(
            frame_persons::name
                .is_not_null()
                .or(frame_persons::address.is_not_null())
                .or(frame_persons::birth_date.is_not_null()),
        )
        .count()
        .get_result(conn)?)
}

/// The addressees of a sample's mailing (`reminders_only`: only those whose disposition
/// still calls for a reminder), in unit order.
pub fn mailing(
    conn: &mut DbConnection,
    sample_id: i64,
    reminders_only: bool,
) -> DbResult<Vec<Addressee>> {
    let mut people = addressees(conn, sample_id)?;
    if reminders_only {
        let remind: std::collections::HashSet<i64> = super::sample::outcomes(conn, sample_id)?
            .into_iter()
            .filter(|o| o.disposition.needs_reminder())
            .map(|o| o.unit_id)
            .collect();
        people.retain(|p| remind.contains(&p.unit_id));
    }
    Ok(people)
}

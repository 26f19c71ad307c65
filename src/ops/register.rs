//! The resident register as a survey's sampling frame: importing an extract (every row or
//! none) and purging its personal data after fieldwork. The command line and, later, the
//! browser import call these; each words the errors in its own way.

use std::io::{BufReader, Read};

use crate::db::{self, DbConnection, DbError};
use crate::sampling::register::{
    read_register_in_batches, ImportOptions, ImportProgress, RegisterError, RegisterRecord,
    RegisterSummary,
};
use crate::survey::SurveyStatus;

/// What to import: how to read the extract, the name it is stored under and whether an
/// earlier frame may be replaced.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// Encoding, delimiter and column mapping.
    pub options: ImportOptions,
    /// The extract's file name, kept with the frame.
    pub file_name: String,
    /// Replace a frame imported earlier (only while no sample has been drawn).
    pub replace: bool,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The survey already has a frame and the plan does not replace it.
    #[error("the survey already has a frame ({rows} residents from {file_name}, imported {imported_at} UTC)")]
    FrameExists {
        rows: i64,
        file_name: String,
        imported_at: chrono::NaiveDateTime,
    },
    /// The extract could not be read (bad rows name their lines).
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// Storing failed, or the frame may no longer be replaced (a sample exists).
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Reads the extract from `input` and stores it as the survey's frame, reporting how far
/// reading has come to `on_progress` after every batch. A reader thread parses the file
/// while this thread stores the rows it has parsed, so reading and the database's work
/// overlap; a bad row anywhere in the file still stores nothing.
pub fn import(
    conn: &mut DbConnection,
    survey_id: i64,
    plan: &ImportPlan,
    input: impl Read + Send,
    on_progress: &mut dyn FnMut(ImportProgress),
) -> Result<RegisterSummary, ImportError> {
    if let Some(earlier) = db::frame::import_info(conn, survey_id)? {
        if !plan.replace {
            return Err(ImportError::FrameExists {
                rows: earlier.row_count,
                file_name: earlier.file_name,
                imported_at: earlier.imported_at,
            });
        }
    }
    let (read, stored) = std::thread::scope(|scope| {
        // A few batches in flight let reading run ahead of storing without holding the file.
        let (sender, batches) = std::sync::mpsc::sync_channel(4);
        let (give_back, stored_batches) = std::sync::mpsc::channel();
        let (verdict_sender, verdict) = std::sync::mpsc::sync_channel(1);
        let options = &plan.options;
        let reader = scope.spawn(move || {
            let read = read_register_in_batches(
                BufReader::with_capacity(1 << 20, input),
                options,
                &mut |rows, read: ImportProgress| {
                    let emptied = stored_batches.try_recv().map(|mut stored: Vec<_>| {
                        stored.clear();
                        stored
                    });
                    let next = emptied.unwrap_or_else(|_| Vec::with_capacity(rows.capacity()));
                    // When storing has stopped (a database error) reading still runs to the
                    // end, so that a bad file is reported as such.
                    let _ = sender.send((std::mem::replace(rows, next), read));
                },
            );
            let _ = verdict_sender.send(read.as_ref().ok().map(|s| s.encoding));
            read
        });
        let batches = batches.iter().map(|(rows, p): (_, ImportProgress)| {
            on_progress(p);
            StoredBatch {
                rows,
                give_back: give_back.clone(),
            }
        });
        let stored = db::frame::store_batches(conn, survey_id, &plan.file_name, batches, || {
            verdict.recv().ok().flatten()
        });
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, stored)
    });
    let summary = read?;
    stored?;
    Ok(summary)
}

/// Rows on their way to the database. Once stored they go back to the reader thread, which
/// frees them and fills the vector again: freeing each batch (and its big vector) in this
/// thread made glibc's allocator consolidate its free lists again and again, a third of the
/// reader's time in a profile.
struct StoredBatch {
    rows: Vec<RegisterRecord>,
    give_back: std::sync::mpsc::Sender<Vec<RegisterRecord>>,
}

impl AsRef<[RegisterRecord]> for StoredBatch {
    fn as_ref(&self) -> &[RegisterRecord] {
        &self.rows
    }
}

impl Drop for StoredBatch {
    fn drop(&mut self) {
        // Once the reader has finished, the rows are freed here instead.
        let _ = self.give_back.send(std::mem::take(&mut self.rows));
    }
}

/// Why a frame was not purged.
#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    /// Fieldwork is not closed: letters and reminders still need the addresses.
    #[error("the survey is {status}; close fieldwork first")]
    NotClosed { status: String },
    /// The survey has no frame.
    #[error("the survey has no frame to purge")]
    NoFrame,
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Deletes the personal data of a closed survey's frame; returns (deleted, stripped).
pub fn purge(
    conn: &mut DbConnection,
    survey: &db::surveys::SurveyRow,
) -> Result<(u64, u64), PurgeError> {
    if survey.status != SurveyStatus::Closed.as_str() {
        return Err(PurgeError::NotClosed {
            status: survey.status.clone(),
        });
    }
    if db::frame::import_info(conn, survey.id)?.is_none() {
        return Err(PurgeError::NoFrame);
    }
    Ok(db::frame::purge(conn, survey.id)?)
}

//! The resident register as a survey's sampling frame: importing an extract (every row or
//! none) and purging its personal data after fieldwork. The command line and the staff
//! pages both read what a person typed into an [`ImportPlan`] here ([`encoding_choice`],
//! [`delimiter`]) and import a file with [`import_file`]; each words the errors
//! ([`ImportError::message`] for the pages).

use std::io::{BufReader, Read};
use std::path::Path;

use crate::db::{self, DbConnection, DbError};
use crate::questionnaire::Lang;
use crate::sampling::register::{
    read_register_in_batches, EncodingChoice, ImportOptions, ImportProgress, RegisterError,
    RegisterRecord, RegisterSummary, TextEncoding, UnknownEncoding,
};
use crate::survey::SurveyStatus;

/// The encoding as typed: `auto` (or `detect`, or nothing) detects; otherwise a name
/// [`TextEncoding`] knows (`utf-8`, `cp932`, `shift_jis` …).
pub fn encoding_choice(text: &str) -> Result<EncodingChoice, UnknownEncoding> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "auto" | "detect" => Ok(EncodingChoice::Detect),
        other => other.parse::<TextEncoding>().map(EncodingChoice::Named),
    }
}

/// A field separator that is not one character (or `tab`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the separator `{0}` is not one character: use , or tab")]
pub struct BadDelimiter(pub String);

/// The field separator as typed: one character, or `tab` (`\t`).
pub fn delimiter(text: &str) -> Result<u8, BadDelimiter> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        d if d.len() == 1 => Ok(d.as_bytes()[0]),
        other => Err(BadDelimiter(other.to_string())),
    }
}

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
    /// The file could not be opened.
    #[error("cannot open {file_name}: {cause}")]
    Open {
        file_name: String,
        cause: std::io::Error,
    },
    /// A sample was drawn from the frame: the frame may no longer be replaced.
    #[error("the survey already has a sample drawn from its frame (seed {seed}, n = {size}); the frame cannot be replaced")]
    SampleExists { seed: String, size: i64 },
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

impl ImportError {
    /// What went wrong and what to do, for a page in `lang`. Bad rows are listed
    /// separately (`ImportError::Register(RegisterError::BadRows)` carries them).
    pub fn message(&self, lang: Lang, zone: &chrono_tz::Tz) -> String {
        match (self, lang) {
            (ImportError::Open { file_name, cause }, Lang::Ja) => {
                format!("ファイル {file_name} を開けませんでした（{cause}）。もう一度アップロードしてください。")
            }
            (ImportError::Open { file_name, cause }, Lang::En) => {
                format!("The file {file_name} could not be opened ({cause}); upload it again.")
            }
            (ImportError::SampleExists { seed, size }, Lang::Ja) => format!(
                "この名簿からすでに標本（乱数の種 {seed}、n = {size}）が抽出されているため、名簿は取り替えられません。"
            ),
            (ImportError::SampleExists { seed, size }, Lang::En) => format!(
                "A sample (seed {seed}, n = {size}) was already drawn from this frame, so the frame cannot be replaced."
            ),
            (
                ImportError::FrameExists {
                    rows,
                    file_name,
                    imported_at,
                },
                Lang::Ja,
            ) => format!(
                "この調査には名簿がすでにあります（{file_name}、{rows}人、{}取り込み）。取り替える場合は「前の名簿を取り替える」にチェックを入れてください。",
                crate::clock::local_time(lang, *imported_at, zone)
            ),
            (
                ImportError::FrameExists {
                    rows,
                    file_name,
                    imported_at,
                },
                Lang::En,
            ) => format!(
                "The survey already has a frame ({rows} residents from {file_name}, imported {}); tick \"replace the earlier frame\" to import again.",
                crate::clock::local_time(lang, *imported_at, zone)
            ),
            (ImportError::Register(e), _) => e.message(lang),
            (ImportError::Storage(DbError::Conflict(_)), Lang::Ja) => "この名簿からすでに標本が抽出されているため、名簿は取り替えられません。".into(),
            (ImportError::Storage(e), Lang::Ja) => {
                format!("名簿を保存できませんでした（{e}）。何も取り込んでいません。")
            }
            (ImportError::Storage(e), Lang::En) => {
                format!("The frame could not be stored ({e}); nothing was imported.")
            }
        }
    }
}

/// Opens the extract at `path` and imports it ([`import`]); `on_progress` gets the progress
/// and the file's size in bytes, for a bar.
pub fn import_file(
    conn: &mut DbConnection,
    survey_id: i64,
    plan: &ImportPlan,
    path: &Path,
    on_progress: &mut dyn FnMut(ImportProgress, u64),
) -> Result<RegisterSummary, ImportError> {
    let file = std::fs::File::open(path).map_err(|cause| ImportError::Open {
        file_name: plan.file_name.clone(),
        cause,
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).max(1);
    import(conn, survey_id, plan, file, &mut |p| on_progress(p, size))
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
    if let Some(sample) = db::sample::find(conn, survey_id)? {
        return Err(ImportError::SampleExists {
            seed: sample.seed,
            size: sample.sample_size,
        });
    }
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

/// Deletes the personal data of a closed survey's frame and scrubs it from the database's
/// files ([`db::frame::scrub_deleted`]); returns (deleted, stripped).
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
    let purged = db::frame::purge(conn, survey.id)?;
    db::frame::scrub_deleted(conn)?;
    Ok(purged)
}

//! `tsunagari frame import|purge`: the resident register extract as a survey's sampling
//! frame, and the removal of its personal data after fieldwork.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};

use super::codes::find_survey;
use super::{connection, with_database, CliError, CliResult};
use crate::db;
use crate::sampling::register::{
    read_register_in_batches, ColumnMapping, EncodingChoice, ImportOptions, ImportProgress,
    RegisterRecord, RegisterSummary, TextEncoding,
};

/// Frame commands.
#[derive(Debug, Subcommand)]
pub enum FrameCommand {
    /// Import a resident register extract (CSV, UTF-8 or Shift_JIS/CP932) as the survey's
    /// frame: every row or none; bad rows are listed with their line numbers.
    Import(Box<ImportArgs>),
    /// After fieldwork: delete names, addresses, birth dates and resident ids, keeping what
    /// weighting needs (stratum, sex, age band, district, design numbers, register totals).
    Purge {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
    },
}

/// Options of `frame import`. Column options name headers of the file exactly.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The survey's slug.
    #[arg(long)]
    pub survey: String,
    /// The register extract.
    #[arg(long)]
    pub file: PathBuf,
    /// auto (UTF-8, with or without BOM), utf-8, or cp932 (= shift_jis, sjis, windows-31j).
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Field separator: `,` or `tab`.
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    /// Column with the resident id (住民番号).
    #[arg(long = "id")]
    pub id: String,
    /// Name column(s); repeat for 氏 and 名 (joined with a full-width space).
    #[arg(long = "name", required = true)]
    pub name: Vec<String>,
    /// Address column(s); repeat for 住所 and 方書.
    #[arg(long = "address", required = true)]
    pub address: Vec<String>,
    /// Postal code column.
    #[arg(long)]
    pub postal: Option<String>,
    /// Birth date column (ISO, 1970/3/12, 昭和45年3月12日, S45.03.12, H7/1/5, R2-4-1 …).
    #[arg(long)]
    pub birth: String,
    /// Sex column (1/2/9, 男/女, M/F …).
    #[arg(long)]
    pub sex: Option<String>,
    /// District column.
    #[arg(long)]
    pub district: Option<String>,
    /// Column flagging residents to leave out (1, ○, 除外 …).
    #[arg(long)]
    pub exclude: Option<String>,
    /// Replace a frame imported earlier (only while no sample has been drawn).
    #[arg(long)]
    pub replace: bool,
}

impl ImportArgs {
    /// The import options these arguments describe.
    pub fn options(&self) -> Result<ImportOptions, CliError> {
        let encoding = match self.encoding.trim().to_ascii_lowercase().as_str() {
            "auto" | "detect" => EncodingChoice::Detect,
            other => EncodingChoice::Named(
                other
                    .parse::<TextEncoding>()
                    .map_err(|e| CliError::Usage(format!("--encoding: {e}")))?,
            ),
        };
        let delimiter = match self.delimiter.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            d if d.len() == 1 => d.as_bytes()[0],
            other => {
                return Err(CliError::Usage(format!(
                    "--delimiter `{other}` is not one character: use , or tab"
                )))
            }
        };
        Ok(ImportOptions {
            encoding,
            delimiter,
            columns: ColumnMapping {
                resident_id: self.id.clone(),
                name: self.name.clone(),
                address: self.address.clone(),
                postal_code: self.postal.clone(),
                birth_date: self.birth.clone(),
                sex: self.sex.clone(),
                district: self.district.clone(),
                exclude: self.exclude.clone(),
            },
        })
    }
}

/// Runs a frame command.
pub fn run(cmd: FrameCommand) -> CliResult {
    let (pool, _, _) = with_database()?;
    let mut conn = connection(&pool)?;
    match cmd {
        FrameCommand::Import(args) => {
            let started = Instant::now();
            let report = import(&mut conn, &args, &mut std::io::stderr())?;
            println!(
                "imported {} residents ({}, {} flagged to exclude, {} districts) into the frame of {} in {:.1} s",
                report.rows,
                report.encoding,
                report.excluded,
                report.districts,
                args.survey,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        FrameCommand::Purge { survey } => {
            let (removed, blanked) = purge(&mut conn, &survey)?;
            println!(
                "purged the frame of {survey}: {removed} unsampled residents deleted, {blanked} sampled residents stripped of name, address, postal code, birth date and resident id"
            );
            Ok(())
        }
    }
}

/// Reads the extract and stores it as the survey's frame, drawing a progress bar on
/// `progress` (plain `\r` updates). A reader thread parses the file while this thread
/// stores the rows it has parsed, so reading and the database's work overlap; a bad row
/// anywhere in the file still stores nothing.
pub fn import(
    conn: &mut db::DbConnection,
    args: &ImportArgs,
    progress: &mut dyn Write,
) -> Result<RegisterSummary, CliError> {
    let options = args.options()?;
    let survey = find_survey(conn, &args.survey)?;
    if let Some(earlier) = db::frame::import_info(conn, survey.id)? {
        if !args.replace {
            return Err(CliError::Usage(format!(
                "survey {} already has a frame ({} residents from {}, imported {} UTC); give --replace to import again",
                survey.slug,
                earlier.row_count,
                earlier.file_name,
                earlier.imported_at.format("%Y-%m-%d %H:%M")
            )));
        }
    }
    let file = std::fs::File::open(&args.file)
        .map_err(|e| CliError::Usage(format!("cannot open {}: {e}", args.file.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0).max(1);
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut bar = ProgressBar::new(progress);
    let (read, stored) = std::thread::scope(|scope| {
        // A few batches in flight let reading run ahead of storing without holding the file.
        let (sender, batches) = std::sync::mpsc::sync_channel(4);
        let (give_back, stored_batches) = std::sync::mpsc::channel();
        let (verdict_sender, verdict) = std::sync::mpsc::sync_channel(1);
        let options = &options;
        let reader = scope.spawn(move || {
            let read = read_register_in_batches(
                BufReader::with_capacity(1 << 20, file),
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
            bar.show("importing", p.bytes_read, size, p.rows_read);
            StoredBatch {
                rows,
                give_back: give_back.clone(),
            }
        });
        let stored = db::frame::store_batches(conn, survey.id, &file_name, batches, || {
            verdict.recv().ok().flatten()
        });
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, stored)
    });
    bar.finish();
    let summary = read.map_err(|e| {
        CliError::Usage(format!(
            "{}: {e}\nnothing was imported",
            args.file.display()
        ))
    })?;
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

/// Deletes the personal data of a closed survey's frame; returns (deleted, stripped).
pub fn purge(conn: &mut db::DbConnection, slug: &str) -> Result<(u64, u64), CliError> {
    let survey = find_survey(conn, slug)?;
    if survey.status != crate::survey::SurveyStatus::Closed.as_str() {
        return Err(CliError::Usage(format!(
            "survey {slug} is {}; close fieldwork first (`tsunagari survey close --survey {slug}`), because letters and reminders need the addresses until then",
            survey.status
        )));
    }
    if db::frame::import_info(conn, survey.id)?.is_none() {
        return Err(CliError::Usage(format!(
            "survey {slug} has no frame to purge"
        )));
    }
    Ok(db::frame::purge(conn, survey.id)?)
}

/// A one-line progress bar redrawn with `\r`.
struct ProgressBar<'a> {
    out: &'a mut dyn Write,
    drawn: bool,
    last_percent: Option<u64>,
}

impl<'a> ProgressBar<'a> {
    fn new(out: &'a mut dyn Write) -> Self {
        ProgressBar {
            out,
            drawn: false,
            last_percent: None,
        }
    }

    fn show(&mut self, what: &str, done: u64, of: u64, rows: u64) {
        let percent = (done.min(of) * 100) / of;
        if self.last_percent == Some(percent) {
            return;
        }
        self.last_percent = Some(percent);
        let filled = (percent / 4) as usize;
        // Progress output is best effort: a closed stderr must not stop the import.
        let _ = write!(
            self.out,
            "\r{what:<8} [{}{}] {percent:>3}%  {rows} rows",
            "#".repeat(filled),
            ".".repeat(25 - filled)
        );
        let _ = self.out.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            let _ = writeln!(self.out);
            self.drawn = false;
        }
        self.last_percent = None;
    }
}

//! `tsunagari frame import|purge`: the resident register extract as a survey's sampling
//! frame, and the removal of its personal data after fieldwork.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};

use super::codes::find_survey;
use super::{connection, with_database, CliError, CliResult};
use crate::db;
use crate::ops::{
    self,
    register::{ImportError, ImportPlan, PurgeError},
};
use crate::sampling::register::{ColumnMapping, ImportOptions, RegisterSummary, TextEncoding};

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
    /// auto (UTF-8 with or without BOM; a file that is not UTF-8 but valid CP932 is read as
    /// CP932 and said so), utf-8, or cp932 (= shift_jis, sjis, windows-31j).
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
        let encoding = ops::register::encoding_choice(&self.encoding)
            .map_err(|e| CliError::Usage(format!("--encoding: {e}")))?;
        let delimiter = ops::register::delimiter(&self.delimiter)
            .map_err(|e| CliError::Usage(format!("--delimiter: {e}")))?;
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
            let encoding = if report.encoding_detected && report.encoding == TextEncoding::ShiftJis
            {
                "cp932, detected: the file is not UTF-8".to_string()
            } else {
                report.encoding.to_string()
            };
            println!(
                "imported {} residents ({}, {} flagged to exclude, {} districts) into the frame of {} in {:.1} s",
                report.rows,
                encoding,
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

/// Reads the extract named by `args` and stores it as the survey's frame
/// ([`ops::register::import`]), drawing a progress bar on `progress` (plain `\r` updates).
pub fn import(
    conn: &mut db::DbConnection,
    args: &ImportArgs,
    progress: &mut dyn Write,
) -> Result<RegisterSummary, CliError> {
    let options = args.options()?;
    let survey = find_survey(conn, &args.survey)?;
    let plan = ImportPlan {
        options,
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        replace: args.replace,
    };
    let mut bar = ProgressBar::new(progress);
    let imported =
        ops::register::import_file(conn, survey.id, &plan, &args.file, &mut |p, size| {
            bar.show("importing", p.bytes_read, size, p.rows_read)
        });
    bar.finish();
    imported.map_err(|e| match e {
        ImportError::Open { cause, .. } => {
            CliError::Usage(format!("cannot open {}: {cause}", args.file.display()))
        }
        ImportError::SampleExists { seed, size } => CliError::Usage(format!(
            "survey {} already has a sample drawn from its frame (seed {seed}, n = {size}); the frame cannot be replaced",
            survey.slug
        )),
        ImportError::FrameExists {
            rows,
            file_name,
            imported_at,
        } => CliError::Usage(format!(
            "survey {} already has a frame ({rows} residents from {file_name}, imported {} UTC); give --replace to import again",
            survey.slug,
            imported_at.format("%Y-%m-%d %H:%M")
        )),
        ImportError::Register(e) => CliError::Usage(format!(
            "{}: {e}\nnothing was imported",
            args.file.display()
        )),
        ImportError::Storage(e) => e.into(),
    })
}

/// Deletes the personal data of a closed survey's frame ([`ops::register::purge`]);
/// returns (deleted, stripped).
pub fn purge(conn: &mut db::DbConnection, slug: &str) -> Result<(u64, u64), CliError> {
    let survey = find_survey(conn, slug)?;
    ops::register::purge(conn, &survey).map_err(|e| match e {
        PurgeError::NotClosed { status } => CliError::Usage(format!(
            "survey {slug} is {status}; close fieldwork first (`tsunagari survey close --survey {slug}`), because letters and reminders need the addresses until then"
        )),
        PurgeError::NoFrame => CliError::Usage(format!("survey {slug} has no frame to purge")),
        PurgeError::Storage(e) => e.into(),
    })
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

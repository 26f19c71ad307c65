//! `tsunagari sample draw|summary|rates|mailing-list|reminders|disposition`: the stratified
//! random sample of a survey's frame, its access codes, the lists for the print shop and
//! what became of each letter.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::codes::find_survey;
use super::{connection, with_database, CliError, CliResult};
use crate::db;
use crate::ops::sample::{
    draw, AllocationRequest, DrawError, DrawPlan, DrawRequest, DrawRequestError, Finalise, List,
    ListError,
};
use crate::sampling::access_code::AccessCode;
use crate::sampling::age::DEFAULT_MINIMUM_AGE;
use crate::sampling::register::TextEncoding;
use crate::views::sampling as report;

/// Sample commands.
#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// Draw the stratified random sample from the frame and issue an access code per
    /// sampled person; prints the seed and the per-stratum summary.
    Draw(DrawArgs),
    /// Show the sample's design and per-stratum N_h, n_h, π_h.
    Summary {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        /// Print CSV (stratum,N_h,n_h,pi_h,base_weight) instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Response rates (AAPOR RR1, RR2 and the valid response rate) per stratum and overall.
    Rates {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Write the mailing list for the print shop (code, postal code, address, name,
    /// stratum). Once written, the sample can no longer be replaced.
    MailingList(ListArgs),
    /// Write the reminder list: sampled people with no response yet (or only a partial
    /// online answer), with what the mailing list has.
    Reminders(ListArgs),
    /// Set the letter text of a survey from the `[letter]` section of a survey file.
    Letter {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        /// The survey file (e.g. surveys/demo.toml).
        #[arg(long)]
        file: PathBuf,
    },
    /// Record what happened to a letter: returned_undeliverable, moved_away, deceased,
    /// refused, ineligible, paper_received, paper_partial, away, unable_to_answer — or
    /// no_response to clear what was recorded.
    Disposition {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        /// The access code printed on the letter.
        #[arg(long)]
        code: String,
        /// The disposition.
        #[arg(long)]
        set: String,
        /// A note kept with it.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Options of the list commands.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// The survey's slug.
    #[arg(long)]
    pub survey: String,
    /// utf-8 (with BOM, for Excel) or cp932 (Shift_JIS).
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// The CSV file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `sample draw`.
#[derive(Debug, Clone, Args)]
pub struct DrawArgs {
    /// The survey's slug.
    #[arg(long)]
    pub survey: String,
    /// The date eligibility and ages are computed on (YYYY-MM-DD).
    #[arg(long)]
    pub reference_date: String,
    /// Minimum age on the reference date.
    #[arg(long, default_value_t = DEFAULT_MINIMUM_AGE)]
    pub min_age: u32,
    /// Stratum variables, comma-separated: district, sex, age_band (empty: one stratum).
    #[arg(long, default_value = "")]
    pub strata: String,
    /// Age bands, e.g. "16-29,30-39,...,80-" (default: from the minimum age to 29, then
    /// ten-year bands, 80 and over).
    #[arg(long)]
    pub age_bands: Option<String>,
    /// Total sample size n (with --proportional or --equal).
    #[arg(long)]
    pub n: Option<u64>,
    /// Proportional allocation with a minimum per stratum.
    #[arg(long)]
    pub proportional: bool,
    /// Minimum per stratum for --proportional.
    #[arg(long, default_value_t = 1)]
    pub min_per_stratum: u64,
    /// The same size in every stratum.
    #[arg(long)]
    pub equal: bool,
    /// Explicit sizes from a CSV file `stratum,n` (the summary CSV shape works).
    #[arg(long)]
    pub sizes: Option<PathBuf>,
    /// The seed (a whole number); a random one is chosen and printed when omitted.
    #[arg(long)]
    pub seed: Option<String>,
    /// Replace the survey's sample (only before letters or the mailing list were produced).
    #[arg(long)]
    pub replace: bool,
}

impl DrawArgs {
    /// Parses the options into a plan ([`DrawRequest::plan`], as the draw page does).
    pub fn plan(&self) -> Result<DrawPlan, CliError> {
        let usage = CliError::Usage;
        let chosen = [self.proportional, self.equal, self.sizes.is_some()]
            .iter()
            .filter(|&&c| c)
            .count();
        if chosen != 1 {
            return Err(usage(
                "choose one allocation: --proportional (with --n), --equal (with --n) or --sizes FILE".into(),
            ));
        }
        let allocation = match &self.sizes {
            Some(path) => AllocationRequest::Explicit(
                std::fs::read(path)
                    .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?,
            ),
            None if self.proportional => AllocationRequest::Proportional,
            None => AllocationRequest::Equal,
        };
        let request = DrawRequest {
            reference_date: self.reference_date.clone(),
            min_age: self.min_age,
            strata: self.strata.clone(),
            age_bands: self.age_bands.clone(),
            allocation,
            n: self.n,
            min_per_stratum: self.min_per_stratum,
            seed: self.seed.clone(),
            replace: self.replace,
        };
        request.plan().map_err(|e| {
            usage(match e {
                DrawRequestError::Date(text) => {
                    format!("--reference-date `{text}` is not a date like 2026-12-01")
                }
                DrawRequestError::Strata(e) => format!("--strata: {e}"),
                DrawRequestError::AgeBands(e) => format!("--age-bands: {e}"),
                DrawRequestError::NoSize => "give the sample size with --n".into(),
                DrawRequestError::SizeWithSizes => {
                    "--n is not used with --sizes: the sizes file gives every n_h".into()
                }
                DrawRequestError::Sizes(e) => match &self.sizes {
                    Some(path) => format!("{}: {e}", path.display()),
                    None => e.to_string(),
                },
                DrawRequestError::Seed(e) => format!("--seed: {e}"),
            })
        })
    }
}

/// Runs a sample command.
pub fn run(cmd: SampleCommand) -> CliResult {
    let (pool, _, _) = with_database()?;
    let mut conn = connection(&pool)?;
    let mut stdout = std::io::stdout();
    match cmd {
        SampleCommand::Draw(args) => {
            let survey = find_survey(&mut conn, &args.survey)?;
            let plan = args.plan()?;
            let started = std::time::Instant::now();
            let outcome = draw(&mut conn, survey.id, &plan)?;
            let c = outcome.counts;
            println!(
                "drew {} of {} eligible residents for {} in {:.2} s (seed {})",
                outcome.sample.sample_size,
                outcome.sample.frame_size,
                survey.slug,
                started.elapsed().as_secs_f64(),
                outcome.sample.seed
            );
            println!(
                "register: {} residents; left out: {} flagged, {} under {} on {}, {} born after it",
                c.considered,
                c.excluded,
                c.too_young,
                outcome.sample.min_age,
                outcome.sample.reference_date,
                c.not_yet_born
            );
            print_summary(&mut stdout, &outcome.sample, &outcome.strata)
        }
        SampleCommand::Summary { survey, csv } => {
            let (sample, strata) = sample_of(&mut conn, &survey)?;
            if csv {
                write_out(&mut stdout, report::summary_csv(&strata).as_bytes())
            } else {
                print_summary(&mut stdout, &sample, &strata)
            }
        }
        SampleCommand::Rates { survey, csv } => {
            let (sample, strata) = sample_of(&mut conn, &survey)?;
            let outcomes = db::sample::outcomes(&mut conn, sample.id)?;
            let rates = report::RateTable::new(&strata, &outcomes);
            if csv {
                write_out(&mut stdout, rates.csv().as_bytes())
            } else {
                write_out(&mut stdout, rates.text().as_bytes())
            }
        }
        SampleCommand::MailingList(args) => {
            let written = write_list(&mut conn, &args, List::Mailing(Finalise::Now))?;
            println!("wrote {written} addressees to {}", args.out.display());
            Ok(())
        }
        SampleCommand::Reminders(args) => {
            let written = write_list(&mut conn, &args, List::Reminders)?;
            println!("wrote {written} non-respondents to {}", args.out.display());
            Ok(())
        }
        SampleCommand::Letter { survey, file } => {
            let row = find_survey(&mut conn, &survey)?;
            let settings = crate::survey::SurveySettings::load(&file)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let letter = settings.letter.ok_or_else(|| {
                CliError::Usage(format!("{} has no [letter] section", file.display()))
            })?;
            db::sample::set_letter(&mut conn, row.id, &letter.to_json())?;
            println!("letter text of {survey} set from {}", file.display());
            Ok(())
        }
        SampleCommand::Disposition {
            survey,
            code,
            set,
            note,
        } => {
            let row = find_survey(&mut conn, &survey)?;
            let code = AccessCode::parse(&code)
                .map_err(|e| CliError::Usage(format!("--code {code}: {e}")))?;
            let disposition = crate::sampling::disposition::parse_recordable(&set)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            db::sample::record_disposition(&mut conn, row.id, &code, disposition, note.as_deref())?;
            println!(
                "{}: {}",
                code.grouped(),
                disposition.map_or("cleared", |d| d.label_ja())
            );
            Ok(())
        }
    }
}

fn write_out(out: &mut dyn Write, bytes: &[u8]) -> CliResult {
    out.write_all(bytes).map_err(|e| CliError::Failed(e.into()))
}

fn print_summary(
    out: &mut dyn Write,
    sample: &crate::sampling::records::SampleRecord,
    strata: &[crate::sampling::records::StratumRecord],
) -> CliResult {
    write_out(out, report::summary_text(sample, strata).as_bytes())
}

/// The sample of a survey with its strata, or a usage error.
pub fn sample_of(
    conn: &mut db::DbConnection,
    slug: &str,
) -> Result<
    (
        crate::sampling::records::SampleRecord,
        Vec<crate::sampling::records::StratumRecord>,
    ),
    CliError,
> {
    let survey = find_survey(conn, slug)?;
    let sample = db::sample::find(conn, survey.id)?.ok_or_else(|| {
        CliError::Usage(format!(
            "survey {slug} has no sample yet; draw one with `tsunagari sample draw --survey {slug} …`"
        ))
    })?;
    let strata = db::sample::strata(conn, sample.id)?;
    Ok((sample, strata))
}

fn write_list(conn: &mut db::DbConnection, args: &ListArgs, list: List) -> Result<usize, CliError> {
    let survey = find_survey(conn, &args.survey)?;
    let encoding: TextEncoding = args
        .encoding
        .parse()
        .map_err(|e| CliError::Usage(format!("--encoding: {e}")))?;
    let (bytes, count) = crate::ops::sample::list_csv(conn, survey.id, list, encoding)?;
    std::fs::write(&args.out, bytes)
        .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", args.out.display())))?;
    Ok(count)
}

impl From<DrawError> for CliError {
    fn from(e: DrawError) -> Self {
        let usage = CliError::Usage;
        match e {
            DrawError::SampleExists { seed, size } => usage(format!(
                "this survey already has a sample (seed {seed}, n = {size}); give --replace to draw it again before any letter goes out"
            )),
            DrawError::NoFrame => usage(
                "the survey has no frame yet; import the register with `tsunagari frame import`".into(),
            ),
            DrawError::FramePurged => usage(
                "the frame's personal data was purged; a new draw needs a new import".into(),
            ),
            DrawError::SampleFinal { at } => usage(format!(
                "this survey's sample was made final on {} UTC (for its letters and mailing list) and cannot be replaced",
                at.format("%Y-%m-%d %H:%M")
            )),
            used @ DrawError::CodesUsed { .. } => usage(used.to_string()),
            DrawError::Plan(problem) => usage(problem.to_string()),
            DrawError::Corrupt(message) => CliError::Failed(anyhow::anyhow!(message)),
            DrawError::Storage(e) => e.into(),
        }
    }
}

impl From<ListError> for CliError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::NoSample => CliError::Usage(
                "the survey has no sample yet; draw one with `tsunagari sample draw`".into(),
            ),
            // `sample mailing-list` makes the sample final itself, so this is not said to it.
            ListError::NotFinal => CliError::Usage(
                "the sample is not final yet; `tsunagari sample mailing-list` makes it final"
                    .into(),
            ),
            ListError::FramePurged => CliError::Usage(
                "the frame's personal data was purged; address lists can no longer be made".into(),
            ),
            ListError::Encoding(e) => CliError::Usage(e.to_string()),
            ListError::Storage(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_dispositions_that_do_not_follow_from_answers_can_be_recorded() {
        assert_eq!(
            crate::sampling::disposition::parse_recordable("refused"),
            Ok(Some(crate::sampling::disposition::Disposition::Refused))
        );
        assert_eq!(
            crate::sampling::disposition::parse_recordable("no_response"),
            Ok(None)
        );
        assert!(crate::sampling::disposition::parse_recordable("completed_online").is_err());
        assert!(crate::sampling::disposition::parse_recordable("lost").is_err());
    }
}

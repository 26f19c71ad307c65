//! Benchmark of the sampling core at municipal-register scale: writes a synthetic
//! 1.5-million-row register extract in CP932 (Shift_JIS as Windows writes it, with
//! NEC/IBM extension kanji and era birth dates), then times the import, the frame build
//! (district × age band), the allocation and the draw of 20,000.
//!
//! Run in release mode (see BENCHMARKS.md):
//!
//! ```text
//! cargo run --release --example bench_sampling -- [rows] [sample size] [seed]
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::{Duration, Instant};

use encoding_rs::SHIFT_JIS;
use tsunagari::sampling::age::{AgeBands, Eligibility};
use tsunagari::sampling::allocation::{allocate, AllocationMethod, StratumPopulation};
use tsunagari::sampling::draw::{draw_sample, Seed};
use tsunagari::sampling::era_date::format_era;
use tsunagari::sampling::frame::{Frame, FrameCandidate, FrameDesign};
use tsunagari::sampling::register::{
    read_register, ColumnMapping, EncodingChoice, ImportOptions, TextEncoding,
};
use tsunagari::sampling::strata::StratumVariable;

const DISTRICTS: [&str; 12] = [
    "須坂",
    "日滝",
    "豊洲",
    "日野",
    "井上",
    "高甫",
    "仁礼",
    "仙仁",
    "豊丘",
    "旭ケ丘",
    "墨坂",
    "小山",
];
const FAMILY_NAMES: [&str; 8] = [
    "髙橋", "山﨑", "德永", "佐藤", "鈴木", "田中", "渡辺", "伊藤",
];
const GIVEN_NAMES: [&str; 8] = ["太郎", "花子", "一郎", "美咲", "翔太", "陽菜", "健", "由美"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_500_000);
    let sample_size: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let seed: Seed = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(Seed(20221201));

    let path = std::env::temp_dir().join(format!(
        "tsunagari-bench-register-{}.csv",
        std::process::id()
    ));
    let started = Instant::now();
    let bytes = write_register(&path, rows)?;
    eprintln!(
        "wrote {rows} rows ({:.1} MB, CP932) to {} in {:.2?}",
        bytes as f64 / 1e6,
        path.display(),
        started.elapsed()
    );

    let columns = ColumnMapping {
        resident_id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into(), "方書".into()],
        postal_code: Some("郵便番号".into()),
        birth_date: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: Some("除外".into()),
    };
    let options = ImportOptions {
        encoding: EncodingChoice::Named(TextEncoding::ShiftJis),
        ..ImportOptions::new(columns)
    };

    let watch = Stopwatch::start();
    let mut last_report = 0u64;
    let register = read_register(
        BufReader::with_capacity(1 << 20, File::open(&path)?),
        &options,
        &mut |progress| {
            // What a progress bar would draw, every 250,000 rows.
            if progress.rows_read >= last_report + 250_000 {
                last_report = progress.rows_read;
                eprintln!(
                    "  import: {} rows, {:.0}%",
                    progress.rows_read,
                    100.0 * progress.bytes_read as f64 / bytes as f64
                );
            }
        },
    )?;
    let import_time = watch.stop();
    std::fs::remove_file(&path)?;

    let watch = Stopwatch::start();
    let design = FrameDesign::new(
        Eligibility::new(chrono::NaiveDate::from_ymd_opt(2022, 12, 1).ok_or("date")?),
        Some("16-29,30-39,...,80-".parse::<AgeBands>()?),
        vec![StratumVariable::District, StratumVariable::AgeBand],
    )?;
    let frame = Frame::build(register.records.iter().map(FrameCandidate::from), design)?;
    let frame_time = watch.stop();

    let watch = Stopwatch::start();
    let populations: Vec<StratumPopulation> = frame
        .strata
        .iter()
        .map(|s| StratumPopulation {
            label: s.label.clone(),
            population: s.population,
        })
        .collect();
    let allocation = allocate(
        &populations,
        &AllocationMethod::Proportional {
            total: sample_size,
            minimum: 30,
        },
    )?;
    let allocation_time = watch.stop();

    let watch = Stopwatch::start();
    let sample = draw_sample(&frame, &allocation, seed)?;
    let draw_time = watch.stop();

    println!("| step | rows | wall time | CPU time |");
    println!("|---|---|---|---|");
    println!(
        "| import (CP932, decode + parse + era dates + duplicate check) | {} | {} |",
        register.records.len(),
        import_time
    );
    println!(
        "| frame (eligibility on 2022-12-01, district × age band, {} strata) | {} eligible | {} |",
        frame.strata.len(),
        frame.units.len(),
        frame_time
    );
    println!(
        "| allocation (proportional, minimum 30) | {} strata | {} |",
        allocation.strata.len(),
        allocation_time
    );
    println!(
        "| draw {} (seed {}) | {} drawn | {} |",
        sample_size,
        sample.seed,
        sample.units.len(),
        draw_time
    );
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

/// Wall time and the CPU time of this (single) thread, shown side by side because the
/// benchmark machine may be shared with other work.
struct Stopwatch {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            wall: Instant::now(),
            cpu: thread_cpu_time(),
        }
    }

    /// `wall | cpu` for a Markdown table.
    fn stop(&self) -> String {
        let wall = ms(self.wall.elapsed());
        match (self.cpu, thread_cpu_time()) {
            (Some(before), Some(after)) => format!("{wall} | {}", ms(after.saturating_sub(before))),
            _ => format!("{wall} | n/a"),
        }
    }
}

/// CPU time of the calling thread from Linux's /proc; `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

/// Writes the synthetic register and returns its size in bytes.
fn write_register(path: &std::path::Path, rows: usize) -> Result<u64, Box<dyn std::error::Error>> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut text = String::from("住民番号,氏,名,住所,方書,郵便番号,生年月日,性別,地区,除外\r\n");
    let mut written = 0u64;
    // A fixed linear congruential sequence: the same file on every run.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    for i in 0..rows {
        let district = DISTRICTS[(next() % 12) as usize];
        let birth = chrono::NaiveDate::from_ymd_opt(1920, 1, 1)
            .ok_or("date")?
            .checked_add_days(chrono::Days::new(next() % 36_500))
            .ok_or("date")?;
        // Half the dates in the long era form, the rest ISO or the short era form.
        let birth_text = match i % 4 {
            0 | 1 => format_era(birth),
            2 => birth.format("%Y-%m-%d").to_string(),
            _ => short_era(birth),
        };
        let building = if next() % 5 == 0 {
            "コーポ須坂101号"
        } else {
            ""
        };
        text.push_str(&format!(
            "{:08},{},{},長野県須坂市大字{}{}番地{},{},382-{:04},{},{},{},{}\r\n",
            i + 1,
            FAMILY_NAMES[(next() % 8) as usize],
            GIVEN_NAMES[(next() % 8) as usize],
            district,
            next() % 3000 + 1,
            if next() % 3 == 0 { "の2" } else { "" },
            building,
            next() % 10_000,
            birth_text,
            1 + next() % 2,
            district,
            if next() % 200 == 0 { "1" } else { "" },
        ));
        if text.len() > 1 << 20 || i + 1 == rows {
            let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
            if unmappable {
                return Err("synthetic text not encodable in CP932".into());
            }
            out.write_all(&bytes)?;
            written += bytes.len() as u64;
            text.clear();
        }
    }
    out.flush()?;
    Ok(written)
}

/// `S45.03.12`.
fn short_era(date: chrono::NaiveDate) -> String {
    let long = format_era(date);
    let (era, rest) = long.split_at(6);
    let letter = match era {
        "明治" => "M",
        "大正" => "T",
        "昭和" => "S",
        "平成" => "H",
        _ => "R",
    };
    let rest = rest
        .replace('元', "1")
        .replace(['年', '月'], ".")
        .replace('日', "");
    format!("{letter}{rest}")
}

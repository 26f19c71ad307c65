//! Benchmark of the estimation engine on a prefecture-sized survey (documented in
//! BENCHMARKS.md, "Estimation"):
//!
//! ```text
//! cargo run --release --example bench_estimate -- [--rows 800000] [--dir target/bench-estimate] [--repeat 7]
//! ```
//!
//! Generates (once, deterministically) `survey_ROWS.csv` with 84 strata (14 districts × 6 age
//! bands) and two register margins (`totals_sexage.csv`, `totals_district.csv`), then times in
//! one process: reading the CSV, building the design, raking to the two margins, and seven
//! subgroup tables of a proportion with SEs and logit CIs plus the overall row
//! (`Design::proportion_tables`, one pass for all; also table by table with
//! `proportion_by`) — next to two plain passes without any statistics, the floor any table
//! needs: weighted counts by one variable, and by all seven variables at once. The in-memory
//! steps are repeated and reported as medians.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tsunagari::estimate::{
    read_csv_columns, Categorical, ColumnRequest, Design, EstimateOptions, MarginTotals, Outcome,
    RakeOptions,
};

const DISTRICTS: usize = 14;
const AGE_BANDS: [&str; 6] = ["16-29", "30-39", "40-49", "50-59", "60-69", "70+"];
const BY: [&str; 7] = [
    "district",
    "ageband",
    "sex",
    "sexage",
    "household",
    "employment",
    "health",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows = 800_000usize;
    let mut dir = PathBuf::from("target/bench-estimate");
    let mut repeat = 7usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().ok_or("--rows needs a number")?.parse()?,
            "--dir" => dir = PathBuf::from(args.next().ok_or("--dir needs a path")?),
            "--repeat" => repeat = args.next().ok_or("--repeat needs a number")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let data = dir.join(format!("survey_{rows}.csv"));
    if !data.exists() {
        let started = Instant::now();
        generate(&dir, &data, rows)?;
        eprintln!(
            "generated {} in {:.1} s",
            data.display(),
            started.elapsed().as_secs_f64()
        );
    }

    let t = Instant::now();
    let mut requests = vec![
        ColumnRequest::numeric("w"),
        ColumnRequest::numeric("N_h"),
        ColumnRequest::categorical("stratum"),
        ColumnRequest::numeric("lonely"),
    ];
    requests.extend(BY.iter().map(|b| ColumnRequest::categorical(b)));
    let columns = read_csv_columns(&data, &requests)?;
    let read_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let design = Design::builder(columns.numeric("w").ok_or("w")?.to_vec())
        .strata(
            "stratum",
            columns.categorical("stratum").ok_or("stratum")?.clone(),
        )
        .fpc("N_h", columns.numeric("N_h").ok_or("N_h")?.to_vec())
        .build()?;
    let build_s = t.elapsed().as_secs_f64();
    let by_columns = BY
        .iter()
        .map(|by| columns.categorical(by).ok_or(*by))
        .collect::<Result<Vec<_>, _>>()?;
    let lonely_values = columns.numeric("lonely").ok_or("lonely")?;
    let options = EstimateOptions::default();

    // The in-memory steps, repeated; each is reported as the median over the repeats.
    let mut timings = Timings::default();
    let mut result = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let margins = [
            margin(&columns, "sexage", &dir.join("totals_sexage.csv"))?,
            margin(&columns, "district", &dir.join("totals_district.csv"))?,
        ];
        let raked = design.rake(&margins, &RakeOptions::default())?;
        timings.rake.push(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let lonely = Outcome::from_values(lonely_values.to_vec());
        let estimates = raked.proportion_tables(&lonely, &by_columns, &options)?;
        timings.tables.push(t.elapsed().as_secs_f64());

        // The same tables one call each, as a caller of `proportion_by` gets them.
        let t = Instant::now();
        let mut one_by_one = 0.0;
        for column in &by_columns {
            for level in raked.proportion_by(&lonely, column, &options)? {
                one_by_one += level.estimate.as_ref().map_or(0.0, |e| e.se);
            }
        }
        timings.one_by_one.push(t.elapsed().as_secs_f64());

        // Plain passes without any statistics: weighted counts of answers and of 1s by the
        // levels of one variable, and by the levels of all seven.
        let weights = raked.weights();
        let t = Instant::now();
        let district = weighted_counts(lonely_values, weights, &[by_columns[0]]);
        timings.one_pass.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let seven = weighted_counts(lonely_values, weights, &by_columns);
        timings.seven_pass.push(t.elapsed().as_secs_f64());
        result = Some((raked, estimates, one_by_one, district, seven));
    }
    let (raked, estimates, one_by_one, district, seven) =
        result.ok_or("--repeat must be at least 1")?;

    let overall = estimates.overall.as_ref().ok_or("nobody answered")?;
    let mut cells = 0;
    let mut checksum = overall.se;
    for table in &estimates.tables {
        for level in table {
            let e = level.estimate.as_ref().ok_or("empty level")?;
            checksum += e.se + e.ci.map_or(0.0, |c| c.1);
            cells += 1;
        }
    }
    let report = raked.calibration_report().ok_or("not calibrated")?;
    let [rake, tables, by_one, one_pass, seven_pass] = [
        &timings.rake,
        &timings.tables,
        &timings.one_by_one,
        &timings.one_pass,
        &timings.seven_pass,
    ]
    .map(|samples| median(samples));
    let fastest = |samples: &[f64]| samples.iter().copied().fold(f64::INFINITY, f64::min) * 1e3;
    let first_job = read_s + build_s + timings.rake[0] + timings.tables[0];
    println!("respondents           {}", design.n_rows());
    println!("strata                {}", design.n_strata());
    println!("raking sweeps         {}", report.iterations);
    println!(
        "overall prevalence    {:.4} (SE {:.5})",
        overall.estimate, overall.se
    );
    println!("table cells           {cells} in {} tables", BY.len());
    println!("read CSV              {:8.1} ms", read_s * 1e3);
    println!("build design          {:8.1} ms", build_s * 1e3);
    println!(
        "whole job             {:8.1} ms   (read + build + first rake and tables)",
        first_job * 1e3
    );
    println!("medians of {repeat} repeats:");
    println!(
        "rake (2 margins)      {:8.2} ms   (fastest {:.2})",
        rake * 1e3,
        fastest(&timings.rake)
    );
    println!(
        "7 tables + overall    {:8.2} ms   (fastest {:.2})",
        tables * 1e3,
        fastest(&timings.tables)
    );
    println!(
        "7 tables one by one   {:8.2} ms   (proportion_by per table, not in the job)",
        by_one * 1e3
    );
    println!(
        "one plain pass        {:8.2} ms   (weighted counts by district; fastest {:.2})",
        one_pass * 1e3,
        fastest(&timings.one_pass)
    );
    println!(
        "seven plain tables    {:8.2} ms   (weighted counts by all 7 variables, one pass; fastest {:.2})",
        seven_pass * 1e3,
        fastest(&timings.seven_pass)
    );
    println!(
        "in-memory / one pass  {:8.1} x   (rake + tables) / one plain pass",
        (rake + tables) / one_pass
    );
    println!(
        "in-memory / 7 tables  {:8.1} x   (rake + tables) / seven plain tables",
        (rake + tables) / seven_pass
    );
    let plain_checksum: f64 = district.iter().chain(&seven).map(|(w, wy)| wy / w).sum();
    println!("(checksums {checksum:.6} {plain_checksum:.6} {one_by_one:.6})");
    println!();
    println!("same job through the command line:");
    println!(
        "  time target/release/tsunagari estimate --data {} --weights w --strata stratum --fpc N_h \
         --rake sexage={} --rake district={} --outcome lonely --by {} > /dev/null",
        data.display(),
        dir.join("totals_sexage.csv").display(),
        dir.join("totals_district.csv").display(),
        BY.join(" ")
    );
    Ok(())
}

/// Seconds per repeat of each in-memory step.
#[derive(Default)]
struct Timings {
    rake: Vec<f64>,
    tables: Vec<f64>,
    one_by_one: Vec<f64>,
    one_pass: Vec<f64>,
    seven_pass: Vec<f64>,
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// (Σ w, Σ w·y) over the rows with an answer, by level of each variable, in one pass.
fn weighted_counts(y: &[f64], weights: &[f64], by: &[&Categorical]) -> Vec<(f64, f64)> {
    let offsets: Vec<usize> = by
        .iter()
        .scan(0, |next, column| {
            let first = *next;
            *next += column.levels().len();
            Some(first)
        })
        .collect();
    let mut sums = vec![
        (0.0f64, 0.0f64);
        offsets
            .last()
            .map_or(0, |o| o + by[by.len() - 1].levels().len())
    ];
    for (i, (&yi, &w)) in y.iter().zip(weights).enumerate() {
        if yi.is_nan() {
            continue;
        }
        for (column, &offset) in by.iter().zip(&offsets) {
            let code = column.codes()[i];
            if code != Categorical::MISSING {
                let s = &mut sums[offset + code as usize];
                s.0 += w;
                s.1 += w * yi;
            }
        }
    }
    sums
}

fn margin(
    columns: &tsunagari::estimate::CsvColumns,
    name: &str,
    path: &Path,
) -> Result<MarginTotals, Box<dyn std::error::Error>> {
    let entries = tsunagari::estimate::read_totals_csv(path, name)?;
    let totals: Vec<(String, f64)> = entries.into_iter().map(|e| (e.category, e.total)).collect();
    Ok(MarginTotals::new(
        name,
        columns.categorical(name).ok_or(name)?,
        &totals,
    )?)
}

/// Writes the synthetic survey and its register totals.
fn generate(dir: &Path, data: &Path, rows: usize) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(20240601);
    let strata = DISTRICTS * AGE_BANDS.len();
    // Population and sample size per stratum; the sample adds up to `rows`.
    let population: Vec<f64> = (0..strata)
        .map(|_| rng.gen_range(20_000..90_000) as f64)
        .collect();
    let share: Vec<f64> = (0..strata).map(|_| rng.gen_range(0.6..1.4)).collect();
    let share_sum: f64 = share.iter().sum();
    let mut sizes: Vec<usize> = share
        .iter()
        .map(|s| (s / share_sum * rows as f64) as usize)
        .collect();
    let short = rows - sizes.iter().sum::<usize>();
    sizes[0] += short;

    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(data)?);
    writeln!(
        out,
        "id,stratum,district,ageband,sex,sexage,N_h,w,household,employment,health,lonely"
    )?;
    let mut id = 0;
    for (h, &n) in sizes.iter().enumerate() {
        let district = format!("D{:02}", h / AGE_BANDS.len() + 1);
        let band = AGE_BANDS[h % AGE_BANDS.len()];
        let weight = population[h] / n as f64;
        for _ in 0..n {
            id += 1;
            let sex = if rng.gen_bool(0.52) { "F" } else { "M" };
            let household = rng.gen_range(1..=5);
            let employment = ["employed", "student", "retired", "other"][rng.gen_range(0..4)];
            let health = ["good", "fair", "poor"][rng.gen_range(0..3)];
            let p =
                0.08 + 0.02 * (h % AGE_BANDS.len()) as f64 + if household == 1 { 0.1 } else { 0.0 };
            let lonely = if rng.gen_bool(0.03) {
                String::new()
            } else {
                u8::from(rng.gen_bool(p)).to_string()
            };
            writeln!(
                out,
                "{id},{district}:{band},{district},{band},{sex},{sex}:{band},{},{weight},{household},{employment},{health},{lonely}",
                population[h]
            )?;
        }
    }
    out.flush()?;

    // Register totals: the population by district and by sex × age band (a male share that
    // differs from the sample's, so raking has work to do).
    let mut district_totals = [0.0; DISTRICTS];
    let mut band_totals = vec![0.0; AGE_BANDS.len()];
    for h in 0..strata {
        district_totals[h / AGE_BANDS.len()] += population[h];
        band_totals[h % AGE_BANDS.len()] += population[h];
    }
    let mut districts = std::fs::File::create(dir.join("totals_district.csv"))?;
    writeln!(districts, "district,total")?;
    for (d, total) in district_totals.iter().enumerate() {
        writeln!(districts, "D{:02},{total}", d + 1)?;
    }
    let mut sexage = std::fs::File::create(dir.join("totals_sexage.csv"))?;
    writeln!(sexage, "sexage,total")?;
    for (b, band) in AGE_BANDS.iter().enumerate() {
        let male = (band_totals[b] * (0.50 - 0.02 * b as f64)).round();
        writeln!(sexage, "F:{band},{}", band_totals[b] - male)?;
        writeln!(sexage, "M:{band},{male}")?;
    }
    Ok(())
}

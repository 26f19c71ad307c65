//! Benchmark of sampling through the database: import a synthetic register of N rows into
//! a survey's frame (one transaction), then draw a stratified sample and store it with its
//! access codes, as `tsunagari frame import` and `tsunagari sample draw` do.
//!
//! `cargo run --release --example bench_sampling_db -- [rows] [sample size] [database]`
//! (defaults: 1500000, 20000, a fresh SQLite file in a temporary folder; a `postgres://`
//! URL of an empty database works too).

use std::time::Instant;

use tsunagari::config::DatabaseUrl;
use tsunagari::ops::register::{import, ImportPlan};
use tsunagari::ops::sample::{draw, DrawPlan};
use tsunagari::sampling::age::Eligibility;
use tsunagari::sampling::allocation::AllocationMethod;
use tsunagari::sampling::draw::Seed;
use tsunagari::sampling::register::{ColumnMapping, EncodingChoice, ImportOptions, TextEncoding};
use tsunagari::sampling::strata::StratumVariable;
use tsunagari::survey::SurveySettings;

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
    let folder = tempfile::tempdir()?;
    let url = match args.next() {
        Some(url) => DatabaseUrl::parse(&url)?,
        None => DatabaseUrl::Sqlite(folder.path().join("bench.sqlite3")),
    };
    let pool = tsunagari::db::connect(&url)?;
    tsunagari::db::migrate(&pool)?;
    let mut conn = pool.get()?;
    let settings = SurveySettings::load(std::path::Path::new("surveys/demo.toml"))?;
    let config = tsunagari::config::Config {
        database: url.clone(),
        bind: "127.0.0.1:0".into(),
        base_url: "http://127.0.0.1:8080".into(),
        questionnaires_dir: "questionnaires".into(),
        cookie_secure: false,
        trust_proxy: false,
        time_zone: chrono_tz::Asia::Tokyo,
        mail: tsunagari::config::MailSettings::folder(folder.path().join("mail")),
        sqlite_synchronous: Default::default(),
    };
    let survey = tsunagari::ops::surveys::create(&mut conn, &config.questionnaires_dir, &settings)
        .map_err(|e| format!("{e:?}"))?;

    let file = folder.path().join("register.csv");
    let started = Instant::now();
    std::fs::write(&file, tsunagari::demo::synthetic_register(rows))?;
    eprintln!(
        "wrote {rows} rows ({:.1} MB) in {:.1?}",
        std::fs::metadata(&file)?.len() as f64 / 1e6,
        started.elapsed()
    );

    let import_args = ImportPlan {
        options: ImportOptions {
            encoding: EncodingChoice::Named(TextEncoding::Utf8),
            ..ImportOptions::new(ColumnMapping {
                resident_id: "住民番号".into(),
                name: vec!["氏".into(), "名".into()],
                address: vec!["住所".into()],
                postal_code: Some("郵便番号".into()),
                birth_date: "生年月日".into(),
                sex: Some("性別".into()),
                district: Some("地区".into()),
                exclude: None,
            })
        },
        file_name: "register.csv".into(),
        replace: false,
    };
    let started = Instant::now();
    let report = import(
        &mut conn,
        survey.id,
        &import_args,
        std::fs::File::open(&file)?,
        &mut |_| {},
    )
    .map_err(|e| format!("{e:?}"))?;
    let import_time = started.elapsed();

    let plan = DrawPlan {
        eligibility: Eligibility::new(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
        strata_by: vec![StratumVariable::District, StratumVariable::AgeBand],
        age_bands: "16-29,30-39,...,80-".parse()?,
        method: AllocationMethod::Proportional {
            total: sample_size,
            minimum: 30,
        },
        seed: Seed(20261201),
        replace: false,
    };
    let started = Instant::now();
    let outcome = draw(&mut conn, survey.id, &plan).map_err(|e| format!("{e:?}"))?;
    let draw_time = started.elapsed();

    println!("| step | rows | wall time |");
    println!("|---|---|---|");
    println!(
        "| import into {} (read + store in one transaction) | {} | {} ms |",
        url.describe(),
        report.rows,
        import_time.as_millis()
    );
    println!(
        "| draw {} (load frame + strata + allocate + draw + store units and codes), {} strata | {} eligible | {} ms |",
        outcome.sample.sample_size,
        outcome.strata.len(),
        outcome.sample.frame_size,
        draw_time.as_millis()
    );
    Ok(())
}

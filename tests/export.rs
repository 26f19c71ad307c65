//! The analysis file for statisticians on both backends: the export of a deterministic survey
//! equals the committed fixture (tests/fixtures/export/, made by r/export_fixture.sh), the
//! dashboard's subgroups.csv equals the committed real R run of its reproduce.R
//! (reproduced.csv) to 1e-6 relative in every cell it shows and shows nothing of the cells
//! it withholds, the zip download holds the same four files with the data version and the
//! weighting, no frame name, address, birth date, resident id or access code is in any file,
//! and the command writes exactly the four files — or, before any response, says what to do.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use actix_web::http::{header, StatusCode};
use common::planner_data::{drawn_survey, submit};
use common::secrets::secrets;
use common::*;
use tsunagari::analysis::cells::View;
use tsunagari::analysis::weighting::{MarginKind, Method, WeightingSpec};
use tsunagari::analysis::{Dataset, Published, RegisterCell, Respondent, Weighting};
use tsunagari::auth::Role;
use tsunagari::export::analysis_file::{AnalysisFile, ExportInfo, FILE_NAMES};
use tsunagari::questionnaire::Answer;
use tsunagari::questionnaire::Lang;

const PASSWORD: &str = "a-long-enough-password";
/// The draw of the fixture survey and the order of its respondents in the fixture.
const DRAW_SEED: u64 = 11;
const FIXTURE_SEED: u64 = 20261203;
/// A comment one respondent writes.
const FREE_TEXT: &str = "近所の佐藤さんに毎朝あいさつしています";
/// The demo answers' random stream.
const ANSWER_SEED: u64 = 2026;
/// Set to write the fixture's inputs anew (r/export_fixture.sh does, then runs R).
const WRITE_FIXTURE: &str = "TSUNAGARI_WRITE_EXPORT_FIXTURE";

fn fixture_dir() -> PathBuf {
    repo_path("tests/fixtures/export")
}

/// The fixture survey: the planner tests' draw, every sixth sampled person not answering and
/// the others answering every question as the demo does (seeded, so always the same).
fn answered_survey(db: &TestDb) -> (i64, Vec<String>) {
    let (survey_id, codes) = drawn_survey(db, DRAW_SEED);
    submit_answers(db, survey_id, &codes);
    (survey_id, codes)
}

fn submit_answers(db: &TestDb, survey_id: i64, codes: &[String]) {
    use rand_chacha::rand_core::SeedableRng;
    let questionnaire = demo_questionnaire(db);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(ANSWER_SEED);
    for (i, code) in codes.iter().enumerate() {
        let mut answers = tsunagari::cli::demo::synthetic_answers(&questionnaire, &mut rng);
        if i == 1 {
            // Free text can say anything: never exported.
            answers.insert("comments", Answer::Text(FREE_TEXT.into()));
        }
        if i % 6 != 0 {
            submit(db, survey_id, code, &answers);
        }
    }
}

fn export(db: &TestDb, seed: u64) -> AnalysisFile {
    let mut conn = db.conn();
    tsunagari::cli::export::build(&mut conn, &db.config(), "demo-2026", seed)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// CSV rows without the byte-order mark, header first.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// The rows of a table keyed by `indicator,by,level`, each with `n, estimate, se, ci_low,
/// ci_high, total`.
fn cells(rows: &[Vec<String>]) -> BTreeMap<(String, String, String), Vec<String>> {
    assert_eq!(
        rows[0],
        [
            "indicator",
            "by",
            "level",
            "n",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "total"
        ],
        "the fixed columns"
    );
    let mut out = BTreeMap::new();
    for row in &rows[1..] {
        let key = (row[0].clone(), row[1].clone(), row[2].clone());
        assert!(
            out.insert(key.clone(), row[3..].to_vec()).is_none(),
            "{key:?} twice"
        );
    }
    out
}

/// The relative difference of `a` from R's `b`; a value R computes as rounding noise around
/// zero (an SE of a group whose answers are all the same: 1e-17) counts as zero, as in
/// tests/estimate_r_agreement.rs (1e-9 absolute).
fn relative(a: f64, b: f64) -> f64 {
    if (a - b).abs() <= 1e-9 && b.abs() < 1e-9 {
        0.0
    } else {
        (a - b).abs() / b.abs()
    }
}

/// Writes `file` into the fixture folder `dir` when asked to (r/export_fixture.sh), then
/// requires it to equal the committed files byte for byte (the R run was made from them).
fn same_as_fixture(file: &AnalysisFile, dir: &Path, backend: &str) {
    if std::env::var_os(WRITE_FIXTURE).is_some() && backend == "sqlite" {
        tsunagari::cli::export::write(file, dir).unwrap();
    }
    for (name, bytes) in file.files() {
        let committed = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()));
        assert!(
            bytes == committed.as_slice(),
            "{backend}: {name} differs from {}/{name}; if the change is meant, run r/export_fixture.sh",
            dir.display()
        );
    }
}

/// The dashboard's `subgroups.csv` against the committed `reproduced.csv` of `dir`, cell by
/// cell: the same cells and n; in every cell it shows, the same numbers to 1e-6 relative; in
/// every other, no number at all. Returns the cells shown.
fn agrees_with_r(dashboard_csv: &[u8], dir: &Path, context: &str) -> usize {
    let dashboard = cells(&csv_rows(dashboard_csv));
    let reproduced = cells(&csv_rows(
        &std::fs::read(dir.join("reproduced.csv")).unwrap(),
    ));
    assert_eq!(
        dashboard.keys().collect::<Vec<_>>(),
        reproduced.keys().collect::<Vec<_>>(),
        "the same indicators, breakdowns and levels"
    );
    let (mut shown, mut withheld, mut worst) = (0, 0, (0.0f64, String::new()));
    let mut by_column = [0.0f64; 5];
    for (key, ours) in &dashboard {
        let theirs = &reproduced[key];
        assert_eq!(ours[0], theirs[0], "n of {key:?}");
        let n: usize = ours[0].parse().unwrap();
        if ours[1].is_empty() {
            // Withheld (or nobody answered): no number at all.
            assert!(
                ours[1..].iter().all(String::is_empty),
                "{key:?} withheld yet shows {ours:?}"
            );
            withheld += 1;
            continue;
        }
        assert!(n >= 10, "{key:?} shows a cell of {n}");
        shown += 1;
        for (k, column) in ["estimate", "se", "ci_low", "ci_high", "total"]
            .iter()
            .enumerate()
        {
            let (a, b) = (&ours[1 + k], &theirs[1 + k]);
            assert_eq!(
                a.is_empty(),
                b.is_empty(),
                "{column} of {key:?}: {a} vs R {b}"
            );
            if a.is_empty() {
                continue;
            }
            let d = relative(a.parse().unwrap(), b.parse().unwrap());
            assert!(d <= 1e-6, "{column} of {key:?}: {a} vs R {b} ({d:e})");
            by_column[k] = by_column[k].max(d);
            if d > worst.0 {
                worst = (d, format!("{column} of {key:?}: {a} vs R {b}"));
            }
        }
    }
    eprintln!(
        "{context}: {shown} cells agree with R (largest relative difference {:e}, {}; by column estimate, se, ci_low, ci_high, total: {by_column:?}), {withheld} withheld",
        worst.0, worst.1
    );
    assert!(withheld > 0, "{context}: the fixture has withheld cells");
    shown
}

#[actix_web::test]
async fn the_dashboard_equals_the_committed_r_run_and_the_export_equals_the_fixture() {
    for db in databases() {
        answered_survey(&db);
        same_as_fixture(&export(&db, FIXTURE_SEED), &fixture_dir(), db.backend());
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let page = c.get("/planner/demo-2026/subgroups.csv").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let shown = agrees_with_r(&page.bytes, &fixture_dir(), db.backend());
        assert!(shown > 500, "{shown} cells shown");
    }
}

/// A sample of 240 in three district strata with demo answers; `register` decides how the
/// weights can be made.
fn pure_dataset(register: &[RegisterCell]) -> Dataset {
    pure_dataset_weighted(register, None)
}

/// [`pure_dataset`] with a published weighting.
fn pure_dataset_weighted(register: &[RegisterCell], published: Option<&Published>) -> Dataset {
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    let questionnaire =
        tsunagari::questionnaire::load_file(repo_path("questionnaires/tsunagari-national.toml"))
            .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(ANSWER_SEED);
    let strata = [
        ("A", 1000.0, 60.0),
        ("B", 1500.0, 80.0),
        ("C", 2000.0, 100.0),
    ];
    let bands = ["16-39", "40-64", "65-"];
    let mut respondents = Vec::new();
    for (district, population, size) in strata {
        for _ in 0..size as usize {
            respondents.push(Respondent {
                stratum: district.to_string(),
                population,
                base_weight: population / size,
                sex: Some(if rng.gen_bool(0.5) { "male" } else { "female" }.to_string()),
                age_band: bands[rng.gen_range(0..bands.len())].to_string(),
                district: Some(district.to_string()),
                answers: std::sync::Arc::new(tsunagari::cli::demo::synthetic_answers(
                    &questionnaire,
                    &mut rng,
                )),
            });
        }
    }
    Dataset::build_weighted(&questionnaire, respondents, register, published).unwrap()
}

/// The register of [`pure_dataset`]'s city, with `extra` cells.
fn register_with(extra: &[RegisterCell]) -> Vec<RegisterCell> {
    let mut cells = Vec::new();
    for (district, population) in [("A", 1000.0f64), ("B", 1500.0), ("C", 2000.0)] {
        for (sex, share) in [("male", 0.48), ("female", 0.52)] {
            for (band, part) in [("16-39", 0.3), ("40-64", 0.4), ("65-", 0.3)] {
                cells.push(RegisterCell {
                    sex: Some(sex.to_string()),
                    age_band: band.to_string(),
                    district: Some(district.to_string()),
                    population: (population * share * part).round(),
                });
            }
        }
    }
    cells.extend(extra.iter().cloned());
    cells
}

#[test]
fn the_fallback_weightings_are_reproduced_as_the_dashboard_made_them() {
    let info = ExportInfo {
        survey_slug: "fallback".into(),
        survey_title: tsunagari::questionnaire::Text::new("補正の代替", "Fallback weighting"),
        data_version: 1,
    };
    // A district of the register without any respondent: no raking, age bands only.
    let empty_district = RegisterCell {
        sex: Some("female".into()),
        age_band: "40-64".into(),
        district: Some("D".into()),
        population: 350.0,
    };
    let cases = [
        (
            "poststratified",
            register_with(&[empty_district]),
            "poststratify",
        ),
        ("base_weights", Vec::new(), "none"),
    ];
    for (name, register, method) in cases {
        let data = pure_dataset(&register);
        let dir = fixture_dir().join(name);
        let file = tsunagari::export::analysis_file::build(&data, &info, FIXTURE_SEED).unwrap();
        let script = String::from_utf8(file.reproduce_r.clone()).unwrap();
        assert!(
            script.contains(&format!("weighting <- \"{method}\"")),
            "{name}: {script}"
        );
        same_as_fixture(&file, &dir, "sqlite");
        let report = tsunagari::analysis::subgroups::report(&data).unwrap();
        let csv = report.csv(View::Working, Lang::Ja).unwrap();
        let shown = agrees_with_r(&csv, &dir, name);
        assert!(shown > 300, "{name}: {shown} cells shown");
    }
    // The sanity of the cases: raked, then the two fallbacks.
    assert_eq!(
        pure_dataset(&register_with(&[])).weighting,
        Weighting::Raked
    );
}

#[test]
fn a_published_weighting_is_reproduced_as_the_dashboard_made_it() {
    let info = ExportInfo {
        survey_slug: "chosen".into(),
        survey_title: tsunagari::questionnaire::Text::new("選んだ重み付け", "Chosen weighting"),
        data_version: 1,
    };
    // Raking to sex × age band (sparse cells merged), district and sex, weights trimmed.
    let published = Published {
        name: "性年齢・地区・性別（まとめと切り詰め）".into(),
        spec: WeightingSpec {
            method: Method::Raking,
            margins: vec![MarginKind::SexAge, MarginKind::District, MarginKind::Sex],
            min_cell_respondents: 39,
            trim_lower: None,
            trim_upper: Some(20.5),
            tolerance: 1e-10,
            max_iterations: 1000,
        },
    };
    let data = pure_dataset_weighted(&register_with(&[]), Some(&published));
    let chosen = data
        .weighting
        .chosen()
        .expect("the published weighting applies");
    assert!(
        !chosen.margins[0].merged.is_empty(),
        "{:?}",
        chosen.margins[0]
    );
    assert!(chosen.trimmed > 0, "{:?}", data.weights);
    let dir = fixture_dir().join("chosen");
    let file = tsunagari::export::analysis_file::build(&data, &info, FIXTURE_SEED).unwrap();
    let script = String::from_utf8(file.reproduce_r.clone()).unwrap();
    assert!(script.contains("weighting <- \"rake\""), "{script}");
    assert!(script.contains("trimWeights(design, lower = -Inf, upper = 20.5, strict = TRUE)"));
    assert!(script.contains("# weighting: 性年齢・地区・性別（まとめと切り詰め） (published)"));
    same_as_fixture(&file, &dir, "sqlite");
    let report = tsunagari::analysis::subgroups::report(&data).unwrap();
    let csv = report.csv(View::Working, Lang::Ja).unwrap();
    let shown = agrees_with_r(&csv, &dir, "chosen");
    assert!(shown > 300, "chosen: {shown} cells shown");
}

#[actix_web::test]
async fn the_zip_holds_the_four_files_with_the_version_and_no_personal_data() {
    for db in databases() {
        let (survey_id, codes) = answered_survey(&db);
        let version = {
            let mut conn = db.conn();
            tsunagari::db::surveys::data_version(&mut conn, survey_id).unwrap()
        };
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;

        // Linked from the subgroup table's downloads.
        let page = c.get("/planner/demo-2026/subgroups").await;
        assert!(
            page.body.contains("/planner/demo-2026/analysis.zip"),
            "{}",
            page.body
        );
        let page = c.get("/planner/demo-2026/analysis.zip").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(
            page.headers.get(header::CONTENT_TYPE).unwrap(),
            "application/zip"
        );
        assert!(page
            .headers
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("demo-2026-analysis.zip"));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(page.bytes.clone())).unwrap();
        let comment = String::from_utf8(zip.comment().to_vec()).unwrap();
        assert!(
            comment.contains(&format!("data version: {version}")),
            "{comment}"
        );
        assert!(
            comment.contains("Weights are raked to the register"),
            "{comment}"
        );
        let names: Vec<String> = (0..zip.len())
            .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names, FILE_NAMES);
        let secrets = secrets(&codes, &[FREE_TEXT]);
        let mut files = BTreeMap::new();
        for name in FILE_NAMES {
            let mut bytes = Vec::new();
            zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
            secrets.assert_none_in(db.backend(), name, &bytes);
            files.insert(name, bytes);
        }
        let script = String::from_utf8(files["reproduce.R"].clone()).unwrap();
        assert!(script.contains(&format!("# data version: {version}")));
        assert!(script.contains("weighting <- \"rake\""));

        // The same respondents as the fixture's, renumbered in another random order.
        let fixture = csv_rows(&std::fs::read(fixture_dir().join("analysis.csv")).unwrap());
        let zipped = csv_rows(&files["analysis.csv"]);
        assert_eq!(zipped[0], fixture[0]);
        assert_eq!(zipped[0][0], "respondent");
        let without_number = |rows: &[Vec<String>]| {
            let mut rest: Vec<Vec<String>> = rows[1..].iter().map(|r| r[1..].to_vec()).collect();
            rest.sort();
            rest
        };
        assert_eq!(without_number(&zipped), without_number(&fixture));
        let numbers: Vec<String> = zipped[1..].iter().map(|r| r[0].clone()).collect();
        let expected: Vec<String> = (1..zipped.len()).map(|i| i.to_string()).collect();
        assert_eq!(numbers, expected, "numbered 1.. in file order");
        assert_ne!(zipped, fixture, "a fresh order for every download");
        for forbidden in [
            "name",
            "address",
            "birth_date",
            "resident_id",
            "access_code",
            "code",
            "response_id",
        ] {
            assert!(
                !zipped[0].iter().any(|h| h == forbidden),
                "{forbidden} in {:?}",
                zipped[0]
            );
        }
        // The fixture holds none either.
        for name in FILE_NAMES {
            let bytes = std::fs::read(fixture_dir().join(name)).unwrap();
            secrets.assert_none_in("fixture", name, &bytes);
        }

        // Planners of other surveys, and nobody signed in, get nothing.
        let mut anonymous = client(db.state()).await;
        let page = anonymous.get("/planner/demo-2026/analysis.zip").await;
        assert!(page.status.is_redirection(), "{}", page.status);
        add_user_with_surveys(&db, "outsider", PASSWORD, Role::Planner, &[]);
        let mut outsider = client(db.state()).await;
        sign_in(&mut outsider, "outsider", PASSWORD).await;
        let page = outsider.get("/planner/demo-2026/analysis.zip").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
}

fn run_export(db: &TestDb, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tsunagari"))
        .args(["export", "--survey", "demo-2026", "--out"])
        .arg(out)
        .env("DATABASE_URL", db.url_arg())
        .env("TSUNAGARI_QUESTIONNAIRES", repo_path("questionnaires"))
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

#[actix_web::test]
async fn the_command_says_what_to_do_before_any_response_then_writes_exactly_four_files() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, DRAW_SEED);
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("export");
        let before = run_export(&db, &dir);
        let stderr = String::from_utf8_lossy(&before.stderr);
        assert_eq!(before.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("回答が提出されてから、もう一度お試しください"),
            "{stderr}"
        );
        assert!(
            stderr.contains("Try again once responses have been submitted"),
            "{stderr}"
        );
        assert!(!dir.exists(), "nothing written");
        // The download says the same.
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let page = c.get("/planner/demo-2026/analysis.zip").await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        assert!(
            page.body
                .contains("回答が提出されてから、もう一度お試しください"),
            "{}",
            page.body
        );

        let unknown = Command::new(env!("CARGO_BIN_EXE_tsunagari"))
            .args(["export", "--survey", "no-such-survey", "--out"])
            .arg(&dir)
            .env("DATABASE_URL", db.url_arg())
            .env("TSUNAGARI_QUESTIONNAIRES", repo_path("questionnaires"))
            .output()
            .unwrap();
        assert_eq!(unknown.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("no-such-survey"));

        submit_answers(&db, survey_id, &codes);
        let done = run_export(&db, &dir);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let mut written: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        let mut expected: Vec<String> = FILE_NAMES.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(written, expected);
        let secrets = secrets(&codes, &[FREE_TEXT]);
        for name in FILE_NAMES {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            secrets.assert_none_in(db.backend(), name, &bytes);
            if name.ends_with(".csv") {
                assert!(
                    bytes.starts_with("\u{feff}".as_bytes()),
                    "{name}: UTF-8 with BOM"
                );
            }
        }
        // The same respondents and numbers as the library export, in its own order.
        let rows = csv_rows(&std::fs::read(dir.join("analysis.csv")).unwrap());
        let fixture = csv_rows(&std::fs::read(fixture_dir().join("analysis.csv")).unwrap());
        assert_eq!(rows.len(), fixture.len());
        assert_eq!(
            std::fs::read(dir.join("margins.csv")).unwrap(),
            std::fs::read(fixture_dir().join("margins.csv")).unwrap()
        );
    }
}

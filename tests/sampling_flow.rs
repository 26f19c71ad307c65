//! Sampling through the database, the command line and the staff pages, on every backend:
//! register import (encodings, bad rows, duplicates), the draw (reproducibility, stratum
//! counts, second draws), letters and lists, dispositions and response rates, the purge.

mod common;

use std::path::PathBuf;

/// A frame person as stored: resident id, name, address, birth date, excluded.
type StoredPerson = (
    String,
    Option<String>,
    Option<String>,
    Option<chrono::NaiveDate>,
    bool,
);

use actix_web::http::StatusCode;
use diesel::prelude::*;

use common::{add_user, client, databases, repo_path, sign_in, tsunagari_on, TestDb};
use tsunagari::auth::Role;
// The import goes through the command's own function: these tests check its flags, its
// progress bar and how the terminal words every refusal (`CliError`).
use tsunagari::cli::frame::{import, ImportArgs};
use tsunagari::cli::CliError;
use tsunagari::db::schema::{access_codes, frame_persons, sampled_units, samples};
use tsunagari::db::{self, surveys::SurveyRow};
use tsunagari::ops::sample::{draw, list_csv, DrawPlan, Finalise, List};
use tsunagari::sampling::access_code::AccessCode;
use tsunagari::sampling::age::Eligibility;
use tsunagari::sampling::allocation::{AllocationMethod, ExplicitSize};
use tsunagari::sampling::disposition::Disposition;
use tsunagari::sampling::draw::Seed;
use tsunagari::sampling::register::{TextEncoding, PROGRESS_EVERY_ROWS};
use tsunagari::sampling::strata::StratumVariable;
use tsunagari::survey::SurveySettings;
use tsunagari::views::sampling::RateTable;

const HEADER: &str = "住民番号,氏,名,郵便番号,住所,生年月日,性別,地区,除外";

/// The demo survey (with its letter text), no codes.
fn new_survey(db: &TestDb) -> SurveyRow {
    let settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// A register with `per_district` adults in each named district (born 1950–1999), ids
/// `D{district}-{n}`, and two more residents of the first district: one born 2010-12-02,
/// who turns 16 at the end of 2026-12-01 under the Japanese age law and so is eligible on
/// that reference date, and one born in 2020, too young.
fn register(per_district: &[(&str, usize)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (d, (district, count)) in per_district.iter().enumerate() {
        for i in 0..*count {
            text.push_str(&format!(
                "D{d}-{i:05},山田,花子{i},380-{:04},長野市{district}{}番地,{}-{:02}-{:02},{},{district},\n",
                i % 10_000,
                i + 1,
                1950 + (i % 50),
                1 + i % 12,
                1 + i % 28,
                1 + i % 2,
            ));
        }
    }
    let first = per_district[0].0;
    text.push_str(&format!(
        "Y-1,若葉,一郎,380-0001,長野市{first}1番地,2010-12-02,1,{first},\nY-2,若葉,二郎,380-0001,長野市{first}1番地,R2-4-1,1,{first},\n"
    ));
    text
}

fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import_args(survey: &str, file: PathBuf, encoding: &str) -> ImportArgs {
    ImportArgs {
        survey: survey.into(),
        file,
        encoding: encoding.into(),
        delimiter: ",".into(),
        id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into()],
        postal: Some("郵便番号".into()),
        birth: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: Some("除外".into()),
        replace: false,
    }
}

fn import_text(db: &TestDb, survey: &SurveyRow, text: &str) -> Result<u64, CliError> {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "register.csv", text.as_bytes());
    import(
        &mut db.conn(),
        &import_args(&survey.slug, file, "auto"),
        &mut Vec::new(),
    )
    .map(|r| r.rows)
}

fn plan(method: AllocationMethod, seed: u64) -> DrawPlan {
    DrawPlan {
        eligibility: Eligibility::new(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
        strata_by: vec![StratumVariable::District],
        age_bands: "16-29,30-39,...,80-".parse().unwrap(),
        method,
        seed: Seed(seed),
        replace: false,
    }
}

fn proportional(total: u64, minimum: u64) -> AllocationMethod {
    AllocationMethod::Proportional { total, minimum }
}

/// The refusal as the command line words it.
fn usage<E: Into<CliError>>(result: Result<impl std::fmt::Debug, E>) -> String {
    let result: Result<_, CliError> = result.map_err(Into::into);
    match result {
        Err(CliError::Usage(message)) => message,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

fn frame_rows(db: &TestDb, survey_id: i64) -> i64 {
    frame_persons::table
        .filter(frame_persons::survey_id.eq(survey_id))
        .count()
        .get_result(&mut db.conn())
        .unwrap()
}

fn sampled_resident_ids(db: &TestDb, survey_id: i64) -> Vec<String> {
    let mut ids: Vec<String> = sampled_units::table
        .inner_join(samples::table)
        .inner_join(frame_persons::table)
        .filter(samples::survey_id.eq(survey_id))
        .select(frame_persons::resident_id)
        .load(&mut db.conn())
        .unwrap();
    ids.sort();
    ids
}

fn codes_of_survey(db: &TestDb, survey_id: i64) -> i64 {
    access_codes::table
        .filter(access_codes::survey_id.eq(survey_id))
        .count()
        .get_result(&mut db.conn())
        .unwrap()
}

#[test]
fn a_shift_jis_register_imports_with_extension_kanji_and_era_dates_intact() {
    for db in databases() {
        let survey = new_survey(&db);
        let text = format!(
            "{HEADER}\r\n1001,髙橋,德子,380-0001,長野市﨑町1番地,昭和45年3月12日,2,中央地区,\r\n1002,山田,太郎,〒380-0002,長野市本町2番地,H7/1/5,1,北部地区,○\r\n"
        );
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir, "register-sjis.csv", &bytes);

        let auto = import(
            &mut db.conn(),
            &import_args(&survey.slug, file.clone(), "auto"),
            &mut Vec::new(),
        );
        // Not UTF-8 but valid CP932: read as CP932, and the summary says it was detected.
        let auto = auto.unwrap_or_else(|e| panic!("{}: {e:?}", db.backend()));
        assert_eq!(auto.encoding, TextEncoding::ShiftJis);
        assert!(auto.encoding_detected);
        assert_eq!(frame_rows(&db, survey.id), 2);
        let unknown = import(
            &mut db.conn(),
            &import_args(&survey.slug, file.clone(), "latin-1"),
            &mut Vec::new(),
        );
        let message = usage(unknown);
        assert!(
            message.contains("latin-1") && message.contains("--encoding"),
            "{message}"
        );
        assert_eq!(frame_rows(&db, survey.id), 2);

        let mut progress = Vec::new();
        let mut named = import_args(&survey.slug, file, "cp932");
        named.replace = true;
        let report = import(&mut db.conn(), &named, &mut progress)
            .unwrap_or_else(|e| panic!("{}: {e:?}", db.backend()));
        assert_eq!(report.rows, 2);
        assert_eq!(report.excluded, 1);
        assert_eq!(report.encoding, TextEncoding::ShiftJis);
        assert!(String::from_utf8_lossy(&progress).contains("100%"));
        let stored: Vec<StoredPerson> = frame_persons::table
            .filter(frame_persons::survey_id.eq(survey.id))
            .order(frame_persons::resident_id.asc())
            .select((
                frame_persons::resident_id,
                frame_persons::name,
                frame_persons::address,
                frame_persons::birth_date,
                frame_persons::excluded,
            ))
            .load(&mut db.conn())
            .unwrap();
        assert_eq!(
            stored[0],
            (
                "1001".into(),
                Some("髙橋\u{3000}德子".into()),
                Some("長野市﨑町1番地".into()),
                chrono::NaiveDate::from_ymd_opt(1970, 3, 12),
                false
            ),
            "{}",
            db.backend()
        );
        assert_eq!(stored[1].3, chrono::NaiveDate::from_ymd_opt(1995, 1, 5));
        assert!(stored[1].4);
    }
}

#[test]
fn a_register_with_impossible_dates_or_duplicate_ids_writes_nothing_and_names_the_lines() {
    for db in databases() {
        let survey = new_survey(&db);
        let text = format!(
            "{HEADER}\n1,山田,一,380-0001,長野市1,1970-01-01,1,中央地区,\n2,山田,二,380-0001,長野市2,2023-02-30,1,中央地区,\n3,山田,三,380-0001,長野市3,昭和64年1月8日,2,中央地区,\n1,山田,四,380-0001,長野市4,1980-05-05,2,中央地区,\n"
        );
        let message = usage(import_text(&db, &survey, &text));
        for line in ["line 3", "line 4", "line 5"] {
            assert!(
                message.contains(line),
                "{}: {line} in {message}",
                db.backend()
            );
        }
        assert!(message.contains("nothing was imported"), "{message}");
        assert_eq!(frame_rows(&db, survey.id), 0);
        assert!(db::frame::import_info(&mut db.conn(), survey.id)
            .unwrap()
            .is_none());
    }
}

#[test]
fn unmapped_postal_code_sex_and_district_are_stored_as_null() {
    for db in databases() {
        let survey = new_survey(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir, "r.csv", register(&[("中央地区", 3)]).as_bytes());
        let mut args = import_args(&survey.slug, file, "utf-8");
        (args.postal, args.sex, args.district) = (None, None, None);
        import(&mut db.conn(), &args, &mut Vec::new()).unwrap();
        type Optional = (Option<String>, Option<String>, Option<String>);
        let stored: Vec<(String, Optional, i64)> = frame_persons::table
            .filter(frame_persons::survey_id.eq(survey.id))
            .order(frame_persons::source_line.asc())
            .select((
                frame_persons::resident_id,
                (
                    frame_persons::postal_code,
                    frame_persons::sex,
                    frame_persons::district,
                ),
                frame_persons::source_line,
            ))
            .load(&mut db.conn())
            .unwrap();
        assert_eq!(stored.len(), 5, "{}", db.backend());
        for (i, (_, optional, line)) in stored.iter().enumerate() {
            assert_eq!(*optional, (None, None, None), "{}", db.backend());
            assert_eq!(*line, i as i64 + 2);
        }
        assert_eq!(stored[0].0, "D0-00000");
    }
}

#[test]
fn a_bad_row_after_rows_went_to_the_database_stores_nothing_and_keeps_the_earlier_frame() {
    for db in databases() {
        let survey = new_survey(&db);
        assert_eq!(
            import_text(&db, &survey, &register(&[("中央地区", 30)])).unwrap(),
            32
        );
        // More rows than a batch: the first batch is stored while the rest is read.
        let count = PROGRESS_EVERY_ROWS as usize + 1_000;
        let big = register(&[("中央地区", count)]);
        let last_line = count + 4;
        for tail in [
            "Z-1,山田,花子,380-0001,長野市1番地,1970-02-30,2,中央地区,\n",
            "D0-00007,山田,花子,380-0001,長野市1番地,1970-01-01,2,中央地区,\n",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let file = write_file(&dir, "r.csv", format!("{big}{tail}").as_bytes());
            let mut args = import_args(&survey.slug, file, "utf-8");
            args.replace = true;
            let mut progress = Vec::new();
            let message = usage(import(&mut db.conn(), &args, &mut progress));
            assert!(
                String::from_utf8_lossy(&progress).contains(&format!("{PROGRESS_EVERY_ROWS} rows")),
                "{}: the first batch went to the database",
                db.backend()
            );
            assert!(
                message.contains(&format!("line {last_line}")),
                "{}: {message}",
                db.backend()
            );
            assert!(message.contains("nothing was imported"), "{message}");
            assert_eq!(frame_rows(&db, survey.id), 32, "{}", db.backend());
            let import = db::frame::import_info(&mut db.conn(), survey.id)
                .unwrap()
                .expect("the earlier import");
            assert_eq!(import.row_count, 32);
        }
    }
}

#[test]
fn a_second_import_needs_replace_and_no_import_is_possible_once_a_sample_exists() {
    for db in databases() {
        let survey = new_survey(&db);
        let text = register(&[("中央地区", 30)]);
        assert_eq!(import_text(&db, &survey, &text).unwrap(), 32);
        let message = usage(import_text(&db, &survey, &text));
        assert!(message.contains("--replace"), "{message}");

        let dir = tempfile::tempdir().unwrap();
        let file = write_file(&dir, "r.csv", register(&[("中央地区", 20)]).as_bytes());
        let mut args = import_args(&survey.slug, file, "utf-8");
        args.replace = true;
        import(&mut db.conn(), &args, &mut Vec::new()).unwrap();
        assert_eq!(frame_rows(&db, survey.id), 22);

        draw(&mut db.conn(), survey.id, &plan(proportional(5, 1), 1)).unwrap();
        let message = usage(import(&mut db.conn(), &args, &mut Vec::new()));
        assert!(message.contains("sample"), "{message}");
        assert_eq!(frame_rows(&db, survey.id), 22);
    }
}

#[test]
fn the_same_frame_design_and_seed_draw_the_same_residents_in_fresh_databases() {
    let text = register(&[("中央地区", 300), ("北部地区", 200), ("東部地区", 100)]);
    let mut drawn: Vec<Vec<String>> = Vec::new();
    for round in 0..2 {
        for db in databases() {
            let survey = new_survey(&db);
            import_text(&db, &survey, &text).unwrap();
            draw(
                &mut db.conn(),
                survey.id,
                &plan(proportional(60, 5), 20261201),
            )
            .unwrap();
            let ids = sampled_resident_ids(&db, survey.id);
            assert_eq!(ids.len(), 60, "round {round}, {}", db.backend());
            drawn.push(ids);
        }
    }
    assert!(drawn.windows(2).all(|pair| pair[0] == pair[1]));

    let db = &databases()[0];
    let survey = new_survey(db);
    import_text(db, &survey, &text).unwrap();
    draw(&mut db.conn(), survey.id, &plan(proportional(60, 5), 7)).unwrap();
    assert_ne!(sampled_resident_ids(db, survey.id), drawn[0]);
}

#[test]
fn every_stratum_gets_its_allocation_and_every_unit_carries_its_design() {
    for db in databases() {
        let survey = new_survey(&db);
        // N = (299 + the 16-year-old) + 180 + 120 = 600.
        import_text(
            &db,
            &survey,
            &register(&[("中央地区", 299), ("北部地区", 180), ("東部地区", 120)]),
        )
        .unwrap();
        let outcome = draw(&mut db.conn(), survey.id, &plan(proportional(50, 1), 99)).unwrap();
        assert_eq!(outcome.counts.too_young, 1);
        assert_eq!(outcome.sample.frame_size, 600);
        // Proportional: 50 × 300/600 = 25, 50 × 180/600 = 15, 50 × 120/600 = 10.
        let strata: Vec<(String, i64, i64)> = outcome
            .strata
            .iter()
            .map(|s| (s.label.clone(), s.population, s.size))
            .collect();
        assert_eq!(
            strata,
            vec![
                ("中央地区".to_string(), 300, 25),
                ("北部地区".to_string(), 180, 15),
                ("東部地区".to_string(), 120, 10)
            ]
        );
        let units: Vec<(String, i64, i64, f64, f64, Option<String>)> = sampled_units::table
            .filter(sampled_units::sample_id.eq(outcome.sample.id))
            .select((
                sampled_units::stratum,
                sampled_units::population,
                sampled_units::size,
                sampled_units::inclusion_probability,
                sampled_units::base_weight,
                sampled_units::district,
            ))
            .load(&mut db.conn())
            .unwrap();
        for (label, population, size) in &strata {
            let members: Vec<_> = units.iter().filter(|u| &u.0 == label).collect();
            assert_eq!(members.len() as i64, *size, "{label}");
            for unit in members {
                assert_eq!((unit.1, unit.2), (*population, *size));
                assert!((unit.3 - *size as f64 / *population as f64).abs() < 1e-12);
                assert!((unit.4 - *population as f64 / *size as f64).abs() < 1e-12);
                assert_eq!(unit.5.as_deref(), Some(label.as_str()));
            }
        }
        assert_eq!(codes_of_survey(&db, survey.id), 50);
        let design = db::sample::design_for_estimation(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        let margin_total: i64 = design.margins.iter().map(|m| m.population).sum();
        assert_eq!(margin_total, 600);
        let central: i64 = design
            .margins
            .iter()
            .filter(|m| m.district.as_deref() == Some("中央地区"))
            .map(|m| m.population)
            .sum();
        assert_eq!(central, 300);
    }
}

#[test]
fn a_sample_larger_than_the_frame_or_a_stratum_smaller_than_its_size_is_refused_and_nothing_is_stored(
) {
    for db in databases() {
        let survey = new_survey(&db);
        import_text(
            &db,
            &survey,
            &register(&[("中央地区", 30), ("北部地区", 10)]),
        )
        .unwrap();
        // N = 31 + 10: a sample of 42 cannot be drawn.
        let message = usage(draw(
            &mut db.conn(),
            survey.id,
            &plan(proportional(42, 1), 1),
        ));
        assert!(message.contains("larger than the frame"), "{message}");

        let explicit = AllocationMethod::Explicit(vec![
            ExplicitSize {
                label: "中央地区".into(),
                size: 5,
                line: 2,
            },
            ExplicitSize {
                label: "北部地区".into(),
                size: 11,
                line: 3,
            },
        ]);
        let message = usage(draw(&mut db.conn(), survey.id, &plan(explicit, 1)));
        assert!(
            message.contains("北部地区") && message.contains("10"),
            "{message}"
        );
        assert!(db::sample::find(&mut db.conn(), survey.id)
            .unwrap()
            .is_none());
        assert_eq!(codes_of_survey(&db, survey.id), 0);
    }
}

#[test]
fn a_second_draw_is_refused_replaced_on_request_and_refused_for_good_once_letters_exist() {
    for db in databases() {
        let survey = new_survey(&db);
        import_text(
            &db,
            &survey,
            &register(&[("中央地区", 100), ("北部地区", 100)]),
        )
        .unwrap();
        draw(&mut db.conn(), survey.id, &plan(proportional(20, 1), 1)).unwrap();
        let first = sampled_resident_ids(&db, survey.id);

        let message = usage(draw(
            &mut db.conn(),
            survey.id,
            &plan(proportional(20, 1), 2),
        ));
        assert!(message.contains("--replace"), "{message}");
        assert_eq!(sampled_resident_ids(&db, survey.id), first);

        let mut replacing = plan(proportional(30, 1), 2);
        replacing.replace = true;
        draw(&mut db.conn(), survey.id, &replacing).unwrap();
        assert_eq!(sampled_resident_ids(&db, survey.id).len(), 30);
        assert_ne!(sampled_resident_ids(&db, survey.id), first);
        assert_eq!(codes_of_survey(&db, survey.id), 30, "old codes removed");

        let (csv, count) = list_csv(
            &mut db.conn(),
            survey.id,
            List::Mailing(Finalise::Now),
            TextEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(count, 30);
        assert!(String::from_utf8(csv).unwrap().contains("山田\u{3000}花子"));
        let message = usage(draw(&mut db.conn(), survey.id, &replacing));
        assert!(message.contains("final"), "{message}");
        assert_eq!(sampled_resident_ids(&db, survey.id).len(), 30);
    }
}

/// A survey with a drawn sample of 10 from 2 districts; returns it and the codes.
fn sampled_survey(db: &TestDb) -> (SurveyRow, Vec<AccessCode>) {
    let survey = new_survey(db);
    import_text(
        db,
        &survey,
        &register(&[("中央地区", 49), ("北部地区", 50)]),
    )
    .unwrap();
    let outcome = draw(&mut db.conn(), survey.id, &plan(proportional(10, 1), 5)).unwrap();
    let codes = db::frame::addressees(&mut db.conn(), outcome.sample.id)
        .unwrap()
        .into_iter()
        .map(|a| AccessCode::parse(&a.code).unwrap())
        .collect();
    (survey, codes)
}

/// One rule for the mailing list, whoever asks: it comes only from a final sample. The
/// command (`Finalise::Now`) makes the sample final with the list; the page's download
/// (`Finalise::AlreadyFinal`) refuses until a POST made it final; both give the same list.
#[actix_web::test]
async fn the_mailing_list_comes_only_from_a_final_sample_and_is_the_same_from_the_command_and_the_page(
) {
    use tsunagari::ops::sample::ListError;
    for db in databases() {
        let (survey, _) = sampled_survey(&db);
        let final_at = |db: &TestDb| {
            db::sample::find(&mut db.conn(), survey.id)
                .unwrap()
                .unwrap()
                .letters_printed_at
        };
        let refused = list_csv(
            &mut db.conn(),
            survey.id,
            List::Mailing(Finalise::AlreadyFinal),
            TextEncoding::Utf8,
        );
        assert!(matches!(refused, Err(ListError::NotFinal)), "{refused:?}");
        let (_, reminded) = list_csv(
            &mut db.conn(),
            survey.id,
            List::Reminders,
            TextEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(reminded, 10);
        assert!(
            final_at(&db).is_none(),
            "refusals and reminders mark nothing"
        );

        let (from_command, count) = list_csv(
            &mut db.conn(),
            survey.id,
            List::Mailing(Finalise::Now),
            TextEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(count, 10);
        let made_final = final_at(&db).expect("the command made the sample final");
        let (again, _) = list_csv(
            &mut db.conn(),
            survey.id,
            List::Mailing(Finalise::AlreadyFinal),
            TextEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(again, from_command);
        list_csv(
            &mut db.conn(),
            survey.id,
            List::Mailing(Finalise::Now),
            TextEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(final_at(&db), Some(made_final), "made final once");

        add_user(&db, "staff1", "staff-password-1", Role::Staff);
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff1", "staff-password-1").await;
        let page = staff
            .get(&format!("/staff/surveys/{}/mailing.csv", survey.slug))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(page.bytes, from_command);
    }
}

#[actix_web::test]
async fn planners_cannot_open_letters_lists_or_sample_pages_and_staff_can() {
    for db in databases() {
        let (survey, codes) = sampled_survey(&db);
        add_user(&db, "planner1", "planner-password-1", Role::Planner);
        add_user(&db, "staff1", "staff-password-1", Role::Staff);
        let pages = [
            "letters",
            "mailing.csv",
            "reminders.csv",
            "sample",
            "sample.csv",
            "dispositions",
            "response-rates.csv",
        ];
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner1", "planner-password-1").await;
        for page in pages {
            let got = planner
                .get(&format!("/staff/surveys/{}/{page}", survey.slug))
                .await;
            assert_eq!(got.status, StatusCode::FORBIDDEN, "{page}");
            assert!(!got.body.contains("花子"), "{page}");
        }
        let refused = planner
            .post(
                &format!("/staff/surveys/{}/finalise", survey.slug),
                &[("csrf", "any"), ("next", "letters")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let sample = db::sample::find(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        assert!(
            sample.letters_printed_at.is_none(),
            "a refused page marks nothing"
        );

        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff1", "staff-password-1").await;
        // Opening pages changes nothing: letters and the mailing list wait for the sample to
        // be made final, by a POST.
        let letters_url = format!("/staff/surveys/{}/letters", survey.slug);
        let confirm = staff.get(&letters_url).await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
        assert!(confirm.body.contains("標本を確定する"), "{}", confirm.body);
        assert!(!confirm.body.contains("<section class=\"letter\""));
        let early_list = staff
            .get(&format!("/staff/surveys/{}/mailing.csv", survey.slug))
            .await;
        assert_eq!(early_list.status, StatusCode::CONFLICT);
        assert!(early_list.body.contains("標本がまだ確定していません"));
        assert!(db::sample::find(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap()
            .letters_printed_at
            .is_none());
        let forged = staff
            .post(
                &format!("/staff/surveys/{}/finalise", survey.slug),
                &[("csrf", "forged"), ("next", "letters")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let finalised = staff
            .post(
                &format!("/staff/surveys/{}/finalise", survey.slug),
                &[("csrf", &confirm.hidden("csrf")), ("next", "letters")],
            )
            .await;
        assert_eq!(
            finalised.status,
            StatusCode::SEE_OTHER,
            "{}",
            finalised.body
        );
        assert_eq!(finalised.location.as_deref(), Some(letters_url.as_str()));
        for page in pages {
            let got = staff
                .get(&format!("/staff/surveys/{}/{page}", survey.slug))
                .await;
            assert_eq!(got.status, StatusCode::OK, "{page}: {}", got.body);
        }
        let letters = staff
            .get(&format!("/staff/surveys/{}/letters", survey.slug))
            .await;
        assert_eq!(
            letters.body.matches("<section class=\"letter\"").count(),
            10
        );
        for code in &codes {
            assert!(letters.body.contains(&code.grouped()));
            assert!(letters
                .body
                .contains(&format!("http://127.0.0.1:8080/c/{}", code.grouped())));
        }
        assert!(letters.body.contains("花子"));
        assert!(letters.body.contains("回答用QRコード"));
        let sample = db::sample::find(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        assert!(sample.letters_printed_at.is_some());

        let summary = staff
            .get(&format!("/staff/surveys/{}/sample", survey.slug))
            .await;
        assert!(
            summary.body.contains("register.csv · 101"),
            "{}",
            summary.body
        );
        assert!(summary.body.contains(">5<"), "the seed is shown");

        let batch = staff
            .get(&format!(
                "/staff/surveys/{}/letters?from=2&to=3",
                survey.slug
            ))
            .await;
        assert_eq!(batch.body.matches("<section class=\"letter\"").count(), 2);
        for (i, code) in codes.iter().enumerate().take(4) {
            assert_eq!(
                batch.body.contains(&code.grouped()),
                i == 1 || i == 2,
                "{i}"
            );
        }
        let backwards = staff
            .get(&format!(
                "/staff/surveys/{}/letters?from=3&to=2",
                survey.slug
            ))
            .await;
        assert_eq!(backwards.status, StatusCode::BAD_REQUEST);

        // The letter says what the sample is; a deadline placeholder needs the survey's last
        // answering day, and the page says so until it is set.
        if letters.body.contains("選ばせていただいた") {
            assert!(
                letters.body.contains("選ばせていただいた10人"),
                "{}",
                letters.body
            );
        }
        let stored = db::sample::letter(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        let mut letter = tsunagari::survey::LetterSettings::from_json(&stored).unwrap();
        letter.body.push_str("\n\n{deadline}までにご返送ください。");
        db::sample::set_letter(&mut db.conn(), survey.id, &letter.to_json()).unwrap();
        let no_deadline = staff
            .get(&format!("/staff/surveys/{}/letters", survey.slug))
            .await;
        assert_eq!(no_deadline.status, StatusCode::CONFLICT);
        assert!(
            no_deadline.body.contains("回答期間の終了日がありません"),
            "{}",
            no_deadline.body
        );
        db::surveys::set_answering_period(
            &mut db.conn(),
            survey.id,
            None,
            chrono::NaiveDate::from_ymd_opt(2027, 1, 20),
        )
        .unwrap();
        let with_deadline = staff
            .get(&format!("/staff/surveys/{}/letters", survey.slug))
            .await;
        assert!(with_deadline
            .body
            .contains("令和9年1月20日（水）までにご返送ください"));

        let anonymous = client(db.state())
            .await
            .get(&format!("/staff/surveys/{}/letters", survey.slug))
            .await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    }
}

#[actix_web::test]
async fn dispositions_from_staff_and_from_responses_give_the_response_rates_and_the_reminder_list()
{
    for db in databases() {
        let (survey, codes) = sampled_survey(&db);
        // codes[0]: submitted online; codes[1]: started online; codes[2]: refused;
        // codes[3]: moved away; codes[4]: ineligible (recorded through the staff page).
        let mut conn = db.conn();
        for (i, code) in codes[..2].iter().enumerate() {
            let (code_id, _) = db::codes::find(&mut conn, code).unwrap().unwrap();
            let started =
                db::responses::start_or_resume_online(&mut conn, survey.id, code_id).unwrap();
            if i == 0 {
                db::responses::submit(&mut conn, started.id, started.version, "{}", false).unwrap();
            }
        }
        db::sample::record_disposition(
            &mut conn,
            survey.id,
            &codes[2],
            Some(Disposition::Refused),
            Some("電話で辞退"),
        )
        .unwrap();
        db::sample::record_disposition(
            &mut conn,
            survey.id,
            &codes[3],
            Some(Disposition::MovedAway),
            None,
        )
        .unwrap();
        // A refusal recorded for someone who then answers online counts as complete.
        db::sample::record_disposition(
            &mut conn,
            survey.id,
            &codes[0],
            Some(Disposition::Refused),
            None,
        )
        .unwrap();
        drop(conn);

        add_user(&db, "staff1", "staff-password-1", Role::Staff);
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff1", "staff-password-1").await;
        let path = format!("/staff/surveys/{}/dispositions", survey.slug);
        let form = staff.get(&path).await;
        let csrf = form.hidden("csrf");
        let lower = codes[4].grouped().to_lowercase();
        let recorded = staff
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("code", lower.as_str()),
                    ("disposition", "ineligible"),
                    ("note", "施設入所"),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
        assert!(recorded.body.contains("対象外"));
        let forged = staff
            .post(
                &path,
                &[
                    ("csrf", "x"),
                    ("code", lower.as_str()),
                    ("disposition", "refused"),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let automatic = staff
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("code", lower.as_str()),
                    ("disposition", "completed_online"),
                ],
            )
            .await;
        assert_eq!(automatic.status, StatusCode::UNPROCESSABLE_ENTITY);

        let mut conn = db.conn();
        let sample = db::sample::find(&mut conn, survey.id).unwrap().unwrap();
        let outcomes = db::sample::outcomes(&mut conn, sample.id).unwrap();
        let of = |code: &AccessCode| {
            outcomes
                .iter()
                .find(|o| o.code == code.as_str())
                .unwrap()
                .disposition
        };
        assert_eq!(of(&codes[0]), Disposition::CompletedOnline);
        assert_eq!(of(&codes[1]), Disposition::PartialOnline);
        assert_eq!(of(&codes[2]), Disposition::Refused);
        assert_eq!(of(&codes[3]), Disposition::MovedAway);
        assert_eq!(of(&codes[4]), Disposition::Ineligible);
        let strata = db::sample::strata(&mut conn, sample.id).unwrap();
        let rates = RateTable::new(&strata, &outcomes);
        // I = 1, P = 1, R = 1, UO (moved) = 1, UH (no response) = 5, NE = 1.
        // RR1 = 1/9, RR2 = 2/9, valid = (I + P)/10.
        let overall = rates.overall;
        assert_eq!(overall.sample(), 10);
        assert!((overall.rr1().unwrap() - 1.0 / 9.0).abs() < 1e-12);
        assert!((overall.rr2().unwrap() - 2.0 / 9.0).abs() < 1e-12);
        assert!((overall.valid_response_rate().unwrap() - 0.2).abs() < 1e-12);
        let by_stratum: u64 = rates.rows.iter().map(|(_, c)| c.sample()).sum();
        assert_eq!(by_stratum, 10);

        let csv = staff
            .get(&format!(
                "/staff/surveys/{}/response-rates.csv",
                survey.slug
            ))
            .await;
        assert!(csv.body.contains("合計,10,1,1,1,"), "{}", csv.body);

        let (reminders, count) =
            list_csv(&mut conn, survey.id, List::Reminders, TextEncoding::Utf8).unwrap();
        let reminders = String::from_utf8(reminders).unwrap();
        // Five who never answered and the one whose online answer is unfinished.
        assert_eq!(count, 6);
        assert!(reminders.contains(&codes[1].grouped()));
        for code in [&codes[0], &codes[2], &codes[3], &codes[4]] {
            assert!(!reminders.contains(&code.grouped()), "{code}");
        }
        assert!(
            db::sample::find(&mut conn, survey.id)
                .unwrap()
                .unwrap()
                .letters_printed_at
                .is_none(),
            "a reminder list does not mark the letters"
        );

        let design = db::sample::design_for_estimation(&mut conn, survey.id)
            .unwrap()
            .unwrap();
        assert_eq!(design.respondents.len(), 1, "only the submitted response");
        let respondent = &design.respondents[0];
        assert_eq!(respondent.population, 50);
        assert_eq!(respondent.size, 5);
        assert!((respondent.base_weight - 10.0).abs() < 1e-12);
    }
}

#[test]
fn the_purge_removes_names_addresses_and_birth_dates_and_keeps_the_design() {
    for db in databases() {
        let (survey, _) = sampled_survey(&db);
        let message = usage(tsunagari::cli::frame::purge(&mut db.conn(), &survey.slug));
        assert!(matches!(
            tsunagari::ops::register::purge(&mut db.conn(), &survey),
            Err(tsunagari::ops::register::PurgeError::NotClosed { .. })
        ));
        assert!(message.contains("close"), "{message}");

        db::surveys::set_status(&mut db.conn(), survey.id, "closed").unwrap();
        let before = db::sample::design_for_estimation(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        let closed = db::surveys::find_by_slug(&mut db.conn(), &survey.slug)
            .unwrap()
            .unwrap();
        let (removed, blanked) = tsunagari::ops::register::purge(&mut db.conn(), &closed).unwrap();
        assert_eq!((removed, blanked), (91, 10));
        assert_eq!(
            db::frame::personal_rows(&mut db.conn(), survey.id).unwrap(),
            0
        );
        let ids = sampled_resident_ids(&db, survey.id);
        assert!(ids.iter().all(|id| id.starts_with("purged-")), "{ids:?}");
        let after = db::sample::design_for_estimation(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        assert_eq!(before, after);
        let kept: Vec<(String, String, Option<String>)> = sampled_units::table
            .select((
                sampled_units::stratum,
                sampled_units::age_band,
                sampled_units::sex,
            ))
            .load(&mut db.conn())
            .unwrap();
        assert_eq!(kept.len(), 10);
        assert!(kept
            .iter()
            .all(|(s, a, sex)| !s.is_empty() && !a.is_empty() && sex.is_some()));
        let sample = db::sample::find(&mut db.conn(), survey.id)
            .unwrap()
            .unwrap();
        let people = db::frame::addressees(&mut db.conn(), sample.id).unwrap();
        assert!(people
            .iter()
            .all(|p| p.name.is_none() && p.address.is_none() && p.postal_code.is_none()));
        let message = usage(list_csv(
            &mut db.conn(),
            survey.id,
            List::Reminders,
            TextEncoding::Utf8,
        ));
        assert!(message.contains("purged"), "{message}");
        let message = usage(draw(&mut db.conn(), survey.id, &{
            let mut p = plan(proportional(5, 1), 1);
            p.replace = true;
            p
        }));
        assert!(
            message.contains("final") || message.contains("purged"),
            "{message}"
        );
    }
}

#[test]
fn the_command_line_imports_draws_shows_the_seed_and_refuses_a_second_draw() {
    for db in databases() {
        let survey = new_survey(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(
            &dir,
            "register.csv",
            register(&[("中央地区", 39), ("北部地区", 60)]).as_bytes(),
        );
        let file = file.display().to_string();
        let imported = tsunagari_on(
            &db,
            &[
                "frame",
                "import",
                "--survey",
                &survey.slug,
                "--file",
                &file,
                "--id",
                "住民番号",
                "--name",
                "氏",
                "--name",
                "名",
                "--address",
                "住所",
                "--postal",
                "郵便番号",
                "--birth",
                "生年月日",
                "--sex",
                "性別",
                "--district",
                "地区",
                "--exclude",
                "除外",
            ],
        );
        let stdout = String::from_utf8_lossy(&imported.stdout);
        assert!(
            imported.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&imported.stderr)
        );
        assert!(stdout.contains("imported 101 residents"), "{stdout}");
        assert!(String::from_utf8_lossy(&imported.stderr).contains('\r'));

        let args = [
            "sample",
            "draw",
            "--survey",
            &survey.slug,
            "--reference-date",
            "2026-12-01",
            "--strata",
            "district",
            "--n",
            "20",
            "--proportional",
            "--min-per-stratum",
            "2",
            "--seed",
            "424242",
        ];
        let drew = tsunagari_on(&db, &args);
        let stdout = String::from_utf8_lossy(&drew.stdout);
        assert!(
            drew.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&drew.stderr)
        );
        assert!(stdout.contains("seed 424242"), "{stdout}");
        assert!(stdout.contains("中央地区"), "{stdout}");

        let again = tsunagari_on(&db, &args);
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("--replace"));

        let out = dir.path().join("mailing.csv");
        let listed = tsunagari_on(
            &db,
            &[
                "sample",
                "mailing-list",
                "--survey",
                &survey.slug,
                "--encoding",
                "cp932",
                "--out",
                &out.display().to_string(),
            ],
        );
        assert!(
            listed.status.success(),
            "{}",
            String::from_utf8_lossy(&listed.stderr)
        );
        let bytes = std::fs::read(&out).unwrap();
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        assert_eq!(text.lines().count(), 21);
        assert!(text.contains("山田\u{3000}花子"));

        let summary = tsunagari_on(
            &db,
            &["sample", "summary", "--survey", &survey.slug, "--csv"],
        );
        let csv = String::from_utf8_lossy(&summary.stdout);
        assert!(csv.contains("中央地区,40,8,"), "{csv}");
        assert!(csv.contains("北部地区,60,12,"), "{csv}");
    }
}

#[test]
fn a_paper_form_that_counts_decides_the_disposition_over_a_later_online_duplicate() {
    use tsunagari::db::schema::responses;
    for db in databases() {
        let (survey, codes) = sampled_survey(&db);
        let mut conn = db.conn();
        let (code_id, _) = db::codes::find(&mut conn, &codes[0]).unwrap().unwrap();
        let earlier = db::now() - chrono::Duration::days(1);
        // A paper form of the code, keyed and accepted yesterday.
        diesel::insert_into(responses::table)
            .values((
                responses::survey_id.eq(survey.id),
                responses::access_code_id.eq(Some(code_id)),
                responses::channel.eq("paper"),
                responses::status.eq("submitted"),
                responses::answers_json.eq("{}"),
                responses::page_index.eq(0),
                responses::version.eq(1),
                responses::distress.eq(false),
                responses::created_at.eq(earlier),
                responses::updated_at.eq(earlier),
                responses::submitted_at.eq(Some(earlier)),
            ))
            .execute(&mut conn)
            .unwrap();
        // The same person also answers online today: the paper form came first and counts.
        let online = db::responses::start_or_resume_online(&mut conn, survey.id, code_id).unwrap();
        db::responses::submit(&mut conn, online.id, online.version, "{}", false).unwrap();

        let sample = db::sample::find(&mut conn, survey.id).unwrap().unwrap();
        let outcome = db::sample::outcomes(&mut conn, sample.id)
            .unwrap()
            .into_iter()
            .find(|o| o.code == codes[0].as_str())
            .unwrap();
        assert_eq!(
            outcome.disposition,
            Disposition::PaperReceived,
            "{}",
            db.backend()
        );
        let design = db::sample::design_for_estimation(&mut conn, survey.id)
            .unwrap()
            .unwrap();
        assert_eq!(
            design.respondents.len(),
            1,
            "the duplicate does not count twice"
        );
        assert_ne!(design.respondents[0].response_id, online.id);
    }
}

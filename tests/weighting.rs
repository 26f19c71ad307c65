//! Weighting an admin chooses, on both backends: the preview's Kish design effect and margins
//! equal an independent computation; a saved and published weighting (post-stratification
//! by age band) changes the planner's numbers to what the estimation engine gives on that
//! design directly; a spec that does not converge, or other bad input, is refused with its
//! message and the published weighting stays; planners see the published weighting but get
//! 403 on every change; the log records who and when; the export records the weighting.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use actix_web::http::StatusCode;
use common::planner_data::{answers_of, drawn_survey, submit};
use common::*;
use tsunagari::analysis::cache::KnownAnswers;
use tsunagari::analysis::weighting::preview::preview;
use tsunagari::analysis::weighting::{MarginKind, Method, SpecError, WeightingSpec};
use tsunagari::analysis::{base_design, Dataset, RegisterCell, Respondent};
use tsunagari::auth::Role;
use tsunagari::estimate::{Categorical, Domain, EstimateOptions, MarginTotals};

const PASSWORD: &str = "a-long-enough-password";
const SLUG: &str = "demo-2026";

/// The planner tests' survey with every sampled person but every fifth answering.
fn answered(db: &TestDb) -> i64 {
    let (survey_id, codes) = drawn_survey(db, 11);
    for (i, code) in codes.iter().enumerate() {
        if i % 5 != 0 {
            submit(db, survey_id, code, &answers_of(i));
        }
    }
    survey_id
}

fn stored(db: &TestDb, survey_id: i64) -> (Vec<Respondent>, Vec<RegisterCell>) {
    tsunagari::db::analysis::stored(&mut db.conn(), survey_id, &KnownAnswers::default())
        .unwrap()
        .design
        .unwrap()
}

fn by_age() -> WeightingSpec {
    WeightingSpec {
        method: Method::PostStratification,
        margins: vec![MarginKind::AgeBand],
        ..WeightingSpec::default()
    }
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// Post-stratified weights by hand: base weight × register total / Σ base weights in the band.
fn post_stratified_by_hand(respondents: &[Respondent], register: &[RegisterCell]) -> Vec<f64> {
    let mut population: BTreeMap<&str, f64> = BTreeMap::new();
    for c in register {
        *population.entry(c.age_band.as_str()).or_default() += c.population;
    }
    let mut base: BTreeMap<&str, f64> = BTreeMap::new();
    for r in respondents {
        *base.entry(r.age_band.as_str()).or_default() += r.base_weight;
    }
    respondents
        .iter()
        .map(|r| r.base_weight * population[r.age_band.as_str()] / base[r.age_band.as_str()])
        .collect()
}

#[test]
fn the_preview_equals_an_independent_computation() {
    let db = databases().remove(0);
    let survey_id = answered(&db);
    let (respondents, register) = stored(&db, survey_id);

    // Post-stratification by age band: weights, Kish's deff and the margins by hand.
    let p = preview(&by_age(), &respondents, &register).unwrap();
    let weights = post_stratified_by_hand(&respondents, &register);
    let n = weights.len() as f64;
    let sum: f64 = weights.iter().sum();
    let mean = sum / n;
    let cv2 = weights.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / n / (mean * mean);
    assert!(relative(p.diagnostics.kish_deff, 1.0 + cv2) < 1e-12);
    assert_eq!(p.iterations, 1);
    let largest = weights.iter().copied().fold(0.0, f64::max);
    assert!(relative(p.largest[0].weight, largest) < 1e-12);
    assert!(relative(p.diagnostics.max, largest) < 1e-12);
    let cells = &p.margins[0].cells;
    let bands: std::collections::BTreeSet<&str> =
        register.iter().map(|c| c.age_band.as_str()).collect();
    assert_eq!(cells.len(), bands.len());
    for c in cells {
        let register_total: f64 = register
            .iter()
            .filter(|r| r.age_band == c.level)
            .map(|r| r.population)
            .sum();
        let achieved: f64 = respondents
            .iter()
            .zip(&weights)
            .filter(|(r, _)| r.age_band == c.level)
            .map(|(_, w)| w)
            .sum();
        assert!(relative(c.register, register_total) < 1e-12, "{c:?}");
        assert!(relative(c.achieved, achieved) < 1e-9, "{c:?}");
        assert!(relative(c.achieved, register_total) < 1e-9, "{c:?}");
    }
    assert_eq!(
        p.histogram.iter().map(|b| b.count).sum::<usize>(),
        weights.len()
    );

    // The default: the preview describes exactly the planner's raked weights.
    let questionnaire = demo_questionnaire(&db);
    let data = Dataset::build(&questionnaire, respondents.clone(), &register).unwrap();
    let p = preview(&WeightingSpec::default(), &respondents, &register).unwrap();
    assert!(relative(p.diagnostics.kish_deff, data.weights.kish_deff) < 1e-12);
    for m in &p.margins {
        for c in &m.cells {
            assert!(
                relative(c.achieved, c.register) < 1e-9,
                "{:?} {c:?}",
                m.kind
            );
        }
    }

    // Merging sparse cells: every cell then has the minimum, and the totals add up.
    let merged = WeightingSpec {
        min_cell_respondents: 30,
        ..WeightingSpec::default()
    };
    let p = preview(&merged, &respondents, &register).unwrap();
    assert!(p.margins.iter().any(|m| !m.merged.is_empty()));
    for m in &p.margins {
        assert!(m.cells.iter().all(|c| c.respondents >= 30), "{m:?}");
        let total: f64 = m.cells.iter().map(|c| c.register).sum();
        let all: f64 = register.iter().map(|c| c.population).sum();
        assert!(relative(total, all) < 1e-12);
    }

    // Bad input: not converging, trimming below the smallest weight, upper < lower.
    let stuck = WeightingSpec {
        tolerance: 1e-14,
        max_iterations: 1,
        ..WeightingSpec::default()
    };
    assert!(matches!(
        preview(&stuck, &respondents, &register),
        Err(SpecError::NotConverged { iterations: 1, .. })
    ));
    let low = WeightingSpec {
        trim_upper: Some(0.5),
        ..by_age()
    };
    let err = preview(&low, &respondents, &register).unwrap_err();
    assert!(
        matches!(err, SpecError::TrimUpperBelowSmallest { .. }),
        "{err}"
    );
    assert!(err
        .message(tsunagari::questionnaire::Lang::Ja)
        .contains("最も小さい重み"));
    let trimmed = WeightingSpec {
        trim_upper: Some(largest * 0.8),
        ..by_age()
    };
    let p = preview(&trimmed, &respondents, &register).unwrap();
    assert!(p.trimmed > 0);
    assert!(p.diagnostics.max <= largest * 0.8 * (1.0 + 1e-12));
}

fn csv_cells(bytes: &[u8]) -> BTreeMap<(String, String, String), Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let v: Vec<String> = r.iter().map(String::from).collect();
            ((v[0].clone(), v[1].clone(), v[2].clone()), v[3..].to_vec())
        })
        .collect()
}

fn form<'a>(csrf: &'a str, spec: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("csrf", csrf)];
    fields.extend_from_slice(spec);
    fields
}

fn published(db: &TestDb, survey_id: i64) -> Option<String> {
    tsunagari::db::weightings::published(&mut db.conn(), survey_id)
        .unwrap()
        .map(|(name, _)| name)
}

fn version(db: &TestDb, survey_id: i64) -> i64 {
    tsunagari::db::surveys::data_version(&mut db.conn(), survey_id).unwrap()
}

#[actix_web::test]
async fn an_admin_previews_saves_and_publishes_and_the_planners_numbers_follow() {
    for db in databases() {
        let survey_id = answered(&db);
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner1", PASSWORD).await;
        let base = format!("/planner/{SLUG}/weighting");
        let before = planner.get(&format!("/planner/{SLUG}/subgroups.csv")).await;
        assert_eq!(before.status, StatusCode::OK);

        // The page: the default is published, previewed, the form for admins only.
        let page = admin.get(&base).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("既定（性・年齢と地区のレイキング）"));
        assert!(page.body.contains("レイキング（周辺分布に合わせる）"));
        assert!(page.body.contains("id=\"kish\""));
        let csrf = page.hidden("csrf");
        let planner_page = planner.get(&base).await;
        assert_eq!(planner_page.status, StatusCode::OK);
        assert!(!planner_page.body.contains("name=\"tolerance\""));
        let planner_csrf = planner_page.hidden("csrf");

        let by_age = [
            ("method", "post_stratification"),
            ("margin", "age_band"),
            ("min_cell_respondents", "0"),
            ("trim_lower", ""),
            ("trim_upper", ""),
            ("tolerance", "1e-10"),
            ("max_iterations", "1000"),
            ("name", "年齢のみ"),
        ];
        // A preview saves nothing.
        let mut fields = form(&csrf, &by_age);
        fields.push(("action", "preview"));
        let page = admin.post(&base, &fields).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("住民基本台帳の人口との比較"));
        assert!(page.body.contains("<svg"));
        assert!(tsunagari::db::weightings::list(&mut db.conn(), survey_id)
            .unwrap()
            .is_empty());

        // Bad input: the message, 422, nothing saved.
        for (field, value, message) in [
            ("tolerance", "0", "収束の許容誤差は0より大きい数"),
            ("margin", "income", "区分「income」はありません"),
            ("trim_upper", "0.5", "最も小さい重み"),
        ] {
            let mut fields: Vec<(&str, &str)> = form(&csrf, &by_age)
                .into_iter()
                .filter(|(k, _)| *k != field)
                .collect();
            fields.push((field, value));
            fields.push(("action", "save"));
            let page = admin.post(&base, &fields).await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            assert!(page.body.contains(message), "{field}: {}", page.body);
        }
        // Raking that does not converge in one iteration.
        let stuck = [
            ("method", "raking"),
            ("margin", "sex_age"),
            ("margin", "district"),
            ("tolerance", "1e-14"),
            ("max_iterations", "1"),
            ("name", "収束しない"),
            ("action", "save"),
        ];
        let page = admin.post(&base, &form(&csrf, &stuck)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("収束しませんでした"), "{}", page.body);
        assert!(tsunagari::db::weightings::list(&mut db.conn(), survey_id)
            .unwrap()
            .is_empty());

        // Save, then publish: the data version moves in the same transaction.
        let mut fields = form(&csrf, &by_age);
        fields.push(("action", "save"));
        let page = admin.post(&base, &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let saved = tsunagari::db::weightings::list(&mut db.conn(), survey_id).unwrap();
        assert_eq!(saved.len(), 1);
        let id = saved[0].id;
        let again = admin.post(&base, &fields).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("すでにあります"));

        // Planners: 403 on every change.
        for path in [
            base.clone(),
            format!("{base}/{id}/publish"),
            format!("{base}/default"),
        ] {
            let page = planner.post(&path, &form(&planner_csrf, &by_age)).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        }
        assert_eq!(published(&db, survey_id), None);

        let v0 = version(&db, survey_id);
        let page = admin
            .post(&format!("{base}/{id}/publish"), &[("csrf", &csrf)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(published(&db, survey_id).as_deref(), Some("年齢のみ"));
        assert_eq!(version(&db, survey_id), v0 + 1);

        // The planner sees it and the numbers follow it.
        let page = planner.get(&base).await;
        assert!(page.body.contains("年齢のみ"));
        assert!(page.body.contains("公開中の重み付け「年齢のみ」"));
        let after = planner.get(&format!("/planner/{SLUG}/subgroups.csv")).await;
        assert_ne!(before.bytes, after.bytes);
        let cells = csv_cells(&after.bytes);
        let (respondents, register) = stored(&db, survey_id);
        let questionnaire = demo_questionnaire(&db);
        let data = Dataset::build(&questionnaire, respondents.clone(), &register).unwrap();
        let levels = Categorical::from_labels(
            &respondents
                .iter()
                .map(|r| r.age_band.clone())
                .collect::<Vec<_>>(),
        );
        let totals = MarginKind::AgeBand.totals(&register);
        let design = base_design(&respondents)
            .unwrap()
            .post_stratify(&MarginTotals::new("age band", &levels, &totals).unwrap())
            .unwrap();
        let mut compared = 0;
        for column in &data.indicators {
            let ours = &cells[&(column.indicator.id.clone(), "all".into(), "all".into())];
            // An indicator nobody could answer has no estimate on either side.
            let Ok(direct) =
                design.proportion(&column.outcome, Domain::All, &EstimateOptions::default())
            else {
                assert_eq!(ours[1], "");
                continue;
            };
            let estimate: f64 = ours[1].parse().unwrap();
            let se: f64 = ours[2].parse().unwrap();
            assert!(relative(estimate, direct.estimate) < 1e-9);
            assert!(relative(se, direct.se) < 1e-9);
            compared += 1;
        }
        assert!(compared > 3);

        // A saved weighting that does not converge is refused at publishing; the published
        // one stays and the data version does not move.
        let stuck = WeightingSpec {
            tolerance: 1e-14,
            max_iterations: 1,
            ..WeightingSpec::default()
        };
        let admin_id = tsunagari::db::users::list(&mut db.conn())
            .unwrap()
            .into_iter()
            .find(|u| u.username == "admin1")
            .unwrap()
            .id;
        let stuck_id = tsunagari::db::weightings::save(
            &mut db.conn(),
            survey_id,
            "収束しない",
            &stuck.to_json(),
            admin_id,
        )
        .unwrap();
        let v1 = version(&db, survey_id);
        let page = admin
            .post(&format!("{base}/{stuck_id}/publish"), &[("csrf", &csrf)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("収束しませんでした"), "{}", page.body);
        assert!(page.body.contains("公開中の重み付けは変わっていません"));
        assert_eq!(published(&db, survey_id).as_deref(), Some("年齢のみ"));
        assert_eq!(version(&db, survey_id), v1);

        // The log: who and when.
        let log = tsunagari::db::weightings::changes(&mut db.conn(), survey_id).unwrap();
        let actions: Vec<(&str, &str)> = log
            .iter()
            .map(|l| (l.action.as_str(), l.detail.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("saved", "収束しない"),
                ("published", "年齢のみ"),
                ("saved", "年齢のみ")
            ]
        );
        assert!(log.iter().all(|l| l.user.as_deref() == Some("admin1")));
        let now = chrono::Utc::now().naive_utc();
        assert!(log.iter().all(|l| (now - l.at).num_seconds().abs() < 600));

        // The export records the published weighting and calibrates as it does.
        let zip = planner.get(&format!("/planner/{SLUG}/analysis.zip")).await;
        assert_eq!(zip.status, StatusCode::OK);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes.clone())).unwrap();
        let comment = String::from_utf8_lossy(archive.comment()).into_owned();
        assert!(
            comment.contains("weighting: 年齢のみ (published)"),
            "{comment}"
        );
        assert!(comment.contains("\"post_stratification\""), "{comment}");
        let mut script = String::new();
        archive
            .by_name("reproduce.R")
            .unwrap()
            .read_to_string(&mut script)
            .unwrap();
        assert!(script.contains("# weighting: 年齢のみ (published)"));
        assert!(script.contains("weighting <- \"poststratify\""));
        assert!(script.contains("calibration <- c(\"cal_age_band\")"));
        let mut margins = String::new();
        archive
            .by_name("margins.csv")
            .unwrap()
            .read_to_string(&mut margins)
            .unwrap();
        assert!(
            margins
                .lines()
                .skip(1)
                .all(|l| l.starts_with("cal_age_band,")),
            "{margins}"
        );

        // Back to the default: the planner's numbers are the default's again.
        let page = admin
            .post(&format!("{base}/default"), &[("csrf", &csrf)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(published(&db, survey_id), None);
        let back = planner.get(&format!("/planner/{SLUG}/subgroups.csv")).await;
        assert_eq!(before.bytes, back.bytes);
    }
}

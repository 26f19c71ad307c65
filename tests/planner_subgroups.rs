//! The planner's subgroup table: every indicator by every breakdown, from the cached analysis
//! dataset. Its numbers are the engine's; no route ever carries a privacy-withheld value; the
//! cache gives what a fresh build gives and follows every new response.

mod common;

use actix_web::http::StatusCode;
use common::planner_data::{answers_of, drawn_survey, submit};
use common::*;
use tsunagari::auth::Role;
use tsunagari::estimate::{
    Categorical, Design, Domain, EstimateOptions, LonelyPsu, MarginTotals, Outcome, RakeOptions,
};
use tsunagari::questionnaire::{Answer, Answers};

const PASSWORD: &str = "a-long-enough-password";

/// The engine's own estimate, computed here from the stored design without the dashboard:
/// base weights N_h / n_h raked to sex × age band and district.
struct Engine {
    design: Design,
    direct: Vec<Option<u32>>,
    sex: Categorical,
    household: Categorical,
}

fn engine(db: &TestDb, survey_id: i64) -> Engine {
    let mut conn = db.conn();
    let design = tsunagari::db::sample::design_for_estimation(&mut conn, survey_id)
        .unwrap()
        .unwrap();
    let answers: std::collections::HashMap<i64, Answers> =
        tsunagari::db::responses::submitted_answers(&mut conn, survey_id)
            .unwrap()
            .into_iter()
            .map(|(id, _, json)| (id, serde_json::from_str(&json).unwrap()))
            .collect();
    let rows = &design.respondents;
    let labels = |f: &dyn Fn(&tsunagari::db::sample::DesignRow) -> String| {
        Categorical::from_labels(&rows.iter().map(f).collect::<Vec<_>>())
    };
    let sexage =
        |sex: &Option<String>, age: &str| format!("{}|{age}", sex.clone().unwrap_or_default());
    let base = Design::builder(rows.iter().map(|r| r.base_weight).collect())
        .strata("stratum", labels(&|r| r.stratum.clone()))
        .fpc("N_h", rows.iter().map(|r| r.population as f64).collect())
        .lonely_psu(LonelyPsu::Adjust)
        .build()
        .unwrap();
    let mut totals_sexage: std::collections::BTreeMap<String, f64> = Default::default();
    let mut totals_district: std::collections::BTreeMap<String, f64> = Default::default();
    for m in &design.margins {
        *totals_sexage
            .entry(sexage(&m.sex, &m.age_band))
            .or_default() += m.population as f64;
        *totals_district
            .entry(m.district.clone().unwrap_or_default())
            .or_default() += m.population as f64;
    }
    let m1 = MarginTotals::new(
        "sexage",
        &labels(&|r| sexage(&r.sex, &r.age_band)),
        &totals_sexage.into_iter().collect::<Vec<_>>(),
    )
    .unwrap();
    let m2 = MarginTotals::new(
        "district",
        &labels(&|r| r.district.clone().unwrap_or_default()),
        &totals_district.into_iter().collect::<Vec<_>>(),
    )
    .unwrap();
    let design_raked = base.rake(&[m1, m2], &RakeOptions::default()).unwrap();
    let direct = rows
        .iter()
        .map(|r| match answers[&r.response_id].get("direct") {
            Some(Answer::Choice(c)) => Some(*c),
            _ => None,
        })
        .collect();
    let household = labels(&|r| match answers[&r.response_id].get("household_size") {
        Some(Answer::Number(x)) if *x <= 1.0 => "alone".into(),
        Some(Answer::Number(_)) => "more".into(),
        _ => String::new(),
    });
    Engine {
        design: design_raked,
        direct,
        sex: labels(&|r| r.sex.clone().unwrap_or_default()),
        household,
    }
}

impl Engine {
    fn lonely_often(&self) -> Outcome {
        Outcome::binary(
            &self
                .direct
                .iter()
                .map(|d| d.map(|c| c == 5))
                .collect::<Vec<_>>(),
        )
    }
}

fn opts() -> EstimateOptions {
    tsunagari::analysis::subgroups::planner_options()
}

fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn breakdown<'a>(json: &'a serde_json::Value, indicator: &str, by: &str) -> &'a serde_json::Value {
    json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == indicator)
        .unwrap_or_else(|| panic!("indicator {indicator}"))["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["by"] == by)
        .unwrap_or_else(|| panic!("breakdown {by}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
}

#[actix_web::test]
async fn the_subgroup_table_is_the_engines_and_never_shows_a_withheld_cell() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().filter(|(i, _)| i % 6 != 0) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let json = c.get("/planner/demo-2026/subgroups.json").await;
        assert_eq!(json.status, StatusCode::OK, "{}", json.body);
        let report = json_of(&json.body);
        let engine = engine(&db, survey_id);
        let y = engine.lonely_often();

        // The whole population and the register's sex: the engine's numbers exactly.
        let overall = engine.design.proportion(&y, Domain::All, &opts()).unwrap();
        let shown = &report["indicators"][0]["overall"];
        assert_eq!(report["indicators"][0]["id"], "lonely_often");
        assert_eq!(report["indicators"][0]["provenance"], "national");
        let provenance_of = |id: &str| {
            report["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == id)
                .map(|i| i["provenance"].clone())
        };
        assert_eq!(
            provenance_of("no_one_to_rely_on").unwrap(),
            "national-secondary"
        );
        assert_eq!(provenance_of("k6_serious").unwrap(), "local");
        // The demo has Suzaka's module: its breakdowns are in the report.
        let by: Vec<&str> = report["indicators"][0]["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["by"].as_str().unwrap())
            .collect();
        for id in [
            "age_band",
            "sex",
            "district",
            "birthplace",
            "economic_suzaka",
            "transport",
        ] {
            assert!(by.contains(&id), "{id}: {by:?}");
        }
        assert!(
            close(shown["estimate"].as_f64().unwrap(), overall.estimate),
            "{shown} vs {overall:?}"
        );
        assert!(close(shown["se"].as_f64().unwrap(), overall.se));
        assert!(close(
            shown["ci_low"].as_f64().unwrap(),
            overall.ci.unwrap().0
        ));
        assert!(close(shown["total"].as_f64().unwrap(), overall.total));
        for level in ["female", "male"] {
            let e = engine
                .design
                .proportion(&y, Domain::Level(&engine.sex, level), &opts())
                .unwrap();
            let label = if level == "female" {
                "女性"
            } else {
                "男性"
            };
            let cell = breakdown(&report, "lonely_often", "sex")["cells"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["level"] == label)
                .unwrap()
                .clone();
            assert_eq!(cell["n"].as_u64().unwrap() as usize, e.n);
            assert!(
                close(cell["estimate"].as_f64().unwrap(), e.estimate),
                "{cell} vs {e:?}"
            );
            assert!(close(cell["ci_high"].as_f64().unwrap(), e.ci.unwrap().1));
        }
        // An answered breakdown: living alone, read from 問 F4, as the engine has it.
        let alone = engine
            .design
            .proportion(&y, Domain::Level(&engine.household, "alone"), &opts())
            .unwrap();
        let table = breakdown(&report, "lonely_often", "living_alone");
        let cell = &table["cells"][0];
        assert_eq!(cell["level"], "ひとり暮らし");
        assert!(
            close(cell["estimate"].as_f64().unwrap(), alone.estimate),
            "{cell} vs {alone:?}"
        );
        // Living alone is lonelier by construction: the design-based test says so, and the
        // Rao–Scott test of the breakdown is significant.
        assert_eq!(cell["direction"], "higher", "{cell}");
        assert!(table["test"]["p_value"].as_f64().unwrap() < 0.05, "{table}");

        // Privacy: 「離別」 has fewer than ten respondents; its value and the value of the cell
        // withheld with it appear in no response of any route.
        let marital = breakdown(&report, "lonely_often", "marital_status");
        let withheld: Vec<&serde_json::Value> = marital["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"].as_str().unwrap().starts_with("withheld"))
            .collect();
        assert!(
            withheld.len() >= 2,
            "a small cell and its complement: {marital}"
        );
        assert!(withheld
            .iter()
            .any(|c| c["level"] == "離別" && c["status"] == "withheld:n<10"));
        let marital_codes = {
            let mut conn = db.conn();
            let design = tsunagari::db::sample::design_for_estimation(&mut conn, survey_id)
                .unwrap()
                .unwrap();
            let answers: std::collections::HashMap<i64, Answers> =
                tsunagari::db::responses::submitted_answers(&mut conn, survey_id)
                    .unwrap()
                    .into_iter()
                    .map(|(id, _, json)| (id, serde_json::from_str(&json).unwrap()))
                    .collect();
            Categorical::from_labels(
                &design
                    .respondents
                    .iter()
                    .map(|r| match answers[&r.response_id].get("marital_status") {
                        Some(Answer::Choice(c)) => c.to_string(),
                        _ => String::new(),
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let label_code = |label: &str| match label {
            "配偶者あり（事実婚を含む）" => "1",
            "未婚" => "2",
            "死別" => "3",
            _ => "4",
        };
        let mut secrets = Vec::new();
        for cell in &withheld {
            assert!(
                cell["estimate"].is_null() && cell["ci_low"].is_null() && cell["total"].is_null()
            );
            assert!(cell["versus_rest"].is_null());
            let code = label_code(cell["level"].as_str().unwrap());
            let e = engine
                .design
                .proportion(&y, Domain::Level(&marital_codes, code), &opts())
                .unwrap();
            assert!(
                e.estimate > 0.0 && e.estimate < 1.0,
                "the test needs a withheld rate that could be recognised: {e:?}"
            );
            secrets.push(format!("{}", e.estimate));
            secrets.push(format!("{}", e.total));
            secrets.push(format!("{:.4}", 100.0 * e.estimate));
            if let Some((lo, hi)) = e.ci {
                secrets.push(format!("{lo}"));
                secrets.push(format!("{hi}"));
            }
        }
        let routes = [
            "/planner/demo-2026/subgroups",
            "/planner/demo-2026/subgroups?indicator=lonely_often",
            "/planner/demo-2026/subgroups?indicator=lonely_often&view=publication",
            "/planner/demo-2026/subgroups.csv",
            "/planner/demo-2026/subgroups.json",
            "/planner/demo-2026/estimates.csv",
            "/planner/demo-2026/estimates",
            "/planner/demo-2026/chart/lonely_often/marital_status.svg",
            "/planner/demo-2026/table?outcome=indicator:lonely_often&by=marital_status",
            "/planner/demo-2026/table.csv?outcome=indicator:lonely_often&by=marital_status",
            "/planner/demo-2026/table?outcome=indicator:lonely_often&by=marital_status&by2=sex",
        ];
        for route in routes {
            let page = c.get(route).await;
            assert_eq!(page.status, StatusCode::OK, "{route}: {}", page.body);
            for secret in &secrets {
                assert!(
                    !page.body.contains(secret.as_str()),
                    "{route} shows the withheld {secret}"
                );
            }
        }
        // On the detail page the withheld rows hold a mark and no number; the chart draws
        // no bar for them.
        let detail = c
            .get("/planner/demo-2026/subgroups?indicator=lonely_often")
            .await;
        let row_start = detail
            .body
            .find(r#"<tr data-level="離別">"#)
            .expect("the row is listed");
        let row =
            &detail.body[row_start..row_start + detail.body[row_start..].find("</tr>").unwrap()];
        assert!(row.contains("＊") && !row.contains('%'), "{row}");
        let svg = c
            .get("/planner/demo-2026/chart/lonely_often/marital_status.svg")
            .await;
        let shown = marital["cells"].as_array().unwrap().len() - withheld.len();
        assert_eq!(
            svg.body.matches(r#"class="bar""#).count(),
            shown,
            "{}",
            svg.body
        );
        assert!(svg.body.contains("<title"), "an accessible title");

        // Nothing on these pages names a resident.
        let names: Vec<String> = {
            use diesel::prelude::*;
            use tsunagari::db::schema::frame_persons;
            frame_persons::table
                .filter(frame_persons::survey_id.eq(survey_id))
                .select(frame_persons::name)
                .limit(200)
                .load::<Option<String>>(&mut db.conn())
                .unwrap()
                .into_iter()
                .flatten()
                .collect()
        };
        assert!(!names.is_empty());
        for route in routes {
            let page = c.get(route).await;
            for name in &names {
                assert!(
                    !page.body.contains(name.as_str()),
                    "{route} shows the name {name}"
                );
            }
        }
    }
}

#[actix_web::test]
async fn the_cache_equals_a_fresh_build_and_follows_every_new_response() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().take(200) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let state = db.state();
        let mut c = client(state.clone()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let first = c.get("/planner/demo-2026/subgroups.json").await.body;
        let cached = c.get("/planner/demo-2026/subgroups.json").await.body;
        assert_eq!(first, cached);
        // A second app server (its own, empty cache) on the same database.
        let mut other = client(db.state()).await;
        sign_in(&mut other, "planner1", PASSWORD).await;
        assert_eq!(
            other.get("/planner/demo-2026/subgroups.json").await.body,
            first
        );

        // One more response: the next request on both servers has it.
        submit(&db, survey_id, &codes[250], &answers_of(250));
        let after = json_of(&c.get("/planner/demo-2026/subgroups.json").await.body);
        assert_eq!(after["respondents"], 201);
        let before = json_of(&first);
        assert_eq!(before["respondents"], 200);
        assert_ne!(
            after["indicators"][0]["overall"]["estimate"],
            before["indicators"][0]["overall"]["estimate"]
        );
        assert_eq!(
            json_of(&other.get("/planner/demo-2026/subgroups.json").await.body),
            after
        );

        // A correction of one stored response: the rebuild that reuses every other parsed
        // answer gives what a server that parses everything gives.
        let (corrected_id, corrected_version) = {
            let mut conn = db.conn();
            let (id, version, _) =
                tsunagari::db::responses::submitted_answers(&mut conn, survey_id).unwrap()[3];
            let mut changed = answers_of(3);
            changed.insert("direct", Answer::Choice(5));
            let json = serde_json::to_string(&changed).unwrap();
            let staff = tsunagari::db::users::find_by_username(&mut conn, "planner1")
                .unwrap()
                .unwrap();
            tsunagari::db::entry::correct(&mut conn, id, version, &json, true, staff.id, &[])
                .unwrap();
            (id, version)
        };
        let corrected = c.get("/planner/demo-2026/subgroups.json").await.body;
        assert_ne!(json_of(&corrected), after, "the correction is seen");
        let mut fresh = client(db.state()).await;
        sign_in(&mut fresh, "planner1", PASSWORD).await;
        assert_eq!(
            fresh.get("/planner/demo-2026/subgroups.json").await.body,
            corrected
        );
        assert_eq!(
            c.get("/planner/demo-2026/table.csv?outcome=question:direct&by=sex")
                .await
                .body,
            fresh
                .get("/planner/demo-2026/table.csv?outcome=question:direct&by=sex")
                .await
                .body
        );
        let stored = tsunagari::db::responses::submitted_answers(&mut db.conn(), survey_id)
            .unwrap()
            .into_iter()
            .find(|(id, _, _)| *id == corrected_id)
            .unwrap();
        assert_eq!(stored.1, corrected_version + 1);

        // An unfinished online answer does not invalidate the cache (nor count).
        let version = tsunagari::db::surveys::data_version(&mut db.conn(), survey_id).unwrap();
        {
            let mut conn = db.conn();
            let code = tsunagari::sampling::access_code::AccessCode::parse(&codes[260]).unwrap();
            let (code_id, _) = tsunagari::db::codes::find(&mut conn, &code)
                .unwrap()
                .unwrap();
            let r = tsunagari::db::responses::start_or_resume_online(&mut conn, survey_id, code_id)
                .unwrap();
            tsunagari::db::responses::save_progress(&mut conn, r.id, r.version, "{}", "{}", 1)
                .unwrap();
        }
        assert_eq!(
            tsunagari::db::surveys::data_version(&mut db.conn(), survey_id).unwrap(),
            version
        );
    }
}

#[actix_web::test]
async fn wrong_choices_get_a_message_on_the_page_never_a_500() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().take(60) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let cases = [
            (
                "/planner/demo-2026/subgroups?indicator=nope",
                StatusCode::NOT_FOUND,
                "「nope」という指標はありません",
            ),
            (
                "/planner/demo-2026/subgroups?view=bogus",
                StatusCode::BAD_REQUEST,
                "working（作業用）か publication（公表用）",
            ),
            (
                "/planner/demo-2026/subgroups?alpha=0.5",
                StatusCode::BAD_REQUEST,
                "0.05、0.01、0.10",
            ),
            (
                "/planner/demo-2026/table?outcome=indicator:nope&by=sex",
                StatusCode::BAD_REQUEST,
                "「nope」という集計項目はありません",
            ),
            (
                "/planner/demo-2026/table?outcome=indicator:lonely_often&by=nope",
                StatusCode::BAD_REQUEST,
                "「nope」という区分はありません",
            ),
            (
                "/planner/demo-2026/table?outcome=indicator:lonely_often&by=sex&by2=sex",
                StatusCode::BAD_REQUEST,
                "同じ区分が2回",
            ),
            (
                "/planner/demo-2026/table?outcome=question:comments&by=sex",
                StatusCode::BAD_REQUEST,
                "単一回答の設問ではない",
            ),
            (
                "/planner/demo-2026/table.csv?outcome=indicator:lonely_often",
                StatusCode::BAD_REQUEST,
                "区分（by）を指定",
            ),
            (
                "/planner/demo-2026/chart/lonely_often/nope.svg",
                StatusCode::NOT_FOUND,
                "",
            ),
            // To a planner, a survey that does not exist is one that is not theirs.
            ("/planner/nope/subgroups", StatusCode::FORBIDDEN, ""),
        ];
        for (route, status, message) in cases {
            let page = c.get(route).await;
            assert_eq!(page.status, status, "{route}: {}", page.body);
            assert!(page.body.contains(message), "{route}: {}", page.body);
            assert!(!page.body.contains("NaN"), "{route}");
        }
        // A table of every option of a question, by two breakdowns, is built.
        let page = c
            .get("/planner/demo-2026/table?outcome=question:health&by=sex&by2=living_alone")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("良くない") && page.body.contains("ひとり暮らし"));
        assert!(!page.body.contains("NaN"));
    }
}

#[actix_web::test]
async fn fieldwork_shows_responses_by_day_in_the_municipalitys_time_zone() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().take(12) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        // Submitted at 20:30 UTC: already the next day in Tokyo.
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::responses;
            diesel::update(responses::table.filter(responses::survey_id.eq(survey_id)))
                .set(
                    responses::submitted_at.eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                        .unwrap()
                        .and_hms_opt(20, 30, 0)),
                )
                .execute(&mut db.conn())
                .unwrap();
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let page = c.get("/planner/demo-2026/fieldwork").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains("<td>2026-12-04</td><td class=\"num\">12</td>"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("2026-12-03"));
        assert!(page.body.contains("層別の回収率"));
        assert!(
            page.body.contains(r#"class="online""#),
            "the chart is drawn"
        );
        // The page is kept between requests and read again after every change it shows.
        assert_eq!(c.get("/planner/demo-2026/fieldwork").await.body, page.body);
        submit(&db, survey_id, &codes[12], &answers_of(12));
        let later = c.get("/planner/demo-2026/fieldwork").await.body;
        assert!(later.contains(r#"<td class="num">13</td>"#), "{later}");
        {
            let mut conn = db.conn();
            let staff = tsunagari::db::users::find_by_username(&mut conn, "planner1")
                .unwrap()
                .unwrap();
            tsunagari::db::entry::add_batch(
                &mut conn,
                survey_id,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
                7,
                "",
                staff.id,
            )
            .unwrap();
        }
        let with_batch = c.get("/planner/demo-2026/fieldwork").await.body;
        assert!(
            with_batch.contains(r#"受け付けた封筒</th><td class="num">7</td>"#),
            "{with_batch}"
        );
    }
}

#[actix_web::test]
async fn the_overview_compares_each_indicator_with_the_previous_wave() {
    for db in databases() {
        let (first_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().take(150) {
            submit(&db, first_id, code, &answers_of(i));
        }
        let mut settings =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
        settings.slug = "demo-2027".into();
        // A wrong name is refused and creates nothing.
        settings.previous_wave = Some("demo-2025".into());
        let refused = tsunagari::ops::surveys::create(
            &mut db.conn(),
            &db.config().questionnaires_dir,
            &settings,
        )
        .unwrap_err();
        assert!(
            refused.to_string().contains("no survey `demo-2025`"),
            "{refused:?}"
        );
        assert!(
            tsunagari::db::surveys::find_by_slug(&mut db.conn(), "demo-2027")
                .unwrap()
                .is_none()
        );
        settings.previous_wave = Some("demo-2026".into());
        let (second_id, codes2) = common::planner_data::drawn_survey_of(&db, &settings, 12);
        // A year later everyone is lonelier: the change must be significant.
        for (i, code) in codes2.iter().enumerate().take(150) {
            let mut a = answers_of(i);
            if i % 3 == 0 {
                a.insert("direct", Answer::Choice(5));
            }
            submit(&db, second_id, code, &a);
        }
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "admin1", PASSWORD).await;
        let page = c.get("/planner/demo-2027/estimates").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let waves = &page.body[page.body.find(r#"id="waves""#).expect("the section")..];
        assert!(waves.contains("前回: "), "{waves}");
        assert!(waves.contains("上昇"), "the rise is significant: {waves}");

        // The admin clears it, then names a survey that cannot be a previous wave.
        let csrf = page.hidden("csrf");
        let cleared = c
            .post(
                "/planner/demo-2027/previous-wave",
                &[("csrf", &csrf), ("previous", "")],
            )
            .await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER);
        let page = c.get("/planner/demo-2027/estimates").await;
        assert!(page.body.contains("前回の調査は設定されていません"));
        let itself = c
            .post(
                "/planner/demo-2027/previous-wave",
                &[("csrf", &csrf), ("previous", "demo-2027")],
            )
            .await;
        assert_eq!(itself.status, StatusCode::BAD_REQUEST);
        assert!(itself
            .body
            .contains("調査そのものを前回の調査にはできません"));
        assert!(
            tsunagari::db::surveys::previous_wave(&mut db.conn(), second_id)
                .unwrap()
                .is_none()
        );
        // Planners read it but may not change it.
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut p = client(db.state()).await;
        sign_in(&mut p, "planner1", PASSWORD).await;
        let page = p.get("/planner/demo-2027/estimates").await;
        assert!(!page.body.contains("previous-wave"));
        let csrf = page.hidden("csrf");
        let refused = p
            .post(
                "/planner/demo-2027/previous-wave",
                &[("csrf", &csrf), ("previous", "demo-2026")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

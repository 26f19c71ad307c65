//! Planners read weighted prevalence from a drawn sample: raked to the register, by age band,
//! sex and district, with withheld cells never standing alone.

mod common;

use actix_web::http::StatusCode;
use common::planner_data::drawn_survey;
use common::*;
use tsunagari::auth::Role;
use tsunagari::questionnaire::{Answer, Answers};

const PASSWORD: &str = "a-long-enough-password";

fn submit(db: &TestDb, survey_id: i64, code: &str, direct: u32) {
    let mut conn = db.conn();
    let code = tsunagari::sampling::access_code::AccessCode::parse(code).unwrap();
    let (code_id, _) = tsunagari::db::codes::find(&mut conn, &code)
        .unwrap()
        .unwrap();
    let r =
        tsunagari::db::responses::start_or_resume_online(&mut conn, survey_id, code_id).unwrap();
    let mut answers = Answers::new();
    answers.insert("direct", Answer::Choice(direct));
    tsunagari::db::responses::submit(
        &mut conn,
        r.id,
        r.version,
        &serde_json::to_string(&answers).unwrap(),
        direct == 5,
    )
    .unwrap();
}

#[actix_web::test]
async fn raked_estimates_add_up_to_the_register_and_no_withheld_cell_stands_alone() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 7);
        assert_eq!(codes.len(), 300);
        // Everyone who answers says しばしばある・常にある: the estimated number of lonely
        // residents must then be the whole eligible register, whatever the weights.
        // Four in five answer, spread over every stratum.
        for code in codes
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 != 0)
            .map(|(_, c)| c)
        {
            submit(&db, survey_id, code, 5);
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        c.get("/lang?to=en&back=%2F").await;
        let page = c.get("/planner/demo-2026/estimates").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Weights are raked"), "{}", page.body);
        assert!(page.body.contains("National: 4.8%"));
        c.get("/lang?to=ja&back=%2F").await;
        let ja = c.get("/planner/demo-2026/estimates").await;
        assert!(ja.body.contains("全国: 4.8%"));
        // Each indicator says where its wording comes from.
        let row = |name: &str| -> String {
            ja.body
                .split("<tr>")
                .find(|row| row.contains(name))
                .and_then(|row| row.split("</tr>").next())
                .unwrap_or_else(|| panic!("no row {name}"))
                .to_string()
        };
        assert!(ja.body.contains("設問の出典"));
        assert!(row("孤独感が「しばしばある・常にある」（直接質問）")
            .contains("全国調査と同じ設問（公式資料で確認）"));
        let contact = row("直接会って話すことが「全くない」");
        assert!(
            contact.contains("全国: 9.2%") && contact.contains("二次資料で確認"),
            "{contact}"
        );
        let lsns = row("社会的孤立（LSNS-6 12点未満）");
        assert!(
            lsns.contains("全国の値なし")
                && lsns.contains("独自の設問（全国の値とは比較できません）"),
            "{lsns}"
        );
        let subgroups = c.get("/planner/demo-2026/subgroups").await;
        assert!(
            subgroups.body.contains(r#"<th scope="row">女性</th>"#)
                && subgroups.body.contains(r#"<th scope="row">男性</th>"#),
            "the register's sex in Japanese"
        );
        c.get("/lang?to=en&back=%2F").await;

        let csv = c.get("/planner/demo-2026/estimates.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        let mut reader =
            csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let overall = rows
            .iter()
            .find(|r| r[0].starts_with("Feels lonely often") && &r[1] == "all")
            .unwrap();
        assert_eq!(&overall[3], "240");
        assert_eq!(&overall[4], "100.0000");
        let eligible: f64 = {
            let design = tsunagari::db::sample::design_for_estimation(&mut db.conn(), survey_id)
                .unwrap()
                .unwrap();
            design.margins.iter().map(|m| m.population as f64).sum()
        };
        let population: f64 = overall[7].parse().unwrap();
        assert!(
            (population - eligible).abs() < 1e-3 * eligible.max(1.0) * 1e-3,
            "{population} vs {eligible}"
        );

        // In every breakdown of every indicator, withheld cells come in twos or more.
        let mut groups: std::collections::BTreeMap<(String, String), (usize, usize)> =
            Default::default();
        for r in rows.iter().filter(|r| &r[1] != "all") {
            let entry = groups
                .entry((r[0].to_string(), r[1].to_string()))
                .or_default();
            entry.0 += 1;
            if r[9].starts_with("withheld") {
                entry.1 += 1;
                assert_eq!(&r[4], "", "a withheld cell has no number: {r:?}");
            }
        }
        assert!(!groups.is_empty());
        for ((indicator, by), (_, withheld)) in &groups {
            assert_ne!(
                *withheld, 1,
                "{indicator} by {by}: a lone withheld cell could be worked out"
            );
        }
        // Levels of a breakdown add up to the respondents.
        let by_district: usize = rows
            .iter()
            .filter(|r| r[0].starts_with("Feels lonely often") && &r[1] == "District (register)")
            .map(|r| r[3].parse::<usize>().unwrap())
            .sum();
        assert_eq!(by_district, 240);
    }
}

#[actix_web::test]
async fn a_survey_without_a_sample_says_why_there_are_no_estimates() {
    for db in databases() {
        demo_survey(&db, 1);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        let page = c.get("/planner/demo-2026/estimates").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("この調査には標本（住民基本台帳からの無作為抽出）がないため"),
            "{}",
            page.body
        );
        for path in ["subgroups", "table?outcome=indicator:lonely_often&by=sex"] {
            let page = c.get(&format!("/planner/demo-2026/{path}")).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(
                page.body.contains("この調査には標本"),
                "{path}: {}",
                page.body
            );
        }
        assert_eq!(
            c.get("/planner/demo-2026/estimates.csv").await.status,
            StatusCode::CONFLICT
        );
        add_user(&db, "staff1", PASSWORD, Role::Staff);
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff1", PASSWORD).await;
        assert_eq!(
            staff.get("/planner/demo-2026/estimates").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

//! The report a council reads: one printable page with the method (sample, fieldwork, response
//! rate, weighting), the headline figures as in the subgroup CSV's publication view, a chart
//! per headline indicator and register breakdown, the main subgroup table with its legend —
//! for planners only, and a clear message before there are estimates.

mod common;

use actix_web::http::StatusCode;
use common::planner_data::{answers_of, drawn_survey, submit};
use common::*;
use tsunagari::auth::Role;

const PASSWORD: &str = "a-long-enough-password";

#[actix_web::test]
async fn the_report_holds_the_method_headline_figures_charts_and_main_table() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 17);
        add_user(&db, "planner", PASSWORD, Role::Planner);
        add_user(&db, "staff", PASSWORD, Role::Staff);
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner", PASSWORD).await;

        let empty = planner.get("/planner/demo-2026/report").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(
            empty
                .body
                .contains("標本から回答を提出した方がまだいないため"),
            "{}",
            empty.body
        );

        for (i, code) in codes.iter().enumerate().take(180) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        let page = planner.get("/planner/demo-2026/report").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for heading in [
            "1. 調査の方法",
            "2. 主な結果",
            "3. 性別・年齢・地区による違い（グラフ）",
            "4. 区分別の割合（%）",
        ] {
            assert!(page.body.contains(heading), "{heading}");
        }
        let population: u32 = page
            .body
            .split("16歳以上の住民 ")
            .nth(1)
            .and_then(|rest| rest.split('人').next())
            .and_then(|n| n.parse().ok())
            .expect("the register's eligible population");
        assert!(
            (2900..=3000).contains(&population),
            "the eligible part of the 3,000-person register: {population}"
        );
        assert!(page.body.contains("180人（有効回収率"), "the response rate");
        assert!(page.body.contains("層別無作為抽出で 300人"));

        // Every headline figure is the subgroup CSV's (publication view) overall estimate.
        let csv = planner
            .get("/planner/demo-2026/subgroups.csv?view=publication")
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        let overall: Vec<Vec<String>> = csv
            .body
            .trim_start_matches('\u{feff}')
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
            .filter(|r| r[1] == "all")
            .collect();
        assert!(!overall.is_empty());
        for row in &overall {
            if row[4].is_empty() {
                continue;
            }
            let shown = format!("{:.1}%", 100.0 * row[4].parse::<f64>().unwrap());
            assert!(page.body.contains(&shown), "{}: {shown}", row[0]);
        }

        // A chart for each headline indicator shown for everyone, by sex, age band, district.
        let charts = page.body.matches("<figure class=\"report-chart\">").count();
        let shown = overall.iter().filter(|r| !r[4].is_empty()).count();
        assert!(shown >= 1);
        assert!(
            charts <= 3 * shown && charts >= 3,
            "{charts} charts for {shown} indicators"
        );
        assert!(
            page.body.contains("＊"),
            "the legend explains the withheld mark"
        );
        assert!(page.body.contains("参考値"));

        // The page prints: A4, the navigation and download links left out.
        let css = planner.get("/static/site.css").await;
        assert!(css.body.contains("size: A4 portrait"));
        assert!(css.body.contains(".no-print { display: none; }"));

        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff", PASSWORD).await;
        assert_eq!(
            staff.get("/planner/demo-2026/report").await.status,
            StatusCode::FORBIDDEN,
            "{}",
            db.backend()
        );
    }
}

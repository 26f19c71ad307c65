//! Planners never receive personal data: every planner page and download (every GET route
//! under `/planner`, read from the route table, with the query variants the pages link to)
//! is scanned for the register's names, addresses and birth dates, resident ids and access
//! codes — inside the workbooks and zip files too. On SQLite and (when configured)
//! PostgreSQL.

mod common;

use std::io::Read;

use actix_web::http::header;

use common::planner_data::{answers_of, drawn_survey, submit};
use common::routes::routes;
use common::secrets::{secrets, Secrets};
use common::*;
use tsunagari::auth::Role;

const PASSWORD: &str = "a long enough password";
const SLUG: &str = "demo-2026";

/// Every planner GET route for the demo survey, and the variants of the pages with a choice.
fn planner_paths() -> Vec<String> {
    let mut paths: Vec<String> = routes()
        .into_iter()
        .filter(|(method, path)| method == "get" && path.starts_with("/planner"))
        .map(|(_, path)| {
            path.replace("{slug}", SLUG)
                .replace("{indicator}", "lonely_often")
                .replace("{by}", "district")
        })
        .collect();
    assert!(
        paths.len() >= 20,
        "the route table lists the planner routes: {paths:?}"
    );
    let table = "outcome=indicator:lonely_often&by=district&by2=sex";
    paths.extend([
        format!("/planner/{SLUG}/subgroups?indicator=lonely_often"),
        format!("/planner/{SLUG}/table?{table}"),
        format!("/planner/{SLUG}/table.csv?{table}"),
        format!("/planner/{SLUG}/table.xlsx?{table}"),
        format!("/planner/{SLUG}/table?outcome=question:direct&by=age_band"),
        format!("/planner/{SLUG}/subgroups.csv?view=working"),
        format!("/planner/{SLUG}?lang=en"),
    ]);
    paths
}

/// Scans a response: its bytes, and each file inside when it is a zip (XLSX, analysis.zip).
fn assert_nothing_personal(secrets: &Secrets, path: &str, page: &Page) {
    let zipped = page.bytes.starts_with(b"PK\x03\x04");
    if !zipped {
        let kind = page
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let name = if kind.contains("csv") {
            "body.csv"
        } else {
            "body"
        };
        secrets.assert_none_in(path, name, &page.bytes);
        return;
    }
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(page.bytes.clone())).expect("a zip file");
    assert!(!archive.is_empty());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("a file in the zip");
        let name = file.name().expect("a file name").to_string();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).expect("read it");
        secrets.assert_none_in(path, &name, &bytes);
    }
}

#[actix_web::test]
async fn no_planner_page_or_download_holds_personal_data_a_resident_id_or_an_access_code() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().filter(|(i, _)| i % 6 != 0) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        let secrets = secrets(&codes, &[]);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner1", PASSWORD).await;
        let mut scanned = 0;
        for path in planner_paths() {
            let page = planner.get(&path).await;
            assert!(
                !page.status.is_server_error(),
                "{path}: {} {}",
                page.status,
                page.body
            );
            assert_nothing_personal(&secrets, &path, &page);
            if page.status.is_success() {
                scanned += 1;
            }
        }
        assert!(
            scanned >= 20,
            "{scanned} planner responses had content to scan"
        );
    }
}

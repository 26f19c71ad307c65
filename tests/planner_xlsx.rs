//! The planner's Excel workbooks, downloaded over HTTP and read back with calamine: their
//! numbers are the CSV files' (the page's), percentages are numbers, a withheld cell is its
//! mark and no withheld value is in any sheet, headers follow the page's language, and a bad
//! query gets a 400 that says what to change.

mod common;

use std::io::Cursor;

use actix_web::http::header;
use actix_web::http::StatusCode;
use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use common::planner_data::{answers_of, drawn_survey, submit};
use common::*;
use tsunagari::analysis::cache::KnownAnswers;
use tsunagari::analysis::cells::Privacy;
use tsunagari::analysis::Dataset;
use tsunagari::auth::Role;
use tsunagari::estimate::Domain;

const PASSWORD: &str = "a-long-enough-password";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every sheet of a downloaded workbook, in order.
fn sheets(page: &Page) -> Vec<(String, Range<Data>)> {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers.get(header::CONTENT_TYPE).unwrap(), XLSX);
    let mut book: Xlsx<Cursor<Vec<u8>>> =
        open_workbook_from_rs(Cursor::new(page.bytes.clone())).expect("a workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a sheet");
            (name, range)
        })
        .collect()
}

/// The rows of a CSV download (without its byte-order mark), header first.
fn csv_rows(page: &Page) -> Vec<Vec<String>> {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.body.trim_start_matches('\u{feff}');
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn at(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// The numbers of a CSV row (`n, estimate, se, ci_low, ci_high, total` from column `from`)
/// against a sheet row (`n, rate, low, high, residents, se, note` from column `col`).
fn same_numbers(csv: &[String], from: usize, range: &Range<Data>, row: u32, col: u32) {
    let context = format!("{csv:?} vs row {row}");
    assert_eq!(
        at(range, row, col),
        Data::Float(csv[from].parse().unwrap()),
        "n: {context}"
    );
    let sheet_of = [1, 5, 2, 3, 4]; // estimate, se, ci_low, ci_high, total
    if csv[from + 1].is_empty() {
        // Withheld: the mark, then nothing.
        match at(range, row, col + 1) {
            Data::String(mark) => assert!(
                ["＊", "＊＊", "－"].contains(&mark.as_str()),
                "{mark}: {context}"
            ),
            other => panic!("a withheld cell holds {other:?}: {context}"),
        }
        for k in 2..6 {
            assert_eq!(at(range, row, col + k), Data::Empty, "{context}");
        }
        assert!(
            matches!(at(range, row, col + 6), Data::String(ref why) if !why.is_empty()),
            "a note says why: {context}"
        );
        return;
    }
    for (k, offset) in sheet_of.iter().enumerate() {
        let expected = &csv[from + 1 + k];
        let got = at(range, row, col + offset);
        if expected.is_empty() {
            assert_eq!(got, Data::Empty, "{context}");
        } else {
            match got {
                Data::Float(x) => assert!(close(x, expected.parse().unwrap()), "{x}: {context}"),
                other => panic!("not a number: {other:?}: {context}"),
            }
        }
    }
}

/// The text of every cell of every sheet, and every number.
fn contents(sheets: &[(String, Range<Data>)]) -> (Vec<String>, Vec<f64>) {
    let mut texts = Vec::new();
    let mut numbers = Vec::new();
    for (_, range) in sheets {
        for cell in range.used_cells() {
            match cell.2 {
                Data::Float(x) => numbers.push(*x),
                Data::Int(x) => numbers.push(*x as f64),
                Data::String(s) => texts.push(s.clone()),
                _ => {}
            }
        }
    }
    (texts, numbers)
}

#[actix_web::test]
async fn the_workbooks_hold_the_csv_numbers_and_never_a_withheld_value() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().filter(|(i, _)| i % 6 != 0) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;

        // The engine's values of every privacy-withheld cell, computed here from storage.
        let questionnaire = demo_questionnaire(&db);
        let stored = {
            let mut conn = db.conn();
            tsunagari::db::analysis::stored(&mut conn, survey_id, &KnownAnswers::default()).unwrap()
        };
        let (respondents, register) = stored.design.unwrap();
        let data = Dataset::build(&questionnaire, respondents, &register).unwrap();
        let report = tsunagari::analysis::subgroups::report(&data).unwrap();
        let opts = tsunagari::analysis::subgroups::planner_options();
        let mut secrets = Vec::new();
        for indicator in &report.indicators {
            let outcome = &data.indicator(&indicator.indicator.id).unwrap().outcome;
            for table in &indicator.tables {
                let variable = data.variable(&table.variable_id).unwrap();
                for (l, cell) in table.cells.iter().enumerate() {
                    if !matches!(
                        cell.privacy,
                        Some(Privacy::FewRespondents | Privacy::Complementary)
                    ) {
                        continue;
                    }
                    let level = &variable.column.levels()[l];
                    let e = data
                        .design
                        .proportion(outcome, Domain::Level(&variable.column, level), &opts)
                        .unwrap();
                    secrets.extend([e.estimate, e.se, e.total]);
                    if let Some((lo, hi)) = e.ci {
                        secrets.extend([lo, hi]);
                    }
                }
            }
        }
        // Only values that could be recognised (a rate of exactly 0 or 1, an interval bound at
        // 1, a whole number, can stand anywhere).
        secrets.retain(|x| x.is_finite() && x.fract() != 0.0);
        assert!(
            secrets.len() >= 8,
            "the demo has withheld cells to look for: {secrets:?}"
        );
        let no_secret = |route: &str, sheets: &[(String, Range<Data>)]| {
            let (_, numbers) = contents(sheets);
            for secret in &secrets {
                assert!(
                    !numbers.iter().any(|x| close(*x, *secret)),
                    "{route} holds the withheld {secret}"
                );
            }
        };

        // The subgroup workbook: a cover, then one sheet per indicator in the CSV's order,
        // with the CSV's numbers (working and publication views).
        for view in ["working", "publication"] {
            let csv = csv_rows(
                &c.get(&format!("/planner/demo-2026/subgroups.csv?view={view}"))
                    .await,
            );
            let route = format!("/planner/demo-2026/subgroups.xlsx?view={view}");
            let page = c.get(&route).await;
            let disposition = page.headers.get(header::CONTENT_DISPOSITION).unwrap();
            assert!(
                disposition
                    .to_str()
                    .unwrap()
                    .contains("demo-2026-subgroups.xlsx"),
                "{disposition:?}"
            );
            let book = sheets(&page);
            assert_eq!(book[0].0, "表紙");
            assert_eq!(book.len(), 1 + report.indicators.len());
            let mut ids: Vec<&str> = csv.iter().map(|r| r[0].as_str()).collect();
            ids.dedup();
            assert_eq!(ids.len(), report.indicators.len());
            for (i, id) in ids.iter().enumerate() {
                let (name, range) = &book[i + 1];
                let rows: Vec<&Vec<String>> = csv.iter().filter(|r| r[0] == *id).collect();
                assert_eq!(
                    at(range, 0, 0),
                    Data::String(report.indicators[i].indicator.name.ja.clone()),
                    "{name}"
                );
                assert_eq!(at(range, 1, 3), Data::String("割合（重み付け）".into()));
                for (k, row) in rows.iter().enumerate() {
                    same_numbers(row, 3, range, 2 + k as u32, 2);
                }
                // Nothing after the table but blank lines and notes.
                let after = 2 + rows.len() as u32;
                assert!(
                    !matches!(at(range, after, 2), Data::Float(_)),
                    "{name}: a row more than the CSV"
                );
            }
            // 「離別」 is withheld for privacy: its mark, in the marital status rows.
            let (_, lonely) = &book[1];
            let divorced = (2..lonely.height() as u32)
                .find(|r| at(lonely, *r, 1) == Data::String("離別".into()))
                .expect("the row of 離別");
            assert_eq!(at(lonely, divorced, 3), Data::String("＊".into()));
            assert_eq!(at(lonely, divorced, 4), Data::Empty);
            // The Rao–Scott test of each breakdown is a number beside its first group.
            assert!(matches!(at(lonely, 3, 12), Data::Float(p) if (0.0..=1.0).contains(&p)));
            // The cover: the survey, the respondents, the weighting, the marks.
            let (texts, _) = contents(&book[..1]);
            let cover = &book[0].1;
            assert!(texts.iter().any(|t| t.contains("レイキング")), "{texts:?}");
            assert!(texts.iter().any(|t| t == "＊＊"), "{texts:?}");
            assert!(texts.iter().any(|t| t.contains("10人未満")), "{texts:?}");
            let respondents_row = (0..cover.height() as u32)
                .find(|r| at(cover, *r, 0) == Data::String("有効回答数".into()))
                .expect("respondents on the cover");
            assert_eq!(
                at(cover, respondents_row, 1),
                Data::Float(report.respondents as f64)
            );
            let rate_row = (0..cover.height() as u32)
                .find(
                    |r| matches!(at(cover, *r, 0), Data::String(s) if s.starts_with("有効回収率")),
                )
                .expect("the response rate on the cover");
            assert!(
                matches!(at(cover, rate_row, 1), Data::Float(r) if r > 0.0 && r <= 1.0),
                "{:?}",
                at(cover, rate_row, 1)
            );
            no_secret(&route, &book);
        }

        // The overview: the whole population's numbers and the national comparison.
        let csv = csv_rows(&c.get("/planner/demo-2026/subgroups.csv").await);
        let route = "/planner/demo-2026/estimates.xlsx";
        let book = sheets(&c.get(route).await);
        assert_eq!(book.len(), 2);
        let overview = &book[1].1;
        for (i, row) in csv.iter().filter(|r| r[1] == "all").enumerate() {
            same_numbers(row, 3, overview, 2 + i as u32, 1);
            let indicator = &report.indicators[i];
            match &indicator.national {
                Some(n) => {
                    assert_eq!(
                        at(overview, 2 + i as u32, 8),
                        Data::Float(n.figure.percent / 100.0)
                    );
                    assert_eq!(at(overview, 2 + i as u32, 13), Data::Float(n.base as f64));
                }
                None => assert!(matches!(at(overview, 2 + i as u32, 8), Data::String(_))),
            }
        }
        no_secret(route, &book);

        // A custom table, in the order of its CSV.
        let query = "outcome=indicator:lonely_often&by=marital_status&by2=sex";
        let csv = csv_rows(
            &c.get(&format!("/planner/demo-2026/table.csv?{query}"))
                .await,
        );
        let route = format!("/planner/demo-2026/table.xlsx?{query}");
        let book = sheets(&c.get(&route).await);
        let table = &book[1].1;
        for (k, row) in csv.iter().enumerate() {
            // table.csv: by,by2,level,level2,outcome,n,estimate,se,ci_low,ci_high,total,status
            assert_eq!(at(table, 2 + k as u32, 0), Data::String(row[2].clone()));
            same_numbers(row, 5, table, 2 + k as u32, 3);
        }
        no_secret(&route, &book);

        // The simple tabulation: the CSV's counts and percentages, one sheet per table.
        let csv = csv_rows(&c.get("/planner/demo-2026/tabulation.csv").await);
        let book = sheets(&c.get("/planner/demo-2026/tabulation.xlsx").await);
        let mut sheet = 0;
        let mut row = 0;
        let mut last = None;
        for record in &csv {
            // number,question,option,count,percent,base
            let key = (record[0].clone(), record[1].clone());
            if last.as_ref() != Some(&key) {
                sheet += 1;
                row = 2;
                last = Some(key);
            }
            let range = &book[sheet].1;
            assert_eq!(at(range, row, 0), Data::String(record[2].clone()));
            assert_eq!(at(range, row, 1), Data::Float(record[3].parse().unwrap()));
            match at(range, row, 2) {
                Data::Float(share) => assert!(
                    (100.0 * share - record[4].parse::<f64>().unwrap()).abs() < 0.05 + 1e-9,
                    "{share} vs {record:?}"
                ),
                other => panic!("a share that is not a number: {other:?}"),
            }
            row += 1;
        }
        assert_eq!(book.len(), sheet + 1);

        // Response rates by stratum: the fieldwork page's counts, rates as numbers, the total
        // row the cover's sample and rate.
        let book = sheets(&c.get("/planner/demo-2026/fieldwork.xlsx").await);
        assert_eq!(book.len(), 2);
        let cover = &book[0].1;
        let cover_value = |label: &str| {
            (0..cover.height() as u32)
                .find(|r| matches!(at(cover, *r, 0), Data::String(s) if s.starts_with(label)))
                .map(|r| at(cover, r, 1))
                .unwrap_or_else(|| panic!("{label} on the cover"))
        };
        let rates = &book[1].1;
        assert_eq!(at(rates, 1, 11), Data::String("有効回収率".into()));
        let total = (2..rates.height() as u32)
            .find(|r| at(rates, *r, 0) == Data::String("合計".into()))
            .expect("the total row");
        assert_eq!(at(rates, total, 1), cover_value("標本数"));
        assert_eq!(at(rates, total, 11), cover_value("有効回収率"));
        assert_eq!(
            at(rates, total, 1),
            Data::Float(codes.len() as f64),
            "everyone sampled"
        );
        let mut sampled = 0.0;
        for r in 2..total {
            let Data::Float(n) = at(rates, r, 1) else {
                panic!("row {r}: {:?}", at(rates, r, 1))
            };
            sampled += n;
            assert!(matches!(at(rates, r, 11), Data::Float(x) if (0.0..=1.0).contains(&x)));
        }
        assert_eq!(Data::Float(sampled), at(rates, total, 1));
        let fieldwork_page = c.get("/planner/demo-2026/fieldwork").await.body;
        assert!(fieldwork_page.contains("/planner/demo-2026/fieldwork.xlsx"));

        // The page's language: English headers when the page is English.
        let book = sheets(&c.get("/planner/demo-2026/subgroups.xlsx?lang=en").await);
        assert_eq!(book[0].0, "Cover");
        assert_eq!(at(&book[1].1, 1, 3), Data::String("Rate (weighted)".into()));
        assert_eq!(at(&book[1].1, 2, 0), Data::String("Everyone".into()));

        // Each page links its workbook.
        for (page, link) in [
            (
                "/planner/demo-2026/subgroups",
                "/planner/demo-2026/subgroups.xlsx?",
            ),
            (
                "/planner/demo-2026/estimates",
                "/planner/demo-2026/estimates.xlsx?",
            ),
            ("/planner/demo-2026", "/planner/demo-2026/tabulation.xlsx"),
            (
                "/planner/demo-2026/table?outcome=indicator:lonely_often&by=sex",
                "/planner/demo-2026/table.xlsx?outcome=indicator:lonely_often&amp;by=sex",
            ),
        ] {
            let body = c.get(page).await.body;
            assert!(body.contains(link), "{page} links {link}");
        }
    }
}

#[actix_web::test]
async fn a_bad_workbook_query_gets_a_400_that_says_what_to_change() {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().filter(|(i, _)| i % 6 != 0) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        for (route, says) in [
            ("/planner/demo-2026/subgroups.xlsx?view=draft", "working"),
            ("/planner/demo-2026/estimates.xlsx?alpha=0.2", "0.05"),
            ("/planner/demo-2026/table.xlsx", "outcome"),
            (
                "/planner/demo-2026/table.xlsx?outcome=indicator:nothing&by=sex",
                "nothing",
            ),
            (
                "/planner/demo-2026/table.xlsx?outcome=indicator:lonely_often&by=sex&by2=sex",
                "同じ区分",
            ),
        ] {
            let page = c.get(route).await;
            assert_eq!(
                page.status,
                StatusCode::BAD_REQUEST,
                "{route}: {}",
                page.body
            );
            assert!(page.body.contains(says), "{route}: {}", page.body);
        }
        // Not signed in: no workbook.
        let mut anonymous = client(db.state()).await;
        let page = anonymous.get("/planner/demo-2026/subgroups.xlsx").await;
        assert_ne!(page.status, StatusCode::OK);
        assert!(page.bytes.is_empty() || !page.bytes.starts_with(b"PK"));
    }
}

#[actix_web::test]
async fn without_respondents_the_workbooks_say_why() {
    for db in databases() {
        drawn_survey(&db, 11);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;
        for route in [
            "/planner/demo-2026/subgroups.xlsx",
            "/planner/demo-2026/estimates.xlsx",
            "/planner/demo-2026/tabulation.xlsx",
            "/planner/demo-2026/table.xlsx?outcome=indicator:lonely_often&by=sex",
        ] {
            let page = c.get(route).await;
            assert_eq!(page.status, StatusCode::CONFLICT, "{route}: {}", page.body);
            assert!(!page.bytes.starts_with(b"PK"), "{route}");
        }
    }
}

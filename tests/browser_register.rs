//! In headless Chromium, a staff member uploads a Shift_JIS register through the register
//! page, checks and maps its columns, imports it while the progress page refreshes itself,
//! and draws a stratified sample with a chosen seed. The residents drawn, stratum by
//! stratum, must be the ones the command line (`tsunagari frame import` and `tsunagari
//! sample draw`, the built binary) draws from the same file with the same design and seed
//! on a database of its own.
//!
//! Needs `chromium` and `chromedriver` (see tests/browser.rs). Run with
//! `cargo test --test browser_register -- --ignored`. Screenshots of the mapping and
//! progress pages go to `target/browser-screenshots/`.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

use common::browser::{Chromedriver, Site};
use common::register::{frame_rows, register_csv, sampled_by_stratum};
use common::*;
use tsunagari::auth::Role;
use tsunagari::survey::SurveySettings;

const SEED: &str = "8675309";

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_register_uploaded_mapped_and_drawn_in_the_browser_gives_the_commands_sample() {
    let driver = Chromedriver::start();
    let browser = driver.connect_desktop(1200, 1400).await;
    let scenario = tokio::spawn(register_on_every_database(browser.clone()));
    let outcome = scenario.await;
    let _ = browser.close().await;
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

fn new_survey(db: &TestDb) -> tsunagari::db::surveys::SurveyRow {
    let settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    let row =
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    grant_every_survey(db);
    row
}

/// What the command line draws from `file` on a fresh database.
fn drawn_by_the_command(file: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let db = TestDb::sqlite();
    let survey = new_survey(&db);
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
            "--address",
            "方書",
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
    assert!(stdout.contains("cp932, detected"), "{stdout}");
    let drew = tsunagari_on(
        &db,
        &[
            "sample",
            "draw",
            "--survey",
            &survey.slug,
            "--reference-date",
            "2026-12-01",
            "--strata",
            "district,age_band",
            "--age-bands",
            "16-39,40-64,65-",
            "--n",
            "30",
            "--proportional",
            "--min-per-stratum",
            "2",
            "--seed",
            SEED,
        ],
    );
    assert!(
        drew.status.success(),
        "{}{}",
        String::from_utf8_lossy(&drew.stdout),
        String::from_utf8_lossy(&drew.stderr)
    );
    sampled_by_stratum(&db, survey.id)
}

async fn register_on_every_database(browser: Client) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("住民基本台帳.csv");
    let text = register_csv(&[("中央地区", 90), ("北部地区", 60), ("南部地区", 45)]);
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    std::fs::write(&file, &bytes).unwrap();
    let expected = drawn_by_the_command(&file);
    assert_eq!(expected.values().map(Vec::len).sum::<usize>(), 30);
    let screenshots = repo_path("target/browser-screenshots");
    std::fs::create_dir_all(&screenshots).expect("screenshot folder");

    for db in databases() {
        let survey = new_survey(&db);
        add_user(&db, "staff1", "staff-password-1", Role::Staff);
        let site = Site::start(db.state());
        sign_in(&browser, &site).await;

        let register = format!("/staff/surveys/{}/register", survey.slug);
        browser
            .goto(&site.url(&register))
            .await
            .expect("register page");
        wait_for_path(&browser, &register).await;
        browser
            .find(Locator::Id("file"))
            .await
            .expect("file input")
            .send_keys(&file.display().to_string())
            .await
            .expect("choose the file");
        browser
            .find(Locator::Css("form[enctype] button[type=submit]"))
            .await
            .expect("upload button")
            .click()
            .await
            .expect("upload");
        let mapping = browser
            .wait()
            .for_element(Locator::Css("table.mapping"))
            .await
            .expect("the mapping page");
        let page = browser.source().await.expect("page source");
        assert!(
            page.contains("自動判定で Shift_JIS として読みました"),
            "{page}"
        );
        assert!(page.contains("住民基本台帳.csv"), "{page}");

        // Choose each column (the usual names are chosen already; choosing them again is
        // what a person whose extract has other names does).
        for (select, column) in [
            ("id", "住民番号"),
            ("name1", "氏"),
            ("name2", "名"),
            ("address1", "住所"),
            ("address2", "方書"),
            ("postal", "郵便番号"),
            ("birth", "生年月日"),
            ("sex", "性別"),
            ("district", "地区"),
            ("exclude", "除外"),
        ] {
            mapping
                .find(Locator::Id(select))
                .await
                .unwrap_or_else(|_| panic!("select {select}"))
                .select_by_value(column)
                .await
                .unwrap_or_else(|_| panic!("choose {column} for {select}"));
        }
        browser
            .find(Locator::Css("button[value=check]"))
            .await
            .expect("check button")
            .click()
            .await
            .expect("check the columns");
        browser
            .wait()
            .for_element(Locator::Css("table.preview.parsed td.era"))
            .await
            .expect("the parsed preview");
        let page = browser.source().await.expect("page source");
        assert!(page.contains("昭和30年1月1日"), "{page}");
        assert!(page.contains("髙橋　花子0"), "{page}");
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(screenshots.join("register-mapping.png"), png).expect("screenshot");

        browser
            .find(Locator::Css("button[value=import]"))
            .await
            .expect("import button")
            .click()
            .await
            .expect("import");
        // The progress page refreshes itself until the import is done.
        let done = browser
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css("p.done"))
            .await
            .expect("the import finishes");
        assert!(
            done.text().await.unwrap().contains("195"),
            "{}",
            browser.source().await.unwrap()
        );
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(screenshots.join("register-imported.png"), png).expect("screenshot");
        assert_eq!(frame_rows(&db, survey.id), 195);

        browser
            .find(Locator::Css("p.done + p.encoding + p a.button"))
            .await
            .expect("the link to the draw")
            .click()
            .await
            .expect("open the draw page");
        let draw = format!("/staff/surveys/{}/draw", survey.slug);
        wait_for_path(&browser, &draw).await;
        browser
            .execute(
                "document.getElementById('reference_date').value = '2026-12-01';",
                vec![],
            )
            .await
            .expect("reference date");
        for checkbox in ["district", "age_band"] {
            browser
                .find(Locator::Css(&format!(
                    "input[name=strata][value={checkbox}]"
                )))
                .await
                .expect("stratum checkbox")
                .click()
                .await
                .expect("tick it");
        }
        for (field, value) in [
            ("age_bands", "16-39,40-64,65-"),
            ("n", "30"),
            ("min_per_stratum", "2"),
            ("seed", SEED),
        ] {
            let input = browser.find(Locator::Id(field)).await.expect("field");
            input.clear().await.expect("clear");
            input.send_keys(value).await.expect("type");
        }
        browser
            .find(Locator::Css("form[action$='/draw'] button[type=submit]"))
            .await
            .expect("draw button")
            .click()
            .await
            .expect("draw");
        let sample = format!("/staff/surveys/{}/sample", survey.slug);
        wait_for_path(&browser, &sample).await;
        let page = browser.source().await.expect("page source");
        assert!(page.contains(SEED), "{page}");
        assert!(page.contains("地区 × 年齢階級"), "{page}");

        assert_eq!(
            sampled_by_stratum(&db, survey.id),
            expected,
            "{}: the browser's draw differs from the command's",
            db.backend()
        );
        site.stop().await;
    }
}

async fn sign_in(browser: &Client, site: &Site) {
    browser.goto(&site.url("/login")).await.expect("login page");
    browser
        .find(Locator::Id("username"))
        .await
        .expect("username field")
        .send_keys("staff1")
        .await
        .expect("type username");
    browser
        .find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys("staff-password-1")
        .await
        .expect("type password");
    browser
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .expect("sign-in button")
        .click()
        .await
        .expect("sign in");
    wait_for_path(browser, "/staff").await;
}

async fn wait_for_path(browser: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.expect("current url");
        if url.path() == path {
            let ready = browser
                .execute("return document.readyState;", vec![])
                .await
                .expect("ready state");
            if ready == json!("complete") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "expected {path}, still on {url}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

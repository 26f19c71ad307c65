//! In headless Chromium, a staff member signs in, makes the sample final and opens the
//! printable letters of a drawn sample: one A4 sheet per sampled person, the address block where a 長3 window envelope
//! shows it, the access code and a QR code carrying the answering URL with the code. The
//! page is printed to PDF through WebDriver and must have exactly one page per letter.
//!
//! Needs `chromium` and `chromedriver` (see tests/browser.rs). Run with
//! `cargo test --test browser_letters -- --ignored`. The screenshot is written to
//! `target/browser-screenshots/letters-page.png` and the PDF to `letters.pdf` beside it,
//! with screenshots of the sample and dispositions pages.

mod common;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde::Deserialize;
use serde_json::json;

use common::browser::{pdf_pages, print_pdf, Chromedriver, Site};
use common::*;
use tsunagari::auth::Role;
use tsunagari::ops::register::{import, ImportPlan};
use tsunagari::ops::sample::{draw, DrawPlan};
use tsunagari::sampling::age::Eligibility;
use tsunagari::sampling::allocation::AllocationMethod;
use tsunagari::sampling::draw::Seed;
use tsunagari::sampling::qr::qr_svg;
use tsunagari::sampling::register::{ColumnMapping, ImportOptions};
use tsunagari::sampling::strata::StratumVariable;
use tsunagari::survey::SurveySettings;

/// CSS pixels per millimetre (96 px per inch).
const PX_PER_MM: f64 = 96.0 / 25.4;
/// Letters drawn for the test.
const LETTERS: usize = 4;

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn staff_print_one_a4_letter_per_sampled_person_with_the_address_in_the_window() {
    let driver = Chromedriver::start();
    let browser = driver.connect_desktop(1000, 1300).await;
    let scenario = tokio::spawn(letters_on_every_database(browser.clone(), driver.url()));
    let outcome = scenario.await;
    let _ = browser.close().await;
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// A survey with a sample of [`LETTERS`] residents.
fn survey_with_sample(db: &TestDb) -> String {
    let settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    let survey =
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.csv");
    let mut text = String::from("住民番号,氏,名,郵便番号,住所,方書,生年月日,性別,地区\n");
    for i in 0..40 {
        let district = ["中央地区", "北部地区"][i % 2];
        text.push_str(&format!(
            "{:06},髙橋,{}{i},380-08{:02},長野県デモ市{district}大字上野{}番地{},サンハイツ上野{}号室,S{}.{:02}.{:02},{},{district}\n",
            500 + i,
            ["美咲", "翔太"][i % 2],
            i % 100,
            100 + i,
            i + 1,
            200 + i,
            20 + i % 40,
            1 + i % 12,
            1 + i % 28,
            1 + i % 2
        ));
    }
    std::fs::write(&file, text).unwrap();
    let args = ImportPlan {
        options: ImportOptions::new(ColumnMapping {
            resident_id: "住民番号".into(),
            name: vec!["氏".into(), "名".into()],
            address: vec!["住所".into(), "方書".into()],
            postal_code: Some("郵便番号".into()),
            birth_date: "生年月日".into(),
            sex: Some("性別".into()),
            district: Some("地区".into()),
            exclude: None,
        }),
        file_name: "register.csv".into(),
        replace: false,
    };
    import(
        &mut db.conn(),
        survey.id,
        &args,
        std::fs::File::open(&file).unwrap(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let plan = DrawPlan {
        eligibility: Eligibility::new(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
        strata_by: vec![StratumVariable::District],
        age_bands: "16-29,30-39,...,80-".parse().unwrap(),
        method: AllocationMethod::Equal {
            total: LETTERS as u64,
        },
        seed: Seed(11),
        replace: false,
    };
    draw(&mut db.conn(), survey.id, &plan).unwrap_or_else(|e| panic!("{e:?}"));
    survey.slug
}

#[derive(Debug, Deserialize)]
struct Rect {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

#[derive(Debug, Deserialize)]
struct LetterLayout {
    code: String,
    sheet: Rect,
    window: Rect,
    window_overflows: bool,
    parts: Vec<(String, Rect)>,
    payload: String,
    svg: String,
    qr: Rect,
    qr_title: String,
    text: String,
}

async fn letters_on_every_database(browser: Client, driver_url: String) {
    for db in databases() {
        let slug = survey_with_sample(&db);
        add_user(&db, "staff1", "staff-password-1", Role::Staff);
        let base_url = db.config().base_url;
        let site = Site::start(db.state());

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
        wait_for_path(&browser, "/staff").await;

        let dir = repo_path("target/browser-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        for (page, file) in [
            ("sample", "sample-page.png"),
            ("dispositions", "dispositions-page.png"),
        ] {
            let path = format!("/staff/surveys/{slug}/{page}");
            browser.goto(&site.url(&path)).await.expect("staff page");
            wait_for_path(&browser, &path).await;
            let png = browser.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(file), png).expect("write screenshot");
        }

        // The letters page first asks to make the sample final; the button posts that and
        // comes back to the letters.
        let path = format!("/staff/surveys/{slug}/letters");
        browser.goto(&site.url(&path)).await.expect("letters page");
        wait_for_path(&browser, &path).await;
        browser
            .find(Locator::Css("form.finalise button[type=submit]"))
            .await
            .expect("the button that makes the sample final")
            .click()
            .await
            .expect("make the sample final");
        browser
            .wait()
            .for_element(Locator::Css("section.letter"))
            .await
            .expect("the letters, once the sample is final");
        wait_for_path(&browser, &path).await;
        let layouts: Vec<LetterLayout> = serde_json::from_value(
            browser
                .execute(
                    "const box = e => { const r = e.getBoundingClientRect();
                         return { left: r.left, top: r.top + window.scrollY, width: r.width, height: r.height }; };
                     return [...document.querySelectorAll('section.letter')].map(s => {
                       const w = s.querySelector('.window');
                       const fig = s.querySelector('figure.qr');
                       const svg = fig.querySelector('svg');
                       return {
                         code: s.dataset.code, sheet: box(s), window: box(w),
                         window_overflows: w.scrollHeight > w.clientHeight + 1 || w.scrollWidth > w.clientWidth + 1,
                         parts: ['.window', '.sender', '.heading', '.body', '.online', '.contact']
                           .map(sel => [sel, box(s.querySelector(sel))]),
                         payload: fig.dataset.payload, svg: svg.outerHTML, qr: box(svg),
                         qr_title: svg.querySelector('title').textContent, text: s.innerText,
                       };
                     });",
                    vec![],
                )
                .await
                .expect("measure the letters"),
        )
        .expect("letter layouts");

        assert_eq!(
            layouts.len(),
            LETTERS,
            "{}: one letter per sampled person",
            db.backend()
        );
        let print_button: bool = serde_json::from_value(
            browser
                .execute(
                    "const b = document.querySelector('.print-toolbar button[data-print]');
                     return b !== null && [...document.scripts].some(s => s.src.endsWith('/static/print.js'));",
                    vec![],
                )
                .await
                .expect("the print button"),
        )
        .expect("a boolean");
        assert!(print_button, "a print button, wired by the site's script");
        for letter in &layouts {
            // The letter says how many were drawn and on which day, from the sample itself.
            assert!(
                letter
                    .text
                    .contains(&format!("選ばせていただいた{LETTERS}人の方")),
                "the real sample size: {}",
                letter.text
            );
            assert!(
                letter.text.contains("令和8年12月1日現在"),
                "{}",
                letter.text
            );
            assert!(
                !letter.text.contains('{'),
                "no placeholder left: {}",
                letter.text
            );
            let mm = |px: f64| px / PX_PER_MM;
            assert!(
                (mm(letter.sheet.width) - 210.0).abs() < 0.5,
                "A4 width: {:?}",
                letter.sheet
            );
            assert!(
                (mm(letter.sheet.height) - 297.0).abs() < 0.5,
                "A4 height: {:?}",
                letter.sheet
            );
            // 長3 window: the address block starts about 20 mm from the left and 12–15 mm
            // from the top of the sheet, and fits in 90 × 45 mm.
            let left = mm(letter.window.left - letter.sheet.left);
            let top = mm(letter.window.top - letter.sheet.top);
            assert!((18.0..=25.0).contains(&left), "window left {left} mm");
            assert!((11.0..=16.0).contains(&top), "window top {top} mm");
            assert!(mm(letter.window.width) <= 90.5 && mm(letter.window.height) <= 45.5);
            assert!(
                !letter.window_overflows,
                "{}: the address does not fit the window",
                letter.code
            );
            // The parts follow one another down the sheet without overlapping and end on it.
            let bottom = |r: &Rect| r.top + r.height;
            for pair in letter.parts.windows(2).skip(2) {
                assert!(
                    bottom(&pair[0].1) <= pair[1].1.top + 0.5,
                    "{}: {} runs into {}",
                    letter.code,
                    pair[0].0,
                    pair[1].0
                );
            }
            let last = &letter.parts.last().unwrap().1;
            assert!(
                bottom(last) <= bottom(&letter.sheet) + 0.5,
                "{}: off the sheet",
                letter.code
            );

            assert_eq!(letter.payload, format!("{base_url}/c/{}", letter.code));
            assert_eq!(letter.qr_title, "回答用QRコード");
            let expected_svg = qr_svg(&letter.payload, "回答用QRコード").unwrap();
            assert_eq!(
                normalise_svg(&letter.svg),
                normalise_svg(&expected_svg),
                "{}: the QR code does not carry the URL with the code",
                letter.code
            );
            assert!(
                (mm(letter.qr.width) - 30.0).abs() < 1.0,
                "QR size {:?}",
                letter.qr
            );
            assert!(letter.text.contains(&letter.code));
            assert!(letter.text.contains("髙橋"), "{}", letter.text);
            assert!(letter.text.contains("紙の調査票は返送しないでください"));
        }
        let mut codes: Vec<&str> = layouts.iter().map(|l| l.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), LETTERS, "every letter has its own code");

        browser
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .expect("scroll");
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("letters-page.png"), png).expect("write screenshot");

        let pdf = print_pdf(&driver_url, &browser).await;
        std::fs::write(dir.join("letters.pdf"), &pdf).expect("write pdf");
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        assert_eq!(
            pdf_pages(&pdf),
            LETTERS,
            "{}: printing gives one A4 page per letter",
            db.backend()
        );
        site.stop().await;
    }
}

/// The SVG as markup, whatever way the browser serialises attributes and empty elements.
fn normalise_svg(svg: &str) -> String {
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    let view_box = svg
        .split("viewBox=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    format!("{view_box}|{d}")
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

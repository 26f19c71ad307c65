//! In headless Chromium, a planner opens the subgroup table of one indicator: every
//! breakdown has its chart, with one bar per group that may be shown and none for a group
//! withheld for privacy.
//!
//! Needs `chromium` and `chromedriver` (see tests/browser.rs). Run with
//! `cargo test --test browser_planner -- --ignored`. A screenshot is written to
//! `target/browser-screenshots/subgroups-page.png`.

mod common;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use common::browser::{pdf_pages, print_pdf, Chromedriver, Site};
use common::planner_data::{answers_of, drawn_survey, submit};
use common::*;
use tsunagari::auth::Role;

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_planner_sees_one_bar_per_shown_group_and_a_gap_for_a_withheld_one() {
    let driver = Chromedriver::start();
    let browser = driver.connect_desktop(1280, 800).await;
    let scenario = tokio::spawn(subgroups_on_every_database(browser.clone(), driver.url()));
    let outcome = scenario.await;
    let _ = browser.close().await;
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

async fn subgroups_on_every_database(browser: Client, driver_url: String) {
    for db in databases() {
        let (survey_id, codes) = drawn_survey(&db, 11);
        for (i, code) in codes.iter().enumerate().filter(|(i, _)| i % 6 != 0) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "planner1", "planner-password-1", Role::Planner);
        let site = Site::start(db.state());

        browser.goto(&site.url("/login")).await.expect("login page");
        for (id, value) in [("username", "planner1"), ("password", "planner-password-1")] {
            browser
                .find(Locator::Id(id))
                .await
                .expect("sign-in field")
                .send_keys(value)
                .await
                .expect("type");
        }
        browser
            .find(Locator::Css("main form button[type=submit]"))
            .await
            .expect("sign-in button")
            .click()
            .await
            .expect("sign in");
        wait_for(&browser, |path| !path.starts_with("/login")).await;

        let path = "/planner/demo-2026/subgroups?indicator=lonely_often";
        browser.goto(&site.url(path)).await.expect("subgroup page");
        let chart = browser
            .find(Locator::Css("#by-marital_status svg.chart"))
            .await
            .expect("the marital-status chart is drawn");
        let bars = chart
            .find_all(Locator::Css("rect.bar"))
            .await
            .expect("bars");
        let groups = chart
            .find_all(Locator::Css("g.group"))
            .await
            .expect("groups");
        let withheld = chart
            .find_all(Locator::Css("g.group.withheld"))
            .await
            .expect("withheld groups");
        assert_eq!(groups.len(), 4, "one group per marital status");
        assert!(
            !withheld.is_empty(),
            "「離別」 has fewer than ten respondents"
        );
        assert_eq!(bars.len(), groups.len() - withheld.len());
        for group in &withheld {
            assert!(
                group
                    .find_all(Locator::Css("rect"))
                    .await
                    .expect("rects")
                    .is_empty(),
                "a withheld group has no bar"
            );
        }
        // The bars are really drawn: each has a positive rendered width.
        for bar in &bars {
            let (_, _, width, height) = bar.rectangle().await.expect("bar geometry");
            assert!(width > 0.0 && height > 0.0, "{width} × {height}");
        }
        // Every breakdown of the indicator has its chart.
        let charts = browser
            .find_all(Locator::Css("section.breakdown svg.chart"))
            .await
            .expect("charts");
        let sections = browser
            .find_all(Locator::Css("section.breakdown"))
            .await
            .expect("sections");
        assert_eq!(charts.len(), sections.len());
        assert!(sections.len() >= 6, "register and answered breakdowns");

        let dir = repo_path("target/browser-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let png = browser.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("subgroups-page.png"), png).expect("write screenshot");

        // The council report prints on A4: the method and headline figures, then the charts
        // and the table each from a new page; the site's header and the links stay off paper.
        browser
            .goto(&site.url("/planner/demo-2026/report"))
            .await
            .expect("report page");
        wait_for(&browser, |path| path == "/planner/demo-2026/report").await;
        let pdf = print_pdf(&driver_url, &browser).await;
        std::fs::write(dir.join("council-report.pdf"), &pdf).expect("write pdf");
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        let pages = pdf_pages(&pdf);
        assert!(pages >= 3, "{}: {pages} pages", db.backend());
        let hidden_in_print: bool = serde_json::from_value(
            browser
                .execute(
                    "const rules = [...document.styleSheets].flatMap(s => [...s.cssRules]);
                     return rules.some(r => r.media && r.media.mediaText === 'print'
                        && r.cssText.includes('header.site'));",
                    vec![],
                )
                .await
                .expect("style rules"),
        )
        .expect("a boolean");
        assert!(hidden_in_print, "the site header is not printed");
        site.stop().await;
    }
}

async fn wait_for(browser: &Client, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = browser.current_url().await.expect("current url");
        if done(url.path()) {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

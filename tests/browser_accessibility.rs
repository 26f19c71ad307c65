//! axe-core in headless Chromium on every page type residents and staff see — the resident's
//! questionnaire from the code field to the help lines and the contact request, an open
//! questionnaire, sign-in, and every staff, admin, planner and consultation screen — on a
//! phone (390×844) and on a desktop (1280×800): no WCAG 2.1 A or AA violation anywhere.
//!
//! The site runs on the full demo (`tsunagari demo --no-serve` into a fresh SQLite file), so
//! the pages show the data a city would see. Needs `chromium`, `chromedriver` and axe-core
//! (`npm ci --prefix tests/a11y`; .ci/run does all three). Run with
//! `cargo test --test browser_accessibility -- --ignored`. Every violation found is written
//! to `target/browser-screenshots/axe-violations.json` as well as to the failure message.

mod common;

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use fantoccini::{Client, Locator};
use serde::{Deserialize, Serialize};

use common::browser::{Chromedriver, Site};
use common::paper::{key, keyed_fields, paper_answers};
use common::*;
use tsunagari::auth::Role;
use tsunagari::config::DatabaseUrl;
use tsunagari::questionnaire::{Answer, Answers, Questionnaire};
use tsunagari::sampling::access_code::AccessCode;

const SAMPLED: &str = "demo-2026";
/// A survey with no register yet: the import and the draw in the browser.
const UNDRAWN: &str = "register-2026";
const OPEN: &str = "gatekeeper-2026";
const PASSWORD: &str = "a long enough password";
/// The rule sets of WCAG 2.1 levels A and AA as axe-core tags them.
const WCAG_21_AA: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

#[tokio::test]
#[ignore = "needs chromium, chromedriver and axe-core; .ci/run runs it"]
async fn every_resident_and_staff_page_has_no_wcag_21_aa_violation_on_a_phone_and_a_desktop() {
    let demo = Demo::build().await;
    let site = Site::start(demo.state.clone());
    let driver = Chromedriver::start();
    let mut found = Vec::new();
    for (viewport, codes) in [("390×844", &demo.phone), ("1280×800", &demo.desktop)] {
        let browser = match viewport {
            "390×844" => driver.connect().await,
            _ => driver.connect_desktop(1280, 800).await,
        };
        let audit = Audit {
            browser: &browser,
            site: &site,
            demo: &demo,
            viewport,
        };
        // A failure drops the driver, which takes the browser down with it.
        found.append(&mut audit.every_page(codes).await);
        let _ = browser.close().await;
    }
    drop(driver);
    site.stop().await;

    let report = serde_json::to_string_pretty(&found).expect("report");
    let folder = repo_path("target/browser-screenshots");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    std::fs::write(folder.join("axe-violations.json"), &report).expect("report file");
    assert!(
        found.is_empty(),
        "{} page(s) with WCAG 2.1 AA violations:\n{report}",
        found.len()
    );
}

/// The demo in a SQLite file, with what the pages need that the demo does not make itself:
/// staff accounts, forms keyed twice (one differing, one identical) and fresh codes for each
/// viewport's resident walk.
struct Demo {
    db: TestDb,
    /// The site's state (its mail kept in memory, where the invitation is read back).
    state: std::sync::Arc<tsunagari::web::AppState>,
    /// The link of an invitation sent by mail (the page where the invited set a password).
    invitation: String,
    questionnaire: Questionnaire,
    admin_id: i64,
    contact_request_id: i64,
    /// A form keyed twice with one item differing: it waits for reconciliation.
    differing: AccessCode,
    /// A form keyed twice alike: accepted, with its audit log.
    accepted: AccessCode,
    /// A code nobody has keyed (the keying screen of a new form).
    unkeyed: AccessCode,
    phone: ResidentCodes,
    desktop: ResidentCodes,
    /// A Shift_JIS register extract for the upload.
    register_file: std::path::PathBuf,
    _files: tempfile::TempDir,
}

/// The codes one viewport's resident walk uses up.
struct ResidentCodes {
    /// Every answer stored (first options): walked page by page, then submitted.
    answered: AccessCode,
    /// Every answer stored, 問8 「常にある」: the end page with the help lines.
    distressed: AccessCode,
    /// Nothing answered: the first page sent empty shows its errors.
    fresh: AccessCode,
}

impl Demo {
    async fn build() -> Demo {
        let db = databases().into_iter().next().expect("a SQLite database");
        let DatabaseUrl::Sqlite(file) = &db.url else {
            panic!("the first test database is SQLite");
        };
        let demo = std::process::Command::new(env!("CARGO_BIN_EXE_tsunagari"))
            .args(["demo", "--no-serve", "--database"])
            .arg(file)
            .current_dir(repo_path(""))
            .env_remove("DATABASE_URL")
            .output()
            .expect("run `tsunagari demo`");
        assert!(
            demo.status.success(),
            "tsunagari demo failed:\n{}",
            String::from_utf8_lossy(&demo.stderr)
        );
        for name in ["keyer1", "keyer2"] {
            add_user(&db, name, PASSWORD, Role::Staff);
        }
        add_user(&db, "a11y-admin", PASSWORD, Role::Admin);
        grant_every_survey(&db);
        let questionnaire = demo_questionnaire(&db);

        let mut conn = db.conn();
        let survey = tsunagari::db::surveys::find_by_slug(&mut conn, SAMPLED)
            .expect("read the survey")
            .expect("the demo survey");
        let free: Vec<AccessCode> = tsunagari::db::codes::unused(&mut conn, survey.id, 9)
            .expect("unused codes")
            .iter()
            .map(|code| AccessCode::parse(code).expect("a stored code"))
            .collect();
        assert_eq!(free.len(), 9, "the demo keeps codes free");
        let admin_id = tsunagari::db::users::find_by_username(&mut conn, "a11y-admin")
            .expect("read the admin")
            .expect("the admin")
            .id;
        let contact_request_id = tsunagari::db::contact_requests::list(&mut conn, survey.id)
            .expect("contact requests")
            .first()
            .expect("the demo has contact requests")
            .id;
        drop(conn);

        let [differing, accepted, unkeyed, a1, d1, f1, a2, d2, f2] =
            <[AccessCode; 9]>::try_from(free).expect("nine codes");
        for code in [&a1, &a2] {
            answer_everything_in_the_database(&db, code, &questionnaire, &|_| None);
        }
        for code in [&d1, &d2] {
            answer_everything_in_the_database(&db, code, &questionnaire, &|id| {
                (id == "direct").then_some(5)
            });
        }
        let mut undrawn = tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml"))
            .expect("the demo survey file");
        undrawn.slug = UNDRAWN.into();
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &undrawn)
            .expect("a survey without a register");
        grant_every_survey(&db);
        let files = tempfile::tempdir().expect("temp dir");
        let register_file = files.path().join("住民基本台帳.csv");
        let text = common::register::register_csv(&[("中央地区", 40), ("北部地区", 30)]);
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        std::fs::write(&register_file, &bytes).expect("write the register");

        let state = db.state();
        let mut demo = Demo {
            register_file,
            _files: files,
            db,
            state,
            invitation: String::new(),
            questionnaire,
            admin_id,
            contact_request_id,
            differing,
            accepted,
            unkeyed,
            phone: ResidentCodes {
                answered: a1,
                distressed: d1,
                fresh: f1,
            },
            desktop: ResidentCodes {
                answered: a2,
                distressed: d2,
                fresh: f2,
            },
        };
        demo.key_paper_forms().await;
        demo.invitation = demo.invite_someone().await;
        demo
    }

    /// Invites a planner through the admin's page and returns the link the message carries.
    async fn invite_someone(&self) -> String {
        let mut admin = client(self.state.clone()).await;
        sign_in(&mut admin, "a11y-admin", PASSWORD).await;
        let list = admin.get("/admin/users").await;
        let csrf = list.hidden("csrf");
        let invited = admin
            .post(
                "/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "hanako"),
                    ("display_name", "山田 花子"),
                    ("email", "hanako@city.example.jp"),
                    ("role", "planner"),
                ],
            )
            .await;
        assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
        self.db.deliver_mail(&self.state);
        sent_mail(&self.state)
            .last()
            .expect("the invitation")
            .link_path("/account/invitation/")
    }

    /// Keys `differing` and `accepted` twice each through HTTP, by two keyers.
    async fn key_paper_forms(&self) {
        let first_options = paper_answers(&self.questionnaire, &|_| None);
        let other_direct = paper_answers(&self.questionnaire, &|question| {
            (question.id == "direct").then_some(Answer::Choice(2))
        });
        let mut first = client(self.db.state()).await;
        sign_in(&mut first, "keyer1", PASSWORD).await;
        let mut second = client(self.db.state()).await;
        sign_in(&mut second, "keyer2", PASSWORD).await;
        for (code, second_answers) in [
            (&self.differing, &other_direct),
            (&self.accepted, &first_options),
        ] {
            for (keyer, answers) in [(&mut first, &first_options), (&mut second, second_answers)] {
                let fields = keyed_fields(&self.questionnaire, answers);
                let done = key(keyer, SAMPLED, code, &fields, "complete").await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            }
        }
    }

    /// Every staff, admin, planner and consultation page, as an admin sees them.
    fn staff_pages(&self) -> Vec<String> {
        let invited = tsunagari::db::users::find_by_username(&mut self.db.conn(), "hanako")
            .expect("read the invited account")
            .expect("the invited account");
        [
            "/staff".to_string(),
            format!("/staff/surveys/{SAMPLED}/status"),
            format!("/staff/surveys/{SAMPLED}/sample"),
            format!("/staff/surveys/{SAMPLED}/letters"),
            format!("/staff/surveys/{SAMPLED}/dispositions"),
            format!("/staff/surveys/{OPEN}/link"),
            format!("/staff/entry/{SAMPLED}"),
            format!("/staff/entry/{SAMPLED}/form/{}", self.unkeyed.as_str()),
            format!(
                "/staff/entry/{SAMPLED}/reconcile/{}",
                self.differing.as_str()
            ),
            format!("/staff/entry/{SAMPLED}/response/{}", self.accepted.as_str()),
            format!("/staff/entry/{SAMPLED}/audit"),
            "/admin/users".to_string(),
            format!("/admin/users/{}", self.admin_id),
            format!("/admin/users/{}", invited.id),
            "/admin/mail".to_string(),
            "/planner".to_string(),
            format!("/planner/{SAMPLED}"),
            format!("/planner/{SAMPLED}/estimates"),
            format!("/planner/{SAMPLED}/subgroups"),
            format!("/planner/{SAMPLED}/subgroups?indicator=lonely_often"),
            format!("/planner/{SAMPLED}/table"),
            format!("/planner/{SAMPLED}/table?outcome=indicator:lonely_often&by=age_band&by2=sex"),
            format!("/planner/{SAMPLED}/fieldwork"),
            format!("/planner/{SAMPLED}/weighting"),
            format!("/planner/{SAMPLED}/report"),
            format!("/planner/{OPEN}"),
            format!("/planner/{OPEN}/comments"),
            "/consult".to_string(),
            format!("/consult/{SAMPLED}"),
            format!("/consult/{SAMPLED}/requests/{}", self.contact_request_id),
            "/no-such-page".to_string(),
        ]
        .to_vec()
    }
}

/// The violations axe-core found on one page.
#[derive(Debug, Serialize)]
struct PageViolations {
    viewport: String,
    page: String,
    violations: Vec<Violation>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Violation {
    id: String,
    impact: Option<String>,
    help: String,
    nodes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AxeOutcome {
    Ran(Vec<Violation>),
    Failed { error: String },
}

/// One browser walking the site at one viewport.
#[derive(Clone, Copy)]
struct Audit<'a> {
    browser: &'a Client,
    site: &'a Site,
    demo: &'a Demo,
    viewport: &'static str,
}

impl Audit<'_> {
    async fn every_page(self, codes: &ResidentCodes) -> Vec<PageViolations> {
        let mut found = Vec::new();
        self.resident_pages(codes, &mut found).await;
        self.staff_pages(&mut found).await;
        found
    }

    async fn resident_pages(&self, codes: &ResidentCodes, found: &mut Vec<PageViolations>) {
        self.goto("/").await;
        self.check("the code field", found).await;
        self.type_into("#code", "ABCD-EFGH-JKLM-NPQR").await;
        self.tap("main form button[type=submit]").await;
        self.check("the code field with a wrong code", found).await;

        self.goto(&format!("/c/{}", codes.fresh.grouped())).await;
        self.check("the QR link page", found).await;
        self.tap("main form button[type=submit]").await;
        self.wait_for_path("/answer/page/0").await;
        self.check("the first questionnaire page", found).await;
        self.tap(".pager button[value=next]").await;
        self.check("a questionnaire page with errors", found).await;
        self.tap("button[name=action][value=later]").await;
        self.wait_for_path("/answer/saved").await;
        self.check("saved for later", found).await;

        self.start_with(&codes.answered).await;
        let answers = stored_answers(&self.demo.db, &codes.answered);
        let q = &self.demo.questionnaire;
        let mut page = Some(0);
        while let Some(index) = page {
            self.goto(&format!("/answer/page/{index}")).await;
            self.check(&format!("questionnaire page {index}"), found)
                .await;
            page = q.next_page(index, &answers);
        }
        self.goto("/answer/review").await;
        self.check("the review page", found).await;
        self.tap("form[action='/answer/submit'] button").await;
        self.wait_for_path("/answer/done").await;
        self.check("the end page", found).await;

        self.start_with(&codes.distressed).await;
        self.tap("form[action='/answer/submit'] button").await;
        self.wait_for_path("/answer/done").await;
        self.check("the end page with the help lines", found).await;
        self.tap(".contact-offer a.button").await;
        self.wait_for_path("/answer/contact").await;
        self.check("the contact request form", found).await;
        self.type_into("#phone", "090-2468-1357").await;
        self.tap("form[action='/answer/contact'] button").await;
        self.check("the contact request form with an error", found)
            .await;
        self.find("label.check")
            .await
            .click()
            .await
            .expect("tick the consent box");
        self.tap("form[action='/answer/contact'] button").await;
        self.check("the contact request confirmation", found).await;

        self.goto(&format!("/o/{OPEN}")).await;
        self.check("an open questionnaire's start", found).await;
        self.tap("main form button[type=submit]").await;
        self.wait_for_path("/answer/page/0").await;
        self.check("an open questionnaire's first page", found)
            .await;

        self.goto(&self.demo.invitation).await;
        self.check("an invitation: choosing a password", found)
            .await;
        self.goto("/password-reset").await;
        self.check("the password reset request", found).await;
        self.goto("/password-reset/not-a-real-token").await;
        self.check("a password reset link that does not work", found)
            .await;
        self.goto("/login").await;
        self.check("sign-in", found).await;
        self.type_into("#username", "wrong-user").await;
        self.type_into("#password", "wrong password").await;
        self.tap("main form button[type=submit]").await;
        self.check("sign-in refused", found).await;
    }

    async fn staff_pages(&self, found: &mut Vec<PageViolations>) {
        self.goto("/login").await;
        self.type_into("#username", "a11y-admin").await;
        self.type_into("#password", PASSWORD).await;
        self.tap("main form button[type=submit]").await;
        self.wait_until(|path| path != "/login").await;
        for page in self.demo.staff_pages() {
            self.goto(&page).await;
            self.check(&page, found).await;
        }
        self.register_and_draw(found).await;
    }

    /// The register's upload, its column mapping and preview, the import's outcome and the
    /// draw form (once per viewport: the second import replaces the first, which no sample
    /// has been drawn from).
    async fn register_and_draw(&self, found: &mut Vec<PageViolations>) {
        self.goto(&format!("/staff/surveys/{UNDRAWN}/register"))
            .await;
        self.check("the register upload", found).await;
        let path = self.demo.register_file.display().to_string();
        self.find("#file")
            .await
            .send_keys(&path)
            .await
            .expect("choose the file");
        self.tap("form[enctype] button[type=submit]").await;
        self.check("the register's columns", found).await;
        self.tap("button[value=check]").await;
        self.check("the register's columns with the parsed preview", found)
            .await;
        let _: serde_json::Value = self
            .js(
                "const replace = document.querySelector('input[name=replace]');
                 if (replace) { replace.checked = true; }
                 return null;",
                vec![],
            )
            .await;
        self.tap("button[value=import]").await;
        self.browser
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css("p.done"))
            .await
            .expect("the import finishes");
        self.wait_until_loaded().await;
        self.check("the register imported", found).await;
        self.goto(&format!("/staff/surveys/{UNDRAWN}/draw")).await;
        self.check("the draw", found).await;
    }

    /// Opens the QR link of `code` and presses its one button.
    async fn start_with(&self, code: &AccessCode) {
        self.goto(&format!("/c/{}", code.grouped())).await;
        self.tap("main form button[type=submit]").await;
        self.wait_until(|path| path.starts_with("/answer")).await;
    }

    /// Runs axe-core on the page shown and keeps what it found under `name`.
    async fn check(&self, name: &str, found: &mut Vec<PageViolations>) {
        let loaded: bool = self
            .js("return typeof window.axe !== 'undefined';", vec![])
            .await;
        if !loaded {
            let _: serde_json::Value = self
                .js(&format!("{}\nreturn null;", axe_source()), vec![])
                .await;
        }
        let outcome = self
            .browser
            .execute_async(
                "const [tags, done] = arguments;
                 axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
                   .then(r => done(r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.slice(0, 8).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '')),
                   }))))
                   .catch(e => done({ error: String(e) }));",
                vec![serde_json::json!(WCAG_21_AA)],
            )
            .await
            .unwrap_or_else(|e| panic!("axe-core did not run on {name}: {e}"));
        let outcome: AxeOutcome = serde_json::from_value(outcome).expect("axe-core's result");
        let violations = match outcome {
            AxeOutcome::Ran(violations) => violations,
            AxeOutcome::Failed { error } => panic!("axe-core failed on {name}: {error}"),
        };
        let url = self.browser.current_url().await.expect("current url");
        if !violations.is_empty() {
            found.push(PageViolations {
                viewport: self.viewport.to_string(),
                page: format!("{name} ({})", url.path()),
                violations,
            });
        }
    }

    async fn goto(&self, path: &str) {
        self.browser
            .goto(&self.site.url(path))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
        self.wait_until_loaded().await;
    }

    /// Taps `css` (a button or link that leads to a new document) and waits until the new
    /// document has loaded.
    async fn tap(&self, css: &str) {
        let _: serde_json::Value = self
            .js("window.beforeTap = true; return null;", vec![])
            .await;
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot tap {css}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let arrived: bool = self
                .js(
                    "return window.beforeTap === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if arrived {
                return;
            }
            if Instant::now() > deadline {
                panic!("tapping {css} on {} led nowhere", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.find(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.browser.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    async fn path(&self) -> String {
        let url = self.browser.current_url().await.expect("current url");
        url.path().to_string()
    }

    async fn wait_for_path(&self, path: &str) {
        self.wait_until(|now| now == path).await;
    }

    async fn wait_until(&self, arrived: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let path = self.path().await;
            if arrived(&path) {
                self.wait_until_loaded().await;
                return;
            }
            if Instant::now() > deadline {
                let text: String = self.js("return document.body.innerText;", vec![]).await;
                panic!("the browser stayed on {path}, which says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn wait_until_loaded(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready: String = self.js("return document.readyState;", vec![]).await;
            if ready == "complete" || Instant::now() > deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn js<T: serde::de::DeserializeOwned>(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> T {
        let value = self
            .browser
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"));
        serde_json::from_value(value).expect("the script's value")
    }
}

/// axe-core as npm installed it under tests/a11y.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = repo_path("tests/a11y/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; install axe-core with `npm ci --prefix tests/a11y`",
                path.display()
            )
        })
    })
}

fn stored_answers(db: &TestDb, code: &AccessCode) -> Answers {
    let stored = stored_response(db, code).expect("stored answers");
    serde_json::from_str(&stored.answers_json).expect("answers")
}

//! In headless Chromium on a 390×844 phone screen, a resident answers the demo questionnaire
//! with the keyboard only — Tab to move, arrow keys within a radio group, Space for
//! checkboxes and buttons, typing into text fields, Enter to submit — and the answers stored
//! in the database must be exactly the ones keyed in.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). Run with `cargo test --test browser -- --ignored`. Other binaries
//! can be named with TSUNAGARI_CHROMIUM and TSUNAGARI_CHROMEDRIVER. Screenshots of two question
//! pages and of the thanks page are written to `target/browser-screenshots/`.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;
use serde::Deserialize;
use serde_json::json;

use common::browser::{Chromedriver, Site, HEIGHT, WIDTH};
use common::*;
use tsunagari::questionnaire::{Answer, Answers, Question, Questionnaire, Response};

/// The smallest tap target we accept, in CSS pixels (Apple's and WCAG 2.5.5's 44).
const MIN_TAP_TARGET: f64 = 44.0;
/// How long a page may take to arrive after a submit.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(15);
/// How many Tab presses may separate two fields before we conclude focus is lost.
const MAX_TABS: usize = 60;

/// The answers the resident keys in, for every question the demo survey shows them. Most are
/// not the first option, so a wrong arrow count or a missed Space shows up in the database.
fn intended_answers() -> BTreeMap<&'static str, Answer> {
    use Answer::{Choice, Choices, Number, Text};
    [
        ("contact_in_person", Choice(2)),
        ("contact_phone", Choice(1)),
        ("contact_sns_mail", Choice(7)),
        ("participation", Choices(vec![1, 4])),
        ("support_received", Choice(3)),
        ("help_intention", Choice(2)),
        ("rely_on", Choice(1)),
        ("rely_on_who", Choices(vec![2, 5])),
        ("consult", Choice(1)),
        ("consult_who", Choices(vec![1, 2, 8])),
        ("ucla_1", Choice(2)),
        ("ucla_2", Choice(3)),
        ("ucla_3", Choice(1)),
        ("direct", Choice(3)),
        ("loneliness_duration", Choice(2)),
        ("life_events", Choices(vec![3, 8])),
        ("casual_talk", Choice(1)),
        ("lsns_family_1", Choice(4)),
        ("lsns_family_2", Choice(3)),
        ("lsns_family_3", Choice(2)),
        ("lsns_friends_1", Choice(1)),
        ("lsns_friends_2", Choice(5)),
        ("lsns_friends_3", Choice(6)),
        ("k6_1", Choice(2)),
        ("k6_2", Choice(1)),
        ("k6_3", Choice(3)),
        ("k6_4", Choice(1)),
        ("k6_5", Choice(2)),
        ("k6_6", Choice(1)),
        ("age_band", Choice(5)),
        ("sex", Choice(2)),
        ("marital_status", Choice(4)),
        ("household_size", Number(3.0)),
        ("household_members", Choices(vec![1, 2])),
        ("employment_status", Choice(10)),
        ("economic_situation", Choice(4)),
        ("health", Choice(2)),
        ("district", Choice(10)),
        ("birthplace", Choice(2)),
        ("years_of_residence", Choice(4)),
        ("care_needs", Choice(2)),
        ("hobbies", Choice(1)),
        ("outings", Choice(3)),
        ("activity_range", Choice(4)),
        ("transport", Choices(vec![1, 5])),
        ("window_welfare", Choice(2)),
        ("window_livelihood", Choice(3)),
        ("window_council", Choice(1)),
        ("window_elderly", Choice(3)),
        ("window_children", Choice(2)),
        ("window_mental", Choice(3)),
        ("consult_easier", Choices(vec![3, 5])),
        (
            "comments",
            Text("駅前に気軽に集まれる場所があると嬉しいです".into()),
        ),
    ]
    .into_iter()
    .collect()
}

/// Question pages whose screenshots are kept (page id, file name), besides the thanks page.
const SCREENSHOTS: [(&str, &str); 3] = [
    ("direct", "question-page.png"),
    ("k6", "grid-page.png"),
    ("household", "number-page.png"),
];

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_resident_answers_the_whole_questionnaire_on_a_phone_with_the_keyboard_only() {
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    // The scenario runs as its own task so that the browser is shut down even when it fails.
    let scenario = tokio::spawn(answer_on_every_database(browser.clone()));
    let outcome = scenario.await;
    let _ = browser.close().await;
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

async fn answer_on_every_database(browser: Client) {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let questionnaire = demo_questionnaire(&db);
        let site = Site::start(db.state());
        let resident = Resident {
            browser: &browser,
            site: &site,
            questionnaire: &questionnaire,
        };
        let keyed_in = resident.answer_everything(&codes[0].grouped()).await;

        let plan = intended_answers();
        let expected: Answers = plan
            .iter()
            .fold(Answers::new(), |mut answers, (id, answer)| {
                answers.insert(*id, answer.clone());
                answers
            });
        assert_eq!(
            keyed_in,
            expected,
            "{}: the questionnaire did not show exactly the planned questions",
            db.backend()
        );
        let row = stored_response(&db, &codes[0]).expect("a stored response for the code");
        assert_eq!(row.status, "submitted", "{}", db.backend());
        assert!(row.submitted_at.is_some(), "{}", db.backend());
        assert!(
            !row.distress,
            "{}: K6 = 4 and 問8 = 3 signal no distress",
            db.backend()
        );
        let stored: Answers =
            serde_json::from_str(&row.answers_json).expect("stored answers are valid JSON");
        assert_eq!(
            stored,
            expected,
            "{}: the database holds other answers than those keyed in",
            db.backend()
        );
        site.stop().await;
    }
}

/// A person with a phone and a keyboard, answering through the browser.
struct Resident<'a> {
    browser: &'a Client,
    site: &'a Site,
    questionnaire: &'a Questionnaire,
}

impl Resident<'_> {
    /// Types the code, answers every page the questionnaire shows, sends the answers from the
    /// review page and checks the thanks page. Returns what was keyed in.
    async fn answer_everything(&self, code: &str) -> Answers {
        let plan = intended_answers();
        self.browser
            .goto(&self.site.url("/"))
            .await
            .expect("open the start page");
        self.check_phone_layout("the start page").await;
        let focus = self.focus().await;
        assert_eq!(
            focus.id, "code",
            "the code field has the focus on arrival: {focus:?}"
        );
        self.type_text(code).await;
        self.press(&[Key::Enter]).await;

        let mut keyed_in = Answers::new();
        let mut index = 0;
        loop {
            let page = self.questionnaire.page(index).expect("a page index");
            self.wait_for_path(&format!("/answer/page/{index}")).await;
            let where_ = format!("page {index} ({})", page.id);
            self.check_phone_layout(&where_).await;
            let shown: Vec<String> = self
                .questionnaire
                .visible_items(index, &keyed_in)
                .expect("visible items")
                .iter()
                .flat_map(|item| match &item.kind {
                    tsunagari::questionnaire::ItemKind::Grid { rows, .. } => {
                        rows.iter().map(|row| row.id.clone()).collect::<Vec<_>>()
                    }
                    tsunagari::questionnaire::ItemKind::Question(_) => vec![item.id.clone()],
                })
                .collect();
            let questions: Vec<&Question> = self
                .questionnaire
                .page_questions(index)
                .filter(|question| shown.contains(&question.id))
                .collect();
            let mut ends_in_a_one_line_field = false;
            for question in &questions {
                let answer = plan.get(question.id.as_str()).unwrap_or_else(|| {
                    panic!(
                        "{where_}: the plan has no answer for {} ({})",
                        question.number, question.id
                    )
                });
                self.answer(question, answer).await;
                keyed_in.insert(question.id.clone(), answer.clone());
                ends_in_a_one_line_field = matches!(
                    question.response,
                    Response::Number { .. }
                        | Response::Text {
                            multiline: false,
                            ..
                        }
                );
            }
            if let Some((_, file)) = SCREENSHOTS.iter().find(|(id, _)| *id == page.id) {
                self.screenshot(file).await;
            }
            if page.id == "k6" {
                // Six rows of five options: as tiles (each at least 44 px, checked above)
                // instead of one option per line, which made this page 3,159 px tall.
                let height: f64 = self
                    .run_js("return document.documentElement.scrollHeight;")
                    .await;
                eprintln!("the K6 page is {height} px tall at {WIDTH}×{HEIGHT}");
                assert!(
                    height < 2000.0,
                    "{where_}: the K6 page is {height} px tall (3,159 px with one option a line)"
                );
            }
            if ends_in_a_one_line_field {
                // Enter in a one-line field submits the form with its first button: 次へ.
                // (In a multi-line box Enter starts a new line, so there we Tab to 次へ.)
                self.press(&[Key::Enter]).await;
            } else {
                let button = self
                    .tab_to("the 次へ button", |f| {
                        f.tag == "button" && f.name == "action" && f.value == "next"
                    })
                    .await;
                assert_eq!(button.text, "次へ");
                // Buttons answer to Enter and to Space; use both.
                let key = if index % 2 == 0 {
                    Key::Enter
                } else {
                    Key::Space
                };
                self.press(&[key]).await;
            }
            match self.questionnaire.next_page(index, &keyed_in) {
                Some(next) => index = next,
                None => break,
            }
        }

        self.wait_for_path("/answer/review").await;
        self.check_phone_layout("the review page").await;
        let send = self
            .tab_to("the 送信する button", |f| {
                f.tag == "button" && f.form == "/answer/submit"
            })
            .await;
        assert_eq!(send.text, "送信する");
        self.press(&[Key::Enter]).await;

        self.wait_for_path("/answer/done").await;
        self.check_phone_layout("the thanks page").await;
        let heading: String = self
            .run_js("return document.querySelector('h1').innerText;")
            .await;
        assert_eq!(
            heading, "回答を受け付けました",
            "the end page confirms receipt"
        );
        let body: String = self
            .run_js("return document.querySelector('main').innerText;")
            .await;
        assert!(
            body.contains("ご協力ありがとうございました"),
            "the end page thanks the resident: {body:?}"
        );
        self.screenshot("thanks-page.png").await;
        keyed_in
    }

    /// Moves to the question's inputs with Tab and answers it like a keyboard user would.
    async fn answer(&self, question: &Question, answer: &Answer) {
        let id = question.id.as_str();
        match (&question.response, answer) {
            (Response::Single { options }, Answer::Choice(code)) => {
                let target = options
                    .iter()
                    .position(|choice| choice.code == *code)
                    .unwrap_or_else(|| panic!("{id} has no option {code}"));
                let entered = self
                    .tab_to(&format!("the options of {}", question.number), |f| {
                        f.kind == "radio" && f.name == id
                    })
                    .await;
                let current = options
                    .iter()
                    .position(|choice| choice.code.to_string() == entered.value)
                    .unwrap_or_else(|| panic!("{id}: focused an unknown option {entered:?}"));
                // In a radio group the arrow keys move and select; Space selects the
                // focused option when it is already the right one.
                let keys = if target > current {
                    vec![Key::Down; target - current]
                } else if target < current {
                    vec![Key::Up; current - target]
                } else {
                    vec![Key::Space]
                };
                self.press(&keys).await;
                let chosen = self.focus().await;
                assert!(
                    chosen.id == format!("{id}-{code}") && chosen.checked,
                    "{}: option {code} should be focused and selected, found {chosen:?}",
                    question.number
                );
            }
            (Response::Multiple { .. }, Answer::Choices(codes)) => {
                for code in codes {
                    let input_id = format!("{id}-{code}");
                    self.tab_to(&format!("{} option {code}", question.number), |f| {
                        f.id == input_id
                    })
                    .await;
                    self.press(&[Key::Space]).await;
                    let ticked = self.focus().await;
                    assert!(
                        ticked.checked,
                        "{}: Space should tick option {code}: {ticked:?}",
                        question.number
                    );
                }
            }
            (Response::Number { .. }, Answer::Number(value)) => {
                self.tab_to(&format!("the field of {}", question.number), |f| f.id == id)
                    .await;
                self.type_text(&value.to_string()).await;
            }
            (Response::Text { .. }, Answer::Text(text)) => {
                self.tab_to(&format!("the field of {}", question.number), |f| f.id == id)
                    .await;
                self.type_text(text).await;
                let typed = self.focus().await;
                assert_eq!(&typed.value, text, "{}: the typed text", question.number);
            }
            (response, answer) => panic!("{id}: cannot key in {answer:?} for {response:?}"),
        }
    }

    /// Presses each key once (down, up), in order.
    async fn press(&self, keys: &[Key]) {
        let mut keyboard = KeyActions::new("keyboard".into());
        for key in keys {
            keyboard = keyboard
                .then(KeyAction::Down {
                    value: (*key).into(),
                })
                .then(KeyAction::Up {
                    value: (*key).into(),
                });
        }
        self.browser
            .perform_actions(keyboard)
            .await
            .expect("key presses");
    }

    /// Types `text` into the focused element, character by character.
    async fn type_text(&self, text: &str) {
        let mut keyboard = KeyActions::new("keyboard".into());
        for c in text.chars() {
            keyboard = keyboard
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.browser
            .perform_actions(keyboard)
            .await
            .expect("typing");
    }

    /// Presses Tab until the focused element is the one `wanted` describes.
    async fn tab_to(&self, what: &str, wanted: impl Fn(&Focus) -> bool) -> Focus {
        let mut passed = Vec::new();
        for _ in 0..MAX_TABS {
            self.press(&[Key::Tab]).await;
            let focus = self.focus().await;
            if wanted(&focus) {
                return focus;
            }
            passed.push(format!("{} #{} {:?}", focus.tag, focus.id, focus.text));
        }
        let url = self.browser.current_url().await.expect("current url");
        panic!(
            "{url}: Tab never reached {what} in {MAX_TABS} presses; focus went through:\n{}",
            passed.join("\n")
        );
    }

    /// What has the keyboard focus.
    async fn focus(&self) -> Focus {
        self.run_js(
            "const e = document.activeElement;
             return { tag: e.tagName.toLowerCase(), id: e.id || '', name: e.getAttribute('name') || '',
                      value: typeof e.value === 'string' ? e.value : '', kind: e.getAttribute('type') || '',
                      checked: !!e.checked, form: e.form ? e.form.getAttribute('action') || '' : '',
                      text: (e.innerText || '').trim() };",
        )
        .await
    }

    /// Runs `script` in the page and reads what it returns.
    async fn run_js<T: for<'de> Deserialize<'de>>(&self, script: &str) -> T {
        self.run_js_with(script, vec![]).await
    }

    /// Runs `script` with `arguments` and reads what it returns.
    async fn run_js_with<T: for<'de> Deserialize<'de>>(
        &self,
        script: &str,
        arguments: Vec<serde_json::Value>,
    ) -> T {
        let value = self
            .browser
            .execute(script, arguments)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"));
        serde_json::from_value(value).unwrap_or_else(|e| panic!("script result: {e}\n{script}"))
    }

    /// Waits until the browser shows `path` and the page has loaded.
    async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + NAVIGATION_TIMEOUT;
        loop {
            let url = self.browser.current_url().await.expect("current url");
            if url.path() == path {
                let ready: String = self.run_js("return document.readyState;").await;
                if ready == "complete" {
                    return;
                }
            }
            if Instant::now() > deadline {
                let text: String = self
                    .run_js("const m = document.querySelector('main'); return m ? m.innerText : document.body.innerText;")
                    .await;
                panic!("expected {path}, the browser is still on {url}, which says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The page fits a phone: the viewport is the phone's, nothing sticks out sideways, and
    /// every option and button is big enough to tap.
    async fn check_phone_layout(&self, where_: &str) {
        let layout: Layout = self
            .run_js_with(
                "const small = [...document.querySelectorAll('main label.choice, main button, main a.button')]
                    .filter(e => e.getBoundingClientRect().height < arguments[0])
                    .map(e => e.outerHTML.slice(0, 120));
                 return { width: window.innerWidth, height: window.innerHeight,
                          scroll_width: document.documentElement.scrollWidth, small };",
                vec![json!(MIN_TAP_TARGET)],
            )
            .await;
        assert_eq!(
            (layout.width, layout.height),
            (WIDTH, HEIGHT),
            "{where_}: viewport"
        );
        assert!(
            layout.scroll_width <= WIDTH,
            "{where_}: the page is {} px wide, wider than the {WIDTH} px screen",
            layout.scroll_width
        );
        assert!(
            layout.small.is_empty(),
            "{where_}: tap targets under {MIN_TAP_TARGET} px: {:#?}",
            layout.small
        );
    }

    async fn screenshot(&self, name: &str) {
        let png = self.browser.screenshot().await.expect("screenshot");
        let dir = repo_path("target/browser-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(name), png).expect("write screenshot");
    }
}

/// The focused element, as the page reports it.
#[derive(Debug, Deserialize)]
struct Focus {
    tag: String,
    id: String,
    name: String,
    value: String,
    kind: String,
    checked: bool,
    form: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct Layout {
    width: u32,
    height: u32,
    scroll_width: u32,
    small: Vec<String>,
}

// ----- the resident fixes of issue 11, each in the browser at 390×844 -----

use fantoccini::Locator;

/// Runs `scenario` against every database with a fresh browser, shutting the browser down
/// even when the scenario fails.
async fn in_browser<F, Fut>(scenario: F)
where
    F: FnOnce(Client) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let driver = Chromedriver::start();
    let browser = driver.connect().await;
    let outcome = tokio::spawn(scenario(browser.clone())).await;
    let _ = browser.close().await;
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

fn stored_answers(db: &TestDb, code: &tsunagari::sampling::access_code::AccessCode) -> Answers {
    serde_json::from_str(&stored_response(db, code).unwrap().answers_json).unwrap()
}

impl Resident<'_> {
    /// Opens the QR link of the letter and presses the one button it shows.
    async fn start_from_the_qr_link(&self, code: &str) {
        self.browser
            .goto(&self.site.url(&format!("/c/{code}")))
            .await
            .expect("open the QR link");
        self.check_phone_layout("the QR link page").await;
        let focus = self.focus().await;
        assert_eq!(
            (focus.tag.as_str(), focus.text.as_str()),
            ("button", "はじめる"),
            "the one button has the focus"
        );
        self.press(&[Key::Enter]).await;
    }

    /// Opens the QR link of a code whose answers are all stored, and sends them from the
    /// review: the browser ends on the thanks page.
    async fn submit_what_is_stored(&self, code: &str) {
        self.start_from_the_qr_link(code).await;
        self.wait_for_path("/answer/review").await;
        self.tap("form[action='/answer/submit'] button").await;
        self.wait_for_path("/answer/done").await;
    }

    /// Clicks (taps) the element `css`.
    async fn tap(&self, css: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot tap {css}: {e}"));
    }

    /// Taps the option `code` of question `id` (its label, as a finger would).
    async fn choose(&self, id: &str, code: u32) {
        self.tap(&format!("label[for='{id}-{code}']")).await;
    }

    /// Taps the first option of every radio group on the page with nothing chosen yet.
    async fn choose_the_rest(&self) {
        let _: serde_json::Value = self
            .run_js(
                "const names = new Set([...document.querySelectorAll('main input[type=radio]')].map(e => e.name));
                 for (const name of names) {
                   if (!document.querySelector(`input[name='${name}']:checked`)) {
                     document.querySelector(`input[name='${name}']`).click();
                   }
                 }
                 return null;",
            )
            .await;
    }

    /// Waits until the page shown is in `lang`.
    async fn wait_for_lang(&self, lang: &str) {
        let deadline = Instant::now() + NAVIGATION_TIMEOUT;
        loop {
            let shown: String = self
                .run_js("return document.readyState === 'complete' ? document.documentElement.lang : '';")
                .await;
            if shown == lang {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the page never came back in `{lang}`"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn is_checked(&self, input_id: &str) -> bool {
        self.run_js_with(
            "return document.getElementById(arguments[0]).checked;",
            vec![json!(input_id)],
        )
        .await
    }

    /// The smaller side of the element `css`, in CSS pixels.
    async fn smaller_side(&self, css: &str) -> f64 {
        self.run_js_with(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return Math.min(r.width, r.height);",
            vec![json!(css)],
        )
        .await
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn the_back_button_then_next_saves_and_moves_on_with_the_answers_kept() {
    in_browser(|browser| async move {
        for db in databases() {
            let (_, codes) = demo_survey(&db, 1);
            let questionnaire = demo_questionnaire(&db);
            let site = Site::start(db.state());
            let resident = Resident {
                browser: &browser,
                site: &site,
                questionnaire: &questionnaire,
            };
            resident.start_from_the_qr_link(&codes[0].grouped()).await;
            resident.wait_for_path("/answer/page/0").await;
            resident.choose("contact_in_person", 2).await;
            resident.choose_the_rest().await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/page/1").await;
            resident.tap("label[for='participation-1']").await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/page/2").await;
            let saved = stored_response(&db, &codes[0]).unwrap();

            // One step back: the page as the browser kept it, drawn from an older version.
            browser.back().await.expect("back");
            resident.wait_for_path("/answer/page/1").await;
            let drawn: String = resident
                .run_js("return document.querySelector('input[name=version]').value;")
                .await;
            assert!(
                drawn.parse::<i32>().unwrap() < saved.version,
                "{}: the back button shows the page drawn before the last save",
                db.backend()
            );
            // Nothing changed, 次へ: saved, on to the next page.
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/page/2").await;
            let heading: String = resident
                .run_js("return document.querySelector('h1').innerText;")
                .await;
            assert_ne!(heading, "エラー", "{}", db.backend());
            assert_eq!(stored_answers(&db, &codes[0]).len(), {
                let answers: Answers = serde_json::from_str(&saved.answers_json).unwrap();
                answers.len()
            });

            // Back twice to page 0, change 問1(1), 次へ: saved over the newer answers.
            browser.back().await.expect("back");
            resident.wait_for_path("/answer/page/1").await;
            browser.back().await.expect("back");
            resident.wait_for_path("/answer/page/0").await;
            resident.choose("contact_in_person", 4).await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/page/1").await;
            let now = stored_answers(&db, &codes[0]);
            assert_eq!(now.get("contact_in_person"), Some(&Answer::Choice(4)));
            assert_eq!(
                now.get("participation"),
                Some(&Answer::Choices(vec![1])),
                "{}: the later page's answers are kept",
                db.backend()
            );
            assert!(
                resident.is_checked("participation-1").await,
                "the next page shows its stored answer"
            );
            site.stop().await;
        }
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_change_from_the_review_returns_to_the_review() {
    in_browser(|browser| async move {
        for db in databases() {
            let (_, codes) = demo_survey(&db, 1);
            let questionnaire = demo_questionnaire(&db);
            answer_everything_in_the_database(&db, &codes[0], &questionnaire, &|id| {
                (id == "consult").then_some(2)
            });
            let site = Site::start(db.state());
            let resident = Resident {
                browser: &browser,
                site: &site,
                questionnaire: &questionnaire,
            };
            resident.start_from_the_qr_link(&codes[0].grouped()).await;
            resident.wait_for_path("/answer/review").await;
            resident.check_phone_layout("the review page").await;
            let review: String = resident
                .run_js("return document.querySelector('main').innerText;")
                .await;
            assert!(review.contains("問9 人との"), "{review}");
            let change = "a.change[href$='#q-contact_phone']";
            assert!(resident.smaller_side(change).await >= MIN_TAP_TARGET);
            assert!(resident.smaller_side(".lang-switch a").await >= MIN_TAP_TARGET);

            resident.tap(change).await;
            resident.wait_for_path("/answer/page/0").await;
            resident.choose("contact_phone", 5).await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/review").await;
            assert_eq!(
                stored_answers(&db, &codes[0]).get("contact_phone"),
                Some(&Answer::Choice(5)),
                "{}",
                db.backend()
            );

            // A change that opens 問6-1: that page, then the review.
            resident.tap("a.change[href$='#q-consult']").await;
            let reliance = questionnaire.question("consult").unwrap().page_index;
            let consult_who = questionnaire.question("consult_who").unwrap().page_index;
            resident
                .wait_for_path(&format!("/answer/page/{reliance}"))
                .await;
            resident.choose("consult", 1).await;
            resident.tap(".pager button[value=next]").await;
            resident
                .wait_for_path(&format!("/answer/page/{consult_who}"))
                .await;
            let text: String = resident
                .run_js("return document.querySelector('main').innerText;")
                .await;
            assert!(
                !text.contains("答えた方に"),
                "no paper routing online: {text}"
            );
            resident.tap("label[for='consult_who-2']").await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/review").await;
            site.stop().await;
        }
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn switching_language_keeps_the_choice_made_on_the_page() {
    in_browser(|browser| async move {
        for db in databases() {
            let (_, codes) = demo_survey(&db, 1);
            let questionnaire = demo_questionnaire(&db);
            let site = Site::start(db.state());
            let resident = Resident {
                browser: &browser,
                site: &site,
                questionnaire: &questionnaire,
            };
            resident.start_from_the_qr_link(&codes[0].grouped()).await;
            resident.wait_for_path("/answer/page/0").await;
            // 次へ with nothing chosen: the page comes back with the focus on what to fix.
            resident.tap(".pager button[value=next]").await;
            let deadline = Instant::now() + NAVIGATION_TIMEOUT;
            while !resident
                .run_js::<bool>("return document.readyState === 'complete' && !!document.getElementById('error-summary');")
                .await
            {
                assert!(Instant::now() < deadline, "no error summary after 次へ on a blank page");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let focus = resident.focus().await;
            assert_eq!(focus.id, "error-summary", "the focus moves to the error summary");
            resident.choose("contact_in_person", 3).await;
            assert!(resident.smaller_side(".lang-switch button").await >= MIN_TAP_TARGET);
            resident.tap(".lang-switch button").await;
            resident.wait_for_lang("en").await;
            assert!(
                resident.is_checked("contact_in_person-3").await,
                "{}: the choice survives the switch",
                db.backend()
            );
            resident.check_phone_layout("the page in English").await;
            // And 次へ in English saves it.
            resident.choose_the_rest().await;
            resident.tap(".pager button[value=next]").await;
            resident.wait_for_path("/answer/page/1").await;
            assert_eq!(
                stored_answers(&db, &codes[0]).get("contact_in_person"),
                Some(&Answer::Choice(3))
            );
            // Back to Japanese for the next database (the cookie is the browser's).
            resident.tap(".lang-switch button").await;
            resident.wait_for_lang("ja").await;
            site.stop().await;
        }
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn the_distress_end_page_confirms_first_then_shows_the_help_on_the_first_screen() {
    in_browser(|browser| async move {
        for db in databases() {
            let (_, codes) = demo_survey(&db, 1);
            let questionnaire = demo_questionnaire(&db);
            answer_everything_in_the_database(&db, &codes[0], &questionnaire, &|id| {
                (id == "direct").then_some(5)
            });
            let site = Site::start(db.state());
            let resident = Resident {
                browser: &browser,
                site: &site,
                questionnaire: &questionnaire,
            };
            resident.submit_what_is_stored(&codes[0].grouped()).await;
            resident.check_phone_layout("the distress end page").await;
            #[derive(Deserialize)]
            struct Order {
                first: String,
                first_text: String,
                h1_top: f64,
                help_top: f64,
                help_class: String,
            }
            let order: Order = resident
                .run_js(
                    "const main = document.querySelector('main');
                     const h1 = document.querySelector('h1');
                     const help = document.querySelector('section.help');
                     return { first: main.firstElementChild.tagName.toLowerCase(),
                              first_text: main.firstElementChild.innerText,
                              h1_top: h1.getBoundingClientRect().top,
                              help_top: help.getBoundingClientRect().top,
                              help_class: help.className };",
                )
                .await;
            assert_eq!(
                (order.first.as_str(), order.first_text.as_str()),
                ("h1", "回答を受け付けました"),
                "{}",
                db.backend()
            );
            assert!(order.h1_top < order.help_top);
            assert!(
                order.help_top < HEIGHT as f64 / 2.0,
                "the help starts in the upper half of the first screen: {} px",
                order.help_top
            );
            assert_eq!(order.help_class, "help urgent");
            site.stop().await;
        }
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_resident_who_signalled_distress_asks_to_be_contacted_on_a_phone() {
    in_browser(|browser| async move {
        for db in databases() {
            let (survey, codes) = demo_survey(&db, 1);
            let questionnaire = demo_questionnaire(&db);
            answer_everything_in_the_database(&db, &codes[0], &questionnaire, &|id| {
                (id == "direct").then_some(5)
            });
            let site = Site::start(db.state());
            let resident = Resident {
                browser: &browser,
                site: &site,
                questionnaire: &questionnaire,
            };
            resident.submit_what_is_stored(&codes[0].grouped()).await;
            resident.check_phone_layout("the thanks page with the offer").await;
            let offer_top: f64 = resident
                .run_js("return document.querySelector('.contact-offer.urgent a.button').getBoundingClientRect().height;")
                .await;
            assert!(offer_top >= MIN_TAP_TARGET, "the offer's button is big enough to tap");
            resident.tap(".contact-offer a.button").await;
            resident.wait_for_path("/answer/contact").await;
            resident.check_phone_layout("the contact request form").await;

            // Sent without consent: the error summary takes the focus, the field is marked.
            resident
                .browser
                .find(Locator::Css("#phone"))
                .await
                .unwrap()
                .send_keys("０９０－２４６８－１３５７")
                .await
                .unwrap();
            resident.tap("form[action='/answer/contact'] button").await;
            resident.wait_for_path("/answer/contact").await;
            let focus = resident.focus().await;
            assert_eq!(focus.id, "error-summary", "{focus:?}");
            let invalid: bool = resident
                .run_js("return document.getElementById('consent').getAttribute('aria-invalid') === 'true';")
                .await;
            assert!(invalid);
            let kept: String = resident
                .run_js("return document.getElementById('phone').value;")
                .await;
            assert_eq!(kept, "０９０－２４６８－１３５７", "what was typed is kept");

            resident.tap("label.check").await;
            assert!(resident.is_checked("consent").await);
            resident.screenshot("contact-request-form.png").await;
            resident.tap("form[action='/answer/contact'] button").await;
            resident.wait_for_path("/answer/contact").await;
            resident.check_phone_layout("the contact request confirmation").await;
            let text: String = resident
                .run_js("return document.querySelector('main').innerText;")
                .await;
            assert!(text.starts_with("ご連絡の依頼を受け付けました"), "{text}");
            assert!(text.contains("3日以内"), "{text}");
            assert!(text.contains("0120-279-338"), "{text}");
            let stored =
                tsunagari::db::contact_requests::list(&mut db.conn(), survey.id).unwrap();
            assert_eq!(stored.len(), 1, "{}", db.backend());
            assert_eq!(stored[0].phone, "090-2468-1357");
            site.stop().await;
        }
    })
    .await;
}

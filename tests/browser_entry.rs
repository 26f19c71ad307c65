//! A staff member keys a whole paper form in a real browser with the keyboard only: sign in,
//! open the form by its code, one keystroke per single-choice answer (the screen moves on by
//! itself), Enter after other answers, skip rules applied as they type — then the stored entry
//! is checked in the database.
//!
//! Needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver);
//! run with `cargo test --test browser_entry -- --ignored`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{ClientBuilder, Locator};
use tsunagari::config::{Config, DatabaseUrl};
use tsunagari::entry::keyed_text;
use tsunagari::questionnaire::{Answer, Answers, MissingReason, Question, Questionnaire, Response};
use tsunagari::web::{build_app, AppState};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "a long enough password";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {CHROMEDRIVER} ({e}); apt-get install -y chromium chromium-driver")
        });
    let driver = Driver { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return driver;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

/// What the keyer reads off the paper form: every question the form asks, with a few
/// special marks (several marked, blank) and 問6 = 2 so that 問6-1 is skipped.
fn paper_form(q: &Questionnaire) -> Answers {
    let pick = |question: &Question| -> Answer {
        match question.id.as_str() {
            "consult" => return Answer::Choice(2),
            "ucla_2" => return Answer::Missing(MissingReason::MultipleMarked),
            "sex" => return Answer::Missing(MissingReason::NoAnswer),
            "direct" => return Answer::Choice(4),
            "household_size" => return Answer::Number(3.0),
            _ => {}
        }
        match &question.response {
            Response::Single { options } => Answer::Choice(options[options.len() / 2].code),
            Response::Multiple { options, .. } => {
                Answer::Choices(vec![options[0].code, options[1].code])
            }
            Response::Number { min, .. } => Answer::Number(*min),
            Response::Text { .. } => Answer::Text("Keyed from paper\nover two lines".into()),
        }
    };
    let mut answers = Answers::new();
    for question in q.questions() {
        if q.is_shown(&question.id, &answers) {
            answers.insert(question.id.clone(), pick(question));
        }
    }
    answers
}

/// The keystrokes for one answer. A single choice moves on by itself once its code is one no
/// other code starts with (with 1–11, `6` moves on, `1` waits for Enter), as does a special
/// mark; free text is typed with Enter between its lines and Tab to move on; anything else
/// is the text and Enter.
fn keystrokes(question: &Question, answer: &Answer) -> Vec<char> {
    let typed = match answer {
        Answer::Missing(MissingReason::NoAnswer) => String::new(),
        other => keyed_text(other),
    };
    let longer_code_starts_with_it = question.response.options().iter().any(|c| {
        let code = c.code.to_string();
        code.len() > typed.len() && code.starts_with(&typed)
    });
    let advances_by_itself = matches!(question.response, Response::Single { .. })
        && (typed == "*" || typed == "?" || (!typed.is_empty() && !longer_code_starts_with_it));
    if matches!(question.response, Response::Text { .. }) {
        let mut keys: Vec<char> = typed
            .chars()
            .map(|c| if c == '\n' { Key::Enter.into() } else { c })
            .collect();
        keys.push(Key::Tab.into());
        return keys;
    }
    let mut keys: Vec<char> = typed.chars().collect();
    if !advances_by_itself {
        keys.push(Key::Enter.into());
    }
    keys
}

/// The lowest contrast ratio between the text colour of a skipped row's cells (and its input)
/// and the background behind them, as the browser computes them.
const CONTRAST_OF_A_SKIPPED_ROW: &str = r#"
  var row = document.querySelector("tr.key-row.skipped");
  if (!row) { return null; }
  function rgb(text) { return text.match(/[\d.]+/g).slice(0, 4).map(Number); }
  function luminance(c) {
    var l = c.slice(0, 3).map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      var c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) { return c; }
    }
    return [255, 255, 255];
  }
  var worst = Infinity;
  var cells = Array.prototype.slice.call(row.querySelectorAll("th, td.qtext, td.hint, .key"));
  cells.forEach(function (el) {
    var style = getComputedStyle(el);
    var fg = luminance(rgb(style.color)), bg = luminance(background(el));
    var ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    // Opacity fades the text into the page whatever the colours say: not allowed here.
    for (var e = el; e; e = e.parentElement) {
      if (Number(getComputedStyle(e).opacity) < 1) { ratio = 1; }
    }
    worst = Math.min(worst, ratio);
  });
  return worst;
"#;

fn key_actions(id: &str, keys: &[char]) -> KeyActions {
    keys.iter()
        .fold(KeyActions::new(id.to_string()), |actions, &key| {
            actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key })
        })
}

#[actix_web::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn a_keyer_keys_a_whole_form_with_the_keyboard_only_and_it_is_stored_as_typed() {
    // The site on a temporary SQLite database, on a free port.
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("browser.sqlite3"));
    let pool = tsunagari::db::connect(&url).unwrap();
    tsunagari::db::migrate(&pool).unwrap();
    let config = Config {
        database: url,
        bind: "127.0.0.1:0".into(),
        base_url: "http://127.0.0.1".into(),
        questionnaires_dir: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("questionnaires"),
        cookie_secure: false,
        trust_proxy: false,
        time_zone: chrono_tz::Asia::Tokyo,
        mail: tsunagari::config::MailSettings::folder(dir.path().join("mail")),
        sqlite_synchronous: Default::default(),
    };
    let settings = tsunagari::survey::SurveySettings::load(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys/demo.toml"),
    )
    .unwrap();
    let (survey, code) = {
        let mut conn = pool.get().unwrap();
        let survey =
            tsunagari::ops::surveys::create(&mut conn, &config.questionnaires_dir, &settings)
                .unwrap();
        let codes = tsunagari::ops::codes::issue(&mut conn, survey.id, 1, false).unwrap();
        let hash = tsunagari::auth::hash_password(PASSWORD).unwrap();
        let keyer = tsunagari::db::users::create(
            &mut conn,
            "keyer",
            "入力 太郎",
            &hash,
            tsunagari::auth::Role::Staff,
        )
        .unwrap();
        tsunagari::db::survey_access::set_memberships(&mut conn, keyer.id, &[survey.id], None)
            .unwrap();
        (survey, codes[0].clone())
    };
    let state = AppState::new(pool.clone(), config).unwrap();
    let questionnaire = state
        .catalogue
        .for_survey(&settings.questionnaire, &settings.modules)
        .unwrap();
    let server = actix_web::HttpServer::new({
        let state = state.clone();
        move || build_app(state.clone())
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let site = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let driver = start_driver().await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,1000"],
        }),
    );
    let browser = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a chromium session");

    // Sign in: the username field has the focus.
    browser
        .goto(&format!("{site}/login?next=/staff/entry/{}", survey.slug))
        .await
        .unwrap();
    let mut login: Vec<char> = "keyer".chars().collect();
    login.push(Key::Tab.into());
    login.extend(PASSWORD.chars());
    login.push(Key::Enter.into());
    browser
        .perform_actions(key_actions("login", &login))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.open-form"))
        .await
        .unwrap();

    // Open the form by the printed code: the code field has the focus.
    let mut open: Vec<char> = code.grouped().chars().collect();
    open.push(Key::Enter.into());
    browser
        .perform_actions(key_actions("open", &open))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("entry-form"))
        .await
        .unwrap();

    // A code the form does not print is flagged at once and the cursor stays.
    let first = &questionnaire.questions()[0];
    let outside = first
        .response
        .options()
        .iter()
        .map(|c| c.code)
        .max()
        .unwrap()
        + 1;
    assert!(
        outside < 10,
        "a one-digit code outside {}'s options",
        first.number
    );
    let outside = char::from_digit(outside, 10).unwrap();
    browser
        .perform_actions(key_actions("invalid", &[outside]))
        .await
        .unwrap();
    let row = browser
        .find(Locator::Id(&format!("row-{}", first.id)))
        .await
        .unwrap();
    assert!(row
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("has-error"));
    browser
        .perform_actions(key_actions("fix", &[Key::Backspace.into()]))
        .await
        .unwrap();
    assert!(!row
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("has-error"));

    // Key every question the form asks, in printed order; skipped ones are never typed in.
    // After each item the focus is on the next item the form asks (the district item, with
    // codes 1–11, moves on like the others), at the end on 入力完了.
    let expected = paper_form(&questionnaire);
    let asked: Vec<&Question> = questionnaire
        .questions()
        .iter()
        .filter(|q| expected.get(&q.id).is_some())
        .collect();
    assert!(
        asked.iter().any(|q| q.id == "district")
            && asked
                .iter()
                .any(|q| matches!(q.response, Response::Text { .. })),
        "the form asks the district and a free text"
    );
    let mut typed = 0;
    for (i, question) in asked.iter().enumerate() {
        let answer = expected.get(&question.id).unwrap();
        if matches!(question.response, Response::Text { .. }) {
            // Free text is a box of several lines.
            browser
                .find(Locator::Css(&format!("textarea#k-{}", question.id)))
                .await
                .unwrap_or_else(|e| panic!("{} is a textarea: {e}", question.number));
        }
        let keys = keystrokes(question, answer);
        typed += keys.len();
        browser
            .perform_actions(key_actions(&question.id, &keys))
            .await
            .unwrap_or_else(|e| panic!("keying {}: {e}", question.number));
        let want = asked
            .get(i + 1)
            .map(|next| format!("k-{}", next.id))
            .unwrap_or_else(|| "complete".into());
        let focused = browser.active_element().await.unwrap();
        assert_eq!(
            focused.attr("id").await.unwrap().as_deref(),
            Some(want.as_str()),
            "after keying {} ({}) the focus moves on",
            question.number,
            question.id
        );
    }

    // A skipped row stays readable (WCAG AA, 4.5:1): its text against its background.
    let ratio = browser
        .execute(CONTRAST_OF_A_SKIPPED_ROW, vec![])
        .await
        .unwrap();
    let ratio = ratio.as_f64().expect("a skipped row with a contrast ratio");
    assert!(ratio >= 4.5, "a skipped row's contrast is {ratio:.2}:1");
    // TSUNAGARI_SCREENSHOT_DIR=… keeps a picture of the filled-in screen for a person to look at.
    if let Ok(dir) = std::env::var("TSUNAGARI_SCREENSHOT_DIR") {
        let png = browser.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("entry-keyed.png"), png).unwrap();
    }
    // After the last item the focus is on 入力完了; Enter completes the entry.
    let focused = browser.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("complete"),
        "focus ends on the complete button"
    );
    browser
        .perform_actions(key_actions("complete", &[Key::Enter.into()]))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("div.notice.ok"))
        .await
        .unwrap();
    let notice = browser
        .find(Locator::Css("div.notice.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains(&code.grouped()), "{notice}");
    if let Ok(dir) = std::env::var("TSUNAGARI_SCREENSHOT_DIR") {
        let png = browser.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("entry-overview.png"), png).unwrap();
    }

    // What was stored is exactly what the paper says, 問6-1 skipped.
    let mut conn = pool.get().unwrap();
    let (code_id, _) = tsunagari::db::codes::find(&mut conn, &code)
        .unwrap()
        .unwrap();
    let passes = tsunagari::db::entry::passes(&mut conn, code_id).unwrap();
    assert_eq!(passes.len(), 1);
    assert!(passes[0].is_complete());
    let stored: Answers = serde_json::from_str(&passes[0].answers_json).unwrap();
    assert_eq!(stored, expected);
    assert!(stored.get("consult_who").is_none());
    assert_eq!(
        stored.get("ucla_2"),
        Some(&Answer::Missing(MissingReason::MultipleMarked))
    );
    eprintln!("keyed {} questions with {typed} keystrokes", expected.len());

    browser.close().await.unwrap();
    drop(driver);
    handle.stop(true).await;
}

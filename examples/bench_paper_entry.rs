//! Benchmark of paper-entry saves over real HTTP: how long the server takes to answer a save
//! of a whole keyed form (draft save, completing the first entry, completing the second entry
//! which compares both and accepts the form).
//!
//! `cargo run --release --example bench_paper_entry -- [FORMS]` (default 200 forms). Uses a
//! temporary SQLite database, or PostgreSQL when TSUNAGARI_BENCH_POSTGRES_URL names a fresh
//! database. The site runs in-process on 127.0.0.1 with one worker; the client is a plain
//! keep-alive HTTP/1.1 connection, so the times include parsing, storage and the response.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tsunagari::config::{Config, DatabaseUrl};
use tsunagari::entry::keyed_values;
use tsunagari::questionnaire::{Answer, Answers, Questionnaire, Response};
use tsunagari::web::{build_app, AppState};

/// One keep-alive connection with a staff session cookie.
struct Http {
    reader: BufReader<TcpStream>,
    cookie: String,
}

impl Http {
    fn connect(addr: std::net::SocketAddr, token: &str) -> Http {
        let stream = TcpStream::connect(addr).expect("connect to the site");
        stream.set_nodelay(true).ok();
        Http {
            reader: BufReader::new(stream),
            cookie: format!("tsunagari_staff={token}"),
        }
    }

    /// Sends a request and returns (status, body).
    fn request(&mut self, method: &str, path: &str, body: &str) -> (u16, String) {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            self.cookie,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).expect("send");
        stream.write_all(body.as_bytes()).expect("send");
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status code");
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                self.reader.read_line(&mut size).expect("chunk size");
                let n = usize::from_str_radix(size.trim(), 16).expect("chunk size in hex");
                let mut chunk = vec![0; n + 2];
                self.reader.read_exact(&mut chunk).expect("chunk");
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(length, 0);
            self.reader.read_exact(&mut body).expect("body");
        }
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("hidden field") + marker.len();
    let end = body[start..].find('"').expect("closing quote") + start;
    body[start..end].to_string()
}

/// A full paper form: the first option, the smallest number, a short text.
fn form_body(q: &Questionnaire, csrf: &str, version: &str, action: &str) -> String {
    let mut answers = Answers::new();
    for question in q.questions() {
        if q.is_shown(&question.id, &answers) {
            let answer = match &question.response {
                Response::Single { options } => Answer::Choice(options[0].code),
                Response::Multiple { options, .. } => Answer::Choices(vec![options[0].code]),
                Response::Number { min, .. } => Answer::Number(*min),
                Response::Text { .. } => Answer::Text("記入あり".into()),
            };
            answers.insert(question.id.clone(), answer);
        }
    }
    let values = keyed_values(q, &answers);
    let mut fields: Vec<(String, String)> = q
        .questions()
        .iter()
        .map(|question| {
            (
                question.id.clone(),
                values.value(&question.id).unwrap_or_default().to_string(),
            )
        })
        .collect();
    fields.push(("csrf".into(), csrf.into()));
    fields.push(("version".into(), version.into()));
    fields.push(("action".into(), action.into()));
    serde_urlencoded::to_string(fields).expect("form body")
}

fn summary(label: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = times.len();
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / n as f64;
    println!(
        "{label:<34} n={n:<5} median {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms  mean {:>6.2} ms",
        ms(times[n / 2]),
        ms(times[(n * 95 / 100).min(n - 1)]),
        ms(times[n - 1]),
        mean
    );
}

fn main() {
    let forms: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var("TSUNAGARI_BENCH_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => DatabaseUrl::Postgres(url.trim().to_string()),
        _ => DatabaseUrl::Sqlite(dir.path().join("bench.sqlite3")),
    };
    println!("backend: {}", url.describe());
    let pool = tsunagari::db::connect(&url).expect("database");
    tsunagari::db::migrate(&pool).expect("migrations");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = Config {
        database: url,
        bind: "127.0.0.1:0".into(),
        base_url: "http://127.0.0.1".into(),
        questionnaires_dir: root.join("questionnaires"),
        cookie_secure: false,
        trust_proxy: false,
        time_zone: chrono_tz::Asia::Tokyo,
        mail: tsunagari::config::MailSettings::folder(
            std::env::temp_dir().join("tsunagari-bench-mail"),
        ),
        sqlite_synchronous: Default::default(),
    };
    let settings = tsunagari::survey::SurveySettings::load(&root.join("surveys/demo.toml"))
        .expect("demo survey");
    let mut conn = pool.get().expect("connection");
    let survey = tsunagari::ops::surveys::create(&mut conn, &config.questionnaires_dir, &settings)
        .expect("survey");
    let codes = tsunagari::ops::codes::issue(&mut conn, survey.id, forms, false).expect("codes");
    let mut sessions = Vec::new();
    for name in ["keyer1", "keyer2"] {
        let hash = tsunagari::auth::hash_password("benchmark password").expect("hash");
        let user = tsunagari::db::users::create(
            &mut conn,
            name,
            name,
            &hash,
            tsunagari::auth::Role::Staff,
        )
        .expect("user");
        let token = tsunagari::auth::random_token();
        let expires = tsunagari::db::now() + chrono::Duration::hours(2);
        tsunagari::db::sessions::create_staff(
            &mut conn,
            &tsunagari::auth::token_hash(&token),
            user.id,
            &tsunagari::auth::random_token(),
            expires,
        )
        .expect("session");
        sessions.push(token);
    }
    drop(conn);
    let state = AppState::new(pool, config).expect("state");
    let questionnaire = state
        .catalogue
        .for_survey(&settings.questionnaire, &settings.modules)
        .expect("questionnaire");
    println!(
        "questionnaire: {} questions; {forms} forms, each keyed twice",
        questionnaire.questions().len()
    );

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || build_app(state.clone()))
                .workers(1)
                .bind("127.0.0.1:0")
                .expect("bind");
            tx.send(server.addrs()[0]).expect("address");
            server.run().await.expect("server");
        })
    });
    let addr = rx.recv().expect("server address");
    let mut clients: Vec<Http> = sessions.iter().map(|t| Http::connect(addr, t)).collect();

    let (mut drafts, mut firsts, mut seconds) = (Vec::new(), Vec::new(), Vec::new());
    for code in &codes {
        let path = format!("/staff/entry/{}/form/{}", survey.slug, code.as_str());
        for (pass, client) in clients.iter_mut().enumerate() {
            let (status, page) = client.request("GET", &path, "");
            assert_eq!(status, 200, "{page}");
            let csrf = hidden(&page, "csrf");
            let version = hidden(&page, "version");
            if pass == 0 {
                let body = form_body(&questionnaire, &csrf, &version, "save");
                let start = Instant::now();
                let (status, _) = client.request("POST", &path, &body);
                drafts.push(start.elapsed());
                assert_eq!(status, 303);
                let next: i32 = version.parse::<i32>().expect("version") + 1;
                let body = form_body(&questionnaire, &csrf, &next.to_string(), "complete");
                let start = Instant::now();
                let (status, _) = client.request("POST", &path, &body);
                firsts.push(start.elapsed());
                assert_eq!(status, 303);
            } else {
                let body = form_body(&questionnaire, &csrf, &version, "complete");
                let start = Instant::now();
                let (status, _) = client.request("POST", &path, &body);
                seconds.push(start.elapsed());
                assert_eq!(status, 303);
            }
        }
    }
    summary("save draft (entry 1)", &mut drafts);
    summary("complete entry 1", &mut firsts);
    summary("complete entry 2 (compare, accept)", &mut seconds);
}

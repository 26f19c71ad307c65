//! Shared test harness: a fresh database per test (SQLite file, and PostgreSQL when
//! TSUNAGARI_TEST_POSTGRES_URL is set), the app in-process, and a client with a cookie jar.
#![allow(dead_code)]

pub mod browser;
pub mod paper;
pub mod planner_data;
pub mod register;
pub mod routes;
pub mod secrets;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::test::{self, TestRequest};
use diesel::connection::SimpleConnection;
use diesel::Connection;

use tsunagari::config::{Config, DatabaseUrl};
use tsunagari::db::{self, Pool};
use tsunagari::mail::Mailer;
use tsunagari::web::{build_app, AppState};

/// One test database; dropped (PostgreSQL) or deleted with its folder (SQLite) at the end.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub pool: Pool,
    _dir: Option<tempfile::TempDir>,
    postgres_admin: Option<(String, String)>,
}

impl TestDb {
    /// A short name for messages: "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        match self.url {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    /// A SQLite database whatever the run tests (a second database to compare with).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("test.sqlite3"));
        let pool = db::connect(&url).expect("sqlite pool");
        db::migrate(&pool).expect("migrations");
        TestDb {
            url,
            pool,
            _dir: Some(dir),
            postgres_admin: None,
        }
    }

    fn postgres(admin_url: &str) -> TestDb {
        let (url, name) = create_postgres_database(admin_url);
        let pool = db::connect(&url).expect("postgres pool");
        db::migrate(&pool).expect("migrations");
        TestDb {
            url,
            pool,
            _dir: None,
            postgres_admin: Some((admin_url.to_string(), name)),
        }
    }

    /// The configuration a site on this database would run with.
    pub fn config(&self) -> Config {
        Config {
            database: self.url.clone(),
            bind: "127.0.0.1:0".into(),
            base_url: "http://127.0.0.1:8080".into(),
            questionnaires_dir: repo_path("questionnaires"),
            cookie_secure: false,
            trust_proxy: false,
            time_zone: chrono_tz::Asia::Tokyo,
            mail: tsunagari::config::MailSettings::folder(
                std::env::temp_dir().join("tsunagari-test-mail"),
            ),
            sqlite_synchronous: Default::default(),
        }
    }

    /// The app state for this database, with mail kept in memory (read it with
    /// [`TestDb::deliver_mail`] and [`sent_mail`]).
    pub fn state(&self) -> Arc<AppState> {
        AppState::with_mailer(self.pool.clone(), self.config(), Mailer::memory())
            .expect("app state")
    }

    /// Runs the background sender's pass now (as `serve` does on its own thread).
    pub fn deliver_mail(&self, state: &AppState) -> tsunagari::mail::sender::Pass {
        tsunagari::mail::sender::deliver_due(&self.pool, &state.mailer, db::now())
            .expect("outbox pass")
    }

    /// A pooled connection for arranging and checking data directly.
    pub fn conn(&self) -> db::PooledConnection {
        self.pool.get().expect("connection")
    }

    /// A second database on the same backend that holds nothing yet (not even the
    /// migrations) and is not opened: what a restore fills. Open it with [`FreshDb::open`].
    pub fn fresh_sibling(&self) -> FreshDb {
        match &self.postgres_admin {
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                FreshDb {
                    url: DatabaseUrl::Sqlite(dir.path().join("fresh.sqlite3")),
                    dir: Some(dir),
                    postgres_admin: None,
                }
            }
            Some((admin_url, _)) => {
                let (url, name) = create_postgres_database(admin_url);
                FreshDb {
                    url,
                    dir: None,
                    postgres_admin: Some((admin_url.clone(), name)),
                }
            }
        }
    }

    /// The database as the command line names it (`--database`, `DATABASE_URL`).
    pub fn url_arg(&self) -> String {
        url_arg(&self.url)
    }
}

/// Creates an empty PostgreSQL database on the server of `admin_url`; returns its URL and
/// name.
fn create_postgres_database(admin_url: &str) -> (DatabaseUrl, String) {
    let name = format!("tsunagari_test_{}", &tsunagari::auth::random_token()[..16]);
    let mut admin = diesel::PgConnection::establish(admin_url).unwrap_or_else(|e| {
        panic!("TSUNAGARI_TEST_POSTGRES_URL={admin_url} does not connect: {e}")
    });
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    (DatabaseUrl::Postgres(format!("{base}/{name}")), name)
}

/// Drops a database [`create_postgres_database`] made (at the end of a test).
fn drop_postgres_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// The built binary run with `args` on `db` (`DATABASE_URL`) and the repository's
/// questionnaires.
pub fn tsunagari_on(db: &TestDb, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tsunagari"))
        .args(args)
        .env("DATABASE_URL", db.url_arg())
        .env("TSUNAGARI_QUESTIONNAIRES", repo_path("questionnaires"))
        .output()
        .expect("run tsunagari")
}

/// A database as the command line names it (`--database`, `DATABASE_URL`).
pub fn url_arg(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => path.display().to_string(),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// A database with nothing in it, not yet opened (see [`TestDb::fresh_sibling`]); dropped
/// (PostgreSQL) or deleted with its folder (SQLite) at the end.
pub struct FreshDb {
    pub url: DatabaseUrl,
    dir: Option<tempfile::TempDir>,
    postgres_admin: Option<(String, String)>,
}

impl FreshDb {
    /// Opens the database as it now is (no migrations run).
    pub fn open(mut self) -> TestDb {
        let pool = db::connect(&self.url).expect("open the database");
        TestDb {
            url: self.url.clone(),
            pool,
            _dir: self.dir.take(),
            postgres_admin: self.postgres_admin.take(),
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres_admin.take() {
            drop_postgres_database(&admin_url, &name);
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres_admin.take() {
            drop_postgres_database(&admin_url, &name);
        }
    }
}

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Every backend this run tests: SQLite always, PostgreSQL when configured.
pub fn databases() -> Vec<TestDb> {
    let mut all = vec![TestDb::sqlite()];
    if let Ok(url) = std::env::var("TSUNAGARI_TEST_POSTGRES_URL") {
        if !url.trim().is_empty() {
            all.push(TestDb::postgres(url.trim()));
        }
    }
    all
}

/// A response, read completely.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    /// The body as sent (for binary downloads).
    pub bytes: Vec<u8>,
    pub headers: actix_web::http::header::HeaderMap,
}

impl Page {
    /// The value of a hidden input `name` in the body (e.g. the CSRF token).
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden field {name} in:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').expect("closing quote") + start;
        self.body[start..end].to_string()
    }
}

/// A browser-like client of the in-process app: keeps cookies, does not follow redirects.
pub struct Client<S> {
    app: S,
    pub cookies: BTreeMap<String, String>,
    pub peer: std::net::SocketAddr,
}

/// Starts the app for `state`.
pub async fn client(
    state: Arc<AppState>,
) -> Client<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    Client {
        app: test::init_service(build_app(state)).await,
        cookies: BTreeMap::new(),
        peer: "203.0.113.7:5000".parse().unwrap(),
    }
}

impl<S, B> Client<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    fn with_cookies(&self, mut req: TestRequest) -> TestRequest {
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.insert_header((header::COOKIE, jar));
        }
        req.peer_addr(self.peer)
    }

    /// Sends any request (method, headers, body) with the cookie jar and the peer address.
    pub async fn send(&mut self, req: TestRequest) -> Page {
        let response = test::call_service(&self.app, self.with_cookies(req).to_request()).await;
        for c in response.response().cookies() {
            if c.max_age().is_some_and(|a| a.is_zero()) || c.value().is_empty() {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_string(), c.value().to_string());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let body = test::read_body(response).await;
        Page {
            status,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
            headers,
        }
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> Page {
        self.send(TestRequest::get().uri(path)).await
    }

    /// POST url-encoded fields (repeated names allowed).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// POST any body with any content type.
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header((header::CONTENT_TYPE, content_type.to_string()))
                .set_payload(body),
        )
        .await
    }
}

/// A sent message, decoded: recipients, subject, and the text and HTML parts.
#[derive(Debug, Clone)]
pub struct ReadMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl ReadMail {
    /// The path of the first link in the text part that starts with `base` + `prefix`
    /// (e.g. "/account/invitation/"), without the base URL.
    pub fn link_path(&self, prefix: &str) -> String {
        let base = "http://127.0.0.1:8080";
        let marker = format!("{base}{prefix}");
        let start = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no link {marker} in:\n{}", self.text));
        let end = self.text[start..]
            .find(char::is_whitespace)
            .map(|e| start + e)
            .unwrap_or(self.text.len());
        self.text[start + base.len()..end].to_string()
    }
}

/// Every message the in-memory mailer of `state` has sent, decoded.
pub fn sent_mail(state: &AppState) -> Vec<ReadMail> {
    state
        .mailer
        .sent()
        .iter()
        .map(|m| {
            let mut read = read_message(&m.raw);
            read.to = m.to.clone();
            read
        })
        .collect()
}

/// Decodes a message as lettre writes it: RFC 2047 subject, multipart/alternative with a
/// base64 text part and a base64 HTML part.
pub fn read_message(raw: &str) -> ReadMail {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("headers and body");
    // Unfold continuation lines, then read each header.
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_string()
    };
    let decode_b64 = |s: &str| {
        let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(cleaned)
                .expect("base64"),
        )
        .expect("utf-8")
    };
    let subject = header("Subject")
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
                decode_b64(&word[10..word.len() - 2])
            } else {
                word.to_string()
            }
        })
        .collect::<String>();
    let content_type = header("Content-Type");
    let boundary = content_type
        .split("boundary=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .expect("a multipart message");
    let mut text = String::new();
    let mut html = String::new();
    for part in body.split(&format!("--{boundary}")) {
        if part.starts_with("--") {
            break; // the closing delimiter
        }
        let Some((part_head, part_body)) = part.trim_start_matches('\n').split_once("\n\n") else {
            continue;
        };
        assert!(
            part_head.contains("Content-Transfer-Encoding: base64"),
            "{part_head}"
        );
        let decoded = decode_b64(part_body).replace("\r\n", "\n");
        if part_head.contains("text/plain") {
            text = decoded;
        } else if part_head.contains("text/html") {
            html = decoded;
        }
    }
    ReadMail {
        to: vec![header("To")],
        subject,
        text,
        html,
    }
}

/// Creates an account directly in the database. A staff member or planner made here is a
/// member of every survey there is (and of every survey the harness makes later, see
/// [`grant_every_survey`]), as accounts that existed before per-survey access were; tests of
/// the scope use [`add_user_with_surveys`].
pub fn add_user(db: &TestDb, username: &str, password: &str, role: tsunagari::auth::Role) {
    let surveys: Vec<i64> = tsunagari::db::surveys::list(&mut db.conn())
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    add_user_with_surveys(db, username, password, role, &surveys);
}

/// Creates an account that may open exactly `surveys` (ids).
pub fn add_user_with_surveys(
    db: &TestDb,
    username: &str,
    password: &str,
    role: tsunagari::auth::Role,
    surveys: &[i64],
) -> i64 {
    let hash = tsunagari::auth::hash_password(password).unwrap();
    let user =
        tsunagari::db::users::create(&mut db.conn(), username, username, &hash, role).unwrap();
    tsunagari::db::survey_access::set_memberships(&mut db.conn(), user.id, surveys, None).unwrap();
    user.id
}

/// Makes every staff member and planner a member of every survey (the harness's survey
/// makers call it; a test of the scope makes its surveys first, then its accounts).
pub fn grant_every_survey(db: &TestDb) {
    let mut conn = db.conn();
    let surveys: Vec<i64> = tsunagari::db::surveys::list(&mut conn)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    for user in tsunagari::db::users::list(&mut conn).unwrap() {
        if user.role != tsunagari::auth::Role::Admin {
            tsunagari::db::survey_access::set_memberships(&mut conn, user.id, &surveys, None)
                .unwrap();
        }
    }
}

/// Signs in through the login form; panics unless it succeeds.
pub async fn sign_in<S, B>(client: &mut Client<S>, username: &str, password: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form = client.get("/login").await;
    let csrf = form.hidden("csrf");
    let done = client
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/staff"),
            ],
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::SEE_OTHER,
        "sign-in failed: {}",
        done.body
    );
}

/// Creates the demo survey (surveys/demo.toml) with `codes` access codes.
pub fn demo_survey(
    db: &TestDb,
    codes: usize,
) -> (
    tsunagari::db::surveys::SurveyRow,
    Vec<tsunagari::sampling::access_code::AccessCode>,
) {
    let settings = tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml"))
        .expect("demo survey file");
    let mut conn = db.conn();
    let row =
        tsunagari::ops::surveys::create(&mut conn, &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    let issued = tsunagari::ops::codes::issue(&mut conn, row.id, codes, false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    drop(conn);
    grant_every_survey(db);
    (row, issued)
}

/// The questionnaire the demo survey uses, as the site sees it.
pub fn demo_questionnaire(db: &TestDb) -> tsunagari::questionnaire::Questionnaire {
    let settings =
        tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    db.state()
        .catalogue
        .for_survey(&settings.questionnaire, &settings.modules)
        .unwrap()
}

/// Stores a complete set of answers for `code` directly (as if every page had been saved),
/// `choose` picking options like [`valid_fields`].
pub fn answer_everything_in_the_database(
    db: &TestDb,
    code: &tsunagari::sampling::access_code::AccessCode,
    q: &tsunagari::questionnaire::Questionnaire,
    choose: &dyn Fn(&str) -> Option<u32>,
) -> tsunagari::questionnaire::Answers {
    let mut conn = db.conn();
    let (code_id, survey_id) = tsunagari::db::codes::find(&mut conn, code)
        .unwrap()
        .unwrap();
    let response =
        tsunagari::db::responses::start_or_resume_online(&mut conn, survey_id, code_id).unwrap();
    let mut answers = tsunagari::questionnaire::Answers::new();
    let mut index = 0;
    loop {
        let fields = valid_fields(q, index, &answers, choose);
        q.save_page(
            index,
            &tsunagari::questionnaire::RawInput::from_pairs(fields),
            &mut answers,
        )
        .unwrap()
        .unwrap();
        match q.next_page(index, &answers) {
            Some(next) => index = next,
            None => break,
        }
    }
    let json = serde_json::to_string(&answers).unwrap();
    tsunagari::db::responses::save_progress(
        &mut conn,
        response.id,
        response.version,
        &json,
        "{}",
        index as i32,
    )
    .unwrap();
    answers
}

/// Valid form fields for every shown question of a page: the first option (or `choose`'s
/// pick), the smallest number, a short text.
pub fn valid_fields(
    q: &tsunagari::questionnaire::Questionnaire,
    page: usize,
    answers: &tsunagari::questionnaire::Answers,
    choose: &dyn Fn(&str) -> Option<u32>,
) -> Vec<(String, String)> {
    use tsunagari::questionnaire::Response;
    let mut fields = Vec::new();
    let shown: Vec<String> = q
        .visible_items(page, answers)
        .unwrap()
        .iter()
        .flat_map(|item| match &item.kind {
            tsunagari::questionnaire::ItemKind::Grid { rows, .. } => {
                rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
            }
            _ => vec![item.id.clone()],
        })
        .collect();
    for question in q.page_questions(page).filter(|q| shown.contains(&q.id)) {
        let value = match &question.response {
            Response::Single { options } => {
                choose(&question.id).unwrap_or(options[0].code).to_string()
            }
            Response::Multiple { options, .. } => choose(&question.id)
                .unwrap_or(
                    options
                        .iter()
                        .find(|o| !o.exclusive)
                        .unwrap_or(&options[0])
                        .code,
                )
                .to_string(),
            Response::Number { min, .. } => format!("{}", *min as i64),
            Response::Text { .. } => "テストです".to_string(),
        };
        fields.push((question.id.clone(), value));
    }
    fields
}

/// The stored response of an access code (online).
pub fn stored_response(
    db: &TestDb,
    code: &tsunagari::sampling::access_code::AccessCode,
) -> Option<tsunagari::db::responses::ResponseRow> {
    let mut conn = db.conn();
    let (code_id, _) = tsunagari::db::codes::find(&mut conn, code).unwrap()?;
    use diesel::prelude::*;
    use tsunagari::db::schema::responses::dsl as r;
    r::responses
        .filter(r::access_code_id.eq(code_id))
        .select(tsunagari::db::responses::ResponseRow::as_select())
        .first(&mut conn)
        .optional()
        .unwrap()
}

/// Answers page `index` through HTTP with [`valid_fields`] (as "next"), records the same
/// answers in `answers`, and returns the response to the post.
pub async fn answer_page<S, B>(
    client: &mut Client<S>,
    q: &tsunagari::questionnaire::Questionnaire,
    index: usize,
    answers: &mut tsunagari::questionnaire::Answers,
    choose: &dyn Fn(&str) -> Option<u32>,
) -> Page
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = client.get(&format!("/answer/page/{index}")).await;
    assert_eq!(page.status, StatusCode::OK, "page {index}: {}", page.body);
    let mut fields = valid_fields(q, index, answers, choose);
    q.save_page(
        index,
        &tsunagari::questionnaire::RawInput::from_pairs(fields.clone()),
        answers,
    )
    .unwrap()
    .unwrap();
    fields.push(("csrf".into(), page.hidden("csrf")));
    fields.push(("version".into(), page.hidden("version")));
    fields.push(("action".into(), "next".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = client.post(&format!("/answer/page/{index}"), &refs).await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "page {index}: {}",
        saved.body
    );
    saved
}

/// Starts answering with `code`, answers every page with [`valid_fields`] (`choose` picks
/// options), submits the review, and returns the answers as stored.
pub async fn answer_and_submit<S, B>(
    client: &mut Client<S>,
    q: &tsunagari::questionnaire::Questionnaire,
    code: &tsunagari::sampling::access_code::AccessCode,
    choose: &dyn Fn(&str) -> Option<u32>,
) -> tsunagari::questionnaire::Answers
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let csrf = client.get("/").await.hidden("csrf");
    let started = client
        .post("/start", &[("csrf", &csrf), ("code", code.as_str())])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let mut answers = tsunagari::questionnaire::Answers::new();
    let mut index = 0;
    loop {
        let saved = answer_page(client, q, index, &mut answers, choose).await;
        match saved
            .location
            .as_deref()
            .and_then(|l| l.strip_prefix("/answer/page/"))
        {
            Some(next) => index = next.parse().expect("a page number"),
            None => break,
        }
    }
    let review = client.get("/answer/review").await;
    let submitted = client
        .post(
            "/answer/submit",
            &[
                ("csrf", &review.hidden("csrf")),
                ("version", &review.hidden("version")),
            ],
        )
        .await;
    assert_eq!(
        submitted.location.as_deref(),
        Some("/answer/done"),
        "{}",
        submitted.body
    );
    answers
}

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct RowText {
    #[diesel(sql_type = diesel::sql_types::Text)]
    row: String,
}

/// Every table of the database (but the migration bookkeeping) with its rows as text, in a
/// stable order: for checking what a request changed, or scanning for a value anywhere.
pub fn table_contents(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    use diesel::RunQueryDsl;
    let mut conn = db.conn();
    let mut out = BTreeMap::new();
    match db.backend() {
        "sqlite" => {
            let tables: Vec<TableName> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
            )
            .load(&mut *conn)
            .unwrap();
            for table in tables {
                let columns: Vec<ColumnName> = diesel::sql_query(format!(
                    "SELECT name FROM pragma_table_info('{}')",
                    table.name
                ))
                .load(&mut *conn)
                .unwrap();
                let joined = columns
                    .iter()
                    .map(|c| format!("quote(\"{}\")", c.name))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<RowText> = diesel::sql_query(format!(
                    "SELECT {joined} AS row FROM \"{}\" ORDER BY 1",
                    table.name
                ))
                .load(&mut *conn)
                .unwrap();
                out.insert(table.name, rows.into_iter().map(|r| r.row).collect());
            }
        }
        _ => {
            let tables: Vec<TableName> = diesel::sql_query(
                "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename <> '__diesel_schema_migrations'",
            )
            .load(&mut *conn)
            .unwrap();
            for table in tables {
                let rows: Vec<RowText> = diesel::sql_query(format!(
                    "SELECT t::text AS row FROM \"{0}\" AS t ORDER BY 1",
                    table.name
                ))
                .load(&mut *conn)
                .unwrap();
                out.insert(table.name, rows.into_iter().map(|r| r.row).collect());
            }
        }
    }
    out
}

/// The column names of `table`.
pub fn columns_of(db: &TestDb, table: &str) -> Vec<String> {
    use diesel::RunQueryDsl;
    let mut conn = db.conn();
    let query = match db.backend() {
        "sqlite" => format!("SELECT name FROM pragma_table_info('{table}')"),
        _ => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
        ),
    };
    diesel::sql_query(query)
        .load::<ColumnName>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

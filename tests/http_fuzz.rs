//! Hostile HTTP through the whole app, on every backend: requests made from the route table
//! (`common::routes`) with a seeded generator — any method, the routes' paths with hostile
//! segments and query strings, form, JSON, garbage, invalid UTF-8 and huge bodies, odd
//! content types and encodings, garbage cookies, with and without the CSRF token — sent as
//! anonymous visitors, a resident answering, staff, planners, consultation staff and admins.
//!
//! Every answer: no 5xx and no panic; a refusal is a 4xx with a body that says what is
//! wrong; no response header is longer than 2 KB (long paths are not echoed); a redirect
//! stays on this site. Afterwards the site still works and nothing stored was lost.
//!
//! 10,000 requests on SQLite and 5,000 on PostgreSQL by default; `FUZZ_REQUESTS` and
//! `FUZZ_SEED` change them (a failure prints its request number and the seed).

mod common;

use actix_web::http::{header, Method, StatusCode, Uri};
use actix_web::test::TestRequest;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::planner_data::{answers_of, drawn_survey, submit};
use common::routes::routes;
use common::{add_user_with_surveys, client, databases, sign_in, TestDb};
use tsunagari::auth::Role;

const PASSWORD: &str = "a-long-enough-password";
const SLUG: &str = "demo-2026";
/// The longest response header allowed.
const LONGEST_HEADER: usize = 2048;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Segments and values that have broken web applications.
const HOSTILE: &[&str] = &[
    "",
    " ",
    ".",
    "..",
    "%2e%2e",
    "%2F",
    "%00",
    "%ff",
    "%fe%ff",
    "%E3%81",
    "%zz",
    "%",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e9",
    "NaN",
    "1.5",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "'%20OR%20'1'='1",
    "%22",
    "%0d%0aSet-Cookie:%20x=1",
    "%E5%AD%A4%E7%AB%8B",
    "%EF%BC%91",
    "DGD6-Y7YY-QX2B-3UF6",
    "no-such-survey",
    "other-town-2026",
    "direct_lonely",
    "sex.svg",
    "x.svg",
];

/// Query strings pages read, with hostile values.
const QUERIES: &[&str] = &[
    "lang=en",
    "lang=xx",
    "to=en&back=/staff",
    "to=en&back=//evil.example/",
    "to=en&back=%2F%09%2Fevil.example",
    "to=en&back=%2F%0D%0ALocation:%20x",
    "to=ja&back=https://evil.example/",
    "to=%E3%81",
    "next=//evil.example",
    "next=%2F%5C%5Cevil.example",
    "next=%2F%09%2Fevil.example",
    "next=javascript:alert(1)",
    "indicator=direct_lonely",
    "indicator=nope",
    "by=sex",
    "by=district&by2=age_band",
    "row=sex&col=district&outcome=direct",
    "view=publication",
    "view=nope",
    "alpha=abc",
    "alpha=-1",
    "alpha=1e309",
    "page=-1",
    "page=99999999999999999999",
    "batch=0",
    "batch=-5",
    "encoding=cp932",
    "encoding=ebcdic",
    "done=contact",
    "released=1",
    "q=%00",
    "a=1&a=2&a=3",
    "=&=&&",
];

/// Form field names the pages read.
const FIELDS: &[&str] = &[
    "csrf",
    "code",
    "username",
    "password",
    "password2",
    "next",
    "reason",
    "version",
    "action",
    "to",
    "from",
    "until",
    "email",
    "name",
    "display_name",
    "role",
    "survey",
    "active",
    "outcome",
    "note",
    "phone",
    "consent",
    "disposition",
    "count",
    "received",
    "batch",
    "encoding",
    "spec",
    "margins",
    "previous",
    "direct",
    "ucla_1",
    "household_size",
    "comments",
    "hobbies",
    "item",
    "pick",
    "value",
    "mode",
    "n",
];

/// A random visible-ASCII or arbitrary-Unicode string.
fn random_text(rng: &mut ChaCha8Rng, longest: usize) -> String {
    let len = rng.gen_range(0..=longest);
    if rng.gen_bool(0.5) {
        (0..len)
            .map(|_| rng.gen_range(0x20u8..0x7f) as char)
            .collect()
    } else {
        (0..len)
            .map(|_| loop {
                if let Some(c) = char::from_u32(rng.gen_range(0..0x3_0000)) {
                    break c;
                }
            })
            .collect()
    }
}

/// Percent-encodes every byte but the unreserved ones.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A value for one placeholder of a route: usually a real one, often a hostile one.
fn segment(rng: &mut ChaCha8Rng, placeholder: &str, world: &World) -> String {
    if rng.gen_bool(0.55) {
        return match placeholder {
            "{slug}" => SLUG.to_string(),
            "{code}" => world.codes.choose(rng).unwrap().clone(),
            "{indicator}" => "direct_lonely".to_string(),
            "{by}.svg" => "sex.svg".to_string(),
            "{index}" => rng.gen_range(0..12).to_string(),
            "{token}" => "0".repeat(64),
            "{id}" | "{entry}" => rng.gen_range(1..6).to_string(),
            _ => "1".to_string(),
        };
    }
    match rng.gen_range(0..4) {
        0 => HOSTILE.choose(rng).unwrap().to_string(),
        1 => encode(&random_text(rng, 40)),
        2 => "a".repeat(rng.gen_range(2_000..12_000)),
        _ => encode(&random_text(rng, 3_000)),
    }
}

/// A path: a route of the table filled in, changed now and then.
fn path(rng: &mut ChaCha8Rng, world: &World) -> (String, String) {
    let (method, pattern) = world.routes.choose(rng).unwrap().clone();
    let mut path: String = pattern
        .split('/')
        .map(|part| {
            if part.starts_with('{') {
                segment(rng, part, world)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    match rng.gen_range(0..20) {
        0 => path.push('/'),
        1 => path = format!("/{path}"),
        2 => path.push_str(&format!("/{}", segment(rng, "{x}", world))),
        3 => path = format!("/{}", encode(&random_text(rng, 60))),
        4 => path = path.to_uppercase(),
        _ => {}
    }
    if rng.gen_bool(0.3) {
        let query = if rng.gen_bool(0.7) {
            QUERIES.choose(rng).unwrap().to_string()
        } else {
            format!(
                "{}={}",
                encode(&random_text(rng, 20)),
                encode(&random_text(rng, 200))
            )
        };
        path = format!("{path}?{query}");
    }
    // Anything the URI parser refuses is sent fully encoded.
    if path.parse::<Uri>().is_err() {
        path = format!("/{}", encode(&path));
    }
    (method, path)
}

/// A form body: real field names with real, hostile or missing values; the CSRF token right,
/// wrong or absent.
fn form_body(rng: &mut ChaCha8Rng, csrf: &str, world: &World) -> Vec<u8> {
    let mut fields: Vec<(String, String)> = Vec::new();
    match rng.gen_range(0..4) {
        0 | 1 => fields.push(("csrf".into(), csrf.into())),
        2 => fields.push(("csrf".into(), random_text(rng, 70))),
        _ => {}
    }
    for _ in 0..rng.gen_range(0..8) {
        let name = FIELDS.choose(rng).unwrap().to_string();
        let value = match rng.gen_range(0..9) {
            0 => world.codes.choose(rng).unwrap().clone(),
            1 => rng.gen_range(-2..12).to_string(),
            2 => ["staff_f", "admin_f", "planner_f", "nobody"]
                .choose(rng)
                .unwrap()
                .to_string(),
            3 => PASSWORD.to_string(),
            4 => [
                "/\t/evil.example",
                "/\r\n/x",
                "//evil.example",
                "/staff",
                "/\\evil",
            ]
            .choose(rng)
            .unwrap()
            .to_string(),
            5 => random_text(rng, 3_000),
            6 => [
                "\0",
                "メモ\0です",
                "\u{1}",
                "\u{FFFD}",
                "\u{FEFF}",
                "😀",
                "\u{202E}",
            ]
            .choose(rng)
            .unwrap()
            .to_string(),
            _ => random_text(rng, 30),
        };
        fields.push((name, value));
    }
    serde_urlencoded::to_string(&fields).unwrap().into_bytes()
}

/// What the fuzz needs to know of the site it runs against.
struct World {
    routes: Vec<(String, String)>,
    codes: Vec<String>,
}

/// The body and content type of a request.
fn body(rng: &mut ChaCha8Rng, csrf: &str, world: &World) -> (Option<String>, Vec<u8>) {
    let form = "application/x-www-form-urlencoded".to_string();
    match rng.gen_range(0..20) {
        0..=9 => (Some(form), form_body(rng, csrf, world)),
        10 => (
            Some("application/json".into()),
            serde_json::json!({ "csrf": csrf, "code": world.codes[0], "x": random_text(rng, 50) })
                .to_string()
                .into_bytes(),
        ),
        11 => (
            Some(form),
            (0..rng.gen_range(0..500)).map(|_| rng.gen()).collect(),
        ),
        12 => (Some(form), b"csrf=%ff%fe&code=%C0%AF&a=%E3%81".to_vec()),
        13 => {
            // Larger than any form of the site.
            let mut big = form_body(rng, csrf, world);
            big.extend(std::iter::repeat_n(
                b'a',
                rng.gen_range(64 * 1024..200 * 1024),
            ));
            (Some(form), big)
        }
        14 => (
            Some("multipart/form-data; boundary=xyz".into()),
            b"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n--xyz--".to_vec(),
        ),
        15 => (
            Some("text/plain; charset=shift_jis".into()),
            vec![0x82, 0xa0, 0xff],
        ),
        16 => (
            Some(random_text(rng, 40).replace(|c: char| !c.is_ascii_graphic(), "")),
            form_body(rng, csrf, world),
        ),
        17 => (None, form_body(rng, csrf, world)),
        18 => (Some(form), Vec::new()),
        _ => (
            Some(format!("{form}; charset=utf-16")),
            form_body(rng, csrf, world),
        ),
    }
}

/// A garbage value for a cookie or another header (visible ASCII and bytes above 0x7f).
fn garbage_header(rng: &mut ChaCha8Rng) -> header::HeaderValue {
    let len = rng.gen_range(0..600);
    let bytes: Vec<u8> = (0..len)
        .map(|_| match rng.gen_range(0..4) {
            0 => rng.gen_range(0x80..=0xff),
            _ => rng.gen_range(0x20..0x7f),
        })
        .collect();
    header::HeaderValue::from_bytes(&bytes).unwrap()
}

const COOKIE_NAMES: &[&str] = &[
    "tsunagari_staff",
    "tsunagari_answer",
    "tsunagari_csrf",
    "tsunagari_lang",
    "tsunagari_answered",
];

/// Checks one answer; `Err` says what is wrong with it.
fn judge(method: &Method, page: &common::Page) -> Result<(), String> {
    if page.status.is_server_error() {
        return Err(format!("{}: {}", page.status, cut(&page.body)));
    }
    for (name, value) in &page.headers {
        if value.len() > LONGEST_HEADER {
            return Err(format!("header {name} is {} bytes long", value.len()));
        }
    }
    if let Some(location) = &page.location {
        // Browsers drop tabs and line breaks in a URL: what is left must be a path here.
        let seen: String = location.chars().filter(|c| !c.is_control()).collect();
        if !seen.starts_with('/') || seen.starts_with("//") || seen.starts_with("/\\") {
            return Err(format!("redirect off the site: {location:?}"));
        }
    }
    if page.status.is_client_error() && *method != Method::HEAD {
        if page.body.trim().is_empty() {
            return Err(format!("{} with an empty body", page.status));
        }
        if page.status == StatusCode::TOO_MANY_REQUESTS
            && !page.headers.contains_key(header::RETRY_AFTER)
        {
            return Err("429 without Retry-After".into());
        }
    }
    Ok(())
}

fn cut(text: &str) -> String {
    text.chars().take(400).collect()
}

/// One signed-in or answering visitor, or an anonymous one.
struct Visitor {
    name: &'static str,
    account: Option<(&'static str, Role)>,
    csrf: String,
}

async fn fuzz(db: &TestDb, requests: u64, seed: u64) {
    let (survey_id, codes) = drawn_survey(db, 41);
    for (i, code) in codes.iter().enumerate().skip(100).take(30) {
        submit(db, survey_id, code, &answers_of(i));
    }
    for (name, role) in [
        ("staff_f", Role::Staff),
        ("planner_f", Role::Planner),
        ("consult_f", Role::Consultation),
        ("admin_f", Role::Admin),
    ] {
        add_user_with_surveys(db, name, PASSWORD, role, &[survey_id]);
    }
    let state = db.state();
    let world = World {
        routes: routes(),
        codes: codes.clone(),
    };

    let mut visitors = [
        ("anonymous", None),
        ("resident", None),
        ("staff", Some(("staff_f", Role::Staff))),
        ("planner", Some(("planner_f", Role::Planner))),
        ("consultation", Some(("consult_f", Role::Consultation))),
        ("admin", Some(("admin_f", Role::Admin))),
    ]
    .map(|(name, account)| Visitor {
        name,
        account,
        csrf: String::new(),
    });
    let mut clients = Vec::new();
    for visitor in visitors.iter_mut() {
        let mut c = client(state.clone()).await;
        visitor.csrf = c.get("/login").await.hidden("csrf");
        if let Some((account, role)) = visitor.account {
            sign_in(&mut c, account, PASSWORD).await;
            // The session's token, for the forms of signed-in pages.
            visitor.csrf = c.get(role.home()).await.hidden("csrf");
        }
        if visitor.name == "resident" {
            let started = c
                .post("/start", &[("csrf", &visitor.csrf), ("code", &codes[0])])
                .await;
            assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
            visitor.csrf = c.get("/answer/page/0").await.hidden("csrf");
        }
        clients.push(c);
    }
    let before = stored_counts(db, survey_id);

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    let mut hostile = client(state.clone()).await;
    for n in 0..requests {
        let who = rng.gen_range(0..visitors.len());
        let (route_method, path) = path(&mut rng, &world);
        let method = match rng.gen_range(0..20) {
            0..=9 if route_method == "get" => Method::GET,
            0..=9 => Method::POST,
            10..=13 => Method::GET,
            14..=16 => Method::POST,
            17 => Method::HEAD,
            _ => [
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
                Method::OPTIONS,
                Method::TRACE,
            ]
            .choose(&mut rng)
            .unwrap()
            .clone(),
        };
        let mut req = TestRequest::default().method(method.clone()).uri(&path);
        if method != Method::GET && method != Method::HEAD {
            let (content_type, bytes) = body(&mut rng, &visitors[who].csrf, &world);
            if let Some(content_type) = content_type {
                req = req.insert_header((header::CONTENT_TYPE, content_type));
            }
            if rng.gen_bool(0.05) {
                req = req.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            req = req.set_payload(bytes);
        }
        if rng.gen_bool(0.1) {
            req = req.insert_header((header::ACCEPT_LANGUAGE, garbage_header(&mut rng)));
        }
        if rng.gen_bool(0.05) {
            req = req.insert_header(("x-forwarded-for", garbage_header(&mut rng)));
        }
        // Now and then the browser sends garbage cookies instead of its own.
        let c = if rng.gen_bool(0.12) {
            hostile.cookies.clear();
            let jar: Vec<String> = (0..rng.gen_range(1..4))
                .map(|_| {
                    let value = garbage_header(&mut rng);
                    let value = String::from_utf8_lossy(value.as_bytes())
                        .replace(|c: char| !c.is_ascii_graphic() || c == ';', "");
                    format!("{}={value}", COOKIE_NAMES.choose(&mut rng).unwrap())
                })
                .collect();
            req = req.insert_header((header::COOKIE, jar.join("; ")));
            &mut hostile
        } else {
            &mut clients[who]
        };
        c.peer = format!("198.51.100.{}:4000", rng.gen_range(1..40))
            .parse()
            .unwrap();
        let page = c.send(req).await;
        *statuses.entry(page.status.as_u16()).or_default() += 1;
        if let Err(why) = judge(&method, &page) {
            panic!(
                "{} request {n} (FUZZ_SEED={seed}) as {}: {method} {}: {why}",
                db.backend(),
                visitors[who].name,
                cut(&path)
            );
        }
        // Sign a visitor whose session the fuzz ended in again, so later requests still
        // come from a signed-in account (unless the fuzz, as an admin, deactivated it).
        if path.starts_with("/logout") && page.status == StatusCode::SEE_OTHER {
            if let Some((account, role)) = visitors[who].account {
                let c = &mut clients[who];
                c.cookies.clear();
                let csrf = c.get("/login").await.hidden("csrf");
                let fields = [
                    ("csrf", csrf.as_str()),
                    ("username", account),
                    ("password", PASSWORD),
                ];
                if c.post("/login", &fields).await.status == StatusCode::SEE_OTHER {
                    visitors[who].csrf = c.get(role.home()).await.hidden("csrf");
                }
            }
        }
    }
    eprintln!(
        "{}: {requests} requests, statuses {statuses:?}",
        db.backend()
    );

    // The site still works, and the hostile requests took nothing away. (The fuzz posts to
    // the admin pages as an admin, so the accounts above may have another role by now.)
    let mut fresh = client(state.clone()).await;
    assert_eq!(fresh.get("/healthz").await.status, StatusCode::OK);
    add_user_with_surveys(db, "planner_after", PASSWORD, Role::Planner, &[survey_id]);
    sign_in(&mut fresh, "planner_after", PASSWORD).await;
    let report = fresh.get(&format!("/planner/{SLUG}/estimates")).await;
    assert_eq!(report.status, StatusCode::OK, "{}", cut(&report.body));
    let after = stored_counts(db, survey_id);
    assert!(
        after.0 >= before.0 && after.1 > before.1 && after.2 >= before.2,
        "before {before:?}, after {after:?}"
    );
}

/// Submitted responses, accounts and access codes of the survey.
fn stored_counts(db: &TestDb, survey_id: i64) -> (i64, usize, i64) {
    let mut conn = db.conn();
    let (_, submitted) = tsunagari::db::responses::counts(&mut conn, survey_id).unwrap();
    let accounts = tsunagari::db::users::list(&mut conn).unwrap().len();
    let codes = tsunagari::db::codes::count(&mut conn, survey_id).unwrap();
    (submitted, accounts, codes)
}

#[actix_web::test]
async fn ten_thousand_hostile_requests_get_no_5xx_and_every_refusal_says_why() {
    let seed = env_number("FUZZ_SEED").unwrap_or(14);
    for db in databases() {
        let requests = env_number("FUZZ_REQUESTS").unwrap_or(match db.backend() {
            "sqlite" => 10_000,
            _ => 5_000,
        });
        fuzz(&db, requests, seed).await;
    }
}

/// Found by the fuzz on PostgreSQL, which stores no NUL in text: a NUL typed into a form
/// that stores what it is given (an account's name, a batch's note) is refused with a
/// message, on every backend, and nothing is stored.
#[actix_web::test]
async fn a_nul_character_in_a_form_is_refused_with_a_message_and_nothing_is_stored() {
    for db in databases() {
        let (survey_id, _) = drawn_survey(&db, 42);
        add_user_with_surveys(&db, "admin_n", PASSWORD, Role::Admin, &[survey_id]);
        let state = db.state();
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin_n", PASSWORD).await;
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        let before = common::table_contents(&db);
        let invited = admin
            .post(
                "/admin/users",
                &[
                    ("csrf", &csrf),
                    ("username", "nul_name"),
                    ("display_name", "山田\0花子"),
                    ("email", "hanako@example.jp"),
                    ("role", "staff"),
                ],
            )
            .await;
        let batch = admin
            .post(
                &format!("/staff/entry/{SLUG}/batches"),
                &[
                    ("csrf", &csrf),
                    ("received_on", "2026-12-10"),
                    ("envelopes", "3"),
                    ("note", "郵便\0受付"),
                ],
            )
            .await;
        for page in [&invited, &batch] {
            assert_eq!(
                page.status,
                StatusCode::BAD_REQUEST,
                "{}: {}",
                db.backend(),
                cut(&page.body)
            );
            assert!(page.body.contains("NUL"), "{}", page.body);
        }
        assert_eq!(common::table_contents(&db), before, "{}", db.backend());
    }
}

//! Two app servers on one database, as a prefecture runs them behind a reverse proxy: each
//! with its own connection pool, caches and memory (what two processes share is only the
//! database). A resident moves between them page by page and submits once; a staff session
//! works on both and signing out on one ends it on the other; the limits on wrong access
//! codes and wrong passwords count the failures made on either; a paper form keyed on one
//! and its resident's online answers submitted on the other count once and lose neither. On SQLite
//! and (when configured) PostgreSQL.

mod common;

use std::sync::Arc;

use actix_web::http::StatusCode;

use common::paper::{key, keyed_fields, paper_answers};
use common::*;
use tsunagari::auth::Role;
use tsunagari::mail::Mailer;
use tsunagari::questionnaire::Answers;
use tsunagari::sampling::access_code::AccessCode;
use tsunagari::web::AppState;

const PASSWORD: &str = "a long enough password";

/// A second app server on the same database: its own pool and state.
fn second_server(db: &TestDb) -> Arc<AppState> {
    let pool = tsunagari::db::connect(&db.url).expect("a second pool");
    AppState::with_mailer(pool, db.config(), Mailer::memory()).expect("a second app state")
}

fn stored_answers(db: &TestDb, code: &AccessCode) -> Answers {
    serde_json::from_str(&stored_response(db, code).expect("stored").answers_json).unwrap()
}

#[actix_web::test]
async fn a_resident_moving_between_two_servers_keeps_every_answer_and_submits_once() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut a = client(db.state()).await;
        let mut b = client(second_server(&db)).await;
        let csrf = a.get("/").await.hidden("csrf");
        let started = a
            .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);

        // Every page on the other server than the one before, with the browser's cookies.
        let mut answers = Answers::new();
        let mut index = 0;
        let mut on_a = false;
        loop {
            let saved = if on_a {
                a.cookies = b.cookies.clone();
                answer_page(&mut a, &q, index, &mut answers, &|_| None).await
            } else {
                b.cookies = a.cookies.clone();
                answer_page(&mut b, &q, index, &mut answers, &|_| None).await
            };
            on_a = !on_a;
            match saved
                .location
                .as_deref()
                .and_then(|l| l.strip_prefix("/answer/page/"))
            {
                Some(next) => index = next.parse().expect("a page number"),
                None => break,
            }
        }
        assert!(index > 5, "the walk crossed servers many times");
        b.cookies = a.cookies.clone();
        let review = b.get("/answer/review").await;
        assert_eq!(review.status, StatusCode::OK, "{}", review.body);
        a.cookies = b.cookies.clone();
        let submitted = a
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
        assert_eq!(stored_answers(&db, &codes[0]), answers, "{}", db.backend());
        assert!(stored_response(&db, &codes[0]).unwrap().is_submitted());

        // The other server knows it is submitted: a second start is refused.
        let mut later = client(second_server(&db)).await;
        let csrf = later.get("/").await.hidden("csrf");
        let again = later
            .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    }
}

#[actix_web::test]
async fn a_staff_session_works_on_both_servers_and_signing_out_on_one_ends_it_on_both() {
    for db in databases() {
        add_user(&db, "staff1", PASSWORD, Role::Staff);
        let mut a = client(db.state()).await;
        let mut b = client(second_server(&db)).await;
        sign_in(&mut a, "staff1", PASSWORD).await;
        b.cookies = a.cookies.clone();
        let home = b.get("/staff").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        let out = b.post("/logout", &[("csrf", &home.hidden("csrf"))]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
        let after = a.get("/staff").await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "{}", after.body);
        assert!(after.location.unwrap().starts_with("/login"));
    }
}

#[actix_web::test]
async fn wrong_codes_and_wrong_passwords_count_on_both_servers_together() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        add_user(&db, "staff1", PASSWORD, Role::Staff);
        let mut a = client(db.state()).await;
        let mut b = client(second_server(&db)).await;

        for i in 0..10 {
            let server = if i % 2 == 0 { &mut a } else { &mut b };
            let csrf = server.get("/").await.hidden("csrf");
            let unknown = AccessCode::generate();
            let page = server
                .post("/start", &[("csrf", &csrf), ("code", unknown.as_str())])
                .await;
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                page.body
            );
        }
        for server in [&mut a, &mut b] {
            let csrf = server.get("/").await.hidden("csrf");
            let page = server
                .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
                .await;
            assert_eq!(
                page.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                db.backend()
            );
            assert!(page.headers.contains_key("retry-after"));
        }

        for i in 0..10 {
            let server = if i % 2 == 0 { &mut b } else { &mut a };
            let csrf = server.get("/login").await.hidden("csrf");
            let page = server
                .post(
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("username", "staff1"),
                        ("password", "wrong"),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
        }
        for server in [&mut a, &mut b] {
            let csrf = server.get("/login").await.hidden("csrf");
            let page = server
                .post(
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("username", "staff1"),
                        ("password", PASSWORD),
                    ],
                )
                .await;
            assert_eq!(
                page.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                db.backend()
            );
        }
        // Another address is not affected, on either server.
        b.peer = "198.51.100.9:4000".parse().unwrap();
        let csrf = b.get("/").await.hidden("csrf");
        let page = b
            .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
}

#[actix_web::test]
async fn paper_keyed_on_one_server_while_the_resident_submits_on_the_other_counts_once() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        add_user(&db, "keyer1", PASSWORD, Role::Staff);
        add_user(&db, "keyer2", PASSWORD, Role::Staff);
        let paper_server = second_server(&db);

        // The mailed-back form is keyed twice, alike, on the second server…
        let form = keyed_fields(&q, &paper_answers(&q, &|_| None));
        for keyer in ["keyer1", "keyer2"] {
            let mut staff = client(paper_server.clone()).await;
            sign_in(&mut staff, keyer, PASSWORD).await;
            let done = key(&mut staff, &survey.slug, &codes[0], &form, "complete").await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        }
        // …and the resident answers and submits online on the first.
        let mut resident = client(db.state()).await;
        answer_and_submit(&mut resident, &q, &codes[0], &|_| None).await;

        let mut conn = db.conn();
        let (code_id, _) = tsunagari::db::codes::find(&mut conn, &codes[0])
            .unwrap()
            .unwrap();
        let kept = tsunagari::db::entry::code_responses(&mut conn, code_id).unwrap();
        assert_eq!(
            kept.len(),
            2,
            "the paper form and the online answers are both kept"
        );
        assert_eq!(
            kept.iter().filter(|r| r.counted).count(),
            1,
            "{}: the code counts once",
            db.backend()
        );
        let (_, counted) = tsunagari::db::responses::counts(&mut conn, survey.id).unwrap();
        assert_eq!(counted, 1);
    }
}

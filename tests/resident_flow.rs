//! A resident answers the demo survey through HTTP: start, save, resume elsewhere, review,
//! submit, resubmit refused — on SQLite and (when configured) PostgreSQL.

mod common;

use actix_web::http::StatusCode;
use common::*;
use tsunagari::questionnaire::{Answer, Answers};

type Fields = Vec<(String, String)>;

fn as_refs(fields: &Fields) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn page_index(location: &str) -> Option<usize> {
    location
        .strip_prefix("/answer/page/")
        .and_then(|i| i.parse().ok())
}

#[actix_web::test]
async fn a_resident_answers_resumes_on_another_device_submits_and_cannot_answer_again() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 3);
        let q = demo_questionnaire(&db);
        let code = &codes[0];

        // First device: type the code (lower case, spaces) and answer two pages.
        let mut phone = client(db.state()).await;
        let start = phone.get("/").await;
        assert_eq!(start.status, StatusCode::OK);
        let csrf = start.hidden("csrf");
        let typed = code.grouped().to_lowercase().replace('-', " ");
        let started = phone
            .post("/start", &[("csrf", &csrf), ("code", &typed)])
            .await;
        assert_eq!(
            started.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            db.backend(),
            started.body
        );
        let first = phone.get("/answer").await;
        assert_eq!(first.location.as_deref(), Some("/answer/page/0"));
        let mut answers = Answers::new();
        let mut index = 0;
        let first_page = phone.get("/answer/page/0").await;
        assert!(first_page.body.contains("<progress"), "progress is shown");
        for _ in 0..2 {
            let saved = answer_page(&mut phone, &q, index, &mut answers, &|_| None).await;
            index = page_index(saved.location.as_deref().unwrap()).unwrap();
        }
        let stored = stored_response(&db, code).unwrap();
        let stored_answers: Answers = serde_json::from_str(&stored.answers_json).unwrap();
        assert_eq!(stored_answers, answers, "every saved page is stored");

        // Second device: the same code continues where the first stopped.
        let mut laptop = client(db.state()).await;
        let csrf = laptop.get("/").await.hidden("csrf");
        laptop
            .post("/start", &[("csrf", &csrf), ("code", code.as_str())])
            .await;
        let resumed = laptop.get("/answer").await;
        assert_eq!(
            resumed.location.as_deref(),
            Some(format!("/answer/page/{index}").as_str())
        );
        // The earlier page shows the stored answers checked.
        let back = laptop.get("/answer/page/0").await;
        assert!(
            back.body.contains("checked"),
            "stored answers are prefilled"
        );

        // Answer the rest: direct question "しばしばある・常にある" signals distress.
        loop {
            let saved = answer_page(&mut laptop, &q, index, &mut answers, &|id| {
                (id == "direct").then_some(5)
            })
            .await;
            assert_eq!(
                saved.status,
                StatusCode::SEE_OTHER,
                "page {index}: {}",
                saved.body
            );
            match page_index(saved.location.as_deref().unwrap()) {
                Some(next) => index = next,
                None => {
                    assert_eq!(saved.location.as_deref(), Some("/answer/review"));
                    break;
                }
            }
        }
        let review = laptop.get("/answer/review").await;
        assert_eq!(review.status, StatusCode::OK);
        assert!(review.body.contains("問8"), "the review lists the answers");
        let submitted = laptop
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
        let done = laptop.get("/answer/done").await;
        assert_eq!(done.status, StatusCode::OK);
        let help = done
            .body
            .find("class=\"help urgent\"")
            .expect("urgent help is shown");
        let thanks = done.body.find("<h1>").unwrap();
        assert!(
            help < thanks,
            "help comes before the thanks when distress is signalled"
        );
        assert!(done.body.contains("0120-279-338"));

        let stored = stored_response(&db, code).unwrap();
        assert!(stored.is_submitted());
        assert!(stored.distress);
        let stored_answers: Answers = serde_json::from_str(&stored.answers_json).unwrap();
        assert_eq!(stored_answers.get("direct"), Some(&Answer::Choice(5)));
        assert_eq!(stored_answers, answers);

        // The first device cannot change anything any more.
        let late = phone.get("/answer/page/0").await;
        assert_eq!(late.location.as_deref(), Some("/answer/done"));

        // A third visit with the same code is refused kindly.
        let mut again = client(db.state()).await;
        let csrf = again.get("/").await.hidden("csrf");
        let refused = again
            .post("/start", &[("csrf", &csrf), ("code", code.as_str())])
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.body.contains("すでに回答を送信"),
            "{}",
            refused.body
        );
    }
}

#[actix_web::test]
async fn without_distress_the_thanks_come_first_and_help_follows() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = client(db.state()).await;
        let csrf = c.get("/").await.hidden("csrf");
        c.post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        let mut answers = Answers::new();
        let mut index = 0;
        loop {
            let saved = answer_page(&mut c, &q, index, &mut answers, &|_| None).await;
            match page_index(saved.location.as_deref().unwrap()) {
                Some(next) => index = next,
                None => break,
            }
        }
        let review = c.get("/answer/review").await;
        c.post(
            "/answer/submit",
            &[
                ("csrf", &review.hidden("csrf")),
                ("version", &review.hidden("version")),
            ],
        )
        .await;
        let done = c.get("/answer/done").await;
        assert!(!done.body.contains("help urgent"));
        let help = done
            .body
            .find("class=\"help\"")
            .expect("help lines are shown");
        assert!(done.body.find("<h1>").unwrap() < help);
        assert!(!stored_response(&db, &codes[0]).unwrap().distress);
    }
}

/// Starts answering with the first demo code; returns the client.
macro_rules! started {
    ($db:expr, $code:expr) => {{
        let mut c = client($db.state()).await;
        let csrf = c.get("/").await.hidden("csrf");
        let started = c
            .post("/start", &[("csrf", &csrf), ("code", $code.as_str())])
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        c
    }};
}

#[actix_web::test]
async fn wrong_answers_are_shown_next_to_the_item_with_what_was_typed_and_nothing_is_stored() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        // Save page 0 properly first, so there is something that must stay intact.
        let page = c.get("/answer/page/0").await;
        let mut fields = valid_fields(&q, 0, &Answers::new(), &|_| None);
        fields.extend([
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ]);
        c.post("/answer/page/0", &as_refs(&fields)).await;
        let before = stored_response(&db, &codes[0]).unwrap();

        // Find the page with the household-size number question.
        let number_page = q.question("household_size").unwrap().page_index;
        let page = c.get(&format!("/answer/page/{number_page}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let mut answers = Answers::new();
        for p in 0..number_page {
            q.save_page(
                p,
                &tsunagari::questionnaire::RawInput::from_pairs(valid_fields(
                    &q,
                    p,
                    &answers,
                    &|_| None,
                )),
                &mut answers,
            )
            .unwrap()
            .unwrap();
        }
        let mut fields: Fields = valid_fields(&q, number_page, &answers, &|_| None)
            .into_iter()
            .map(|(k, v)| {
                if k == "household_size" {
                    (k, "999".to_string())
                } else {
                    (k, v)
                }
            })
            .collect();
        fields.extend([
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ]);
        let refused = c
            .post(&format!("/answer/page/{number_page}"), &as_refs(&fields))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("has-error"));
        assert!(
            refused.body.contains("value=\"999\""),
            "what was typed is kept"
        );
        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().answers_json,
            before.answers_json
        );

        // An option code the question does not have, and a missing required answer.
        let page = c.get("/answer/page/0").await;
        let mut fields: Fields = valid_fields(&q, 0, &Answers::new(), &|_| None);
        let first_id = fields[0].0.clone();
        fields[0].1 = "99".into();
        fields.extend([
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ]);
        let refused = c.post("/answer/page/0", &as_refs(&fields)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(&format!("id=\"q-{first_id}\"")));
        let blank: Fields = vec![
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ];
        let refused = c.post("/answer/page/0", &as_refs(&blank)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("error-text"));
        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().answers_json,
            before.answers_json
        );
    }
}

#[actix_web::test]
async fn forged_oversized_malformed_and_stale_posts_are_refused_and_keep_saved_answers() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        let page = c.get("/answer/page/0").await;
        let valid = valid_fields(&q, 0, &Answers::new(), &|_| None);
        let mut fields = valid.clone();
        fields.extend([
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ]);
        c.post("/answer/page/0", &as_refs(&fields)).await;
        let saved = stored_response(&db, &codes[0]).unwrap();

        // No token, a wrong token.
        let mut forged = valid.clone();
        forged.push(("version".into(), saved.version.to_string()));
        assert_eq!(
            c.post("/answer/page/0", &as_refs(&forged)).await.status,
            StatusCode::FORBIDDEN
        );
        forged.push(("csrf".into(), "f".repeat(64)));
        assert_eq!(
            c.post("/answer/page/0", &as_refs(&forged)).await.status,
            StatusCode::FORBIDDEN
        );

        // Too large, not a form, not url-encoded.
        let huge = format!(
            "csrf={}&version=1&comments={}",
            page.hidden("csrf"),
            "a".repeat(100 * 1024)
        );
        let too_big = c
            .post_raw(
                "/answer/page/0",
                "application/x-www-form-urlencoded",
                huge.into_bytes(),
            )
            .await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
        let json = c
            .post_raw("/answer/page/0", "application/json", b"{}".to_vec())
            .await;
        assert_eq!(json.status, StatusCode::BAD_REQUEST);
        let garbled = c
            .post_raw(
                "/answer/page/0",
                "application/x-www-form-urlencoded",
                vec![0xff, 0xfe, b'=', 0x80],
            )
            .await;
        assert_eq!(garbled.status, StatusCode::BAD_REQUEST);

        // A page drawn before the last save (another tab) cannot overwrite it.
        let mut stale = valid.clone();
        stale.extend([
            ("csrf".into(), page.hidden("csrf")),
            ("version".into(), page.hidden("version")),
        ]);
        let conflict = c.post("/answer/page/0", &as_refs(&stale)).await;
        assert_eq!(conflict.status, StatusCode::CONFLICT);

        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().answers_json,
            saved.answers_json
        );
        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().version,
            saved.version
        );
    }
}

#[actix_web::test]
async fn mistyped_tampered_unknown_and_closed_codes_get_a_clear_message() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 1);
        let mut c = client(db.state()).await;
        let csrf = c.get("/").await.hidden("csrf");

        let mut typo = codes[0].as_str().to_string();
        let last = typo.pop().unwrap();
        typo.push(if last == 'A' { 'B' } else { 'A' });
        let page = c.post("/start", &[("csrf", &csrf), ("code", &typo)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("打ち間違い"), "{}", page.body);

        let tampered = c.get("/c/K7QM-2XWD-R9HT-5NC0").await;
        assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
        assert!(tampered.body.contains("「0」はコードに使われない文字"));
        let link = c.get(&format!("/c/{}", codes[0].grouped())).await;
        assert_eq!(link.status, StatusCode::OK);
        assert!(
            link.body.contains(&codes[0].grouped()),
            "the QR link fills the code in"
        );

        let unknown = tsunagari::sampling::access_code::AccessCode::generate();
        let page = c
            .post("/start", &[("csrf", &csrf), ("code", unknown.as_str())])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("見つかりませんでした"));

        tsunagari::db::surveys::set_status(&mut db.conn(), survey.id, "closed").unwrap();
        let page = c
            .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        assert!(page.body.contains("終了しました"));
        assert!(
            stored_response(&db, &codes[0]).is_none(),
            "nothing is created for a closed survey"
        );
    }
}

#[actix_web::test]
async fn the_eleventh_failed_code_within_a_minute_gets_a_429_that_says_when_to_retry() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let mut c = client(db.state()).await;
        let csrf = c.get("/").await.hidden("csrf");
        for _ in 0..10 {
            let unknown = tsunagari::sampling::access_code::AccessCode::generate();
            let page = c
                .post("/start", &[("csrf", &csrf), ("code", unknown.as_str())])
                .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let page = c
            .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.headers.contains_key("retry-after"));
        assert!(page.body.contains("秒後にもう一度"));
        // Another client is not affected.
        let mut other = client(db.state()).await;
        other.peer = "198.51.100.9:4000".parse().unwrap();
        let csrf = other.get("/").await.hidden("csrf");
        assert_eq!(
            other
                .post("/start", &[("csrf", &csrf), ("code", codes[0].as_str())])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
}

#[actix_web::test]
async fn the_language_switch_shows_the_questions_in_english_and_comes_back() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let mut c = started!(db, codes[0]);
        let switched = c.get("/lang?to=en&back=%2Fanswer%2Fpage%2F0").await;
        assert_eq!(switched.location.as_deref(), Some("/answer/page/0"));
        let page = c.get("/answer/page/0").await;
        assert!(page.body.contains("lang=\"en\""));
        assert!(page.body.contains("Page 1 of"));
        let off_site = c
            .get("/lang?to=ja&back=https%3A%2F%2Fevil.example%2F")
            .await;
        assert_eq!(off_site.location.as_deref(), Some("/"));
    }
}

#[actix_web::test]
async fn an_open_questionnaire_is_answered_anonymously_through_its_link_and_each_visit_is_a_new_response(
) {
    for db in databases() {
        let settings =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/gatekeeper-demo.toml"))
                .unwrap();
        let survey =
            tsunagari::cli::surveys::create(&mut db.conn(), &db.config(), &settings).unwrap();
        let q = db
            .state()
            .catalogue
            .for_survey(&settings.questionnaire, &settings.modules)
            .unwrap();
        for round in 1..=2 {
            let mut c = client(db.state()).await;
            let intro = c.get("/o/gatekeeper-2026").await;
            assert_eq!(intro.status, StatusCode::OK);
            let started = c
                .post("/o/gatekeeper-2026", &[("csrf", &intro.hidden("csrf"))])
                .await;
            assert_eq!(
                started.location.as_deref(),
                Some("/answer"),
                "{}",
                started.body
            );
            let mut answers = Answers::new();
            let mut index = 0;
            loop {
                let saved = answer_page(&mut c, &q, index, &mut answers, &|_| None).await;
                match page_index(saved.location.as_deref().unwrap()) {
                    Some(next) => index = next,
                    None => break,
                }
            }
            let review = c.get("/answer/review").await;
            c.post(
                "/answer/submit",
                &[
                    ("csrf", &review.hidden("csrf")),
                    ("version", &review.hidden("version")),
                ],
            )
            .await;
            let done = c.get("/answer/done").await;
            assert_eq!(done.status, StatusCode::OK);
            assert!(
                !done.body.contains("返送しないでください"),
                "no letter, no paper form"
            );
            let (_, submitted) =
                tsunagari::db::responses::counts(&mut db.conn(), survey.id).unwrap();
            assert_eq!(submitted, round);
        }
        // A sampled survey has no public link.
        demo_survey(&db, 1);
        let mut c = client(db.state()).await;
        assert_eq!(c.get("/o/demo-2026").await.status, StatusCode::NOT_FOUND);
        let csrf = c.get("/").await.hidden("csrf");
        assert_eq!(
            c.post("/o/demo-2026", &[("csrf", &csrf)]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

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
        let thanks = done.body.find("<h1>回答を受け付けました</h1>").unwrap();
        let main = done.body.find("<main").unwrap();
        let inside_main = main + done.body[main..].find('>').unwrap() + 1;
        assert_eq!(
            thanks, inside_main,
            "the confirmation is the first line of the page"
        );
        let paper = done.body.find("返送しないでください").unwrap();
        assert!(
            thanks < help && help < paper,
            "the confirmation, then the help at once, before anything else"
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
        answer_and_submit(&mut c, &q, &codes[0], &|_| None).await;
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
async fn forged_oversized_and_malformed_posts_are_refused_and_keep_saved_answers() {
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
        assert!(
            page.body.contains("0 of 53 questions answered"),
            "{}",
            page.body
        );
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
        let survey = tsunagari::ops::surveys::create(
            &mut db.conn(),
            &db.config().questionnaires_dir,
            &settings,
        )
        .unwrap();
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

/// Posts page `$index` with `$fields` as drawn with `$version`, plus extra fields.
macro_rules! post_page {
    ($c:expr, $index:expr, $fields:expr, $csrf:expr, $version:expr $(, ($k:expr, $v:expr))*) => {{
        let mut all: Fields = $fields.clone();
        all.push(("csrf".into(), $csrf.to_string()));
        all.push(("version".into(), $version.to_string()));
        $( all.push(($k.to_string(), $v.to_string())); )*
        $c.post(&format!("/answer/page/{}", $index), &as_refs(&all)).await
    }};
}

/// Whether the input with this id is rendered checked.
fn is_checked(body: &str, input_id: &str) -> bool {
    let marker = format!("id=\"{input_id}\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {input_id}"));
    let end = start + body[start..].find('>').unwrap();
    body[start..end].contains(" checked")
}

fn stored_answers(db: &TestDb, code: &tsunagari::sampling::access_code::AccessCode) -> Answers {
    serde_json::from_str(&stored_response(db, code).unwrap().answers_json).unwrap()
}

#[actix_web::test]
async fn the_back_button_then_next_saves_over_the_sessions_own_newer_answers_and_moves_on() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        let reliance = q.question("consult").unwrap().page_index;
        let consult_who = q.question("consult_who").unwrap().page_index;
        let ucla = q.question("ucla_1").unwrap().page_index;
        let yes = |id: &str| (id == "consult").then_some(1);
        let mut answers = Answers::new();
        let mut before_reliance = Answers::new();
        let mut drawn = None;
        let mut index = 0;
        while index <= consult_who {
            if index == reliance {
                before_reliance = answers.clone();
                drawn = Some(c.get(&format!("/answer/page/{index}")).await);
            }
            let saved = answer_page(&mut c, &q, index, &mut answers, &yes).await;
            index = page_index(saved.location.as_deref().unwrap()).unwrap();
        }
        assert_eq!(index, ucla);
        let drawn = drawn.unwrap();
        let version_then: i32 = drawn.hidden("version").parse().unwrap();
        let stored = stored_response(&db, &codes[0]).unwrap();
        assert!(stored.version > version_then + 1, "two saves since");
        assert!(stored_answers(&db, &codes[0]).get("consult_who").is_some());

        // Back twice, nothing changed, 次へ: saved, on to the next page, answers kept.
        let fields = valid_fields(&q, reliance, &before_reliance, &yes);
        let again = post_page!(c, reliance, fields, drawn.hidden("csrf"), version_then);
        assert_eq!(
            again.location,
            Some(format!("/answer/page/{consult_who}")),
            "{}: {}",
            db.backend(),
            again.body
        );
        assert_eq!(stored_answers(&db, &codes[0]), answers);
        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().version,
            stored.version + 1
        );

        // The same old page, now with 問6 changed to 「いない」: saved over the newer answers,
        // 問6-1 (which that hides) dropped, everything else kept.
        let fields = valid_fields(&q, reliance, &before_reliance, &|id| {
            (id == "consult").then_some(2)
        });
        let changed = post_page!(c, reliance, fields, drawn.hidden("csrf"), version_then);
        assert_eq!(changed.location, Some(format!("/answer/page/{ucla}")));
        let now = stored_answers(&db, &codes[0]);
        assert_eq!(now.get("consult"), Some(&Answer::Choice(2)));
        assert_eq!(now.get("consult_who"), None);
        assert_eq!(
            now.get("contact_in_person"),
            answers.get("contact_in_person")
        );
        assert_eq!(now.len(), answers.len() - 1);
    }
}

#[actix_web::test]
async fn another_device_changing_the_same_questions_shows_both_answers_and_keeps_what_was_typed() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut phone = started!(db, codes[0]);
        let mut laptop = started!(db, codes[0]);
        let drawn = phone.get("/answer/page/0").await;

        // The laptop answers page 0 first: 問1(1) 「週1回程度」.
        let mut laptop_answers = Answers::new();
        answer_page(&mut laptop, &q, 0, &mut laptop_answers, &|id| {
            (id == "contact_in_person").then_some(3)
        })
        .await;
        let after_laptop = stored_response(&db, &codes[0]).unwrap();

        // The phone sends its page, drawn before that, with 「月1回程度」.
        let typed = valid_fields(&q, 0, &Answers::new(), &|id| {
            (id == "contact_in_person").then_some(5)
        });
        let conflict = post_page!(
            phone,
            0,
            typed,
            drawn.hidden("csrf"),
            drawn.hidden("version")
        );
        assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", db.backend());
        let body = &conflict.body;
        assert!(body.contains("<html lang=\"ja\""));
        assert!(body.contains("別の端末"), "{body}");
        assert!(
            body.contains("週1回程度") && body.contains("月1回程度"),
            "both versions are explained"
        );
        assert!(
            is_checked(body, "contact_in_person-5") && !is_checked(body, "contact_in_person-3"),
            "what was typed is kept"
        );
        assert!(
            body.contains("action=\"/answer/page/0\""),
            "still inside the questionnaire"
        );
        for english in ["(409)", "Conflict", "changed elsewhere", "other device"] {
            assert!(!body.contains(english), "`{english}` on a Japanese page");
        }
        assert_eq!(
            stored_response(&db, &codes[0]).unwrap().answers_json,
            after_laptop.answers_json,
            "nothing is overwritten before the resident decides"
        );
        assert_eq!(conflict.hidden("version"), after_laptop.version.to_string());

        // 次へ on that page keeps the phone's answer.
        let decided = post_page!(
            phone,
            0,
            typed,
            conflict.hidden("csrf"),
            conflict.hidden("version")
        );
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        assert_eq!(
            stored_answers(&db, &codes[0]).get("contact_in_person"),
            Some(&Answer::Choice(5))
        );

        // The laptop changing another page is no conflict for the phone: both are kept.
        let drawn = phone.get("/answer/page/0").await;
        let mut sofar = stored_answers(&db, &codes[0]);
        answer_page(&mut laptop, &q, 1, &mut sofar, &|_| None).await;
        let typed = valid_fields(&q, 0, &Answers::new(), &|id| {
            (id == "contact_phone").then_some(4)
        });
        let merged = post_page!(
            phone,
            0,
            typed,
            drawn.hidden("csrf"),
            drawn.hidden("version")
        );
        assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
        let now = stored_answers(&db, &codes[0]);
        assert_eq!(now.get("contact_phone"), Some(&Answer::Choice(4)));
        assert!(
            now.get("participation").is_some(),
            "the laptop's page is kept"
        );
    }
}

#[actix_web::test]
async fn sending_a_review_another_device_changed_shows_the_review_again_and_the_sessions_own_changes_do_not(
) {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut phone = started!(db, codes[0]);
        let mut answers = Answers::new();
        let mut index = 0;
        loop {
            let saved = answer_page(&mut phone, &q, index, &mut answers, &|_| None).await;
            match page_index(saved.location.as_deref().unwrap()) {
                Some(next) => index = next,
                None => break,
            }
        }
        let review = phone.get("/answer/review").await;
        // The phone itself changes page 0 in another tab: its own change, no question.
        let mut own = answers.clone();
        answer_page(&mut phone, &q, 0, &mut own, &|id| {
            (id == "contact_phone").then_some(2)
        })
        .await;
        // Another device changes page 1 after the review was drawn.
        let mut laptop = started!(db, codes[0]);
        let mut theirs = own.clone();
        answer_page(&mut laptop, &q, 1, &mut theirs, &|id| {
            (id == "participation").then_some(2)
        })
        .await;
        let refused = phone
            .post(
                "/answer/submit",
                &[
                    ("csrf", &review.hidden("csrf")),
                    ("version", &review.hidden("version")),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", db.backend());
        assert!(refused.body.contains("別の端末"), "{}", refused.body);
        assert!(refused.body.contains("問2"), "{}", refused.body);
        assert!(!stored_response(&db, &codes[0]).unwrap().is_submitted());
        let sent = phone
            .post(
                "/answer/submit",
                &[
                    ("csrf", &refused.hidden("csrf")),
                    ("version", &refused.hidden("version")),
                ],
            )
            .await;
        assert_eq!(
            sent.location.as_deref(),
            Some("/answer/done"),
            "{}",
            sent.body
        );
        assert_eq!(stored_answers(&db, &codes[0]), theirs);
    }
}

#[actix_web::test]
async fn a_change_from_the_review_returns_to_the_review_unless_it_opens_questions() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        let no = |id: &str| (id == "consult").then_some(2);
        let mut answers = Answers::new();
        let mut index = 0;
        loop {
            let saved = answer_page(&mut c, &q, index, &mut answers, &no).await;
            match page_index(saved.location.as_deref().unwrap()) {
                Some(next) => index = next,
                None => break,
            }
        }
        let review = c.get("/answer/review").await;
        assert!(
            review.body.contains("問9</span> 人との"),
            "a space after the number"
        );
        assert!(review
            .body
            .contains("href=\"/answer/page/0?from=review#q-contact_in_person\""));

        // Change 問1 from the review: 次へ goes straight back.
        let page = c.get("/answer/page/0?from=review").await;
        assert_eq!(page.hidden("from"), "review");
        let fields = valid_fields(&q, 0, &answers, &|id| {
            (id == "contact_in_person").then_some(6)
        });
        let back = post_page!(
            c,
            0,
            fields,
            page.hidden("csrf"),
            page.hidden("version"),
            ("from", "review")
        );
        assert_eq!(back.location.as_deref(), Some("/answer/review"));

        // Change 問6 to 「いる」: 問6-1 now needs an answer, then the review.
        let reliance = q.question("consult").unwrap().page_index;
        let consult_who = q.question("consult_who").unwrap().page_index;
        let page = c.get(&format!("/answer/page/{reliance}?from=review")).await;
        let fields = valid_fields(&q, reliance, &answers, &|id| (id == "consult").then_some(1));
        let next = post_page!(
            c,
            reliance,
            fields,
            page.hidden("csrf"),
            page.hidden("version"),
            ("from", "review")
        );
        assert_eq!(
            next.location,
            Some(format!("/answer/page/{consult_who}?from=review"))
        );
        let page = c.get(next.location.as_deref().unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("答えた方に"),
            "paper routing text is not shown online"
        );
        let fields = valid_fields(&q, consult_who, &stored_answers(&db, &codes[0]), &|_| None);
        let done = post_page!(
            c,
            consult_who,
            fields,
            page.hidden("csrf"),
            page.hidden("version"),
            ("from", "review")
        );
        assert_eq!(done.location.as_deref(), Some("/answer/review"));
    }
}

#[actix_web::test]
async fn switching_language_on_a_page_keeps_what_was_chosen_there_and_saves_nothing() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        let page = c.get("/answer/page/0").await;
        assert!(
            page.body
                .contains("form=\"answer-form\" name=\"action\" value=\"lang-en\""),
            "the switch sends the page along"
        );
        let chosen = vec![("contact_in_person".to_string(), "4".to_string())];
        let switched = post_page!(
            c,
            0,
            chosen,
            page.hidden("csrf"),
            page.hidden("version"),
            ("action", "lang-en")
        );
        assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
        assert!(switched.body.contains("<html lang=\"en\""));
        assert!(is_checked(&switched.body, "contact_in_person-4"));
        assert!(
            !switched.body.contains("has-error"),
            "no complaints about the rest"
        );
        assert_eq!(switched.hidden("version"), page.hidden("version"));
        assert_eq!(
            c.cookies.get("tsunagari_lang").map(String::as_str),
            Some("en")
        );
        let stored = stored_response(&db, &codes[0]).unwrap();
        assert_eq!((stored.version, stored.answers_json.as_str()), (0, "{}"));
        // Back to Japanese, still chosen; 次へ then saves it.
        let back = post_page!(
            c,
            0,
            chosen,
            page.hidden("csrf"),
            page.hidden("version"),
            ("action", "lang-ja")
        );
        assert!(back.body.contains("<html lang=\"ja\""));
        assert!(is_checked(&back.body, "contact_in_person-4"));
        let mut fields = valid_fields(&q, 0, &Answers::new(), &|_| None);
        fields.retain(|(k, _)| k != "contact_in_person");
        fields.extend(chosen.clone());
        let saved = post_page!(c, 0, fields, back.hidden("csrf"), back.hidden("version"));
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(
            stored_answers(&db, &codes[0]).get("contact_in_person"),
            Some(&Answer::Choice(4))
        );
    }
}

#[actix_web::test]
async fn the_qr_link_is_one_button_that_starts_and_opening_it_changes_nothing() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let mut c = client(db.state()).await;
        let link = c.get(&format!("/c/{}", codes[0].grouped())).await;
        assert_eq!(link.status, StatusCode::OK);
        assert_eq!(link.hidden("code"), codes[0].grouped());
        assert!(
            link.body.contains("type=\"submit\" autofocus"),
            "{}",
            link.body
        );
        assert!(link.body.contains("押すだけ"));
        assert!(!link.body.contains("type=\"text\""), "nothing to type");
        assert!(
            stored_response(&db, &codes[0]).is_none(),
            "a GET changes nothing"
        );
        let started = c
            .post(
                "/start",
                &[
                    ("csrf", &link.hidden("csrf")),
                    ("code", &link.hidden("code")),
                ],
            )
            .await;
        assert_eq!(started.location.as_deref(), Some("/answer"));
        assert!(stored_response(&db, &codes[0]).is_some());
    }
}

#[actix_web::test]
async fn errors_take_the_focus_mark_the_wrong_fields_and_hints_belong_to_their_inputs() {
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut c = started!(db, codes[0]);
        let page = c.get("/answer/page/0").await;
        let pager = &page.body[page.body.find("class=\"actions pager\"").unwrap()..];
        assert!(
            !pager.contains("value=\"back\""),
            "no 前へ on the first page"
        );
        let refused = post_page!(
            c,
            0,
            Fields::new(),
            page.hidden("csrf"),
            page.hidden("version")
        );
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused
            .body
            .contains("id=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus"));
        assert!(refused.body.contains(
            "id=\"contact_in_person-1\" type=\"radio\" name=\"contact_in_person\" value=\"1\" aria-invalid=\"true\""
        ));
        assert!(
            refused
                .body
                .contains("aria-describedby=\"contact-note contact_in_person-error\"")
                || refused
                    .body
                    .contains("aria-describedby=\"contact_in_person-error\""),
            "{}",
            refused.body
        );

        let household = q.question("household_size").unwrap().page_index;
        let mut answers = Answers::new();
        let mut index = 0;
        while index < household {
            let saved = answer_page(&mut c, &q, index, &mut answers, &|_| None).await;
            index = page_index(saved.location.as_deref().unwrap()).unwrap();
        }
        let page = c.get(&format!("/answer/page/{household}")).await;
        assert!(
            page.body
                .contains("aria-describedby=\"household_size-hint\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"household_size-hint\""));
        let pager = &page.body[page.body.find("class=\"actions pager\"").unwrap()..];
        let back = pager.find("value=\"back\"").unwrap();
        let next = pager.find("value=\"next\"").unwrap();
        assert!(back < next, "前へ comes before 次へ for Tab as for the eye");
    }
}

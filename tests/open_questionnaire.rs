//! Open questionnaires (an evaluation after a gatekeeper training, a consultation service's
//! users): answered from a shared link within an answering period, once per browser; staff
//! share the link and its QR code; planners read the results and the free-text answers.

mod common;

use actix_web::http::StatusCode;
use common::*;
use tsunagari::auth::Role;
use tsunagari::questionnaire::{Answer, Answers, Questionnaire};
use tsunagari::survey::SurveySettings;

/// Creates the gatekeeper evaluation from its demo file, changed by `adjust`.
fn gatekeeper(db: &TestDb, adjust: impl FnOnce(&mut SurveySettings)) -> (i64, Questionnaire) {
    let mut settings =
        SurveySettings::load(&repo_path("surveys/gatekeeper-demo.toml")).expect("survey file");
    adjust(&mut settings);
    let row =
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    grant_every_survey(db);
    let q = db
        .state()
        .catalogue
        .for_survey(&settings.questionnaire, &settings.modules)
        .unwrap();
    (row.id, q)
}

fn today() -> chrono::NaiveDate {
    tsunagari::clock::today(&chrono_tz::Asia::Tokyo)
}

/// Answers the whole open questionnaire at `/o/gatekeeper-2026` in `c`'s browser.
async fn answer_once<S, B>(c: &mut Client<S>, q: &Questionnaire) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let intro = c.get("/o/gatekeeper-2026").await;
    assert_eq!(intro.status, StatusCode::OK, "{}", intro.body);
    let started = c
        .post("/o/gatekeeper-2026", &[("csrf", &intro.hidden("csrf"))])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let mut answers = Answers::new();
    let mut index = 0;
    loop {
        let saved = answer_page(c, q, index, &mut answers, &|_| None).await;
        match saved
            .location
            .as_deref()
            .and_then(|l| l.strip_prefix("/answer/page/"))
        {
            Some(next) => index = next.parse().unwrap(),
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
    .await
}

#[actix_web::test]
async fn a_browser_answers_an_open_questionnaire_once_within_its_period() {
    for db in databases() {
        let (survey_id, q) = gatekeeper(&db, |s| {
            s.answer_from = Some(today() - chrono::Duration::days(1));
            s.answer_until = Some(today() + chrono::Duration::days(1));
        });
        let mut c = client(db.state()).await;
        let sent = answer_once(&mut c, &q).await;
        assert_eq!(
            sent.location.as_deref(),
            Some("/answer/done"),
            "{}",
            sent.body
        );
        assert!(c.cookies["tsunagari_answered"].contains("gatekeeper-2026"));

        // A second time from the same browser: thanked, nothing started.
        let again = c.get("/o/gatekeeper-2026").await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(
            again.body.contains("すでにお答えいただいています"),
            "{}",
            again.body
        );
        assert!(!again.body.contains("回答をはじめる"));
        let forced = c
            .post(
                "/o/gatekeeper-2026",
                &[("csrf", &c.cookies["tsunagari_csrf"].clone())],
            )
            .await;
        assert_eq!(forced.status, StatusCode::CONFLICT);
        let (_, submitted) = tsunagari::db::responses::counts(&mut db.conn(), survey_id).unwrap();
        assert_eq!(submitted, 1, "{}", db.backend());
        let (started, _) = tsunagari::db::responses::counts(&mut db.conn(), survey_id).unwrap();
        assert_eq!(started, 0, "no second response was started");

        // Another browser answers too.
        let mut other = client(db.state()).await;
        let sent = answer_once(&mut other, &q).await;
        assert_eq!(sent.location.as_deref(), Some("/answer/done"));
        assert_eq!(
            tsunagari::db::responses::counts(&mut db.conn(), survey_id)
                .unwrap()
                .1,
            2
        );
    }
}

#[actix_web::test]
async fn a_shared_tablet_may_answer_again_when_the_survey_allows_it() {
    for db in databases() {
        let (survey_id, q) = gatekeeper(&db, |s| s.one_per_browser = false);
        let mut tablet = client(db.state()).await;
        for _ in 0..2 {
            let sent = answer_once(&mut tablet, &q).await;
            assert_eq!(sent.location.as_deref(), Some("/answer/done"));
        }
        assert_eq!(
            tsunagari::db::responses::counts(&mut db.conn(), survey_id)
                .unwrap()
                .1,
            2,
            "{}",
            db.backend()
        );
    }
}

#[actix_web::test]
async fn outside_its_period_an_open_questionnaire_says_when_and_stores_nothing() {
    for db in databases() {
        let tomorrow = today() + chrono::Duration::days(1);
        let (_, q) = gatekeeper(&db, |s| s.answer_from = Some(tomorrow));
        let mut c = client(db.state()).await;
        let early = c.get("/o/gatekeeper-2026").await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        let first_day = tsunagari::clock::local_date(tsunagari::questionnaire::Lang::Ja, tomorrow);
        assert!(
            early.body.contains(&format!("回答受付は{first_day}から")),
            "{}",
            early.body
        );

        // A response under way when the last day passes: the next save is refused, the
        // answers stay as they were.
        let survey_id = {
            let mut conn = db.conn();
            let row = tsunagari::db::surveys::find_by_slug(&mut conn, "gatekeeper-2026")
                .unwrap()
                .unwrap();
            use diesel::prelude::*;
            use tsunagari::db::schema::surveys::dsl as s;
            diesel::update(s::surveys.find(row.id))
                .set(s::answer_from.eq(None::<chrono::NaiveDate>))
                .execute(&mut conn)
                .unwrap();
            row.id
        };
        let intro = c.get("/o/gatekeeper-2026").await;
        c.post("/o/gatekeeper-2026", &[("csrf", &intro.hidden("csrf"))])
            .await;
        let mut answers = Answers::new();
        answer_page(&mut c, &q, 0, &mut answers, &|_| None).await;
        let yesterday = today() - chrono::Duration::days(1);
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::surveys::dsl as s;
            diesel::update(s::surveys.find(survey_id))
                .set(s::answer_until.eq(Some(yesterday)))
                .execute(&mut db.conn())
                .unwrap();
        }
        let page = c.get("/answer/page/1").await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", db.backend());
        let last_day = tsunagari::clock::local_date(tsunagari::questionnaire::Lang::Ja, yesterday);
        assert!(
            page.body.contains(&format!("{last_day}で終了しました")),
            "{}",
            page.body
        );
        let late = c
            .post("/answer/page/1", &[("csrf", "x"), ("version", "1")])
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        let closed = c.get("/o/gatekeeper-2026").await;
        assert_eq!(closed.status, StatusCode::CONFLICT);
        assert!(closed.body.contains("終了しました"));
    }
}

#[actix_web::test]
async fn planners_read_the_results_and_free_text_and_staff_share_the_link_and_qr_code() {
    for db in databases() {
        let (survey_id, _) = gatekeeper(&db, |_| {});
        add_user(&db, "planner", "password-123", Role::Planner);
        add_user(&db, "staff", "password-123", Role::Staff);
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner", "password-123").await;

        // Nine responses: nothing is shown yet.
        let comments = [
            "駅前の会場がよかった",
            "事例の紹介がわかりやすかった",
            "",
            "もっと時間がほしい",
            "あいさつから始めたい",
        ];
        let submit = |i: usize| {
            let mut conn = db.conn();
            let response = tsunagari::db::responses::start_anonymous(&mut conn, survey_id).unwrap();
            let mut answers = Answers::new();
            answers.insert("satisfaction", Answer::Choice(1 + (i % 2) as u32));
            answers.insert("learned_response", Answer::Choice(1));
            answers.insert("useful_for_work", Answer::Choice(2));
            answers.insert("know_windows", Answer::Choice(1));
            if let Some(text) = comments.get(i) {
                answers.insert("comments", Answer::Text(text.to_string()));
            }
            tsunagari::db::responses::submit(
                &mut conn,
                response.id,
                response.version,
                &serde_json::to_string(&answers).unwrap(),
                false,
            )
            .unwrap();
        };
        for i in 0..9 {
            submit(i);
        }
        let few = planner.get("/planner/gatekeeper-2026/comments").await;
        assert_eq!(few.status, StatusCode::OK);
        assert!(few.body.contains("10件未満"));
        assert!(!few.body.contains("駅前の会場"));
        assert_eq!(
            planner
                .get("/planner/gatekeeper-2026/comments.csv")
                .await
                .status,
            StatusCode::CONFLICT
        );
        for i in 9..12 {
            submit(i);
        }

        let results = planner.get("/planner/gatekeeper-2026").await;
        assert!(results
            .body
            .contains("公開型のアンケート（標本なし）の結果です"));
        assert!(
            !results.body.contains("/estimates\""),
            "no weighted estimates link"
        );
        assert!(results
            .body
            .contains("問1 本日の研修の内容に満足しましたか。"));
        assert!(results
            .body
            .contains("href=\"/planner/gatekeeper-2026/comments\""));

        let page = planner.get("/planner/gatekeeper-2026/comments").await;
        assert!(page.body.contains("取り扱いにご注意ください"));
        let order: Vec<usize> = ["あいさつから", "もっと時間", "事例の紹介", "駅前の会場"]
            .iter()
            .map(|t| {
                page.body
                    .find(t)
                    .unwrap_or_else(|| panic!("{t}: {}", page.body))
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "sorted, not in the order sent"
        );
        assert!(page.body.contains("4件の記入"));

        let csv = planner.get("/planner/gatekeeper-2026/comments.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.bytes.starts_with(b"\xef\xbb\xbf"),
            "UTF-8 with BOM for Excel"
        );
        assert_eq!(csv.body.lines().count(), 5, "{}", csv.body);
        let xlsx = planner.get("/planner/gatekeeper-2026/comments.xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK);
        {
            use calamine::Reader;
            let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
            let sheets = book.sheet_names().to_vec();
            assert_eq!(sheets.len(), 2, "{sheets:?}");
            let range = book.worksheet_range(&sheets[1]).unwrap();
            let cells: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
            assert!(
                cells.contains(&"駅前の会場がよかった".to_string()),
                "{cells:?}"
            );
        }

        // Staff may not read the answers; planners may not open the staff pages.
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff", "password-123").await;
        assert_eq!(
            staff.get("/planner/gatekeeper-2026/comments").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            planner
                .get("/staff/surveys/gatekeeper-2026/link")
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // The link page, and the PNG that a phone camera reads back as the link.
        let fieldwork = staff.get("/staff").await;
        assert!(fieldwork
            .body
            .contains("/staff/surveys/gatekeeper-2026/link"));
        let link = staff.get("/staff/surveys/gatekeeper-2026/link").await;
        assert_eq!(link.status, StatusCode::OK, "{}", link.body);
        assert!(link
            .body
            .contains("value=\"http://127.0.0.1:8080/o/gatekeeper-2026\""));
        assert!(link.body.contains("<svg"));
        assert!(link.body.contains("12"), "the responses so far");
        let png = staff.get("/staff/surveys/gatekeeper-2026/qr.png").await;
        assert_eq!(png.status, StatusCode::OK);
        assert_eq!(png.headers.get("content-type").unwrap(), "image/png");
        let decoder = png::Decoder::new(std::io::Cursor::new(png.bytes.clone()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(
            content,
            "http://127.0.0.1:8080/o/gatekeeper-2026",
            "{}",
            db.backend()
        );
        let svg = staff.get("/staff/surveys/gatekeeper-2026/qr.svg").await;
        assert_eq!(svg.headers.get("content-type").unwrap(), "image/svg+xml");
        assert!(svg.body.starts_with("<svg"));

        // A sampled survey has no link to share: said plainly.
        demo_survey(&db, 1);
        let sampled = staff.get("/staff/surveys/demo-2026/link").await;
        assert_eq!(sampled.status, StatusCode::CONFLICT);
        assert!(sampled.body.contains("標本調査です"));
    }
}

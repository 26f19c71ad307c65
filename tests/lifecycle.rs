//! A survey's lifecycle: draft (test codes that never count) → fieldwork (only with a final
//! sample) → closed → published (the data frozen by the database) → unpublished with a
//! reason; every step checked, logged with who did it, and refused with a message where it
//! is not allowed; only admins take steps.

mod common;

use actix_web::http::StatusCode;
use common::planner_data::{answers_of, drawn_survey_of, submit};
use common::*;
use tsunagari::auth::Role;
use tsunagari::sampling::access_code::AccessCode;
use tsunagari::survey::{SurveySettings, SurveyStatus};

const PASSWORD: &str = "a-long-enough-password";

fn draft_survey(db: &TestDb) -> (i64, Vec<String>) {
    let mut settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    settings.status = SurveyStatus::Draft;
    drawn_survey_of(db, &settings, 5)
}

fn survey(db: &TestDb, id: i64) -> tsunagari::survey::Survey {
    tsunagari::survey::Survey::try_from(tsunagari::db::surveys::find(&mut db.conn(), id).unwrap())
        .unwrap()
}

/// Starts answering with `code` in a fresh browser; the response to the code form.
async fn start_with(db: &TestDb, code: &str) -> Page {
    let mut c = client(db.state()).await;
    let csrf = c.get("/").await.hidden("csrf");
    c.post("/start", &[("csrf", &csrf), ("code", code)]).await
}

#[actix_web::test]
async fn fieldwork_starts_only_with_a_final_sample_and_test_answers_never_count() {
    for db in databases() {
        let (survey_id, codes) = draft_survey(&db);
        add_user(&db, "admin", PASSWORD, Role::Admin);
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin", PASSWORD).await;
        let page = admin.get("/staff/surveys/demo-2026/status").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("aria-current=\"step\">準備中"));
        let csrf = page.hidden("csrf");

        // A real code does not work yet; a test code does, and its answers are stored.
        let early = start_with(&db, &codes[0]).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        let issued = admin
            .post(
                "/staff/surveys/demo-2026/status/test-codes",
                &[("csrf", &csrf), ("count", "2")],
            )
            .await;
        assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
        let tests = tsunagari::db::codes::test_codes(&mut db.conn(), survey_id).unwrap();
        assert_eq!(tests.len(), 2);
        let q = demo_questionnaire(&db);
        let mut tester = client(db.state()).await;
        answer_and_submit(
            &mut tester,
            &q,
            &AccessCode::parse(&tests[0]).unwrap(),
            &|_| None,
        )
        .await;
        assert_eq!(
            tsunagari::db::responses::counts(&mut db.conn(), survey_id)
                .unwrap()
                .1,
            1
        );

        // No final sample: refused with what to do, nothing changes.
        let refused = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &[("csrf", &csrf), ("action", "open")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("標本が確定していないため"),
            "{}",
            refused.body
        );
        assert_eq!(survey(&db, survey_id).status, SurveyStatus::Draft);

        let sample = tsunagari::db::sample::find(&mut db.conn(), survey_id)
            .unwrap()
            .unwrap();
        tsunagari::db::sample::mark_letters_printed(&mut db.conn(), sample.id).unwrap();
        let opened = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &[("csrf", &csrf), ("action", "open")],
            )
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        assert_eq!(survey(&db, survey_id).status, SurveyStatus::Open);
        assert_eq!(
            tsunagari::db::responses::counts(&mut db.conn(), survey_id).unwrap(),
            (0, 0),
            "the test answers are gone"
        );
        // The test code stops working, the real one starts.
        assert_eq!(
            start_with(&db, &tests[1]).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            start_with(&db, &codes[0]).await.status,
            StatusCode::SEE_OTHER
        );
        // Test codes are issued only in draft.
        let late = admin
            .post(
                "/staff/surveys/demo-2026/status/test-codes",
                &[("csrf", &csrf), ("count", "1")],
            )
            .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("準備中のあいだだけ"));

        let shown = admin.get("/staff/surveys/demo-2026/status?done=open").await;
        assert!(shown.body.contains("「実査を開始する」を行いました"));
        assert!(
            shown.body.contains("テスト用コードの回答1件を削除"),
            "{}",
            shown.body
        );
        let log = tsunagari::db::surveys::log_of(&mut db.conn(), survey_id).unwrap();
        assert_eq!(log[0].action, "open");
        assert_eq!(log[0].user.as_deref(), Some("admin"), "{}", db.backend());
    }
}

#[actix_web::test]
async fn a_published_survey_s_data_is_frozen_until_it_is_unpublished_with_a_reason() {
    for db in databases() {
        let (survey_id, codes) = draft_survey(&db);
        for (i, code) in codes.iter().enumerate().take(40) {
            submit(&db, survey_id, code, &answers_of(i));
        }
        add_user(&db, "admin", PASSWORD, Role::Admin);
        add_user(&db, "staff", PASSWORD, Role::Staff);
        add_user(&db, "planner", PASSWORD, Role::Planner);
        tsunagari::db::surveys::set_status(&mut db.conn(), survey_id, "open").unwrap();
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin", PASSWORD).await;
        let csrf = admin
            .get("/staff/surveys/demo-2026/status")
            .await
            .hidden("csrf");
        let post = |action: &'static str| [("csrf", csrf.clone()), ("action", action.to_string())];

        // With answers, fieldwork cannot go back to draft.
        let back = admin
            .post("/staff/surveys/demo-2026/status", &as_refs(&post("draft")))
            .await;
        assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            back.body.contains("すでに40件の回答があるため"),
            "{}",
            back.body
        );
        // Publishing straight from fieldwork is not a step.
        let early = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &as_refs(&post("publish")),
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.body.contains("はできません"));

        for step in ["close", "publish"] {
            let done = admin
                .post("/staff/surveys/demo-2026/status", &as_refs(&post(step)))
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.body);
        }
        let published = survey(&db, survey_id);
        assert!(published.published_at.is_some());
        let version = tsunagari::db::surveys::data_version(&mut db.conn(), survey_id).unwrap();

        // The database refuses any change to the counted data, whatever path tries.
        let late = tsunagari::db::responses::start_or_resume_online(
            &mut db.conn(),
            survey_id,
            tsunagari::db::codes::find(&mut db.conn(), &AccessCode::parse(&codes[50]).unwrap())
                .unwrap()
                .unwrap()
                .0,
        )
        .unwrap();
        let refused = tsunagari::db::responses::submit(
            &mut db.conn(),
            late.id,
            late.version,
            &serde_json::to_string(&answers_of(50)).unwrap(),
            false,
        );
        assert!(
            matches!(refused, Err(tsunagari::db::DbError::Published)),
            "{}: {refused:?}",
            db.backend()
        );
        assert_eq!(
            tsunagari::db::surveys::data_version(&mut db.conn(), survey_id).unwrap(),
            version
        );
        let message = tsunagari::error::AppError::from(tsunagari::db::DbError::Published);
        assert!(message.explanation().detail_ja.contains("公表済みのため"));

        // Unpublishing needs a reason; with one, the data can change again.
        let no_reason = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &as_refs(&post("unpublish")),
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.body.contains("理由を入力してください"));
        let mut with_reason = post("unpublish").to_vec();
        with_reason.push(("reason", "紙の調査票1件の入力誤りを修正するため".into()));
        let unpublished = admin
            .post("/staff/surveys/demo-2026/status", &as_refs(&with_reason))
            .await;
        assert_eq!(
            unpublished.status,
            StatusCode::SEE_OTHER,
            "{}",
            unpublished.body
        );
        assert!(survey(&db, survey_id).published_at.is_none());
        tsunagari::db::responses::submit(
            &mut db.conn(),
            late.id,
            late.version,
            &serde_json::to_string(&answers_of(50)).unwrap(),
            false,
        )
        .expect("a change after unpublishing");
        let log = tsunagari::db::surveys::log_of(&mut db.conn(), survey_id).unwrap();
        let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
        assert_eq!(actions, ["unpublish", "publish", "close"]);
        assert_eq!(log[0].detail, "紙の調査票1件の入力誤りを修正するため");

        // Staff see the page but take no step; planners do not see it.
        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff", PASSWORD).await;
        let page = staff.get("/staff/surveys/demo-2026/status").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("name=\"action\""));
        let staff_csrf = page.hidden("csrf");
        let forbidden = staff
            .post(
                "/staff/surveys/demo-2026/status",
                &[("csrf", staff_csrf.as_str()), ("action", "publish")],
            )
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner", PASSWORD).await;
        assert_eq!(
            planner.get("/staff/surveys/demo-2026/status").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[actix_web::test]
async fn reopening_a_return_to_draft_and_publishing_over_waiting_paper_forms_are_checked() {
    for db in databases() {
        let (survey_id, codes) = draft_survey(&db);
        let keyer = add_user_with_surveys(&db, "keyer", PASSWORD, Role::Staff, &[survey_id]);
        add_user(&db, "admin", PASSWORD, Role::Admin);
        let sample = tsunagari::db::sample::find(&mut db.conn(), survey_id)
            .unwrap()
            .unwrap();
        tsunagari::db::sample::mark_letters_printed(&mut db.conn(), sample.id).unwrap();
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin", PASSWORD).await;
        let csrf = admin
            .get("/staff/surveys/demo-2026/status")
            .await
            .hidden("csrf");
        let step = |action: &'static str| [("csrf", csrf.clone()), ("action", action.to_string())];

        // A draft cannot be closed or published.
        for action in ["close", "publish", "unpublish", "reopen"] {
            let refused = admin
                .post("/staff/surveys/demo-2026/status", &as_refs(&step(action)))
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
            assert!(
                refused.body.contains("「準備中」のため"),
                "{action}: {}",
                refused.body
            );
        }
        let unknown = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &as_refs(&step("archive")),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

        // Nobody has answered yet: fieldwork may go back to draft, and open again.
        for action in ["open", "draft", "open", "close", "reopen", "close"] {
            let done = admin
                .post("/staff/surveys/demo-2026/status", &as_refs(&step(action)))
                .await;
            assert_eq!(
                done.status,
                StatusCode::SEE_OTHER,
                "{action}: {}",
                done.body
            );
        }
        assert_eq!(survey(&db, survey_id).status, SurveyStatus::Closed);

        // A paper form keyed once and not finished: publishing asks for a tick.
        let code_id =
            tsunagari::db::codes::find(&mut db.conn(), &AccessCode::parse(&codes[3]).unwrap())
                .unwrap()
                .unwrap()
                .0;
        tsunagari::db::entry::start_pass(&mut db.conn(), survey_id, code_id, 1, keyer, "{}", false)
            .unwrap();
        let waiting = admin
            .post(
                "/staff/surveys/demo-2026/status",
                &as_refs(&step("publish")),
            )
            .await;
        assert_eq!(waiting.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            waiting
                .body
                .contains("紙の調査票1件が、入力または照合を待っています"),
            "{}",
            waiting.body
        );
        assert!(waiting.body.contains("name=\"despite_paper_backlog\""));
        assert!(survey(&db, survey_id).published_at.is_none());
        let mut ticked = step("publish").to_vec();
        ticked.push(("despite_paper_backlog", "yes".into()));
        let published = admin
            .post("/staff/surveys/demo-2026/status", &as_refs(&ticked))
            .await;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{}",
            published.body
        );
        assert!(survey(&db, survey_id).published_at.is_some());
        let log = tsunagari::db::surveys::log_of(&mut db.conn(), survey_id).unwrap();
        assert_eq!(
            (log[0].action.as_str(), log[0].detail.as_str()),
            ("publish", "1")
        );
        let page = admin.get("/staff/surveys/demo-2026/status").await;
        assert!(page
            .body
            .contains("入力・照合待ちの調査票1件を含めずに公表"));
        // Published: no reopening, and the planners' pages say so.
        let reopen = admin
            .post("/staff/surveys/demo-2026/status", &as_refs(&step("reopen")))
            .await;
        assert_eq!(
            reopen.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            db.backend()
        );
        let estimates = admin.get("/planner/demo-2026/estimates").await;
        assert!(estimates.body.contains("公表済み（"), "{}", estimates.body);
    }
}

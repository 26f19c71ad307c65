//! Planners see the simple tabulation only when there are enough responses, and can download it.

mod common;

use actix_web::http::StatusCode;
use common::*;
use tsunagari::auth::Role;
use tsunagari::questionnaire::{Answer, Answers};

const PASSWORD: &str = "a-long-enough-password";

/// Submits `direct` answers for the first codes directly in storage.
fn submit_direct(
    db: &TestDb,
    survey_id: i64,
    codes: &[tsunagari::sampling::access_code::AccessCode],
    direct: &[u32],
) {
    let mut conn = db.conn();
    for (code, value) in codes.iter().zip(direct) {
        let (code_id, _) = tsunagari::db::codes::find(&mut conn, code)
            .unwrap()
            .unwrap();
        let response =
            tsunagari::db::responses::start_or_resume_online(&mut conn, survey_id, code_id)
                .unwrap();
        let mut answers = Answers::new();
        answers.insert("direct", Answer::Choice(*value));
        let json = serde_json::to_string(&answers).unwrap();
        tsunagari::db::responses::submit(
            &mut conn,
            response.id,
            response.version,
            &json,
            *value == 5,
        )
        .unwrap();
    }
}

#[actix_web::test]
async fn the_tabulation_is_withheld_under_ten_responses_and_shown_with_no_answer_in_the_base() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 12);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "planner1", PASSWORD).await;

        submit_direct(&db, survey.id, &codes[..9], &[1, 2, 3, 4, 5, 1, 2, 3, 4]);
        let page = c.get("/planner/demo-2026").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("10件未満"), "{}", page.body);
        assert!(!page.body.contains("<table"));
        assert_eq!(
            c.get("/planner/demo-2026/tabulation.csv").await.status,
            StatusCode::CONFLICT
        );

        submit_direct(&db, survey.id, &codes[9..10], &[5]);
        let page = c.get("/planner/demo-2026").await;
        assert!(page.body.contains("問8"));
        assert!(page.body.contains("無回答"));

        let csv = c.get("/planner/demo-2026/tabulation.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with('\u{feff}'));
        let direct_rows: Vec<&str> = csv.body.lines().filter(|l| l.starts_with("問8,")).collect();
        // Five options and 無回答; two of ten answered しばしばある・常にある (code 5).
        assert_eq!(direct_rows.len(), 6, "{direct_rows:?}");
        assert!(direct_rows[4].ends_with(",2,20.0,10"), "{}", direct_rows[4]);
        assert!(direct_rows[5].contains("無回答") && direct_rows[5].ends_with(",0,0.0,10"));

        // A survey that does not exist is, to a planner, just one that is not theirs.
        assert_eq!(
            c.get("/planner/no-such-survey").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

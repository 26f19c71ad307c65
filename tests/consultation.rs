//! From the survey to support: a resident asks to be contacted after submitting; the request
//! is stored with no link to the answers; consultation staff of the survey (and only they)
//! follow it up; closed requests are deleted after the retention period.

mod common;

use actix_web::http::StatusCode;
use common::*;
use tsunagari::auth::Role;
use tsunagari::db::contact_requests::{self, RequestStatus};
use tsunagari::survey::SurveySettings;

const PHONE: &str = "090-2468-1357";
const EMAIL: &str = "hanako.contact@example.net";
const NAME: &str = "はなこ";
const NOTE: &str = "夜は眠れない日が続いています";

fn request_fields(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("phone", PHONE),
        ("email", EMAIL),
        ("name", NAME),
        ("good_times", "平日の午後"),
        ("message", NOTE),
        ("consent", "yes"),
    ]
}

/// Tables a contact request may write to: the request itself and the notification's outbox row.
fn outside_the_request(
    mut tables: std::collections::BTreeMap<String, Vec<String>>,
) -> std::collections::BTreeMap<String, Vec<String>> {
    tables.remove("contact_requests");
    tables.remove("mail_outbox");
    tables
}

#[actix_web::test]
async fn a_resident_who_signalled_distress_asks_to_be_contacted_and_the_request_has_no_link_to_the_answers(
) {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let state = db.state();
        let mut resident = client(state.clone()).await;
        answer_and_submit(&mut resident, &q, &codes[0], &|id| {
            (id == "direct").then_some(5)
        })
        .await;
        let response = stored_response(&db, &codes[0]).unwrap();
        assert!(response.distress);

        // The end page: the confirmation, the help, then the offer, prominent.
        let done = resident.get("/answer/done").await;
        let thanks = done.body.find("<h1>回答を受け付けました</h1>").unwrap();
        let help = done.body.find("class=\"help urgent\"").unwrap();
        let offer = done
            .body
            .find("class=\"contact-offer urgent\"")
            .expect("the offer stands out after distress");
        assert!(thanks < help && help < offer, "{}", db.backend());
        assert!(done.body.contains("href=\"/answer/contact\""));

        let form = resident.get("/answer/contact").await;
        assert_eq!(form.status, StatusCode::OK);
        for promise in [
            "相談員だけが見ます",
            "3日以内",
            "匿名のまま",
            "90日後に削除",
            "緊急の連絡には対応していません",
        ] {
            assert!(form.body.contains(promise), "{promise}: {}", form.body);
        }
        let csrf = form.hidden("csrf");
        let before = outside_the_request(table_contents(&db));

        // Bad input: a phone number that cannot be right, no consent, nothing to reach.
        let wrong = resident
            .post(
                "/answer/contact",
                &[("csrf", &csrf), ("phone", "12-34"), ("email", "hanako@")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong
            .body
            .contains("「12-34」は電話番号として読み取れません"));
        assert!(wrong
            .body
            .contains("「hanako@」はメールアドレスとして読み取れません"));
        assert!(wrong.body.contains("チェックを入れてください"));
        assert!(
            wrong.body.contains("value=\"12-34\""),
            "what was typed is kept"
        );
        assert!(wrong.body.contains("aria-invalid=\"true\""));
        let empty = resident
            .post("/answer/contact", &[("csrf", &csrf), ("consent", "yes")])
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("少なくとも一方"));
        // A forged post (no token of this session) is refused.
        let forged = resident
            .post(
                "/answer/contact",
                &request_fields("0000000000000000000000000000000000000000000000000000000000000000"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(contact_requests::list(&mut db.conn(), survey.id)
            .unwrap()
            .is_empty());

        // The request.
        let sent = resident
            .post("/answer/contact", &request_fields(&csrf))
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let confirmation = resident.get("/answer/contact").await;
        assert!(confirmation.body.contains("ご連絡の依頼を受け付けました"));
        assert!(confirmation.body.contains("3日以内（平日 8:30〜17:15）"));
        assert!(
            confirmation.body.contains("0120-279-338"),
            "the round-the-clock line is repeated"
        );
        assert!(confirmation.body.contains("緊急の連絡には対応していません"));
        let done = resident.get("/answer/done").await;
        assert!(done.body.contains("ご連絡の依頼を受け付けました"));
        assert!(!done.body.contains("href=\"/answer/contact\""));

        // A second request from the same session is refused and stores nothing.
        let again = resident
            .post("/answer/contact", &request_fields(&csrf))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again.body.contains("すでに受け付けています"),
            "{}",
            again.body
        );
        let stored = contact_requests::list(&mut db.conn(), survey.id).unwrap();
        assert_eq!(stored.len(), 1);
        let request = &stored[0];
        assert_eq!(request.phone, PHONE);
        assert_eq!(request.email, EMAIL);
        assert!(
            request.distress,
            "whether distress was signalled is carried over"
        );
        assert!(request
            .help_shown
            .contains(&"よりそいホットライン".to_string()));
        assert_eq!(
            request.received_at.format("%M:%S").to_string(),
            "00:00",
            "the time is kept to the hour"
        );

        // Nothing outside the request changed: no answer, session, code or sample row
        // learned of it.
        assert_eq!(
            outside_the_request(table_contents(&db)),
            before,
            "{}",
            db.backend()
        );
        // And the request names nothing of the answers: its columns, and its values.
        assert_eq!(
            columns_of(&db, "contact_requests"),
            [
                "id",
                "survey_id",
                "received_at",
                "distress",
                "help_shown",
                "lang",
                "name",
                "phone",
                "email",
                "good_times",
                "message",
                "sender_mark",
                "status",
                "contacted_at",
                "contacted_by",
                "closed_at",
                "closed_by"
            ]
        );
        let row = table_contents(&db)["contact_requests"][0].clone();
        let session_hash = tsunagari::auth::token_hash(&resident.cookies["tsunagari_answer"]);
        for linked in [
            codes[0].as_str().to_string(),
            codes[0].grouped(),
            session_hash.clone(),
            session_hash[..16].to_string(),
            response.answers_json.clone(),
        ] {
            assert!(!row.contains(&linked), "{linked} in {row}");
        }
        let tables = table_contents(&db);
        for (table, rows) in &tables {
            if table.starts_with("contact_") || table == "mail_outbox" {
                continue;
            }
            for row in rows {
                assert!(
                    !row.contains(PHONE) && !row.contains(EMAIL),
                    "{table}: {row}"
                );
            }
        }

        // The window is told, with a link and nothing the resident wrote.
        db.deliver_mail(&state);
        let mail = sent_mail(&state);
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].to, ["soudan@demo-city.example.jp"]);
        assert_eq!(mail[0].link_path("/consult/"), "/consult/demo-2026");
        for private in [PHONE, EMAIL, NAME, NOTE, "平日の午後", "090", "hanako"] {
            assert!(
                !mail[0].text.contains(private) && !mail[0].html.contains(private),
                "{private} in the e-mail"
            );
        }
    }
}

#[actix_web::test]
async fn without_distress_the_offer_follows_the_help_and_a_survey_without_a_window_offers_nothing()
{
    for db in databases() {
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut resident = client(db.state()).await;
        answer_and_submit(&mut resident, &q, &codes[0], &|_| None).await;
        let done = resident.get("/answer/done").await;
        let help = done.body.find("class=\"help\"").unwrap();
        let offer = done.body.find("class=\"contact-offer\"").unwrap();
        assert!(help < offer);

        // A survey whose file has no [consultation] offers nothing, and a forged post is
        // refused with a message.
        let mut settings =
            SurveySettings::load(&repo_path("surveys/demo.toml")).expect("demo survey file");
        settings.slug = "no-window".into();
        settings.consultation = None;
        settings.status = tsunagari::survey::SurveyStatus::Open;
        let plain = tsunagari::ops::surveys::create(
            &mut db.conn(),
            &db.config().questionnaires_dir,
            &settings,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let plain_codes = tsunagari::ops::codes::issue(&mut db.conn(), plain.id, 1, false).unwrap();
        let mut other = client(db.state()).await;
        answer_and_submit(&mut other, &q, &plain_codes[0], &|id| {
            (id == "direct").then_some(5)
        })
        .await;
        let done = other.get("/answer/done").await;
        assert!(!done.body.contains("contact-offer"), "{}", db.backend());
        assert_eq!(
            other.get("/answer/contact").await.location.as_deref(),
            Some("/answer/done")
        );
        // The session's own token: the post is genuine, only the survey does not offer it.
        let token = tsunagari::auth::token_hash(&other.cookies["tsunagari_answer"]);
        let csrf = tsunagari::db::sessions::find_resident(&mut db.conn(), &token)
            .unwrap()
            .unwrap()
            .csrf_token;
        let refused = other.post("/answer/contact", &request_fields(&csrf)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.body.contains("受け付けていません"),
            "{}",
            refused.body
        );
        assert!(contact_requests::list(&mut db.conn(), plain.id)
            .unwrap()
            .is_empty());
    }
}

/// Makes a request in `slug`'s survey through a resident's whole flow; returns its id.
async fn request_in(db: &TestDb, code: &tsunagari::sampling::access_code::AccessCode) -> i64 {
    let q = demo_questionnaire(db);
    let mut resident = client(db.state()).await;
    answer_and_submit(&mut resident, &q, code, &|id| (id == "direct").then_some(5)).await;
    let csrf = resident.get("/answer/contact").await.hidden("csrf");
    let sent = resident
        .post("/answer/contact", &request_fields(&csrf))
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let survey = stored_response(db, code).unwrap().survey_id;
    contact_requests::list(&mut db.conn(), survey)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .max()
        .unwrap()
}

fn second_survey(db: &TestDb) -> (i64, Vec<tsunagari::sampling::access_code::AccessCode>) {
    let mut settings = SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    settings.slug = "other-town".into();
    settings.status = tsunagari::survey::SurveyStatus::Open;
    let row =
        tsunagari::ops::surveys::create(&mut db.conn(), &db.config().questionnaires_dir, &settings)
            .unwrap_or_else(|e| panic!("{e:?}"));
    let codes = tsunagari::ops::codes::issue(&mut db.conn(), row.id, 1, false).unwrap();
    (row.id, codes)
}

#[actix_web::test]
async fn only_consultation_staff_of_the_survey_open_its_requests() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 1);
        let (other, other_codes) = second_survey(&db);
        let mine = request_in(&db, &codes[0]).await;
        let theirs = request_in(&db, &other_codes[0]).await;
        add_user_with_surveys(
            &db,
            "soudan",
            "password-123",
            Role::Consultation,
            &[survey.id],
        );
        add_user_with_surveys(
            &db,
            "staff",
            "password-123",
            Role::Staff,
            &[survey.id, other],
        );
        add_user_with_surveys(
            &db,
            "planner",
            "password-123",
            Role::Planner,
            &[survey.id, other],
        );
        add_user(&db, "admin", "password-123", Role::Admin);

        // Signing in without a page to return to lands on the role's own start page.
        let mut counsellor = client(db.state()).await;
        let csrf = counsellor.get("/login").await.hidden("csrf");
        let signed_in = counsellor
            .post(
                "/login",
                &[
                    ("csrf", csrf.as_str()),
                    ("username", "soudan"),
                    ("password", "password-123"),
                    ("next", ""),
                ],
            )
            .await;
        assert_eq!(signed_in.location.as_deref(), Some("/consult"));
        assert_eq!(counsellor.get("/staff").await.status, StatusCode::FORBIDDEN);
        let start = counsellor.get("/consult").await;
        assert_eq!(start.status, StatusCode::OK, "{}", start.body);
        assert!(start.body.contains("/consult/demo-2026"));
        assert!(!start.body.contains("/consult/other-town"));
        let queue = counsellor.get("/consult/demo-2026").await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue
            .body
            .contains(&format!("/consult/demo-2026/requests/{mine}")));
        assert!(
            !queue.body.contains(PHONE),
            "contact details only on the request's own (logged) page"
        );
        let opened = counsellor
            .get(&format!("/consult/demo-2026/requests/{mine}"))
            .await;
        assert_eq!(opened.status, StatusCode::OK);
        assert!(opened.body.contains(PHONE) && opened.body.contains(NOTE));
        // Survey B's queue and request: 403, also under A's slug (404: not A's request).
        for path in [
            "/consult/other-town".to_string(),
            format!("/consult/other-town/requests/{theirs}"),
        ] {
            assert_eq!(
                counsellor.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        assert_eq!(
            counsellor
                .get(&format!("/consult/demo-2026/requests/{theirs}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Staff and planners of both surveys: 403 everywhere in the queue.
        for who in ["staff", "planner"] {
            let mut c = client(db.state()).await;
            sign_in(&mut c, who, "password-123").await;
            for path in [
                "/consult".to_string(),
                "/consult/demo-2026".to_string(),
                format!("/consult/demo-2026/requests/{mine}"),
            ] {
                assert_eq!(
                    c.get(&path).await.status,
                    StatusCode::FORBIDDEN,
                    "{who} {path}"
                );
            }
            let home = if who == "staff" { "/staff" } else { "/planner" };
            let csrf = c.get(home).await.hidden("csrf");
            let posted = c
                .post(
                    &format!("/consult/demo-2026/requests/{mine}"),
                    &[("csrf", &csrf), ("action", "close")],
                )
                .await;
            assert_eq!(posted.status, StatusCode::FORBIDDEN, "{who}");
        }
        // Admins open everything.
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin", "password-123").await;
        assert_eq!(
            admin
                .get(&format!("/consult/other-town/requests/{theirs}"))
                .await
                .status,
            StatusCode::OK
        );
        // Planners' pages and downloads never carry a request.
        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner", "password-123").await;
        for path in [
            "/planner/demo-2026/estimates",
            "/planner/demo-2026/subgroups.csv",
            "/planner/demo-2026/tabulation",
        ] {
            let page = planner.get(path).await;
            assert!(
                !page.body.contains(PHONE)
                    && !page.body.contains(EMAIL)
                    && !page.body.contains(NOTE),
                "{path}"
            );
        }
    }
}

#[actix_web::test]
async fn consultation_staff_record_contacts_notes_and_closing_and_each_opening_is_logged() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 1);
        let id = request_in(&db, &codes[0]).await;
        add_user_with_surveys(
            &db,
            "soudan",
            "password-123",
            Role::Consultation,
            &[survey.id],
        );
        let mut c = client(db.state()).await;
        sign_in(&mut c, "soudan", "password-123").await;
        let path = format!("/consult/demo-2026/requests/{id}");

        // Overdue: nobody reached the resident within the promised three days.
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::contact_requests::dsl as r;
            diesel::update(r::contact_requests.find(id))
                .set(r::received_at.eq(tsunagari::db::now() - chrono::Duration::days(4)))
                .execute(&mut db.conn())
                .unwrap();
        }
        let queue = c.get("/consult/demo-2026").await;
        assert!(queue.body.contains("class=\"overdue\""), "{}", queue.body);
        assert!(queue
            .body
            .contains("1件の依頼が、案内した期限までに連絡できていません"));
        let start = c.get("/consult").await;
        assert!(
            start.body.contains("<strong class=\"overdue\">1</strong>"),
            "{}",
            start.body
        );

        let page = c.get(&path).await;
        let csrf = page.hidden("csrf");
        let not_reached = c
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "contact"),
                    ("outcome", "not_reached"),
                    ("body", "留守番電話"),
                ],
            )
            .await;
        assert_eq!(not_reached.status, StatusCode::SEE_OTHER);
        let stored = contact_requests::find(&mut db.conn(), survey.id, id).unwrap();
        assert_eq!(
            stored.status,
            RequestStatus::Received,
            "not reached is not contacted"
        );
        assert_eq!(stored.attempts, 1);
        let reached = c
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "contact"),
                    ("outcome", "reached"),
                    ("body", "お話を伺った。来週もう一度連絡する。"),
                ],
            )
            .await;
        assert_eq!(
            reached.location.as_deref(),
            Some(format!("{path}?done=contact").as_str())
        );
        let stored = contact_requests::find(&mut db.conn(), survey.id, id).unwrap();
        assert_eq!(stored.status, RequestStatus::Contacted);
        assert_eq!(stored.contacted_by.as_deref(), Some("soudan"));
        assert!(!c.get("/consult/demo-2026").await.body.contains("期限超過"));

        // An empty note is refused with its message, a bad outcome too; nothing is stored.
        let empty = c
            .post(
                &path,
                &[("csrf", csrf.as_str()), ("action", "note"), ("body", "  ")],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("記録の内容を入力してください"));
        let odd = c
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "contact"),
                    ("outcome", "maybe"),
                ],
            )
            .await;
        assert_eq!(odd.status, StatusCode::BAD_REQUEST);
        assert!(odd.body.contains("連絡の結果を選んでください"));
        let forged = c
            .post(&path, &[("csrf", "forged"), ("action", "close")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(
            contact_requests::notes(&mut db.conn(), id).unwrap().len(),
            2
        );

        let closed = c
            .post(
                &path,
                &[("csrf", csrf.as_str()), ("action", "close"), ("body", "")],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);
        let late = c
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "note"),
                    ("body", "追記"),
                ],
            )
            .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("この依頼は完了しています"));
        let reopened = c
            .post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "reopen"),
                    ("body", "再度の相談"),
                ],
            )
            .await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER);
        assert_eq!(
            contact_requests::find(&mut db.conn(), survey.id, id)
                .unwrap()
                .status,
            RequestStatus::Contacted
        );

        // Every opening and every change is in the log, with who did it.
        let log = contact_requests::log_of(&mut db.conn(), survey.id, id).unwrap();
        let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
        // Opened once, then shown again after each refused form (the note, the late note).
        assert_eq!(
            actions.iter().filter(|a| **a == "viewed").count(),
            3,
            "{actions:?}"
        );
        for done in ["contacted", "closed", "reopened"] {
            assert!(actions.contains(&done), "{actions:?}");
        }
        assert!(log.iter().all(|l| l.user.as_deref() == Some("soudan")));
        let page = c.get(&path).await;
        assert!(page.body.contains("閲覧と変更の記録"));
        assert!(page.body.contains("お話を伺った"));
    }
}

#[actix_web::test]
async fn closed_requests_are_deleted_after_the_retention_period_with_a_log_line() {
    for db in databases() {
        let (survey, codes) = demo_survey(&db, 3);
        let old = request_in(&db, &codes[0]).await;
        let recent = request_in(&db, &codes[1]).await;
        let open = request_in(&db, &codes[2]).await;
        let counsellor = add_user_with_surveys(
            &db,
            "soudan",
            "password-123",
            Role::Consultation,
            &[survey.id],
        );
        let now = tsunagari::db::now();
        for (id, closed_days_ago) in [(old, 91), (recent, 10)] {
            tsunagari::ops::consultation::record(
                &mut db.conn(),
                survey.id,
                id,
                counsellor,
                tsunagari::ops::consultation::StaffAction::Contact(
                    contact_requests::ContactOutcome::Reached,
                ),
                "話せた",
                now,
            )
            .unwrap();
            tsunagari::ops::consultation::record(
                &mut db.conn(),
                survey.id,
                id,
                counsellor,
                tsunagari::ops::consultation::StaffAction::Close,
                "",
                now - chrono::Duration::days(closed_days_ago),
            )
            .unwrap();
        }
        // An open request is never deleted, however old.
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::contact_requests::dsl as r;
            diesel::update(r::contact_requests.find(open))
                .set(r::received_at.eq(now - chrono::Duration::days(400)))
                .execute(&mut db.conn())
                .unwrap();
        }

        let deleted = tsunagari::ops::consultation::delete_expired(&mut db.conn(), now).unwrap();
        assert_eq!(deleted, 1, "{}", db.backend());
        let left: Vec<i64> = contact_requests::list(&mut db.conn(), survey.id)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert!(!left.contains(&old) && left.contains(&recent) && left.contains(&open));
        assert!(contact_requests::notes(&mut db.conn(), old)
            .unwrap()
            .is_empty());
        let tables = table_contents(&db);
        assert!(
            tables["contact_requests"]
                .iter()
                .all(|r| !r.contains("話せた"))
                && tables["contact_request_notes"].len() == 2,
            "the deleted request's notes went with it"
        );
        let log = contact_requests::log_of(&mut db.conn(), survey.id, old).unwrap();
        assert_eq!(log.last().unwrap().action.as_str(), "deleted");
        assert_eq!(log.last().unwrap().user, None);
        // A second pass finds nothing more.
        assert_eq!(
            tsunagari::ops::consultation::delete_expired(&mut db.conn(), now).unwrap(),
            0
        );
    }
}

//! Paper entry through HTTP: first and second entry, automatic acceptance, reconciliation,
//! bad input, stale screens, the mixed-mode duplicate rule, corrections with audit — on
//! SQLite and (when configured) PostgreSQL.

mod common;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use common::paper::{key, keyed_fields, paper_answers};
use common::*;
use tsunagari::auth::Role;
use tsunagari::db::entry as store;
use tsunagari::questionnaire::{Answer, Answers, MissingReason, Questionnaire};
use tsunagari::sampling::access_code::AccessCode;

const SLUG: &str = "demo-2026";
const PASSWORD: &str = "a long enough password";

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn form_path(code: &AccessCode) -> String {
    format!("/staff/entry/{SLUG}/form/{}", code.as_str())
}

fn code_id(db: &TestDb, code: &AccessCode) -> i64 {
    tsunagari::db::codes::find(&mut db.conn(), code)
        .unwrap()
        .unwrap()
        .0
}

fn paper_response(db: &TestDb, code: &AccessCode) -> Option<store::CodeResponse> {
    store::paper_response(&mut db.conn(), code_id(db, code)).unwrap()
}

fn users(db: &TestDb) {
    add_user(db, "keyer1", PASSWORD, Role::Staff);
    add_user(db, "keyer2", PASSWORD, Role::Staff);
    add_user(db, "reviewer", PASSWORD, Role::Staff);
    add_user(db, "admin", PASSWORD, Role::Admin);
}

macro_rules! signed_in {
    ($db:expr, $name:expr) => {{
        let mut c = client($db.state()).await;
        sign_in(&mut c, $name, PASSWORD).await;
        c
    }};
}

#[actix_web::test]
async fn identical_first_and_second_entries_by_two_people_are_accepted_automatically() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 2);
        let q = demo_questionnaire(&db);
        let answers = paper_answers(&q, &|question| {
            (question.id == "comments").then(|| Answer::Text("一回目だけが知る文".into()))
        });
        let fields = keyed_fields(&q, &answers);
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");

        let done = key(&mut first, SLUG, &codes[0], &fields, "complete").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let overview = first.get(done.location.as_deref().unwrap()).await;
        assert!(
            overview.body.contains("waits for its second entry")
                || overview.body.contains("2回目の入力を待っています"),
            "{}",
            overview.body
        );
        assert!(
            paper_response(&db, &codes[0]).is_none(),
            "one entry is not a response"
        );

        // The same person cannot key the second entry.
        let again = first.get(&form_path(&codes[0])).await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "{}: {}",
            db.backend(),
            again.body
        );
        assert!(
            again.body.contains("2回目の入力は別の職員"),
            "{}",
            again.body
        );

        // The second keyer sees an empty form, not the first entry.
        let blank = second.get(&form_path(&codes[0])).await;
        assert_eq!(blank.status, StatusCode::OK);
        assert!(blank.body.contains("2回目入力"));
        assert!(!blank.body.contains("一回目だけが知る文"));

        let done = key(&mut second, SLUG, &codes[0], &fields, "complete").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let response = paper_response(&db, &codes[0]).expect("accepted");
        assert_eq!(response.channel, "paper");
        assert_eq!(response.status, "submitted");
        assert!(response.counted);
        let stored: Answers = serde_json::from_str(&response.answers_json).unwrap();
        assert_eq!(stored, answers);
        let audit =
            store::audit_log(&mut db.conn(), response.survey_id, Some(response.id)).unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].item_id, store::AUDIT_WHOLE_RESPONSE);
        assert_eq!(audit[0].username, "keyer2");

        // Both keyers agree on every item: 100%.
        let overview = second.get(&format!("/staff/entry/{SLUG}")).await;
        assert!(overview.body.contains("100.0%"), "{}", overview.body);
        assert!(
            overview.body.contains(r#"id="count-accepted">1<"#),
            "{}",
            overview.body
        );
        // Opening an accepted form leads to its response page.
        let opened = second.get(&form_path(&codes[0])).await;
        assert_eq!(
            opened.location.as_deref(),
            Some(format!("/staff/entry/{SLUG}/response/{}", codes[0].as_str()).as_str())
        );
    }
}

#[actix_web::test]
async fn differing_entries_are_reconciled_item_by_item_by_someone_who_keyed_neither() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let code = &codes[0];
        let answers_1 = paper_answers(&q, &|_| None);
        // 問8 differs but stays below たまにある, so that N1 is skipped in both entries.
        let answers_2 = paper_answers(&q, &|question| match question.id.as_str() {
            "direct" => Some(Answer::Choice(2)),
            "ucla_1" => Some(Answer::Missing(MissingReason::Unreadable)),
            _ => None,
        });
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        key(
            &mut first,
            SLUG,
            code,
            &keyed_fields(&q, &answers_1),
            "complete",
        )
        .await;
        let done = key(
            &mut second,
            SLUG,
            code,
            &keyed_fields(&q, &answers_2),
            "complete",
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert!(
            paper_response(&db, code).is_none(),
            "differing entries are not accepted"
        );
        let overview = second.get(done.location.as_deref().unwrap()).await;
        assert!(overview.body.contains("照合待ち"), "{}", overview.body);

        // Keyers may not reconcile their own form.
        let path = format!("/staff/entry/{SLUG}/reconcile/{}", code.as_str());
        assert_eq!(first.get(&path).await.status, StatusCode::CONFLICT);

        let screen = reviewer.get(&path).await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
        assert_eq!(
            screen.body.matches("class=\"difference").count(),
            2,
            "only the differing items"
        );
        assert!(
            screen.body.contains("id=\"diff-direct\"")
                && screen.body.contains("id=\"diff-ucla_1\"")
        );
        assert!(
            screen.body.contains("判読不能"),
            "the second entry's value is shown"
        );

        // A pick missing and an invalid correction: refused, nothing stored.
        let base = vec![
            ("csrf".to_string(), screen.hidden("csrf")),
            ("v1".to_string(), screen.hidden("v1")),
            ("v2".to_string(), screen.hidden("v2")),
        ];
        let mut bad = base.clone();
        bad.push(("pick:direct".into(), "typed".into()));
        bad.push(("value:direct".into(), "8".into()));
        let refused = reviewer.post(&path, &refs(&bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("8 という選択肢はありません"),
            "{}",
            refused.body
        );
        assert!(paper_response(&db, code).is_none());

        let mut good = base.clone();
        good.push(("pick:direct".into(), "typed".into()));
        good.push(("value:direct".into(), "2".into()));
        good.push(("pick:ucla_1".into(), "first".into()));
        good.push(("reason".into(), "原票を確認".into()));
        let accepted = reviewer.post(&path, &refs(&good)).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let response = paper_response(&db, code).expect("reconciled");
        let stored: Answers = serde_json::from_str(&response.answers_json).unwrap();
        let mut expected = answers_1.clone();
        expected.insert("direct", Answer::Choice(2));
        assert_eq!(stored, expected);
        let audit =
            store::audit_log(&mut db.conn(), response.survey_id, Some(response.id)).unwrap();
        let items: Vec<&str> = audit.iter().map(|a| a.item_id.as_str()).collect();
        // In form order: 問7(1) before 問8.
        assert_eq!(items, [store::AUDIT_WHOLE_RESPONSE, "ucla_1", "direct"]);
        assert_eq!(
            audit[2].new_value.as_deref(),
            Some(r#"{"type":"choice","value":2}"#)
        );
        assert!(audit[2].reason.contains("原票を確認"));
        assert!(audit.iter().all(|a| a.username == "reviewer"));

        // Agreement: items compared = every question keyed; 2 differ.
        let items = answers_1.len() as u32;
        let overview = reviewer.get(&format!("/staff/entry/{SLUG}")).await;
        let rate = format!("{:.1}%", 100.0 * f64::from(items - 2) / f64::from(items));
        assert_eq!(
            overview.body.matches(&rate).count(),
            2,
            "both keyers: {rate}\n{}",
            overview.body
        );
    }
}

#[actix_web::test]
async fn codes_of_other_surveys_unknown_codes_and_invalid_options_get_clear_messages() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut settings =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
        settings.slug = "other-2026".into();
        let other = tsunagari::ops::surveys::create(
            &mut db.conn(),
            &db.config().questionnaires_dir,
            &settings,
        )
        .unwrap();
        let other_codes = tsunagari::ops::codes::issue(&mut db.conn(), other.id, 1, false).unwrap();
        let mut keyer = signed_in!(db, "keyer1");

        let foreign = keyer.get(&form_path(&other_codes[0])).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert!(foreign.body.contains("別の調査のもの"), "{}", foreign.body);
        let unknown = keyer.get(&form_path(&AccessCode::generate())).await;
        assert!(
            unknown.body.contains("発行されていません"),
            "{}",
            unknown.body
        );
        let csrf = keyer
            .get(&format!("/staff/entry/{SLUG}"))
            .await
            .hidden("csrf");
        let typo = keyer
            .post(
                &format!("/staff/entry/{SLUG}/open"),
                &[("csrf", &csrf), ("code", "ABCD-1234")],
            )
            .await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            typo.body.contains("コードの形が正しくありません"),
            "{}",
            typo.body
        );
        assert!(
            typo.body.contains("value=\"ABCD-1234\""),
            "the typed code is kept"
        );
        // What is wrong with a code is said in Japanese too, with no English inside.
        let foreign_character = keyer
            .post(
                &format!("/staff/entry/{SLUG}/open"),
                &[("csrf", &csrf), ("code", "ABCD-EFGH-JKMN-PQ人S")],
            )
            .await;
        assert!(
            foreign_character
                .body
                .contains("コードの形が正しくありません（「人」はコードに使われない文字です）"),
            "{}",
            foreign_character.body
        );
        assert!(!foreign_character.body.contains("the character"));

        // 問8 has options 1–5: 7 is flagged, nothing is stored, every typed value is kept.
        let mut fields = keyed_fields(&q, &paper_answers(&q, &|_| None));
        for (id, value) in fields.iter_mut() {
            if id == "direct" {
                *value = "7".into();
            }
        }
        let refused = key(&mut keyer, SLUG, &codes[0], &fields, "complete").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("7 という選択肢はありません"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains(">紙の記入</textarea>"),
            "typed text is kept"
        );
        assert!(
            store::passes(&mut db.conn(), code_id(&db, &codes[0]))
                .unwrap()
                .is_empty(),
            "a refused first save stores no entry"
        );

        // 問6 = 2 (no one to consult) but 問6-1 answered: kept as written and flagged.
        let answers = paper_answers(&q, &|question| {
            (question.id == "consult").then_some(Answer::Choice(2))
        });
        assert!(answers.get("consult_who").is_none());
        let mut fields = keyed_fields(&q, &answers);
        for (id, value) in fields.iter_mut() {
            if id == "consult_who" {
                *value = "1 2".into();
            }
        }
        let done = key(&mut keyer, SLUG, &codes[0], &fields, "complete").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let notice = keyer.get(done.location.as_deref().unwrap()).await;
        assert!(
            notice.body.contains("問6-1"),
            "the skip violation is flagged: {}",
            notice.body
        );
        let passes = store::passes(&mut db.conn(), code_id(&db, &codes[0])).unwrap();
        let stored: Answers = serde_json::from_str(&passes[0].answers_json).unwrap();
        assert_eq!(
            stored.get("consult_who"),
            Some(&Answer::Choices(vec![1, 2]))
        );
    }
}

#[actix_web::test]
async fn a_stale_keying_screen_is_refused_and_the_newer_version_shown_with_nothing_lost() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut keyer = signed_in!(db, "keyer1");
        let old_tab = keyer.get(&form_path(&codes[0])).await;
        let newer = paper_answers(&q, &|question| {
            (question.id == "comments").then(|| Answer::Text("新しい方".into()))
        });
        let saved = key(
            &mut keyer,
            SLUG,
            &codes[0],
            &keyed_fields(&q, &newer),
            "save",
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        let older = paper_answers(&q, &|question| {
            (question.id == "comments").then(|| Answer::Text("古い画面".into()))
        });
        let mut fields = keyed_fields(&q, &older);
        fields.push(("csrf".into(), old_tab.hidden("csrf")));
        fields.push(("version".into(), old_tab.hidden("version")));
        fields.push(("action".into(), "save".into()));
        let refused = keyer.post(&form_path(&codes[0]), &refs(&fields)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(
            refused.body.contains(">新しい方</textarea>"),
            "the newer version is shown"
        );
        assert!(
            refused.body.contains("id=\"unsaved\"") && refused.body.contains("古い画面"),
            "what was typed is listed"
        );
        assert_eq!(refused.hidden("version"), "1");
        let passes = store::passes(&mut db.conn(), code_id(&db, &codes[0])).unwrap();
        let stored: Answers = serde_json::from_str(&passes[0].answers_json).unwrap();
        assert_eq!(stored, newer);

        // The unfinished entry is listed with its keyer; discarding frees it for others.
        let overview = keyer.get(&format!("/staff/entry/{SLUG}")).await;
        assert!(
            overview.body.contains("id=\"drafts\"") && overview.body.contains(&codes[0].grouped())
        );
        let discard = format!("{}/discard", form_path(&codes[0]));
        let stale_discard = keyer
            .post(
                &discard,
                &[("csrf", &old_tab.hidden("csrf")), ("version", "0")],
            )
            .await;
        assert_eq!(stale_discard.status, StatusCode::CONFLICT);
        let discarded = keyer
            .post(
                &discard,
                &[("csrf", &old_tab.hidden("csrf")), ("version", "1")],
            )
            .await;
        assert_eq!(
            discarded.status,
            StatusCode::SEE_OTHER,
            "{}",
            discarded.body
        );
        assert!(store::passes(&mut db.conn(), code_id(&db, &codes[0]))
            .unwrap()
            .is_empty());
        let mut other = signed_in!(db, "keyer2");
        let screen = other.get(&form_path(&codes[0])).await;
        assert!(
            screen.body.contains("1回目入力"),
            "the first entry is free again"
        );
    }
}

#[actix_web::test]
async fn an_admin_discards_an_entry_its_keyer_left_unfinished_so_someone_else_can_key_it() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let mut keyer = signed_in!(db, "keyer1");
        let draft = paper_answers(&q, &|_| None);
        let saved = key(
            &mut keyer,
            SLUG,
            &codes[0],
            &keyed_fields(&q, &draft),
            "save",
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let entry = store::passes(&mut db.conn(), code_id(&db, &codes[0])).unwrap()[0].clone();
        assert!(!entry.is_complete());
        let release = format!("/staff/entry/{SLUG}/drafts/{}/release", entry.id);

        // Only admins see the button, and only admins may use it.
        let mut colleague = signed_in!(db, "keyer2");
        let listed = colleague.get(&format!("/staff/entry/{SLUG}")).await;
        assert!(listed.body.contains("id=\"drafts\"") && !listed.body.contains(&release));
        let refused = colleague
            .post(
                &release,
                &[("csrf", &listed.hidden("csrf")), ("version", "1")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let mut admin = signed_in!(db, "admin");
        let overview = admin.get(&format!("/staff/entry/{SLUG}")).await;
        assert!(overview.body.contains(&release), "{}", overview.body);
        // A stale page (the keyer saved again since) discards nothing.
        let stale = admin
            .post(
                &release,
                &[("csrf", &overview.hidden("csrf")), ("version", "0")],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert_eq!(
            store::passes(&mut db.conn(), code_id(&db, &codes[0]))
                .unwrap()
                .len(),
            1
        );
        let released = admin
            .post(
                &release,
                &[
                    ("csrf", &overview.hidden("csrf")),
                    ("version", &entry.version.to_string()),
                ],
            )
            .await;
        assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
        let after = admin
            .get(released.location.as_deref().unwrap_or_default())
            .await;
        assert!(
            after.body.contains("ほかの職員が入力できます"),
            "{}",
            after.body
        );
        assert!(store::passes(&mut db.conn(), code_id(&db, &codes[0]))
            .unwrap()
            .is_empty());
        let screen = colleague.get(&form_path(&codes[0])).await;
        assert!(
            screen.body.contains("1回目入力"),
            "the first entry is free for someone else"
        );
        // The same page posted twice discards nothing more.
        let again = admin
            .post(
                &release,
                &[
                    ("csrf", &overview.hidden("csrf")),
                    ("version", &entry.version.to_string()),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
}

#[actix_web::test]
async fn a_paper_form_for_a_code_answered_online_is_kept_as_a_duplicate_and_staff_can_switch() {
    for db in databases() {
        users(&db);
        let (survey, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let code = &codes[0];
        let id = code_id(&db, code);
        let online_answers = paper_answers(&q, &|_| None);
        let online = {
            let mut conn = db.conn();
            let r =
                tsunagari::db::responses::start_or_resume_online(&mut conn, survey.id, id).unwrap();
            let json = serde_json::to_string(&online_answers).unwrap();
            tsunagari::db::responses::submit(&mut conn, r.id, r.version, &json, false).unwrap();
            r.id
        };
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        let screen = first.get(&form_path(code)).await;
        assert!(
            screen.body.contains("オンライン回答"),
            "mixed mode is announced: {}",
            screen.body
        );
        let fields = keyed_fields(&q, &paper_answers(&q, &|_| None));
        key(&mut first, SLUG, code, &fields, "complete").await;
        let done = key(&mut second, SLUG, code, &fields, "complete").await;
        let notice = second.get(done.location.as_deref().unwrap()).await;
        assert!(notice.body.contains("重複"), "{}", notice.body);

        let paper = paper_response(&db, code).expect("paper kept");
        assert!(!paper.counted);
        assert_eq!(paper.duplicate_of, Some(online));
        let all = store::code_responses(&mut db.conn(), id).unwrap();
        assert!(all.iter().find(|r| r.id == online).unwrap().counted);

        // Times on staff screens are the municipality's (Asia/Tokyo): the online answer
        // submitted at 20:30 UTC shows as 05:30 the next morning.
        {
            use diesel::prelude::*;
            use tsunagari::db::schema::responses;
            diesel::update(responses::table.find(online))
                .set(
                    responses::submitted_at.eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                        .unwrap()
                        .and_hms_opt(20, 30, 0)),
                )
                .execute(&mut db.conn())
                .unwrap();
        }
        // Switching needs a reason.
        let page_path = format!("/staff/entry/{SLUG}/response/{}", code.as_str());
        let page = reviewer.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("2026年12月4日 05:30"), "{}", page.body);
        assert!(!page.body.contains("UTC"), "{}", page.body);
        let csrf = page.hidden("csrf");
        let count_path = format!("{page_path}/count");
        let (pid, pversion) = (paper.id.to_string(), paper.version.to_string());
        let refused = reviewer
            .post(
                &count_path,
                &[
                    ("csrf", &csrf),
                    ("response", &pid),
                    ("version", &pversion),
                    ("reason", " "),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let switched = reviewer
            .post(
                &count_path,
                &[
                    ("csrf", &csrf),
                    ("response", &pid),
                    ("version", &pversion),
                    ("reason", "本人から紙を優先との電話"),
                ],
            )
            .await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
        let all = store::code_responses(&mut db.conn(), id).unwrap();
        let paper_now = all.iter().find(|r| r.id == paper.id).unwrap();
        let online_now = all.iter().find(|r| r.id == online).unwrap();
        assert!(paper_now.counted && !online_now.counted);
        assert_eq!(online_now.duplicate_of, Some(paper.id));
        let audit = store::audit_log(&mut db.conn(), survey.id, None).unwrap();
        let switches: Vec<(i64, Option<&str>)> = audit
            .iter()
            .filter(|a| a.item_id == store::AUDIT_COUNTED)
            .map(|a| (a.response_id, a.new_value.as_deref()))
            .collect();
        assert_eq!(switches.len(), 2);
        assert!(
            switches.contains(&(paper.id, Some("true")))
                && switches.contains(&(online, Some("false")))
        );
        assert!(audit
            .iter()
            .filter(|a| a.item_id == store::AUDIT_COUNTED)
            .all(|a| a.reason == "本人から紙を優先との電話"));

        // The stale screen (old version) cannot switch again.
        let stale = reviewer
            .post(
                &count_path,
                &[
                    ("csrf", &csrf),
                    ("response", &pid),
                    ("version", &pversion),
                    ("reason", "again"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    }
}

#[actix_web::test]
async fn a_reviewer_corrects_an_accepted_form_with_a_reason_and_the_audit_log_exports_it() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let code = &codes[0];
        let fields = keyed_fields(&q, &paper_answers(&q, &|_| None));
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        let mut other_reviewer = signed_in!(db, "admin");
        key(&mut first, SLUG, code, &fields, "complete").await;
        key(&mut second, SLUG, code, &fields, "complete").await;
        let response = paper_response(&db, code).expect("accepted");

        let page_path = format!("/staff/entry/{SLUG}/response/{}", code.as_str());
        let correct_path = format!("{page_path}/correct");
        let (rid, version) = (response.id.to_string(), response.version.to_string());
        // A keyer of the form may not correct it.
        let csrf_keyer = first.get(&page_path).await.hidden("csrf");
        let by_keyer = first
            .post(
                &correct_path,
                &[
                    ("csrf", &csrf_keyer),
                    ("response", &rid),
                    ("version", &version),
                    ("item", "direct"),
                    ("value", "4"),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(by_keyer.status, StatusCode::CONFLICT);

        let csrf = reviewer.get(&page_path).await.hidden("csrf");
        let no_reason = reviewer
            .post(
                &correct_path,
                &[
                    ("csrf", &csrf),
                    ("response", &rid),
                    ("version", &version),
                    ("item", "direct"),
                    ("value", "4"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let admin_csrf = other_reviewer.get(&page_path).await.hidden("csrf");
        let corrected = reviewer
            .post(
                &correct_path,
                &[
                    ("csrf", &csrf),
                    ("response", &rid),
                    ("version", &version),
                    ("item", "direct"),
                    ("value", "4"),
                    ("reason", "原票の再確認"),
                ],
            )
            .await;
        assert_eq!(
            corrected.status,
            StatusCode::SEE_OTHER,
            "{}",
            corrected.body
        );

        // A second reviewer on the page opened before the correction is refused and sees it.
        let stale = other_reviewer
            .post(
                &correct_path,
                &[
                    ("csrf", &admin_csrf),
                    ("response", &rid),
                    ("version", &version),
                    ("item", "direct"),
                    ("value", "5"),
                    ("reason", "別の判断"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert!(
            stale.body.contains("原票の再確認"),
            "the newer version with its audit row is shown"
        );

        let now = paper_response(&db, code).unwrap();
        let stored: Answers = serde_json::from_str(&now.answers_json).unwrap();
        assert_eq!(stored.get("direct"), Some(&Answer::Choice(4)));
        assert_eq!(now.version, response.version + 1);
        let audit = store::audit_log(&mut db.conn(), now.survey_id, Some(now.id)).unwrap();
        let last = audit.last().unwrap();
        assert_eq!(last.item_id, "direct");
        assert_eq!(
            last.old_value.as_deref(),
            Some(r#"{"type":"choice","value":1}"#)
        );
        assert_eq!(
            last.new_value.as_deref(),
            Some(r#"{"type":"choice","value":4}"#)
        );
        assert_eq!(
            (last.username.as_str(), last.reason.as_str()),
            ("reviewer", "原票の再確認")
        );

        let csv = reviewer
            .get(&format!("/staff/entry/{SLUG}/audit.csv"))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(csv.body.starts_with('\u{feff}'), "Excel reads it as UTF-8");
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2, "acceptance and correction");
        let row = &rows[1];
        assert_eq!(&row[2], "reviewer");
        assert_eq!(&row[3], code.as_str());
        assert_eq!((&row[6], &row[7]), ("direct", "問8"));
        assert_eq!(&row[8], r#"{"type":"choice","value":1}"#);
        assert_eq!(&row[10], "原票の再確認");
        let html = reviewer.get(&format!("/staff/entry/{SLUG}/audit")).await;
        assert!(html.body.contains("原票の再確認"));
    }
}

#[actix_web::test]
async fn with_double_entry_off_one_completed_entry_is_accepted_and_batches_are_counted() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 2);
        let q = demo_questionnaire(&db);
        let mut admin = signed_in!(db, "admin");
        let mut keyer = signed_in!(db, "keyer1");
        let overview_path = format!("/staff/entry/{SLUG}");
        // Keyed once while double entry was on: it waits for a second entry…
        let answers = paper_answers(&q, &|_| None);
        key(
            &mut keyer,
            SLUG,
            &codes[1],
            &keyed_fields(&q, &answers),
            "complete",
        )
        .await;
        assert!(paper_response(&db, &codes[1]).is_none());
        let csrf = keyer.get(&overview_path).await.hidden("csrf");
        let forbidden = keyer
            .post(
                &format!("{overview_path}/settings"),
                &[("csrf", &csrf), ("double_entry", "off")],
            )
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let admin_csrf = admin.get(&overview_path).await.hidden("csrf");
        let off = admin
            .post(
                &format!("{overview_path}/settings"),
                &[("csrf", &admin_csrf), ("double_entry", "off")],
            )
            .await;
        assert_eq!(off.status, StatusCode::SEE_OTHER);
        // … and is accepted when the survey switches to single entry.
        assert!(paper_response(&db, &codes[1]).is_some());

        let bad_batch = keyer
            .post(
                &format!("{overview_path}/batches"),
                &[
                    ("csrf", &csrf),
                    ("received_on", "20/11/2026"),
                    ("envelopes", "40"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(bad_batch.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_batch.body.contains("2026-11-20"), "{}", bad_batch.body);
        for n in ["40", "25"] {
            let logged = keyer
                .post(
                    &format!("{overview_path}/batches"),
                    &[
                        ("csrf", &csrf),
                        ("received_on", "2026-11-20"),
                        ("envelopes", n),
                        ("note", "本庁"),
                    ],
                )
                .await;
            assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
        }

        let answers = paper_answers(&q, &|_| None);
        let done = key(
            &mut keyer,
            SLUG,
            &codes[0],
            &keyed_fields(&q, &answers),
            "complete",
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let response = paper_response(&db, &codes[0]).expect("single entry accepted");
        assert!(response.counted);
        let overview = keyer.get(&overview_path).await;
        assert!(
            overview.body.contains(r#"id="count-envelopes">65<"#),
            "{}",
            overview.body
        );
        assert!(overview.body.contains(r#"id="count-keyed">2<"#));
        assert!(overview.body.contains(r#"id="count-accepted">2<"#));
    }
}

#[actix_web::test]
async fn an_online_answer_completed_after_the_paper_form_is_the_duplicate_and_passes_cannot_be_taken_twice(
) {
    for db in databases() {
        users(&db);
        let (survey, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let id = code_id(&db, &codes[0]);
        let user = |name: &str| {
            tsunagari::db::users::find_by_username(&mut db.conn(), name)
                .unwrap()
                .unwrap()
                .id
        };
        let (keyer1, keyer2) = (user("keyer1"), user("keyer2"));
        let mut conn = db.conn();

        // Two people saving the same pass first at once: the second is told, nothing is lost.
        store::start_pass(&mut conn, survey.id, id, 1, keyer1, "{}", false).unwrap();
        let taken =
            store::start_pass(&mut conn, survey.id, id, 1, keyer2, "{}", false).unwrap_err();
        assert!(
            taken.to_string().contains("just saved by someone else"),
            "{taken}"
        );
        let same = store::start_pass(&mut conn, survey.id, id, 2, keyer1, "{}", false).unwrap_err();
        assert!(same.to_string().contains("someone else"), "{same}");

        // The paper form is accepted first; the resident then finishes online.
        let answers = serde_json::to_string(&paper_answers(&q, &|_| None)).unwrap();
        let paper = store::accept(&mut conn, survey.id, id, &answers, false, keyer2, &[]).unwrap();
        let again = store::accept(&mut conn, survey.id, id, &answers, false, keyer2, &[]);
        assert!(again.is_err(), "a form is accepted once");
        let online =
            tsunagari::db::responses::start_or_resume_online(&mut conn, survey.id, id).unwrap();
        tsunagari::db::responses::submit(&mut conn, online.id, online.version, &answers, false)
            .unwrap();
        // Submitting online applied the rule already: settling again changes nothing.
        assert_eq!(store::settle_duplicates(&mut conn, id).unwrap(), []);
        let (_, counted) = tsunagari::db::responses::counts(&mut conn, survey.id).unwrap();
        assert_eq!(counted, 1, "the code counts once");
        let all = store::code_responses(&mut conn, id).unwrap();
        let online_now = all.iter().find(|r| r.id == online.id).unwrap();
        assert!(!online_now.counted);
        assert_eq!(online_now.duplicate_of, Some(paper.id));
        assert!(all.iter().find(|r| r.id == paper.id).unwrap().counted);
        assert_eq!(
            store::paper_counts(&mut conn, survey.id)
                .unwrap()
                .duplicates,
            1
        );
    }
}

/// The printed numbers of a keying screen, in screen order.
fn keyed_numbers(body: &str) -> Vec<String> {
    body.split("<th class=\"qnum\"><label for=\"k-")
        .skip(1)
        .filter_map(|rest| {
            let number = rest.split_once("\">")?.1;
            Some(number.split_once('<')?.0.to_string())
        })
        .collect()
}

#[actix_web::test]
async fn the_keying_screen_prints_the_paper_numbers_with_the_modules_on_or_off() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let mut core_settings =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
        core_settings.slug = "core-2026".into();
        core_settings.modules.clear();
        let core_row = tsunagari::ops::surveys::create(
            &mut db.conn(),
            &db.config().questionnaires_dir,
            &core_settings,
        )
        .unwrap();
        let core_codes =
            tsunagari::ops::codes::issue(&mut db.conn(), core_row.id, 1, false).unwrap();
        common::grant_every_survey(&db);
        let mut keyer = signed_in!(db, "keyer1");

        let full = keyer.get(&form_path(&codes[0])).await;
        assert_eq!(full.status, StatusCode::OK, "{}", full.body);
        let numbers = keyed_numbers(&full.body);
        let q = demo_questionnaire(&db);
        let expected: Vec<String> = q.questions().iter().map(|x| x.number.clone()).collect();
        assert_eq!(numbers, expected, "the screen mirrors the paper form");
        for number in ["L1(1)", "K1(6)", "N1", "S8(6)", "F8", "問9"] {
            assert!(numbers.iter().any(|n| n == number), "{number}: {numbers:?}");
        }

        let core = keyer
            .get(&format!(
                "/staff/entry/core-2026/form/{}",
                core_codes[0].as_str()
            ))
            .await;
        assert_eq!(core.status, StatusCode::OK, "{}", core.body);
        let numbers = keyed_numbers(&core.body);
        // Without modules the core numbers are the same and run without a gap.
        let main: Vec<&str> = numbers
            .iter()
            .filter(|n| n.starts_with('問'))
            .map(|n| n.split('(').next().unwrap())
            .fold(Vec::new(), |mut seen, n| {
                if seen.last() != Some(&n) {
                    seen.push(n);
                }
                seen
            });
        assert_eq!(
            main,
            [
                "問1", "問2", "問3", "問4", "問5", "問5-1", "問6", "問6-1", "問7", "問8", "問9"
            ]
        );
        assert!(
            numbers
                .iter()
                .all(|n| !["L", "K", "N", "S"].iter().any(|p| n.starts_with(p))),
            "{numbers:?}"
        );
        assert!(
            numbers.iter().filter(|n| n.starts_with('F')).count() == 9,
            "F1–F8 and F4-1: {numbers:?}"
        );
    }
}

#[actix_web::test]
async fn opening_a_form_to_look_at_it_stores_nothing_and_its_first_save_stores_the_entry() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let code = &codes[0];
        let mut keyer = signed_in!(db, "keyer1");

        // By the code box and by the address: the screen, and nothing stored.
        let csrf = keyer
            .get(&format!("/staff/entry/{SLUG}"))
            .await
            .hidden("csrf");
        let opened = keyer
            .post(
                &format!("/staff/entry/{SLUG}/open"),
                &[("csrf", csrf.as_str()), ("code", &code.grouped())],
            )
            .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        assert_eq!(opened.location.as_deref(), Some(form_path(code).as_str()));
        let screen = keyer.get(&form_path(code)).await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
        assert_eq!(screen.hidden("version"), "0");
        // The routing note printed on the paper (hidden from residents online) is shown.
        assert!(
            screen
                .body
                .contains("<span class=\"paper-note\">（問6で「いる」と答えた方に）</span>"),
            "{}",
            screen.body
        );
        assert!(
            screen.body.contains("id=\"not-stored\"") && !screen.body.contains("/discard"),
            "nothing to discard yet: {}",
            screen.body
        );
        assert!(
            store::passes(&mut db.conn(), code_id(&db, code))
                .unwrap()
                .is_empty(),
            "looking at a form creates no draft"
        );
        let overview = keyer.get(&format!("/staff/entry/{SLUG}")).await;
        assert!(
            !overview.body.contains("id=\"drafts\""),
            "no unfinished entry is listed"
        );

        // The first save stores it as the keyer's draft at version 1.
        let draft = paper_answers(&q, &|_| None);
        let mut fields = keyed_fields(&q, &draft);
        fields.push(("csrf".into(), screen.hidden("csrf")));
        fields.push(("version".into(), "0".into()));
        fields.push(("action".into(), "save".into()));
        let saved = keyer.post(&form_path(code), &refs(&fields)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let passes = store::passes(&mut db.conn(), code_id(&db, code)).unwrap();
        assert_eq!(passes.len(), 1);
        assert_eq!((passes[0].pass, passes[0].version), (1, 1));
        assert!(!passes[0].is_complete());
        let stored: Answers = serde_json::from_str(&passes[0].answers_json).unwrap();
        assert_eq!(stored, draft);
        let again = keyer.get(&form_path(code)).await;
        assert_eq!(again.hidden("version"), "1");
        assert!(again.body.contains("/discard"), "now it can be discarded");

        // A second person's look at the form stores nothing either; a first save that
        // completes stores the second entry as complete.
        let mut second = signed_in!(db, "keyer2");
        let screen = second.get(&form_path(code)).await;
        assert!(screen.body.contains("2回目入力"), "{}", screen.body);
        assert_eq!(
            store::passes(&mut db.conn(), code_id(&db, code))
                .unwrap()
                .len(),
            1
        );
        let done = key(
            &mut second,
            SLUG,
            code,
            &keyed_fields(&q, &draft),
            "complete",
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let passes = store::passes(&mut db.conn(), code_id(&db, code)).unwrap();
        assert_eq!(passes.len(), 2);
        assert!(passes[1].is_complete() && passes[1].version == 1);
    }
}

/// Two differing complete entries of `code` by keyer1 and keyer2 (問8 and 問7(1) differ).
async fn differing_entries<S, B>(
    q: &Questionnaire,
    code: &AccessCode,
    first: &mut Client<S>,
    second: &mut Client<S>,
) where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let answers_1 = paper_answers(q, &|_| None);
    let answers_2 = paper_answers(q, &|question| match question.id.as_str() {
        "direct" => Some(Answer::Choice(2)),
        "ucla_1" => Some(Answer::Missing(MissingReason::Unreadable)),
        _ => None,
    });
    let done = key(first, SLUG, code, &keyed_fields(q, &answers_1), "complete").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let done = key(second, SLUG, code, &keyed_fields(q, &answers_2), "complete").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

/// The reviewer's posted reconciliation of [`differing_entries`]: 問8 typed as 2 from the
/// paper, 問7(1) from entry 1, with a note.
async fn reconcile_as_reviewer<S, B>(reviewer: &mut Client<S>, code: &AccessCode)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let path = format!("/staff/entry/{SLUG}/reconcile/{}", code.as_str());
    let screen = reviewer.get(&path).await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
    let fields = [
        ("csrf", screen.hidden("csrf")),
        ("v1", screen.hidden("v1")),
        ("v2", screen.hidden("v2")),
        ("pick:direct", "typed".into()),
        ("value:direct", "2".into()),
        ("pick:ucla_1", "first".into()),
        ("reason", "原票を確認".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let accepted = reviewer.post(&path, &fields).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
}

#[actix_web::test]
async fn the_code_box_leads_a_reviewer_to_the_reconciliation_of_a_form_that_waits_for_it() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 1);
        let q = demo_questionnaire(&db);
        let code = &codes[0];
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        differing_entries(&q, code, &mut first, &mut second).await;
        let open = |csrf: String| {
            vec![
                ("csrf".to_string(), csrf),
                ("code".to_string(), code.grouped().to_lowercase()),
            ]
        };

        let csrf = reviewer
            .get(&format!("/staff/entry/{SLUG}"))
            .await
            .hidden("csrf");
        let led = reviewer
            .post(&format!("/staff/entry/{SLUG}/open"), &refs(&open(csrf)))
            .await;
        assert_eq!(led.status, StatusCode::SEE_OTHER, "{}", led.body);
        let reconcile = format!("/staff/entry/{SLUG}/reconcile/{}", code.as_str());
        assert_eq!(led.location.as_deref(), Some(reconcile.as_str()));

        // A keyer of the form is told, in Japanese, who reconciles it.
        let csrf = first
            .get(&format!("/staff/entry/{SLUG}"))
            .await
            .hidden("csrf");
        let refused = first
            .post(&format!("/staff/entry/{SLUG}/open"), &refs(&open(csrf)))
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(refused.body.contains("照合待ちです"), "{}", refused.body);
        assert!(store::paper_response(&mut db.conn(), code_id(&db, code))
            .unwrap()
            .is_none());

        // Once reconciled, the code box leads to the response.
        reconcile_as_reviewer(&mut reviewer, code).await;
        let csrf = reviewer
            .get(&format!("/staff/entry/{SLUG}"))
            .await
            .hidden("csrf");
        let led = reviewer
            .post(&format!("/staff/entry/{SLUG}/open"), &refs(&open(csrf)))
            .await;
        assert_eq!(
            led.location.as_deref(),
            Some(format!("/staff/entry/{SLUG}/response/{}", code.as_str()).as_str())
        );
    }
}

#[actix_web::test]
async fn audit_reasons_are_shown_in_the_language_the_viewer_chose() {
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 2);
        let q = demo_questionnaire(&db);
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        differing_entries(&q, &codes[0], &mut first, &mut second).await;
        reconcile_as_reviewer(&mut reviewer, &codes[0]).await;
        // The other form: identical entries, accepted automatically.
        let same = keyed_fields(&q, &paper_answers(&q, &|_| None));
        key(&mut first, SLUG, &codes[1], &same, "complete").await;
        key(&mut second, SLUG, &codes[1], &same, "complete").await;

        let audit = reviewer.get(&format!("/staff/entry/{SLUG}/audit")).await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
        for ja in [
            "照合して受理（異なる2項目を照合）",
            "照合: 1回目 1、2回目 2。原票を見て「2」に修正 — 原票を確認",
            "1回目を採用 — 原票を確認",
            "自動受理（2回の入力が一致）",
        ] {
            assert!(audit.body.contains(ja), "{ja}: {}", audit.body);
        }
        for en in ["accepted", "reconcil", "entry 1", "chose"] {
            assert!(
                !audit.body.contains(en),
                "no English `{en}`: {}",
                audit.body
            );
        }
        let response = reviewer
            .get(&format!(
                "/staff/entry/{SLUG}/response/{}",
                codes[0].as_str()
            ))
            .await;
        assert!(response.body.contains("照合して受理"), "{}", response.body);

        let english = reviewer
            .get(&format!("/staff/entry/{SLUG}/audit?lang=en"))
            .await;
        for en in [
            "accepted after reconciling 2 items",
            "reconciliation: entry 1 1, entry 2 2; corrected to `2` — 原票を確認",
            "accepted automatically: both entries identical",
        ] {
            assert!(english.body.contains(en), "{en}: {}", english.body);
        }
        assert!(!english.body.contains("照合して受理"));

        // What the database keeps: the kind, and the reviewer's note as typed.
        let stored = store::audit_log(&mut db.conn(), audit_survey(&db), None).unwrap();
        let whole = stored
            .iter()
            .find(|e| e.item_id == store::AUDIT_WHOLE_RESPONSE && e.reason_code.is_some())
            .unwrap();
        assert_eq!(whole.reason, "");
        assert!(stored
            .iter()
            .any(|e| e.item_id == "direct" && e.reason == "原票を確認"));
    }
}

fn audit_survey(db: &TestDb) -> i64 {
    tsunagari::ops::surveys::by_slug(&mut db.conn(), SLUG)
        .unwrap()
        .id
}

/// Reads one migration file of this database's backend.
fn migration_sql(db: &TestDb, name: &str, file: &str) -> String {
    std::fs::read_to_string(repo_path(&format!(
        "migrations/{}/{name}/{file}",
        db.backend()
    )))
    .unwrap()
}

#[actix_web::test]
async fn reasons_written_in_english_before_are_read_into_kinds_and_the_migration_goes_back_to_them()
{
    use diesel::connection::SimpleConnection;
    const MIGRATION: &str = "2026-12-04-000201_audit_reason_code";
    for db in databases() {
        users(&db);
        let (_, codes) = demo_survey(&db, 2);
        let q = demo_questionnaire(&db);
        let mut first = signed_in!(db, "keyer1");
        let mut second = signed_in!(db, "keyer2");
        let mut reviewer = signed_in!(db, "reviewer");
        differing_entries(&q, &codes[0], &mut first, &mut second).await;
        reconcile_as_reviewer(&mut reviewer, &codes[0]).await;
        let same = keyed_fields(&q, &paper_answers(&q, &|_| None));
        key(&mut first, SLUG, &codes[1], &same, "complete").await;
        key(&mut second, SLUG, &codes[1], &same, "complete").await;
        let survey_id = audit_survey(&db);
        let before = store::audit_log(&mut db.conn(), survey_id, None).unwrap();
        assert_eq!(before.len(), 4, "{before:?}");

        // Down: the English text the paper entry wrote before.
        db.conn()
            .batch_execute(&migration_sql(&db, MIGRATION, "down.sql"))
            .unwrap();
        let old: Vec<String> = {
            use diesel::prelude::*;
            use tsunagari::db::schema::response_audit;
            response_audit::table
                .order(response_audit::id.asc())
                .select(response_audit::reason)
                .load(&mut db.conn())
                .unwrap()
        };
        let mut expected = vec![
            "accepted after reconciling 2 item(s)".to_string(),
            "reconciliation: entry 1 1, entry 2 ?; chose entry 1 — 原票を確認".into(),
            "reconciliation: entry 1 1, entry 2 2; corrected to `2` — 原票を確認".into(),
            "accepted automatically: both entries identical".into(),
        ];
        // The order of the two items is the form's; compare as sets of reasons.
        let mut sorted = old.clone();
        sorted.sort();
        expected.sort();
        assert_eq!(sorted, expected);

        // Up again, and the older rows are read into the same kinds and notes.
        db.conn()
            .batch_execute(&migration_sql(&db, MIGRATION, "up.sql"))
            .unwrap();
        tsunagari::db::migrate(&db.pool).unwrap();
        let after = store::audit_log(&mut db.conn(), survey_id, None).unwrap();
        let reasons = |log: &[store::AuditEntry]| {
            log.iter()
                .map(|e| (e.id, e.reason_code.clone(), e.reason.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(reasons(&after), reasons(&before));
        assert_eq!(store::convert_legacy_reasons(&mut db.conn()).unwrap(), 0);
        let audit = reviewer.get(&format!("/staff/entry/{SLUG}/audit")).await;
        assert!(audit.body.contains("照合して受理"), "{}", audit.body);
        assert!(!audit.body.contains("accepted"), "{}", audit.body);
    }
}

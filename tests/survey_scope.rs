//! Accounts per survey, on every backend: staff and planners of survey A get 403 on every page
//! and download of survey B — every route of the site that names a survey, read from the
//! handlers' sources so that a route added later is checked too — while admins open both.

mod common;

use actix_web::http::StatusCode;
use common::planner_data::{drawn_survey, drawn_survey_of};
use common::routes::routes;
use common::{add_user, add_user_with_surveys, client, databases, repo_path, sign_in};
use tsunagari::auth::Role;

const PASSWORD: &str = "a-long-enough-password";
const SURVEY_A: &str = "demo-2026";
const SURVEY_B: &str = "other-town-2026";

/// The signed-in pages and downloads of one survey: every staff or planner pattern with
/// `{slug}` (the residents' `/o/{slug}` is public).
fn survey_routes() -> Vec<(String, String)> {
    routes()
        .into_iter()
        .filter(|(_, path)| {
            path.contains("{slug}")
                && (path.starts_with("/staff/") || path.starts_with("/planner/"))
        })
        .collect()
}

/// A pattern with its placeholders filled: the survey, one of its access codes, and a
/// plausible value for anything else.
fn fill(pattern: &str, slug: &str, code: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            "{slug}" => slug.to_string(),
            "{code}" => code.to_string(),
            "{indicator}" => "direct_lonely".to_string(),
            "{by}.svg" => "sex.svg".to_string(),
            s if s.starts_with('{') => "1".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_staff_and_planner_route_names_its_survey_slug_so_the_scope_check_sees_it() {
    let all = routes();
    assert!(all.len() > 40, "{all:?}");
    for (_, path) in &all {
        for prefix in ["/planner/", "/staff/entry/", "/staff/surveys/"] {
            if let Some(rest) = path.strip_prefix(prefix) {
                let survey = rest.split('/').next().unwrap();
                assert_eq!(
                    survey, "{slug}",
                    "{path}: survey routes name the survey `{{slug}}`"
                );
            }
        }
    }
}

#[actix_web::test]
async fn staff_and_planners_of_survey_a_get_403_on_every_page_and_download_of_survey_b() {
    let routes = survey_routes();
    assert!(routes.len() >= 36, "{routes:?}");
    for db in databases() {
        let (a_id, a_codes) = drawn_survey(&db, 11);
        let mut other =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
        other.slug = SURVEY_B.into();
        let (b_id, b_codes) = drawn_survey_of(&db, &other, 12);
        add_user_with_surveys(&db, "staff_a", PASSWORD, Role::Staff, &[a_id]);
        add_user_with_surveys(&db, "planner_a", PASSWORD, Role::Planner, &[a_id]);
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let state = db.state();
        let mut staff = client(state.clone()).await;
        sign_in(&mut staff, "staff_a", PASSWORD).await;
        let mut planner = client(state.clone()).await;
        sign_in(&mut planner, "planner_a", PASSWORD).await;
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let staff_csrf = staff.get("/staff").await.hidden("csrf");
        let planner_csrf = planner.get("/planner").await.hidden("csrf");

        // The lists show survey A only.
        let list = staff.get("/staff").await.body;
        assert!(
            list.contains(SURVEY_A) && !list.contains(SURVEY_B),
            "{list}"
        );
        let list = planner.get("/planner").await.body;
        assert!(
            list.contains(SURVEY_A) && !list.contains(SURVEY_B),
            "{list}"
        );
        assert!(admin.get("/staff").await.body.contains(SURVEY_B));

        let mut checked = 0;
        for (method, pattern) in &routes {
            let on_b = fill(pattern, SURVEY_B, &b_codes[0]);
            let on_a = fill(pattern, SURVEY_A, &a_codes[0]);
            // The account whose role opens this kind of page: only the survey can stop it.
            let (who, csrf) = if pattern.starts_with("/planner") {
                (&mut planner, &planner_csrf)
            } else {
                (&mut staff, &staff_csrf)
            };
            match method.as_str() {
                "get" => {
                    let page = who.get(&on_b).await;
                    assert_eq!(
                        page.status,
                        StatusCode::FORBIDDEN,
                        "{} GET {on_b}",
                        db.backend()
                    );
                    assert!(
                        page.body.contains("このページを開く権限がありません"),
                        "{on_b}"
                    );
                    let own = who.get(&on_a).await;
                    assert_ne!(
                        own.status,
                        StatusCode::FORBIDDEN,
                        "GET {on_a}: {}",
                        own.body
                    );
                    let as_admin = admin.get(&on_b).await;
                    assert_ne!(as_admin.status, StatusCode::FORBIDDEN, "admin GET {on_b}");
                }
                "post" => {
                    let page = who
                        .post(
                            &on_b,
                            &[
                                ("csrf", csrf.as_str()),
                                ("reason", "x"),
                                ("code", &b_codes[0]),
                            ],
                        )
                        .await;
                    assert_eq!(
                        page.status,
                        StatusCode::FORBIDDEN,
                        "{} POST {on_b}",
                        db.backend()
                    );
                }
                other => panic!("{other} {pattern}"),
            }
            checked += 1;
        }
        assert_eq!(checked, routes.len());
        // None of the refused posts changed survey B: its sample is still not final.
        let sample = tsunagari::db::sample::find(&mut db.conn(), b_id)
            .unwrap()
            .unwrap();
        assert!(sample.letters_printed_at.is_none());
        // A survey that does not exist answers the same as one that is not yours.
        assert_eq!(
            staff
                .get("/staff/surveys/no-such-survey/sample")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            admin
                .get("/staff/surveys/no-such-survey/sample")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[actix_web::test]
async fn an_admin_gives_a_planner_survey_b_and_takes_it_away_on_the_account_page() {
    for db in databases() {
        let (a_id, _) = drawn_survey(&db, 21);
        let planner_id = add_user_with_surveys(&db, "planner_a", PASSWORD, Role::Planner, &[]);
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let state = db.state();
        let mut planner = client(state.clone()).await;
        sign_in(&mut planner, "planner_a", PASSWORD).await;
        let path = format!("/planner/{SURVEY_A}/fieldwork");
        assert_eq!(planner.get(&path).await.status, StatusCode::FORBIDDEN);

        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let page = admin.get(&format!("/admin/users/{planner_id}")).await;
        let csrf = page.hidden("csrf");
        let id = a_id.to_string();
        let saved = admin
            .post(
                &format!("/admin/users/{planner_id}/surveys"),
                &[("csrf", &csrf), ("survey", &id)],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(
            planner.get(&path).await.status,
            StatusCode::OK,
            "{}",
            db.backend()
        );
        let page = admin.get(&format!("/admin/users/{planner_id}")).await;
        assert!(
            page.body
                .contains(&format!("担当の調査: なし → {SURVEY_A}")),
            "{}",
            page.body
        );

        let cleared = admin
            .post(
                &format!("/admin/users/{planner_id}/surveys"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER);
        assert_eq!(planner.get(&path).await.status, StatusCode::FORBIDDEN);
    }
}

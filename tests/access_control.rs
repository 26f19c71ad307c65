//! Who may open what, on every backend: every route the handlers register (read from
//! `src/web/`, see `common::routes`) × every kind of visitor — anonymous, a resident
//! answering, staff, planner, consultation staff, admin, and staff, planners and
//! consultation staff of another survey — against the table below, which is the spec. A
//! route registered without an entry here fails the first test, so no route is forgotten.
//!
//! Allowed: the page does its work (any status but a 5xx, the refusal page 403, a 401 or
//! a redirect to sign in). Denied: a redirect to `/login?next=…` for someone not signed in,
//! 403 with the refusal page for a signed-in account.

mod common;

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use common::planner_data::{drawn_survey, drawn_survey_of};
use common::routes::routes;
use common::{add_user, add_user_with_surveys, client, databases, repo_path, sign_in, Page};
use tsunagari::auth::Role;

const PASSWORD: &str = "a-long-enough-password";
const SURVEY_A: &str = "demo-2026";
const SURVEY_B: &str = "other-town-2026";

/// Who may open a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone: the residents' start, code and open-questionnaire pages, sign-in, the links
    /// mailed for invitations and resets, the language switch, health, static files.
    Public,
    /// The resident's answering pages: anyone may ask; without an answering session they
    /// send the visitor back to the start. No staff role opens or closes them.
    Answering,
    /// Sign-out: ends whatever session there is and goes to the sign-in page.
    SignOut,
    /// Accounts of this role and admins; on a route with `{slug}`, only members of that
    /// survey (admins: every survey).
    Role(Role),
}

use Access::{Answering, Public, SignOut};
const STAFF: Access = Access::Role(Role::Staff);
const PLANNER: Access = Access::Role(Role::Planner);
const CONSULTATION: Access = Access::Role(Role::Consultation);
const ADMIN: Access = Access::Role(Role::Admin);

/// The spec: every route of the site and who may open it.
const EXPECTED: &[(&str, &str, Access)] = &[
    // Residents.
    ("get", "/", Public),
    ("get", "/c/{code}", Public),
    ("post", "/start", Public),
    ("get", "/o/{slug}", Public),
    ("post", "/o/{slug}", Public),
    ("get", "/answer", Answering),
    ("get", "/answer/page/{index}", Answering),
    ("post", "/answer/page/{index}", Answering),
    ("get", "/answer/review", Answering),
    ("post", "/answer/submit", Answering),
    ("get", "/answer/saved", Answering),
    ("get", "/answer/done", Answering),
    ("get", "/answer/contact", Answering),
    ("post", "/answer/contact", Answering),
    // Everyone.
    ("get", "/lang", Public),
    ("get", "/healthz", Public),
    ("get", "/static/site.css", Public),
    ("get", "/static/print.js", Public),
    ("get", "/static/entry.js", Public),
    ("get", "/login", Public),
    ("post", "/login", Public),
    ("post", "/logout", SignOut),
    ("get", "/account/invitation/{token}", Public),
    ("post", "/account/invitation/{token}", Public),
    ("get", "/password-reset", Public),
    ("post", "/password-reset", Public),
    ("get", "/password-reset/{token}", Public),
    ("post", "/password-reset/{token}", Public),
    // Staff: fieldwork, the sample, letters, the open link, paper entry, the status page.
    ("get", "/staff", STAFF),
    ("get", "/staff/surveys/{slug}/sample", STAFF),
    ("get", "/staff/surveys/{slug}/sample.csv", STAFF),
    ("post", "/staff/surveys/{slug}/finalise", STAFF),
    ("get", "/staff/surveys/{slug}/letters", STAFF),
    ("get", "/staff/surveys/{slug}/mailing.csv", STAFF),
    ("get", "/staff/surveys/{slug}/reminders.csv", STAFF),
    ("get", "/staff/surveys/{slug}/dispositions", STAFF),
    ("post", "/staff/surveys/{slug}/dispositions", STAFF),
    ("get", "/staff/surveys/{slug}/register", STAFF),
    ("post", "/staff/surveys/{slug}/register/upload", STAFF),
    ("get", "/staff/surveys/{slug}/register/{upload}", STAFF),
    ("post", "/staff/surveys/{slug}/register/{upload}", STAFF),
    (
        "post",
        "/staff/surveys/{slug}/register/{upload}/discard",
        STAFF,
    ),
    (
        "get",
        "/staff/surveys/{slug}/register/{upload}/progress",
        STAFF,
    ),
    ("get", "/staff/surveys/{slug}/draw", STAFF),
    ("post", "/staff/surveys/{slug}/draw", STAFF),
    ("get", "/staff/surveys/{slug}/response-rates.csv", STAFF),
    ("get", "/staff/surveys/{slug}/link", STAFF),
    ("get", "/staff/surveys/{slug}/qr.svg", STAFF),
    ("get", "/staff/surveys/{slug}/qr.png", STAFF),
    ("get", "/staff/surveys/{slug}/status", STAFF),
    ("get", "/staff/entry/{slug}", STAFF),
    ("post", "/staff/entry/{slug}/batches", STAFF),
    ("post", "/staff/entry/{slug}/open", STAFF),
    ("get", "/staff/entry/{slug}/form/{code}", STAFF),
    ("post", "/staff/entry/{slug}/form/{code}", STAFF),
    ("post", "/staff/entry/{slug}/form/{code}/discard", STAFF),
    ("get", "/staff/entry/{slug}/reconcile/{code}", STAFF),
    ("post", "/staff/entry/{slug}/reconcile/{code}", STAFF),
    ("get", "/staff/entry/{slug}/response/{code}", STAFF),
    ("post", "/staff/entry/{slug}/response/{code}/correct", STAFF),
    ("post", "/staff/entry/{slug}/response/{code}/count", STAFF),
    ("get", "/staff/entry/{slug}/audit", STAFF),
    ("get", "/staff/entry/{slug}/audit.csv", STAFF),
    // Admins only, on staff pages: a survey's steps, entry settings, another keyer's draft.
    ("post", "/staff/surveys/{slug}/status", ADMIN),
    ("post", "/staff/surveys/{slug}/status/period", ADMIN),
    ("post", "/staff/surveys/{slug}/status/test-codes", ADMIN),
    ("post", "/staff/entry/{slug}/settings", ADMIN),
    ("post", "/staff/entry/{slug}/drafts/{entry}/release", ADMIN),
    // Planners: results and downloads.
    ("get", "/planner", PLANNER),
    ("get", "/planner/{slug}", PLANNER),
    ("get", "/planner/{slug}/tabulation.csv", PLANNER),
    ("get", "/planner/{slug}/tabulation.xlsx", PLANNER),
    ("get", "/planner/{slug}/estimates", PLANNER),
    ("get", "/planner/{slug}/estimates.csv", PLANNER),
    ("get", "/planner/{slug}/estimates.xlsx", PLANNER),
    ("get", "/planner/{slug}/subgroups", PLANNER),
    ("get", "/planner/{slug}/subgroups.csv", PLANNER),
    ("get", "/planner/{slug}/subgroups.xlsx", PLANNER),
    ("get", "/planner/{slug}/subgroups.json", PLANNER),
    ("get", "/planner/{slug}/chart/{indicator}/{by}.svg", PLANNER),
    ("get", "/planner/{slug}/report", PLANNER),
    ("get", "/planner/{slug}/comments", PLANNER),
    ("get", "/planner/{slug}/comments.csv", PLANNER),
    ("get", "/planner/{slug}/comments.xlsx", PLANNER),
    ("get", "/planner/{slug}/table", PLANNER),
    ("get", "/planner/{slug}/table.csv", PLANNER),
    ("get", "/planner/{slug}/table.xlsx", PLANNER),
    ("get", "/planner/{slug}/analysis.zip", PLANNER),
    ("get", "/planner/{slug}/fieldwork", PLANNER),
    ("get", "/planner/{slug}/fieldwork.xlsx", PLANNER),
    ("get", "/planner/{slug}/weighting", PLANNER),
    // Admins only, on planner pages: the previous wave and the weighting.
    ("post", "/planner/{slug}/previous-wave", ADMIN),
    ("post", "/planner/{slug}/weighting", ADMIN),
    ("post", "/planner/{slug}/weighting/default", ADMIN),
    ("post", "/planner/{slug}/weighting/{id}/publish", ADMIN),
    // Consultation staff: residents' contact requests.
    ("get", "/consult", CONSULTATION),
    ("get", "/consult/{slug}", CONSULTATION),
    ("get", "/consult/{slug}/requests/{id}", CONSULTATION),
    ("post", "/consult/{slug}/requests/{id}", CONSULTATION),
    // Admins: accounts and the mail queue.
    ("get", "/admin/users", ADMIN),
    ("post", "/admin/users", ADMIN),
    ("get", "/admin/users/{id}", ADMIN),
    ("post", "/admin/users/{id}/role", ADMIN),
    ("post", "/admin/users/{id}/surveys", ADMIN),
    ("post", "/admin/users/{id}/active", ADMIN),
    ("post", "/admin/users/{id}/invite", ADMIN),
    ("get", "/admin/mail", ADMIN),
    ("post", "/admin/mail/{id}/retry", ADMIN),
];

#[test]
fn every_registered_route_has_an_expected_access_and_every_entry_is_a_route() {
    let registered: BTreeSet<(String, String)> = routes().into_iter().collect();
    assert!(registered.len() > 90, "{registered:?}");
    let listed: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed.len(), EXPECTED.len(), "a route is listed twice");
    let missing: Vec<String> = registered
        .difference(&listed)
        .map(|(m, p)| format!("    (\"{m}\", \"{p}\", ?),"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an expected access in tests/access_control.rs — decide who may open \
         each and add it to EXPECTED:\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = listed
        .difference(&registered)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(stale.is_empty(), "listed but not registered: {stale:?}");
}

/// A visitor of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visitor {
    Anonymous,
    /// A resident answering survey A with an access code.
    Resident,
    /// An account of this role, a member of survey A (admins: of every survey).
    Member(Role),
    /// An account of this role, a member of survey B only.
    OtherSurvey(Role),
}

const VISITORS: [Visitor; 9] = [
    Visitor::Anonymous,
    Visitor::Resident,
    Visitor::Member(Role::Staff),
    Visitor::Member(Role::Planner),
    Visitor::Member(Role::Consultation),
    Visitor::Member(Role::Admin),
    Visitor::OtherSurvey(Role::Staff),
    Visitor::OtherSurvey(Role::Planner),
    Visitor::OtherSurvey(Role::Consultation),
];

/// What `visitor` should meet on a route of `access` (`scoped`: the route names a survey).
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    SignInFirst,
    Forbidden,
}

fn expected(access: Access, scoped: bool, visitor: Visitor) -> Outcome {
    let Access::Role(needed) = access else {
        return Outcome::Allowed;
    };
    match visitor {
        Visitor::Anonymous | Visitor::Resident => Outcome::SignInFirst,
        Visitor::Member(role) if role.allows(needed) => Outcome::Allowed,
        Visitor::OtherSurvey(role) if role.allows(needed) && !scoped => Outcome::Allowed,
        _ => Outcome::Forbidden,
    }
}

fn username(visitor: Visitor) -> Option<String> {
    match visitor {
        Visitor::Member(role) => Some(format!("{}_a", role.as_str())),
        Visitor::OtherSurvey(role) => Some(format!("{}_b", role.as_str())),
        _ => None,
    }
}

/// What the visitor sees, checked against what it should: `Err` says what is wrong.
fn judge(page: &Page, outcome: &Outcome) -> Result<(), String> {
    let to_sign_in = page.status == StatusCode::SEE_OTHER
        && page
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login?next="));
    let refused = page.status == StatusCode::FORBIDDEN
        && page.body.contains("このページを開く権限がありません");
    // A form the page refused for its token did not do its work: the check sent it wrong.
    let token_refused =
        page.status == StatusCode::FORBIDDEN && page.body.contains("画面の有効期限が切れました");
    if page.status.is_server_error() {
        return Err(format!("{}: {}", page.status, page.body));
    }
    match outcome {
        Outcome::Allowed if to_sign_in || refused || page.status == StatusCode::UNAUTHORIZED => {
            Err(format!("refused ({}, {:?})", page.status, page.location))
        }
        Outcome::Allowed if token_refused => Err("the form's token was refused".into()),
        Outcome::SignInFirst if !to_sign_in => Err(format!(
            "not sent to sign in: {} {:?}",
            page.status, page.location
        )),
        Outcome::Forbidden if !refused => Err(format!(
            "not refused with 403: {} {:?}",
            page.status, page.location
        )),
        _ if page.status.is_client_error() && page.body.trim().is_empty() => {
            Err(format!("{} with an empty body", page.status))
        }
        _ => Ok(()),
    }
}

#[actix_web::test]
async fn every_route_lets_in_exactly_the_visitors_the_table_names_on_every_backend() {
    for db in databases() {
        let (a_id, a_codes) = drawn_survey(&db, 31);
        let mut other =
            tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
        other.slug = SURVEY_B.into();
        let (b_id, b_codes) = drawn_survey_of(&db, &other, 32);
        for role in [Role::Staff, Role::Planner, Role::Consultation] {
            add_user_with_surveys(
                &db,
                &format!("{}_a", role.as_str()),
                PASSWORD,
                role,
                &[a_id],
            );
            add_user_with_surveys(
                &db,
                &format!("{}_b", role.as_str()),
                PASSWORD,
                role,
                &[b_id],
            );
        }
        add_user(&db, "admin_a", PASSWORD, Role::Admin);
        // The account the admin pages act on, so that no visitor's own account changes.
        let target = add_user_with_surveys(&db, "target", PASSWORD, Role::Staff, &[a_id]);
        let state = db.state();

        let mut clients = Vec::new();
        for visitor in VISITORS {
            let mut c = client(state.clone()).await;
            // Every visitor has the pre-session form token, as a browser that opened a page.
            let form_csrf = c.get("/login").await.hidden("csrf");
            let mut session_csrf = String::new();
            if let Some(name) = username(visitor) {
                sign_in(&mut c, &name, PASSWORD).await;
                let (Visitor::Member(role) | Visitor::OtherSurvey(role)) = visitor else {
                    unreachable!()
                };
                session_csrf = c.get(role.home()).await.hidden("csrf");
            }
            if visitor == Visitor::Resident {
                let started = c
                    .post("/start", &[("csrf", &form_csrf), ("code", &a_codes[0])])
                    .await;
                assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
                session_csrf = c.get("/answer/page/0").await.hidden("csrf");
            }
            clients.push((visitor, c, form_csrf, session_csrf));
        }

        let fill = |pattern: &str| {
            pattern
                .split('/')
                .map(|segment| match segment {
                    "{slug}" => SURVEY_A.to_string(),
                    "{code}" => a_codes[1].clone(),
                    "{indicator}" => "direct_lonely".to_string(),
                    "{by}.svg" => "sex.svg".to_string(),
                    "{index}" => "0".to_string(),
                    "{token}" => "0".repeat(64),
                    "{id}" if pattern.starts_with("/admin/users/") => target.to_string(),
                    s if s.starts_with('{') => "1".to_string(),
                    s => s.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/")
        };

        let mut problems = Vec::new();
        let mut checked = 0;
        for (method, pattern, access) in EXPECTED {
            if *access == SignOut {
                continue; // last, below: it ends the sessions the other checks use
            }
            let path = fill(pattern);
            for (visitor, c, form_csrf, session_csrf) in clients.iter_mut() {
                let csrf = match access {
                    Public => form_csrf.as_str(),
                    _ => session_csrf.as_str(),
                };
                let fields = [
                    ("csrf", csrf),
                    ("code", &a_codes[2]),
                    ("reason", "確認"),
                    ("username", "target"),
                    ("password", PASSWORD),
                ];
                let page = match (*method, access) {
                    ("get", _) => c.get(&path).await,
                    // Signing in or starting to answer replaces the visitor's cookies: a
                    // copy of the browser posts, so the checks after it still hold.
                    (_, Public) => {
                        let mut copy = client(state.clone()).await;
                        copy.cookies = c.cookies.clone();
                        copy.post(&path, &fields).await
                    }
                    _ => c.post(&path, &fields).await,
                };
                let outcome = expected(*access, pattern.contains("{slug}"), *visitor);
                if let Err(why) = judge(&page, &outcome) {
                    problems.push(format!(
                        "{} {} {path} as {visitor:?} (expected {outcome:?}): {why}",
                        db.backend(),
                        method.to_uppercase()
                    ));
                }
                checked += 1;
            }
        }
        assert!(
            problems.is_empty(),
            "{} of {checked} checks failed:\n{}",
            problems.len(),
            problems.join("\n")
        );
        assert_eq!(checked, (EXPECTED.len() - 1) * VISITORS.len());

        // A staff member of survey A keying, reviewing or correcting a form of survey B
        // through survey A's pages is refused: the code must belong to the survey named.
        let (_, staff, _, staff_csrf) = clients
            .iter_mut()
            .find(|(v, ..)| *v == Visitor::Member(Role::Staff))
            .unwrap();
        for (method, pattern) in routes() {
            if !pattern.starts_with("/staff/entry/{slug}/") || !pattern.contains("{code}") {
                continue;
            }
            let path = pattern
                .replace("{slug}", SURVEY_A)
                .replace("{code}", &b_codes[0]);
            let page = match method.as_str() {
                "get" => staff.get(&path).await,
                _ => staff.post(&path, &[("csrf", staff_csrf.as_str())]).await,
            };
            assert!(
                page.status.is_client_error() && !page.body.trim().is_empty(),
                "{} {method} {path}: {} {}",
                db.backend(),
                page.status,
                page.body
            );
        }

        // Signing out ends the session: the next staff page asks to sign in again.
        for (visitor, c, _, session_csrf) in clients.iter_mut() {
            let out = c.post("/logout", &[("csrf", session_csrf.as_str())]).await;
            assert_eq!(out.status, StatusCode::SEE_OTHER, "{visitor:?}");
            assert_eq!(out.location.as_deref(), Some("/login"), "{visitor:?}");
            let after = c.get("/staff").await;
            assert!(
                after
                    .location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?next=")),
                "{visitor:?} after signing out: {} {:?}",
                after.status,
                after.location
            );
        }
    }
}

/// Guessing access codes (RELIABILITY.md, "Guessing access codes"): ten failed codes a
/// minute per client address, then 429 with the wait — also behind a proxy, where the
/// address is the hop the proxy added and forged hops before it change nothing — while a
/// real code from another address still starts.
#[actix_web::test]
async fn an_address_that_guesses_codes_is_held_to_ten_failures_a_minute_even_with_forged_hops() {
    use actix_web::test::TestRequest;
    use tsunagari::sampling::access_code::AccessCode;
    for db in databases() {
        let (_, codes) = common::demo_survey(&db, 2);
        let mut config = db.config();
        config.trust_proxy = true;
        let state = tsunagari::web::AppState::with_mailer(
            db.pool.clone(),
            config,
            tsunagari::mail::Mailer::memory(),
        )
        .unwrap();
        let mut guesser = client(state.clone()).await;
        let csrf = guesser.get("/").await.hidden("csrf");
        let mut statuses = Vec::new();
        for i in 0..12 {
            // Well-formed codes (right length, check symbol) that were never issued.
            let guess = AccessCode::generate();
            let body =
                serde_urlencoded::to_string([("csrf", csrf.as_str()), ("code", guess.as_str())])
                    .unwrap();
            let page = guesser
                .send(
                    TestRequest::post()
                        .uri("/start")
                        .insert_header(("x-forwarded-for", format!("10.0.0.{i}, 192.0.2.50")))
                        .insert_header((
                            actix_web::http::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        ))
                        .set_payload(body),
                )
                .await;
            if page.status == StatusCode::TOO_MANY_REQUESTS {
                assert!(page.headers.contains_key("retry-after"));
                assert!(
                    page.body.contains("秒後にもう一度お試しください"),
                    "{}",
                    page.body
                );
            }
            statuses.push(page.status.as_u16());
        }
        assert_eq!(
            statuses,
            [[422; 10].as_slice(), &[429, 429]].concat(),
            "{}",
            db.backend()
        );

        let mut resident = client(state.clone()).await;
        let csrf = resident.get("/").await.hidden("csrf");
        let body =
            serde_urlencoded::to_string([("csrf", csrf.as_str()), ("code", codes[0].as_str())])
                .unwrap();
        let started = resident
            .send(
                TestRequest::post()
                    .uri("/start")
                    .insert_header(("x-forwarded-for", "192.0.2.51"))
                    .insert_header((
                        actix_web::http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    ))
                    .set_payload(body),
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    }
}

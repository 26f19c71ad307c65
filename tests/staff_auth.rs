//! Signing in, roles, CSRF and sign-out for staff, planners and admins, on every backend.

mod common;

use actix_web::http::StatusCode;
use common::{add_user, client, databases, sign_in};
use tsunagari::auth::Role;

const PASSWORD: &str = "a-long-enough-password";

#[actix_web::test]
async fn a_signed_out_visitor_is_sent_to_the_login_page_from_staff_pages() {
    for db in databases() {
        let mut c = client(db.state()).await;
        for path in ["/staff", "/admin/users"] {
            let page = c.get(path).await;
            assert_eq!(
                page.status,
                StatusCode::SEE_OTHER,
                "{} {path}",
                db.backend()
            );
            let location = page.location.unwrap();
            assert!(location.starts_with("/login?next="), "{location}");
        }
        // A hostile path thousands of characters long is not echoed into the header.
        let long = format!("/planner/{}", "x".repeat(5000));
        let page = c.get(&long).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/login?next=%2F"));
    }
}

#[actix_web::test]
async fn a_wrong_password_is_refused_without_a_session_and_says_so() {
    for db in databases() {
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        let mut c = client(db.state()).await;
        let form = c.get("/login").await;
        let csrf = form.hidden("csrf");
        let page = c
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "aiko"),
                    ("password", "wrong-password!"),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", db.backend());
        assert!(page.body.contains("ユーザー名またはパスワードが違います"));
        assert!(!c.cookies.contains_key("tsunagari_staff"));
        // The username typed stays in the form.
        assert!(page.body.contains("value=\"aiko\""));
        assert_eq!(c.get("/staff").await.status, StatusCode::SEE_OTHER);
    }
}

#[actix_web::test]
async fn a_login_post_without_the_form_token_is_refused_as_forged() {
    for db in databases() {
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        let mut c = client(db.state()).await;
        let page = c
            .post("/login", &[("username", "aiko"), ("password", PASSWORD)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("有効期限"), "{}", page.body);
        assert!(!c.cookies.contains_key("tsunagari_staff"));
        // A token that does not match the cookie is just as forged.
        c.get("/login").await;
        let page = c
            .post(
                "/login",
                &[
                    ("csrf", &"0".repeat(64)),
                    ("username", "aiko"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
}

#[actix_web::test]
async fn each_role_reaches_its_own_pages_only() {
    for db in databases() {
        add_user(&db, "staff1", PASSWORD, Role::Staff);
        add_user(&db, "planner1", PASSWORD, Role::Planner);
        add_user(&db, "admin1", PASSWORD, Role::Admin);

        let mut staff = client(db.state()).await;
        sign_in(&mut staff, "staff1", PASSWORD).await;
        assert_eq!(staff.get("/staff").await.status, StatusCode::OK);
        assert_eq!(
            staff.get("/admin/users").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(staff.get("/planner").await.status, StatusCode::FORBIDDEN);

        let mut planner = client(db.state()).await;
        sign_in(&mut planner, "planner1", PASSWORD).await;
        assert_eq!(planner.get("/staff").await.status, StatusCode::FORBIDDEN);
        assert_eq!(planner.get("/planner").await.status, StatusCode::OK);

        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        for path in ["/staff", "/planner", "/admin/users"] {
            assert_eq!(admin.get(path).await.status, StatusCode::OK, "{path}");
        }
    }
}

#[actix_web::test]
async fn an_admin_invites_an_account_only_with_the_session_token() {
    for db in databases() {
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut admin = client(db.state()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        let ken = [
            ("username", "ken"),
            ("display_name", "Ken"),
            ("role", "planner"),
            ("email", "ken@city.example.jp"),
        ];

        let forged = admin.post("/admin/users", &ken).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(
            tsunagari::db::users::find_by_username(&mut db.conn(), "ken")
                .unwrap()
                .is_none()
        );

        let with_token = [&ken[..], &[("csrf", csrf.as_str())]].concat();
        let added = admin.post("/admin/users", &with_token).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let stored = tsunagari::db::users::find_by_username(&mut db.conn(), "ken")
            .unwrap()
            .unwrap();
        assert_eq!(stored.role, Role::Planner);
        assert_eq!(stored.email.as_deref(), Some("ken@city.example.jp"));
        // Nobody knows a password yet: the invitee sets it through the link.
        assert!(stored.awaits_password());

        let again = admin.post("/admin/users", &with_token).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again
                .body
                .contains("ユーザー名「ken」はすでに使われています"),
            "{}",
            again.body
        );
        // What was typed stays in the form.
        assert!(again.body.contains("value=\"ken@city.example.jp\""));
    }
}

#[actix_web::test]
async fn signing_out_needs_the_token_and_ends_the_session() {
    for db in databases() {
        add_user(&db, "staff1", PASSWORD, Role::Staff);
        let mut c = client(db.state()).await;
        sign_in(&mut c, "staff1", PASSWORD).await;
        let page = c.get("/staff").await;
        let csrf = page.hidden("csrf");
        assert_eq!(c.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.get("/staff").await.status, StatusCode::OK);
        let out = c.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(c.get("/staff").await.status, StatusCode::SEE_OTHER);
    }
}

#[actix_web::test]
async fn repeated_failed_logins_from_one_client_are_slowed_down() {
    for db in databases() {
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        let mut c = client(db.state()).await;
        let csrf = c.get("/login").await.hidden("csrf");
        for _ in 0..10 {
            let page = c
                .post(
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("username", "aiko"),
                        ("password", "wrong-password!"),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        }
        let page = c
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "aiko"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = page
            .headers
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
    }
}

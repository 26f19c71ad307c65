//! Accounts end to end, on every backend: an admin invites, the invitee reads the link from
//! the message sent and sets their own password; password resets that never reveal whether
//! an address exists; expired and reused links refused with a clear Japanese message; role
//! changes and deactivation (sessions end at once).

mod common;

use actix_web::http::StatusCode;
use common::{add_user, client, databases, sent_mail, sign_in, TestDb};
use diesel::prelude::*;
use tsunagari::auth::Role;
use tsunagari::db::schema::{account_links, users};
use tsunagari::web::AppState;

const PASSWORD: &str = "a-long-enough-password";

/// Invites `username` (planner) through the admin's form; returns the admin's session token.
async fn invite<S, B>(admin: &mut common::Client<S>, username: &str, email: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let csrf = admin.get("/admin/users").await.hidden("csrf");
    let invited = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("display_name", "山田 花子"),
                ("email", email),
                ("role", "planner"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let list = admin.get(invited.location.as_deref().unwrap()).await;
    assert!(
        list.body.contains("山田 花子 さんに招待メールを送ります"),
        "{}",
        list.body
    );
    csrf
}

fn give_email(db: &TestDb, username: &str, email: &str) {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::email.eq(Some(email)))
        .execute(&mut db.conn())
        .unwrap();
}

/// Delivers the outbox and returns the path of the one link in the newest message.
fn newest_link(db: &TestDb, state: &AppState, prefix: &str) -> String {
    db.deliver_mail(state);
    sent_mail(state)
        .last()
        .expect("a message")
        .link_path(prefix)
}

#[actix_web::test]
async fn an_invited_person_sets_their_own_password_through_the_link_in_the_message() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        invite(&mut admin, "hanako", "Hanako@City.Example.JP").await;
        // The account exists but cannot sign in yet.
        let list = admin.get("/admin/users").await;
        assert!(list.body.contains("招待中"), "{}", list.body);

        db.deliver_mail(&state);
        let sent = sent_mail(&state);
        assert_eq!(sent.len(), 1, "{}", db.backend());
        assert_eq!(sent[0].to, ["hanako@city.example.jp"]);
        assert_eq!(sent[0].subject, "【つながり】アカウントへの招待");
        assert!(sent[0].text.contains("admin1さんから"), "{}", sent[0].text);
        assert!(sent[0].text.contains("ユーザー名: hanako"));
        assert!(sent[0].text.contains("リンクの有効期限: "));
        let path = sent[0].link_path("/account/invitation/");

        let mut invitee = client(state.clone()).await;
        let form = invitee.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("hanako"));
        assert_eq!(form.headers.get("referrer-policy").unwrap(), "no-referrer");
        let csrf = form.hidden("csrf");

        let without_token = invitee
            .post(
                &path,
                &[
                    ("password", "hanako-no-pasuwado"),
                    ("password_again", "hanako-no-pasuwado"),
                ],
            )
            .await;
        assert_eq!(without_token.status, StatusCode::FORBIDDEN);
        let mismatch = invitee
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("password", "hanako-no-pasuwado"),
                    ("password_again", "hanako-no-pasuwad0"),
                ],
            )
            .await;
        assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mismatch.body.contains("一致しません"), "{}", mismatch.body);
        let short = invitee
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("password", "short"),
                    ("password_again", "short"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.body.contains("10文字以上"), "{}", short.body);

        let done = invitee
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("password", "hanako-no-pasuwado"),
                    ("password_again", "hanako-no-pasuwado"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("パスワードを設定しました"));
        sign_in(&mut invitee, "hanako", "hanako-no-pasuwado").await;
        assert_eq!(invitee.get("/planner").await.status, StatusCode::OK);

        // The admin's page of the account records both steps.
        let id = tsunagari::db::users::find_by_username(&mut db.conn(), "hanako")
            .unwrap()
            .unwrap()
            .id;
        let page = admin.get(&format!("/admin/users/{id}")).await;
        assert!(
            page.body
                .contains("山田 花子を招待（hanako@city.example.jp、役割: 企画（集計閲覧）"),
            "{}",
            page.body
        );
        assert!(page.body.contains("招待のリンクからパスワードを設定"));
        assert!(page.body.contains("本人（メールのリンク）"));

        // The link worked once: using it again is refused with a clear message, nothing changes.
        let again = invitee.get(&path).await;
        assert_eq!(again.status, StatusCode::GONE);
        assert!(
            again.body.contains("このリンクはすでに使われています"),
            "{}",
            again.body
        );
        let reuse = invitee
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("password", "someone-elses-pw"),
                    ("password_again", "someone-elses-pw"),
                ],
            )
            .await;
        assert_eq!(reuse.status, StatusCode::GONE);
        let mut other = client(state.clone()).await;
        sign_in(&mut other, "hanako", "hanako-no-pasuwado").await;
    }
}

#[actix_web::test]
async fn an_expired_or_unknown_link_is_refused_with_a_clear_message_and_changes_nothing() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        invite(&mut admin, "hanako", "hanako@city.example.jp").await;
        let path = newest_link(&db, &state, "/account/invitation/");
        // Three days and a minute later:
        let past = tsunagari::db::now() - chrono::Duration::minutes(1);
        diesel::update(account_links::table)
            .set(account_links::expires_at.eq(past))
            .execute(&mut db.conn())
            .unwrap();
        let mut invitee = client(state.clone()).await;
        let page = invitee.get(&path).await;
        assert_eq!(page.status, StatusCode::GONE, "{}", db.backend());
        assert!(page.body.contains("有効期限"), "{}", page.body);
        assert!(
            page.body.contains("管理者に招待の再送を依頼してください"),
            "{}",
            page.body
        );
        let csrf = invitee.get("/login").await.hidden("csrf");
        let post = invitee
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("password", "hanako-no-pasuwado"),
                    ("password_again", "hanako-no-pasuwado"),
                ],
            )
            .await;
        assert_eq!(post.status, StatusCode::GONE);
        let hanako = tsunagari::db::users::find_by_username(&mut db.conn(), "hanako")
            .unwrap()
            .unwrap();
        assert!(hanako.awaits_password());

        let unknown = invitee.get("/account/invitation/0123abcd").await;
        assert_eq!(unknown.status, StatusCode::GONE);
        assert!(
            unknown.body.contains("このリンクは無効です"),
            "{}",
            unknown.body
        );

        // The admin sends it again; the new link works, the old one still does not.
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        let resent = admin
            .post(
                &format!("/admin/users/{}/invite", hanako.id),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(resent.status, StatusCode::SEE_OTHER);
        let fresh = newest_link(&db, &state, "/account/invitation/");
        assert_ne!(fresh, path);
        assert_eq!(invitee.get(&fresh).await.status, StatusCode::OK);
        assert_eq!(invitee.get(&path).await.status, StatusCode::GONE);
    }
}

#[actix_web::test]
async fn a_password_reset_answers_the_same_for_any_address_and_its_link_replaces_the_password() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        add_user(&db, "gone", PASSWORD, Role::Staff);
        give_email(&db, "aiko", "aiko@city.example.jp");
        give_email(&db, "gone", "gone@city.example.jp");
        diesel::update(users::table.filter(users::username.eq("gone")))
            .set(users::active.eq(false))
            .execute(&mut db.conn())
            .unwrap();
        let mut signed_in_elsewhere = client(state.clone()).await;
        sign_in(&mut signed_in_elsewhere, "aiko", PASSWORD).await;

        let mut c = client(state.clone()).await;
        let login = c.get("/login").await;
        assert!(login.body.contains("href=\"/password-reset\""));
        let csrf = c.get("/password-reset").await.hidden("csrf");
        let mut answers = Vec::new();
        for email in [
            "aiko@city.example.jp",
            "nobody@city.example.jp",
            "gone@city.example.jp",
            "AIKO@city.example.jp",
        ] {
            let page = c
                .post("/password-reset", &[("csrf", &csrf), ("email", email)])
                .await;
            assert_eq!(page.status, StatusCode::OK, "{email}");
            assert!(page
                .body
                .contains("登録されていれば、再設定のリンクをメールでお送りしました"));
            answers.push(page.body);
        }
        // Known, unknown and deactivated addresses get the very same page.
        assert!(answers.iter().all(|a| a == &answers[0]), "{}", db.backend());
        db.deliver_mail(&state);
        let sent = sent_mail(&state);
        assert_eq!(
            sent.len(),
            2,
            "only the active account's two requests are sent"
        );
        assert!(sent.iter().all(|m| m.to == ["aiko@city.example.jp"]));
        assert_eq!(sent[0].subject, "【つながり】パスワードの再設定");
        let path = sent[1].link_path("/password-reset/");

        let form = c.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let done = c
            .post(
                &path,
                &[
                    ("csrf", &form.hidden("csrf")),
                    ("password", "aiko-new-password"),
                    ("password_again", "aiko-new-password"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        // The old password no longer works, the new one does, other sessions have ended,
        // and the other reset link sent earlier stopped working too.
        let csrf = c.get("/login").await.hidden("csrf");
        let old = c
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "aiko"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(old.status, StatusCode::UNAUTHORIZED);
        sign_in(&mut c, "aiko", "aiko-new-password").await;
        assert_eq!(
            signed_in_elsewhere.get("/staff").await.status,
            StatusCode::SEE_OTHER
        );
        let earlier = sent[0].link_path("/password-reset/");
        let page = c.get(&earlier).await;
        assert_eq!(page.status, StatusCode::GONE);
        let reused = c.get(&path).await;
        assert_eq!(reused.status, StatusCode::GONE);
        assert!(
            reused.body.contains("このリンクはすでに使われています"),
            "{}",
            reused.body
        );
        assert!(
            reused.body.contains("パスワードを忘れた場合"),
            "{}",
            reused.body
        );

        // A malformed address is told so (that says nothing about accounts).
        let csrf = c.get("/password-reset").await.hidden("csrf");
        let bad = c
            .post("/password-reset", &[("csrf", &csrf), ("email", "aiko")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("メールアドレスとして読み取れません"),
            "{}",
            bad.body
        );
    }
}

#[actix_web::test]
async fn many_reset_requests_for_one_address_send_only_a_few_messages() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        give_email(&db, "aiko", "aiko@city.example.jp");
        let mut c = client(state.clone()).await;
        let csrf = c.get("/password-reset").await.hidden("csrf");
        for _ in 0..6 {
            let page = c
                .post(
                    "/password-reset",
                    &[("csrf", &csrf), ("email", "aiko@city.example.jp")],
                )
                .await;
            assert_eq!(page.status, StatusCode::OK);
        }
        db.deliver_mail(&state);
        assert_eq!(sent_mail(&state).len(), 3, "{}", db.backend());
    }
}

#[actix_web::test]
async fn a_deactivated_account_is_signed_out_at_once_and_cannot_sign_in_again() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        let aiko_id = tsunagari::db::users::find_by_username(&mut db.conn(), "aiko")
            .unwrap()
            .unwrap()
            .id;
        let mut aiko = client(state.clone()).await;
        sign_in(&mut aiko, "aiko", PASSWORD).await;
        assert_eq!(aiko.get("/staff").await.status, StatusCode::OK);

        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let page = admin.get(&format!("/admin/users/{aiko_id}")).await;
        let csrf = page.hidden("csrf");
        let done = admin
            .post(
                &format!("/admin/users/{aiko_id}/active"),
                &[("csrf", &csrf), ("active", "false")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let page = admin.get(done.location.as_deref().unwrap()).await;
        assert!(
            page.body.contains("アカウントを停止しました"),
            "{}",
            page.body
        );
        assert!(page.body.contains("停止中"));
        assert!(
            page.body
                .contains("アカウントを停止（ログイン中のセッション1件を終了）"),
            "{}",
            page.body
        );

        // Her open session is over at once.
        let next = aiko.get("/staff").await;
        assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", db.backend());
        assert!(next.location.unwrap().starts_with("/login"));
        let csrf_login = aiko.get("/login").await.hidden("csrf");
        let again = aiko
            .post(
                "/login",
                &[
                    ("csrf", &csrf_login),
                    ("username", "aiko"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);

        // Reactivated, she signs in again.
        admin
            .post(
                &format!("/admin/users/{aiko_id}/active"),
                &[("csrf", &csrf), ("active", "true")],
            )
            .await;
        sign_in(&mut aiko, "aiko", PASSWORD).await;
    }
}

#[actix_web::test]
async fn a_role_change_applies_to_the_next_page_and_admins_cannot_lock_themselves_out() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        let id_of = |name: &str| {
            tsunagari::db::users::find_by_username(&mut db.conn(), name)
                .unwrap()
                .unwrap()
                .id
        };
        let (admin_id, aiko_id) = (id_of("admin1"), id_of("aiko"));
        let mut aiko = client(state.clone()).await;
        sign_in(&mut aiko, "aiko", PASSWORD).await;
        assert_eq!(aiko.get("/planner").await.status, StatusCode::FORBIDDEN);

        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        let forged = admin
            .post(
                &format!("/admin/users/{aiko_id}/role"),
                &[("role", "planner")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let bad = admin
            .post(
                &format!("/admin/users/{aiko_id}/role"),
                &[("csrf", &csrf), ("role", "root")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("「root」という役割はありません"),
            "{}",
            bad.body
        );
        let changed = admin
            .post(
                &format!("/admin/users/{aiko_id}/role"),
                &[("csrf", &csrf), ("role", "planner")],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(
            aiko.get("/planner").await.status,
            StatusCode::OK,
            "{}",
            db.backend()
        );
        assert_eq!(aiko.get("/staff").await.status, StatusCode::FORBIDDEN);
        let page = admin.get(&format!("/admin/users/{aiko_id}")).await;
        assert!(
            page.body
                .contains("役割: 職員（実査・入力） → 企画（集計閲覧）"),
            "{}",
            page.body
        );
        assert!(page.body.contains("admin1"));

        for (path, field) in [("role", ("role", "staff")), ("active", ("active", "false"))] {
            let own = admin
                .post(
                    &format!("/admin/users/{admin_id}/{path}"),
                    &[("csrf", &csrf), field],
                )
                .await;
            assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert!(
                own.body
                    .contains("自分のアカウントの役割の変更と停止はできません"),
                "{}",
                own.body
            );
        }
        let me = tsunagari::db::users::find(&mut db.conn(), admin_id).unwrap();
        assert_eq!((me.role, me.active), (Role::Admin, true));
    }
}

#[actix_web::test]
async fn bad_invitations_are_refused_next_to_the_form_and_store_nothing() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        give_email(&db, "admin1", "admin@city.example.jp");
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        for (username, email, survey, expected) in [
            ("ken", "ken", "", "メールアドレスとして読み取れません"),
            ("ken", "", "", "メールアドレスを入力してください"),
            ("k en", "ken@city.example.jp", "", "空白を含まない"),
            (
                "ken",
                "ADMIN@city.example.jp",
                "",
                "すでに別のアカウントで使われています",
            ),
            (
                "ken",
                "ken@city.example.jp",
                "999",
                "指定された調査（999）はありません",
            ),
        ] {
            let mut fields = vec![
                ("csrf", csrf.as_str()),
                ("username", username),
                ("display_name", "Ken"),
                ("email", email),
                ("role", "staff"),
            ];
            if !survey.is_empty() {
                fields.push(("survey", survey));
            }
            let page = admin.post("/admin/users", &fields).await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
            assert!(page.body.contains(expected), "{expected}: {}", page.body);
        }
        assert_eq!(tsunagari::db::users::list(&mut db.conn()).unwrap().len(), 1);
        db.deliver_mail(&state);
        assert!(sent_mail(&state).is_empty());
    }
}

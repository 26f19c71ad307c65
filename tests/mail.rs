//! E-mail: the outbox and its background sender (delivery, retries with back-off, failures
//! shown to admins), the folder transport and `mail test`, bad settings at start-up, and one
//! delivery through a real SMTP conversation with a listener on loopback — on every backend.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use common::{add_user, client, databases, read_message, sent_mail, sign_in, TestDb};
use diesel::prelude::*;
use tsunagari::auth::Role;
use tsunagari::config::{MailSettings, MailTransportSettings, SmtpSettings, SmtpTls};
use tsunagari::db::outbox::{OutboxRow, OutboxStatus};
use tsunagari::db::schema::{mail_outbox, users};
use tsunagari::mail::Mailer;
use tsunagari::web::AppState;

const PASSWORD: &str = "a-long-enough-password";

fn outbox(db: &TestDb) -> Vec<OutboxRow> {
    mail_outbox::table
        .order(mail_outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(&mut db.conn())
        .unwrap()
}

/// An account with an address, and a reset message for it waiting in the outbox.
fn queue_a_reset(db: &TestDb, state: &AppState) {
    add_user(db, "aiko", PASSWORD, Role::Staff);
    diesel::update(tsunagari::db::schema::users::table)
        .set(tsunagari::db::schema::users::email.eq(Some("aiko@city.example.jp")))
        .execute(&mut db.conn())
        .unwrap();
    tsunagari::ops::accounts::request_password_reset(
        &mut db.conn(),
        "aiko@city.example.jp",
        tsunagari::ops::accounts::LinkContext {
            base_url: &state.config.base_url,
            zone: &state.config.time_zone,
        },
    )
    .unwrap();
}

#[actix_web::test]
async fn a_queued_message_waits_for_the_sender_and_is_delivered_once_with_its_body_forgotten() {
    for db in databases() {
        let state = db.state();
        queue_a_reset(&db, &state);
        // Queuing sends nothing: only the sender does.
        assert!(state.mailer.sent().is_empty());
        let rows = outbox(&db);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status(), OutboxStatus::Pending);
        assert!(rows[0].body_text.contains("/password-reset/"));

        let pass = db.deliver_mail(&state);
        assert_eq!(
            (pass.sent, pass.deferred, pass.given_up),
            (1, 0, 0),
            "{}",
            db.backend()
        );
        let sent = sent_mail(&state);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to, ["aiko@city.example.jp"]);
        assert_eq!(sent[0].subject, "【つながり】パスワードの再設定");
        assert!(sent[0].text.contains("aiko 様"), "{}", sent[0].text);
        assert!(sent[0]
            .html
            .contains("<a href=\"http://127.0.0.1:8080/password-reset/"));

        let row = &outbox(&db)[0];
        assert_eq!(row.status(), OutboxStatus::Sent);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.delivered_to.as_deref(), Some("kept in memory"));
        // The single-use link does not stay in the database once sent.
        assert!(row.body_text.is_empty() && row.body_html.is_empty());

        // A second pass sends nothing again.
        assert_eq!(db.deliver_mail(&state).sent, 0);
        assert_eq!(state.mailer.sent().len(), 1);
    }
}

/// The row is next due `seconds` after `from` (PostgreSQL keeps microseconds only).
fn assert_waits(row: &OutboxRow, from: chrono::NaiveDateTime, seconds: i64) {
    let off = row.next_attempt_at - from - chrono::Duration::seconds(seconds);
    assert!(off.num_milliseconds().abs() <= 1, "{row:?} from {from}");
}

#[actix_web::test]
async fn a_failed_send_is_retried_with_back_off_and_admins_see_it_until_it_goes() {
    for db in databases() {
        let state = db.state();
        queue_a_reset(&db, &state);
        let failing = Mailer::memory_failing();
        let start = tsunagari::db::now();
        let pass = tsunagari::mail::sender::deliver_due(&db.pool, &failing, start).unwrap();
        assert_eq!((pass.sent, pass.deferred), (0, 1));
        let row = &outbox(&db)[0];
        assert_eq!(row.status(), OutboxStatus::Pending);
        assert_eq!(row.attempts, 1);
        assert!(
            row.last_error.as_deref().unwrap().contains("refused"),
            "{row:?}"
        );
        assert_waits(row, start, 60);
        // Not due again before the minute is up.
        let early = start + chrono::Duration::seconds(30);
        let pass = tsunagari::mail::sender::deliver_due(&db.pool, &failing, early).unwrap();
        assert_eq!(pass, Default::default());
        // The second failure waits twice as long.
        let later = start + chrono::Duration::seconds(61);
        tsunagari::mail::sender::deliver_due(&db.pool, &failing, later).unwrap();
        let row = &outbox(&db)[0];
        assert_eq!(row.attempts, 2);
        assert_waits(row, later, 120);

        // Admins see the failure on the account list and the outbox page.
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let users = admin.get("/admin/users").await;
        assert!(
            users.body.contains("送信できていないメールが1通あります"),
            "{}",
            users.body
        );
        let page = admin.get("/admin/mail").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("aiko@city.example.jp"));
        assert!(page.body.contains("再送予定"), "{}", page.body);
        assert!(page.body.contains("the test transport refused the message"));

        // "Retry now" makes it due at once; the working transport then delivers it.
        let csrf = page.hidden("csrf");
        let id = outbox(&db)[0].id;
        let forged = admin.post(&format!("/admin/mail/{id}/retry"), &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let retried = admin
            .post(&format!("/admin/mail/{id}/retry"), &[("csrf", &csrf)])
            .await;
        assert_eq!(retried.status, StatusCode::SEE_OTHER);
        assert_eq!(db.deliver_mail(&state).sent, 1);
        assert_eq!(outbox(&db)[0].status(), OutboxStatus::Sent);
        let users = admin.get("/admin/users").await;
        assert!(!users.body.contains("送信できていないメール"));
    }
}

#[actix_web::test]
async fn the_background_sender_delivers_what_a_page_queued_without_the_page_waiting() {
    for db in databases() {
        let state = db.state();
        add_user(&db, "aiko", PASSWORD, Role::Staff);
        diesel::update(users::table)
            .set(users::email.eq(Some("aiko@city.example.jp")))
            .execute(&mut db.conn())
            .unwrap();
        let sender = tsunagari::mail::sender::spawn(
            db.pool.clone(),
            state.mailer.clone(),
            state.mail_wakeup.clone(),
            |_| {},
        );
        let mut c = client(state.clone()).await;
        let form = c.get("/password-reset").await;
        let page = c
            .post(
                "/password-reset",
                &[
                    ("csrf", &form.hidden("csrf")),
                    ("email", "aiko@city.example.jp"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let waited = std::time::Instant::now();
        while state.mailer.sent().is_empty() && waited.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(state.mailer.sent().len(), 1, "{}", db.backend());
        state.mail_wakeup.stop();
        sender.join().unwrap();
    }
}

#[test]
fn mail_test_writes_an_eml_file_to_the_mail_folder_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = databases().remove(0).config();
    config.mail = MailSettings::folder(dir.path().join("mail"));
    let line = tsunagari::cli::mail::send_test(&config, "Tester@City.Example.JP").unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    let file = std::fs::canonicalize(&files[0]).unwrap();
    assert_eq!(
        line,
        format!(
            "test message to tester@city.example.jp: written to {}",
            file.display()
        )
    );
    let message = read_message(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(message.subject, "【つながり】テストメール");
    assert!(message.text.contains("送信日時: "), "{}", message.text);
    assert!(message.html.contains("テストメール"));
}

#[test]
fn the_mail_test_command_and_serve_refuse_bad_smtp_settings_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tsunagari"));
        command
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", dir.path().join("t.sqlite3"))
            .env(
                "TSUNAGARI_QUESTIONNAIRES",
                common::repo_path("questionnaires"),
            )
            .env("RUST_LOG", "error");
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let host = ("TSUNAGARI_SMTP_HOST", "smtp.city.example.jp");
    let from = ("TSUNAGARI_MAIL_FROM", "noreply@city.example.jp");
    for (env, named) in [
        (
            vec![host, from, ("TSUNAGARI_SMTP_TLS", "ssl")],
            "TSUNAGARI_SMTP_TLS",
        ),
        (
            vec![host, from, ("TSUNAGARI_SMTP_PORT", "smtp")],
            "TSUNAGARI_SMTP_PORT",
        ),
        (vec![host], "TSUNAGARI_MAIL_FROM"),
        (
            vec![host, from, ("TSUNAGARI_SMTP_USER", "mailer")],
            "TSUNAGARI_SMTP_PASSWORD",
        ),
    ] {
        for args in [
            &["serve", "--bind", "127.0.0.1:0"][..],
            &["mail", "test", "--to", "a@b.jp"][..],
        ] {
            let out = run(args, &env);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
            assert!(stderr.contains(named), "{args:?} {env:?}: {stderr}");
        }
    }
    // Nothing listens on this port: the test command fails, naming where it tried.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let out = run(
        &["mail", "test", "--to", "a@b.jp"],
        &[
            ("TSUNAGARI_SMTP_HOST", "127.0.0.1"),
            ("TSUNAGARI_SMTP_PORT", &port),
            ("TSUNAGARI_SMTP_TLS", "none"),
            from,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("SMTP 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(stderr.contains("TSUNAGARI_SMTP_PORT"), "{stderr}");
}

/// What a loopback SMTP listener received: envelope and message.
#[derive(Debug, Default, Clone)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A small SMTP server on 127.0.0.1 for one test: answers EHLO, MAIL, RCPT, DATA, RSET and
/// QUIT as RFC 5321 says, refusing recipients at `refused.example` with 550. Serves
/// connections until the test ends.
fn smtp_listener() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let store = store.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                let mut say = |line: &str| {
                    out.write_all(format!("{line}\r\n").as_bytes()).unwrap();
                };
                say("220 loopback.test ESMTP test listener");
                let mut current = Received::default();
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let command = line.trim_end().to_string();
                    let upper = command.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        say("250 loopback.test greets you");
                    } else if upper.starts_with("MAIL FROM:") {
                        current = Received {
                            mail_from: command[10..].trim().to_string(),
                            ..Default::default()
                        };
                        say("250 2.1.0 OK");
                    } else if upper.starts_with("RCPT TO:") {
                        let to = command[8..].trim().to_string();
                        if to.contains("refused.example") {
                            say("550 5.1.1 no such mailbox");
                        } else {
                            current.rcpt_to.push(to);
                            say("250 2.1.5 OK");
                        }
                    } else if upper == "DATA" {
                        say("354 end with <CRLF>.<CRLF>");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            // Undo dot-stuffing.
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                        }
                        current.data = data;
                        store.lock().unwrap().push(current.clone());
                        say("250 2.0.0 queued");
                    } else if upper == "RSET" || upper == "NOOP" {
                        say("250 OK");
                    } else if upper == "QUIT" {
                        say("221 bye");
                        return;
                    } else {
                        say("502 5.5.2 not implemented");
                    }
                }
            });
        }
    });
    (port, received)
}

#[actix_web::test]
async fn an_invitation_goes_through_a_real_smtp_conversation_and_its_link_works() {
    let (port, received) = smtp_listener();
    for db in databases() {
        received.lock().unwrap().clear();
        let mut config = db.config();
        config.mail = MailSettings {
            transport: MailTransportSettings::Smtp(SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                tls: SmtpTls::None,
                credentials: None,
            }),
            from: "つながり <noreply@city.example.jp>".parse().unwrap(),
        };
        let state = AppState::new(db.pool.clone(), config).unwrap();
        assert_eq!(state.mailer.describe(), format!("SMTP 127.0.0.1:{port}"));
        add_user(&db, "admin1", PASSWORD, Role::Admin);
        let mut admin = client(state.clone()).await;
        sign_in(&mut admin, "admin1", PASSWORD).await;
        let csrf = admin.get("/admin/users").await.hidden("csrf");
        for (username, email) in [
            ("hanako", "hanako@city.example.jp"),
            ("nobody", "nobody@refused.example"),
        ] {
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
        }

        let pass = db.deliver_mail(&state);
        assert_eq!((pass.sent, pass.given_up), (1, 1), "{}", db.backend());
        let got = received.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].mail_from, "<noreply@city.example.jp>");
        assert_eq!(got[0].rcpt_to, ["<hanako@city.example.jp>"]);
        let message = read_message(&got[0].data);
        assert_eq!(message.subject, "【つながり】アカウントへの招待");
        let rows = outbox(&db);
        assert_eq!(
            rows[0].delivered_to.as_deref(),
            Some(&*format!("accepted by the SMTP server 127.0.0.1:{port}"))
        );
        // The refused address is given up at once, with the server's words, for an admin.
        assert_eq!(rows[1].status(), OutboxStatus::Failed);
        assert!(
            rows[1]
                .last_error
                .as_deref()
                .unwrap()
                .contains("no such mailbox"),
            "{:?}",
            rows[1]
        );
        let page = admin.get("/admin/mail").await;
        assert!(
            page.body.contains("送信できません（自動再送なし）"),
            "{}",
            page.body
        );

        // The link read from what the SMTP server received sets the password.
        let path = message.link_path("/account/invitation/");
        let mut invitee = client(state.clone()).await;
        let form = invitee.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let done = invitee
            .post(
                &path,
                &[
                    ("csrf", &form.hidden("csrf")),
                    ("password", "hanako-no-pasuwado"),
                    ("password_again", "hanako-no-pasuwado"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        sign_in(&mut invitee, "hanako", "hanako-no-pasuwado").await;
    }
}

#[actix_web::test]
async fn opening_and_closing_fieldwork_tells_the_surveys_people_and_the_admins_by_mail() {
    for db in databases() {
        let state = db.state();
        let (survey, _) = common::demo_survey(&db, 1);
        let (other, _) = {
            let mut settings =
                tsunagari::survey::SurveySettings::load(&common::repo_path("surveys/demo.toml"))
                    .unwrap();
            settings.slug = "other-town-2026".into();
            let row = tsunagari::ops::surveys::create(
                &mut db.conn(),
                &db.config().questionnaires_dir,
                &settings,
            )
            .unwrap();
            (row, ())
        };
        let accounts = [
            (
                "admin1",
                Role::Admin,
                Some("admin@city.example.jp"),
                vec![],
                true,
            ),
            (
                "planner1",
                Role::Planner,
                Some("planner@city.example.jp"),
                vec![survey.id],
                true,
            ),
            (
                "elsewhere",
                Role::Staff,
                Some("else@city.example.jp"),
                vec![other.id],
                true,
            ),
            ("no_address", Role::Staff, None, vec![survey.id], true),
            (
                "gone",
                Role::Staff,
                Some("gone@city.example.jp"),
                vec![survey.id],
                false,
            ),
            (
                "invited",
                Role::Planner,
                Some("invited@city.example.jp"),
                vec![survey.id],
                true,
            ),
        ];
        for (name, role, email, surveys, active) in accounts {
            common::add_user_with_surveys(&db, name, PASSWORD, role, &surveys);
            diesel::update(users::table.filter(users::username.eq(name)))
                .set((users::email.eq(email), users::active.eq(active)))
                .execute(&mut db.conn())
                .unwrap();
        }
        // Invited and not yet in use: no password set.
        diesel::update(users::table.filter(users::username.eq("invited")))
            .set(users::password_hash.eq(""))
            .execute(&mut db.conn())
            .unwrap();
        let links = tsunagari::ops::accounts::LinkContext {
            base_url: &state.config.base_url,
            zone: &state.config.time_zone,
        };
        use tsunagari::survey::SurveyStatus;
        let set = |status| {
            tsunagari::ops::notices::set_survey_status(&mut db.conn(), survey.id, status, links)
                .unwrap()
        };
        // The demo survey file opens the survey; closing it is a change, closing again is not.
        assert_eq!(set(SurveyStatus::Closed), 2, "{}", db.backend());
        assert_eq!(set(SurveyStatus::Closed), 0);
        assert_eq!(set(SurveyStatus::Open), 2);
        db.deliver_mail(&state);
        let sent = sent_mail(&state);
        let to: Vec<&str> = sent.iter().map(|m| m.to[0].as_str()).collect();
        assert_eq!(
            to,
            [
                "admin@city.example.jp",
                "planner@city.example.jp",
                "admin@city.example.jp",
                "planner@city.example.jp"
            ]
        );
        assert!(
            sent[0].subject.contains("の実査を終了しました"),
            "{}",
            sent[0].subject
        );
        assert!(
            sent[2].subject.contains("の実査を開始しました"),
            "{}",
            sent[2].subject
        );
        assert!(sent[3].text.starts_with("planner1 様"), "{}", sent[3].text);
        assert!(sent[3].text.contains("（demo-2026）"));
        assert_eq!(
            sent[3].link_path("/planner/"),
            "/planner/demo-2026/fieldwork"
        );
    }
}

#[actix_web::test]
async fn the_weekly_digest_tells_each_admin_and_planner_about_their_open_surveys_once_a_week() {
    use common::planner_data::{answers_of, drawn_survey, drawn_survey_of, submit};
    for db in databases() {
        let state = db.state();
        let (a_id, a_codes) = drawn_survey(&db, 31);
        let mut other =
            tsunagari::survey::SurveySettings::load(&common::repo_path("surveys/demo.toml"))
                .unwrap();
        other.slug = "other-town-2026".into();
        let (b_id, _) = drawn_survey_of(&db, &other, 32);
        for (i, code) in a_codes.iter().take(3).enumerate() {
            submit(&db, a_id, code, &answers_of(i));
        }
        let accounts = [
            ("admin1", Role::Admin, vec![]),
            ("planner_a", Role::Planner, vec![a_id]),
            ("planner_none", Role::Planner, vec![]),
            ("staff_a", Role::Staff, vec![a_id, b_id]),
        ];
        for (name, role, surveys) in accounts {
            common::add_user_with_surveys(&db, name, PASSWORD, role, &surveys);
            diesel::update(users::table.filter(users::username.eq(name)))
                .set(users::email.eq(Some(format!("{name}@city.example.jp"))))
                .execute(&mut db.conn())
                .unwrap();
        }
        let links = tsunagari::ops::accounts::LinkContext {
            base_url: &state.config.base_url,
            zone: &state.config.time_zone,
        };
        let queue = |at| tsunagari::ops::digest::queue_if_due(&mut db.conn(), at, links).unwrap();
        // The outbox stamps rows with the real time: the first digest is due at once…
        assert_eq!(queue(tsunagari::db::now()), 2, "{}", db.backend());
        // …and not again within its week.
        assert_eq!(
            queue(tsunagari::db::now() + chrono::Duration::minutes(5)),
            0
        );
        db.deliver_mail(&state);
        let sent = sent_mail(&state);
        let to: Vec<&str> = sent.iter().map(|m| m.to[0].as_str()).collect();
        assert_eq!(to, ["admin1@city.example.jp", "planner_a@city.example.jp"]);
        assert!(
            sent[0].subject.starts_with("【つながり】実査の週報（"),
            "{}",
            sent[0].subject
        );
        let admin = &sent[0].text;
        assert!(
            admin.contains("（demo-2026）") && admin.contains("（other-town-2026）"),
            "{admin}"
        );
        let planner = &sent[1].text;
        assert!(
            planner.contains("（demo-2026）") && !planner.contains("other-town-2026"),
            "{planner}"
        );
        assert!(
            planner.contains("回答: インターネット 3件・郵送 0件（計 3件）"),
            "{planner}"
        );
        assert!(
            planner.contains("回収率: 1.0% （標本 300人、AAPOR RR1）"),
            "{planner}"
        );
        assert!(planner.contains("紙の調査票の入力待ち: 0票"), "{planner}");
        assert!(planner.contains("実査の残り: 終了日は未設定"), "{planner}");
        assert_eq!(
            sent[1].link_path("/planner/"),
            "/planner/demo-2026/fieldwork"
        );
        assert!(sent[1].html.contains("<h2"), "{}", sent[1].html);
        // A week later it is due again.
        let next_week = tsunagari::db::now() + chrono::Duration::days(7);
        assert_eq!(queue(next_week), 2);
    }
}

//! Account pages: the admins' account list with the invitation form, one account (role,
//! surveys, deactivation, log), the mail outbox; and the public pages where an invited
//! person sets a password or anyone asks for a password reset.

use chrono::NaiveDateTime;
use maud::{html, Markup};

use super::layout::{csrf_field, page, t, Audience};
use super::staff::{role_label, Viewer};
use crate::auth::{Role, MIN_PASSWORD_CHARS};
use crate::clock::local_time;
use crate::db::account_links::{AuditEntry, LinkPurpose};
use crate::db::outbox::{OutboxRow, OutboxStatus};
use crate::db::users::User;
use crate::questionnaire::Lang;
use crate::survey::Survey;

/// One line of the account list.
pub struct AccountLine<'a> {
    pub user: &'a User,
    /// Slugs of the surveys a staff member or planner may open.
    pub surveys: Vec<&'a str>,
    /// The unused invitation's expiry, while the owner has not set a password.
    pub invitation_expires: Option<NaiveDateTime>,
}

/// What the invitation form shows (again, after a problem).
#[derive(Debug, Default, Clone)]
pub struct InviteForm {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub surveys: Vec<i64>,
}

/// The account list and the invitation form.
pub struct AccountList<'a> {
    pub lines: &'a [AccountLine<'a>],
    pub surveys: &'a [Survey],
    pub form: &'a InviteForm,
    pub notice: Option<Result<String, String>>,
    /// Messages that failed at least once and are still not delivered.
    pub failing_mail: i64,
    pub zone: &'a chrono_tz::Tz,
}

/// The admins' account list with the invitation form.
pub fn list(viewer: &Viewer<'_>, list: &AccountList<'_>) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "アカウント", "Accounts"),
        viewer.audience(),
        "/admin/users",
        html! {
            h1 { (t(lang, "アカウント", "Accounts")) }
            (failing_mail_notice(lang, list.failing_mail))
            (notice(&list.notice))
            table {
                thead { tr {
                    th { (t(lang, "ユーザー名", "Username")) }
                    th { (t(lang, "氏名", "Name")) }
                    th { (t(lang, "メールアドレス", "E-mail")) }
                    th { (t(lang, "役割", "Role")) }
                    th { (t(lang, "担当の調査", "Surveys")) }
                    th { (t(lang, "状態", "Status")) }
                } }
                tbody {
                    @for line in list.lines {
                        tr {
                            td { a href={ "/admin/users/" (line.user.id) } { (line.user.username) } }
                            td { (line.user.display_name) }
                            td { (line.user.email.as_deref().unwrap_or("–")) }
                            td { (role_label(lang, line.user.role)) }
                            td {
                                @if line.user.role == Role::Admin {
                                    (t(lang, "すべて", "All"))
                                } @else if line.surveys.is_empty() {
                                    span.muted { (t(lang, "なし", "None")) }
                                } @else {
                                    (line.surveys.join(", "))
                                }
                            }
                            td { (status(lang, line.user, line.invitation_expires, list.zone)) }
                        }
                    }
                }
            }
            h2 { (t(lang, "アカウントに招待する", "Invite someone")) }
            p.muted { (t(lang,
                "招待メールが届き、本人がリンクからパスワードを設定します。リンクは1回だけ使え、72時間で期限が切れます。",
                "An invitation is e-mailed; the person sets their own password through its link, which works once and expires after 72 hours.")) }
            form method="post" action="/admin/users" {
                (csrf_field(viewer.csrf))
                p { label.label for="new-username" { (t(lang, "ユーザー名", "Username")) }
                    input #new-username type="text" name="username" value=(list.form.username) required autocomplete="off"; }
                p { label.label for="new-name" { (t(lang, "氏名", "Name")) }
                    input #new-name type="text" name="display_name" value=(list.form.display_name) required; }
                p { label.label for="new-email" { (t(lang, "メールアドレス", "E-mail address")) }
                    input #new-email type="email" name="email" value=(list.form.email) required autocomplete="off"; }
                p { label.label for="new-role" { (t(lang, "役割", "Role")) }
                    select #new-role name="role" {
                        @for r in Role::ALL {
                            option value=(r.as_str()) selected[list.form.role == r.as_str()] { (role_label(lang, r)) }
                        }
                    } }
                (survey_choices(lang, list.surveys, &list.form.surveys))
                button type="submit" { (t(lang, "招待メールを送る", "Send the invitation")) }
            }
        },
    )
}

fn survey_choices(lang: Lang, surveys: &[Survey], chosen: &[i64]) -> Markup {
    html! {
        fieldset {
            legend { (t(lang, "担当の調査（職員・企画のみ。管理者はすべての調査を開けます）",
                "Surveys (staff and planners only; admins open every survey)")) }
            @if surveys.is_empty() {
                p.muted { (t(lang, "調査はまだありません。", "There are no surveys yet.")) }
            }
            @for survey in surveys {
                label.choice {
                    input type="checkbox" name="survey" value=(survey.id) checked[chosen.contains(&survey.id)];
                    " " (survey.title.get(lang)) " " span.muted { "(" (survey.slug) ")" }
                }
            }
        }
    }
}

fn status(
    lang: Lang,
    user: &User,
    invitation: Option<NaiveDateTime>,
    zone: &chrono_tz::Tz,
) -> Markup {
    html! {
        @if !user.active {
            span.bad { (t(lang, "停止中", "Deactivated")) }
        } @else if user.awaits_password() {
            (t(lang, "招待中", "Invited"))
            @if let Some(expires) = invitation {
                br; span.muted { (t(lang, "リンクの期限 ", "Link expires ")) (local_time(lang, expires, zone)) }
            }
        } @else {
            (t(lang, "有効", "Active"))
        }
    }
}

fn notice(message: &Option<Result<String, String>>) -> Markup {
    html! {
        @match message {
            Some(Ok(m)) => div.notice.ok role="status" { (m) },
            Some(Err(m)) => div.notice.bad role="alert" { (m) },
            None => {},
        }
    }
}

fn failing_mail_notice(lang: Lang, failing: i64) -> Markup {
    html! {
        @if failing > 0 {
            div.notice.bad role="alert" {
                (match lang {
                    Lang::Ja => format!("送信できていないメールが{failing}通あります。"),
                    Lang::En => format!("{failing} message(s) could not be sent yet."),
                })
                " " a href="/admin/mail" { (t(lang, "メールの送信状況を見る", "See the mail outbox")) }
            }
        }
    }
}

/// One account as an admin sees it.
pub struct AccountPage<'a> {
    pub user: &'a User,
    pub surveys: &'a [Survey],
    pub member_of: &'a [i64],
    pub invitation_expires: Option<NaiveDateTime>,
    pub log: &'a [AuditEntry],
    pub notice: Option<Result<String, String>>,
    pub zone: &'a chrono_tz::Tz,
}

/// One account: role, surveys, invitation, deactivation and the log of changes.
pub fn account(viewer: &Viewer<'_>, account: &AccountPage<'_>) -> Markup {
    let lang = viewer.lang;
    let user = account.user;
    let here = format!("/admin/users/{}", user.id);
    let own = viewer.user.id == user.id;
    page(
        lang,
        &user.display_name,
        viewer.audience(),
        &here,
        html! {
            p { a href="/admin/users" { "← " (t(lang, "アカウント一覧", "All accounts")) } }
            h1 { (user.display_name) " " span.muted { "(" (user.username) ")" } }
            (notice(&account.notice))
            dl {
                dt { (t(lang, "メールアドレス", "E-mail")) } dd { (user.email.as_deref().unwrap_or("–")) }
                dt { (t(lang, "状態", "Status")) } dd { (status(lang, user, account.invitation_expires, account.zone)) }
                dt { (t(lang, "作成日時", "Created")) } dd { (local_time(lang, user.created_at, account.zone)) }
            }
            @if user.active && user.awaits_password() {
                form method="post" action={ (here) "/invite" } {
                    (csrf_field(viewer.csrf))
                    button type="submit" { (t(lang, "招待メールを再送する（以前のリンクは無効になります）", "Send the invitation again (the old link stops working)")) }
                }
            }
            h2 { (t(lang, "役割", "Role")) }
            @if own {
                p.muted { (t(lang, "自分の役割は変更できません。", "You cannot change your own role.")) }
            } @else {
                form method="post" action={ (here) "/role" } {
                    (csrf_field(viewer.csrf))
                    p { label.label for="role" { (t(lang, "役割", "Role")) }
                        select #role name="role" {
                            @for r in Role::ALL {
                                option value=(r.as_str()) selected[user.role == r] { (role_label(lang, r)) }
                            }
                        } }
                    button type="submit" { (t(lang, "役割を変更", "Change the role")) }
                }
            }
            h2 { (t(lang, "担当の調査", "Surveys")) }
            @if user.role == Role::Admin {
                p { (t(lang, "管理者はすべての調査を開けます。", "Admins open every survey.")) }
            } @else {
                form method="post" action={ (here) "/surveys" } {
                    (csrf_field(viewer.csrf))
                    (survey_choices(lang, account.surveys, account.member_of))
                    button type="submit" { (t(lang, "担当の調査を保存", "Save the surveys")) }
                }
            }
            h2 { (t(lang, "利用の停止", "Deactivation")) }
            @if own {
                p.muted { (t(lang, "自分のアカウントは停止できません。", "You cannot deactivate yourself.")) }
            } @else if user.active {
                p { (t(lang, "停止すると、ログイン中のセッションもすぐに終了し、招待や再設定のリンクも使えなくなります。",
                    "Deactivating ends every session at once and stops any invitation or reset link.")) }
                form method="post" action={ (here) "/active" } {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="active" value="false";
                    button.danger type="submit" { (t(lang, "このアカウントを停止する", "Deactivate this account")) }
                }
            } @else {
                form method="post" action={ (here) "/active" } {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="active" value="true";
                    button type="submit" { (t(lang, "このアカウントを再開する", "Reactivate this account")) }
                }
            }
            h2 { (t(lang, "変更の記録", "Changes")) }
            @if account.log.is_empty() {
                p.muted { (t(lang, "記録はありません。", "Nothing recorded.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "日時", "When")) }
                        th { (t(lang, "操作した人", "By")) }
                        th { (t(lang, "内容", "What")) }
                    } }
                    tbody {
                        @for entry in account.log {
                            tr {
                                td { (local_time(lang, entry.at, account.zone)) }
                                td { (entry.actor.as_deref().unwrap_or(t(lang, "本人（メールのリンク）", "The owner (e-mailed link)"))) }
                                td { (entry.detail) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The outbox as admins see it: what is still waiting (with the last error) and what went.
pub fn outbox(
    viewer: &Viewer<'_>,
    transport: &str,
    undelivered: &[OutboxRow],
    sent: &[OutboxRow],
    notice_text: Option<Result<String, String>>,
    zone: &chrono_tz::Tz,
) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "メールの送信状況", "Mail outbox"),
        viewer.audience(),
        "/admin/mail",
        html! {
            h1 { (t(lang, "メールの送信状況", "Mail outbox")) }
            p { (t(lang, "送信方法: ", "Transport: ")) code { (transport) } }
            p.muted { (t(lang,
                "メールは画面の操作とは別に順に送られます。送信に失敗したメールは、1分・2分・4分…（最長6時間）の間隔で自動的に再送されます。宛先が拒否されたメールは自動では再送しません。",
                "Messages are sent in the background. A failed attempt is retried after 1, 2, 4 … minutes (at most 6 hours); a message the server refused for good is not retried automatically.")) }
            (notice(&notice_text))
            h2 { (t(lang, "未送信", "Not sent yet")) }
            @if undelivered.is_empty() {
                p { (t(lang, "未送信のメールはありません。", "Every message has been sent.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "作成", "Queued")) }
                        th { (t(lang, "種類", "Kind")) }
                        th { (t(lang, "宛先", "To")) }
                        th { (t(lang, "件名", "Subject")) }
                        th.num { (t(lang, "試行", "Attempts")) }
                        th { (t(lang, "状態・最後のエラー", "Status, last error")) }
                        th {}
                    } }
                    tbody {
                        @for row in undelivered {
                            tr {
                                td { (local_time(lang, row.created_at, zone)) }
                                td { (kind_label(lang, &row.kind)) }
                                td { (row.recipient) }
                                td { (row.subject) }
                                td.num { (row.attempts) }
                                td {
                                    @match row.status() {
                                        OutboxStatus::Failed => strong.bad { (t(lang, "送信できません（自動再送なし）", "Refused (not retried)")) },
                                        _ if row.attempts == 0 => (t(lang, "送信待ち", "Waiting")),
                                        _ => span { (t(lang, "再送予定 ", "Next attempt ")) (local_time(lang, row.next_attempt_at, zone)) },
                                    }
                                    @if let Some(error) = &row.last_error {
                                        br; span.muted { (error) }
                                    }
                                }
                                td {
                                    form method="post" action={ "/admin/mail/" (row.id) "/retry" } {
                                        (csrf_field(viewer.csrf))
                                        button type="submit" { (t(lang, "今すぐ再送", "Retry now")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (t(lang, "送信済み（新しい順に50通）", "Sent (latest 50)")) }
            @if sent.is_empty() {
                p.muted { (t(lang, "まだありません。", "None yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "送信", "Sent")) }
                        th { (t(lang, "種類", "Kind")) }
                        th { (t(lang, "宛先", "To")) }
                        th { (t(lang, "件名", "Subject")) }
                        th { (t(lang, "送り先", "Delivered")) }
                    } }
                    tbody {
                        @for row in sent {
                            tr {
                                td { @if let Some(at) = row.sent_at { (local_time(lang, at, zone)) } }
                                td { (kind_label(lang, &row.kind)) }
                                td { (row.recipient) }
                                td { (row.subject) }
                                td { (row.delivered_to.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn kind_label(lang: Lang, kind: &str) -> &str {
    match kind {
        "invitation" => t(lang, "招待", "Invitation"),
        "password_reset" => t(lang, "パスワード再設定", "Password reset"),
        "fieldwork_digest" => t(lang, "実査の週報", "Fieldwork digest"),
        "survey_notice" => t(lang, "調査のお知らせ", "Survey notice"),
        other => other,
    }
}

/// The public page where the owner of an invitation or reset link sets a password.
pub fn set_password(
    lang: Lang,
    csrf: &str,
    purpose: LinkPurpose,
    user: &User,
    action: &str,
    error: Option<&str>,
) -> Markup {
    let title = match purpose {
        LinkPurpose::Invitation => t(lang, "パスワードの設定", "Set your password"),
        LinkPurpose::PasswordReset => t(lang, "新しいパスワードの設定", "Choose a new password"),
    };
    page(
        lang,
        title,
        Audience::Public,
        action,
        html! {
            h1 { (title) }
            p {
                (t(lang, "ユーザー名: ", "Username: ")) strong { (user.username) }
                " (" (user.display_name) ")"
            }
            @if let Some(error) = error {
                div.notice.bad role="alert" #error { (error) }
            }
            form method="post" action=(action) {
                (csrf_field(csrf))
                p {
                    label.label for="password" { (t(lang, "パスワード", "Password")) }
                    input #password type="password" name="password" required autocomplete="new-password" minlength=(MIN_PASSWORD_CHARS) autofocus;
                    br; span.muted { (match lang {
                        Lang::Ja => format!("{MIN_PASSWORD_CHARS}文字以上。ほかのサービスと同じものは避けてください。"),
                        Lang::En => format!("At least {MIN_PASSWORD_CHARS} characters, not one you use elsewhere."),
                    }) }
                }
                p {
                    label.label for="password2" { (t(lang, "パスワード（確認のためもう一度）", "Password (again)")) }
                    input #password2 type="password" name="password_again" required autocomplete="new-password";
                }
                button type="submit" { (t(lang, "設定する", "Set the password")) }
            }
        },
    )
}

/// After the password was set.
pub fn password_set(lang: Lang, user: &User) -> Markup {
    page(
        lang,
        t(lang, "パスワードを設定しました", "Your password is set"),
        Audience::Public,
        "/login",
        html! {
            h1 { (t(lang, "パスワードを設定しました", "Your password is set")) }
            div.notice.ok role="status" {
                (t(lang, "ユーザー名 ", "Sign in as ")) strong { (user.username) }
                (t(lang, " と新しいパスワードでログインしてください。", " with your new password."))
            }
            p { a href="/login" { (t(lang, "ログイン画面へ", "Go to sign-in")) } }
        },
    )
}

/// The form that asks for a reset link, and (after sending) the answer that is the same
/// whether or not the address belongs to an account.
pub fn reset_request(
    lang: Lang,
    csrf: &str,
    email: &str,
    requested: bool,
    error: Option<&str>,
) -> Markup {
    page(
        lang,
        t(lang, "パスワードの再設定", "Reset your password"),
        Audience::Public,
        "/password-reset",
        html! {
            h1 { (t(lang, "パスワードの再設定", "Reset your password")) }
            @if requested {
                div.notice.ok role="status" {
                    (t(lang,
                        "入力されたアドレスがアカウントに登録されていれば、再設定のリンクをメールでお送りしました。リンクの有効期限は60分です。届かない場合は、迷惑メールのフォルダをご確認のうえ、管理者にお問い合わせください。",
                        "If the address belongs to an account, a reset link is on its way; it works for 60 minutes. If nothing arrives, check your spam folder and contact an administrator."))
                }
                p { a href="/login" { (t(lang, "ログイン画面へ", "Back to sign-in")) } }
            } @else {
                p { (t(lang, "アカウントに登録したメールアドレスを入力してください。再設定のリンクをお送りします。",
                    "Enter the e-mail address of your account and we will send you a link to choose a new password.")) }
                @if let Some(error) = error {
                    div.notice.bad role="alert" { (error) }
                }
                form method="post" action="/password-reset" {
                    (csrf_field(csrf))
                    p {
                        label.label for="email" { (t(lang, "メールアドレス", "E-mail address")) }
                        input #email type="email" name="email" value=(email) required autocomplete="email" autofocus;
                    }
                    button type="submit" { (t(lang, "再設定のリンクを送る", "Send the link")) }
                }
            }
        },
    )
}

//! Pages for signed-in people (staff, planners, admins) and the login page.

use maud::{html, Markup};

use super::layout::{csrf_field, page, t, Audience};
use crate::auth::Role;
use crate::questionnaire::Lang;
use crate::survey::Survey;

/// The signed-in person a page is drawn for (made from the session by the handler,
/// `Viewer::of` in `web::staff`).
pub struct Viewer<'a> {
    pub user: Person<'a>,
    pub csrf: &'a str,
    pub lang: Lang,
    /// The municipality's time zone: every time on a staff screen is shown in it.
    pub zone: &'a chrono_tz::Tz,
}

/// Who is signed in, as the pages show it.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub id: i64,
    pub role: Role,
    pub display_name: &'a str,
}

impl<'a> Viewer<'a> {
    /// The header for this person: their name, sign-out and the sections their role opens.
    pub fn audience(&self) -> Audience<'a> {
        let lang = self.lang;
        let mut links = Vec::new();
        if self.user.role.allows(Role::Staff) {
            links.push(("/staff", t(lang, "実査", "Fieldwork")));
        }
        if self.user.role.allows(Role::Planner) {
            links.push(("/planner", t(lang, "集計", "Results")));
        }
        if self.user.role.allows(Role::Consultation) {
            links.push(("/consult", t(lang, "連絡の依頼", "Contact requests")));
        }
        if self.user.role == Role::Admin {
            links.push(("/admin/users", t(lang, "アカウント", "Accounts")));
            links.push(("/admin/mail", t(lang, "メール", "Mail")));
        }
        Audience::Staff {
            display_name: self.user.display_name,
            csrf: self.csrf,
            links,
        }
    }
}

/// The login form; `error` is shown above it after a failed attempt.
pub fn login(lang: Lang, csrf: &str, next: &str, username: &str, error: Option<&str>) -> Markup {
    page(
        lang,
        t(lang, "職員ログイン", "Staff sign-in"),
        Audience::Public,
        "/login",
        html! {
            h1 { (t(lang, "職員ログイン", "Staff sign-in")) }
            p.muted { (t(lang, "調査にお答えの方はログイン不要です。お手紙のアドレスからお進みください。",
                "Residents answering the survey do not need to sign in: use the address in your letter.")) }
            @if let Some(error) = error {
                div.notice.bad role="alert" { (error) }
            }
            form method="post" action="/login" {
                (csrf_field(csrf))
                input type="hidden" name="next" value=(next);
                p {
                    label for="username" .label { (t(lang, "ユーザー名", "Username")) }
                    input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                }
                p {
                    label for="password" .label { (t(lang, "パスワード", "Password")) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                button type="submit" { (t(lang, "ログイン", "Sign in")) }
            }
            p { a href="/password-reset" { (t(lang, "パスワードを忘れた場合", "Forgot your password?")) } }
        },
    )
}

/// One survey's fieldwork figures.
pub struct FieldworkRow {
    pub survey: Survey,
    /// An open questionnaire (a shared link, no sample).
    pub open: bool,
    pub codes: i64,
    pub in_progress: i64,
    pub submitted: i64,
}

/// The fieldwork overview: every survey with codes issued, answers under way and submitted.
pub fn fieldwork(viewer: &Viewer<'_>, rows: &[FieldworkRow]) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "実査の状況", "Fieldwork"),
        viewer.audience(),
        "/staff",
        html! {
            h1 { (t(lang, "実査の状況", "Fieldwork")) }
            @if rows.is_empty() {
                p { (t(lang, "調査はまだありません。`tsunagari survey create` で作成します。",
                    "There are no surveys yet. Create one with `tsunagari survey create`.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "調査", "Survey")) }
                        th { (t(lang, "状態", "Status")) }
                        th.num { (t(lang, "発行コード数", "Codes issued")) }
                        th.num { (t(lang, "回答中", "In progress")) }
                        th.num { (t(lang, "回答済み", "Submitted")) }
                        th.num { (t(lang, "回収率", "Response rate")) }
                        th { (t(lang, "紙の調査票", "Paper forms")) }
                        th { (t(lang, "標本・依頼状", "Sample, letters")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (row.survey.title.get(lang)) br; span.muted { (row.survey.slug) } }
                                td { a href={ "/staff/surveys/" (row.survey.slug) "/status" } { (status_label(lang, row.survey.status)) } }
                                td.num { (row.codes) }
                                td.num { (row.in_progress) }
                                td.num { (row.submitted) }
                                td.num {
                                    @if row.codes > 0 {
                                        (format!("{:.1}%", 100.0 * row.submitted as f64 / row.codes as f64))
                                    } @else { "–" }
                                }
                                td { a href={ "/staff/entry/" (row.survey.slug) } { (t(lang, "入力・照合", "Key and reconcile")) } }
                                td {
                                    @if row.open {
                                        a href={ "/staff/surveys/" (row.survey.slug) "/link" } { (t(lang, "共有リンク・QRコード", "Link and QR code")) }
                                    } @else {
                                        a href={ "/staff/surveys/" (row.survey.slug) "/sample" } { (t(lang, "標本", "Sample")) }
                                        " · "
                                        a href={ "/staff/surveys/" (row.survey.slug) "/dispositions" } { (t(lang, "回収状況", "Dispositions")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn status_label(lang: Lang, status: crate::survey::SurveyStatus) -> &'static str {
    use crate::survey::SurveyStatus::*;
    match status {
        Draft => t(lang, "準備中", "Draft"),
        Open => t(lang, "実施中", "Open"),
        Closed => t(lang, "終了", "Closed"),
    }
}

/// A role's name as screens show it.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    role.label(lang)
}

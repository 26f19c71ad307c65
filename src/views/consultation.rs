//! Pages for consultation staff (相談員): the surveys whose requests they follow up, one
//! survey's queue (overdue requests first and marked), and one request with what was done
//! about it and who opened it.

use chrono::NaiveDateTime;
use maud::{html, Markup};

use super::layout::{csrf_field, page, t};
use super::staff::Viewer;
use crate::clock::local_time;
use crate::db::contact_requests::{
    ContactOutcome, ContactRequest, LogAction, LogLine, NoteKind, RequestNote, RequestStatus,
};
use crate::questionnaire::Lang;
use crate::survey::{ConsultationSettings, Survey};

/// One survey on the consultation start page.
pub struct QueueSummary<'a> {
    pub survey: &'a Survey,
    /// Not yet contacted.
    pub waiting: usize,
    /// Not contacted within the promised days.
    pub overdue: usize,
    /// Contacted, not closed.
    pub in_progress: usize,
}

/// The surveys whose requests this person follows up.
pub fn start(viewer: &Viewer<'_>, queues: &[QueueSummary<'_>]) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "連絡の依頼", "Contact requests"),
        viewer.audience(),
        "/consult",
        html! {
            h1 { (t(lang, "連絡の依頼（相談窓口）", "Contact requests (consultation window)")) }
            p { (t(lang,
                "調査の回答者のうち、相談窓口からの連絡を希望した方の一覧です。依頼は回答とは別に保存され、回答や対象者と結び付けることはできません。",
                "Residents who asked the consultation window to contact them after answering a survey. Requests are stored apart from the answers and cannot be linked to them or to the sample.")) }
            @if queues.is_empty() {
                p { (t(lang,
                    "担当している調査に、連絡の依頼を受け付ける調査はありません。調査ファイルの [consultation] で相談窓口を設定し、管理者にこの調査の担当にしてもらってください。",
                    "None of your surveys takes contact requests. A survey offers them when its survey file has a [consultation] section; an admin then makes you a member of the survey.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "調査", "Survey")) }
                        th.num { (t(lang, "未連絡", "Not yet contacted")) }
                        th.num { (t(lang, "うち期限超過", "of which overdue")) }
                        th.num { (t(lang, "対応中", "In progress")) }
                    } }
                    tbody {
                        @for q in queues {
                            tr {
                                td { a href={ "/consult/" (q.survey.slug) } { (q.survey.title.get(lang)) } }
                                td.num { (q.waiting) }
                                td.num { @if q.overdue > 0 { strong.overdue { (q.overdue) } } @else { "0" } }
                                td.num { (q.in_progress) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One line of a survey's queue.
pub struct QueueLine<'a> {
    pub request: &'a ContactRequest,
    pub overdue: bool,
    /// The day by which the window promised to get in touch.
    pub due: NaiveDateTime,
}

/// The status in words.
fn status_label(lang: Lang, status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Received => t(lang, "未連絡", "Not yet contacted"),
        RequestStatus::Contacted => t(lang, "対応中（連絡済み）", "In progress (contacted)"),
        RequestStatus::Closed => t(lang, "完了", "Closed"),
    }
}

fn outcome_label(lang: Lang, outcome: ContactOutcome) -> &'static str {
    match outcome {
        ContactOutcome::Reached => t(lang, "本人と話せた", "Spoke with the resident"),
        ContactOutcome::NotReached => t(
            lang,
            "連絡がつかなかった（不在・応答なし）",
            "Could not reach them (no answer)",
        ),
        ContactOutcome::Referred => t(
            lang,
            "本人の同意を得て他の支援機関につないだ",
            "Connected them with another service, with their agreement",
        ),
    }
}

fn ways_to_reach(lang: Lang, request: &ContactRequest) -> String {
    let mut ways = Vec::new();
    if !request.phone.is_empty() {
        ways.push(t(lang, "電話", "phone"));
    }
    if !request.email.is_empty() {
        ways.push(t(lang, "メール", "e-mail"));
    }
    ways.join(t(lang, "・", ", "))
}

/// A survey's queue: open requests oldest first (overdue ones marked), then closed ones.
pub fn queue(
    viewer: &Viewer<'_>,
    survey: &Survey,
    window: &ConsultationSettings,
    lines: &[QueueLine<'_>],
) -> Markup {
    let lang = viewer.lang;
    let here = format!("/consult/{}", survey.slug);
    let overdue = lines.iter().filter(|l| l.overdue).count();
    page(
        lang,
        t(lang, "連絡の依頼", "Contact requests"),
        viewer.audience(),
        &here,
        html! {
            p.muted { a href="/consult" { (t(lang, "連絡の依頼", "Contact requests")) } " › " (survey.title.get(lang)) }
            h1 { (survey.title.get(lang)) " — " (t(lang, "連絡の依頼", "contact requests")) }
            p { (match lang {
                Lang::Ja => format!("窓口：{}（{}）。回答者には「{}日以内に連絡します」と案内しています。完了した依頼は{}日後に削除されます。",
                    window.window.get(lang), window.hours.get(lang), window.reply_within_days, window.retention_days),
                Lang::En => format!("Window: {} ({}). Residents were told they would be contacted within {} days. Closed requests are deleted after {} days.",
                    window.window.get(lang), window.hours.get(lang), window.reply_within_days, window.retention_days),
            }) }
            @if overdue > 0 {
                div.notice.bad role="status" { p { strong { (match lang {
                    Lang::Ja => format!("{overdue}件の依頼が、案内した期限までに連絡できていません。"),
                    Lang::En => format!("{overdue} request(s) have not been contacted by the promised day."),
                }) } } }
            }
            @if lines.is_empty() {
                p { (t(lang, "連絡の依頼はまだありません。", "There are no requests yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "番号", "No.")) }
                        th { (t(lang, "受付（時間帯）", "Received (hour)")) }
                        th { (t(lang, "状態", "Status")) }
                        th { (t(lang, "連絡の期限", "Contact by")) }
                        th { (t(lang, "回答のつらさのサイン", "Distress in the answers")) }
                        th { (t(lang, "連絡方法", "How to reach")) }
                        th.num { (t(lang, "連絡の試み", "Attempts")) }
                    } }
                    tbody {
                        @for line in lines {
                            @let r = line.request;
                            tr class=[line.overdue.then_some("overdue")] {
                                td { a href={ "/consult/" (survey.slug) "/requests/" (r.id) } { "#" (r.id) } }
                                td { (local_time(lang, r.received_at, viewer.zone)) }
                                td { (status_label(lang, r.status)) }
                                td {
                                    @if r.status == RequestStatus::Closed { "—" } @else {
                                        (local_time(lang, line.due, viewer.zone))
                                        @if line.overdue { " " strong.overdue { (t(lang, "期限超過", "overdue")) } }
                                    }
                                }
                                td { @if r.distress { strong { (t(lang, "あり", "yes")) } } @else { (t(lang, "なし", "no")) } }
                                td { (ways_to_reach(lang, r)) }
                                td.num { (r.attempts) }
                            }
                        }
                    }
                }
                p.muted { (t(lang,
                    "連絡先は依頼を開いたときだけ表示され、開いた記録が残ります。",
                    "Contact details are shown only when a request is opened, and every opening is logged.")) }
            }
        },
    )
}

/// What one request's page shows.
pub struct RequestPage<'a> {
    pub survey: &'a Survey,
    pub window: &'a ConsultationSettings,
    pub request: &'a ContactRequest,
    pub notes: &'a [RequestNote],
    pub log: &'a [LogLine],
    pub overdue: bool,
    pub due: NaiveDateTime,
    /// A refusal of the last form, with the note as typed.
    pub problem: Option<(&'a str, &'a str)>,
    /// What the last form did.
    pub done: Option<&'a str>,
}

fn log_label(lang: Lang, action: LogAction) -> &'static str {
    match action {
        LogAction::Viewed => t(lang, "閲覧", "opened"),
        LogAction::Contacted => t(lang, "連絡を記録", "recorded a contact"),
        LogAction::Noted => t(lang, "記録を追加", "added a note"),
        LogAction::Closed => t(lang, "完了にした", "closed"),
        LogAction::Reopened => t(lang, "再開した", "reopened"),
        LogAction::Deleted => t(
            lang,
            "保存期間の終了により削除",
            "deleted after the retention period",
        ),
    }
}

fn note_label(lang: Lang, note: &RequestNote) -> String {
    match note.kind {
        NoteKind::Contact => format!(
            "{}：{}",
            t(lang, "連絡", "Contact"),
            note.outcome.map_or("", |o| outcome_label(lang, o))
        ),
        NoteKind::Note => t(lang, "記録", "Note").into(),
        NoteKind::Closed => t(lang, "完了", "Closed").into(),
        NoteKind::Reopened => t(lang, "再開", "Reopened").into(),
    }
}

/// One request: how to reach the resident, what was done, the forms to record the next
/// step, and the log of who opened it.
pub fn request(viewer: &Viewer<'_>, p: &RequestPage<'_>) -> Markup {
    let lang = viewer.lang;
    let r = p.request;
    let here = format!("/consult/{}/requests/{}", p.survey.slug, r.id);
    let action = here.clone();
    let typed = p.problem.map_or("", |(_, typed)| typed);
    let none = t(lang, "（記入なし）", "(not given)");
    page(
        lang,
        t(lang, "連絡の依頼", "Contact request"),
        viewer.audience(),
        &here,
        html! {
            p.muted {
                a href="/consult" { (t(lang, "連絡の依頼", "Contact requests")) } " › "
                a href={ "/consult/" (p.survey.slug) } { (p.survey.title.get(lang)) }
            }
            h1 { (t(lang, "連絡の依頼", "Contact request")) " #" (r.id) }
            @if let Some((message, _)) = p.problem {
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus { p { (message) } }
            }
            @if let Some(done) = p.done {
                div.notice.ok role="status" { p { (done) } }
            }
            @if p.overdue {
                div.notice.bad { p { strong { (t(lang, "期限超過：", "Overdue: ")) }
                    (match lang {
                        Lang::Ja => format!("回答者には{}日以内に連絡すると案内しています（期限 {}）。", p.window.reply_within_days, local_time(lang, p.due, viewer.zone)),
                        Lang::En => format!("The resident was told they would be contacted within {} days (by {}).", p.window.reply_within_days, local_time(lang, p.due, viewer.zone)),
                    }) } }
            }
            dl.facts {
                dt { (t(lang, "状態", "Status")) }
                dd { (status_label(lang, r.status))
                    @if let (Some(at), Some(by)) = (r.contacted_at, &r.contacted_by) {
                        " — " (t(lang, "初回の連絡", "first contact")) " " (local_time(lang, at, viewer.zone)) "（" (by) "）"
                    }
                    @if let (Some(at), Some(by)) = (r.closed_at, &r.closed_by) {
                        " — " (t(lang, "完了", "closed")) " " (local_time(lang, at, viewer.zone)) "（" (by) "）"
                    }
                }
                dt { (t(lang, "受付（時間帯）", "Received (hour)")) }
                dd { (local_time(lang, r.received_at, viewer.zone)) }
                dt { (t(lang, "お名前", "Name")) }
                dd { @if r.name.is_empty() { (none) } @else { (r.name) } }
                dt { (t(lang, "電話番号", "Phone")) }
                dd { @if r.phone.is_empty() { (none) } @else { a.phone href={ "tel:" (r.phone.replace(['-', ' ', '(', ')'], "")) } { (r.phone) } } }
                dt { (t(lang, "メールアドレス", "E-mail")) }
                dd { @if r.email.is_empty() { (none) } @else { a href={ "mailto:" (r.email) } { (r.email) } } }
                dt { (t(lang, "連絡してよい時間帯", "Good times")) }
                dd { @if r.good_times.is_empty() { (none) } @else { (r.good_times) } }
                dt { (t(lang, "伝えたいこと", "Message")) }
                dd { @if r.message.is_empty() { (none) } @else { (r.message) } }
                dt { (t(lang, "依頼した画面の言語", "Language of the request")) }
                dd { @if r.lang == "en" { (t(lang, "英語", "English")) } @else { (t(lang, "日本語", "Japanese")) } }
                dt { (t(lang, "回答のつらさのサイン", "Distress in the answers")) }
                dd { @if r.distress {
                        strong { (t(lang, "あり", "yes")) } " — "
                        (t(lang, "回答が調査票の基準（孤独感「しばしばある・常にある」など）に当てはまりました。回答の内容そのものは見られません。",
                            "The answers met the questionnaire's rule (e.g. lonely often or always). The answers themselves cannot be seen."))
                    } @else { (t(lang, "なし", "no")) } }
                dt { (t(lang, "終了画面で表示した相談先", "Help lines the end page showed")) }
                dd { (r.help_shown.join("、")) }
            }

            h2 { (t(lang, "対応の記録", "What was done")) }
            @if p.notes.is_empty() {
                p { (t(lang, "まだ記録はありません。", "Nothing recorded yet.")) }
            } @else {
                ol.history {
                    @for note in p.notes {
                        li {
                            strong { (note_label(lang, note)) }
                            " — " (local_time(lang, note.written_at, viewer.zone))
                            @if let Some(author) = &note.author { "（" (author) "）" }
                            @if !note.body.is_empty() { p { (note.body) } }
                        }
                    }
                }
            }

            @if r.status == RequestStatus::Closed {
                form method="post" action=(action) {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="action" value="reopen";
                    div.field {
                        label.label for="reopen-body" { (t(lang, "再開の理由（任意）", "Why it is reopened (optional)")) }
                        textarea #reopen-body name="body" rows="2" { (typed) }
                    }
                    button type="submit" { (t(lang, "対応を再開する", "Reopen")) }
                }
            } @else {
                h2 { (t(lang, "連絡を記録する", "Record a contact")) }
                form method="post" action=(action) {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="action" value="contact";
                    fieldset {
                        legend { (t(lang, "結果", "How it went")) }
                        @for outcome in [ContactOutcome::Reached, ContactOutcome::NotReached, ContactOutcome::Referred] {
                            label.check {
                                input type="radio" name="outcome" value=(outcome.as_str()) required checked[outcome == ContactOutcome::Reached];
                                " " (outcome_label(lang, outcome))
                            }
                        }
                    }
                    div.field {
                        label.label for="contact-body" { (t(lang, "記録（任意）", "Note (optional)")) }
                        textarea #contact-body name="body" rows="3" { (typed) }
                    }
                    button type="submit" { (t(lang, "連絡を記録する", "Record the contact")) }
                }
                h2 { (t(lang, "記録を追加する", "Add a note")) }
                form method="post" action=(action) {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="action" value="note";
                    div.field {
                        label.label for="note-body" { (t(lang, "記録", "Note")) }
                        textarea #note-body name="body" rows="3" required { (typed) }
                    }
                    button.secondary type="submit" { (t(lang, "記録を追加する", "Add the note")) }
                }
                h2 { (t(lang, "完了にする", "Close")) }
                form method="post" action=(action) {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="action" value="close";
                    div.field {
                        label.label for="close-body" { (t(lang, "完了の記録（任意）", "Closing note (optional)")) }
                        textarea #close-body name="body" rows="2" {}
                    }
                    p.muted { (match lang {
                        Lang::Ja => format!("完了にした依頼は、{}日後に連絡先ごと削除されます。", p.window.retention_days),
                        Lang::En => format!("A closed request is deleted with its contact details after {} days.", p.window.retention_days),
                    }) }
                    button.secondary type="submit" { (t(lang, "完了にする", "Close the request")) }
                }
            }

            h2 { (t(lang, "閲覧と変更の記録", "Who opened or changed it")) }
            table {
                thead { tr { th { (t(lang, "日時", "When")) } th { (t(lang, "担当者", "Who")) } th { (t(lang, "内容", "What")) } } }
                tbody {
                    @for line in p.log {
                        tr {
                            td { (local_time(lang, line.at, viewer.zone)) }
                            td { (line.user.as_deref().unwrap_or("—")) }
                            td { (log_label(lang, line.action)) }
                        }
                    }
                }
            }
        },
    )
}

/// The words for a staff action that went through.
pub fn done_message(lang: Lang, action: &str) -> Option<&'static str> {
    Some(match action {
        "contact" => t(lang, "連絡を記録しました。", "The contact is recorded."),
        "note" => t(lang, "記録を追加しました。", "The note is added."),
        "close" => t(lang, "依頼を完了にしました。", "The request is closed."),
        "reopen" => t(lang, "対応を再開しました。", "The request is reopened."),
        _ => return None,
    })
}

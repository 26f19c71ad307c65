//! Paper-entry pages for staff: the survey's entry overview, the keying screen that mirrors
//! the paper numbering, reconciliation of two entries, a form's responses with corrections,
//! and the audit log. Keyboard first; everything works without the small script
//! ([`ENTRY_JS`]), which only adds auto-advance, instant flags and live skip rules.

use maud::{html, Markup};

use super::layout::{csrf_field, page, t};
use super::staff::Viewer;
use crate::clock::local_time;
use crate::entry::audit::{reason_text, AuditReason};
use crate::entry::{
    entry_hint, keyed_text, Agreement, Difference, Pass, AUDIT_COUNTED, AUDIT_WHOLE_RESPONSE,
};
use crate::questionnaire::{
    Answer, AnswerError, Answers, Lang, Question, Questionnaire, RawInput, Response,
};
use crate::sampling::access_code::AccessCode;
use crate::survey::Survey;

/// A message above a page's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Ok(String),
    Bad(String),
}

fn notice(n: Option<&Notice>) -> Markup {
    html! {
        @match n {
            Some(Notice::Ok(m)) => div.notice.ok role="status" { (m) },
            Some(Notice::Bad(m)) => div.notice.bad role="alert" { (m) },
            None => {},
        }
    }
}

/// Why a typed code cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Not a code at all (the detail says why).
    Malformed(String),
    /// A well-formed code that was never issued.
    Unknown(String),
    /// A code of another survey.
    OtherSurvey(String),
}

impl CodeProblem {
    /// The message for staff.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CodeProblem::Malformed(d), Lang::Ja) => format!(
                "コードの形が正しくありません（{d}）。調査票に印刷された16文字を確認してください。"
            ),
            (CodeProblem::Malformed(d), Lang::En) => format!(
                "This is not an access code ({d}). Check the 16 characters printed on the form."
            ),
            (CodeProblem::Unknown(c), Lang::Ja) => {
                format!("コード {c} は発行されていません。打ち間違いがないか確認してください。")
            }
            (CodeProblem::Unknown(c), Lang::En) => {
                format!("The code {c} was never issued. Check it for typing mistakes.")
            }
            (CodeProblem::OtherSurvey(c), Lang::Ja) => {
                format!("コード {c} は別の調査のものです。調査票の調査名を確認してください。")
            }
            (CodeProblem::OtherSurvey(c), Lang::En) => format!(
                "The code {c} belongs to another survey. Check which survey this form is from."
            ),
        }
    }
}

/// The figures at the top of the entry overview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverviewCounts {
    pub envelopes: i64,
    /// Forms whose first entry is complete.
    pub keyed: i64,
    pub awaiting_second: i64,
    pub awaiting_reconciliation: i64,
    pub accepted: i64,
    pub duplicates: i64,
    /// Entries started and not completed.
    pub drafts: i64,
}

/// One keyer's agreement figures.
pub struct KeyerRow {
    pub name: String,
    pub agreement: Agreement,
}

/// An unfinished keying pass, so the team sees who holds which form.
pub struct DraftRow {
    pub entry_id: i64,
    /// The draft's version, which a release must match.
    pub version: i32,
    /// The code as printed (grouped).
    pub code: String,
    pub pass: i32,
    pub keyer: String,
    pub updated_at: chrono::NaiveDateTime,
}

/// An envelope batch as the overview lists it.
#[derive(Debug, Clone)]
pub struct BatchLine {
    pub received_on: chrono::NaiveDate,
    pub envelopes: i32,
    pub note: String,
}

/// A response of a form's code (either channel) as its page shows it.
#[derive(Debug, Clone)]
pub struct ResponseLine {
    pub id: i64,
    pub channel: String,
    pub version: i32,
    /// Submitted online or accepted on paper.
    pub complete: bool,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub counted: bool,
    pub count_reason: Option<String>,
}

impl ResponseLine {
    /// Whether the response is complete.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// One change in the audit log as shown: who, when, which item of which form, old and new
/// (JSON answers, or `true`/`false` for [`AUDIT_COUNTED`]) and why.
#[derive(Debug, Clone)]
pub struct AuditLine {
    pub code: String,
    pub channel: String,
    pub username: String,
    pub changed_at: chrono::NaiveDateTime,
    pub item_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The system's reason, worded in the reader's language.
    pub reason_code: Option<AuditReason>,
    /// What a person typed (or an older row's whole reason).
    pub reason: String,
}

/// The entry overview of one survey.
pub struct Overview<'a> {
    pub drafts: &'a [DraftRow],
    pub survey: &'a Survey,
    pub double_entry: bool,
    pub counts: OverviewCounts,
    pub batches: &'a [BatchLine],
    /// Grouped codes of forms whose two entries differ.
    pub awaiting_reconciliation: &'a [String],
    pub keyers: &'a [KeyerRow],
    pub notice: Option<Notice>,
    pub typed_code: &'a str,
}

fn base(survey: &Survey) -> String {
    format!("/staff/entry/{}", survey.slug)
}

/// The entry overview: open a form, figures, reconciliation queue, keyers, batches.
pub fn overview(viewer: &Viewer<'_>, o: &Overview<'_>) -> Markup {
    let lang = viewer.lang;
    let base = base(o.survey);
    let c = o.counts;
    page(
        lang,
        t(lang, "調査票の入力", "Paper entry"),
        viewer.audience(),
        &base,
        html! {
            h1 { (t(lang, "調査票の入力", "Paper entry")) " — " (o.survey.title.get(lang)) }
            (notice(o.notice.as_ref()))
            form.open-form method="post" action={ (base) "/open" } {
                (csrf_field(viewer.csrf))
                label.label for="code" { (t(lang, "調査票のコード（入力・照合・修正）", "Code printed on the form (key, reconcile, correct)")) }
                input #code.code-input type="text" name="code" value=(o.typed_code) autocomplete="off" autofocus required;
                " "
                button type="submit" { (t(lang, "開く", "Open")) }
            }
            p.muted { (if o.double_entry {
                t(lang, "2回入力（ダブルエントリー）: 各調査票を別々の職員が2回入力し、一致したものを自動で受理します。",
                  "Double entry: two different staff members key each form; identical entries are accepted automatically.")
            } else {
                t(lang, "1回入力: 入力を完了した調査票をそのまま受理します。", "Single entry: a completed entry is accepted as it is.")
            }) }
            table.figures {
                thead { tr {
                    th.num { (t(lang, "受付通数", "Envelopes received")) }
                    th.num { (t(lang, "入力済み", "Keyed")) }
                    @if o.double_entry {
                        th.num { (t(lang, "2回目待ち", "Awaiting 2nd entry")) }
                        th.num { (t(lang, "照合待ち", "Awaiting reconciliation")) }
                    }
                    th.num { (t(lang, "受理（回答）", "Accepted (responses)")) }
                    th.num { (t(lang, "重複", "Duplicates")) }
                    th.num { (t(lang, "入力途中", "Drafts")) }
                } }
                tbody { tr {
                    td.num #count-envelopes { (c.envelopes) }
                    td.num #count-keyed { (c.keyed) }
                    @if o.double_entry {
                        td.num #count-awaiting-second { (c.awaiting_second) }
                        td.num #count-awaiting-reconciliation { (c.awaiting_reconciliation) }
                    }
                    td.num #count-accepted { (c.accepted) }
                    td.num #count-duplicates { (c.duplicates) }
                    td.num #count-drafts { (c.drafts) }
                } }
            }
            @if !o.awaiting_reconciliation.is_empty() {
                h2 { (t(lang, "照合待ちの調査票", "Forms awaiting reconciliation")) }
                p.muted { (t(lang, "照合は、その調査票を入力していない職員か管理者が行います。", "A staff member who keyed neither entry, or an admin, reconciles.")) }
                ul.queue {
                    @for code in o.awaiting_reconciliation {
                        li { a href={ (base) "/reconcile/" (code.replace('-', "")) } { (code) } }
                    }
                }
            }
            @if !o.drafts.is_empty() {
                @let admin = viewer.user.role == crate::auth::Role::Admin;
                h2 { (t(lang, "入力途中の調査票", "Unfinished entries")) }
                @if admin {
                    p.muted { (t(lang, "入力者が作業を終えられないときは、管理者が入力途中のデータを破棄して、ほかの職員が入力できるようにします。", "When a keyer cannot finish an entry, an admin can discard it so that someone else can key the form.")) }
                }
                table #drafts {
                    thead { tr {
                        th { (t(lang, "コード", "Code")) } th.num { (t(lang, "回目", "Entry")) }
                        th { (t(lang, "入力者", "Keyer")) } th { (t(lang, "最終保存", "Last saved")) }
                        @if admin { th { } }
                    } }
                    tbody {
                        @for d in o.drafts {
                            tr {
                                td.code-input { a href={ (base) "/form/" (d.code.replace('-', "")) } { (d.code) } }
                                td.num { (d.pass) }
                                td { (d.keyer) }
                                td { (local_time(lang, d.updated_at, viewer.zone)) }
                                @if admin {
                                    td {
                                        form method="post" action={ (base) "/drafts/" (d.entry_id) "/release" } {
                                            input type="hidden" name="csrf" value=(viewer.csrf);
                                            input type="hidden" name="version" value=(d.version);
                                            button.link type="submit" { (t(lang, "破棄して入力できるようにする", "Discard so others can key it")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (t(lang, "入力者ごとの一致率", "Agreement rate by keyer")) }
            @if o.keyers.is_empty() {
                p.muted { (t(lang, "2回の入力がそろった調査票はまだありません。", "No form has two complete entries yet.")) }
            } @else {
                table #keyers {
                    thead { tr {
                        th { (t(lang, "入力者", "Keyer")) }
                        th.num { (t(lang, "調査票", "Forms")) }
                        th.num { (t(lang, "比較項目", "Items compared")) }
                        th.num { (t(lang, "一致", "Agreed")) }
                        th.num { (t(lang, "一致率", "Agreement")) }
                    } }
                    tbody {
                        @for k in o.keyers {
                            tr {
                                td { (k.name) }
                                td.num { (k.agreement.forms) }
                                td.num { (k.agreement.items) }
                                td.num { (k.agreement.agreed) }
                                td.num { @match k.agreement.rate() {
                                    Some(rate) => (format!("{:.1}%", rate * 100.0)),
                                    None => "–",
                                } }
                            }
                        }
                    }
                }
            }
            h2 { (t(lang, "受付（郵便の束）", "Envelope batches received")) }
            form.inline-form method="post" action={ (base) "/batches" } {
                (csrf_field(viewer.csrf))
                label for="received_on" { (t(lang, "受付日", "Date received")) }
                input #received_on type="date" name="received_on" value=(chrono::Local::now().format("%Y-%m-%d")) required;
                label for="envelopes" { (t(lang, "通数", "Envelopes")) }
                input #envelopes type="number" name="envelopes" min="1" required;
                label for="note" { (t(lang, "メモ", "Note")) }
                input #note type="text" name="note";
                button type="submit" { (t(lang, "記録", "Log")) }
            }
            @if !o.batches.is_empty() {
                table {
                    thead { tr {
                        th { (t(lang, "受付日", "Date received")) }
                        th.num { (t(lang, "通数", "Envelopes")) }
                        th { (t(lang, "メモ", "Note")) }
                    } }
                    tbody {
                        @for b in o.batches {
                            tr { td { (b.received_on) } td.num { (b.envelopes) } td { (b.note) } }
                        }
                    }
                }
            }
            h2 { (t(lang, "変更履歴", "Audit log")) }
            p {
                a href={ (base) "/audit" } { (t(lang, "回答の変更履歴を見る", "View the audit log of responses")) }
                " · "
                a href={ (base) "/audit.csv" } { (t(lang, "CSVで出力", "Export as CSV")) }
            }
            @if viewer.user.role == crate::auth::Role::Admin {
                h2 { (t(lang, "設定（管理者）", "Settings (admin)")) }
                form method="post" action={ (base) "/settings" } {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="double_entry" value=(if o.double_entry { "off" } else { "on" });
                    button.secondary type="submit" { (if o.double_entry {
                        t(lang, "2回入力をやめる（1回入力にする）", "Switch to single entry")
                    } else {
                        t(lang, "2回入力にする", "Switch to double entry")
                    }) }
                }
            }
        },
    )
}

/// The keying screen of one pass of one form.
pub struct KeyingScreen<'a> {
    pub survey: &'a Survey,
    pub questionnaire: &'a Questionnaire,
    pub code: &'a AccessCode,
    pub pass: Pass,
    pub double_entry: bool,
    pub version: i32,
    /// Whether this pass is stored yet (it is from its first save on; opening a form to
    /// look at it stores nothing).
    pub stored: bool,
    /// What the inputs show (stored or as typed).
    pub values: &'a RawInput,
    /// Invalid entries, next to their items.
    pub errors: &'a [AnswerError],
    /// Answers where the form says to skip (kept), next to their items.
    pub flags: &'a [AnswerError],
    /// Mixed-mode information about the code's online answers.
    pub notices: Vec<String>,
    /// A problem with the whole submission (errors, stale screen).
    pub problem: Option<String>,
    /// After a conflict: the values this screen had typed, so nothing is lost.
    pub unsaved: Option<&'a RawInput>,
}

fn pass_label(lang: Lang, pass: Pass, double_entry: bool) -> &'static str {
    match (pass, double_entry) {
        (_, false) => t(lang, "入力", "Entry"),
        (Pass::First, true) => t(lang, "1回目入力", "First entry"),
        (Pass::Second, true) => t(lang, "2回目入力", "Second entry"),
    }
}

fn kind(response: &Response) -> &'static str {
    match response {
        Response::Single { .. } => "single",
        Response::Multiple { .. } => "multiple",
        Response::Number { .. } => "number",
        Response::Text { .. } => "text",
    }
}

/// The keys legend shown on every keying screen.
fn legend(lang: Lang) -> Markup {
    html! {
        p.keys-legend {
            @if lang == Lang::Ja {
                "数字＝調査票の選択肢番号（ほかの番号の始まりでなければ次へ自動で進みます。例: 1〜11 の 1 は "
                kbd { "Enter" } " で確定）・複数回答はスペース区切り（1 3）・"
                kbd { "Enter" } "/" kbd { "Tab" } "＝次へ・空欄または " kbd { "-" } "＝無回答・"
                kbd { "*" } "＝複数に○（無効）・" kbd { "?" } "＝判読不能・自由記述は書かれたとおりに（欄の中の "
                kbd { "Enter" } " は改行、" kbd { "Tab" } " で次へ）"
            } @else {
                "Digits = the option number printed on the form (moves on by itself unless another option starts with it: with options 1–11, 1 needs "
                kbd { "Enter" } ") · several choices separated by spaces (1 3) · "
                kbd { "Enter" } "/" kbd { "Tab" } " = next · blank or " kbd { "-" } " = no answer · "
                kbd { "*" } " = several marked (invalid) · " kbd { "?" } " = unreadable · free text as written (in its box "
                kbd { "Enter" } " starts a new line, " kbd { "Tab" } " moves on)"
            }
        }
    }
}

/// The keying screen: one input per question, numbered as on the paper form.
pub fn keying(viewer: &Viewer<'_>, s: &KeyingScreen<'_>) -> Markup {
    let lang = viewer.lang;
    let action = format!("{}/form/{}", base(s.survey), s.code.as_str());
    let first_id = s.questionnaire.questions().first().map(|q| q.id.clone());
    page(
        lang,
        pass_label(lang, s.pass, s.double_entry),
        viewer.audience(),
        &action,
        html! {
            h1.keying-title {
                (pass_label(lang, s.pass, s.double_entry)) " "
                span.code-input #form-code { (s.code.grouped()) }
                " " span.muted { (s.survey.title.get(lang)) }
            }
            @for n in &s.notices { div.notice role="status" { (n) } }
            @if let Some(problem) = &s.problem { div.notice.bad role="alert" { (problem) } }
            (legend(lang))
            form #entry-form method="post" action=(action) {
                (csrf_field(viewer.csrf))
                input type="hidden" name="version" value=(s.version);
                @for (index, p) in s.questionnaire.pages().iter().enumerate() {
                    h2.keying-section { (p.title.get(lang)) }
                    table.keying {
                        @for q in s.questionnaire.page_questions(index) {
                            @let error = s.errors.iter().find(|e| e.question_id == q.id);
                            @let flag = s.flags.iter().find(|e| e.question_id == q.id);
                            @let codes = q.response.options().iter().map(|c| c.code.to_string()).collect::<Vec<_>>().join(",");
                            @let show_if = q.show_if.as_ref().and_then(|c| serde_json::to_string(c).ok());
                            tr.key-row.has-error[error.is_some()].flagged[flag.is_some()] id={ "row-" (q.id) } {
                                th.qnum { label for={ "k-" (q.id) } { (q.number) } }
                                td.qtext title=(q.text.get(lang)) {
                                    @if let Some(note) = paper_note(s.questionnaire, q) {
                                        span.paper-note { (note.get(lang)) } " "
                                    }
                                    (q.text.get(lang))
                                }
                                td.qinput {
                                    @if matches!(q.response, Response::Text { .. }) {
                                        // Free text is written over several lines on paper.
                                        textarea.key #{ "k-" (q.id) } name=(q.id) rows="3"
                                            autocomplete="off" spellcheck="false"
                                            autofocus[first_id.as_deref() == Some(q.id.as_str())]
                                            data-kind=(kind(&q.response)) data-codes=(codes) data-show-if=[show_if]
                                            aria-describedby={ "hint-" (q.id) " msg-" (q.id) } {
                                            (s.values.value(&q.id).unwrap_or_default())
                                        }
                                    } @else {
                                        input.key #{ "k-" (q.id) } type="text" name=(q.id) value=(s.values.value(&q.id).unwrap_or_default())
                                            autocomplete="off" spellcheck="false"
                                            autofocus[first_id.as_deref() == Some(q.id.as_str())]
                                            data-kind=(kind(&q.response)) data-codes=(codes) data-show-if=[show_if]
                                            aria-describedby={ "hint-" (q.id) " msg-" (q.id) };
                                    }
                                }
                                td.hint id={ "hint-" (q.id) } { (entry_hint(q, lang)) }
                                td.msg id={ "msg-" (q.id) } {
                                    @if let Some(e) = error { (e.message(lang)) }
                                    @else if let Some(f) = flag { (f.message(lang)) " " (t(lang, "（記入どおり保存）", "(kept as written)")) }
                                }
                            }
                        }
                    }
                }
                @if let Some(unsaved) = s.unsaved {
                    div.notice.bad #unsaved {
                        h2 { (t(lang, "この画面で入力していた値（未保存）", "Values typed on this screen (not saved)")) }
                        ul {
                            @for q in s.questionnaire.questions() {
                                @let typed = unsaved.value(&q.id).unwrap_or_default();
                                @if typed != s.values.value(&q.id).unwrap_or_default() {
                                    li { (q.number) ": " code { (typed) } }
                                }
                            }
                        }
                    }
                }
                div.actions {
                    button.secondary type="submit" name="action" value="save" { (t(lang, "途中保存", "Save draft")) }
                    button #complete type="submit" name="action" value="complete" { (t(lang, "入力完了", "Complete entry")) }
                }
            }
            @if s.stored {
                form.discard method="post" action={ (action) "/discard" } {
                    (csrf_field(viewer.csrf))
                    input type="hidden" name="version" value=(s.version);
                    button.link type="submit" { (t(lang, "この入力を破棄して、ほかの職員が入力できるようにする", "Discard this unfinished entry so that someone else can key it")) }
                }
            } @else {
                p.muted #not-stored { (t(lang,
                    "開いただけでは何も保存されません。最初に保存したときに、この入力が記録されます。",
                    "Opening a form stores nothing; this entry is recorded when it is first saved.")) }
            }
            script src="/static/entry.js" defer {}
        },
    )
}

/// The routing note printed on the paper form for `question`'s item, e.g.
/// 「（問6で「いる」と答えた方に）」: hidden from residents online (the routing is
/// automatic there), shown to staff, who key from the paper.
fn paper_note<'q>(
    questionnaire: &'q Questionnaire,
    question: &Question,
) -> Option<&'q crate::questionnaire::Text> {
    questionnaire
        .pages()
        .get(question.page_index)?
        .items
        .iter()
        .find(|item| item.id == question.item_id)?
        .paper_note
        .as_ref()
}

/// An answer in words with what was keyed, for reconciliation and the response page.
fn answer_words(
    questionnaire: &Questionnaire,
    id: &str,
    answer: Option<&Answer>,
    lang: Lang,
) -> String {
    match (answer, questionnaire.question(id)) {
        (None, _) => t(lang, "（記入なし・該当外）", "(nothing: skipped)").into(),
        (Some(a), Some(q)) => {
            let keyed = keyed_text(a);
            let label = q.answer_label(a, lang);
            if keyed.is_empty() || keyed == label {
                label
            } else {
                format!("{keyed} — {label}")
            }
        }
        (Some(a), None) => keyed_text(a),
    }
}

/// The reconciliation screen of one form.
pub struct ReconcileScreen<'a> {
    pub survey: &'a Survey,
    pub questionnaire: &'a Questionnaire,
    pub code: &'a AccessCode,
    pub differences: &'a [Difference],
    /// Names of the first and second keyer.
    pub keyers: (String, String),
    /// The versions of the two entries shown.
    pub versions: (i32, i32),
    /// Picks as posted (shown again after an error).
    pub picks: &'a RawInput,
    pub errors: &'a [AnswerError],
    pub problem: Option<String>,
}

/// Only the differing items, with both values; the reviewer picks or corrects each.
pub fn reconcile(viewer: &Viewer<'_>, s: &ReconcileScreen<'_>) -> Markup {
    let lang = viewer.lang;
    let action = format!("{}/reconcile/{}", base(s.survey), s.code.as_str());
    page(
        lang,
        t(lang, "照合", "Reconciliation"),
        viewer.audience(),
        &action,
        html! {
            h1 { (t(lang, "照合", "Reconciliation")) " " span.code-input { (s.code.grouped()) } }
            p {
                (t(lang, "1回目", "Entry 1")) ": " (s.keyers.0) " · "
                (t(lang, "2回目", "Entry 2")) ": " (s.keyers.1) " · "
                strong #difference-count { (s.differences.len()) } " "
                (t(lang, "項目が異なります。原票を見て、正しい方を選ぶか正しい値を入力してください。",
                    "item(s) differ. Look at the paper form and pick the right value or type the correct one."))
            }
            @if let Some(p) = &s.problem { div.notice.bad role="alert" { (p) } }
            form method="post" action=(action) {
                (csrf_field(viewer.csrf))
                input type="hidden" name="v1" value=(s.versions.0);
                input type="hidden" name="v2" value=(s.versions.1);
                table.reconcile {
                    thead { tr {
                        th { (t(lang, "問", "Item")) }
                        th { (t(lang, "質問", "Question")) }
                        th { (t(lang, "1回目", "Entry 1")) }
                        th { (t(lang, "2回目", "Entry 2")) }
                        th { (t(lang, "正しい値", "Correct value")) }
                    } }
                    tbody {
                        @for (i, d) in s.differences.iter().enumerate() {
                            @let pick_name = format!("pick:{}", d.question_id);
                            @let value_name = format!("value:{}", d.question_id);
                            @let error = s.errors.iter().find(|e| e.question_id == d.question_id);
                            @let question = s.questionnaire.question(&d.question_id);
                            tr.difference.has-error[error.is_some()] id={ "diff-" (d.question_id) } {
                                th { (d.number) }
                                td {
                                    @if let Some(note) = question.and_then(|q| paper_note(s.questionnaire, q)) {
                                        span.paper-note { (note.get(lang)) } " "
                                    }
                                    (question.map(|q| q.text.get(lang)).unwrap_or(d.question_id.as_str()))
                                }
                                td { label { input type="radio" name=(pick_name) value="first" checked[s.picks.has(&pick_name, "first")] autofocus[i == 0]; " " (answer_words(s.questionnaire, &d.question_id, d.first.as_ref(), lang)) } }
                                td { label { input type="radio" name=(pick_name) value="second" checked[s.picks.has(&pick_name, "second")]; " " (answer_words(s.questionnaire, &d.question_id, d.second.as_ref(), lang)) } }
                                td {
                                    label { input type="radio" name=(pick_name) value="typed" checked[s.picks.has(&pick_name, "typed")]; " " (t(lang, "修正:", "Correct:")) }
                                    " "
                                    input.key type="text" name=(value_name) value=(s.picks.value(&value_name).unwrap_or_default()) autocomplete="off" aria-label={ (d.number) " " (t(lang, "正しい値", "correct value")) };
                                    @if let Some(e) = error { div.error-text { (e.message(lang)) } }
                                }
                            }
                        }
                    }
                }
                p {
                    label.label for="reason" { (t(lang, "メモ（任意・変更履歴に残ります）", "Note (optional, kept in the audit log)")) }
                    input #reason type="text" name="reason" value=(s.picks.value("reason").unwrap_or_default());
                }
                div.actions { button type="submit" { (t(lang, "照合を確定して受理", "Reconcile and accept")) } }
            }
        },
    )
}

/// A form's responses (online and paper) with corrections and the counting choice.
pub struct ResponseScreen<'a> {
    pub survey: &'a Survey,
    pub questionnaire: &'a Questionnaire,
    pub code: &'a AccessCode,
    pub responses: &'a [ResponseLine],
    /// The answers of each response, in the same order.
    pub answers: &'a [Answers],
    pub audit: &'a [AuditLine],
    pub may_review: bool,
    pub notice: Option<Notice>,
}

fn channel_label(lang: Lang, channel: &str) -> &'static str {
    match channel {
        "paper" => t(lang, "紙", "Paper"),
        _ => t(lang, "オンライン", "Online"),
    }
}

/// The response page of one code.
pub fn response(viewer: &Viewer<'_>, s: &ResponseScreen<'_>) -> Markup {
    let lang = viewer.lang;
    let action = format!("{}/response/{}", base(s.survey), s.code.as_str());
    page(
        lang,
        t(lang, "回答", "Response"),
        viewer.audience(),
        &action,
        html! {
            h1 { (t(lang, "回答", "Responses of")) " " span.code-input { (s.code.grouped()) } }
            (notice(s.notice.as_ref()))
            p.muted { (t(lang,
                "同じコードにオンラインと紙の回答がある場合、両方を保存し、先に完了した回答を集計に使います（もう一方は重複）。確認者は理由を記録して変更できます。",
                "When a code has both an online and a paper response, both are kept and the first complete one counts (the other is a duplicate). A reviewer can change this, with a reason.")) }
            table #responses {
                thead { tr {
                    th { "ID" } th { (t(lang, "方法", "Channel")) } th { (t(lang, "状態", "Status")) }
                    th { (t(lang, "完了日時", "Completed")) } th { (t(lang, "集計", "Counts")) } th { "" }
                } }
                tbody {
                    @for r in s.responses {
                        tr id={ "response-" (r.id) } {
                            td { (r.id) }
                            td { (channel_label(lang, &r.channel)) }
                            td { (if r.is_complete() { t(lang, "完了", "Complete") } else { t(lang, "回答中", "In progress") }) }
                            td { (r.submitted_at.map(|at| local_time(lang, at, viewer.zone)).unwrap_or_default()) }
                            td.counted {
                                @if !r.is_complete() { "–" }
                                @else if r.counted { strong { (t(lang, "集計に使う", "Counts")) } }
                                @else { (t(lang, "重複（集計外）", "Duplicate (not counted)")) }
                                @if let Some(reason) = &r.count_reason { br; span.muted { (t(lang, "変更理由: ", "Chosen because: ")) (reason) } }
                            }
                            td {
                                @if s.may_review && r.is_complete() && !r.counted {
                                    form.inline-form method="post" action={ (action) "/count" } {
                                        (csrf_field(viewer.csrf))
                                        input type="hidden" name="response" value=(r.id);
                                        input type="hidden" name="version" value=(r.version);
                                        label for={ "count-reason-" (r.id) } { (t(lang, "理由", "Reason")) }
                                        input id={ "count-reason-" (r.id) } type="text" name="reason" required;
                                        button.secondary type="submit" { (t(lang, "こちらを集計に使う", "Count this one")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for (r, answers) in s.responses.iter().zip(s.answers) {
                @if r.is_complete() {
                    h2 { (channel_label(lang, &r.channel)) " #" (r.id) }
                    table.answers {
                        tbody {
                            @for q in s.questionnaire.questions() {
                                @if let Some(a) = answers.get(&q.id) {
                                    tr { th.qnum { (q.number) } td.qtext { (q.text.get(lang)) } td { (answer_words(s.questionnaire, &q.id, Some(a), lang)) } }
                                }
                            }
                        }
                    }
                    @if s.may_review && r.channel == "paper" {
                        h3 { (t(lang, "受理後の修正", "Correct after acceptance")) }
                        form.inline-form method="post" action={ (action) "/correct" } {
                            (csrf_field(viewer.csrf))
                            input type="hidden" name="response" value=(r.id);
                            input type="hidden" name="version" value=(r.version);
                            label for="item" { (t(lang, "項目", "Item")) }
                            select #item name="item" {
                                @for q in s.questionnaire.questions() { option value=(q.id) { (q.number) " " (q.text.get(lang)) } }
                            }
                            label for="value" { (t(lang, "正しい値", "Correct value")) }
                            input #value.key type="text" name="value" autocomplete="off";
                            label for="correct-reason" { (t(lang, "理由", "Reason")) }
                            input #correct-reason type="text" name="reason" required;
                            button type="submit" { (t(lang, "修正", "Correct")) }
                        }
                    }
                }
            }
            @if !s.may_review {
                p.muted { (t(lang, "この調査票を入力した職員は照合・修正できません。", "People who keyed this form cannot reconcile or correct it.")) }
            }
            h2 { (t(lang, "変更履歴", "Audit log")) }
            (audit_table(lang, viewer.zone, s.questionnaire, s.audit))
        },
    )
}

fn audit_value(
    questionnaire: &Questionnaire,
    item: &str,
    value: Option<&str>,
    lang: Lang,
) -> String {
    let Some(value) = value else {
        return "–".into();
    };
    if item == AUDIT_COUNTED {
        return match value {
            "true" => t(lang, "集計に使う", "counts").into(),
            _ => t(lang, "重複", "duplicate").into(),
        };
    }
    match serde_json::from_str::<Answer>(value) {
        Ok(answer) => answer_words(questionnaire, item, Some(&answer), lang),
        Err(_) => value.to_string(),
    }
}

fn audit_table(
    lang: Lang,
    zone: &chrono_tz::Tz,
    questionnaire: &Questionnaire,
    entries: &[AuditLine],
) -> Markup {
    html! {
        @if entries.is_empty() {
            p.muted { (t(lang, "変更はありません。", "No changes.")) }
        } @else {
            table.audit {
                thead { tr {
                    th { (t(lang, "日時", "When")) } th { (t(lang, "職員", "Who")) } th { (t(lang, "コード", "Code")) }
                    th { (t(lang, "項目", "Item")) } th { (t(lang, "変更前", "Old value")) } th { (t(lang, "変更後", "New value")) } th { (t(lang, "理由", "Reason")) }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (local_time(lang, e.changed_at, zone)) }
                            td { (e.username) }
                            td.code-input { (e.code) }
                            td { @match e.item_id.as_str() {
                                AUDIT_WHOLE_RESPONSE => (t(lang, "回答全体", "whole response")),
                                AUDIT_COUNTED => (t(lang, "集計に使うか", "counted")),
                                id => (questionnaire.question(id).map(|q| q.number.clone()).unwrap_or_else(|| id.to_string())),
                            } }
                            td { (audit_value(questionnaire, &e.item_id, e.old_value.as_deref(), lang)) }
                            td { (audit_value(questionnaire, &e.item_id, e.new_value.as_deref(), lang)) }
                            td { (reason_text(e.reason_code.as_ref(), &e.reason, lang)) }
                        }
                    }
                }
            }
        }
    }
}

/// The audit log of a survey's responses.
pub fn audit(
    viewer: &Viewer<'_>,
    survey: &Survey,
    questionnaire: &Questionnaire,
    entries: &[AuditLine],
) -> Markup {
    let lang = viewer.lang;
    let base = base(survey);
    page(
        lang,
        t(lang, "変更履歴", "Audit log"),
        viewer.audience(),
        &format!("{base}/audit"),
        html! {
            h1 { (t(lang, "回答の変更履歴", "Audit log of responses")) " — " (survey.title.get(lang)) }
            p { a href={ (base) "/audit.csv" } { (t(lang, "CSVで出力", "Export as CSV")) } " · " a href=(base) { (t(lang, "入力の画面へ", "Back to paper entry")) } }
            (audit_table(lang, viewer.zone, questionnaire, entries))
        },
    )
}

/// Served at `/static/entry.js`: auto-advance once a single-choice entry is a code no other
/// code starts with (one keystroke for one-digit options; with 1–11, `2` moves on and `1`
/// waits for `0`, `1` or Enter), Enter to move on (in a free-text box Enter is a new line and
/// Tab moves on), instant flags for invalid codes, and skip rules applied as one types.
pub const ENTRY_JS: &str = r#"(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.key, textarea.key"));
  var byId = {};
  inputs.forEach(function (input) { byId[input.name] = input; });
  var SPECIAL = { "-": 1, "－": 1, "*": 1, "＊": 1, "?": 1, "？": 1 };
  function codesOf(input) {
    var raw = input.getAttribute("data-codes") || "";
    return raw === "" ? [] : raw.split(",").map(Number);
  }
  function normal(text) {
    return text.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }).trim();
  }
  // The answer given in an input, or null when blank, special or invalid.
  function given(input) {
    var value = normal(input.value);
    if (value === "" || SPECIAL[value]) { return null; }
    var kind = input.getAttribute("data-kind");
    if (kind === "single") {
      var code = Number(value);
      return /^\d+$/.test(value) && codesOf(input).indexOf(code) >= 0 ? { codes: [code] } : null;
    }
    if (kind === "multiple") {
      var parts = value.split(/[\s,.、，・]+/).filter(function (p) { return p !== ""; });
      var codes = codesOf(input);
      var ok = parts.every(function (p) { return /^\d+$/.test(p) && codes.indexOf(Number(p)) >= 0; });
      return ok ? { codes: parts.map(Number) } : null;
    }
    if (kind === "number") {
      return /^[-+]?\d+(\.\d+)?$/.test(value.replace(/,/g, "")) ? { number: Number(value.replace(/,/g, "")) } : null;
    }
    return { text: value };
  }
  function invalid(input) {
    var value = normal(input.value);
    if (value === "" || SPECIAL[value]) { return false; }
    var kind = input.getAttribute("data-kind");
    return kind !== "text" && given(input) === null;
  }
  function holds(cond, hidden) {
    var key = Object.keys(cond)[0], c = cond[key];
    function answer(id) { return hidden[id] || !byId[id] ? null : given(byId[id]); }
    if (key === "chosen") {
      var a = answer(c.question);
      return !!(a && a.codes && a.codes.some(function (x) { return c.codes.indexOf(x) >= 0; }));
    }
    if (key === "answered") { return answer(c.question) !== null; }
    if (key === "between") {
      var n = answer(c.question);
      return !!(n && n.number !== undefined && (c.min === null || n.number >= c.min) && (c.max === null || n.number <= c.max));
    }
    if (key === "all") { return c.every(function (p) { return holds(p, hidden); }); }
    if (key === "any") { return c.some(function (p) { return holds(p, hidden); }); }
    if (key === "not") { return !holds(c, hidden); }
    return true;
  }
  function shown(input) { return !input.closest("tr").classList.contains("skipped"); }
  function refresh() {
    var hidden = {};
    inputs.forEach(function (input) {
      var cond = input.getAttribute("data-show-if");
      var visible = !cond || holds(JSON.parse(cond), hidden);
      if (!visible) { hidden[input.name] = true; }
      var row = input.closest("tr");
      row.classList.toggle("skipped", !visible);
      input.tabIndex = visible ? 0 : -1;
      var bad = invalid(input);
      var flagged = !visible && given(input) !== null;
      row.classList.toggle("has-error", bad);
      row.classList.toggle("flagged", flagged);
      var msg = document.getElementById("msg-" + input.name);
      if (msg && (bad || flagged || row.getAttribute("data-live") === "1")) {
        row.setAttribute("data-live", "1");
        msg.textContent = bad ? (document.documentElement.lang === "ja" ? "選択肢にない値です" : "Not an option of this item")
          : flagged ? (document.documentElement.lang === "ja" ? "飛ばすはずの質問です（記入どおり保存）" : "Should have been skipped (kept as written)") : "";
      }
    });
  }
  function next(input) {
    var i = inputs.indexOf(input);
    for (var j = i + 1; j < inputs.length; j++) {
      if (shown(inputs[j])) { inputs[j].focus(); inputs[j].select(); return; }
    }
    document.getElementById("complete").focus();
  }
  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      // Once edited, the row's message follows what is typed (a server message goes away).
      input.closest("tr").setAttribute("data-live", "1");
      refresh();
      if (input.getAttribute("data-kind") !== "single") { return; }
      var value = normal(input.value);
      // A valid code moves on unless a longer code starts with it (1 of 1–11 waits).
      var longer = codesOf(input).some(function (c) {
        var text = String(c);
        return text.length > value.length && text.indexOf(value) === 0;
      });
      if ((/^\d+$/.test(value) && !invalid(input) && !longer) || SPECIAL[value]) { next(input); }
    });
    input.addEventListener("keydown", function (event) {
      // In a free-text box Enter is a new line, as on the paper; Tab moves on (to 入力完了
      // after the last item, as Enter does).
      var tab = event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey;
      if (tab || (event.key === "Enter" && input.tagName !== "TEXTAREA")) { event.preventDefault(); next(input); }
    });
  });
  refresh();
})();
"#;

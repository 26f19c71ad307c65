//! Pages for residents: entering the access code, one page of questions, review, thanks
//! with help lines. Works without JavaScript; every input has a label; errors sit next to
//! the item they concern.

use maud::{html, Markup, PreEscaped};

use super::layout::{answering_page, csrf_field, page, t, Audience};
use crate::clock::local_date;
use crate::contact_form::{ContactForm, FormProblems};
use crate::questionnaire::{
    AnswerProgress, Choice, Conflict, Item, ItemKind, Lang, PageErrors, Questionnaire, RawInput,
    Response, ReviewEntry,
};
use crate::survey::{ConsultationSettings, HelpLine, Survey};

/// What the code-entry page says under the form, if anything.
pub enum CodeProblem {
    /// The typed text is not a code (wrong length, a character never used in codes…).
    Malformed(String),
    /// A well-formed code that does not exist.
    Unknown,
    /// The code's answers were already submitted.
    AlreadySubmitted,
    /// The survey is not open yet (`Some`: the first day of the answering period).
    NotYetOpen(Option<chrono::NaiveDate>),
    /// Fieldwork is over (`Some`: the last day of the answering period).
    Closed(Option<chrono::NaiveDate>),
}

impl CodeProblem {
    fn message(&self, lang: Lang) -> String {
        match self {
            CodeProblem::Malformed(detail) => match lang {
                Lang::Ja => format!("アクセスコードの形が正しくありません（{detail}）。お手紙に記載の16文字（4文字ずつ4組）をご確認ください。"),
                Lang::En => format!("This is not a valid access code ({detail}). Please check the 16 characters (four groups of four) printed on your letter."),
            },
            CodeProblem::Unknown => t(lang,
                "このアクセスコードは見つかりませんでした。お手紙に記載のコードを、もう一度ご確認ください。",
                "This access code was not found. Please check the code printed on your letter.").into(),
            CodeProblem::AlreadySubmitted => t(lang,
                "このアクセスコードでは、すでに回答を送信いただいています。ご協力ありがとうございました。回答の変更はできません。",
                "Answers for this access code have already been sent. Thank you for taking part. Sent answers cannot be changed.").into(),
            CodeProblem::NotYetOpen(from) => not_yet_open(lang, *from),
            CodeProblem::Closed(until) => answering_over(lang, *until),
        }
    }
}

/// The start page: type the code from the letter.
pub fn code_entry(
    lang: Lang,
    csrf: &str,
    typed: &str,
    problem: Option<&CodeProblem>,
    here: &str,
) -> Markup {
    page(
        lang,
        t(lang, "アンケートへの回答", "Answer the survey"),
        Audience::Resident,
        here,
        html! {
            h1 { (t(lang, "アンケートへの回答", "Answer the survey")) }
            p { (t(lang,
                "お手紙に記載の「アクセスコード」を入力して、「はじめる」を押してください。途中でやめても、同じコードで続きから回答できます（別のスマートフォンやパソコンからでも続けられます）。",
                "Type the access code printed on your letter and press Start. You can stop at any time and continue later with the same code, also on another phone or computer.")) }
            form method="post" action="/start" novalidate {
                (csrf_field(csrf))
                div class={ "item" @if problem.is_some() { " has-error" } } {
                    label.label for="code" { (t(lang, "アクセスコード（16文字）", "Access code (16 characters)")) }
                    @if let Some(problem) = problem {
                        p.error-text #code-error role="alert" { (problem.message(lang)) }
                    }
                    input #code .code-input type="text" name="code" value=(typed)
                        autocomplete="off" autocapitalize="characters" spellcheck="false"
                        placeholder="XXXX-XXXX-XXXX-XXXX" aria-describedby=[problem.map(|_| "code-error")]
                        autofocus[problem.is_none() && typed.is_empty()];
                    p.muted { (t(lang, "ハイフン（-）や空白は入れても入れなくてもかまいません。", "Hyphens and spaces are optional.")) }
                }
                div.actions { button type="submit" { (t(lang, "はじめる", "Start")) } }
            }
            p.muted { (t(lang,
                "回答は無記名で統計的に処理され、個人が特定されることはありません。",
                "Answers are anonymous and only published as statistics; no individual can be identified.")) }
        },
    )
}

/// The public start page of an open questionnaire (no access code).
pub fn open_intro(
    lang: Lang,
    csrf: &str,
    survey: &Survey,
    questionnaire: &Questionnaire,
) -> Markup {
    let here = format!("/o/{}", survey.slug);
    page(
        lang,
        survey.title.get(lang),
        Audience::Resident,
        &here,
        html! {
            h1 { (survey.title.get(lang)) }
            @if let Some(description) = questionnaire.description() { p { (description.get(lang)) } }
            form method="post" action=(here) {
                (csrf_field(csrf))
                div.actions { button type="submit" { (t(lang, "回答をはじめる", "Start")) } }
            }
        },
    )
}

/// The page a browser that has already answered an open questionnaire sees instead of a
/// second start.
pub fn open_already_answered(lang: Lang, survey: &Survey) -> Markup {
    page(
        lang,
        survey.title.get(lang),
        Audience::Resident,
        &format!("/o/{}", survey.slug),
        html! {
            h1 { (t(lang, "回答はすでにいただいています", "You have already answered")) }
            p.muted { (survey.title.get(lang)) }
            p { (t(lang,
                "このブラウザからは、このアンケートにすでにお答えいただいています。ご協力ありがとうございました。回答は1人1回でお願いしています。",
                "This browser has already sent answers to this questionnaire. Thank you. We ask for one response per person.")) }
            p.muted { (t(lang,
                "別の方がこの端末でお答えになる場合は、主催者にお知らせください。",
                "If someone else would like to answer on this device, please tell the organisers.")) }
        },
    )
}

/// The QR link's page: the code from the letter is already in, one button starts. Opening
/// it changes nothing (the button posts to `/start`), so link checkers and previews are safe.
pub fn code_link(lang: Lang, csrf: &str, code: &str, here: &str) -> Markup {
    page(
        lang,
        t(lang, "アンケートへの回答", "Answer the survey"),
        Audience::Resident,
        here,
        html! {
            h1 { (t(lang, "アンケートへの回答", "Answer the survey")) }
            p { (t(lang,
                "お手紙のQRコードから開きました。アクセスコードは入力済みです。下の「はじめる」を押すだけで回答画面に進みます。",
                "You opened this page from the QR code on your letter. Your access code is already filled in: just press Start below.")) }
            form method="post" action="/start" {
                (csrf_field(csrf))
                input type="hidden" name="code" value=(code);
                p { (t(lang, "アクセスコード", "Access code")) "： " strong.code-shown { (code) } }
                div.actions { button #start type="submit" autofocus { (t(lang, "はじめる", "Start")) } }
            }
            p.muted { (t(lang,
                "途中でやめても、同じコードで続きから回答できます。回答は無記名で統計的に処理され、個人が特定されることはありません。",
                "You can stop at any time and continue later with the same code. Answers are anonymous and only published as statistics.")) }
            p { a href="/" { (t(lang, "別のアクセスコードを入力する", "Type a different access code")) } }
        },
    )
}

/// Everything needed to draw one page of questions.
pub struct QuestionPage<'a> {
    pub lang: Lang,
    pub survey: &'a Survey,
    pub questionnaire: &'a Questionnaire,
    pub page_index: usize,
    pub items: Vec<&'a Item>,
    pub progress: AnswerProgress,
    pub values: &'a RawInput,
    pub errors: Option<&'a PageErrors>,
    /// Questions of the page another device changed since it was drawn (the resident's
    /// typed values are kept in `values`).
    pub conflicts: &'a [Conflict],
    /// The save raced with another one; pressing 次へ again is enough.
    pub retry: bool,
    pub csrf: &'a str,
    /// The version of the answers this page is drawn from (sent back with the page).
    pub version: i32,
    pub has_previous: bool,
    /// The page was opened with 変更 from the review: 次へ goes back there.
    pub from_review: bool,
}

/// The id of the answering form (the language switch submits it).
const ANSWER_FORM: &str = "answer-form";

/// One page of questions.
pub fn question_page(p: &QuestionPage<'_>) -> Markup {
    let lang = p.lang;
    let Ok(page_def) = p.questionnaire.page(p.page_index) else {
        return html! {};
    };
    let here = format!("/answer/page/{}", p.page_index);
    let progress_text = match lang {
        Lang::Ja => format!(
            "{}問中 {}問 回答済み",
            p.progress.applicable, p.progress.answered
        ),
        Lang::En => format!(
            "{} of {} questions answered",
            p.progress.answered, p.progress.applicable
        ),
    };
    // Enter in a one-line field presses the form's first button in document order: this
    // off-screen 次へ (placed in the header, before the language switch, which belongs to the
    // form too), so Enter goes forward while the visible 前へ / 次へ keep their order for the
    // eye and for Tab.
    let default_button = html! {
        button.default-next type="submit" form=(ANSWER_FORM) name="action" value="next"
            tabindex="-1" aria-hidden="true" { (t(lang, "次へ", "Next")) }
    };
    answering_page(
        lang,
        page_def.title.get(lang),
        ANSWER_FORM,
        default_button,
        html! {
            // The heading first, so that a screen reader (and the eye) meets what the page is
            // about before the survey name and the progress.
            h1 { (page_def.title.get(lang)) }
            p.muted { (p.survey.title.get(lang)) }
            div.progress {
                label for="progress" { (progress_text) }
                progress #progress max=(p.progress.applicable.max(1)) value=(p.progress.answered) { (progress_text) }
            }
            @if let Some(intro) = &page_def.intro { p { (intro.get(lang)) } }
            @if let Some(errors) = p.errors {
                // Focus lands here after a refused save (no script needed: autofocus on a
                // focusable box), so keyboard and screen-reader users hear what to fix.
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus {
                    p { (t(lang, "入力内容をご確認ください。", "Please check your answers.")) }
                    ul {
                        @for e in &errors.errors {
                            li { a href={ "#q-" (e.question_id) } { (e.number) } " " (e.message(lang)) }
                        }
                    }
                }
            }
            @if !p.conflicts.is_empty() {
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus {
                    p { (t(lang,
                        "このページを開いたあとで、次の質問の回答が別の端末（または別の画面）で変更されていました。",
                        "After this page was opened, these answers were changed on another device (or in another window).")) }
                    ul {
                        @for c in p.conflicts {
                            @let question = p.questionnaire.question(&c.question_id);
                            @let words = |answer: Option<&crate::questionnaire::Answer>| match (question, answer) {
                                (Some(q), Some(a)) => q.answer_label(a, lang),
                                _ => t(lang, "（回答なし）", "(no answer)").to_string(),
                            };
                            li {
                                a href={ "#q-" (c.question_id) } { (c.number) } " "
                                (t(lang, "別の端末で保存された回答：", "saved on the other device: "))
                                strong { (words(c.stored.as_ref())) }
                                (t(lang, "／この画面の回答：", " / on this screen: "))
                                strong { (words(Some(&c.typed))) }
                            }
                        }
                    }
                    p { (t(lang,
                        "この画面で選んだ回答をそのまま残しています。よろしければ「次へ」を押してください。別の端末の回答にする場合は、選び直してから「次へ」を押してください。",
                        "What you chose on this screen is kept. If it is right, press Next. To keep the other device's answer instead, change it here, then press Next.")) }
                }
            }
            @if p.retry {
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus {
                    p { (t(lang,
                        "保存と同時に、別の端末からも保存がありました。入力した内容は残っています。もう一度「次へ」を押してください。",
                        "Another device saved at the same moment. What you entered is still here: please press Next again.")) }
                }
            }
            form #answer-form method="post" action=(here) novalidate {
                (csrf_field(p.csrf))
                input type="hidden" name="version" value=(p.version);
                @if p.from_review { input type="hidden" name="from" value="review"; }
                @for item in &p.items {
                    (item_block(lang, item, p.values, p.errors))
                }
                div.actions.pager {
                    @if p.has_previous {
                        button.secondary type="submit" name="action" value="back" { (t(lang, "前へ", "Back")) }
                    }
                    button type="submit" name="action" value="next" {
                        @if p.from_review { (t(lang, "次へ（確認画面に戻る）", "Next (back to the summary)")) }
                        @else { (t(lang, "次へ", "Next")) }
                    }
                }
                p { button.link type="submit" name="action" value="later" { (t(lang, "保存して中断する（あとで続きから回答）", "Save and continue later")) } }
            }
        },
    )
}

fn required_mark(lang: Lang, required: bool) -> Markup {
    html! {
        @if required { span.muted { (t(lang, "（必須）", " (required)")) } }
        @else { span.muted { (t(lang, "（任意）", " (optional)")) } }
    }
}

/// The ids of the texts describing an input (note, hint, error), for `aria-describedby`.
fn described_by(ids: &[Option<String>]) -> Option<String> {
    let joined = ids.iter().flatten().cloned().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

fn item_block(lang: Lang, item: &Item, values: &RawInput, errors: Option<&PageErrors>) -> Markup {
    match &item.kind {
        ItemKind::Question(response) => {
            let error = errors
                .and_then(|e| e.for_question(&item.id))
                .map(|e| e.message(lang));
            let heading = html! {
                span.number { (item.number) } " " (item.text.get(lang)) (required_mark(lang, item.required))
            };
            html! {
                div class={ "item" @if error.is_some() { " has-error" } } id={ "q-" (item.id) } {
                    (question_input(lang, &item.id, heading, item.note.as_ref().map(|n| n.get(lang)), response, values, error.as_deref()))
                }
            }
        }
        ItemKind::Grid { options, rows } => {
            let any_error = rows
                .iter()
                .any(|r| errors.and_then(|e| e.for_question(&r.id)).is_some());
            let note_id = item.note.as_ref().map(|_| format!("{}-note", item.id));
            html! {
                div class={ "item grid" @if any_error { " has-error" } } id={ "q-" (item.id) } {
                    p.label { span.number { (item.number) } " " (item.text.get(lang)) (required_mark(lang, item.required)) }
                    @if let Some(note) = &item.note { p.muted id=[note_id.as_deref()] { (note.get(lang)) } }
                    @for row in rows {
                        @let error = errors.and_then(|e| e.for_question(&row.id)).map(|e| e.message(lang));
                        div.grid-row id={ "q-" (row.id) } {
                            (choice_fieldset(lang, &row.id, html! { span.number { (item.number) (row.number) } " " (row.text.get(lang)) }, None, note_id.as_deref(), options, false, values, error.as_deref()))
                        }
                    }
                }
            }
        }
    }
}

fn question_input(
    lang: Lang,
    id: &str,
    heading: Markup,
    note: Option<&str>,
    response: &Response,
    values: &RawInput,
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{id}-error");
    let note_id = format!("{id}-note");
    let hint_id = format!("{id}-hint");
    match response {
        Response::Single { options } => {
            choice_fieldset(lang, id, heading, note, None, options, false, values, error)
        }
        Response::Multiple { options, .. } => {
            choice_fieldset(lang, id, heading, note, None, options, true, values, error)
        }
        Response::Number {
            min,
            max,
            integer,
            unit,
        } => {
            let described = described_by(&[
                note.map(|_| note_id.clone()),
                Some(hint_id.clone()),
                error.map(|_| error_id.clone()),
            ]);
            html! {
                label.label for=(id) { (heading) }
                @if let Some(note) = note { p.muted id=(note_id) { (note) } }
                @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
                input id=(id) type="text" name=(id) value=(values.value(id).unwrap_or_default())
                    inputmode=(if *integer { "numeric" } else { "decimal" })
                    aria-describedby=[described.as_deref()]
                    aria-invalid=[error.map(|_| "true")];
                @if let Some(unit) = unit { " " (unit.get(lang)) }
                p.muted id=(hint_id) { (match lang {
                    Lang::Ja => format!("{}〜{}の{}で入力してください", fmt_number(*min), fmt_number(*max), if *integer { "整数" } else { "数" }),
                    Lang::En => format!("A {} from {} to {}", if *integer { "whole number" } else { "number" }, fmt_number(*min), fmt_number(*max)),
                }) }
            }
        }
        Response::Text {
            max_length,
            multiline,
        } => {
            let described = described_by(&[
                note.map(|_| note_id.clone()),
                error.map(|_| error_id.clone()),
            ]);
            html! {
                label.label for=(id) { (heading) }
                @if let Some(note) = note { p.muted id=(note_id) { (note) } }
                @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
                @if *multiline {
                    textarea id=(id) name=(id) maxlength=(max_length)
                        aria-describedby=[described.as_deref()] aria-invalid=[error.map(|_| "true")] { (values.value(id).unwrap_or_default()) }
                } @else {
                    input id=(id) type="text" name=(id) maxlength=(max_length) value=(values.value(id).unwrap_or_default())
                        aria-describedby=[described.as_deref()] aria-invalid=[error.map(|_| "true")];
                }
            }
        }
    }
}

/// A group of radio buttons or checkboxes. `shared_note` is the id of a note that belongs to
/// several groups (a grid's instruction).
#[allow(clippy::too_many_arguments)]
fn choice_fieldset(
    lang: Lang,
    id: &str,
    heading: Markup,
    note: Option<&str>,
    shared_note: Option<&str>,
    options: &[Choice],
    multiple: bool,
    values: &RawInput,
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{id}-error");
    let note_id = format!("{id}-note");
    let described = described_by(&[
        shared_note.map(str::to_string),
        note.map(|_| note_id.clone()),
        error.map(|_| error_id.clone()),
    ]);
    html! {
        fieldset aria-describedby=[described.as_deref()] {
            legend { (heading) }
            @if let Some(note) = note { p.muted id=(note_id) { (note) } }
            @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
            div.choices {
                @for choice in options {
                    @let input_id = format!("{id}-{}", choice.code);
                    @let code = choice.code.to_string();
                    label.choice for=(input_id) {
                        input id=(input_id) type=(if multiple { "checkbox" } else { "radio" }) name=(id) value=(code)
                            checked[values.has(id, &code)] aria-invalid=[error.map(|_| "true")];
                        span { (choice.label.get(lang)) }
                    }
                }
            }
        }
    }
}

fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The review page: every answer with a link back; submit when nothing required is missing.
pub fn review(
    lang: Lang,
    survey: &Survey,
    entries: &[ReviewEntry],
    missing: &[(usize, String)],
    csrf: &str,
    version: i32,
    changed_elsewhere: &[String],
) -> Markup {
    page(
        lang,
        t(lang, "回答の確認", "Check your answers"),
        Audience::Resident,
        "/answer/review",
        html! {
            h1 { (t(lang, "回答の確認", "Check your answers")) }
            p.muted { (survey.title.get(lang)) }
            @if !changed_elsewhere.is_empty() {
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus {
                    p { (t(lang,
                        "この画面を開いたあとで、別の端末（または別の画面）で次の回答が変更されました。下の一覧は変更後の内容です。ご確認のうえ、もう一度「送信する」を押してください。",
                        "After this page was opened, these answers were changed on another device (or in another window). The list below shows them as they are now: please check and press Send again.")) }
                    p { (changed_elsewhere.join("、")) }
                }
            }
            @if !missing.is_empty() {
                div.notice.bad role="alert" {
                    p { (t(lang, "まだ回答されていない質問があります。", "Some questions still need an answer.")) }
                    ul { @for (page_index, number) in missing {
                        li { a href={ "/answer/page/" (page_index) "?from=review" } { (number) } }
                    } }
                }
            } @else {
                p { (t(lang, "内容を確かめて、よろしければ「送信する」を押してください。送信後は変更できません。",
                    "Please check your answers and press Send. They cannot be changed after sending.")) }
            }
            dl.review {
                @for e in entries {
                    dt { span.number { (e.number) } " " (e.label) }
                    dd {
                        span.answer { (e.answer) }
                        a.change href={ "/answer/page/" (e.page_index) "?from=review#q-" (e.question_id) } {
                            (t(lang, "変更", "Change")) span.visually-hidden { "（" (e.number) "）" }
                        }
                    }
                }
            }
            @if missing.is_empty() {
                form method="post" action="/answer/submit" {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(version);
                    div.actions { button type="submit" { (t(lang, "送信する", "Send")) } }
                }
            }
        },
    )
}

/// A survey's answering period in words (「2026年12月1日 ～ 2026年12月20日」), or that it is
/// not limited.
pub fn answering_period(lang: Lang, survey: &Survey) -> String {
    match (survey.answer_from, survey.answer_until) {
        (None, None) => t(
            lang,
            "期間の指定なし（実施中のあいだ）",
            "Not limited (while open)",
        )
        .to_string(),
        (from, until) => format!(
            "{} ～ {}",
            from.map(|d| local_date(lang, d)).unwrap_or_default(),
            until.map(|d| local_date(lang, d)).unwrap_or_default()
        ),
    }
}

/// Why a survey does not take answers yet, with its first day when it has one.
pub fn not_yet_open(lang: Lang, from: Option<chrono::NaiveDate>) -> String {
    match (lang, from) {
        (Lang::Ja, Some(from)) => format!("この調査の回答受付は{}からです。その日以降にもう一度お越しください。", local_date(lang, from)),
        (Lang::En, Some(from)) => format!("This survey takes answers from {}. Please come back then.", local_date(lang, from)),
        _ => t(lang,
            "この調査はまだ始まっていません。お手紙（ご案内）に記載の回答期間にもう一度お越しください。",
            "This survey has not started yet. Please come back during the answering period given in your letter or invitation.").into(),
    }
}

/// Why a survey no longer takes answers, with its last day when it has one.
pub fn answering_over(lang: Lang, until: Option<chrono::NaiveDate>) -> String {
    match (lang, until) {
        (Lang::Ja, Some(until)) => format!(
            "この調査の回答受付は{}で終了しました。ご協力ありがとうございました。",
            local_date(lang, until)
        ),
        (Lang::En, Some(until)) => format!(
            "This survey stopped taking answers on {}. Thank you for your interest.",
            local_date(lang, until)
        ),
        _ => t(
            lang,
            "この調査の回答受付は終了しました。ご協力ありがとうございました。",
            "This survey is closed. Thank you for your interest.",
        )
        .into(),
    }
}

/// The page after "save and continue later"; `with_code` says whether an access code can
/// reopen the answers (sampled surveys) or only this browser can (open questionnaires).
pub fn saved(lang: Lang, survey: &Survey, with_code: bool) -> Markup {
    page(
        lang,
        t(lang, "保存しました", "Saved"),
        Audience::Resident,
        "/answer/saved",
        html! {
            p.muted { (survey.title.get(lang)) }
            h1 { (t(lang, "ここまでの回答を保存しました", "Your answers so far are saved")) }
            @if with_code {
                p { (t(lang, "続きは、お手紙のアクセスコードをもう一度入力すると、中断したところから回答できます。別のスマートフォンやパソコンからでも続けられます。",
                    "To continue, enter the access code from your letter again: you will start where you stopped, also on another phone or computer.")) }
            } @else {
                p { (t(lang, "このブラウザで24時間以内にこのページを開き直すと、続きから回答できます。",
                    "Open this page again in this browser within 24 hours to continue where you stopped.")) }
            }
            p { a.button href="/answer" { (t(lang, "続けて回答する", "Continue now")) } }
        },
    )
}

/// Whether the end page offers to have the consultation window get in touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactOffer {
    /// The survey does not offer it (or only after distress, which these answers did not
    /// signal).
    None,
    /// The resident may ask to be contacted.
    Offered,
    /// This session has already asked.
    Requested,
}

/// The thanks page with where to get help; help comes first and stands out when the
/// answers signal distress, and so does the offer to be contacted.
pub fn done(
    lang: Lang,
    survey: &Survey,
    closing: Option<&str>,
    distress: bool,
    mailed: bool,
    contact: ContactOffer,
) -> Markup {
    let help = help_lines(lang, &survey.help, distress);
    let offer = contact_offer(lang, survey, contact, distress);
    page(
        lang,
        t(lang, "ご協力ありがとうございました", "Thank you"),
        Audience::Resident,
        "/answer/done",
        html! {
            // The confirmation is the first line in every case; when the answers signal
            // distress the help follows at once, before anything else.
            h1 { (t(lang, "回答を受け付けました", "Your answers have been received")) }
            @if distress { (help) (offer) }
            @if mailed {
                p { (t(lang, "お手紙の調査票（紙）は返送しないでください。",
                    "Please do not send back the paper form.")) }
            }
            @if let Some(closing) = closing { p { (closing) } }
            @if !distress { (help) (offer) }
        },
    )
}

fn contact_offer(lang: Lang, survey: &Survey, contact: ContactOffer, distress: bool) -> Markup {
    let Some(window) = &survey.consultation else {
        return html! {};
    };
    match contact {
        ContactOffer::None => html! {},
        ContactOffer::Requested => html! {
            section.notice.ok #contact aria-labelledby="contact-title" {
                h2 #contact-title { (t(lang, "ご連絡の依頼を受け付けました", "Your request to be contacted has been received")) }
                p { (reply_promise(lang, window)) }
            }
        },
        ContactOffer::Offered => html! {
            section class={ "contact-offer" @if distress { " urgent" } } #contact aria-labelledby="contact-title" {
                h2 #contact-title { (t(lang, "相談窓口から連絡してほしい方へ", "Would you like the consultation window to contact you?")) }
                p { (match lang {
                    Lang::Ja => format!("{}の相談員が、あなたの都合のよい方法でご連絡し、お話を伺います。調査の回答は匿名のままです。", window.window.get(lang)),
                    Lang::En => format!("A counsellor of {} will get in touch in the way you choose and listen. Your survey answers stay anonymous.", window.window.get(lang)),
                }) }
                p { a.button href="/answer/contact" { (t(lang, "相談窓口から連絡してほしい", "I would like to be contacted")) } }
                p.muted { (t(lang, "希望しない場合は、何もしなくてかまいません。", "If you do not want this, there is nothing to do.")) }
            }
        },
    }
}

/// When and how the window will get in touch, in one sentence.
fn reply_promise(lang: Lang, window: &ConsultationSettings) -> String {
    match lang {
        Lang::Ja => format!(
            "{}の相談員から、{}日以内（{}）にご連絡します。",
            window.window.get(lang),
            window.reply_within_days,
            window.hours.get(lang)
        ),
        Lang::En => format!(
            "A counsellor of {} will contact you within {} days ({}).",
            window.window.get(lang),
            window.reply_within_days,
            window.hours.get(lang)
        ),
    }
}

/// What the contact request form shows.
pub struct ContactFormPage<'a> {
    pub lang: Lang,
    pub survey: &'a Survey,
    pub window: &'a ConsultationSettings,
    pub csrf: &'a str,
    /// What was typed (empty the first time).
    pub typed: &'a ContactForm,
    pub problems: &'a FormProblems,
    pub distress: bool,
}

/// The request form: who will see it and what they will do, then how to be reached.
pub fn contact_form(p: &ContactFormPage<'_>) -> Markup {
    let lang = p.lang;
    let window = p.window;
    let field = |id: &'static str, label: &str, hint: Option<&str>, input: Markup| {
        let error = p.problems.of(id);
        let error_id = format!("{id}-error");
        let hint_id = format!("{id}-hint");
        html! {
            div.field {
                label.label for=(id) { (label) }
                @if let Some(hint) = hint { p.muted id=(hint_id) { (hint) } }
                @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
                (input)
            }
        }
    };
    let described = |id: &str, hint: bool| {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if p.problems.of(id).is_some() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let invalid = |id: &str| p.problems.of(id).map(|_| "true");
    page(
        lang,
        t(lang, "相談窓口からの連絡を希望する", "Ask to be contacted"),
        Audience::Resident,
        "/answer/contact",
        html! {
            h1 { (t(lang, "相談窓口からの連絡を希望する", "Ask to be contacted")) }
            @if !p.problems.fields.is_empty() {
                div.notice.bad #error-summary role="alert" tabindex="-1" autofocus {
                    p { (t(lang, "入力内容をご確認ください。", "Please check what you typed.")) }
                    ul {
                        @for (id, message) in &p.problems.fields {
                            li { a href={ "#" (id) } { (message) } }
                        }
                    }
                }
            }
            section.consent aria-labelledby="consent-title" {
                h2 #consent-title { (t(lang, "連絡を希望する前にお読みください", "Please read this first")) }
                ul {
                    li { (match lang {
                        Lang::Ja => format!("ここに入力した内容は、{}の相談員だけが見ます。調査の集計をする職員には届きません。", window.window.get(lang)),
                        Lang::En => format!("Only the counsellors of {} see what you enter here. The staff who analyse the survey do not.", window.window.get(lang)),
                    }) }
                    li { (reply_promise(lang, window)) " "
                        (t(lang, "お話を伺い、必要に応じて支援につなぎます。", "They will listen and, if you wish, connect you with support.")) }
                    li { (t(lang, "調査の回答は匿名のままです。この依頼は回答と結び付けて保存されず、相談員も回答の内容を見ることはできません。",
                        "Your survey answers stay anonymous: this request is not stored with them, and the counsellors cannot see your answers.")) }
                    li { (match lang {
                        Lang::Ja => format!("依頼の記録は、対応が終わってから{}日後に削除します。", window.retention_days),
                        Lang::En => format!("The record of your request is deleted {} days after it is dealt with.", window.retention_days),
                    }) }
                    li { (t(lang, "お名前は任意です。呼ばれたい名前だけでもかまいません。",
                        "Your name is optional; any name you would like to be called by is fine.")) }
                }
                p { strong { (PreEscaped(t(lang,
                    "この依頼は緊急の連絡には対応していません。命の危険を感じるときは、すぐに <span class=\"phone\">119</span>（救急）または <span class=\"phone\">110</span>（警察）に電話してください。",
                    "This request is not for emergencies. If a life is in danger, call <span class=\"phone\">119</span> (ambulance) or <span class=\"phone\">110</span> (police) now."))) } }
            }
            form method="post" action="/answer/contact" novalidate {
                (csrf_field(p.csrf))
                (field("phone", t(lang, "電話番号", "Phone number"),
                    Some(t(lang, "電話番号かメールアドレスの少なくとも一方を入力してください。", "Give a phone number, an e-mail address, or both.")),
                    html! { input #phone type="tel" name="phone" autocomplete="tel" inputmode="tel" value=(p.typed.phone)
                        aria-describedby=[described("phone", true)] aria-invalid=[invalid("phone")]; }))
                (field("email", t(lang, "メールアドレス", "E-mail address"), None,
                    html! { input #email type="email" name="email" autocomplete="email" value=(p.typed.email)
                        aria-describedby=[described("email", false)] aria-invalid=[invalid("email")]; }))
                (field("good_times", t(lang, "連絡してよい時間帯（任意）", "Good times to call (optional)"),
                    Some(t(lang, "例：平日の午後、夕方6時以降", "e.g. weekday afternoons, after 6 pm")),
                    html! { input #good_times type="text" name="good_times" value=(p.typed.good_times)
                        aria-describedby=[described("good_times", true)] aria-invalid=[invalid("good_times")]; }))
                (field("name", t(lang, "お名前（任意）", "Name (optional)"), None,
                    html! { input #name type="text" name="name" autocomplete="name" value=(p.typed.name)
                        aria-describedby=[described("name", false)] aria-invalid=[invalid("name")]; }))
                (field("message", t(lang, "伝えておきたいこと（任意）", "Anything you would like them to know (optional)"), None,
                    html! { textarea #message name="message" rows="4"
                        aria-describedby=[described("message", false)] aria-invalid=[invalid("message")] { (p.typed.message) } }))
                div.field {
                    @if let Some(error) = p.problems.of("consent") { p.error-text #consent-error { (error) } }
                    label.check {
                        input #consent type="checkbox" name="consent" value="yes" checked[p.typed.consent]
                            aria-describedby=[described("consent", false)] aria-invalid=[invalid("consent")];
                        " " (t(lang, "上の説明を読み、相談窓口からの連絡を希望します", "I have read the text above and would like to be contacted"))
                    }
                }
                p { button type="submit" { (t(lang, "連絡を依頼する", "Send my request")) } }
            }
            p { a href="/answer/done" { (t(lang, "依頼せずに戻る", "Go back without asking")) } }
            @if p.distress {
                (help_lines(lang, &p.survey.help, true))
            }
        },
    )
}

/// The confirmation after a request: when to expect contact, and the round-the-clock lines
/// for anything that cannot wait. `note` is shown first (a second request from the session).
pub fn contact_sent(
    lang: Lang,
    survey: &Survey,
    window: &ConsultationSettings,
    note: Option<&str>,
) -> Markup {
    let urgent: Vec<HelpLine> = crate::survey::urgent_lines(&survey.help)
        .into_iter()
        .cloned()
        .collect();
    page(
        lang,
        t(
            lang,
            "ご連絡の依頼を受け付けました",
            "Your request has been received",
        ),
        Audience::Resident,
        "/answer/contact",
        html! {
            h1 { (t(lang, "ご連絡の依頼を受け付けました", "Your request has been received")) }
            @if let Some(note) = note { div.notice role="status" { p { (note) } } }
            p { (reply_promise(lang, window)) }
            @if let Some(phone) = &window.phone {
                p { (t(lang, "こちらからお電話いただくこともできます：", "You can also call the window yourself: "))
                    a.phone href={ "tel:" (phone.replace('-', "")) } { (phone) } }
            }
            p { (t(lang, "この依頼は緊急の連絡には対応していません。待てないときは、次の窓口にご連絡ください。",
                "This request is not an emergency service. If it cannot wait, please contact one of these services.")) }
            (help_lines(lang, &urgent, true))
            p { a href="/answer/done" { (t(lang, "最初の画面に戻る", "Back to the thank-you page")) } }
        },
    )
}

fn help_lines(lang: Lang, lines: &[HelpLine], urgent: bool) -> Markup {
    if lines.is_empty() {
        return html! {};
    }
    html! {
        section class={ "help" @if urgent { " urgent" } } aria-labelledby="help-title" {
            h2 #help-title {
                @if urgent {
                    (t(lang, "つらい気持ちを、ひとりで抱えていませんか。話を聞いてくれる窓口があります。",
                        "Are you carrying a heavy feeling alone? These services are there to listen."))
                } @else {
                    (t(lang, "悩みや困りごとの相談先", "Where to get help"))
                }
            }
            ul {
                @for line in lines {
                    li {
                        strong { (line.name.get(lang)) }
                        @if let Some(phone) = &line.phone {
                            br; a.phone href={ "tel:" (phone.replace('-', "")) } { (phone) }
                        }
                        @if let Some(url) = &line.url { br; a href=(url) { (url) } }
                        @if let Some(hours) = &line.hours { br; span.muted { (hours.get(lang)) } }
                        @if let Some(d) = &line.description { br; (d.get(lang)) }
                    }
                }
            }
            @if urgent {
                p { (PreEscaped(t(lang, "命の危険を感じるときは、すぐに <strong>119</strong>（救急）または <strong>110</strong>（警察）に電話してください。",
                    "If a life is in danger, call <strong>119</strong> (ambulance) or <strong>110</strong> (police) now."))) }
            }
        }
    }
}

//! Pages for residents: entering the access code, one page of questions, review, thanks
//! with help lines. Works without JavaScript; every input has a label; errors sit next to
//! the item they concern.

use maud::{html, Markup, PreEscaped};

use super::layout::{answering_page, csrf_field, page, t, Audience};
use crate::questionnaire::{
    AnswerProgress, Choice, Conflict, Item, ItemKind, Lang, PageErrors, Questionnaire, RawInput,
    Response, ReviewEntry,
};
use crate::survey::{HelpLine, Survey};

/// What the code-entry page says under the form, if anything.
pub enum CodeProblem {
    /// The typed text is not a code (wrong length, a character never used in codes…).
    Malformed(String),
    /// A well-formed code that does not exist.
    Unknown,
    /// The code's answers were already submitted.
    AlreadySubmitted,
    /// The survey is not open yet.
    NotYetOpen,
    /// Fieldwork is over.
    Closed,
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
            CodeProblem::NotYetOpen => t(lang,
                "この調査はまだ始まっていません。お手紙に記載の回答期間にもう一度お越しください。",
                "This survey has not started yet. Please come back during the answering period given in your letter.").into(),
            CodeProblem::Closed => t(lang,
                "この調査の回答受付は終了しました。ご協力ありがとうございました。",
                "This survey is closed. Thank you for your interest.").into(),
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

/// The thanks page with where to get help; help comes first and stands out when the
/// answers signal distress.
pub fn done(
    lang: Lang,
    survey: &Survey,
    closing: Option<&str>,
    distress: bool,
    mailed: bool,
) -> Markup {
    let help = help_lines(lang, &survey.help, distress);
    page(
        lang,
        t(lang, "ご協力ありがとうございました", "Thank you"),
        Audience::Resident,
        "/answer/done",
        html! {
            // The confirmation is the first line in every case; when the answers signal
            // distress the help follows at once, before anything else.
            h1 { (t(lang, "回答を受け付けました", "Your answers have been received")) }
            @if distress { (help) }
            @if mailed {
                p { (t(lang, "お手紙の調査票（紙）は返送しないでください。",
                    "Please do not send back the paper form.")) }
            }
            @if let Some(closing) = closing { p { (closing) } }
            @if !distress { (help) }
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

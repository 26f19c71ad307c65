//! Pages for residents: entering the access code, one page of questions, review, thanks
//! with help lines. Works without JavaScript; every input has a label; errors sit next to
//! the item they concern.

use maud::{html, Markup, PreEscaped};

use super::layout::{csrf_field, page, t, Audience};
use crate::questionnaire::{
    Choice, Item, ItemKind, Lang, PageErrors, Progress, Questionnaire, RawInput, Response,
    ReviewEntry,
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

/// Everything needed to draw one page of questions.
pub struct QuestionPage<'a> {
    pub lang: Lang,
    pub survey: &'a Survey,
    pub questionnaire: &'a Questionnaire,
    pub page_index: usize,
    pub items: Vec<&'a Item>,
    pub progress: Progress,
    pub values: &'a RawInput,
    pub errors: Option<&'a PageErrors>,
    pub csrf: &'a str,
    pub version: i32,
    pub has_previous: bool,
}

/// One page of questions.
pub fn question_page(p: &QuestionPage<'_>) -> Markup {
    let lang = p.lang;
    let Ok(page_def) = p.questionnaire.page(p.page_index) else {
        return html! {};
    };
    let here = format!("/answer/page/{}", p.page_index);
    page(
        lang,
        page_def.title.get(lang),
        Audience::Resident,
        &here,
        html! {
            p.muted { (p.survey.title.get(lang)) }
            div.progress {
                label for="progress" {
                    (match lang {
                        Lang::Ja => format!("{} / {} ページ", p.progress.current, p.progress.total),
                        Lang::En => format!("Page {} of {}", p.progress.current, p.progress.total),
                    })
                }
                progress #progress max=(p.progress.total) value=(p.progress.current) {}
            }
            h1 { (page_def.title.get(lang)) }
            @if let Some(intro) = &page_def.intro { p { (intro.get(lang)) } }
            @if let Some(errors) = p.errors {
                div.notice.bad role="alert" {
                    (t(lang, "入力内容をご確認ください。", "Please check your answers."))
                    ul {
                        @for e in &errors.errors {
                            li { a href={ "#q-" (e.question_id) } { (e.number) } " " (e.message(lang)) }
                        }
                    }
                }
            }
            form method="post" action=(here) novalidate {
                (csrf_field(p.csrf))
                input type="hidden" name="version" value=(p.version);
                @for item in &p.items {
                    (item_block(lang, item, p.values, p.errors))
                }
                // 次へ comes first so that Enter in a text field (which presses the form's
                // first button) goes forward; the stylesheet still shows 前へ on the left.
                div.actions.pager {
                    button type="submit" name="action" value="next" { (t(lang, "次へ", "Next")) }
                    @if p.has_previous {
                        button.secondary type="submit" name="action" value="back" { (t(lang, "前へ", "Back")) }
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

fn item_block(lang: Lang, item: &Item, values: &RawInput, errors: Option<&PageErrors>) -> Markup {
    match &item.kind {
        ItemKind::Question(response) => {
            let error = errors
                .and_then(|e| e.for_question(&item.id))
                .map(|e| e.message(lang));
            let heading = html! {
                span.number { (item.number) } (item.text.get(lang)) (required_mark(lang, item.required))
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
            html! {
                div class={ "item" @if any_error { " has-error" } } id={ "q-" (item.id) } {
                    p.label { span.number { (item.number) } (item.text.get(lang)) (required_mark(lang, item.required)) }
                    @if let Some(note) = &item.note { p.muted { (note.get(lang)) } }
                    @for row in rows {
                        @let error = errors.and_then(|e| e.for_question(&row.id)).map(|e| e.message(lang));
                        div.grid-row id={ "q-" (row.id) } {
                            (choice_fieldset(lang, &row.id, html! { span.number { (item.number) (row.number) } (row.text.get(lang)) }, None, options, false, values, error.as_deref()))
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
    match response {
        Response::Single { options } => {
            choice_fieldset(lang, id, heading, note, options, false, values, error)
        }
        Response::Multiple { options, .. } => {
            choice_fieldset(lang, id, heading, note, options, true, values, error)
        }
        Response::Number {
            min,
            max,
            integer,
            unit,
        } => html! {
            label.label for=(id) { (heading) }
            @if let Some(note) = note { p.muted { (note) } }
            @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
            input id=(id) type="text" name=(id) value=(values.value(id).unwrap_or_default())
                inputmode=(if *integer { "numeric" } else { "decimal" })
                aria-describedby=[error.map(|_| error_id.as_str())]
                aria-invalid=[error.map(|_| "true")];
            @if let Some(unit) = unit { " " (unit.get(lang)) }
            p.muted { (match lang {
                Lang::Ja => format!("{}〜{}の{}で入力してください", fmt_number(*min), fmt_number(*max), if *integer { "整数" } else { "数" }),
                Lang::En => format!("A {} from {} to {}", if *integer { "whole number" } else { "number" }, fmt_number(*min), fmt_number(*max)),
            }) }
        },
        Response::Text {
            max_length,
            multiline,
        } => html! {
            label.label for=(id) { (heading) }
            @if let Some(note) = note { p.muted { (note) } }
            @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
            @if *multiline {
                textarea id=(id) name=(id) maxlength=(max_length) aria-describedby=[error.map(|_| error_id.as_str())] { (values.value(id).unwrap_or_default()) }
            } @else {
                input id=(id) type="text" name=(id) maxlength=(max_length) value=(values.value(id).unwrap_or_default())
                    aria-describedby=[error.map(|_| error_id.as_str())];
            }
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn choice_fieldset(
    lang: Lang,
    id: &str,
    heading: Markup,
    note: Option<&str>,
    options: &[Choice],
    multiple: bool,
    values: &RawInput,
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        fieldset aria-describedby=[error.map(|_| error_id.as_str())] {
            legend { (heading) }
            @if let Some(note) = note { p.muted { (note) } }
            @if let Some(error) = error { p.error-text id=(error_id) { (error) } }
            @for choice in options {
                @let input_id = format!("{id}-{}", choice.code);
                @let code = choice.code.to_string();
                label.choice for=(input_id) {
                    input id=(input_id) type=(if multiple { "checkbox" } else { "radio" }) name=(id) value=(code)
                        checked[values.has(id, &code)];
                    span { (choice.label.get(lang)) }
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
) -> Markup {
    page(
        lang,
        t(lang, "回答の確認", "Check your answers"),
        Audience::Resident,
        "/answer/review",
        html! {
            p.muted { (survey.title.get(lang)) }
            h1 { (t(lang, "回答の確認", "Check your answers")) }
            @if !missing.is_empty() {
                div.notice.bad role="alert" {
                    p { (t(lang, "まだ回答されていない質問があります。", "Some questions still need an answer.")) }
                    ul { @for (page_index, number) in missing {
                        li { a href={ "/answer/page/" (page_index) } { (number) } }
                    } }
                }
            } @else {
                p { (t(lang, "内容を確かめて、よろしければ「送信する」を押してください。送信後は変更できません。",
                    "Please check your answers and press Send. They cannot be changed after sending.")) }
            }
            dl.review {
                @for e in entries {
                    dt { span.number { (e.number) } (e.label) }
                    dd { (e.answer) " " a href={ "/answer/page/" (e.page_index) "#q-" (e.question_id) } { (t(lang, "変更", "Change")) } }
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
            @if distress { (help) }
            h1 { (t(lang, "回答を受け付けました", "Your answers have been received")) }
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

//! The page frame shared by every audience: head, header with language switch, main.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::questionnaire::Lang;

/// Who the page is for; decides the header and width.
#[derive(Debug, Clone)]
pub enum Audience<'a> {
    /// A resident answering (or about to): no account, minimal header.
    Resident,
    /// A signed-in staff member, planner or admin.
    Staff {
        display_name: &'a str,
        csrf: &'a str,
        links: Vec<(&'a str, &'a str)>,
    },
    /// Anyone on a public page (login, errors).
    Public,
}

pub use crate::questionnaire::t;

/// A whole HTML page. `here` is the current path (for the language switch to come back to).
pub fn page(lang: Lang, title: &str, audience: Audience<'_>, here: &str, body: Markup) -> Markup {
    let switch = language_switch(lang, here);
    frame(lang, title, audience, switch, body)
}

/// A resident's page of questions: like [`page`], but the language switch is a button of the
/// page's form `form_id`, so the choices made on the page go along and are shown again in
/// the other language (nothing is saved by switching). `default_button` is the form's
/// first button in document order — the one Enter in a one-line field presses — so it
/// comes before the switch.
pub fn answering_page(
    lang: Lang,
    title: &str,
    form_id: &str,
    default_button: Markup,
    body: Markup,
) -> Markup {
    let other = match lang {
        Lang::Ja => Lang::En,
        Lang::En => Lang::Ja,
    };
    let switch = html! {
        (default_button)
        span.lang-switch {
            button.link type="submit" form=(form_id) name="action" value={ "lang-" (other.code()) }
                formnovalidate lang=(other.code()) {
                (t(lang, "English", "日本語"))
            }
        }
    };
    frame(lang, title, Audience::Resident, switch, body)
}

fn frame(lang: Lang, title: &str, audience: Audience<'_>, switch: Markup, body: Markup) -> Markup {
    let wide = matches!(audience, Audience::Staff { .. });
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (t(lang, "つながり調査", "Tsunagari survey")) }
                link rel="stylesheet" href="/static/site.css";
            }
            body {
                header.site {
                    @match &audience {
                        Audience::Staff { .. } => a.brand href="/staff" { "tsunagari" },
                        _ => span.brand { (t(lang, "つながりに関する調査", "Survey on connections")) },
                    }
                    nav {
                        (switch)
                        (staff_nav(lang, &audience))
                    }
                }
                main class=[wide.then_some("wide")] { (body) }
            }
        }
    }
}

fn staff_nav(lang: Lang, audience: &Audience<'_>) -> Markup {
    let Audience::Staff {
        display_name,
        csrf,
        links,
    } = audience
    else {
        return html! {};
    };
    html! {
        @for (href, label) in links {
            a href=(href) { (label) }
        }
        span.muted { " " (display_name) " " }
        form method="post" action="/logout" style="display:inline" {
            (csrf_field(csrf))
            button.link type="submit" { (t(lang, "ログアウト", "Sign out")) }
        }
    }
}

/// Links to switch language that work without JavaScript and come back to `here`.
pub fn language_switch(lang: Lang, here: &str) -> Markup {
    let back = super::url::url_encode(here);
    html! {
        span.lang-switch {
            @match lang {
                Lang::Ja => a href={ "/lang?to=en&back=" (PreEscaped(&back)) } lang="en" { "English" },
                Lang::En => a href={ "/lang?to=ja&back=" (PreEscaped(&back)) } lang="ja" { "日本語" },
            }
        }
    }
}

/// A hidden CSRF field for a form.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

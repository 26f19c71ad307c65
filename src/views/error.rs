//! The error page: what went wrong and what to do, in Japanese and English.

use maud::{html, Markup};

use super::layout::{self, Audience};
use crate::questionnaire::Lang;

/// What an error page says, in both languages.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub title_ja: String,
    pub title_en: String,
    pub detail_ja: String,
    pub detail_en: String,
}

/// A bilingual error page (the language preference is not known for every error).
pub fn page(status: u16, e: &Explanation) -> Markup {
    layout::page(
        Lang::Ja,
        &e.title_ja,
        Audience::Public,
        "/",
        html! {
            h1 { (e.title_ja) }
            @if !e.detail_ja.is_empty() { p { (e.detail_ja) } }
            div lang="en" {
                h2 { (e.title_en) }
                @if !e.detail_en.is_empty() { p { (e.detail_en) } }
            }
            p.muted { "(" (status) ")" }
            p { a href="/" { "トップへ戻る / Back to the start" } }
        },
    )
}

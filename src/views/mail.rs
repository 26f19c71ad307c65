//! The HTML part of every e-mail: one simple, table-free page with inline styles (mail
//! programs ignore style sheets), drawn from the same [`MailBody`] as the plain text.

use maud::{html, Markup, DOCTYPE};

use crate::mail::body::MailBody;

/// The HTML part of a message.
pub fn message(subject: &str, body: &MailBody) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (subject) }
            }
            body style="margin:0;padding:24px;background:#f6f6f4;color:#222;font-family:sans-serif;font-size:16px;line-height:1.7" {
                div style="max-width:36em;margin:0 auto;background:#fff;padding:24px;border-radius:6px" {
                    p { (body.greeting) }
                    @for paragraph in &body.paragraphs {
                        p { (paragraph) }
                    }
                    @if let Some((label, url)) = &body.link {
                        p style="margin:24px 0" {
                            a href=(url) style="display:inline-block;padding:12px 20px;background:#1d5fa8;color:#fff;text-decoration:none;border-radius:4px;font-weight:bold" { (label) }
                        }
                        p style="font-size:14px;color:#555;word-break:break-all" {
                            "ボタンが開かない場合は、次のアドレスをブラウザに貼り付けてください: " br; (url)
                        }
                    }
                    @if !body.facts.is_empty() {
                        dl style="margin:16px 0" {
                            @for (label, value) in &body.facts {
                                dt style="font-weight:bold" { (label) }
                                dd style="margin:0 0 8px 0" { (value) }
                            }
                        }
                    }
                    @for section in &body.sections {
                        h2 style="font-size:17px;margin:24px 0 8px 0;border-bottom:1px solid #ddd" { (section.heading) }
                        dl style="margin:8px 0" {
                            @for (label, value) in &section.facts {
                                dt style="font-weight:bold" { (label) }
                                dd style="margin:0 0 8px 0" { (value) }
                            }
                        }
                        p { a href=(section.link.1) { (section.link.0) } }
                    }
                    @for paragraph in &body.closing {
                        p { (paragraph) }
                    }
                    p style="font-size:13px;color:#666;border-top:1px solid #ddd;padding-top:12px" {
                        "つながり（孤独・孤立に関する調査の管理システム）" br;
                        "このメールは送信専用です。"
                    }
                }
            }
        }
    }
}

//! The messages the site sends, one typed struct each, rendered without sending: the wording
//! lives once in a [`MailBody`], which becomes the plain-text part here and the HTML part in
//! `views::mail`.

use chrono::NaiveDateTime;

pub use super::body::{MailBody, MailSection};
use super::RenderedMail;
use crate::auth::Role;
use crate::clock::local_time;
use crate::questionnaire::Lang;

/// Every subject starts with the site's name, so that people can file the messages.
const SUBJECT_PREFIX: &str = "【つながり】";

/// The HTML part comes from `views::mail`, so rendering lives here, not in the leaf
/// [`MailBody`].
impl MailBody {
    /// Subject, text and HTML.
    pub fn render(&self, subject: &str) -> RenderedMail {
        let subject = format!("{SUBJECT_PREFIX}{subject}");
        RenderedMail {
            html: crate::views::mail::message(&subject, self).into_string(),
            text: self.text(),
            subject,
        }
    }
}

/// An invitation to a new account: a single-use link to set one's own password.
pub struct InvitationMail<'a> {
    pub display_name: &'a str,
    pub username: &'a str,
    pub role: Role,
    pub invited_by: &'a str,
    pub link: &'a str,
    pub expires_at: NaiveDateTime,
    pub zone: &'a chrono_tz::Tz,
}

impl InvitationMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        MailBody {
            greeting: format!("{} 様", self.display_name),
            paragraphs: vec![
                format!(
                    "{}さんから、つながり（孤独・孤立に関する調査の管理システム）のアカウントに招待されました。",
                    self.invited_by
                ),
                "次のリンクを開き、ご自分でパスワードを決めて設定してください。設定が済むとログインできます。".into(),
            ],
            link: Some(("パスワードを設定する".into(), self.link.into())),
            facts: vec![
                ("ユーザー名".into(), self.username.into()),
                ("役割".into(), self.role.label(Lang::Ja).into()),
                (
                    "リンクの有効期限".into(),
                    local_time(Lang::Ja, self.expires_at, self.zone),
                ),
            ],
            sections: vec![],
            closing: vec![
                "リンクは1回だけ使えます。期限が切れたときは、管理者に招待の再送を依頼してください。".into(),
                "心当たりのない場合は、このメールを破棄してください。".into(),
            ],
        }
        .render("アカウントへの招待")
    }
}

/// A password reset: a single-use link to choose a new password.
pub struct PasswordResetMail<'a> {
    pub display_name: &'a str,
    pub username: &'a str,
    pub link: &'a str,
    pub expires_at: NaiveDateTime,
    pub zone: &'a chrono_tz::Tz,
}

impl PasswordResetMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        MailBody {
            greeting: format!("{} 様", self.display_name),
            paragraphs: vec![
                "つながりのパスワードの再設定を受け付けました。次のリンクを開き、新しいパスワードを設定してください。".into(),
            ],
            link: Some(("新しいパスワードを設定する".into(), self.link.into())),
            facts: vec![
                ("ユーザー名".into(), self.username.into()),
                (
                    "リンクの有効期限".into(),
                    local_time(Lang::Ja, self.expires_at, self.zone),
                ),
            ],
            sections: vec![],
            closing: vec![
                "リンクは1回だけ使えます。新しいパスワードを設定すると、ほかの端末でのログインはすべて終了します。".into(),
                "再設定を申し込んでいない場合は、このメールを破棄してください。パスワードは変わりません。".into(),
            ],
        }
        .render("パスワードの再設定")
    }
}

/// What happened to a survey that its members are told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyEvent {
    /// Fieldwork started.
    Opened,
    /// Fieldwork ended.
    Closed,
    /// The results were published (planners' numbers are final).
    Published,
}

/// A survey's fieldwork started or ended, or its results were published.
pub struct SurveyNoticeMail<'a> {
    pub display_name: &'a str,
    pub survey_title: &'a str,
    pub slug: &'a str,
    pub event: SurveyEvent,
    pub at: NaiveDateTime,
    pub zone: &'a chrono_tz::Tz,
    /// The page to look at: the fieldwork page, or the results for a publication.
    pub link: &'a str,
}

impl SurveyNoticeMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        let (subject, what, next, label) = match self.event {
            SurveyEvent::Opened => (
                format!("調査「{}」の実査を開始しました", self.survey_title),
                "の実査を開始しました。お手紙のコードでの回答の受付が始まっています。",
                "回収の状況は次のページで確認できます。",
                "回収状況を見る",
            ),
            SurveyEvent::Closed => (
                format!("調査「{}」の実査を終了しました", self.survey_title),
                "の実査を終了しました。オンラインの回答の受付は終わりました。紙の調査票の入力は引き続きできます。",
                "最終的な回収の状況は次のページで確認できます。",
                "回収状況を見る",
            ),
            SurveyEvent::Published => (
                format!("調査「{}」の結果を公表しました", self.survey_title),
                "の結果を公表しました。集計の数値はこの時点のもので確定し、修正には公表の取り消しと再公表が必要です。",
                "公表した結果は次のページで見られます。",
                "結果を見る",
            ),
        };
        MailBody {
            greeting: format!("{} 様", self.display_name),
            paragraphs: vec![format!("調査「{}」{what}", self.survey_title), next.into()],
            link: Some((label.into(), self.link.into())),
            facts: vec![
                (
                    "調査".into(),
                    format!("{}（{}）", self.survey_title, self.slug),
                ),
                ("日時".into(), local_time(Lang::Ja, self.at, self.zone)),
            ],
            sections: vec![],
            closing: vec![
                "このお知らせは、この調査を担当するアカウントと管理者に送られています。".into(),
            ],
        }
        .render(&subject)
    }
}

/// A resident asked to be contacted: the consultation address is told that a request waits,
/// with a link to the queue and nothing of what the resident wrote (the queue is behind
/// sign-in; an e-mail can be forwarded or read over a shoulder).
pub struct ContactRequestMail<'a> {
    pub window: &'a str,
    pub survey_title: &'a str,
    /// Requests of the survey not yet contacted, this one included.
    pub waiting: usize,
    pub reply_within_days: u32,
    /// The survey's queue of requests.
    pub link: &'a str,
}

impl ContactRequestMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        MailBody {
            greeting: format!("{} ご担当者様", self.window),
            paragraphs: vec![
                format!(
                    "調査「{}」の回答者から、相談窓口からの連絡を希望する依頼が届きました。",
                    self.survey_title
                ),
                "依頼の内容（連絡先など）はこのメールには書いていません。相談員のアカウントでログインし、次のページで確認してください。".into(),
            ],
            link: Some(("連絡の依頼を確認する".into(), self.link.into())),
            facts: vec![
                ("まだ連絡していない依頼".into(), format!("{}件", self.waiting)),
                (
                    "回答者への案内".into(),
                    format!("{}日以内に連絡します", self.reply_within_days),
                ),
            ],
            sections: vec![],
            closing: vec![
                "このお知らせは、調査ファイルに登録された相談窓口のアドレスに送られています。".into(),
            ],
        }
        .render("相談窓口への連絡の依頼が届きました")
    }
}

/// One survey in the weekly fieldwork digest.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestSurvey {
    pub title: String,
    pub slug: String,
    pub online: usize,
    pub paper: usize,
    /// Sampled people, and the response rate (AAPOR RR1) among them; `None` without a sample.
    pub sample: Option<(u64, Option<f64>)>,
    pub awaiting_second: usize,
    pub awaiting_reconciliation: usize,
    pub unfinished: usize,
    /// The last day of fieldwork, when the survey has one.
    pub closes_on: Option<chrono::NaiveDate>,
    /// Today in the municipality's time zone (for the days left).
    pub today: chrono::NaiveDate,
    /// The survey's fieldwork page.
    pub link: String,
}

/// The weekly fieldwork digest to an admin or planner: every open survey they may open.
pub struct FieldworkDigestMail<'a> {
    pub display_name: &'a str,
    pub surveys: &'a [DigestSurvey],
    pub at: NaiveDateTime,
    pub zone: &'a chrono_tz::Tz,
}

impl FieldworkDigestMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        let sections = self
            .surveys
            .iter()
            .map(|s| {
                let total = s.online + s.paper;
                let rate = match s.sample {
                    None => "標本なし".to_string(),
                    Some((n, None)) => format!("– （標本 {n}人）"),
                    Some((n, Some(rate))) => {
                        format!("{:.1}% （標本 {n}人、AAPOR RR1）", 100.0 * rate)
                    }
                };
                let waiting = s.awaiting_second + s.awaiting_reconciliation + s.unfinished;
                let left = match s.closes_on {
                    None => "終了日は未設定".to_string(),
                    Some(day) if day < s.today => {
                        format!("{}に終了予定でした", day.format("%-m月%-d日"))
                    }
                    Some(day) => format!(
                        "あと{}日（{}まで）",
                        (day - s.today).num_days() + 1,
                        day.format("%-m月%-d日")
                    ),
                };
                MailSection {
                    heading: format!("{}（{}）", s.title, s.slug),
                    facts: vec![
                        (
                            "回答".into(),
                            format!(
                                "インターネット {}件・郵送 {}件（計 {total}件）",
                                s.online, s.paper
                            ),
                        ),
                        ("回収率".into(), rate),
                        (
                            "紙の調査票の入力待ち".into(),
                            format!(
                                "{waiting}票（2回目の入力待ち {}・照合待ち {}・入力途中 {}）",
                                s.awaiting_second, s.awaiting_reconciliation, s.unfinished
                            ),
                        ),
                        ("実査の残り".into(), left),
                    ],
                    link: ("回収状況".into(), s.link.clone()),
                }
            })
            .collect();
        let local_day = self.at.and_utc().with_timezone(self.zone).date_naive();
        MailBody {
            greeting: format!("{} 様", self.display_name),
            paragraphs: vec![format!(
                "実施中の調査の回収状況をお知らせします（{}現在）。",
                local_time(Lang::Ja, self.at, self.zone)
            )],
            link: None,
            facts: vec![],
            sections,
            closing: vec![
                "この週報は毎週月曜日に、実施中の調査を担当する管理者と企画担当に送られます。"
                    .into(),
            ],
        }
        .render(&format!("実査の週報（{}）", local_day.format("%-m月%-d日")))
    }
}

/// The message of `tsunagari mail test`: proves the settings work.
pub struct TestMail<'a> {
    pub transport: &'a str,
    pub sent_at: NaiveDateTime,
    pub zone: &'a chrono_tz::Tz,
}

impl TestMail<'_> {
    /// The message.
    pub fn render(&self) -> RenderedMail {
        MailBody {
            greeting: "つながりからのテストメールです。".into(),
            paragraphs: vec![
                "このメールが届いていれば、メール送信の設定は使えます。招待やパスワード再設定のメールも同じ経路で送られます。".into(),
            ],
            link: None,
            facts: vec![
                ("送信方法".into(), self.transport.into()),
                ("送信日時".into(), local_time(Lang::Ja, self.sent_at, self.zone)),
            ],
            sections: vec![],
            closing: vec!["このメールへの返信は不要です。".into()],
        }
        .render("テストメール")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn an_invitation_has_the_link_the_expiry_in_local_time_and_both_parts() {
        let mail = InvitationMail {
            display_name: "山田 花子",
            username: "hanako",
            role: Role::Planner,
            invited_by: "管理者 一郎",
            link: "https://tsunagari.example.jp/account/invitation/abc123",
            expires_at: at("2026-12-05 05:00"),
            zone: &chrono_tz::Asia::Tokyo,
        }
        .render();
        assert_eq!(mail.subject, "【つながり】アカウントへの招待");
        assert!(mail.text.starts_with("山田 花子 様\n"), "{}", mail.text);
        assert!(mail.text.contains(
            "パスワードを設定する:\nhttps://tsunagari.example.jp/account/invitation/abc123\n"
        ));
        // 05:00 UTC is 14:00 in Tokyo.
        assert!(
            mail.text.contains("リンクの有効期限: 2026年12月5日 14:00"),
            "{}",
            mail.text
        );
        assert!(
            mail.text.contains("役割: 企画（集計閲覧）"),
            "{}",
            mail.text
        );
        assert!(mail
            .html
            .contains("href=\"https://tsunagari.example.jp/account/invitation/abc123\""));
        assert!(mail.html.contains("2026年12月5日 14:00"));
        assert!(mail.html.starts_with("<!DOCTYPE html>"), "{}", mail.html);
    }

    #[test]
    fn names_in_the_html_part_are_escaped() {
        let mail = PasswordResetMail {
            display_name: "<b>x</b>",
            username: "x",
            link: "https://example.jp/password-reset/t",
            expires_at: at("2026-12-05 05:00"),
            zone: &chrono_tz::Asia::Tokyo,
        }
        .render();
        assert!(!mail.html.contains("<b>x</b>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;b&gt;x&lt;/b&gt;"));
    }
}

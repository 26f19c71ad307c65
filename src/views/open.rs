//! The page staff share an open questionnaire from: its link, its QR code to print on a flyer
//! or show on a slide (also as SVG and PNG files), and whether it takes answers now.

use maud::{html, Markup, PreEscaped};

use super::layout::{page, t};
use super::resident::{answering_over, answering_period, not_yet_open};
use super::staff::Viewer;
use crate::survey::{Accepting, Survey};

/// What the link page shows.
pub struct LinkPage<'a> {
    pub survey: &'a Survey,
    /// The public address residents open.
    pub url: &'a str,
    /// The QR code of `url`, inline.
    pub qr_svg: &'a str,
    pub accepting: Accepting,
    pub responses: i64,
}

/// The share page of an open questionnaire.
pub fn link(viewer: &Viewer<'_>, p: &LinkPage<'_>) -> Markup {
    let lang = viewer.lang;
    let slug = &p.survey.slug;
    let here = format!("/staff/surveys/{slug}/link");
    let period = answering_period(lang, p.survey);
    page(
        lang,
        t(lang, "共有リンク・QRコード", "Link and QR code"),
        viewer.audience(),
        &here,
        html! {
            p.muted { a href="/staff" { (t(lang, "実査の状況", "Fieldwork")) } " › " (p.survey.title.get(lang)) }
            h1 { (t(lang, "共有リンク・QRコード", "Link and QR code")) }
            p { (p.survey.title.get(lang)) }
            @match p.accepting {
                Accepting::Open => div.notice.ok role="status" { p { (t(lang, "いま回答を受け付けています。", "Answers are being taken now.")) } },
                Accepting::NotYet(from) => div.notice.bad role="status" { p { (not_yet_open(lang, from)) } },
                Accepting::Over(until) => div.notice.bad role="status" { p { (answering_over(lang, until)) } },
            }
            dl.facts {
                dt { (t(lang, "回答期間", "Answering period")) }
                dd { (period) }
                dt { (t(lang, "回答数", "Responses")) }
                dd { (p.responses) }
                dt { (t(lang, "同じブラウザからの回答", "From one browser")) }
                dd { @if p.survey.one_per_browser {
                        (t(lang, "1回まで（2回目はお礼の画面になります）", "Once (a second attempt is thanked and stops)"))
                    } @else {
                        (t(lang, "何回でも（共用の端末で続けて回答する場合）", "Any number (one shared device for a group)"))
                    } }
            }
            h2 { (t(lang, "リンク", "Link")) }
            p { label.label for="share-url" { (t(lang, "参加者に案内するアドレス", "The address to give participants")) }
                input #share-url type="text" readonly value=(p.url); }
            h2 { (t(lang, "QRコード", "QR code")) }
            p { (t(lang,
                "チラシや資料に印刷するか、研修の最後にスライドで映してください。読み取るとアンケートの最初の画面が開きます。印刷は一辺3cm以上にすると読み取りやすくなります。",
                "Print it on a flyer or show it on the last slide of the session; scanning it opens the questionnaire. Printed at 3 cm or more it scans easily.")) }
            div.qr-large { (PreEscaped(p.qr_svg)) }
            p.downloads {
                a.button.secondary href={ "/staff/surveys/" (slug) "/qr.png" } download { (t(lang, "PNG画像（スライド・文書用）", "PNG image (slides, documents)")) }
                " "
                a.button.secondary href={ "/staff/surveys/" (slug) "/qr.svg" } download { (t(lang, "SVG画像（印刷用・拡大しても粗くならない）", "SVG image (print; stays sharp at any size)")) }
            }
        },
    )
}

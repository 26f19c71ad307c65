//! Staff views of a survey's sample: the design summary, the printable letters, the
//! dispositions and response rates, and the same tables as CSV and plain text.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::layout::{csrf_field, page, t};
use super::staff::Viewer;
use crate::clock::local_time;
use crate::csv_text::{self, UTF8_BOM};
use crate::questionnaire::Lang;
use crate::sampling::allocation::describe_allocation;
use crate::sampling::disposition::Disposition;
use crate::sampling::records::{FrameImport, SampleRecord, StratumRecord, UnitOutcome};
use crate::sampling::response_rate::OutcomeCounts;
use crate::sampling::strata::describe_variables;
use crate::survey::{LetterSettings, Survey};

/// Formats a rate as a percentage, or `–` when it is undefined.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| format!("{:.1}%", 100.0 * r))
}

/// Pads `text` with spaces to `columns` terminal columns, counting CJK characters (and
/// other East Asian wide forms) as two columns so that tables line up in a terminal.
fn pad(text: &str, columns: usize) -> String {
    let width: usize = text
        .chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum();
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

/// The per-stratum summary as CSV (UTF-8 with BOM): `stratum,N_h,n_h,pi_h,base_weight`,
/// readable back as an explicit allocation.
pub fn summary_csv(strata: &[StratumRecord]) -> String {
    let mut text = format!("{UTF8_BOM}stratum,N_h,n_h,pi_h,base_weight\r\n");
    for s in strata {
        let _ = write!(
            text,
            "{},{},{},{:.10},{:.6}\r\n",
            csv_text::field(&s.label),
            s.population,
            s.size,
            s.size as f64 / s.population as f64,
            s.population as f64 / s.size as f64
        );
    }
    text
}

/// The design and per-stratum summary as a plain-text table for the terminal.
pub fn summary_text(sample: &SampleRecord, strata: &[StratumRecord]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "seed            {}", sample.seed);
    let _ = writeln!(
        text,
        "reference date  {} (minimum age {})",
        sample.reference_date, sample.min_age
    );
    let _ = writeln!(
        text,
        "strata          {}",
        if sample.strata.is_empty() {
            "none (one stratum)"
        } else {
            &sample.strata
        }
    );
    let _ = writeln!(text, "age bands       {}", sample.age_bands);
    let _ = writeln!(text, "allocation      {}", sample.allocation);
    let _ = writeln!(
        text,
        "N = {}, n = {}",
        sample.frame_size, sample.sample_size
    );
    let _ = match sample.letters_printed_at {
        Some(at) => writeln!(
            text,
            "final           since {} UTC (letters and mailing list can be produced)",
            at.format("%Y-%m-%d %H:%M")
        ),
        None => writeln!(
            text,
            "final           not yet (can still be redrawn with --replace)"
        ),
    };
    let _ = writeln!(
        text,
        "{:<28} {:>9} {:>7} {:>10} {:>10}",
        "stratum", "N_h", "n_h", "pi_h", "weight"
    );
    for s in strata {
        let _ = writeln!(
            text,
            "{} {:>9} {:>7} {:>10.6} {:>10.3}",
            pad(&s.label, 28),
            s.population,
            s.size,
            s.size as f64 / s.population as f64,
            s.population as f64 / s.size as f64
        );
    }
    text
}

/// Outcome counts and response rates per stratum (in design order) and overall.
#[derive(Debug, Clone, PartialEq)]
pub struct RateTable {
    pub rows: Vec<(String, OutcomeCounts)>,
    pub overall: OutcomeCounts,
}

impl RateTable {
    /// Counts the dispositions of `outcomes` per stratum of `strata`.
    pub fn new(strata: &[StratumRecord], outcomes: &[UnitOutcome]) -> RateTable {
        let mut rows: Vec<(String, OutcomeCounts)> = strata
            .iter()
            .map(|s| (s.label.clone(), OutcomeCounts::default()))
            .collect();
        let index: std::collections::HashMap<&str, usize> = strata
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.as_str(), i))
            .collect();
        let mut overall = OutcomeCounts::default();
        for outcome in outcomes {
            overall.add(outcome.disposition);
            if let Some(&i) = index.get(outcome.stratum.as_str()) {
                rows[i].1.add(outcome.disposition);
            }
        }
        RateTable { rows, overall }
    }

    fn all_rows(&self) -> impl Iterator<Item = (&str, &OutcomeCounts)> {
        self.rows
            .iter()
            .map(|(l, c)| (l.as_str(), c))
            .chain(std::iter::once(("合計", &self.overall)))
    }

    /// The table as CSV (UTF-8 with BOM); rates are fractions, empty when undefined.
    pub fn csv(&self) -> String {
        let mut text = format!(
            "{UTF8_BOM}stratum,sampled,complete_I,partial_P,refusal_R,non_contact_NC,other_O,unknown_UH,unknown_UO,not_eligible_NE,RR1,RR2,valid_response_rate\r\n",
        );
        let rate = |r: Option<f64>| r.map_or_else(String::new, |r| format!("{r:.6}"));
        for (label, c) in self.all_rows() {
            let _ = write!(
                text,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                csv_text::field(label),
                c.sample(),
                c.complete,
                c.partial,
                c.refusal,
                c.non_contact,
                c.other,
                c.unknown_nothing_returned,
                c.unknown_other,
                c.not_eligible,
                rate(c.rr1()),
                rate(c.rr2()),
                rate(c.valid_response_rate())
            );
        }
        text
    }

    /// The table as plain text for the terminal.
    pub fn text(&self) -> String {
        let mut text = format!(
            "{:<28} {:>7} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8} {:>8}\n",
            "stratum", "sampled", "I", "P", "R", "NE", "RR1", "RR2", "valid"
        );
        for (label, c) in self.all_rows() {
            let _ = writeln!(
                text,
                "{} {:>7} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8} {:>8}",
                pad(label, 28),
                c.sample(),
                c.complete,
                c.partial,
                c.refusal,
                c.not_eligible,
                percent(c.rr1()),
                percent(c.rr2()),
                percent(c.valid_response_rate())
            );
        }
        text
    }
}

/// The links between a survey's sampling pages.
pub fn survey_links(lang: Lang, slug: &str) -> Markup {
    html! {
        nav.subnav {
            a href={ "/staff/surveys/" (slug) "/register" } { (t(lang, "名簿の取り込み", "Register import")) }
            " · "
            a href={ "/staff/surveys/" (slug) "/draw" } { (t(lang, "標本の抽出", "Draw")) }
            " · "
            a href={ "/staff/surveys/" (slug) "/sample" } { (t(lang, "標本", "Sample")) }
            " · "
            a href={ "/staff/surveys/" (slug) "/dispositions" } { (t(lang, "発送後の状況・回収率", "Dispositions and response rates")) }
            " · "
            a href={ "/staff/surveys/" (slug) "/letters" } { (t(lang, "依頼状（印刷）", "Letters (print)")) }
        }
    }
}

/// Letters per printing batch offered on the sample page.
pub const LETTER_BATCH: usize = 500;

/// The sample page: design, strata table and downloads; or how to draw one.
pub fn sample_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    frame: Option<&FrameImport>,
    sample: Option<(&SampleRecord, &[StratumRecord])>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let frame_line = frame.map(|f| {
        let mut line = format!(
            "{} · {} {} · {} · {}",
            f.file_name,
            f.row_count,
            t(lang, "人", "residents"),
            f.encoding,
            local_time(lang, f.imported_at, viewer.zone)
        );
        if let Some(purged) = f.purged_at {
            line.push_str(&format!(
                " · {} {}",
                t(lang, "個人情報消去", "personal data purged"),
                local_time(lang, purged, viewer.zone)
            ));
        }
        line
    });
    let title = format!("{} — {}", t(lang, "標本", "Sample"), survey.title.get(lang));
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/sample"),
        html! {
            h1 { (title) }
            (survey_links(lang, slug))
            p.frame {
                strong { (t(lang, "名簿（住民基本台帳）: ", "Register: ")) }
                @match &frame_line {
                    Some(line) => { (line) }
                    None => { (t(lang, "未取り込み", "not imported")) }
                }
            }
            @match sample {
                None => {
                    p { (t(lang, "この調査の標本はまだ抽出されていません。住民基本台帳を取り込んでから、標本を抽出します。",
                        "No sample has been drawn for this survey yet. Import the register, then draw the sample.")) }
                    p {
                        a.button href={ "/staff/surveys/" (slug) "/register" } { (t(lang, "名簿を取り込む", "Import the register")) }
                        @if frame.is_some() {
                            " "
                            a.button href={ "/staff/surveys/" (slug) "/draw" } { (t(lang, "標本を抽出する", "Draw the sample")) }
                        }
                    }
                    p.hint { (t(lang, "コマンドラインでも同じことができます:", "The command line does the same:")) }
                    pre { "tsunagari frame import --survey " (slug) " --file register.csv --id … --name … --address … --birth …\n"
                          "tsunagari sample draw --survey " (slug) " --reference-date 2026-12-01 --strata district,age_band --n 2000 --proportional --min-per-stratum 20" }
                }
                Some((sample, strata)) => {
                    dl.design {
                        dt { (t(lang, "乱数の種（シード）", "Seed")) } dd.seed { (sample.seed) }
                        dt { (t(lang, "基準日・最低年齢", "Reference date, minimum age")) }
                        dd { (sample.reference_date) " · " (sample.min_age) (t(lang, "歳以上", "+")) }
                        dt { (t(lang, "層の変数", "Strata")) } dd { (describe_variables(&sample.strata, lang)) }
                        dt { (t(lang, "年齢区分", "Age bands")) } dd { (sample.age_bands) }
                        dt { (t(lang, "配分", "Allocation")) } dd { (describe_allocation(&sample.allocation, lang)) }
                        dt { (t(lang, "母集団 N・標本 n", "Frame N, sample n")) } dd { (sample.frame_size) " · " (sample.sample_size) }
                        dt { (t(lang, "依頼状の作成", "Letters produced")) }
                        dd { @match sample.letters_printed_at {
                            Some(at) => { (local_time(lang, at, viewer.zone)) " — " (t(lang, "標本は確定しています", "the sample is final")) }
                            None => { (t(lang, "まだ（標本を確定すると作成できます）", "not yet (make the sample final to produce them)")) }
                        } }
                    }
                    @if sample.letters_printed_at.is_none() {
                        (finalise_form(viewer, slug, "sample"))
                    }
                    p {
                        a.button.secondary href={ "/staff/surveys/" (slug) "/sample.csv" } { (t(lang, "層別表（CSV）", "Strata (CSV)")) }
                        @if sample.letters_printed_at.is_some() {
                            " "
                            a.button.secondary href={ "/staff/surveys/" (slug) "/mailing.csv" } { (t(lang, "発送リスト（CSV, UTF-8）", "Mailing list (CSV, UTF-8)")) }
                            " "
                            a.button.secondary href={ "/staff/surveys/" (slug) "/mailing.csv?encoding=cp932" } { (t(lang, "発送リスト（Shift_JIS）", "Mailing list (Shift_JIS)")) }
                        }
                    }
                    @if sample.letters_printed_at.is_some() && sample.sample_size > LETTER_BATCH as i64 {
                        p { (t(lang, "依頼状を分けて印刷:", "Print the letters in batches:")) " "
                            @for start in (1..=sample.sample_size as usize).step_by(LETTER_BATCH) {
                                @let end = (start + LETTER_BATCH - 1).min(sample.sample_size as usize);
                                a href={ "/staff/surveys/" (slug) "/letters?from=" (start) "&to=" (end) } { (start) "–" (end) }
                                " "
                            }
                        }
                    }
                    table.strata {
                        thead { tr {
                            th { (t(lang, "層", "Stratum")) }
                            th.num { (t(lang, "母集団 ", "Population ")) "N" sub { "h" } }
                            th.num { (t(lang, "標本 ", "Sample ")) "n" sub { "h" } }
                            th.num { (t(lang, "抽出率 ", "Sampling fraction ")) "π" sub { "h" } }
                            th.num { (t(lang, "基本ウェイト", "Base weight")) }
                        } }
                        tbody {
                            @for s in strata {
                                tr {
                                    td { (s.label) }
                                    td.num { (s.population) }
                                    td.num { (s.size) }
                                    td.num { (format!("{:.4}", s.size as f64 / s.population as f64)) }
                                    td.num { (format!("{:.2}", s.population as f64 / s.size as f64)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The response rates per stratum and in all (RR1, RR2, 有効回収率), for staff and planners.
pub fn rate_table(lang: Lang, rates: &RateTable) -> Markup {
    html! {
    table.rates {
        thead { tr {
            th { (t(lang, "層", "Stratum")) }
            th.num { (t(lang, "標本", "Sampled")) }
            th.num { (t(lang, "完了 I", "Complete I")) }
            th.num { (t(lang, "一部 P", "Partial P")) }
            th.num { (t(lang, "拒否 R", "Refused R")) }
            th.num { (t(lang, "不明 U", "Unknown U")) }
            th.num { (t(lang, "対象外 NE", "Not eligible NE")) }
            th.num { "RR1" }
            th.num { "RR2" }
            th.num { (t(lang, "有効回収率", "Valid rate")) }
        } }
        tbody {
            @for (label, c) in rates.all_rows() {
                tr {
                    td { (label) }
                    td.num { (c.sample()) }
                    td.num { (c.complete) }
                    td.num { (c.partial) }
                    td.num { (c.refusal) }
                    td.num { (c.unknown()) }
                    td.num { (c.not_eligible) }
                    td.num { (percent(c.rr1())) }
                    td.num { (percent(c.rr2())) }
                    td.num { (percent(c.valid_response_rate())) }
                }
            }
        }
    }
    }
}

/// The dispositions page: response rates per stratum, the form to record a disposition and
/// the recorded ones.
pub fn dispositions_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    rates: &RateTable,
    outcomes: &[UnitOutcome],
    message: Option<Result<&str, &str>>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let title = format!(
        "{} — {}",
        t(
            lang,
            "発送後の状況・回収率",
            "Dispositions and response rates"
        ),
        survey.title.get(lang)
    );
    let recorded: Vec<&UnitOutcome> = outcomes.iter().filter(|o| o.recorded.is_some()).collect();
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/dispositions"),
        html! {
            h1 { (title) }
            (survey_links(lang, slug))
            @match message {
                Some(Ok(m)) => div.notice.ok role="status" { (m) },
                Some(Err(m)) => div.notice.bad role="alert" { (m) },
                None => {},
            }
            h2 { (t(lang, "回収率", "Response rates")) }
            p.muted { (t(lang, "RR1 = 完了 ÷ (対象となりうる全員)、RR2 は一部回答を含む（AAPOR 定義）。有効回収率 = 有効回答 ÷ 標本数（自治体の公表値）。",
                "RR1 = complete ÷ all possibly eligible; RR2 includes partials (AAPOR). Valid response rate = valid responses ÷ sample, as municipalities publish it.")) }
            (rate_table(lang, rates))
            p {
                a.button.secondary href={ "/staff/surveys/" (slug) "/response-rates.csv" } { (t(lang, "回収率（CSV）", "Response rates (CSV)")) }
                " "
                a.button.secondary href={ "/staff/surveys/" (slug) "/reminders.csv" } { (t(lang, "督促状の宛先（CSV）", "Reminder list (CSV)")) }
            }
            h2 { (t(lang, "状況を記録する", "Record a disposition")) }
            form method="post" action={ "/staff/surveys/" (slug) "/dispositions" } {
                (csrf_field(viewer.csrf))
                p {
                    label.label for="code" { (t(lang, "アクセスコード（依頼状に印字）", "Access code (printed on the letter)")) }
                    input #code .code-input type="text" name="code" autocomplete="off" required autofocus;
                }
                p {
                    label.label for="disposition" { (t(lang, "状況", "Disposition")) }
                    select #disposition name="disposition" required {
                        option value="" disabled selected { (t(lang, "選んでください", "Choose one")) }
                        @for d in Disposition::ALL.iter().filter(|d| crate::sampling::disposition::recordable(**d) && **d != Disposition::NoResponse) {
                            option value=(d.code()) { (d.label_ja()) " (" (d.code()) ")" }
                        }
                        option value=(Disposition::NoResponse.code()) { (t(lang, "（記録を取り消す）", "(clear the record)")) }
                    }
                }
                p {
                    label.label for="note" { (t(lang, "メモ（任意）", "Note (optional)")) }
                    input #note type="text" name="note" maxlength="200";
                }
                button type="submit" { (t(lang, "記録", "Record")) }
            }
            h2 { (t(lang, "記録済み", "Recorded")) " (" (recorded.len()) ")" }
            @if !recorded.is_empty() {
                table {
                    thead { tr {
                        th { (t(lang, "コード", "Code")) }
                        th { (t(lang, "層", "Stratum")) }
                        th { (t(lang, "記録", "Recorded")) }
                        th { (t(lang, "現在の扱い", "Counts as")) }
                        th { (t(lang, "メモ", "Note")) }
                    } }
                    tbody {
                        @for o in &recorded {
                            tr {
                                td.code { (grouped(&o.code)) }
                                td { (o.stratum) }
                                td { (o.recorded.map(|d| d.label_ja()).unwrap_or_default()) }
                                td { (o.disposition.label_ja()) }
                                td { (o.note.as_deref().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn grouped(code: &str) -> String {
    crate::sampling::access_code::AccessCode::parse(code)
        .map(|c| c.grouped())
        .unwrap_or_else(|_| code.to_string())
}

/// One printed letter.
#[derive(Debug, Clone)]
pub struct LetterPage {
    pub postal_code: String,
    pub address: String,
    pub name: String,
    /// The code as printed (grouped).
    pub code: String,
    /// What the QR code carries (`{base_url}/c/{code}`).
    pub qr_payload: String,
    /// The QR code as an inline SVG element.
    pub qr_svg: String,
}

/// The printable letters: one A4 page per sampled person. The address block sits where
/// the window of a 長3 envelope shows it once the page is folded in three.
pub fn letters_page(
    lang: Lang,
    survey: &Survey,
    letter: &LetterSettings,
    base_url: &str,
    letters: &[LetterPage],
    (first, total): (usize, usize),
) -> Markup {
    let paragraphs = letter.paragraphs();
    let last = first + letters.len().saturating_sub(1);
    let online = letter.online_paragraphs();
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                title { (t(lang, "依頼状", "Letters")) " | " (survey.title.ja) }
                link rel="stylesheet" href="/static/site.css";
                script src="/static/print.js" defer {}
            }
            body.letters {
                div.print-toolbar {
                    a href={ "/staff/surveys/" (survey.slug) "/sample" } { "← " (t(lang, "標本", "Sample")) }
                    " "
                    button type="button" data-print { (t(lang, "印刷する", "Print")) }
                    " "
                    span { (first) "–" (last) " / " (total) (t(lang, " 通。ブラウザの印刷（Ctrl+P）で A4・余白なし・倍率100%で印刷し、三つ折りにして長3窓付き封筒に入れてください。",
                        " letters. Print with the browser (Ctrl+P) on A4, no margins, 100% scale; fold in three into 長3 window envelopes.")) }
                }
                @for l in letters {
                    section.letter data-code=(l.code) {
                        div.window {
                            p.postal { "〒" (l.postal_code) }
                            p.address { (l.address) }
                            p.addressee { (l.name) " 様" }
                        }
                        div.sender {
                            p { (letter.date) }
                            @for line in &letter.sender { p { (line) } }
                        }
                        h1.heading { (letter.heading) }
                        div.body {
                            @for p in &paragraphs { p { (p) } }
                        }
                        div.online {
                            figure.qr data-payload=(l.qr_payload) { (PreEscaped(&l.qr_svg)) }
                            div.online-text {
                                @for p in &online { p { (p) } }
                                p.url { span.label { "URL" } " " (base_url) "/" }
                                p.code { span.label { "アクセスコード" } " " span.code-value { (l.code) } }
                            }
                        }
                        div.contact {
                            @for line in &letter.contact { p { (line) } }
                        }
                    }
                }
            }
        }
    }
}

/// The form that makes the sample final; `next` is the page to show afterwards
/// (`letters` or `sample`).
fn finalise_form(viewer: &Viewer<'_>, slug: &str, next: &str) -> Markup {
    let lang = viewer.lang;
    html! {
        form.finalise method="post" action={ "/staff/surveys/" (slug) "/finalise" } {
            (csrf_field(viewer.csrf))
            input type="hidden" name="next" value=(next);
            p { (t(lang, "依頼状と発送リストは、標本を確定してから作成します。確定した標本は、抽出し直すことができません。",
                "Letters and the mailing list are produced from a final sample. Once final, the sample can no longer be drawn again.")) }
            button type="submit" { (t(lang, "標本を確定する", "Make the sample final")) }
        }
    }
}

/// The letters page before the sample is final: what finalising means, and the button.
pub fn finalise_first(viewer: &Viewer<'_>, survey: &Survey, sample: &SampleRecord) -> Markup {
    let lang = viewer.lang;
    let title = t(
        lang,
        "標本を確定してください",
        "Make the sample final first",
    );
    page(
        lang,
        title,
        viewer.audience(),
        &format!("/staff/surveys/{}/letters", survey.slug),
        html! {
            h1 { (title) }
            p { (survey.title.get(lang)) " · " (t(lang, "標本", "sample")) " n = " (sample.sample_size) " · " (t(lang, "シード", "seed")) " " (sample.seed) }
            (finalise_form(viewer, &survey.slug, "letters"))
        },
    )
}

/// Shown instead of letters when the survey file has no `[letter]` section.
pub fn no_letter_text(viewer: &Viewer<'_>, survey: &Survey) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "依頼状の文面がありません", "No letter text"),
        viewer.audience(),
        &format!("/staff/surveys/{}/letters", survey.slug),
        html! {
            h1 { (t(lang, "依頼状の文面がありません", "No letter text")) }
            p { (t(lang, "調査ファイルに [letter] の節（日付・差出人・表題・本文・オンライン回答の案内・問い合わせ先）を書き、次のコマンドで設定してください。surveys/demo.toml に例があります。",
                "Add a [letter] section (date, sender, heading, body, online, contact) to the survey file and set it with the command below; surveys/demo.toml has an example.")) }
            pre { "tsunagari sample letter --survey " (survey.slug) " --file surveys/" (survey.slug) ".toml" }
        },
    )
}

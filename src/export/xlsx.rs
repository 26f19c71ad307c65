//! The planner's tables as Excel workbooks (written with `rust_xlsxwriter`): a cover sheet
//! (survey, fieldwork, sample and respondents, response rate, how the weights were made, the
//! marks), then the tables with headers in the planner's language, percentages as numbers in
//! a % format, frozen header rows, column widths and an A4 landscape page setup.
//!
//! A cell withheld for privacy has no numbers to write (see [`crate::analysis::cells`]); it
//! gets its mark (＊, ＊＊, －) and a note. In the publication view a reference value (参考値)
//! is withheld the same way, as on the pages and in the CSV files.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::analysis::cells::{reliability_reason, Cell, Direction, Privacy, View};
use crate::analysis::custom::{CustomRow, CustomTable};
use crate::analysis::subgroups::{BreakdownTable, IndicatorReport, SubgroupReport};
use crate::questionnaire::{t, Lang, Text};
use crate::sampling::response_rate::OutcomeCounts;
use crate::tabulation::{Table, TextAnswers, MIN_RESPONDENTS};

/// The content type of an `.xlsx` download.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the workbook could not be written: {0}")]
pub struct XlsxError(#[from] rust_xlsxwriter::XlsxError);

/// What the cover sheet says about the survey.
#[derive(Debug, Clone, Default)]
pub struct Cover {
    /// The survey's title, in the workbook's language.
    pub survey: String,
    /// The days of the first and the last counted response, when there are any.
    pub fieldwork: Option<(NaiveDate, NaiveDate)>,
    /// People sampled from the register (eligible or not); `None` without a sample.
    pub sampled: Option<u64>,
    /// Respondents the tables count.
    pub respondents: usize,
    /// The valid response rate (有効回収率), a fraction.
    pub response_rate: Option<f64>,
    /// How the weights were made (`Weighting::describe`); `None` where no weights are used
    /// (the simple tabulation says so itself).
    pub weighting: Option<String>,
}

/// Every indicator by every breakdown: one sheet per indicator (n, rate, 95% interval,
/// estimated residents, standard error, note, and the Rao–Scott test of each breakdown), in
/// the order of `subgroups.csv`.
pub fn subgroups(
    cover: &Cover,
    report: &SubgroupReport,
    view: View,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "層別の集計（指標ごとに、全体と各区分の割合・95%信頼区間・推計人数、区分による違いの検定）",
            "Subgroups (for every indicator: everyone and every group with rate, 95% interval and estimated residents, and the test of differences by breakdown)",
        ),
        Some(view),
        lang,
    )?;
    for indicator in &report.indicators {
        let sheet = book.add_worksheet();
        sheet.set_name(names.unique(indicator.indicator.name.get(lang)))?;
        indicator_sheet(sheet, &f, indicator, view, lang)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The overview: every indicator for everyone, beside the national figure (the city counted
/// the national way, with the test of the difference at `alpha`).
pub fn estimates(
    cover: &Cover,
    report: &SubgroupReport,
    view: View,
    alpha: f64,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "推計の概要（指標ごとの全体の割合と全国との比較）",
            "Overview (every indicator for everyone, compared with the nation)",
        ),
        Some(view),
        lang,
    )?;
    let sheet = book.add_worksheet();
    sheet.set_name(names.unique(t(lang, "推計の概要", "Overview")))?;
    sheet.write_string_with_format(0, 0, cover.survey.as_str(), &f.title)?;
    let mut headers = vec![t(lang, "指標", "Indicator")];
    headers.extend(estimate_headers(lang));
    headers.extend([
        t(lang, "全国の値", "National figure"),
        t(lang, "全国の調査年", "National survey year"),
        t(lang, "全国の値の出典", "Source of the national figure"),
        t(
            lang,
            "市（国の集計方法：重み付けなし・無回答を分母に含む）",
            "City (national convention: unweighted, no answer in the base)",
        ),
        t(lang, "市の該当者数", "City: yes"),
        t(lang, "市の回答者数（分母）", "City: base"),
        t(lang, "全国との差の検定 p値", "Test against the nation: p"),
        t(lang, "全国との比較", "Compared with the nation"),
        t(lang, "設問の出典", "Where the wording comes from"),
    ]);
    header_row(sheet, &f, 1, &headers)?;
    let mut row = 2;
    for indicator in &report.indicators {
        sheet.write_string_with_format(row, 0, indicator.indicator.name.get(lang), &f.text)?;
        estimate_cells(sheet, &f, row, 1, &indicator.overall, view, lang)?;
        let col = 8;
        match &indicator.national {
            None => {
                sheet.write_string_with_format(
                    row,
                    col,
                    t(lang, "全国の値なし", "No national figure"),
                    &f.text,
                )?;
                for c in col + 1..col + 8 {
                    sheet.write_blank(row, c, &f.text)?;
                }
            }
            Some(n) => {
                sheet.write_number_with_format(row, col, n.figure.percent / 100.0, &f.percent)?;
                sheet.write_number_with_format(row, col + 1, n.figure.year, &f.integer)?;
                sheet.write_string_with_format(row, col + 2, n.figure.source.get(lang), &f.text)?;
                number(sheet, row, col + 3, Some(n.percent() / 100.0), &f.percent)?;
                sheet.write_number_with_format(row, col + 4, n.yes as f64, &f.count)?;
                sheet.write_number_with_format(row, col + 5, n.base as f64, &f.count)?;
                number(
                    sheet,
                    row,
                    col + 6,
                    n.test.as_ref().map(|t| t.p_value),
                    &f.p,
                )?;
                let judgement = match (&n.test, n.direction(alpha)) {
                    (None, _) => t(
                        lang,
                        "全国の回答者数が不明のため検定なし",
                        "No test: the national number of respondents is not known",
                    ),
                    (Some(_), Some(Direction::Higher)) => {
                        t(lang, "全国より高い", "Higher than the nation")
                    }
                    (Some(_), Some(Direction::Lower)) => {
                        t(lang, "全国より低い", "Lower than the nation")
                    }
                    (Some(_), None) => t(
                        lang,
                        "全国と有意な差なし",
                        "No significant difference from the nation",
                    ),
                };
                sheet.write_string_with_format(row, col + 7, judgement, &f.text)?;
            }
        }
        sheet.write_string_with_format(
            row,
            col + 8,
            indicator.indicator.provenance.label().get(lang),
            &f.text,
        )?;
        row += 1;
    }
    row += 1;
    let level = format!("{:.0}%", 100.0 * alpha);
    let national_note = match lang {
        Lang::Ja => format!("全国の値は国の公表値（回答者に占める割合、重み付けなし）です。比べる市の値も同じ方法で計算し、2つの割合の差の検定（有意水準{level}）で判断しています。"),
        Lang::En => format!("National figures are as published (share of respondents, unweighted). The city's figure beside them is computed the same way; the comparison follows a two-proportion test at the {level} level."),
    };
    sheet.write_string(row, 0, national_note)?;
    legend(sheet, row + 1, view, lang)?;
    page_setup(
        sheet,
        2,
        &[
            28.0, 7.0, 9.0, 10.0, 10.0, 11.0, 9.0, 30.0, 9.0, 8.0, 24.0, 12.0, 9.0, 9.0, 10.0,
            20.0, 30.0,
        ],
    )?;
    Ok(book.save_to_buffer()?)
}

/// The simple tabulation: one sheet per question or scale (counts, shares of the base, the
/// base), unweighted as in the national tables.
pub fn tabulation(cover: &Cover, tables: &[Table], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let cover = &Cover {
        weighting: Some(match lang {
            Lang::Ja => format!("重み付けなし（回答者に占める割合。国の調査の公表表と同じく無回答を分母に含めています。母集団の推計値ではありません。有効回答が{MIN_RESPONDENTS}件未満の調査では集計表を作りません）。"),
            Lang::En => format!("Unweighted (shares of respondents with \"no answer\" in the denominator, as in the national survey's published tables; not population estimates; no tables under {MIN_RESPONDENTS} valid responses)."),
        }),
        ..cover.clone()
    };
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "単純集計（設問ごとの選択肢の人数と割合、重み付けなし）",
            "Simple tabulation (count and share of every option of every question, unweighted)",
        ),
        None,
        lang,
    )?;
    for table in tables {
        let sheet = book.add_worksheet();
        let wanted = if table.number.is_empty() {
            table.title.as_str()
        } else {
            table.number.as_str()
        };
        sheet.set_name(names.unique(wanted))?;
        let title = if table.number.is_empty() {
            table.title.clone()
        } else {
            format!("{} {}", table.number, table.title)
        };
        sheet.write_string_with_format(0, 0, title, &f.title)?;
        header_row(
            sheet,
            &f,
            1,
            &[
                t(lang, "選択肢", "Option"),
                t(lang, "人数", "Count"),
                t(lang, "割合", "Share"),
            ],
        )?;
        let mut row = 2;
        for r in &table.rows {
            sheet.write_string_with_format(row, 0, r.label.as_str(), &f.text)?;
            sheet.write_number_with_format(row, 1, r.count as f64, &f.count)?;
            number(sheet, row, 2, Some(r.percent / 100.0), &f.percent)?;
            row += 1;
        }
        sheet.write_string_with_format(
            row,
            0,
            t(lang, "回答者数（分母）", "Respondents (base)"),
            &f.header,
        )?;
        sheet.write_number_with_format(row, 1, table.base as f64, &f.count_bold)?;
        sheet.write_number_with_format(row, 2, 1.0, &f.percent_bold)?;
        row += 2;
        sheet.write_string(row, 0, table.provenance.label().get(lang))?;
        if table.multiple {
            sheet.write_string(
                row + 1,
                0,
                t(
                    lang,
                    "複数回答のため、合計は100%を超えることがあります。",
                    "Several answers allowed: shares can add up to more than 100%.",
                ),
            )?;
        }
        page_setup(sheet, 2, &[48.0, 10.0, 10.0])?;
    }
    Ok(book.save_to_buffer()?)
}

/// The free-text answers: one sheet per question, one answer per row, with the warning that
/// they may hold personal details.
pub fn free_text(
    cover: &Cover,
    questions: &[TextAnswers],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let cover = &Cover {
        weighting: None,
        ..cover.clone()
    };
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "自由記述（そのままの回答。個人が分かる内容が含まれることがあります。外部に出す前に必ず読み、個人情報を消してください）",
            "Free-text answers as written (they may name or describe people: read and remove personal details before sharing)",
        ),
        None,
        lang,
    )?;
    for question in questions {
        let sheet = book.add_worksheet();
        sheet.set_name(names.unique(if question.number.is_empty() {
            question.title.as_str()
        } else {
            question.number.as_str()
        }))?;
        sheet.write_string_with_format(
            0,
            0,
            format!("{} {}", question.number, question.title).trim(),
            &f.title,
        )?;
        header_row(sheet, &f, 1, &[t(lang, "回答", "Answer")])?;
        for (i, answer) in question.answers.iter().enumerate() {
            sheet.write_string_with_format(2 + i as u32, 0, answer.as_str(), &f.wrap)?;
        }
        page_setup(sheet, 2, &[100.0])?;
    }
    Ok(book.save_to_buffer()?)
}

/// A table a planner built: one row per group and outcome column, in the order of
/// `table.csv`.
pub fn custom_table(
    cover: &Cover,
    table: &CustomTable,
    view: View,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "集計表（表をつくる で作成した表）",
            "A table built with Build a table",
        ),
        Some(view),
        lang,
    )?;
    let sheet = book.add_worksheet();
    sheet.set_name(names.unique(table.outcome_name.get(lang)))?;
    sheet.write_string_with_format(0, 0, table.outcome_name.get(lang), &f.title)?;
    let two_way = table.by2_name.is_some();
    let mut headers = vec![table.by_name.get(lang)];
    if let Some(by2) = &table.by2_name {
        headers.push(by2.get(lang));
    }
    headers.push(t(lang, "集計する項目", "Outcome"));
    headers.extend(estimate_headers(lang));
    header_row(sheet, &f, 1, &headers)?;
    let everyone = CustomRow {
        label: Text::new("全体", "Everyone"),
        label2: None,
        cells: table.overall.clone(),
    };
    let mut row = 2;
    for group in std::iter::once(&everyone).chain(&table.rows) {
        for (column, cell) in table.columns.iter().zip(&group.cells) {
            let mut col = 0;
            sheet.write_string_with_format(row, col, group.label.get(lang), &f.text)?;
            col += 1;
            if two_way {
                let label2 = group.label2.as_ref().map_or("", |l| l.get(lang));
                sheet.write_string_with_format(row, col, label2, &f.text)?;
                col += 1;
            }
            sheet.write_string_with_format(row, col, column.get(lang), &f.text)?;
            estimate_cells(sheet, &f, row, col + 1, cell, view, lang)?;
            row += 1;
        }
    }
    legend(sheet, row + 1, view, lang)?;
    let mut widths = vec![22.0];
    if two_way {
        widths.push(22.0);
    }
    widths.extend([26.0, 7.0, 9.0, 10.0, 10.0, 11.0, 9.0, 36.0]);
    page_setup(sheet, 2, &widths)?;
    Ok(book.save_to_buffer()?)
}

/// Response rates by stratum (AAPOR outcome counts, RR1, RR2, 有効回収率), then all strata.
pub fn response_rates(
    cover: &Cover,
    strata: &[(String, OutcomeCounts)],
    overall: &OutcomeCounts,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let (mut book, f, mut names) = workbook_with_cover(
        cover,
        t(
            lang,
            "層別の回収率（AAPORの区分による標本の結果と回収率）",
            "Response rates by stratum (the sample's outcomes in the AAPOR categories, and the rates)",
        ),
        None,
        lang,
    )?;
    let sheet = book.add_worksheet();
    sheet.set_name(names.unique(t(lang, "層別の回収率", "Response rates")))?;
    sheet.write_string_with_format(0, 0, cover.survey.as_str(), &f.title)?;
    header_row(
        sheet,
        &f,
        1,
        &[
            t(lang, "層", "Stratum"),
            t(lang, "標本", "Sampled"),
            t(lang, "完了 I", "Complete I"),
            t(lang, "一部 P", "Partial P"),
            t(lang, "拒否 R", "Refused R"),
            t(lang, "非接触 NC", "Non-contact NC"),
            t(lang, "その他 O", "Other O"),
            t(lang, "不明 U", "Unknown U"),
            t(lang, "対象外 NE", "Not eligible NE"),
            "RR1",
            "RR2",
            t(lang, "有効回収率", "Valid response rate"),
        ],
    )?;
    let all = t(lang, "合計", "All strata");
    let mut row = 2;
    for (k, (label, counts)) in strata
        .iter()
        .map(|(l, c)| (l.as_str(), c))
        .chain(std::iter::once((all, overall)))
        .enumerate()
    {
        let (text, count, percent) = if k == strata.len() {
            (&f.text_bold, &f.count_bold, &f.percent_bold)
        } else {
            (&f.text, &f.count, &f.percent)
        };
        sheet.write_string_with_format(row, 0, label, text)?;
        let values = [
            counts.sample(),
            counts.complete,
            counts.partial,
            counts.refusal,
            counts.non_contact,
            counts.other,
            counts.unknown(),
            counts.not_eligible,
        ];
        for (col, value) in (1u16..).zip(values) {
            sheet.write_number_with_format(row, col, value as f64, count)?;
        }
        number(sheet, row, 9, counts.rr1(), percent)?;
        number(sheet, row, 10, counts.rr2(), percent)?;
        number(sheet, row, 11, counts.valid_response_rate(), percent)?;
        row += 1;
    }
    sheet.write_string(
        row + 1,
        0,
        t(
            lang,
            "RR1 = I ÷ (I + P + R + NC + O + U)、RR2 = (I + P) ÷ (I + P + R + NC + O + U)（AAPOR の定義）。有効回収率は標本（抽出した全員）に占める有効回答（I + P）の割合です。率が計算できない層は空欄です。",
            "RR1 = I / (I + P + R + NC + O + U), RR2 = (I + P) / (I + P + R + NC + O + U) (AAPOR definitions). The valid response rate is valid responses (I + P) over everyone sampled. Empty where a rate cannot be computed.",
        ),
    )?;
    page_setup(
        sheet,
        2,
        &[
            28.0, 9.0, 9.0, 9.0, 9.0, 10.0, 9.0, 9.0, 10.0, 9.0, 9.0, 11.0,
        ],
    )?;
    Ok(book.save_to_buffer()?)
}

/// One indicator's sheet: everyone, then every breakdown's groups.
fn indicator_sheet(
    sheet: &mut Worksheet,
    f: &Formats,
    indicator: &IndicatorReport,
    view: View,
    lang: Lang,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, indicator.indicator.name.get(lang), &f.title)?;
    let mut headers = vec![t(lang, "区分", "Breakdown"), t(lang, "グループ", "Group")];
    headers.extend(estimate_headers(lang));
    headers.extend([
        t(
            lang,
            "区分による違いの検定（Rao–Scott）F",
            "Test of differences (Rao–Scott) F",
        ),
        t(lang, "分子の自由度", "Numerator df"),
        t(lang, "分母の自由度", "Denominator df"),
        t(lang, "p値", "p"),
    ]);
    header_row(sheet, f, 1, &headers)?;
    let everyone = t(lang, "全体", "Everyone");
    sheet.write_string_with_format(2, 0, everyone, &f.text_bold)?;
    sheet.write_string_with_format(2, 1, everyone, &f.text_bold)?;
    estimate_cells(sheet, f, 2, 2, &indicator.overall, view, lang)?;
    for c in 9..13 {
        sheet.write_blank(2, c, &f.text)?;
    }
    let mut row = 3;
    let mut unclassified = Vec::new();
    for table in &indicator.tables {
        for (k, cell) in table.cells.iter().enumerate() {
            sheet.write_string_with_format(row, 0, table.variable_name.get(lang), &f.text)?;
            sheet.write_string_with_format(row, 1, cell.label.get(lang), &f.text)?;
            estimate_cells(sheet, f, row, 2, cell, view, lang)?;
            if k == 0 {
                test_cells(sheet, f, row, 9, table, lang)?;
            } else {
                for c in 9..13 {
                    sheet.write_blank(row, c, &f.text)?;
                }
            }
            row += 1;
        }
        if table.unclassified > 0 {
            unclassified.push(match lang {
                Lang::Ja => format!(
                    "「{}」の設問に回答のない{}人は、区分別の行に含まれていません（全体には含まれます）。",
                    table.variable_name.get(lang),
                    table.unclassified
                ),
                Lang::En => format!(
                    "{} respondents who did not answer “{}” are not in its groups (they are in everyone).",
                    table.unclassified,
                    table.variable_name.get(lang)
                ),
            });
        }
    }
    row += 1;
    for line in unclassified {
        sheet.write_string(row, 0, line)?;
        row += 1;
    }
    legend(sheet, row, view, lang)?;
    page_setup(
        sheet,
        2,
        &[
            24.0, 26.0, 7.0, 9.0, 10.0, 10.0, 11.0, 9.0, 36.0, 12.0, 9.0, 9.0, 8.0,
        ],
    )
}

/// The headings of [`estimate_cells`].
fn estimate_headers(lang: Lang) -> [&'static str; 7] {
    [
        "n",
        t(lang, "割合（重み付け）", "Rate (weighted)"),
        t(lang, "95%信頼区間（下限）", "95% CI (low)"),
        t(lang, "95%信頼区間（上限）", "95% CI (high)"),
        t(lang, "推計人数", "Estimated residents"),
        t(lang, "標準誤差", "Standard error"),
        t(lang, "注", "Note"),
    ]
}

/// A cell's n, rate, interval, estimated residents, standard error and note from column
/// `col` on; a withheld cell gets its mark and why, and no number.
fn estimate_cells(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
    view: View,
    lang: Lang,
) -> Result<(), XlsxError> {
    sheet.write_number_with_format(row, col, cell.n as f64, &f.count)?;
    match cell.shown(view) {
        Some(e) => {
            number(sheet, row, col + 1, Some(e.estimate), &f.percent)?;
            number(sheet, row, col + 2, e.ci.map(|c| c.0), &f.percent)?;
            number(sheet, row, col + 3, e.ci.map(|c| c.1), &f.percent)?;
            number(sheet, row, col + 4, Some(e.total), &f.count)?;
            number(sheet, row, col + 5, Some(e.se), &f.se)?;
            let note = match e.presentation.suppress {
                Some(reason) => format!(
                    "{}（{}）",
                    t(lang, "参考値", "Reference value"),
                    reliability_reason(reason, lang)
                ),
                None => String::new(),
            };
            sheet.write_string_with_format(row, col + 6, note, &f.note)?;
        }
        None => {
            let (mark, why) = withheld(cell, lang);
            sheet.write_string_with_format(row, col + 1, mark, &f.mark)?;
            for c in col + 2..col + 6 {
                sheet.write_blank(row, c, &f.text)?;
            }
            sheet.write_string_with_format(row, col + 6, why, &f.note)?;
        }
    }
    Ok(())
}

/// The mark and the note of a cell the view does not show.
fn withheld(cell: &Cell, lang: Lang) -> (&'static str, &'static str) {
    match cell.privacy {
        Some(privacy) => (privacy.mark(), privacy.explain(lang)),
        None => (
            "＊",
            t(
                lang,
                "公表用の表示では参考値は非表示",
                "Reference values are withheld in the publication view",
            ),
        ),
    }
}

/// The Rao–Scott test of a breakdown (F, its degrees of freedom, p), or why there is none.
fn test_cells(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    table: &BreakdownTable,
    lang: Lang,
) -> Result<(), XlsxError> {
    match &table.test {
        Ok(test) => {
            number(sheet, row, col, Some(test.f), &f.decimal)?;
            number(sheet, row, col + 1, Some(test.ndf), &f.decimal)?;
            number(sheet, row, col + 2, Some(test.ddf), &f.decimal)?;
            number(sheet, row, col + 3, Some(test.p_value), &f.p)?;
        }
        Err(why) => {
            sheet.write_string_with_format(row, col, why.explain(lang), &f.note)?;
            for c in col + 1..col + 4 {
                sheet.write_blank(row, c, &f.text)?;
            }
        }
    }
    Ok(())
}

/// A number, or an empty cell when there is none (never NaN).
fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<f64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value.filter(|x| x.is_finite()) {
        Some(x) => sheet.write_number_with_format(row, col, x, format)?,
        None => sheet.write_blank(row, col, format)?,
    };
    Ok(())
}

fn header_row(
    sheet: &mut Worksheet,
    f: &Formats,
    row: u32,
    headers: &[&str],
) -> Result<(), XlsxError> {
    for (col, heading) in (0u16..).zip(headers) {
        sheet.write_string_with_format(row, col, *heading, &f.header)?;
    }
    sheet.set_row_height(row, 32)?;
    Ok(())
}

/// A4 landscape, one page wide, the first `header_rows` frozen and printed on every page.
fn page_setup(sheet: &mut Worksheet, header_rows: u32, widths: &[f64]) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_footer("&C&P / &N");
    if header_rows > 0 {
        sheet.set_freeze_panes(header_rows, 0)?;
        sheet.set_repeat_rows(0, header_rows - 1)?;
    }
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, *width)?;
    }
    Ok(())
}

/// The marks under a table.
fn legend(sheet: &mut Worksheet, mut row: u32, view: View, lang: Lang) -> Result<(), XlsxError> {
    for (mark, why) in marks(view, lang) {
        sheet.write_string(row, 0, format!("{mark}　{why}"))?;
        row += 1;
    }
    Ok(())
}

/// Every mark a weighted table can hold, with what it means.
fn marks(view: View, lang: Lang) -> Vec<(&'static str, String)> {
    let mut marks: Vec<(&'static str, String)> = [
        Privacy::FewRespondents,
        Privacy::Complementary,
        Privacy::NoRespondents,
    ]
    .into_iter()
    .map(|p| (p.mark(), p.explain(lang).to_string()))
    .collect();
    marks.push((
        t(lang, "参考値", "Reference value"),
        t(
            lang,
            "推計の精度が公表基準（米国NCHSの割合の表示基準：有効標本数30以上、信頼区間の幅など）に届かない値。注に理由を記しています。公表用の表示では非表示（＊）になります。",
            "The estimate does not meet the presentation standards (US NCHS standards for proportions: effective sample size of 30, interval width …); the note gives the reason. Withheld (＊) in the publication view.",
        )
        .to_string(),
    ));
    if view == View::Publication {
        marks.push((
            "＊",
            t(
                lang,
                "（公表用の表示）参考値にあたる値も非表示にしています。",
                "(Publication view) reference values are withheld too.",
            )
            .to_string(),
        ));
    }
    marks
}

/// A new workbook with its formats, its sheet names and the cover sheet written.
fn workbook_with_cover(
    cover: &Cover,
    contents: &str,
    view: Option<View>,
    lang: Lang,
) -> Result<(Workbook, Formats, SheetNames), XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let mut names = SheetNames::default();
    cover_sheet(&mut book, &f, &mut names, cover, contents, view, lang)?;
    Ok((book, f, names))
}

/// The cover sheet: what the workbook holds and how its numbers were made.
#[allow(clippy::too_many_arguments)]
fn cover_sheet(
    book: &mut Workbook,
    f: &Formats,
    names: &mut SheetNames,
    cover: &Cover,
    contents: &str,
    view: Option<View>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(names.unique(t(lang, "表紙", "Cover")))?;
    sheet.write_string_with_format(0, 0, cover.survey.as_str(), &f.title)?;
    sheet.write_string_with_format(1, 0, contents, &f.wrap)?;
    let mut row = 3;
    let line = |sheet: &mut Worksheet, row: &mut u32, label: &str| -> Result<u32, XlsxError> {
        sheet.write_string_with_format(*row, 0, label, &f.header)?;
        *row += 1;
        Ok(*row - 1)
    };
    let r = line(sheet, &mut row, t(lang, "調査", "Survey"))?;
    sheet.write_string_with_format(r, 1, cover.survey.as_str(), &f.wrap)?;
    let r = line(
        sheet,
        &mut row,
        t(
            lang,
            "回答の受付（集計に数える回答の最初の日～最後の日）",
            "Fieldwork (first and last day of a counted response)",
        ),
    )?;
    let fieldwork = match cover.fieldwork {
        Some((first, last)) => format!(
            "{} ～ {}",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ),
        None => t(lang, "回答はまだありません", "No responses yet").to_string(),
    };
    sheet.write_string_with_format(r, 1, fieldwork, &f.wrap)?;
    let r = line(
        sheet,
        &mut row,
        t(
            lang,
            "標本数（住民基本台帳から抽出した人数）",
            "Sampled (drawn from the register)",
        ),
    )?;
    match cover.sampled {
        Some(n) => sheet.write_number_with_format(r, 1, n as f64, &f.count_left)?,
        None => sheet.write_string_with_format(
            r,
            1,
            t(
                lang,
                "標本なし（公開型の調査）",
                "No sample (open questionnaire)",
            ),
            &f.wrap,
        )?,
    };
    let r = line(sheet, &mut row, t(lang, "有効回答数", "Valid responses"))?;
    sheet.write_number_with_format(r, 1, cover.respondents as f64, &f.count_left)?;
    let r = line(
        sheet,
        &mut row,
        t(
            lang,
            "有効回収率（標本に占める有効回答の割合）",
            "Valid response rate (valid responses in the sample)",
        ),
    )?;
    match cover.response_rate.filter(|x| x.is_finite()) {
        Some(rate) => sheet.write_number_with_format(r, 1, rate, &f.percent_left)?,
        None => sheet.write_string_with_format(r, 1, "－", &f.wrap)?,
    };
    if let Some(weighting) = &cover.weighting {
        let r = line(sheet, &mut row, t(lang, "重み付け", "Weighting"))?;
        sheet.write_string_with_format(r, 1, weighting.as_str(), &f.wrap)?;
    }
    if let Some(view) = view {
        let r = line(sheet, &mut row, t(lang, "表示", "View"))?;
        sheet.write_string_with_format(
            r,
            1,
            match view {
                View::Working => t(
                    lang,
                    "作業用（参考値も表示）",
                    "Working (reference values shown)",
                ),
                View::Publication => t(
                    lang,
                    "公表用（参考値は非表示）",
                    "Publication (reference values withheld)",
                ),
            },
            &f.wrap,
        )?;
        let r = line(sheet, &mut row, t(lang, "推計の方法", "Estimation"))?;
        sheet.write_string_with_format(
            r,
            1,
            t(
                lang,
                "割合は層別無作為抽出の設計（層・抽出率）に基づき住民基本台帳の人口に合わせて重み付けした推計値、95%信頼区間はロジット法（R の survey パッケージの svyciprop と同じ）、推計人数は16歳以上の住民に占める推計の人数です。割合・信頼区間・標準誤差は%の書式の数値です。",
                "Rates are estimates weighted by the stratified random sample's design and calibrated to the register's population; 95% intervals are logit intervals (as R survey's svyciprop); estimated residents are among residents aged 16 and over. Rates, intervals and standard errors are numbers in a % format.",
            ),
            &f.wrap,
        )?;
        row += 1;
        let r = line(sheet, &mut row, t(lang, "表示の記号", "Marks"))?;
        sheet.write_string_with_format(
            r,
            1,
            t(
                lang,
                "非表示の値は、このファイルのどのシートにも含まれていません。",
                "Withheld values are in no sheet of this file.",
            ),
            &f.wrap,
        )?;
        for (mark, why) in marks(view, lang) {
            sheet.write_string_with_format(row, 0, mark, &f.mark_left)?;
            sheet.write_string_with_format(row, 1, why, &f.wrap)?;
            row += 1;
        }
    }
    page_setup(sheet, 0, &[34.0, 100.0])
}

/// The cell formats of a workbook.
struct Formats {
    title: Format,
    header: Format,
    text: Format,
    text_bold: Format,
    wrap: Format,
    note: Format,
    mark: Format,
    mark_left: Format,
    percent: Format,
    percent_bold: Format,
    percent_left: Format,
    se: Format,
    count: Format,
    count_bold: Format,
    count_left: Format,
    integer: Format,
    decimal: Format,
    p: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xD9E1F2)),
            text: cell.clone(),
            text_bold: cell.clone().set_bold(),
            wrap: Format::new().set_text_wrap(),
            note: cell.clone().set_font_size(9),
            mark: cell.clone().set_align(FormatAlign::Center),
            mark_left: Format::new().set_bold(),
            percent: cell.clone().set_num_format("0.0%"),
            percent_bold: cell.clone().set_num_format("0.0%").set_bold(),
            percent_left: Format::new()
                .set_num_format("0.0%")
                .set_align(FormatAlign::Left),
            se: cell.clone().set_num_format("0.00%"),
            count: cell.clone().set_num_format("#,##0"),
            count_bold: cell.clone().set_num_format("#,##0").set_bold(),
            count_left: Format::new()
                .set_num_format("#,##0")
                .set_align(FormatAlign::Left),
            integer: cell.clone().set_num_format("0"),
            decimal: cell.clone().set_num_format("0.00"),
            p: cell.set_num_format("0.000"),
        }
    }
}

/// Sheet names as Excel accepts them: at most 31 characters, none of `[]:*?/\`, unique
/// without regard to case.
#[derive(Default)]
struct SheetNames(HashSet<String>);

impl SheetNames {
    const MAX: usize = 31;

    fn unique(&mut self, wanted: &str) -> String {
        let clean: String = wanted
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .collect();
        let clean = clean.trim().trim_matches('\'');
        let base = if clean.is_empty() { "Sheet" } else { clean };
        let mut name = truncated(base, Self::MAX);
        let mut k = 2;
        while self.0.contains(&name.to_lowercase()) || name.eq_ignore_ascii_case("history") {
            let suffix = format!("({k})");
            name = truncated(base, Self::MAX - suffix.len()) + &suffix;
            k += 1;
        }
        self.0.insert(name.to_lowercase());
        name
    }
}

/// The longest prefix of `s` with at most `units` UTF-16 units (Excel counts those), without
/// a trailing apostrophe or space.
fn truncated(s: &str, units: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        used += c.len_utf16();
        if used > units {
            break;
        }
        out.push(c);
    }
    out.trim_end_matches(['\'', ' ']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        let mut names = SheetNames::default();
        let long = "孤独感が「しばしばある・常にある」人の割合（直接質問、全国調査と同じ設問）";
        let first = names.unique(long);
        assert_eq!(first.encode_utf16().count(), 31);
        let second = names.unique(long);
        assert_ne!(first, second);
        assert!(second.ends_with("(2)") && second.encode_utf16().count() <= 31);
        assert_eq!(names.unique("a/b:c"), "a_b_c");
        assert_eq!(names.unique("A_B_C"), "A_B_C(2)");
        assert_eq!(names.unique("  "), "Sheet");
        assert_eq!(names.unique("History"), "History(2)");
    }

    #[test]
    fn a_cover_for_unweighted_tables_writes_a_workbook() {
        let cover = Cover {
            survey: "調査".into(),
            respondents: 12,
            ..Cover::default()
        };
        let bytes = tabulation(&cover, &[], Lang::Ja).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}

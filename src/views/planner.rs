//! Pages for planners: the surveys and their simple tabulation in the national convention.

use maud::{html, Markup};

use super::layout::{page, t};
use super::staff::Viewer;
use crate::prevalence::{Breakdown, Cell, IndicatorTable, Report, Weighting, Withheld};
use crate::questionnaire::Lang;
use crate::sampling::register::Sex;
use crate::survey::Survey;
use crate::tabulation::{Table, MIN_RESPONDENTS};

/// The survey list with the number of submitted responses.
pub fn surveys(viewer: &Viewer<'_>, rows: &[(Survey, i64)]) -> Markup {
    let lang = viewer.lang;
    page(
        lang,
        t(lang, "集計", "Results"),
        viewer.audience(),
        "/planner",
        html! {
            h1 { (t(lang, "集計", "Results")) }
            @if rows.is_empty() {
                p { (t(lang, "調査はまだありません。", "There are no surveys yet.")) }
            } @else {
                table {
                    thead { tr {
                        th { (t(lang, "調査", "Survey")) }
                        th.num { (t(lang, "有効回答数", "Valid responses")) }
                    } }
                    tbody { @for (survey, submitted) in rows {
                        tr {
                            td { a href={ "/planner/" (survey.slug) } { (survey.title.get(lang)) } }
                            td.num { (submitted) }
                        }
                    } }
                }
            }
        },
    )
}

/// The simple tabulation of one survey; `tables` is `None` when there are too few responses.
pub fn tabulation(
    viewer: &Viewer<'_>,
    survey: &Survey,
    respondents: usize,
    tables: Option<&[Table]>,
) -> Markup {
    let lang = viewer.lang;
    let here = format!("/planner/{}", survey.slug);
    page(
        lang,
        survey.title.get(lang),
        viewer.audience(),
        &here,
        html! {
            h1 { (survey.title.get(lang)) }
            p { (t(lang, "有効回答数", "Valid responses")) ": " strong { (respondents) } }
            p { a href={ (here) "/estimates" } { (t(lang, "重み付き推計（母集団の割合・人数、信頼区間、地区・年齢・性別）", "Weighted estimates (population shares and counts, intervals, by district, age and sex)")) } }
            div.notice {
                (t(lang,
                    "単純集計（重み付けなし）：国の調査の公表表と同じく、回答者に占める割合で、無回答を分母に含めています。母集団の推計値ではありません。",
                    "Simple tabulation (unweighted): shares of respondents with \"no answer\" in the denominator, as in the national survey's published tables. These are not population estimates."))
            }
            @match tables {
                None => p.notice.bad { (match lang {
                    Lang::Ja => format!("有効回答が{MIN_RESPONDENTS}件未満のため、個人の回答が推測されないよう集計表は表示しません。"),
                    Lang::En => format!("Fewer than {MIN_RESPONDENTS} valid responses: no table is shown, so that no individual's answers can be inferred."),
                }) },
                Some(tables) => {
                    p { a.button.secondary href={ (here) "/tabulation.csv" } { (t(lang, "CSVでダウンロード（Excel用）", "Download CSV (for Excel)")) } }
                    @for table in tables {
                        h2 { @if !table.number.is_empty() { (table.number) " " } (table.title) }
                        table {
                            thead { tr {
                                th { (t(lang, "選択肢", "Option")) }
                                th.num { (t(lang, "人数", "Count")) }
                                th.num { "%" }
                            } }
                            tbody {
                                @for row in &table.rows {
                                    tr { td { (row.label) } td.num { (row.count) } td.num { (format!("{:.1}", row.percent)) } }
                                }
                                tr { th { (t(lang, "回答者数（分母）", "Respondents (base)")) } th.num { (table.base) } th.num { "100.0" } }
                            }
                        }
                        @if table.multiple { p.muted { (t(lang, "複数回答のため、合計は100%を超えることがあります。", "Several answers allowed: shares can add up to more than 100%.")) } }
                    }
                }
            }
        },
    )
}

/// Weighted prevalence of every indicator, overall and by age band, sex and district, with
/// intervals, population counts and the national figure; or why there are no estimates.
pub fn estimates(viewer: &Viewer<'_>, survey: &Survey, report: Result<&Report, &String>) -> Markup {
    let lang = viewer.lang;
    let here = format!("/planner/{}/estimates", survey.slug);
    page(
        lang,
        survey.title.get(lang),
        viewer.audience(),
        &here,
        html! {
            h1 { (survey.title.get(lang)) }
            p {
                a href={ "/planner/" (survey.slug) } { (t(lang, "単純集計（重み付けなし）", "Simple tabulation (unweighted)")) }
            }
            @match report {
                Err(why) => div.notice.bad { (t(lang, "推計値を表示できません: ", "No estimates: ")) (why) },
                Ok(report) => {
                    (weighting_note(lang, report))
                    p { a.button.secondary href={ (here) ".csv" } { (t(lang, "CSVでダウンロード（Excel用）", "Download CSV (for Excel)")) } }
                    @for table in &report.tables { (indicator_table(lang, table)) }
                    p.muted { (t(lang,
                        "「—」の欄は公表基準（回答10人未満、実効標本数30未満、信頼区間が広すぎる等）により非表示、「—*」は他の非表示の欄が差し引きで分からないよう併せて非表示にした欄です。推計人数は16歳以上の住民に占める推計の人数です。",
                        "“—” cells are withheld by the presentation rules (fewer than 10 respondents, effective sample size under 30, interval too wide); “—*” cells are withheld so that another withheld cell cannot be worked out by subtraction. Population counts are estimated residents aged 16 and over.")) }
                }
            }
        },
    )
}

fn weighting_note(lang: Lang, report: &Report) -> Markup {
    let w = &report.weights;
    html! {
        div.notice {
            p {
                (match lang {
                    Lang::Ja => format!("標本から回答した{}人の回答を、層別無作為抽出の設計（層・抽出率）に基づく重みで推計しています。", report.respondents),
                    Lang::En => format!("Estimates from {} respondents of the stratified random sample, weighted by the design (strata, sampling fractions).", report.respondents),
                })
                " "
                (match &report.weighting {
                    Weighting::Raked => t(lang, "重みは住民基本台帳の性・年齢別と地区別の人口に合わせて調整（レイキング）しています。", "Weights are raked to the register's population by sex × age band and by district.").to_string(),
                    Weighting::PostStratifiedByAge { reason } => match lang {
                        Lang::Ja => format!("重みは年齢別人口にのみ合わせています（性・年齢×地区での調整ができないため: {reason}）。"),
                        Lang::En => format!("Weights are post-stratified to age bands only (raking was not possible: {reason})."),
                    },
                    Weighting::BaseWeights { reason } => match lang {
                        Lang::Ja => format!("人口への調整ができないため、抽出の重みのみで推計しています（{reason}）。"),
                        Lang::En => format!("Only the sampling weights are used (no calibration was possible: {reason})."),
                    },
                })
            }
            p.muted {
                (match lang {
                    Lang::Ja => format!("重み: 最小 {:.1} / 中央値 {:.1} / 最大 {:.1}、重み付けによるデザイン効果 {:.2}", w.min, w.median, w.max, w.kish_deff),
                    Lang::En => format!("Weights: min {:.1} / median {:.1} / max {:.1}, design effect from weighting {:.2}", w.min, w.median, w.max, w.kish_deff),
                })
            }
        }
    }
}

fn indicator_table(lang: Lang, table: &IndicatorTable) -> Markup {
    html! {
        h2 { (table.indicator.name.get(lang)) }
        @if let Some(national) = &table.indicator.national {
            p.muted {
                (match lang {
                    Lang::Ja => format!("全国: {:.1}%（{}、回答者に占める割合・重み付けなし）", national.percent, national.source.get(lang)),
                    Lang::En => format!("National: {:.1}% ({}; unweighted share of respondents)", national.percent, national.source.get(lang)),
                })
            }
        }
        table {
            thead { tr {
                th { (t(lang, "区分", "Group")) }
                th.num { "n" }
                th.num { (t(lang, "推計値", "Estimate")) }
                th.num { (t(lang, "95%信頼区間", "95% CI")) }
                th.num { (t(lang, "推計人数（±は95%の幅）", "Population (± 95% margin)")) }
            } }
            tbody {
                (cell_row(lang, t(lang, "全体", "All"), &table.overall))
                @for (breakdown, cells) in &table.breakdowns {
                    tr { th colspan="5" { (breakdown.name(lang)) } }
                    @for cell in cells { (cell_row(lang, &level_label(lang, *breakdown, &cell.level), cell)) }
                }
            }
        }
    }
}

/// A level as people read it: the register's sex codes in the page's language.
fn level_label(lang: Lang, breakdown: Breakdown, level: &str) -> String {
    match (breakdown, lang, Sex::parse(level)) {
        (Breakdown::Sex, Lang::Ja, Ok(sex)) => sex.label().to_string(),
        _ => level.to_string(),
    }
}

fn cell_row(lang: Lang, label: &str, cell: &Cell) -> Markup {
    let shown = cell.estimate.as_ref().filter(|_| cell.withheld.is_none());
    html! {
        tr {
            td { (label) }
            td.num { (cell.n) }
            @match shown {
                Some(e) => {
                    td.num { (format!("{:.1}%", 100.0 * e.estimate)) @if e.presentation.footnote_complement { "†" } }
                    td.num { @match e.ci { Some((lo, hi)) => (format!("{:.1}–{:.1}%", 100.0 * lo, 100.0 * hi)), None => "–" } }
                    td.num { (format!("{:.0}", e.total)) " ± " (format!("{:.0}", 1.96 * e.total_se)) }
                }
                None => {
                    @let mark = if matches!(cell.withheld, Some(Withheld::Complementary)) { "—*" } else { "—" };
                    td.num title=(withheld_reason(lang, cell.withheld.as_ref())) { (mark) }
                    td.num { "" }
                    td.num { "" }
                }
            }
        }
    }
}

fn withheld_reason(lang: Lang, withheld: Option<&Withheld>) -> String {
    match withheld {
        Some(Withheld::Rule(code)) => code.clone(),
        Some(Withheld::Complementary) => t(
            lang,
            "差し引きで分からないよう非表示",
            "withheld against subtraction",
        )
        .into(),
        Some(Withheld::NoRespondents) => t(lang, "回答なし", "no respondents").into(),
        None => String::new(),
    }
}

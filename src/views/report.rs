//! The report a council can read: one printable page (A4, and PDF through the browser's
//! print) with the method, the headline figures beside the nation, the charts and the main
//! subgroup table, all from the same cached analysis as the working pages, in the
//! publication view (参考値 withheld, small cells withheld).

use maud::{html, Markup};

use super::chart::breakdown_chart;
use super::layout::t;
use super::planner::overview_table;
use super::staff::Viewer;
use super::subgroups::{legend, planner_page, rate, weighting_sentence};
use crate::analysis::cells::View;
use crate::analysis::subgroups::SubgroupReport;
use crate::analysis::{Dataset, Origin};
use crate::clock::local_date;
use crate::export::xlsx::Cover;
use crate::questionnaire::Lang;
use crate::survey::Survey;

/// The significance level the report's statements use.
pub const REPORT_ALPHA: f64 = 0.05;

/// What the report is made from.
pub struct ReportPage<'a> {
    pub survey: &'a Survey,
    pub data: &'a Dataset,
    pub report: &'a SubgroupReport,
    /// Fieldwork days, sample, respondents, response rate (as on the workbooks' covers).
    pub cover: &'a Cover,
    /// The day the page was made, in the municipality's time zone.
    pub today: chrono::NaiveDate,
}

/// The council report; `why_not` instead when there are no estimates yet.
pub fn report(
    viewer: &Viewer<'_>,
    survey: &Survey,
    page: Result<&ReportPage<'_>, String>,
) -> Markup {
    let lang = viewer.lang;
    planner_page(
        viewer,
        survey,
        "report",
        match page {
            Err(why) => html! { div.notice.bad { (why) } },
            Ok(p) => body(lang, p),
        },
    )
}

fn body(lang: Lang, p: &ReportPage<'_>) -> Markup {
    let view = View::Publication;
    let strata = p
        .data
        .sample
        .iter()
        .map(|r| r.stratum.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let register_population: f64 = p.data.register.iter().map(|c| c.population).sum();
    let headline: Vec<_> = p
        .report
        .indicators
        .iter()
        .filter(|i| i.national.is_some())
        .collect();
    let headline = if headline.is_empty() {
        p.report.indicators.iter().collect()
    } else {
        headline
    };
    // The register's breakdowns (sex, age, district) are known for everyone sampled: the
    // main table and the charts use them.
    let main_tables: Vec<usize> = headline
        .first()
        .map(|first| {
            first
                .tables
                .iter()
                .enumerate()
                .filter(|(_, table)| table.origin == Origin::Register)
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    html! {
        div.print-note.no-print {
            p { (t(lang,
                "このページはそのまま印刷できます（A4縦）。PDFにするには、ブラウザの印刷でプリンターに「PDFに保存」を選んでください。数値は公表用の表示です（精度の低い値・少人数の区分は表示しません）。",
                "This page prints as it is (A4 portrait). For a PDF, print and choose “Save as PDF”. Numbers are in the publication view (imprecise values and small groups withheld).")) }
        }
        section.report-section #method {
            h2 { (t(lang, "1. 調査の方法", "1. How the survey was done")) }
            dl.facts {
                dt { (t(lang, "調査の対象", "Population")) }
                dd { (match lang {
                    Lang::Ja => format!("住民基本台帳に記録された16歳以上の住民 {:.0}人", register_population),
                    Lang::En => format!("{:.0} residents aged 16 and over on the resident register", register_population),
                }) }
                dt { (t(lang, "標本の抽出", "Sampling")) }
                dd { (match (lang, p.cover.sampled) {
                    (Lang::Ja, Some(n)) => format!("{strata}の層（年齢・性別・地区などの組み合わせ）に分けた層別無作為抽出で {n}人"),
                    (Lang::En, Some(n)) => format!("{n} people by stratified random sampling in {strata} strata (combinations of age, sex, district …)"),
                    (Lang::Ja, None) => format!("{strata}の層に分けた層別無作為抽出"),
                    (Lang::En, None) => format!("Stratified random sampling in {strata} strata"),
                }) }
                dt { (t(lang, "調査の期間", "Fieldwork")) }
                dd { @match p.cover.fieldwork {
                    Some((first, last)) => (format!("{} ～ {}", local_date(lang, first), local_date(lang, last))),
                    None => "–",
                } }
                dt { (t(lang, "回答の方法", "How people answered")) }
                dd { (t(lang, "郵送の調査票またはインターネット（お手紙のアクセスコード）", "The mailed paper form or online (with the access code on the letter)")) }
                dt { (t(lang, "有効回答数・有効回収率", "Valid responses, response rate")) }
                dd { (match (lang, p.cover.response_rate) {
                    (Lang::Ja, Some(rate)) => format!("{}人（有効回収率 {:.1}%）", p.data.respondents, 100.0 * rate),
                    (Lang::En, Some(rate)) => format!("{} ({:.1}% valid response rate)", p.data.respondents, 100.0 * rate),
                    (Lang::Ja, None) => format!("{}人", p.data.respondents),
                    (Lang::En, None) => format!("{}", p.data.respondents),
                }) }
                dt { (t(lang, "集計の方法", "Estimation")) }
                dd {
                    (t(lang,
                        "回答者の割合をそのまま示すのではなく、抽出の設計と住民基本台帳の人口構成に合わせて重み付けし、市全体（16歳以上）の割合と人数を推計しています。推計には誤差があるため、95%信頼区間（真の値がこの範囲にあると95%の確からしさでいえる範囲）を併記しています。",
                        "The figures are not simply shares of respondents: they are weighted by the sampling design and to the register's population, and estimate the share and number of all residents aged 16 and over. Estimates have sampling error, so each comes with its 95% confidence interval."))
                    (weighting_sentence(lang, p.data))
                }
            }
        }
        section.report-section #headline {
            h2 { (t(lang, "2. 主な結果", "2. Main results")) }
            (overview_table(lang, &p.survey.slug, p.report, view, REPORT_ALPHA))
            p.muted { (t(lang,
                "全国の値は国の公表値（回答者に占める割合、重み付けなし）です。市の値も同じ方法で計算して比べ、差の検定（有意水準5%）で「高い・低い・有意な差なし」を判断しています。",
                "National figures are as published (share of respondents, unweighted); the city's figure beside them is computed the same way, and “higher / lower / no significant difference” follows a test at the 5% level.")) }
        }
        section.report-section #charts {
            h2 { (t(lang, "3. 性別・年齢・地区による違い（グラフ）", "3. Differences by sex, age and district (charts)")) }
            // An indicator withheld for the whole population has nothing to draw.
            @for indicator in headline.iter().filter(|i| i.overall.shown(view).is_some()) {
                @for k in &main_tables {
                    @if let Some(table) = indicator.tables.get(*k) {
                        figure.report-chart { (breakdown_chart(lang, indicator, table, view, REPORT_ALPHA)) }
                    }
                }
            }
        }
        section.report-section #table {
            h2 { (t(lang, "4. 区分別の割合（%）", "4. Rates by group (%)")) }
            table.matrix {
                thead { tr {
                    th scope="col" { (t(lang, "区分", "Group")) }
                    th.num scope="col" { "n" }
                    @for i in &headline { th.num scope="col" { (i.indicator.name.get(lang)) } }
                } }
                tbody {
                    @if let Some(first) = headline.first() {
                        tr.overall {
                            th scope="row" { (t(lang, "全体", "Everyone")) }
                            td.num { (first.overall.n) }
                            @for i in &headline { td.num { (rate(lang, &i.overall, view, REPORT_ALPHA)) } }
                        }
                        @for k in &main_tables {
                            @let table = &first.tables[*k];
                            tr.breakdown { th scope="rowgroup" colspan=(2 + headline.len()) { (table.variable_name.get(lang)) } }
                            @for (l, cell) in table.cells.iter().enumerate() {
                                tr {
                                    th scope="row" { (cell.label.get(lang)) }
                                    td.num { (cell.n) }
                                    @for i in &headline { td.num { (rate(lang, &i.tables[*k].cells[l], view, REPORT_ALPHA)) } }
                                }
                            }
                        }
                    }
                }
            }
            (legend(lang, REPORT_ALPHA))
        }
        p.muted { (match lang {
            Lang::Ja => format!("{}作成。数値は作成時点の回答にもとづきます。", local_date(lang, p.today)),
            Lang::En => format!("Made on {}, from the answers as they were then.", local_date(lang, p.today)),
        }) }
    }
}

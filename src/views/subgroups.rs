//! The planner's subgroup pages: every indicator by every breakdown (a matrix of rates, or one
//! indicator in detail with intervals, tests and charts), and the table builder.

use actix_web::http::StatusCode;
use maud::{html, Markup};

use super::chart::breakdown_chart;
use super::layout::{page as frame, t};
use super::staff::Viewer;
use crate::analysis::cache::Analysis;
use crate::analysis::cells::{reliability_reason, Cell, Direction, Privacy, View};
use crate::analysis::custom::{CustomTable, OutcomeChoice, TableError, TableRequest};
use crate::analysis::subgroups::{BreakdownTable, IndicatorReport, NoTest, SubgroupReport};
use crate::analysis::{Dataset, Origin};
use crate::questionnaire::{Lang, Response};
use crate::survey::Survey;

/// What the planner chose to see.
pub struct Choice<'a> {
    pub view: View,
    pub alpha: f64,
    pub indicator: Option<&'a str>,
}

/// A page with its status.
pub struct Rendered {
    pub status: StatusCode,
    pub markup: Markup,
}

/// The planner's pages of one survey: path below `/planner/{slug}` and name.
fn sections(lang: Lang) -> [(&'static str, &'static str); 7] {
    [
        ("estimates", t(lang, "推計の概要", "Overview")),
        ("subgroups", t(lang, "層別の集計", "Subgroups")),
        ("table", t(lang, "表をつくる", "Build a table")),
        ("fieldwork", t(lang, "回収状況", "Fieldwork")),
        ("weighting", t(lang, "重み付け", "Weighting")),
        ("", t(lang, "単純集計", "Simple tabulation")),
        ("report", t(lang, "報告書（印刷用）", "Report (to print)")),
    ]
}

fn section_path(slug: &str, section: &str) -> String {
    if section.is_empty() {
        format!("/planner/{slug}")
    } else {
        format!("/planner/{slug}/{section}")
    }
}

/// A planner page of one survey: the heading (survey and section), the links between the
/// sections, then `body`.
pub fn planner_page(viewer: &Viewer<'_>, survey: &Survey, section: &str, body: Markup) -> Markup {
    let lang = viewer.lang;
    let links = sections(lang);
    let heading = links
        .iter()
        .find(|(path, _)| *path == section)
        .map_or("", |(_, name)| name);
    frame(
        lang,
        survey.title.get(lang),
        viewer.audience(),
        &section_path(&survey.slug, section),
        html! {
            h1 { (survey.title.get(lang)) " — " (heading) }
            @if let Some(at) = survey.published_at {
                p.notice.ok.published { (match lang {
                    Lang::Ja => format!("公表済み（{}）：数値は公表した時点のもので確定しています。", crate::clock::local_time(lang, at, viewer.zone)),
                    Lang::En => format!("Published ({}): the numbers are final as published.", crate::clock::local_time(lang, at, viewer.zone)),
                }) }
            }
            nav.planner aria-label=(t(lang, "集計のページ", "Results pages")) {
                @for (path, name) in links {
                    @if path == section {
                        strong aria-current="page" { (name) }
                    } @else {
                        a href=(section_path(&survey.slug, path)) { (name) }
                    }
                }
            }
            (body)
        },
    )
}

/// The subgroup page: the matrix of every indicator by every breakdown, or one indicator in
/// detail.
pub fn page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    analysis: &Analysis,
    choice: &Choice<'_>,
) -> Rendered {
    let lang = viewer.lang;
    let here = format!("/planner/{}/subgroups", survey.slug);
    let (status, body) = match (&analysis.dataset, analysis.report()) {
        (Err(e), _) => (
            StatusCode::OK,
            html! { div.notice.bad { (e.message(lang)) } },
        ),
        (Ok(_), Err(why)) => (
            StatusCode::OK,
            html! { div.notice.bad { (t(lang, "推計できませんでした: ", "No estimates: ")) (why) } },
        ),
        (Ok(data), Ok(report)) => match choice.indicator {
            None => (
                StatusCode::OK,
                matrix(lang, &survey.slug, data, report, choice),
            ),
            Some(id) => match report.indicator(id) {
                Some(indicator) => (
                    StatusCode::OK,
                    detail(lang, &survey.slug, indicator, choice),
                ),
                None => (
                    StatusCode::NOT_FOUND,
                    html! { div.notice.bad { (match lang {
                        Lang::Ja => format!("「{id}」という指標はありません。下の一覧から選んでください。"),
                        Lang::En => format!("There is no indicator `{id}`: choose one from the list below."),
                    }) } },
                ),
            },
        },
    };
    let markup = planner_page(
        viewer,
        survey,
        "subgroups",
        html! {
            @if let Ok(report) = analysis.report() {
                (controls(lang, &here, report, choice))
            }
            (body)
        },
    );
    Rendered { status, markup }
}

fn controls(lang: Lang, here: &str, report: &SubgroupReport, choice: &Choice<'_>) -> Markup {
    let query = |extra: &str| {
        let mut q = format!("view={}&alpha={}", choice.view.as_str(), choice.alpha);
        if let Some(id) = choice.indicator {
            q.push_str("&indicator=");
            q.push_str(id);
        }
        format!("{q}{extra}")
    };
    html! {
        form.controls method="get" action=(here) {
            label {
                (t(lang, "指標", "Indicator")) " "
                select name="indicator" {
                    option value="" selected[choice.indicator.is_none()] { (t(lang, "すべての指標（一覧）", "All indicators (overview)")) }
                    @for i in &report.indicators {
                        option value=(i.indicator.id) selected[choice.indicator == Some(i.indicator.id.as_str())] { (i.indicator.name.get(lang)) }
                    }
                }
            }
            " "
            label {
                (t(lang, "表示", "View")) " "
                select name="view" {
                    option value="working" selected[choice.view == View::Working] { (t(lang, "作業用（参考値も表示）", "Working (reference values shown)")) }
                    option value="publication" selected[choice.view == View::Publication] { (t(lang, "公表用（参考値は非表示）", "Publication (reference values withheld)")) }
                }
            }
            " "
            label {
                (t(lang, "有意水準", "Significance level")) " "
                select name="alpha" {
                    @for (value, label) in [(0.05, "5%"), (0.01, "1%"), (0.10, "10%")] {
                        option value=(value) selected[(choice.alpha - value).abs() < 1e-12] { (label) }
                    }
                }
            }
            " "
            button.secondary type="submit" { (t(lang, "表示する", "Show")) }
        }
        p.downloads {
            a href={ (here) ".xlsx?" (query("")) } { (t(lang, "Excel（指標ごとのシート・表紙つき）", "Excel (a sheet per indicator, with a cover sheet)")) }
            " · "
            a href={ (here) ".csv?" (query("")) } { (t(lang, "CSV（推計値・標準誤差・信頼区間・推計人数）", "CSV (estimates, SEs, intervals, totals)")) }
            " · "
            a href={ (here.trim_end_matches("/subgroups")) "/estimates.csv?" (query("")) } { (t(lang, "CSV（表示区分つき）", "CSV (with cell status)")) }
            " · "
            a href={ (here) ".json?" (query("")) } { "JSON" }
            " · "
            a href={ (here.trim_end_matches("/subgroups")) "/analysis.zip" } { (t(lang, "分析用データ（ZIP：回答者ごとのCSV・コードブック・台帳の人口・Rで再現するスクリプト）", "Analysis file (zip: respondent-level CSV, codebook, register margins, an R script that reproduces this table)")) }
        }
    }
}

/// Legend of the marks, shown under every table.
pub(super) fn legend(lang: Lang, alpha: f64) -> Markup {
    let level = format!("{:.0}%", 100.0 * alpha);
    html! {
        div.notice.legend {
            p { strong { (Privacy::FewRespondents.mark()) } " " (Privacy::FewRespondents.explain(lang)) }
            p { strong { (Privacy::Complementary.mark()) } " " (Privacy::Complementary.explain(lang)) }
            p { strong { (t(lang, "参考値", "ref.")) } " " (t(lang,
                "推計の精度が公表基準（米国NCHSの割合の表示基準：有効標本数30以上、信頼区間の幅など）に届かない値。理由を併記しています。公表用の表示では非表示になります。",
                "The estimate does not meet the presentation standards (US NCHS standards for proportions: effective sample size of 30, interval width …); the reason is given. Withheld in the publication view.")) }
            p { strong { "▲ ▼" } " " (match lang {
                Lang::Ja => format!("その区分以外の人と比べて、統計的に有意に高い（▲）・低い（▼）（標本設計を考慮した検定、有意水準{level}）。印のない区分は、差があるとはいえません。"),
                Lang::En => format!("Significantly higher (▲) or lower (▼) than everyone outside the group (design-based test at the {level} level). Unmarked groups show no significant difference."),
            }) }
            p.muted { (t(lang,
                "割合は住民基本台帳の人口に合わせて重み付けした推計値、推計人数は16歳以上の住民に占める推計の人数です。多くの区分を同時に検定しているため、有意な差のいくつかは偶然によることがあります。",
                "Rates are estimates weighted to the register's population; population counts are estimated residents aged 16 and over. Many groups are tested at once, so some significant differences may arise by chance.")) }
        }
    }
}

/// A rate as shown in a cell: the number with its marks, or the withheld mark.
pub(super) fn rate(lang: Lang, cell: &Cell, view: View, alpha: f64) -> Markup {
    match cell.shown(view) {
        Some(e) => {
            let reference = e.presentation.suppress;
            html! {
                (format!("{:.1}", 100.0 * e.estimate))
                @match cell.direction(alpha) {
                    Some(Direction::Higher) => span.higher title=(t(lang, "有意に高い", "significantly higher")) { " ▲" },
                    Some(Direction::Lower) => span.lower title=(t(lang, "有意に低い", "significantly lower")) { " ▼" },
                    None => "",
                }
                @if let Some(reason) = reference {
                    br;
                    small.reference { (t(lang, "参考値", "ref.")) "（" (reliability_reason(reason, lang)) "）" }
                }
            }
        }
        None => {
            let (mark, why) = match cell.privacy {
                Some(p) => (p.mark(), p.explain(lang)),
                None => (
                    "＊",
                    t(
                        lang,
                        "公表用の表示では参考値は非表示",
                        "Reference values are withheld in the publication view",
                    ),
                ),
            };
            html! { span.withheld title=(why) { (mark) } }
        }
    }
}

fn matrix(
    lang: Lang,
    slug: &str,
    data: &Dataset,
    report: &SubgroupReport,
    choice: &Choice<'_>,
) -> Markup {
    let Some(first) = report.indicators.first() else {
        return html! { p { (t(lang, "この調査票には指標が定義されていません。", "The questionnaire defines no indicators.")) } };
    };
    html! {
        p { (match lang {
            Lang::Ja => format!("有効回答 {}人。指標ごとの割合（%）を区分別に示します。指標名を選ぶと、信頼区間・推計人数・検定・グラフを表示します。", report.respondents),
            Lang::En => format!("{} valid responses. Rates (%) of every indicator by every breakdown; choose an indicator for intervals, counts, tests and charts.", report.respondents),
        }) }
        (weighting_sentence(lang, data))
        div.table-scroll {
            table.matrix {
                thead {
                    tr {
                        th scope="col" { (t(lang, "区分", "Group")) }
                        th.num scope="col" { "n" }
                        @for i in &report.indicators {
                            th.num scope="col" {
                                a href={ "/planner/" (slug) "/subgroups?indicator=" (i.indicator.id) "&view=" (choice.view.as_str()) "&alpha=" (choice.alpha) } { (i.indicator.name.get(lang)) }
                            }
                        }
                    }
                }
                tbody {
                    tr.overall {
                        th scope="row" { (t(lang, "全体", "Everyone")) }
                        td.num { (first.overall.n) }
                        @for i in &report.indicators { td.num { (rate(lang, &i.overall, choice.view, choice.alpha)) } }
                    }
                    @for (k, table) in first.tables.iter().enumerate() {
                        tr.breakdown {
                            th scope="rowgroup" { (table.variable_name.get(lang)) }
                            td.num { "" }
                            @for i in &report.indicators {
                                td.num.test { (test_short(lang, &i.tables[k])) }
                            }
                        }
                        @for (l, cell) in table.cells.iter().enumerate() {
                            tr {
                                th scope="row" { (cell.label.get(lang)) }
                                td.num { (cell.n) }
                                @for i in &report.indicators {
                                    td.num { (rate(lang, &i.tables[k].cells[l], choice.view, choice.alpha)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        p.muted { (t(lang,
            "区分の見出しの行は、区分と指標の関連の検定（Rao–Scott 補正カイ二乗検定）の p 値です。",
            "The breakdown rows give the p-value of the test of association between the breakdown and the indicator (Rao–Scott adjusted chi-square).")) }
        (legend(lang, choice.alpha))
    }
}

fn test_short(lang: Lang, table: &BreakdownTable) -> Markup {
    match &table.test {
        Ok(test) => html! { small { "p=" (p_value(test.p_value)) } },
        Err(NoTest::OneLevel) => html! { small { (t(lang, "検定なし", "no test")) } },
        Err(NoTest::NoVariance) => html! { small { (t(lang, "検定なし", "no test")) } },
    }
}

/// A p-value as reported: three decimals, `<0.001` below.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// How the weights were made (the sentence the workbooks' cover sheets carry too).
pub fn weighting_sentence(lang: Lang, data: &Dataset) -> Markup {
    html! { p.muted { (data.weighting.describe(lang)) } }
}

fn detail(lang: Lang, slug: &str, indicator: &IndicatorReport, choice: &Choice<'_>) -> Markup {
    let higher = indicator.notable(Direction::Higher, choice.alpha, choice.view);
    let lower = indicator.notable(Direction::Lower, choice.alpha, choice.view);
    let level = format!("{:.0}%", 100.0 * choice.alpha);
    let list = |items: &[crate::analysis::subgroups::Notable<'_>]| -> String {
        items
            .iter()
            .map(|n| {
                format!(
                    "{}「{}」",
                    n.table.variable_name.get(lang),
                    n.cell.label.get(lang)
                )
            })
            .collect::<Vec<_>>()
            .join(t(lang, "、", ", "))
    };
    html! {
        h2 { (indicator.indicator.name.get(lang)) }
        p { (t(lang, "全体", "Everyone")) ": " strong { (rate(lang, &indicator.overall, choice.view, choice.alpha)) } @if indicator.overall.shown(choice.view).is_some() { "%" }
            @if let Some(e) = indicator.overall.shown(choice.view) {
                @if let Some((lo, hi)) = e.ci { " (" (t(lang, "95%信頼区間", "95% CI")) " " (format!("{:.1}–{:.1}%", 100.0 * lo, 100.0 * hi)) ")" }
            }
        }
        div.notice.findings {
            p { strong { (match lang {
                Lang::Ja => format!("その区分以外の人より割合が高い区分（有意水準{level}）: "),
                Lang::En => format!("Groups with a higher rate than everyone else ({level} level): "),
            }) }
                @if higher.is_empty() { (t(lang, "なし", "none")) } @else { (list(&higher)) } }
            p { strong { (match lang {
                Lang::Ja => format!("その区分以外の人より割合が低い区分（有意水準{level}）: "),
                Lang::En => format!("Groups with a lower rate than everyone else ({level} level): "),
            }) }
                @if lower.is_empty() { (t(lang, "なし", "none")) } @else { (list(&lower)) } }
            p.muted { (t(lang,
                "点推定の大小ではなく、標本設計を考慮した検定で差があるといえる区分だけを挙げています。",
                "Only groups whose difference is borne out by a design-based test are listed, not those whose point estimate merely looks higher or lower.")) }
        }
        @for table in &indicator.tables {
            section.breakdown id={ "by-" (table.variable_id) } {
                h3 { (table.variable_name.get(lang))
                    @if table.origin == Origin::Register { " " small.muted { (t(lang, "（台帳の情報）", "(from the register)")) } } }
                p { (test_sentence(lang, table, choice.alpha)) }
                div.side-by-side {
                    (breakdown_table(lang, table, choice))
                    figure {
                        (breakdown_chart(lang, indicator, table, choice.view, choice.alpha))
                        figcaption { a href={ "/planner/" (slug) "/chart/" (indicator.indicator.id) "/" (table.variable_id) ".svg?view=" (choice.view.as_str()) "&alpha=" (choice.alpha) } { (t(lang, "グラフをSVGで保存（文書に貼り付け用）", "Save the chart as SVG (for documents)")) } }
                    }
                }
                @if table.unclassified > 0 {
                    p.muted { (match lang {
                        Lang::Ja => format!("この区分の設問に回答のない{}人は、区分別の表に含まれていません（全体には含まれます）。", table.unclassified),
                        Lang::En => format!("{} respondents who did not answer this breakdown's question are not in the groups (they are in everyone)." , table.unclassified),
                    }) }
                }
            }
        }
        (legend(lang, choice.alpha))
    }
}

fn test_sentence(lang: Lang, table: &BreakdownTable, alpha: f64) -> String {
    match &table.test {
        Ok(test) => {
            let significant = test.p_value < alpha;
            match lang {
                Lang::Ja => format!(
                    "区分による違いの検定（Rao–Scott 補正カイ二乗検定）: F = {:.2}、自由度 {:.1} と {:.1}、p = {}。{}",
                    test.f, test.ndf, test.ddf, p_value(test.p_value),
                    if significant { "区分によって割合に差があるといえます。" } else { "区分によって割合に差があるとはいえません。" }
                ),
                Lang::En => format!(
                    "Test of differences between the groups (Rao–Scott adjusted chi-square): F = {:.2}, df {:.1} and {:.1}, p = {}. {}",
                    test.f, test.ndf, test.ddf, p_value(test.p_value),
                    if significant { "The rate differs between the groups." } else { "No significant difference between the groups." }
                ),
            }
        }
        Err(why) => why.explain(lang).to_string(),
    }
}

fn breakdown_table(lang: Lang, table: &BreakdownTable, choice: &Choice<'_>) -> Markup {
    html! {
        table.cells {
            thead { tr {
                th scope="col" { (t(lang, "区分", "Group")) }
                th.num scope="col" { "n" }
                th.num scope="col" { (t(lang, "割合（%）", "Rate (%)")) }
                th.num scope="col" { (t(lang, "95%信頼区間", "95% CI")) }
                th.num scope="col" { (t(lang, "推計人数", "Estimated residents")) }
                th.num scope="col" { (t(lang, "それ以外の人との差", "Difference from the rest")) }
            } }
            tbody {
                @for cell in &table.cells {
                    tr data-level=(cell.label.get(lang)) {
                        th scope="row" { (cell.label.get(lang)) }
                        td.num { (cell.n) }
                        td.num { (rate(lang, cell, choice.view, choice.alpha)) }
                        @match cell.shown(choice.view) {
                            Some(e) => {
                                td.num { @match e.ci { Some((lo, hi)) => (format!("{:.1}–{:.1}", 100.0 * lo, 100.0 * hi)), None => "–" } }
                                td.num { (format!("{:.0}", e.total)) }
                                td.num { @match &cell.versus_rest {
                                    Some(d) => { (format!("{:+.1}", 100.0 * d.difference)) " " small { "(p=" (p_value(d.p_value)) ")" } },
                                    None => "–",
                                } }
                            }
                            None => { td.num {} td.num {} td.num {} }
                        }
                    }
                }
            }
        }
    }
}

/// The table builder: the form, and the table when one was asked for.
pub fn custom_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    analysis: &Analysis,
    request: Option<&TableRequest>,
    built: Option<&Result<CustomTable, TableError>>,
    view: View,
) -> Markup {
    let lang = viewer.lang;
    let here = format!("/planner/{}/table", survey.slug);
    planner_page(
        viewer,
        survey,
        "table",
        html! {
            @match &analysis.dataset {
                Err(e) => div.notice.bad { (e.message(lang)) },
                Ok(data) => {
                    (builder_form(lang, &here, data, request, view))
                    @match built {
                        None => p.muted { (t(lang, "集計する項目と区分を選んで「集計する」を押してください。", "Choose what to estimate and the breakdown, then press Build.")) },
                        Some(Err(e)) => div.notice.bad role="alert" { (e.message(lang)) },
                        Some(Ok(table)) => {
                            (custom_table(lang, table, view))
                            @if let Some(request) = request {
                                @let query = format!("outcome={}&by={}&by2={}&view={}", request.outcome.as_param(), request.by, request.by2.as_deref().unwrap_or(""), view.as_str());
                                p.downloads {
                                    a href={ (here) ".xlsx?" (query) } { (t(lang, "この表をExcelでダウンロード", "Download this table as Excel")) }
                                    " · "
                                    a href={ (here) ".csv?" (query) } { (t(lang, "この表をCSVでダウンロード", "Download this table as CSV")) }
                                }
                            }
                            (legend(lang, 0.05))
                        }
                    }
                }
            }
        },
    )
}

fn builder_form(
    lang: Lang,
    here: &str,
    data: &Dataset,
    request: Option<&TableRequest>,
    view: View,
) -> Markup {
    let chosen_outcome = request.map(|r| r.outcome.as_param());
    let single: Vec<_> = data
        .questionnaire
        .questions()
        .iter()
        .filter(|q| matches!(q.response, Response::Single { .. }))
        .collect();
    html! {
        form.controls method="get" action=(here) {
            p { label {
                (t(lang, "集計する項目", "What to estimate")) br;
                select name="outcome" {
                    optgroup label=(t(lang, "指標", "Indicators")) {
                        @for i in &data.indicators {
                            @let value = OutcomeChoice::Indicator(i.indicator.id.clone()).as_param();
                            option value=(value) selected[chosen_outcome.as_deref() == Some(value.as_str())] { (i.indicator.name.get(lang)) }
                        }
                    }
                    optgroup label=(t(lang, "設問（選択肢ごとの割合）", "Questions (share of each option)")) {
                        @for q in &single {
                            @let value = OutcomeChoice::Question(q.id.clone()).as_param();
                            option value=(value) selected[chosen_outcome.as_deref() == Some(value.as_str())] { (q.number) " " (q.text.get(lang)) }
                        }
                    }
                }
            } }
            p { label {
                (t(lang, "区分", "Breakdown")) br;
                (variable_select(lang, "by", data, request.map(|r| r.by.as_str()), false))
            } }
            p { label {
                (t(lang, "2つ目の区分（任意）", "Second breakdown (optional)")) br;
                (variable_select(lang, "by2", data, request.and_then(|r| r.by2.as_deref()), true))
            } }
            p { label {
                (t(lang, "表示", "View")) " "
                select name="view" {
                    option value="working" selected[view == View::Working] { (t(lang, "作業用（参考値も表示）", "Working (reference values shown)")) }
                    option value="publication" selected[view == View::Publication] { (t(lang, "公表用（参考値は非表示）", "Publication (reference values withheld)")) }
                }
            } }
            button type="submit" { (t(lang, "集計する", "Build")) }
        }
    }
}

fn variable_select(
    lang: Lang,
    name: &str,
    data: &Dataset,
    chosen: Option<&str>,
    optional: bool,
) -> Markup {
    html! {
        select name=(name) {
            @if optional { option value="" selected[chosen.is_none()] { (t(lang, "なし", "None")) } }
            @for v in &data.variables {
                option value=(v.id) selected[chosen == Some(v.id.as_str())] { (v.name.get(lang)) }
            }
        }
    }
}

fn custom_table(lang: Lang, table: &CustomTable, view: View) -> Markup {
    let two_way = table.by2_name.is_some();
    html! {
        h2 { (table.outcome_name.get(lang)) }
        div.table-scroll {
            table.custom {
                thead { tr {
                    th scope="col" { (table.by_name.get(lang)) }
                    @if let Some(by2) = &table.by2_name { th scope="col" { (by2.get(lang)) } }
                    th.num scope="col" { "n" }
                    @for column in &table.columns { th.num scope="col" { (column.get(lang)) " (%)" } }
                } }
                tbody {
                    tr.overall {
                        th scope="row" { (t(lang, "全体", "Everyone")) }
                        @if two_way { td {} }
                        td.num { (table.overall.first().map_or(0, |c| c.n)) }
                        @for cell in &table.overall { td.num { (rate_with_ci(lang, cell, view)) } }
                    }
                    @for row in &table.rows {
                        tr {
                            th scope="row" { (row.label.get(lang)) }
                            @if let Some(l2) = &row.label2 { td { (l2.get(lang)) } }
                            td.num { (row.cells.first().map_or(0, |c| c.n)) }
                            @for cell in &row.cells { td.num { (rate_with_ci(lang, cell, view)) } }
                        }
                    }
                }
            }
        }
    }
}

fn rate_with_ci(lang: Lang, cell: &Cell, view: View) -> Markup {
    html! {
        (rate(lang, cell, view, 0.0))
        @if let Some(e) = cell.shown(view) {
            @if let Some((lo, hi)) = e.ci { br; small.muted { (format!("{:.1}–{:.1}", 100.0 * lo, 100.0 * hi)) } }
        }
    }
}

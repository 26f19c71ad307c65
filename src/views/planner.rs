//! Pages for planners: the surveys, the simple tabulation in the national convention, the
//! overview of weighted estimates beside the national figures, and fieldwork progress.

use maud::{html, Markup};

use super::layout::{page, t};
use super::staff::Viewer;
use super::subgroups::{p_value, planner_page, weighting_sentence};
use crate::analysis::cache::Analysis;
use crate::analysis::cells::{Direction, View};
use crate::analysis::subgroups::IndicatorReport;
use crate::db::fieldwork::Progress;
use crate::questionnaire::{Lang, Provenance};
use crate::survey::Survey;
use crate::tabulation::{Table, TextAnswers, MIN_RESPONDENTS};

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

/// What the simple tabulation page shows besides the tables.
pub struct TabulationPage<'a> {
    pub survey: &'a Survey,
    pub respondents: usize,
    /// `None` when there are too few responses.
    pub tables: Option<&'a [Table]>,
    /// An open questionnaire (no sample): the tables are its results; no weighted estimates.
    pub open: bool,
    /// Whether the questionnaire has free-text questions (a link to read them).
    pub free_text: bool,
}

/// The simple tabulation of one survey: for an open questionnaire, its results page.
pub fn tabulation(viewer: &Viewer<'_>, p: &TabulationPage<'_>) -> Markup {
    let (survey, respondents, tables) = (p.survey, p.respondents, p.tables);
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
            @if p.open {
                div.notice {
                    (t(lang,
                        "公開型のアンケート（標本なし）の結果です。重み付けなし：回答した人に占める人数と割合で、無回答を分母に含めています。回答しなかった人を含む全体の割合ではありません。",
                        "Results of an open questionnaire (no sample). Unweighted: counts and shares of those who answered, with \"no answer\" in the denominator. They do not describe people who did not answer."))
                }
            } @else {
                p { a href={ (here) "/estimates" } { (t(lang, "重み付き推計（母集団の割合・人数、信頼区間、地区・年齢・性別）", "Weighted estimates (population shares and counts, intervals, by district, age and sex)")) } }
                div.notice {
                    (t(lang,
                        "単純集計（重み付けなし）：国の調査の公表表と同じく、回答者に占める割合で、無回答を分母に含めています。母集団の推計値ではありません。",
                        "Simple tabulation (unweighted): shares of respondents with \"no answer\" in the denominator, as in the national survey's published tables. These are not population estimates."))
                }
            }
            @if p.free_text {
                p { a href={ (here) "/comments" } { (t(lang, "自由記述の回答を読む", "Read the free-text answers")) } }
            }
            @match tables {
                None => p.notice.bad { (match lang {
                    Lang::Ja => format!("有効回答が{MIN_RESPONDENTS}件未満のため、個人の回答が推測されないよう集計表は表示しません。"),
                    Lang::En => format!("Fewer than {MIN_RESPONDENTS} valid responses: no table is shown, so that no individual's answers can be inferred."),
                }) },
                Some(tables) => {
                    p.downloads {
                        a.button.secondary href={ (here) "/tabulation.xlsx" } { (t(lang, "Excelでダウンロード（設問ごとのシート・表紙つき）", "Download Excel (a sheet per question, with a cover sheet)")) }
                        " "
                        a.button.secondary href={ (here) "/tabulation.csv" } { (t(lang, "CSVでダウンロード（Excel用）", "Download CSV (for Excel)")) }
                    }
                    @for table in tables {
                        h2 { @if !table.number.is_empty() { (table.number) " " } (table.title) }
                        p { (provenance_tag(lang, table.provenance)) }
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

/// The free-text answers of a survey, for reading, with the warning that they may name
/// people; `questions` is `None` when there are too few responses.
pub fn free_text(
    viewer: &Viewer<'_>,
    survey: &Survey,
    respondents: usize,
    questions: Option<&[TextAnswers]>,
) -> Markup {
    let lang = viewer.lang;
    let here = format!("/planner/{}/comments", survey.slug);
    page(
        lang,
        t(lang, "自由記述の回答", "Free-text answers"),
        viewer.audience(),
        &here,
        html! {
            p.muted { a href={ "/planner/" (survey.slug) } { (survey.title.get(lang)) } }
            h1 { (t(lang, "自由記述の回答", "Free-text answers")) }
            div.notice.bad role="note" {
                p { strong { (t(lang, "取り扱いにご注意ください。", "Handle with care.")) } " "
                    (t(lang,
                        "回答者が書いたそのままの文章です。本人や家族、知人が分かる内容（名前、住所、病名、勤務先など）が含まれることがあります。報告書や会議資料に載せる前に必ず読み、個人が分かる部分を削除または要約してください。",
                        "These are the answers as written. They may name or describe the respondent or others (names, addresses, illnesses, workplaces). Read them and remove or summarise anything that identifies someone before putting them in a report or meeting paper.")) }
                p.muted { (t(lang,
                    "並び順は文字順です（回答した順番ではありません）。",
                    "Sorted alphabetically, not in the order they were sent.")) }
            }
            @match questions {
                None => p.notice.bad { (match lang {
                    Lang::Ja => format!("有効回答が{MIN_RESPONDENTS}件未満のため、誰の回答か推測されないよう表示しません。"),
                    Lang::En => format!("Fewer than {MIN_RESPONDENTS} valid responses: nothing is shown, so that no answer can be traced to a person."),
                }) },
                Some(questions) => {
                    p { (t(lang, "有効回答数", "Valid responses")) ": " strong { (respondents) } }
                    p.downloads {
                        a.button.secondary href={ (here) ".xlsx" } { (t(lang, "Excelでダウンロード", "Download Excel")) }
                        " "
                        a.button.secondary href={ (here) ".csv" } { (t(lang, "CSVでダウンロード（Excel用）", "Download CSV (for Excel)")) }
                    }
                    @for question in questions {
                        h2 { @if !question.number.is_empty() { (question.number) " " } (question.title) }
                        @if question.answers.is_empty() {
                            p { (t(lang, "記入はありませんでした。", "Nobody wrote anything.")) }
                        } @else {
                            p.muted { (match lang {
                                Lang::Ja => format!("{}件の記入", question.answers.len()),
                                Lang::En => format!("{} answers", question.answers.len()),
                            }) }
                            ul.comments { @for answer in &question.answers { li { (answer) } } }
                        }
                    }
                }
            }
        },
    )
}

/// The previous wave of a survey and the surveys that could be named as it.
pub struct Waves<'a> {
    pub previous: Option<(&'a Survey, &'a Analysis)>,
    /// Other surveys of the same questionnaire (for the admin's choice).
    pub candidates: &'a [Survey],
}

/// The overview: every indicator's weighted rate for the whole population, the city in the
/// national convention beside the national figure with a test of the difference, and how the
/// weights were made; or why there are no estimates.
pub fn estimates(
    viewer: &Viewer<'_>,
    survey: &Survey,
    analysis: &Analysis,
    waves: &Waves<'_>,
    view: View,
    alpha: f64,
) -> Markup {
    let lang = viewer.lang;
    planner_page(
        viewer,
        survey,
        "estimates",
        html! {
            @match (&analysis.dataset, analysis.report()) {
                (Err(e), _) => div.notice.bad { (e.message(lang)) },
                (Ok(_), Err(why)) => div.notice.bad { (t(lang, "推計値を表示できません: ", "No estimates: ")) (why) },
                (Ok(data), Ok(report)) => {
                    div.notice {
                        p { (match lang {
                            Lang::Ja => format!("標本から回答した{}人の回答を、層別無作為抽出の設計（層・抽出率）に基づく重みで推計しています。", data.respondents),
                            Lang::En => format!("Estimates from {} respondents of the stratified random sample, weighted by the design (strata, sampling fractions).", data.respondents),
                        }) }
                        (weighting_sentence(lang, data))
                        p.muted { (match lang {
                            Lang::Ja => format!("重み: 最小 {:.1} / 中央値 {:.1} / 最大 {:.1}、重み付けによるデザイン効果 {:.2}", data.weights.min, data.weights.median, data.weights.max, data.weights.kish_deff),
                            Lang::En => format!("Weights: min {:.1} / median {:.1} / max {:.1}, design effect from weighting {:.2}", data.weights.min, data.weights.median, data.weights.max, data.weights.kish_deff),
                        }) }
                    }
                    (overview_table(lang, &survey.slug, report, view, alpha))
                    p.downloads {
                        a href={ "/planner/" (survey.slug) "/estimates.xlsx?view=" (view.as_str()) "&alpha=" (alpha) } { (t(lang, "この表をExcelでダウンロード（表紙つき）", "Download this table as Excel (with a cover sheet)")) }
                        " · "
                        a href={ "/planner/" (survey.slug) "/estimates.csv?view=" (view.as_str()) "&alpha=" (alpha) } { (t(lang, "CSV（表示区分つき）", "CSV (with cell status)")) }
                        " · "
                        a href={ "/planner/" (survey.slug) "/analysis.zip" } { (t(lang, "分析用データ（ZIP・Rで再現するスクリプトつき）", "Analysis file (zip, with an R script that reproduces the estimates)")) }
                    }
                    (waves_section(viewer, survey, report, waves, view, alpha))
                    p { a.button.secondary href={ "/planner/" (survey.slug) "/subgroups" } { (t(lang, "層別の集計を見る（年齢・性別・地区・世帯・健康など）", "See the subgroups (age, sex, district, household, health …)")) } }
                    p.muted { (t(lang,
                        "全国の値は国の公表値（回答者に占める割合、重み付けなし）です。比べる市の値も同じ方法で計算し、2つの割合の差の検定（有意水準5%）で「高い・低い・有意な差なし」を判断しています。",
                        "National figures are as published (share of respondents, unweighted). The city's figure beside them is computed the same way, and “higher / lower / no significant difference” follows a two-proportion test at the 5% level.")) }
                    p.muted { (t(lang,
                        "設問の出典：「全国調査と同じ設問」は文言と選択肢を国の公式資料で確認したもの、「全国調査の設問（二次資料で確認）」は報道や他の自治体の調査などでしか確認できていないもの（文言や選択肢が国と少し違う可能性があるため、差は参考としてご覧ください）、「独自の設問」は国と文言が異なるもので、全国の値とは比べられません。",
                        "Where the wording comes from: a “national item” was checked against an official copy of the national survey; one “seen only in secondary copies” (news, other municipalities' surveys) may differ slightly in wording or options, so read its difference from the nation with care; a “local item” is worded differently from the nation and is never compared with a national figure.")) }
                }
            }
        },
    )
}

fn waves_section(
    viewer: &Viewer<'_>,
    survey: &Survey,
    report: &crate::analysis::subgroups::SubgroupReport,
    waves: &Waves<'_>,
    view: View,
    alpha: f64,
) -> Markup {
    let lang = viewer.lang;
    let pct = |e: Option<&crate::estimate::ProportionEstimate>| match e {
        Some(e) => match e.ci {
            Some((lo, hi)) => format!(
                "{:.1}%（{:.1}–{:.1}）",
                100.0 * e.estimate,
                100.0 * lo,
                100.0 * hi
            ),
            None => format!("{:.1}%", 100.0 * e.estimate),
        },
        None => "＊".to_string(),
    };
    html! {
        section #waves {
            h2 { (t(lang, "前回調査との比較", "Compared with the previous wave")) }
            @match waves.previous {
                None => p.muted { (t(lang, "前回の調査は設定されていません。", "No previous wave is named.")) },
                Some((previous, analysis)) => {
                    @match analysis.report() {
                        Err(why) => p.notice.bad { (previous.title.get(lang)) ": " (why) },
                        Ok(before) => {
                            p { (t(lang, "前回: ", "Previous wave: ")) a href={ "/planner/" (previous.slug) "/estimates" } { (previous.title.get(lang)) } }
                            table.waves {
                                thead { tr {
                                    th scope="col" { (t(lang, "指標", "Indicator")) }
                                    th.num scope="col" { (t(lang, "今回（95%信頼区間）", "This wave (95% CI)")) }
                                    th.num scope="col" { (t(lang, "前回（95%信頼区間）", "Previous (95% CI)")) }
                                    th.num scope="col" { (t(lang, "変化（ポイント）", "Change (points)")) }
                                    th scope="col" { (t(lang, "変化の検定", "Test of the change")) }
                                } }
                                tbody { @for change in crate::analysis::waves::compare(report, before, view) {
                                    tr {
                                        th scope="row" { (change.indicator.name.get(lang)) }
                                        td.num { (pct(change.current)) }
                                        td.num { (pct(change.previous)) }
                                        @match &change.test {
                                            Some(test) => {
                                                td.num { (format!("{:+.1}", 100.0 * test.difference)) }
                                                td { @match change.direction(alpha) {
                                                    Some(Direction::Higher) => strong.higher { (t(lang, "上昇", "Up")) },
                                                    Some(Direction::Lower) => strong.lower { (t(lang, "低下", "Down")) },
                                                    None => span { (t(lang, "有意な変化なし", "No significant change")) },
                                                } " (p=" (p_value(test.p_value)) ")" }
                                            }
                                            None => { td.num { "–" } td { span.muted { (t(lang, "比べられません（どちらかが非表示、または前回にない指標）", "Not comparable (withheld in one wave, or not asked before)")) } } }
                                        }
                                    }
                                } }
                            }
                            p.muted { (t(lang,
                                "2回の調査は別々の標本のため、変化の標準誤差は両方の標準誤差から求めています（独立な標本の差の検定）。",
                                "The two waves are independent samples: the change's standard error combines both waves' standard errors.")) }
                        }
                    }
                }
            }
            @if viewer.user.role == crate::auth::Role::Admin {
                form.inline-form method="post" action={ "/planner/" (survey.slug) "/previous-wave" } {
                    (super::layout::csrf_field(viewer.csrf))
                    label for="previous" { (t(lang, "前回の調査（同じ調査票の調査）", "Previous wave (a survey of the same questionnaire)")) }
                    select #previous name="previous" {
                        option value="" selected[waves.previous.is_none()] { (t(lang, "なし", "None")) }
                        @for candidate in waves.candidates {
                            option value=(candidate.slug) selected[waves.previous.is_some_and(|(p, _)| p.slug == candidate.slug)] { (candidate.title.get(lang)) }
                        }
                    }
                    button.secondary type="submit" { (t(lang, "設定する", "Set")) }
                }
            }
        }
    }
}

/// Every indicator's weighted rate for the whole population beside the nation: the
/// overview's table, and the council report's.
pub(super) fn overview_table(
    lang: Lang,
    slug: &str,
    report: &crate::analysis::subgroups::SubgroupReport,
    view: View,
    alpha: f64,
) -> Markup {
    html! {
        table.overview {
            thead { tr {
                th scope="col" { (t(lang, "指標", "Indicator")) }
                th.num scope="col" { (t(lang, "推計値（重み付け）", "Estimate (weighted)")) }
                th.num scope="col" { (t(lang, "95%信頼区間", "95% CI")) }
                th.num scope="col" { (t(lang, "推計人数", "Estimated residents")) }
                th scope="col" { (t(lang, "全国との比較（国の集計方法：重み付けなし・無回答を分母に含む）", "Compared with the nation (national convention: unweighted, no answer in the base)")) }
                th scope="col" { (t(lang, "設問の出典", "Where the wording comes from")) }
            } }
            tbody { @for indicator in &report.indicators { (overview_row(lang, slug, indicator, view, alpha)) } }
        }
    }
}

fn overview_row(
    lang: Lang,
    slug: &str,
    indicator: &IndicatorReport,
    view: View,
    alpha: f64,
) -> Markup {
    let shown = indicator.overall.shown(view);
    html! {
        tr {
            th scope="row" { a href={ "/planner/" (slug) "/subgroups?indicator=" (indicator.indicator.id) } { (indicator.indicator.name.get(lang)) } }
            @match shown {
                Some(e) => {
                    td.num { (format!("{:.1}%", 100.0 * e.estimate)) }
                    td.num { @match e.ci { Some((lo, hi)) => (format!("{:.1}–{:.1}%", 100.0 * lo, 100.0 * hi)), None => "–" } }
                    td.num { (format!("{:.0}", e.total)) " ± " (format!("{:.0}", 1.96 * e.total_se)) }
                }
                None => { td.num { "＊" } td.num {} td.num {} }
            }
            td {
                @match &indicator.national {
                    None => span.muted { (t(lang, "全国の値なし", "No national figure")) },
                    Some(n) => {
                        (match lang {
                            Lang::Ja => format!("全国: {:.1}%（{}）", n.figure.percent, n.figure.source.get(lang)),
                            Lang::En => format!("National: {:.1}% ({})", n.figure.percent, n.figure.source.get(lang)),
                        })
                        br;
                        (match lang {
                            Lang::Ja => format!("市（同じ集計方法）: {:.1}%（{}人中{}人）", n.percent(), n.base, n.yes),
                            Lang::En => format!("City (same convention): {:.1}% ({} of {})", n.percent(), n.yes, n.base),
                        })
                        br;
                        @match (&n.test, n.direction(alpha)) {
                            (None, _) => span.muted { (t(lang, "全国の回答者数が不明のため検定なし", "No test: the national number of respondents is not known")) },
                            (Some(test), Some(Direction::Higher)) => strong.higher { (t(lang, "全国より高い", "Higher than the nation")) } " (p=" (p_value(test.p_value)) ")",
                            (Some(test), Some(Direction::Lower)) => strong.lower { (t(lang, "全国より低い", "Lower than the nation")) } " (p=" (p_value(test.p_value)) ")",
                            (Some(test), None) => span { (t(lang, "全国と有意な差なし", "No significant difference from the nation")) } " (p=" (p_value(test.p_value)) ")",
                        }
                    }
                }
            }
            td { (provenance_tag(lang, indicator.indicator.provenance)) }
        }
    }
}

/// Where an item's wording comes from, as a short tag (the wording of the national survey,
/// seen only in secondary copies, or local).
pub fn provenance_tag(lang: Lang, provenance: Provenance) -> Markup {
    let class = match provenance {
        Provenance::National => "provenance national",
        Provenance::NationalSecondary => "provenance national-secondary",
        Provenance::Local => "provenance local",
    };
    html! { span class=(class) { (provenance.label().get(lang)) } }
}

/// Fieldwork for planners: counted responses by day and mode, response rates by stratum and
/// the paper forms still waiting, as a chart and tables. Days are in `zone`.
pub fn fieldwork(
    viewer: &Viewer<'_>,
    survey: &Survey,
    progress: &Progress,
    zone: &chrono_tz::Tz,
) -> Markup {
    let lang = viewer.lang;
    let days = by_day(progress, zone);
    let rates = progress
        .sample
        .as_ref()
        .map(|(strata, outcomes)| super::sampling::RateTable::new(strata, outcomes));
    planner_page(
        viewer,
        survey,
        "fieldwork",
        html! {
            h2 { (t(lang, "日別の回答数（集計に数える回答）", "Responses by day (those that count)")) }
            @if days.is_empty() {
                p { (t(lang, "まだ回答はありません。", "No responses yet.")) }
            } @else {
                (super::chart::daily_chart(lang, &days))
                table.daily {
                    thead { tr {
                        th scope="col" { (t(lang, "日付", "Date")) }
                        th.num scope="col" { (t(lang, "インターネット", "Online")) }
                        th.num scope="col" { (t(lang, "郵送（紙）", "Paper")) }
                        th.num scope="col" { (t(lang, "累計", "Cumulative")) }
                    } }
                    tbody {
                        @for (day, cumulative) in days.iter().scan(0, |sum, d| { *sum += d.online + d.paper; Some((d, *sum)) }) {
                            tr { td { (day.date.format("%Y-%m-%d")) } td.num { (day.online) } td.num { (day.paper) } td.num { (cumulative) } }
                        }
                    }
                }
            }
            h2 { (t(lang, "層別の回収率", "Response rates by stratum")) }
            @match &rates {
                None => p { (t(lang, "この調査には標本がありません。", "This survey has no sample.")) },
                Some(rates) => {
                    (super::sampling::rate_table(lang, rates))
                    p.downloads { a href={ "/planner/" (survey.slug) "/fieldwork.xlsx" } { (t(lang, "回収率をExcelでダウンロード（表紙つき）", "Download the response rates as Excel (with a cover sheet)")) } }
                },
            }
            h2 { (t(lang, "紙の調査票の入力状況", "Paper forms")) }
            table.backlog {
                tbody {
                    tr { th scope="row" { (t(lang, "受け付けた封筒", "Envelopes logged")) } td.num { (progress.paper.envelopes) } }
                    tr { th scope="row" { (t(lang, "入力が済み集計に入った調査票", "Forms keyed and accepted")) } td.num { (progress.paper.accepted) } }
                    tr { th scope="row" { (t(lang, "2回目の入力待ち", "Waiting for the second keying")) } td.num { (progress.backlog.awaiting_second) } }
                    tr { th scope="row" { (t(lang, "照合待ち（2回の入力が食い違う）", "Waiting for reconciliation (the two keyings differ)")) } td.num { (progress.backlog.awaiting_reconciliation) } }
                    tr { th scope="row" { (t(lang, "入力途中", "Keying started, not finished")) } td.num { (progress.backlog.unfinished) } }
                }
            }
        },
    )
}

pub use super::chart::Day;

/// Responses grouped by their day in `zone` (stored times are UTC), every day from the first
/// to the last included.
fn by_day(progress: &Progress, zone: &chrono_tz::Tz) -> Vec<Day> {
    use chrono::TimeZone;
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, (usize, usize)> =
        Default::default();
    for (at, channel) in &progress.submitted {
        let local = zone.from_utc_datetime(at).date_naive();
        let entry = days.entry(local).or_default();
        if channel == crate::db::entry::CHANNEL_PAPER {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    let (Some(first), Some(last)) = (days.keys().next().copied(), days.keys().last().copied())
    else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| {
            let (online, paper) = days.get(&date).copied().unwrap_or_default();
            Day {
                date,
                online,
                paper,
            }
        })
        .collect()
}

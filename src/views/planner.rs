//! Pages for planners: the surveys and their simple tabulation in the national convention.

use maud::{html, Markup};

use super::layout::{page, t};
use super::staff::Viewer;
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
            div.notice {
                (t(lang,
                    "単純集計（重み付けなし）：国の調査の公表表と同じく、回答者に占める割合で、無回答を分母に含めています。母集団の推計値ではありません。",
                    "Simple tabulation (unweighted): shares of respondents with \"no answer\" in the denominator, as in the national survey's published tables. These are not population estimates."))
            }
            @match tables {
                None => p.notice.bad { (match lang {
                    crate::questionnaire::Lang::Ja => format!("有効回答が{MIN_RESPONDENTS}件未満のため、個人の回答が推測されないよう集計表は表示しません。"),
                    crate::questionnaire::Lang::En => format!("Fewer than {MIN_RESPONDENTS} valid responses: no table is shown, so that no individual's answers can be inferred."),
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

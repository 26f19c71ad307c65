//! The weighting page of a survey: which weighting is published, the preview of a weighting
//! (weight distribution with an SVG histogram, Kish's design effect, iterations, the largest
//! weights, margins achieved against the register), and for admins the form to choose one,
//! the saved weightings with their publish buttons and the log of changes.

use maud::{html, Markup};

use super::layout::{csrf_field, t};
use super::staff::Viewer;
use super::subgroups::planner_page;
use crate::analysis::weighting::preview::{Bin, Preview};
use crate::analysis::weighting::{MarginKind, Method, SpecForm, WeightingSpec};
use crate::clock::local_time;
use crate::db::weightings::{LogRow, WeightingRow};
use crate::questionnaire::Lang;
use crate::survey::Survey;

/// Everything the page shows.
pub struct WeightingPage<'a> {
    pub survey: &'a Survey,
    /// How the planners' weights are made now (the dataset's sentence).
    pub current: Option<String>,
    /// The published weighting's name (`None`: the default applies).
    pub published: Option<&'a str>,
    pub saved: &'a [WeightingRow],
    pub log: &'a [LogRow],
    /// What the admin's form holds.
    pub form: &'a SpecForm,
    pub name: &'a str,
    /// The weighting previewed (its title) and its preview or why it cannot be used.
    pub shown: Option<(String, Result<Preview, String>)>,
    /// Whether the viewer may change the weighting.
    pub admin: bool,
}

fn num(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// A specification in a few words.
pub fn summary(lang: Lang, spec: &WeightingSpec) -> String {
    let margins: Vec<&str> = spec.margins.iter().map(|m| m.label(lang)).collect();
    let mut parts = vec![format!(
        "{}: {}",
        spec.method.label(lang),
        margins.join(t(lang, "、", ", "))
    )];
    if spec.min_cell_respondents > 0 {
        parts.push(match lang {
            Lang::Ja => format!("{}人未満の区分をまとめる", spec.min_cell_respondents),
            Lang::En => format!("cells under {} merged", spec.min_cell_respondents),
        });
    }
    if spec.trims() {
        let b = |x: Option<f64>| x.map_or_else(|| "-".into(), |x| x.to_string());
        parts.push(format!(
            "{} [{}, {}]",
            t(lang, "切り詰め", "trimmed to"),
            b(spec.trim_lower),
            b(spec.trim_upper)
        ));
    }
    parts.push(format!(
        "{} {:e}, {} {}",
        t(lang, "許容誤差", "tolerance"),
        spec.tolerance,
        t(lang, "反復上限", "at most"),
        spec.max_iterations
    ));
    parts.join(t(lang, "／", "; "))
}

/// The page.
pub fn weighting(viewer: &Viewer<'_>, p: &WeightingPage<'_>) -> Markup {
    let lang = viewer.lang;
    let base = format!("/planner/{}/weighting", p.survey.slug);
    planner_page(
        viewer,
        p.survey,
        "weighting",
        html! {
            section #published {
                h2 { (t(lang, "公開中の重み付け", "Published weighting")) }
                p { strong { (p.published.unwrap_or(t(lang, "既定（性・年齢と地区のレイキング）", "The default (raking to sex × age band and district)"))) } }
                @if let Some(current) = &p.current { p.muted { (current) } }
                @if !p.admin {
                    p.muted { (t(lang, "重み付けを変えられるのは管理者だけです。", "Only admins can change the weighting.")) }
                }
            }
            @if let Some((title, shown)) = &p.shown {
                section #preview {
                    h2 { (t(lang, "プレビュー", "Preview")) ": " (title) }
                    @match shown {
                        Ok(preview) => (preview_section(lang, preview)),
                        Err(why) => div.error role="alert" { p { (why) } p { (t(lang, "公開中の重み付けは変わっていません。", "The published weighting has not changed.")) } },
                    }
                }
            }
            @if p.admin {
                section #choose {
                    h2 { (t(lang, "重み付けを選ぶ", "Choose a weighting")) }
                    (form(lang, viewer.csrf, &base, p.form, p.name))
                }
            }
            section #saved {
                h2 { (t(lang, "保存した重み付け", "Saved weightings")) }
                @if p.saved.is_empty() {
                    p { (t(lang, "まだありません。", "None yet.")) }
                } @else {
                    table {
                        thead { tr {
                            th { (t(lang, "名前", "Name")) }
                            th { (t(lang, "内容", "Specification")) }
                            th { (t(lang, "保存", "Saved")) }
                            th { (t(lang, "公開", "Published")) }
                            th {}
                        } }
                        tbody { @for w in p.saved {
                            tr {
                                td { a href={ (base) "?show=" (w.id) "#preview" } { (w.name) } }
                                td { (WeightingSpec::from_json(&w.spec_json).map(|s| summary(lang, &s)).unwrap_or_else(|e| e.message(lang))) }
                                td { (local_time(lang, w.created_at, viewer.zone)) " " (w.created_by.as_deref().unwrap_or("")) }
                                td { @if let Some(at) = w.published_at { strong { (t(lang, "公開中", "published")) } " " (local_time(lang, at, viewer.zone)) " " (w.published_by.as_deref().unwrap_or("")) } }
                                td { @if p.admin && w.published_at.is_none() {
                                    form method="post" action={ (base) "/" (w.id) "/publish" } {
                                        (csrf_field(viewer.csrf))
                                        button type="submit" { (t(lang, "公開する", "Publish")) }
                                    }
                                } }
                            }
                        } }
                    }
                    @if p.admin && p.published.is_some() {
                        form method="post" action={ (base) "/default" } {
                            (csrf_field(viewer.csrf))
                            button type="submit" { (t(lang, "既定の重み付けに戻す", "Return to the default weighting")) }
                        }
                    }
                }
            }
            section #log {
                h2 { (t(lang, "変更の記録", "Changes")) }
                @if p.log.is_empty() {
                    p { (t(lang, "まだありません。", "None yet.")) }
                } @else {
                    table {
                        thead { tr { th { (t(lang, "日時", "When")) } th { (t(lang, "誰が", "Who")) } th { (t(lang, "内容", "What")) } } }
                        tbody { @for l in p.log {
                            tr {
                                td { (local_time(lang, l.at, viewer.zone)) }
                                td { (l.user.as_deref().unwrap_or("")) }
                                td { (action_label(lang, &l.action)) "「" (l.detail) "」" }
                            }
                        } }
                    }
                }
            }
        },
    )
}

fn action_label(lang: Lang, action: &str) -> &'static str {
    match action {
        "saved" => t(lang, "保存", "saved"),
        "published" => t(lang, "公開", "published"),
        _ => t(
            lang,
            "公開をやめて既定に戻す",
            "unpublished (default again)",
        ),
    }
}

fn form(lang: Lang, csrf: &str, action: &str, f: &SpecForm, name: &str) -> Markup {
    let margin_help = |k: MarginKind| match (k, lang) {
        (MarginKind::SexAge, Lang::Ja) => "性別と年齢の組み合わせごとの人口",
        (MarginKind::District, Lang::Ja) => "地区ごとの人口",
        (MarginKind::AgeBand, Lang::Ja) => "年齢ごとの人口",
        (MarginKind::Sex, Lang::Ja) => "男女別の人口",
        (k, Lang::En) => k.name(),
    };
    html! {
        form method="post" action=(action) {
            (csrf_field(csrf))
            fieldset {
                legend { (t(lang, "方法", "Method")) }
                @for m in [Method::Raking, Method::PostStratification] {
                    label { input type="radio" name="method" value=(m.id()) checked[f.method == m.id()]; " " (m.label(lang)) }
                    br;
                }
            }
            fieldset {
                legend { (t(lang, "合わせる住民基本台帳の区分（レイキングはこの順に）", "Register margins to match (raking goes through them in this order)")) }
                @for k in MarginKind::ALL {
                    label { input type="checkbox" name="margin" value=(k.id()) checked[f.margins.iter().any(|m| m == k.id())]; " " (k.label(lang)) " — " (margin_help(k)) }
                    br;
                }
            }
            p { label { (t(lang, "回答者が少ない区分をまとめる（この人数未満の区分を隣の区分と合わせる。0はまとめない）", "Merge sparse cells (cells with fewer respondents are merged with a neighbour; 0: never)")) ": "
                input type="text" inputmode="numeric" name="min_cell_respondents" value=(f.min_cell_respondents) size="4"; } }
            p { label { (t(lang, "重みの下限（空欄は切り詰めない）", "Lower weight bound (empty: none)")) ": " input type="text" inputmode="decimal" name="trim_lower" value=(f.trim_lower) size="8"; } }
            p { label { (t(lang, "重みの上限（空欄は切り詰めない）", "Upper weight bound (empty: none)")) ": " input type="text" inputmode="decimal" name="trim_upper" value=(f.trim_upper) size="8"; } }
            p { label { (t(lang, "収束の許容誤差（人口との相対的な差）", "Convergence tolerance (relative difference from the totals)")) ": " input type="text" name="tolerance" value=(f.tolerance) size="8"; } }
            p { label { (t(lang, "反復回数の上限", "Maximum iterations")) ": " input type="text" inputmode="numeric" name="max_iterations" value=(f.max_iterations) size="6"; } }
            p { label { (t(lang, "保存するときの名前", "Name to save it under")) ": " input type="text" name="name" value=(name) size="30"; } }
            p {
                button type="submit" name="action" value="preview" { (t(lang, "プレビュー（保存しない）", "Preview (not saved)")) }
                " "
                button type="submit" name="action" value="save" { (t(lang, "名前を付けて保存", "Save as a named weighting")) }
            }
        }
    }
}

fn preview_section(lang: Lang, p: &Preview) -> Markup {
    let d = &p.diagnostics;
    html! {
        p { (summary(lang, &p.spec)) }
        table.summary {
            tbody {
                tr { th { (t(lang, "回答者数", "Respondents")) } td.num { (d.n) } }
                tr { th { (t(lang, "重みの合計（推計人口）", "Sum of weights (estimated population)")) } td.num { (num(d.sum)) } }
                tr { th { (t(lang, "Kishの重みによるデザイン効果（1 + 変動係数²）", "Kish design effect from weighting (1 + CV²)")) } td.num #kish { (format!("{:.4}", d.kish_deff)) } }
                tr { th { (t(lang, "有効標本サイズ", "Effective sample size")) } td.num { (format!("{:.1}", d.kish_n_eff)) } }
                tr { th { (t(lang, "反復回数", "Iterations")) } td.num #iterations { (p.iterations) } }
                tr { th { (t(lang, "人口との最大の相対差（切り詰め前）", "Largest relative margin difference (before trimming)")) } td.num { (format!("{:.2e}", p.max_discrepancy)) } }
                @if p.spec.trims() {
                    tr { th { (t(lang, "切り詰めた重み", "Weights trimmed")) } td.num { (p.trimmed) } }
                }
            }
        }
        h3 { (t(lang, "重みの分布", "Distribution of the weights")) }
        table.distribution {
            thead { tr {
                th { (t(lang, "最小", "Min")) }
                @for (q, _) in &p.percentiles { th { (q) "%" } }
                th { (t(lang, "最大", "Max")) }
            } }
            tbody { tr {
                td.num { (num(d.min)) }
                @for (_, v) in &p.percentiles { td.num { (num(*v)) } }
                td.num { (num(d.max)) }
            } }
        }
        (histogram(lang, &p.histogram))
        h3 { (t(lang, "大きい重み", "Largest weights")) }
        table.largest {
            thead { tr {
                th { (t(lang, "重み", "Weight")) }
                th { (t(lang, "層", "Stratum")) }
                @for m in &p.margins { th { (m.kind.label(lang)) } }
            } }
            tbody { @for w in &p.largest {
                tr { td.num { (num(w.weight)) } td { (w.stratum) } @for c in &w.cells { td { (c) } } }
            } }
        }
        h3 { (t(lang, "住民基本台帳の人口との比較", "Margins achieved against the register")) }
        @for m in &p.margins {
            h4 { (m.kind.label(lang)) }
            @if !m.merged.is_empty() {
                p.muted { (t(lang, "まとめた区分", "Merged cells")) ": "
                    (m.merged.iter().map(|(cell, parts)| format!("{cell} = {}", parts.join(" + "))).collect::<Vec<_>>().join(t(lang, "、", "; "))) }
            }
            table.margins {
                thead { tr {
                    th { (t(lang, "区分", "Cell")) }
                    th.num { (t(lang, "回答者", "Respondents")) }
                    th.num { (t(lang, "台帳の人口", "Register")) }
                    th.num { (t(lang, "重みの合計", "Weighted")) }
                    th.num { (t(lang, "差", "Difference")) }
                } }
                tbody { @for c in &m.cells {
                    tr {
                        td { (c.level) }
                        td.num { (c.respondents) }
                        td.num { (num(c.register)) }
                        td.num { (num(c.achieved)) }
                        td.num { (format!("{:+.2}%", 100.0 * (c.achieved / c.register - 1.0))) }
                    }
                } }
            }
        }
    }
}

/// The histogram as an SVG bar chart with the counts as text for screen readers.
fn histogram(lang: Lang, bins: &[Bin]) -> Markup {
    let width = 480.0;
    let height = 160.0;
    let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let bar = width / bins.len().max(1) as f64;
    let label = bins
        .iter()
        .map(|b| format!("{}–{}: {}", num(b.from), num(b.to), b.count))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height + 20.0) viewBox={ "0 0 " (width) " " (height + 20.0) } role="img" aria-label={ (t(lang, "重みのヒストグラム", "Histogram of the weights")) ": " (label) } {
                @for (i, b) in bins.iter().enumerate() {
                    @let h = height * b.count as f64 / most;
                    rect x=(format!("{:.1}", i as f64 * bar + 1.0)) y=(format!("{:.1}", height - h)) width=(format!("{:.1}", bar - 2.0)) height=(format!("{:.1}", h)) fill="#4a78a8" {
                        title { (num(b.from)) "–" (num(b.to)) ": " (b.count) }
                    }
                }
                text x="0" y=(height + 15.0) font-size="11" { (num(bins.first().map_or(0.0, |b| b.from))) }
                text x=(width) y=(height + 15.0) font-size="11" text-anchor="end" { (num(bins.last().map_or(0.0, |b| b.to))) }
            }
            figcaption { (t(lang, "重みのヒストグラム（横軸: 重み、縦軸: 回答者数）", "Histogram of the weights (across: weight; up: respondents)")) }
        }
    }
}

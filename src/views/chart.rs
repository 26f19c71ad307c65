//! Charts as server-rendered SVG (no JavaScript): one horizontal bar per group with its 95%
//! interval as a whisker, the whole population's rate and the national figure as reference
//! lines, withheld groups drawn as a gap with their mark. Drawn with presentation attributes
//! only (the site's CSP allows no inline styles), so a chart prints and pastes as it looks.

use maud::{html, Markup};

use super::layout::t;
use crate::analysis::cells::{Cell, View};
use crate::analysis::subgroups::{BreakdownTable, IndicatorReport};
use crate::questionnaire::Lang;

const WIDTH: f64 = 680.0;
const LABEL_WIDTH: f64 = 210.0;
const PLOT_WIDTH: f64 = 360.0;
const ROW: f64 = 30.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 58.0;

const BAR: &str = "#3b6ea5";
const REFERENCE_BAR: &str = "#9db7d3";
const HIGHER: &str = "#b5452f";
const LOWER: &str = "#2f7d4f";
const INK: &str = "#1f1f1f";
const MUTED: &str = "#595959";

/// The chart of one indicator by one breakdown. `id` makes element ids unique on a page.
pub fn breakdown_chart(
    lang: Lang,
    indicator: &IndicatorReport,
    table: &BreakdownTable,
    view: View,
    alpha: f64,
) -> Markup {
    let id = format!("chart-{}-{}", indicator.indicator.id, table.variable_id);
    let overall = indicator.overall.shown(view).map(|e| e.estimate);
    let national = indicator
        .national
        .as_ref()
        .map(|n| n.figure.percent / 100.0);
    let top = table
        .cells
        .iter()
        .filter_map(|c| c.shown(view))
        .map(|e| e.ci.map_or(e.estimate, |c| c.1))
        .chain(overall)
        .chain(national)
        .fold(0.05_f64, f64::max);
    let scale_max = nice_ceiling(top * 1.1);
    let x = |p: f64| LABEL_WIDTH + PLOT_WIDTH * (p / scale_max).clamp(0.0, 1.0);
    let height = TOP + ROW * table.cells.len() as f64 + BOTTOM;
    let title = format!(
        "{}（{}）",
        indicator.indicator.name.get(lang),
        table.variable_name.get(lang)
    );
    let description = describe(lang, indicator, table, view);
    let ticks: Vec<f64> = (0..=4).map(|i| scale_max * f64::from(i) / 4.0).collect();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" id=(id) role="img"
            viewBox={ "0 0 " (WIDTH) " " (height) } width=(n(WIDTH)) height=(n(height))
            aria-labelledby={ (id) "-title " (id) "-desc" }
            font-family="'Hiragino Sans','Noto Sans CJK JP','Yu Gothic',sans-serif" font-size="13" {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            rect x="0" y="0" width=(n(WIDTH)) height=(n(height)) fill="#ffffff" {}
            text x="8" y="20" font-size="14" font-weight="bold" fill=(INK) { (title) }
            // Axis grid and labels.
            @for tick in &ticks {
                line x1=(n(x(*tick))) x2=(n(x(*tick))) y1=(n(TOP - 6.0)) y2=(n(height - BOTTOM + 4.0)) stroke="#d9d9d9" stroke-width="1" {}
                text x=(n(x(*tick))) y=(n(height - BOTTOM + 18.0)) text-anchor="middle" fill=(MUTED) { (format!("{:.0}%", 100.0 * tick)) }
            }
            @for (i, cell) in table.cells.iter().enumerate() {
                (row(lang, i, cell, view, alpha, &x))
            }
            @if let Some(p) = overall {
                line.overall x1=(n(x(p))) x2=(n(x(p))) y1=(n(TOP - 8.0)) y2=(n(height - BOTTOM)) stroke=(INK) stroke-width="1.5" stroke-dasharray="6 3" {}
            }
            @if let Some(p) = national {
                line.national x1=(n(x(p))) x2=(n(x(p))) y1=(n(TOP - 8.0)) y2=(n(height - BOTTOM)) stroke="#8a5a00" stroke-width="1.5" stroke-dasharray="2 3" {}
            }
            // Legend.
            @let legend_y = height - 18.0;
            @if let Some(p) = overall {
                line x1="8" x2="30" y1=(n(legend_y - 4.0)) y2=(n(legend_y - 4.0)) stroke=(INK) stroke-width="1.5" stroke-dasharray="6 3" {}
                text x="36" y=(n(legend_y)) fill=(INK) { (t(lang, "全体", "Everyone")) " " (format!("{:.1}%", 100.0 * p)) }
            }
            @if let (Some(p), Some(figure)) = (national, &indicator.national) {
                line x1="170" x2="192" y1=(n(legend_y - 4.0)) y2=(n(legend_y - 4.0)) stroke="#8a5a00" stroke-width="1.5" stroke-dasharray="2 3" {}
                text x="198" y=(n(legend_y)) fill=(INK) { (t(lang, "全国", "Nation")) " " (format!("{:.1}%", 100.0 * p)) "（" (figure.figure.year) (t(lang, "年・重み付けなし", ", unweighted")) "）" }
            }
            text x=(n(WIDTH - 8.0)) y=(n(legend_y)) text-anchor="end" fill=(MUTED) { (t(lang, "線は95%信頼区間", "Lines: 95% intervals")) }
        }
    }
}

fn row(
    lang: Lang,
    i: usize,
    cell: &Cell,
    view: View,
    alpha: f64,
    x: &dyn Fn(f64) -> f64,
) -> Markup {
    let y = TOP + ROW * i as f64;
    let mid = y + ROW / 2.0;
    let label = cell.label.get(lang);
    match cell.shown(view) {
        Some(e) => {
            let reference = e.presentation.suppress.is_some();
            let direction = cell.direction(alpha);
            let fill = match (reference, direction) {
                (true, _) => REFERENCE_BAR,
                (false, Some(crate::analysis::cells::Direction::Higher)) => HIGHER,
                (false, Some(crate::analysis::cells::Direction::Lower)) => LOWER,
                (false, None) => BAR,
            };
            let value = format!(
                "{:.1}%{}{}",
                100.0 * e.estimate,
                if reference {
                    t(lang, "（参考値）", " (ref.)")
                } else {
                    ""
                },
                match direction {
                    Some(crate::analysis::cells::Direction::Higher) => " ▲",
                    Some(crate::analysis::cells::Direction::Lower) => " ▼",
                    None => "",
                }
            );
            let end = e.ci.map_or(e.estimate, |c| c.1);
            html! {
                g.group data-level=(label) {
                    text x=(n(LABEL_WIDTH - 8.0)) y=(n(mid + 4.0)) text-anchor="end" fill=(INK) { (label) }
                    rect.bar x=(n(LABEL_WIDTH)) y=(n(y + 6.0)) width=(n(x(e.estimate) - LABEL_WIDTH)) height=(n(ROW - 12.0)) fill=(fill) {
                        title { (label) ": " (value) }
                    }
                    @if let Some((lo, hi)) = e.ci {
                        line.whisker x1=(n(x(lo))) x2=(n(x(hi))) y1=(n(mid)) y2=(n(mid)) stroke=(INK) stroke-width="1.5" {}
                        line x1=(n(x(lo))) x2=(n(x(lo))) y1=(n(mid - 5.0)) y2=(n(mid + 5.0)) stroke=(INK) stroke-width="1.5" {}
                        line x1=(n(x(hi))) x2=(n(x(hi))) y1=(n(mid - 5.0)) y2=(n(mid + 5.0)) stroke=(INK) stroke-width="1.5" {}
                    }
                    text x=(n(x(end) + 6.0)) y=(n(mid + 4.0)) fill=(INK) { (value) }
                }
            }
        }
        None => {
            let mark = match cell.privacy {
                Some(p) => p.mark(),
                None => "＊",
            };
            html! {
                g.group.withheld data-level=(label) {
                    text x=(n(LABEL_WIDTH - 8.0)) y=(n(mid + 4.0)) text-anchor="end" fill=(INK) { (label) }
                    text x=(n(LABEL_WIDTH + 6.0)) y=(n(mid + 4.0)) fill=(MUTED) { (mark) " " (t(lang, "非表示", "withheld")) }
                }
            }
        }
    }
}

/// A plain-language description of the chart, for screen readers.
fn describe(lang: Lang, indicator: &IndicatorReport, table: &BreakdownTable, view: View) -> String {
    let parts: Vec<String> = table
        .cells
        .iter()
        .map(|c| match c.shown(view) {
            Some(e) => format!("{} {:.1}%", c.label.get(lang), 100.0 * e.estimate),
            None => format!("{} {}", c.label.get(lang), t(lang, "非表示", "withheld")),
        })
        .collect();
    let overall = indicator
        .overall
        .shown(view)
        .map(|e| format!("{:.1}%", 100.0 * e.estimate))
        .unwrap_or_else(|| t(lang, "非表示", "withheld").to_string());
    match lang {
        Lang::Ja => format!("横棒グラフ。全体 {overall}。{}。", parts.join("、")),
        Lang::En => format!("Bar chart. Everyone {overall}. {}.", parts.join(", ")),
    }
}

/// A coordinate with one decimal (enough for a screen and a printer).
fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// The next of 10%, 20%, 25%, 40%, 50%, 60%, 80%, 100% at or above `p`.
fn nice_ceiling(p: f64) -> f64 {
    [0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0]
        .into_iter()
        .find(|&step| step >= p)
        .unwrap_or(1.0)
}

/// Counted responses of one day, by mode.
pub struct Day {
    pub date: chrono::NaiveDate,
    pub online: usize,
    pub paper: usize,
}

/// Responses per day as stacked bars (online below, paper above), with the day count on top.
pub fn daily_chart(lang: Lang, days: &[Day]) -> Markup {
    let height = 240.0;
    let (left, bottom, top) = (44.0, 40.0, 30.0);
    let plot_h = height - bottom - top;
    let width = (left + 16.0 + 22.0 * days.len() as f64).max(360.0);
    let max = days
        .iter()
        .map(|d| d.online + d.paper)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let y = |count: f64| top + plot_h * (1.0 - count / max);
    let total: usize = days.iter().map(|d| d.online + d.paper).sum();
    let title = t(lang, "日別の回答数", "Responses by day");
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart daily" role="img" aria-labelledby="daily-title daily-desc"
            viewBox={ "0 0 " (width) " " (height) } width=(n(width)) height=(n(height))
            font-family="'Hiragino Sans','Noto Sans CJK JP','Yu Gothic',sans-serif" font-size="11" {
            title id="daily-title" { (title) }
            desc id="daily-desc" { (match lang {
                Lang::Ja => format!("{}日間で合計{}件。濃い色がインターネット、薄い色が郵送。", days.len(), total),
                Lang::En => format!("{} responses over {} days. Dark: online; light: paper.", total, days.len()),
            }) }
            rect x="0" y="0" width=(n(width)) height=(n(height)) fill="#ffffff" {}
            text x="8" y="18" font-size="13" font-weight="bold" fill=(INK) { (title) }
            line x1=(n(left)) x2=(n(width - 8.0)) y1=(n(y(0.0))) y2=(n(y(0.0))) stroke="#8c8c8c" {}
            text x=(n(left - 6.0)) y=(n(y(max) + 4.0)) text-anchor="end" fill=(MUTED) { (max as usize) }
            text x=(n(left - 6.0)) y=(n(y(0.0) + 4.0)) text-anchor="end" fill=(MUTED) { "0" }
            @for (i, day) in days.iter().enumerate() {
                @let x = left + 8.0 + 22.0 * i as f64;
                @let online_top = y(day.online as f64);
                @let all_top = y((day.online + day.paper) as f64);
                rect.online x=(n(x)) y=(n(online_top)) width="16" height=(n(y(0.0) - online_top)) fill=(BAR) {
                    title { (day.date.format("%m/%d")) " " (t(lang, "インターネット", "online")) " " (day.online) }
                }
                rect.paper x=(n(x)) y=(n(all_top)) width="16" height=(n(online_top - all_top)) fill=(REFERENCE_BAR) {
                    title { (day.date.format("%m/%d")) " " (t(lang, "郵送", "paper")) " " (day.paper) }
                }
                @if i % 7 == 0 || i + 1 == days.len() {
                    text x=(n(x + 8.0)) y=(n(y(0.0) + 14.0)) text-anchor="middle" fill=(MUTED) { (day.date.format("%m/%d")) }
                }
            }
            rect x=(n(left)) y=(n(height - 16.0)) width="10" height="10" fill=(BAR) {}
            text x=(n(left + 14.0)) y=(n(height - 7.0)) fill=(INK) { (t(lang, "インターネット", "Online")) }
            rect x=(n(left + 110.0)) y=(n(height - 16.0)) width="10" height="10" fill=(REFERENCE_BAR) {}
            text x=(n(left + 124.0)) y=(n(height - 7.0)) fill=(INK) { (t(lang, "郵送（紙）", "Paper")) }
        }
    }
}

//! Every indicator by every breakdown (the table 「孤独感を感じている人の層別傾向」 of the
//! Suzaka report, done right): n, weighted rate, 95% interval and estimated residents per
//! cell; a Rao–Scott test per breakdown; each cell against the rest of the population; the
//! overall rate beside the national figure in the national convention.

use super::cells::{suppress_one_way, Cell, Direction, Privacy, View};
use super::{Dataset, IndicatorColumn, Origin, Variable};
use crate::estimate::{
    two_proportion_test, CiMethod, EstimateError, EstimateOptions, RaoScottTest, TwoProportionTest,
};
use crate::questionnaire::{Indicator, Lang, NationalFigure, Text};

/// The planner's estimate options: logit intervals at 95%, as R's `svyciprop` by default.
pub fn planner_options() -> EstimateOptions {
    EstimateOptions {
        ci: CiMethod::Logit,
        level: 0.95,
    }
}

/// Every indicator by every breakdown.
#[derive(Debug, Clone)]
pub struct SubgroupReport {
    pub respondents: usize,
    pub indicators: Vec<IndicatorReport>,
}

/// One indicator's row of the whole population and its tables.
#[derive(Debug, Clone)]
pub struct IndicatorReport {
    pub indicator: Indicator,
    pub overall: Cell,
    /// The city's figure in the national convention beside the national one.
    pub national: Option<NationalComparison>,
    pub tables: Vec<BreakdownTable>,
}

/// One indicator by one breakdown.
#[derive(Debug, Clone)]
pub struct BreakdownTable {
    pub variable_id: String,
    pub variable_name: Text,
    pub origin: Origin,
    pub cells: Vec<Cell>,
    /// Respondents with an answer to the indicator but none to the breakdown.
    pub unclassified: usize,
    /// The Rao–Scott test of independence, or why there is none.
    pub test: Result<RaoScottTest, NoTest>,
}

/// Why a breakdown has no test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTest {
    /// Fewer than two levels (or outcome values) among the respondents.
    OneLevel,
    /// The design gives no variance (e.g. no degrees of freedom).
    NoVariance,
}

impl NoTest {
    /// Why, for a reader.
    pub fn explain(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (NoTest::OneLevel, Lang::Ja) => {
                "回答者のいる区分が1つだけ（または全員が同じ回答）のため、検定できません"
            }
            (NoTest::OneLevel, Lang::En) => {
                "Only one group (or one answer) among the respondents: no test"
            }
            (NoTest::NoVariance, Lang::Ja) => "分散が推定できないため、検定できません",
            (NoTest::NoVariance, Lang::En) => "No variance can be estimated: no test",
        }
    }
}

/// The city in the national convention (unweighted, 無回答 in the base) against the nation.
#[derive(Debug, Clone)]
pub struct NationalComparison {
    pub figure: NationalFigure,
    /// Respondents counted "yes".
    pub yes: usize,
    /// Every counted respondent (無回答 included, as the national tables count).
    pub base: usize,
    /// The test of the difference, when the national base is known.
    pub test: Option<TwoProportionTest>,
}

impl NationalComparison {
    /// The city's percentage in the national convention.
    pub fn percent(&self) -> f64 {
        100.0 * self.yes as f64 / self.base as f64
    }

    /// Higher or lower than the nation at `alpha`, `None` when the test finds no significant
    /// difference (or there is no test).
    pub fn direction(&self, alpha: f64) -> Option<Direction> {
        let test = self.test.as_ref()?;
        (test.p_value < alpha).then_some(if test.difference > 0.0 {
            Direction::Higher
        } else {
            Direction::Lower
        })
    }
}

/// A cell that differs from the rest, for the lists under the table.
#[derive(Debug, Clone)]
pub struct Notable<'a> {
    pub table: &'a BreakdownTable,
    pub cell: &'a Cell,
}

impl IndicatorReport {
    /// The cells shown in `view` whose rate is significantly higher (lower) than the rest's at
    /// `alpha`, in table order.
    pub fn notable(&self, direction: Direction, alpha: f64, view: View) -> Vec<Notable<'_>> {
        self.tables
            .iter()
            .flat_map(|table| table.cells.iter().map(move |cell| Notable { table, cell }))
            .filter(|n| n.cell.shown(view).is_some() && n.cell.direction(alpha) == Some(direction))
            .collect()
    }

    /// The table of one breakdown.
    pub fn table(&self, variable_id: &str) -> Option<&BreakdownTable> {
        self.tables.iter().find(|t| t.variable_id == variable_id)
    }
}

/// Estimates every indicator of the dataset by every breakdown, with tests, on every core
/// (the Rao–Scott tests are most of the work).
pub fn report(data: &Dataset) -> Result<SubgroupReport, EstimateError> {
    let pairs: Vec<(&IndicatorColumn, &Variable)> = data
        .indicators
        .iter()
        .flat_map(|column| {
            data.variables
                .iter()
                .map(move |variable| (column, variable))
        })
        .collect();
    let mut tests = crate::parallel::map(&pairs, |(column, variable)| {
        independence(data, variable, &column.categorical)
    })
    .into_iter();
    let with_tests: Vec<(&IndicatorColumn, Vec<Result<RaoScottTest, NoTest>>)> = data
        .indicators
        .iter()
        .map(|column| (column, tests.by_ref().take(data.variables.len()).collect()))
        .collect();
    let indicators = crate::parallel::map(&with_tests, |(column, tests)| {
        indicator_report(data, column, tests.clone())
    })
    .into_iter()
    .collect::<Result<Vec<_>, EstimateError>>()?;
    Ok(SubgroupReport {
        respondents: data.respondents,
        indicators,
    })
}

/// One indicator by every breakdown, with its tests and the national comparison.
/// `tests` holds the Rao–Scott test of each breakdown, in the dataset's order.
fn indicator_report(
    data: &Dataset,
    column: &IndicatorColumn,
    tests: Vec<Result<RaoScottTest, NoTest>>,
) -> Result<IndicatorReport, EstimateError> {
    let options = planner_options();
    let columns: Vec<_> = data.variables.iter().map(|v| &v.column).collect();
    let estimates = data
        .design
        .proportion_tables(&column.outcome, &columns, &options)?;
    let overall_n = estimates.overall.as_ref().map_or(0, |e| e.n);
    let overall = Cell::new(Text::new("全体", "Everyone"), overall_n, estimates.overall);
    let mut tables = Vec::new();
    for ((variable, levels), test) in data.variables.iter().zip(estimates.tables).zip(tests) {
        let mut cells: Vec<Cell> = levels
            .into_iter()
            .zip(&variable.labels)
            .map(|(level, label)| Cell::new(label.clone(), level.n, level.estimate))
            .collect();
        let classified: usize = cells.iter().map(|c| c.n).sum();
        let versus_rest = data
            .design
            .domain_vs_rest(&column.outcome, &variable.column)?;
        for (cell, test) in cells.iter_mut().zip(versus_rest) {
            if cell.privacy.is_none() {
                cell.versus_rest = test.estimate;
            }
        }
        suppress_one_way(&mut cells);
        tables.push(BreakdownTable {
            variable_id: variable.id.clone(),
            variable_name: variable.name.clone(),
            origin: variable.origin.clone(),
            cells,
            unclassified: overall_n.saturating_sub(classified),
            test,
        });
    }
    let national = column.indicator.national.clone().map(|figure| {
        let base = data.respondents;
        let test = figure.respondents.and_then(|national_n| {
            two_proportion_test(
                column.yes as f64 / base as f64,
                base as f64,
                figure.percent / 100.0,
                f64::from(national_n),
            )
        });
        NationalComparison {
            figure,
            yes: column.yes,
            base,
            test,
        }
    });
    Ok(IndicatorReport {
        indicator: column.indicator.clone(),
        overall,
        national,
        tables,
    })
}

fn independence(
    data: &Dataset,
    variable: &Variable,
    outcome: &crate::estimate::Categorical,
) -> Result<RaoScottTest, NoTest> {
    match data.design.chisq(&variable.column, outcome) {
        Ok(test) if test.f.is_finite() && test.p_value.is_finite() => Ok(test),
        Ok(_) => Err(NoTest::NoVariance),
        Err(EstimateError::DegenerateTable { .. }) => Err(NoTest::OneLevel),
        Err(_) => Err(NoTest::NoVariance),
    }
}

impl SubgroupReport {
    /// The report of one indicator.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorReport> {
        self.indicators.iter().find(|i| i.indicator.id == id)
    }

    /// The table as CSV with the columns `indicator,by,level,n,estimate,se,ci_low,ci_high,total`
    /// (`by` = `all` for the whole population): withheld cells have no numbers, reference
    /// values are left out in the publication view.
    pub fn csv(&self, view: View, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "indicator",
            "by",
            "level",
            "n",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "total",
        ])?;
        for report in &self.indicators {
            let all = std::iter::once(("all", &report.overall));
            let rows = all.chain(
                report
                    .tables
                    .iter()
                    .flat_map(|t| t.cells.iter().map(move |c| (t.variable_id.as_str(), c))),
            );
            for (by, cell) in rows {
                let shown = cell.shown(view);
                let number = |f: &dyn Fn(&crate::estimate::ProportionEstimate) -> Option<f64>| {
                    shown
                        .and_then(f)
                        .filter(|x| x.is_finite())
                        .map(|x| format!("{x}"))
                        .unwrap_or_default()
                };
                out.write_record([
                    report.indicator.id.as_str(),
                    by,
                    if by == "all" {
                        "all"
                    } else {
                        cell.label.get(lang)
                    },
                    &cell.n.to_string(),
                    &number(&|e| Some(e.estimate)),
                    &number(&|e| Some(e.se)),
                    &number(&|e| e.ci.map(|c| c.0)),
                    &number(&|e| e.ci.map(|c| c.1)),
                    &number(&|e| Some(e.total)),
                ])?;
            }
        }
        out.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

impl SubgroupReport {
    /// Every cell with its status, for checking: `indicator,by,level,n,percent,ci_low,ci_high,
    /// population,population_se,status` (names in `lang`; percentages; status codes such as
    /// `show`, `reference:n_eff<30`, `withheld:n<10`).
    pub fn detail_csv(&self, view: View, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "indicator",
            "by",
            "level",
            "n",
            "percent",
            "ci_low",
            "ci_high",
            "population",
            "population_se",
            "status",
        ])?;
        for report in &self.indicators {
            let name = report.indicator.name.get(lang);
            let all = std::iter::once(("all", &report.overall));
            let rows = all.chain(
                report
                    .tables
                    .iter()
                    .flat_map(|t| t.cells.iter().map(move |c| (t.variable_name.get(lang), c))),
            );
            for (by, cell) in rows {
                let shown = cell.shown(view);
                let number = |f: &dyn Fn(&crate::estimate::ProportionEstimate) -> Option<f64>| {
                    shown
                        .and_then(f)
                        .filter(|x| x.is_finite())
                        .map(|x| format!("{x:.4}"))
                        .unwrap_or_default()
                };
                out.write_record([
                    name,
                    by,
                    cell.label.get(lang),
                    &cell.n.to_string(),
                    &number(&|e| Some(100.0 * e.estimate)),
                    &number(&|e| e.ci.map(|c| 100.0 * c.0)),
                    &number(&|e| e.ci.map(|c| 100.0 * c.1)),
                    &number(&|e| Some(e.total)),
                    &number(&|e| Some(e.total_se)),
                    &status(cell, view),
                ])?;
            }
        }
        out.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }

    /// The report as JSON for other tools: withheld numbers are `null`, never present.
    pub fn json(&self, view: View, alpha: f64, lang: Lang) -> serde_json::Value {
        use serde_json::json;
        let cell_json = |cell: &Cell| {
            let shown = cell.shown(view);
            json!({
                "level": cell.label.get(lang),
                "n": cell.n,
                "estimate": shown.map(|e| e.estimate),
                "se": shown.map(|e| e.se).filter(|x| x.is_finite()),
                "ci_low": shown.and_then(|e| e.ci).map(|c| c.0),
                "ci_high": shown.and_then(|e| e.ci).map(|c| c.1),
                "total": shown.map(|e| e.total),
                "total_se": shown.map(|e| e.total_se).filter(|x| x.is_finite()),
                "status": status(cell, view),
                "versus_rest": shown.and(cell.versus_rest.as_ref()).map(|t| json!({
                    "difference": t.difference, "se": t.se, "statistic": t.statistic,
                    "df": t.df, "p_value": t.p_value,
                })),
                "direction": shown.and(cell.direction(alpha)).map(|d| match d {
                    Direction::Higher => "higher",
                    Direction::Lower => "lower",
                }),
            })
        };
        json!({
            "respondents": self.respondents,
            "view": view.as_str(),
            "alpha": alpha,
            "indicators": self.indicators.iter().map(|report| json!({
                "id": report.indicator.id,
                "name": report.indicator.name.get(lang),
                "provenance": report.indicator.provenance.as_str(),
                "overall": cell_json(&report.overall),
                "national": report.national.as_ref().map(|n| json!({
                    "percent": n.figure.percent,
                    "year": n.figure.year,
                    "source": n.figure.source.get(lang),
                    "respondents": n.figure.respondents,
                    "city_percent_national_convention": n.percent(),
                    "city_base": n.base,
                    "p_value": n.test.as_ref().map(|t| t.p_value),
                })),
                "breakdowns": report.tables.iter().map(|t| json!({
                    "by": t.variable_id,
                    "name": t.variable_name.get(lang),
                    "test": t.test.as_ref().ok().map(|r| json!({
                        "f": r.f, "ndf": r.ndf, "ddf": r.ddf, "p_value": r.p_value,
                    })),
                    "cells": t.cells.iter().map(cell_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A cell's status code: `show…` (the NCHS code), `reference:…` when the view shows a
/// reference value, `withheld:…` for privacy or (in the publication view) reliability.
pub fn status(cell: &Cell, view: View) -> String {
    if let Some(privacy) = cell.privacy {
        return privacy.code().to_string();
    }
    let Some(estimate) = &cell.estimate else {
        return Privacy::NoRespondents.code().to_string();
    };
    let code = estimate.presentation.code();
    match (estimate.presentation.suppress, view) {
        (None, _) => code,
        (Some(_), View::Working) => code.replacen("suppress:", "reference:", 1),
        (Some(_), View::Publication) => code.replacen("suppress:", "withheld:", 1),
    }
}

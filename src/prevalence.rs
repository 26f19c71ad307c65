//! Weighted prevalence for planners: each questionnaire indicator estimated for the whole
//! population and by age band, sex and district, inside one calibrated design.
//!
//! The design is the sample's: strata with their population sizes (fpc) and base weights
//! N_h / n_h; the base weights of the respondents are raked to the register's totals by
//! sex × age band and by district. Cells follow the presentation rules of `estimate`
//! (NCHS standards, n < 10), and when a breakdown would show all but one of its cells, one
//! more is withheld so that the hidden one cannot be worked out from the others
//! (complementary suppression). Pure: rows in, report out.

use std::collections::BTreeMap;

use crate::estimate::{
    Categorical, CiMethod, Design, EstimateError, EstimateOptions, LonelyPsu, MarginTotals,
    Outcome, ProportionEstimate, RakeOptions, WeightDiagnostics,
};
use crate::questionnaire::{Answers, Indicator, Lang, Questionnaire};

/// One respondent: the sampled person's design columns and their answers.
#[derive(Debug, Clone)]
pub struct Respondent {
    pub stratum: String,
    /// N_h, the stratum's population on the reference date.
    pub population: f64,
    /// N_h / n_h.
    pub base_weight: f64,
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
    pub answers: Answers,
}

/// Eligible residents of the register in one sex × age band × district cell.
#[derive(Debug, Clone)]
pub struct RegisterCell {
    pub sex: Option<String>,
    pub age_band: String,
    pub district: Option<String>,
    pub population: f64,
}

/// How the weights were made.
#[derive(Debug, Clone, PartialEq)]
pub enum Weighting {
    /// Raked to the register by sex × age band and by district.
    Raked,
    /// Post-stratified to the register by age band only; why raking was not possible.
    PostStratifiedByAge { reason: String },
    /// Base weights only; why no calibration was possible.
    BaseWeights { reason: String },
}

/// A breakdown of the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    AgeBand,
    Sex,
    District,
}

impl Breakdown {
    /// Every breakdown, in the order shown.
    pub const ALL: [Breakdown; 3] = [Breakdown::AgeBand, Breakdown::Sex, Breakdown::District];

    fn label(self, r: &Respondent) -> String {
        match self {
            Breakdown::AgeBand => r.age_band.clone(),
            Breakdown::Sex => r.sex.clone().unwrap_or_default(),
            Breakdown::District => r.district.clone().unwrap_or_default(),
        }
    }
}

/// Why a cell is not shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Withheld {
    /// The presentation rules (its code, e.g. `suppress:n<10`).
    Rule(String),
    /// Withheld so that another withheld cell cannot be worked out from the rest.
    Complementary,
    /// Nobody in the cell answered.
    NoRespondents,
}

/// One estimate in a table.
#[derive(Debug, Clone)]
pub struct Cell {
    pub level: String,
    /// Respondents with an answer.
    pub n: usize,
    pub estimate: Option<ProportionEstimate>,
    /// `None` when the cell may be shown.
    pub withheld: Option<Withheld>,
}

/// An indicator's estimates.
#[derive(Debug, Clone)]
pub struct IndicatorTable {
    pub indicator: Indicator,
    pub overall: Cell,
    pub breakdowns: Vec<(Breakdown, Vec<Cell>)>,
}

/// Everything the planner page shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub respondents: usize,
    pub weighting: Weighting,
    pub weights: WeightDiagnostics,
    pub tables: Vec<IndicatorTable>,
}

/// Why no report can be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no respondents from the sample have submitted yet")]
    NoRespondents,
    #[error(transparent)]
    Estimate(#[from] EstimateError),
}

/// Estimates every indicator of `questionnaire` for the respondents.
pub fn report(
    questionnaire: &Questionnaire,
    respondents: &[Respondent],
    register: &[RegisterCell],
    options: &EstimateOptions,
) -> Result<Report, ReportError> {
    if respondents.is_empty() {
        return Err(ReportError::NoRespondents);
    }
    let base = Design::builder(respondents.iter().map(|r| r.base_weight).collect())
        .strata(
            "stratum",
            Categorical::from_labels(&column(respondents, |r| r.stratum.clone())),
        )
        .fpc("N_h", respondents.iter().map(|r| r.population).collect())
        .lonely_psu(LonelyPsu::Adjust)
        .build()?;
    let (design, weighting) = calibrate(&base, respondents, register);
    let breakdowns: Vec<(Breakdown, Categorical)> = Breakdown::ALL
        .iter()
        .map(|&b| {
            (
                b,
                Categorical::from_labels(&column(respondents, |r| b.label(r))),
            )
        })
        .collect();
    let mut tables = Vec::new();
    for indicator in questionnaire.indicators() {
        let values: Vec<Option<bool>> = respondents
            .iter()
            .map(|r| indicator.value(questionnaire, &r.answers))
            .collect();
        let outcome = Outcome::binary(&values);
        let columns: Vec<&Categorical> = breakdowns.iter().map(|(_, column)| column).collect();
        // The whole population and every breakdown from one pass over the respondents.
        let estimates = design.proportion_tables(&outcome, &columns, options)?;
        let overall = cell(
            "all".into(),
            estimates.overall.as_ref().map_or(0, |e| e.n),
            estimates.overall,
        );
        let mut by = Vec::new();
        for ((breakdown, _), levels) in breakdowns.iter().zip(estimates.tables) {
            let mut cells: Vec<Cell> = levels
                .into_iter()
                .filter(|level| !level.level.is_empty())
                .map(|level| cell(level.level, level.n, level.estimate))
                .collect();
            complementary_suppression(&mut cells);
            by.push((*breakdown, cells));
        }
        tables.push(IndicatorTable {
            indicator: indicator.clone(),
            overall,
            breakdowns: by,
        });
    }
    Ok(Report {
        respondents: respondents.len(),
        weighting,
        weights: design.weight_diagnostics(),
        tables,
    })
}

impl Breakdown {
    /// The breakdown's name for tables.
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Breakdown::AgeBand, Lang::Ja) => "年齢",
            (Breakdown::AgeBand, Lang::En) => "Age band",
            (Breakdown::Sex, Lang::Ja) => "性別",
            (Breakdown::Sex, Lang::En) => "Sex",
            (Breakdown::District, Lang::Ja) => "地区",
            (Breakdown::District, Lang::En) => "District",
        }
    }
}

impl Report {
    /// The tables as CSV: one row per indicator × cell; withheld cells have no numbers.
    pub fn csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
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
        for table in &self.tables {
            let name = table.indicator.name.get(lang);
            let all = [(None, &table.overall)];
            let rows = all.into_iter().chain(
                table
                    .breakdowns
                    .iter()
                    .flat_map(|(b, cells)| cells.iter().map(move |c| (Some(*b), c))),
            );
            for (breakdown, cell) in rows {
                let shown = cell.estimate.as_ref().filter(|_| cell.withheld.is_none());
                let number = |f: &dyn Fn(&ProportionEstimate) -> Option<f64>| {
                    shown
                        .and_then(f)
                        .filter(|x| x.is_finite())
                        .map(|x| format!("{x:.4}"))
                        .unwrap_or_default()
                };
                let status = match &cell.withheld {
                    None => shown.map(|e| e.presentation.code()).unwrap_or_default(),
                    Some(Withheld::Rule(code)) => code.clone(),
                    Some(Withheld::Complementary) => "suppress:complementary".into(),
                    Some(Withheld::NoRespondents) => "no_respondents".into(),
                };
                out.write_record([
                    name,
                    breakdown.map_or("all", |b| b.name(lang)),
                    &cell.level,
                    &cell.n.to_string(),
                    &number(&|e| Some(100.0 * e.estimate)),
                    &number(&|e| e.ci.map(|c| 100.0 * c.0)),
                    &number(&|e| e.ci.map(|c| 100.0 * c.1)),
                    &number(&|e| Some(e.total)),
                    &number(&|e| Some(e.total_se)),
                    &status,
                ])?;
            }
        }
        out.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// The default estimate options of the planner view: logit intervals at 95%.
pub fn planner_options() -> EstimateOptions {
    EstimateOptions {
        ci: CiMethod::Logit,
        level: 0.95,
    }
}

fn column(respondents: &[Respondent], f: impl Fn(&Respondent) -> String) -> Vec<String> {
    respondents.iter().map(f).collect()
}

fn cell(level: String, n: usize, estimate: Option<ProportionEstimate>) -> Cell {
    let withheld = match &estimate {
        None => Some(Withheld::NoRespondents),
        Some(e) if !e.presentation.shown() => Some(Withheld::Rule(e.presentation.code())),
        Some(_) => None,
    };
    Cell {
        level,
        n,
        estimate,
        withheld,
    }
}

/// When exactly one cell of a breakdown is withheld, the smallest shown cell is withheld too:
/// otherwise the hidden count would be the total minus the others.
fn complementary_suppression(cells: &mut [Cell]) {
    let withheld = cells.iter().filter(|c| c.withheld.is_some()).count();
    if withheld != 1 {
        return;
    }
    if let Some(smallest) = cells
        .iter_mut()
        .filter(|c| c.withheld.is_none())
        .min_by_key(|c| c.n)
    {
        smallest.withheld = Some(Withheld::Complementary);
    }
}

/// Rakes to sex × age band and district; falls back to age band alone, then to base weights,
/// saying why.
fn calibrate(
    base: &Design,
    respondents: &[Respondent],
    register: &[RegisterCell],
) -> (Design, Weighting) {
    let sex_age =
        |sex: &Option<String>, age: &str| format!("{} × {age}", sex.as_deref().unwrap_or("?"));
    let sum_by = |key: &dyn Fn(&RegisterCell) -> String| {
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for c in register {
            *totals.entry(key(c)).or_default() += c.population;
        }
        totals.into_iter().collect::<Vec<_>>()
    };
    let raked = (|| {
        if register.is_empty() {
            return Err("the register totals are not available".to_string());
        }
        let sexage =
            Categorical::from_labels(&column(respondents, |r| sex_age(&r.sex, &r.age_band)));
        let district = Categorical::from_labels(&column(respondents, |r| {
            r.district.clone().unwrap_or_else(|| "?".into())
        }));
        let m1 = MarginTotals::new(
            "sex × age band",
            &sexage,
            &sum_by(&|c| sex_age(&c.sex, &c.age_band)),
        )
        .map_err(|e| e.to_string())?;
        let m2 = MarginTotals::new(
            "district",
            &district,
            &sum_by(&|c| c.district.clone().unwrap_or_else(|| "?".into())),
        )
        .map_err(|e| e.to_string())?;
        base.rake(&[m1, m2], &RakeOptions::default())
            .map_err(|e| e.to_string())
    })();
    let reason = match raked {
        Ok(design) => return (design, Weighting::Raked),
        Err(reason) => reason,
    };
    let by_age = (|| {
        let age = Categorical::from_labels(&column(respondents, |r| r.age_band.clone()));
        let m = MarginTotals::new("age band", &age, &sum_by(&|c| c.age_band.clone()))
            .map_err(|e| e.to_string())?;
        base.post_stratify(&m).map_err(|e| e.to_string())
    })();
    match by_age {
        Ok(design) => (design, Weighting::PostStratifiedByAge { reason }),
        Err(second) => (
            base.clone(),
            Weighting::BaseWeights {
                reason: format!("{reason}; {second}"),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::{load_file, Answer};

    fn national() -> Questionnaire {
        load_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        ))
        .unwrap()
    }

    fn respondent(stratum: &str, sex: &str, age: &str, district: &str, direct: u32) -> Respondent {
        let mut answers = Answers::new();
        answers.insert("direct", Answer::Choice(direct));
        Respondent {
            stratum: stratum.into(),
            population: 1000.0,
            base_weight: 50.0,
            sex: Some(sex.into()),
            age_band: age.into(),
            district: Some(district.into()),
            answers,
        }
    }

    fn register() -> Vec<RegisterCell> {
        let mut cells = Vec::new();
        for sex in ["男", "女"] {
            for age in ["16-39", "40-"] {
                for district in ["北", "南"] {
                    cells.push(RegisterCell {
                        sex: Some(sex.into()),
                        age_band: age.into(),
                        district: Some(district.into()),
                        population: 500.0,
                    });
                }
            }
        }
        cells
    }

    fn sample() -> Vec<Respondent> {
        let mut rows = Vec::new();
        for i in 0..80 {
            let sex = if i % 2 == 0 { "男" } else { "女" };
            let age = if i % 4 < 2 { "16-39" } else { "40-" };
            let district = if i % 8 < 4 { "北" } else { "南" };
            let stratum = if district == "北" { "S1" } else { "S2" };
            rows.push(respondent(
                stratum,
                sex,
                age,
                district,
                if i % 10 == 0 { 5 } else { 2 },
            ));
        }
        rows
    }

    #[test]
    fn raked_weights_add_up_to_the_register_and_the_rate_is_the_share_of_yes() {
        let report = report(&national(), &sample(), &register(), &planner_options()).unwrap();
        assert_eq!(report.weighting, Weighting::Raked);
        assert!(
            (report.weights.sum - 4000.0).abs() < 1e-6,
            "{}",
            report.weights.sum
        );
        let often = report
            .tables
            .iter()
            .find(|t| t.indicator.id == "lonely_often")
            .unwrap();
        let e = often.overall.estimate.as_ref().unwrap();
        // 8 of 80 answered 5, spread evenly over the calibration cells: 10%.
        assert!((e.estimate - 0.1).abs() < 1e-9, "{}", e.estimate);
        assert!((e.total - 400.0).abs() < 1e-6);
        assert_eq!(often.overall.n, 80);
    }

    #[test]
    fn a_respondent_outside_the_register_cells_falls_back_to_age_post_stratification() {
        let mut rows = sample();
        rows[0].district = Some("西".into());
        let report = report(&national(), &rows, &register(), &planner_options()).unwrap();
        assert!(
            matches!(report.weighting, Weighting::PostStratifiedByAge { .. }),
            "{:?}",
            report.weighting
        );
    }

    #[test]
    fn a_lone_small_cell_takes_the_smallest_other_cell_with_it() {
        let mut cells = vec![
            Cell {
                level: "a".into(),
                n: 50,
                estimate: None,
                withheld: None,
            },
            Cell {
                level: "b".into(),
                n: 5,
                estimate: None,
                withheld: Some(Withheld::Rule("suppress:n<10".into())),
            },
            Cell {
                level: "c".into(),
                n: 30,
                estimate: None,
                withheld: None,
            },
        ];
        complementary_suppression(&mut cells);
        assert_eq!(cells[0].withheld, None);
        assert_eq!(cells[2].withheld, Some(Withheld::Complementary));
        // Two withheld already: nothing more to do.
        complementary_suppression(&mut cells);
        assert_eq!(cells[0].withheld, None);
    }

    #[test]
    fn nobody_answering_is_an_error_not_an_empty_report() {
        assert!(matches!(
            report(&national(), &[], &register(), &planner_options()),
            Err(ReportError::NoRespondents)
        ));
    }
}

//! The analysis dataset of a survey and everything planners read from it: one row per counted
//! respondent with the design columns, the calibrated weights, every breakdown variable and
//! every indicator, built once from storage and shared by every planner page and download.
//!
//! Pure: respondents (design columns + answers) and register totals in, tables out. The web
//! layer caches a [`Dataset`] per survey and rebuilds it only when the survey's data version
//! changes (see `db::surveys::data_version`).
//!
//! - [`Dataset::build`]: design (strata, fpc, base weights N_h / n_h), calibration to the
//!   register ([`weighting`]), breakdown variables (register sex, age band and district, then
//!   the questionnaire's `[[breakdown]]`s), indicators as 0/1/missing.
//! - [`subgroups`]: every indicator by every breakdown with tests (the Suzaka table, done
//!   right), and any one- or two-way table a planner builds ([`custom`]).
//! - [`cells`]: the two kinds of blank — privacy (withheld everywhere) and reliability
//!   (参考値 on working pages, withheld in the publication view).

pub mod cache;
pub mod cells;
pub mod custom;
pub mod subgroups;
pub mod waves;
pub mod weighting;

use std::sync::Arc;

use crate::estimate::{Categorical, Design, EstimateError, LonelyPsu, Outcome, WeightDiagnostics};
use crate::questionnaire::{Answers, Indicator, Lang, Questionnaire, Text};

pub use weighting::{MarginKind, Published, RegisterCell, Weighting};

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
    pub answers: Arc<Answers>,
}

/// Where a breakdown variable comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The resident register (known for every sampled person).
    Register,
    /// An answer to the questionnaire (a `[[breakdown]]` of the file).
    Answer,
}

/// A variable tables can be broken down by.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Identifier in links and downloads (`sex`, `age_band`, `district`, `living_alone` …).
    pub id: String,
    /// Heading.
    pub name: Text,
    pub origin: Origin,
    /// One label per level, in the column's level order.
    pub labels: Vec<Text>,
    /// The level of every respondent (missing when not answered).
    pub column: Categorical,
}

/// An indicator with its value for every respondent.
#[derive(Debug, Clone)]
pub struct IndicatorColumn {
    pub indicator: Indicator,
    /// 1 yes, 0 no, missing without a valid answer.
    pub outcome: Outcome,
    /// The same as a two-level column (`no`, `yes`), for tests of independence.
    pub categorical: Categorical,
    /// Respondents counted "yes" (unweighted).
    pub yes: usize,
}

/// Everything planners' pages read about one survey.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Counted respondents (rows).
    pub respondents: usize,
    pub design: Design,
    pub weighting: Weighting,
    pub weights: WeightDiagnostics,
    pub variables: Vec<Variable>,
    pub indicators: Vec<IndicatorColumn>,
    /// The answers, in row order (for tables of any single-choice item).
    pub answers: Vec<Arc<Answers>>,
    pub questionnaire: Questionnaire,
    /// The respondents the dataset was built from, in row order (design columns and
    /// answers), for the analysis file.
    pub sample: Vec<Respondent>,
    /// The register cells the weights were calibrated to.
    pub register: Vec<RegisterCell>,
}

/// Why no dataset can be made.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("no sample has been drawn for this survey, so there is no design to weight by")]
    NoSample,
    #[error("no respondents from the sample have submitted yet")]
    NoRespondents,
    #[error(transparent)]
    Estimate(#[from] EstimateError),
}

impl AnalysisError {
    /// The message for a planner, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AnalysisError::NoSample, Lang::Ja) => "この調査には標本（住民基本台帳からの無作為抽出）がないため、重み付きの推計はできません。公開型の調査は単純集計をご覧ください。".into(),
            (AnalysisError::NoSample, Lang::En) => "No sample has been drawn for this survey, so there is no design to weight by. For an open questionnaire, see the simple tabulation.".into(),
            (AnalysisError::NoRespondents, Lang::Ja) => {
                "標本から回答を提出した方がまだいないため、推計できません。".into()
            }
            (AnalysisError::NoRespondents, Lang::En) => {
                "Nobody from the sample has submitted yet: nothing to estimate.".into()
            }
            (AnalysisError::Estimate(e), Lang::Ja) => format!("推計できません（{e}）。"),
            (AnalysisError::Estimate(e), Lang::En) => format!("No estimates: {e}."),
        }
    }
}

impl Dataset {
    /// Builds the dataset: the design of the sample, calibrated to the register by the
    /// default weighting, with every breakdown and indicator of `questionnaire` as columns.
    pub fn build(
        questionnaire: &Questionnaire,
        respondents: Vec<Respondent>,
        register: &[RegisterCell],
    ) -> Result<Dataset, AnalysisError> {
        Dataset::build_weighted(questionnaire, respondents, register, None)
    }

    /// [`Dataset::build`] with the survey's published weighting (`None`: the default).
    pub fn build_weighted(
        questionnaire: &Questionnaire,
        respondents: Vec<Respondent>,
        register: &[RegisterCell],
        published: Option<&Published>,
    ) -> Result<Dataset, AnalysisError> {
        if respondents.is_empty() {
            return Err(AnalysisError::NoRespondents);
        }
        let base = base_design(&respondents)?;
        let (design, weighting) = weighting::calibrate(&base, &respondents, register, published);
        let mut variables = register_variables(&respondents);
        let breakdowns = questionnaire.breakdowns();
        let indicators = questionnaire.indicators();
        // One pass over the respondents reading every breakdown and indicator of each while
        // its answers are in the cache, rather than one pass per column.
        let mut groups = Vec::with_capacity(respondents.len() * breakdowns.len());
        let mut values = Vec::with_capacity(respondents.len() * indicators.len());
        for r in &respondents {
            groups.extend(breakdowns.iter().map(|breakdown| {
                breakdown
                    .group_of(questionnaire, &r.answers)
                    .map_or(Categorical::MISSING, |g| g as u32)
            }));
            values.extend(
                indicators
                    .iter()
                    .map(|indicator| indicator.value(questionnaire, &r.answers)),
            );
        }
        for (index, breakdown) in breakdowns.iter().enumerate() {
            variables.push(Variable {
                id: breakdown.id.clone(),
                name: breakdown.name.clone(),
                origin: Origin::Answer,
                labels: breakdown.groups.iter().map(|g| g.label.clone()).collect(),
                column: Categorical::from_codes(
                    column_at(&groups, index, breakdowns.len()),
                    level_names(breakdown.groups.len()),
                )?,
            });
        }
        let indicators = indicators
            .iter()
            .enumerate()
            .map(|(index, indicator)| {
                let values = column_at(&values, index, indicators.len());
                let codes = values
                    .iter()
                    .map(|v| v.map_or(Categorical::MISSING, u32::from))
                    .collect();
                Ok(IndicatorColumn {
                    indicator: indicator.clone(),
                    yes: values.iter().filter(|v| **v == Some(true)).count(),
                    outcome: Outcome::binary(&values),
                    categorical: Categorical::from_codes(
                        codes,
                        vec!["no".to_string(), "yes".to_string()],
                    )?,
                })
            })
            .collect::<Result<Vec<_>, EstimateError>>()?;
        Ok(Dataset {
            respondents: respondents.len(),
            weights: design.weight_diagnostics(),
            design,
            weighting,
            variables,
            indicators,
            answers: respondents.iter().map(|r| Arc::clone(&r.answers)).collect(),
            questionnaire: questionnaire.clone(),
            sample: respondents,
            register: register.to_vec(),
        })
    }

    /// The breakdown variable with this id.
    pub fn variable(&self, id: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.id == id)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorColumn> {
        self.indicators.iter().find(|i| i.indicator.id == id)
    }
}

/// The design of the sample before calibration: strata, fpc N_h, base weights N_h / n_h.
pub fn base_design(respondents: &[Respondent]) -> Result<Design, EstimateError> {
    Design::builder(respondents.iter().map(|r| r.base_weight).collect())
        .strata(
            "stratum",
            Categorical::from_labels(&column(respondents, |r| r.stratum.clone())),
        )
        .fpc("N_h", respondents.iter().map(|r| r.population).collect())
        .lonely_psu(LonelyPsu::Adjust)
        .build()
}

/// Column `index` of a row-major table `width` values wide.
fn column_at<T: Copy>(flat: &[T], index: usize, width: usize) -> Vec<T> {
    flat.iter().skip(index).step_by(width).copied().collect()
}

/// Level names of a column whose labels are kept apart (`0`, `1`, …).
fn level_names(n: usize) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

fn column(respondents: &[Respondent], f: impl Fn(&Respondent) -> String) -> Vec<String> {
    respondents.iter().map(f).collect()
}

/// Sex, age band and district as the register has them.
fn register_variables(respondents: &[Respondent]) -> Vec<Variable> {
    let sex = Categorical::from_labels(&column(respondents, |r| r.sex.clone().unwrap_or_default()));
    let age = Categorical::from_labels(&column(respondents, |r| r.age_band.clone()));
    let district = Categorical::from_labels(&column(respondents, |r| {
        r.district.clone().unwrap_or_default()
    }));
    let sex_label = |level: &str| match level {
        "male" => Text::new("男性", "Male"),
        "female" => Text::new("女性", "Female"),
        other => Text::new(other, other),
    };
    let age_label = |level: &str| {
        let en = level.to_string();
        let ja = match level.strip_suffix('-').or_else(|| level.strip_suffix('+')) {
            Some(from) => format!("{from}歳以上"),
            None => format!("{}歳", level.replace('-', "～")),
        };
        Text::new(ja, en)
    };
    vec![
        Variable {
            id: "sex".into(),
            name: Text::new("性別（住民基本台帳）", "Sex (register)"),
            origin: Origin::Register,
            labels: sex.levels().iter().map(|l| sex_label(l)).collect(),
            column: sex,
        },
        Variable {
            id: "age_band".into(),
            name: Text::new("年齢（住民基本台帳）", "Age band (register)"),
            origin: Origin::Register,
            labels: age.levels().iter().map(|l| age_label(l)).collect(),
            column: age,
        },
        Variable {
            id: "district".into(),
            name: Text::new("地区（住民基本台帳）", "District (register)"),
            origin: Origin::Register,
            labels: district
                .levels()
                .iter()
                .map(|l| Text::new(l.as_str(), l.as_str()))
                .collect(),
            column: district,
        },
    ]
}

#[cfg(test)]
mod tests;

//! A weighting an admin chooses: the method (raking or post-stratification), the register
//! margins, the collapsing of sparse cells, the trimming bounds and when raking stops — and
//! applying it to a sample, with a message in both languages for every reason it cannot be
//! used. The default specification is the planner's weighting as it always was (raking to
//! sex × age band and district).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MarginKind, RegisterCell};
use crate::analysis::{column, Respondent};
use crate::estimate::{Categorical, Design, EstimateError, MarginTotals, RakeOptions};
use crate::questionnaire::Lang;

/// Raking or post-stratification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Iterative proportional fitting to every margin (R's `rake`).
    Raking,
    /// One classification, weights scaled to its totals in one step (R's `postStratify`).
    PostStratification,
}

impl Method {
    /// The word of forms and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Method::Raking => "raking",
            Method::PostStratification => "post_stratification",
        }
    }

    /// The label of the form, in plain words.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Method::Raking, Lang::Ja) => "レイキング（周辺分布に合わせる）",
            (Method::Raking, Lang::En) => "Raking (match each margin in turn)",
            (Method::PostStratification, Lang::Ja) => "事後層化（1つの区分の人口に合わせる）",
            (Method::PostStratification, Lang::En) => {
                "Post-stratification (match one classification)"
            }
        }
    }
}

/// How the weights are made from the base weights and the register.
///
/// Collapsing: with `min_cell_respondents = k > 0`, a margin cell with fewer than k
/// respondents is merged with its neighbour — the next or previous age band (of the same sex
/// for sex × age band), the next or previous district or sex in name order — taking the
/// neighbour with fewer respondents (the previous one on a tie), the sparsest cell first,
/// until every cell has k or more; a merged cell is named by its parts joined with `+`
/// (`female × 75-84+85-`). With k = 0 nothing is merged and a cell without respondents is
/// an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightingSpec {
    pub method: Method,
    /// The register classifications, in the order raking goes through them.
    pub margins: Vec<MarginKind>,
    /// Cells with fewer respondents are merged into a neighbour (0: no collapsing).
    pub min_cell_respondents: usize,
    /// Weights below are raised to it (R's `trimWeights`, strict), the difference spread
    /// over the weights inside the bounds.
    pub trim_lower: Option<f64>,
    /// Weights above are cut to it.
    pub trim_upper: Option<f64>,
    /// Raking stops when every margin is within this relative difference of its total.
    pub tolerance: f64,
    /// Raking gives up after this many sweeps.
    pub max_iterations: usize,
}

impl Default for WeightingSpec {
    /// The planner's weighting as it always was: raking to sex × age band and district.
    fn default() -> Self {
        let options = RakeOptions::default();
        WeightingSpec {
            method: Method::Raking,
            margins: vec![MarginKind::SexAge, MarginKind::District],
            min_cell_respondents: 0,
            trim_lower: None,
            trim_upper: None,
            tolerance: options.tolerance,
            max_iterations: options.max_iterations,
        }
    }
}

/// Why a weighting cannot be used; nothing changes until a valid one is published.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecError {
    /// A margin the register cells do not have.
    UnknownMargin(String),
    /// A method other than raking and post-stratification.
    UnknownMethod(String),
    /// No margin chosen.
    NoMargin,
    /// A margin chosen twice.
    DuplicateMargin(MarginKind),
    /// Post-stratification is on one classification.
    PostStratificationNeedsOneMargin(usize),
    /// A number field that does not read as a number of its kind.
    BadNumber { field: &'static str, value: String },
    /// The tolerance is not a positive number.
    Tolerance(f64),
    /// Zero iterations.
    NoIterations,
    /// A negative or zero trimming bound.
    TrimNotPositive(f64),
    /// The upper trimming bound below the lower one.
    TrimOrder { lower: f64, upper: f64 },
    /// An upper bound at or below the smallest weight: every weight would be cut.
    TrimUpperBelowSmallest { upper: f64, smallest: f64 },
    /// A lower bound at or above the largest weight: every weight would be raised.
    TrimLowerAboveLargest { lower: f64, largest: f64 },
    /// No register totals stored for the sample.
    NoRegister,
    /// Respondents in a cell the register has nobody in.
    EmptyRegisterCell { margin: MarginKind, level: String },
    /// A register cell without respondents, with no collapsing chosen.
    EmptyRespondentCell { margin: MarginKind, level: String },
    /// A sparse cell with no neighbour to merge into.
    CannotCollapse {
        margin: MarginKind,
        level: String,
        respondents: usize,
        minimum: usize,
    },
    /// Raking did not reach the tolerance within the iterations.
    NotConverged {
        iterations: usize,
        discrepancy: f64,
        tolerance: f64,
    },
    /// Any other refusal of the estimation engine (its English message).
    Engine(String),
}

impl SpecError {
    /// What is wrong and what to change, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        use SpecError::*;
        let ja = lang == Lang::Ja;
        match self {
            UnknownMargin(m) if ja => format!("区分「{m}」はありません。性・年齢、地区、年齢、性別から選んでください。"),
            UnknownMargin(m) => format!("There is no margin `{m}`: choose sex × age band, district, age band or sex."),
            UnknownMethod(m) if ja => format!("方法「{m}」はありません。レイキングか事後層化を選んでください。"),
            UnknownMethod(m) => format!("There is no method `{m}`: choose raking or post-stratification."),
            NoMargin if ja => "合わせる区分を1つ以上選んでください。".into(),
            NoMargin => "Choose at least one margin.".into(),
            DuplicateMargin(k) if ja => format!("区分「{}」が2回選ばれています。", k.label(lang)),
            DuplicateMargin(k) => format!("The margin {} is chosen twice.", k.name()),
            PostStratificationNeedsOneMargin(n) if ja => format!("事後層化は1つの区分にだけ合わせます（{n}個選ばれています）。複数の区分にはレイキングを選んでください。"),
            PostStratificationNeedsOneMargin(n) => format!("Post-stratification uses exactly one margin ({n} chosen): choose raking for several."),
            BadNumber { field, value } if ja => format!("「{}」の値「{value}」は数として読めません。", field_label(field, lang)),
            BadNumber { field, value } => format!("{}: `{value}` is not a number of the right kind.", field_label(field, lang)),
            Tolerance(t) if ja => format!("収束の許容誤差は0より大きい数にしてください（{t}）。"),
            Tolerance(t) => format!("The convergence tolerance must be greater than 0 (got {t})."),
            NoIterations if ja => "反復回数の上限は1以上にしてください。".into(),
            NoIterations => "The maximum number of iterations must be at least 1.".into(),
            TrimNotPositive(b) if ja => format!("重みの切り詰めの範囲は0より大きい数にしてください（{b}）。"),
            TrimNotPositive(b) => format!("Trimming bounds must be greater than 0 (got {b})."),
            TrimOrder { lower, upper } if ja => format!("重みの切り詰めの上限（{upper}）が下限（{lower}）より小さくなっています。"),
            TrimOrder { lower, upper } => format!("The upper trimming bound ({upper}) is below the lower one ({lower})."),
            TrimUpperBelowSmallest { upper, smallest } if ja => format!("重みの切り詰めの上限（{upper}）が最も小さい重み（{}）以下です。すべての重みが切り詰められてしまうため、上限を大きくしてください。", round(*smallest)),
            TrimUpperBelowSmallest { upper, smallest } => format!("The upper trimming bound ({upper}) is at or below the smallest weight ({}): every weight would be cut. Raise it.", round(*smallest)),
            TrimLowerAboveLargest { lower, largest } if ja => format!("重みの切り詰めの下限（{lower}）が最も大きい重み（{}）以上です。下限を小さくしてください。", round(*largest)),
            TrimLowerAboveLargest { lower, largest } => format!("The lower trimming bound ({lower}) is at or above the largest weight ({}): lower it.", round(*largest)),
            NoRegister if ja => "住民基本台帳の人口（区分ごとの人数）が保存されていないため、人口に合わせる調整はできません。".into(),
            NoRegister => "The register totals are not available: no calibration is possible.".into(),
            EmptyRegisterCell { margin, level } if ja => format!("区分「{}」の「{level}」には回答者がいますが、住民基本台帳の人口がありません。この区分を使わないでください。", margin.label(lang)),
            EmptyRegisterCell { margin, level } => format!("Margin {}: the cell `{level}` has respondents but no register population. Leave this margin out.", margin.name()),
            EmptyRespondentCell { margin, level } if ja => format!("区分「{}」の「{level}」には住民基本台帳の人口がありますが、回答者がいません。「回答者が少ない区分をまとめる」の人数を1以上にするか、この区分を使わないでください。", margin.label(lang)),
            EmptyRespondentCell { margin, level } => format!("Margin {}: the cell `{level}` has a register population but no respondents. Set a minimum of respondents per cell (1 or more) to merge it, or leave this margin out.", margin.name()),
            CannotCollapse { margin, level, respondents, minimum } if ja => format!("区分「{}」の「{level}」は回答者が{respondents}人で{minimum}人に届かず、まとめる隣の区分もありません。人数を小さくするか、この区分を使わないでください。", margin.label(lang)),
            CannotCollapse { margin, level, respondents, minimum } => format!("Margin {}: the cell `{level}` has {respondents} respondent(s), fewer than {minimum}, and no neighbour to merge with. Lower the minimum or leave this margin out.", margin.name()),
            NotConverged { iterations, discrepancy, tolerance } if ja => format!("レイキングが{iterations}回の反復で収束しませんでした（残りの差 {discrepancy:.2e}、許容誤差 {tolerance:e}）。反復回数の上限を増やすか、許容誤差を大きくするか、区分を減らしてください。"),
            NotConverged { iterations, discrepancy, tolerance } => format!("Raking did not converge in {iterations} iterations (discrepancy {discrepancy:.2e}, tolerance {tolerance:e}). Allow more iterations, a larger tolerance or fewer margins."),
            Engine(e) if ja => format!("この重み付けは使えません（{e}）。"),
            Engine(e) => format!("This weighting cannot be used: {e}."),
        }
    }
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for SpecError {}

fn round(x: f64) -> String {
    format!("{:.4}", x)
}

fn field_label(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        ("min_cell_respondents", Lang::Ja) => "回答者が少ない区分をまとめる人数",
        ("min_cell_respondents", Lang::En) => "Minimum respondents per cell",
        ("trim_lower", Lang::Ja) => "重みの下限",
        ("trim_lower", Lang::En) => "Lower weight bound",
        ("trim_upper", Lang::Ja) => "重みの上限",
        ("trim_upper", Lang::En) => "Upper weight bound",
        ("tolerance", Lang::Ja) => "収束の許容誤差",
        ("tolerance", Lang::En) => "Convergence tolerance",
        ("max_iterations", Lang::Ja) => "反復回数の上限",
        ("max_iterations", Lang::En) => "Maximum iterations",
        (_, Lang::Ja) => "値",
        (_, Lang::En) => "Value",
    }
}

/// A specification as typed into the admin's form (every field as text), so that the form
/// can be shown again with what was typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecForm {
    pub method: String,
    pub margins: Vec<String>,
    pub min_cell_respondents: String,
    pub trim_lower: String,
    pub trim_upper: String,
    pub tolerance: String,
    pub max_iterations: String,
}

impl From<&WeightingSpec> for SpecForm {
    fn from(spec: &WeightingSpec) -> Self {
        let bound = |b: Option<f64>| b.map(|b| b.to_string()).unwrap_or_default();
        SpecForm {
            method: spec.method.id().to_string(),
            margins: spec.margins.iter().map(|m| m.id().to_string()).collect(),
            min_cell_respondents: spec.min_cell_respondents.to_string(),
            trim_lower: bound(spec.trim_lower),
            trim_upper: bound(spec.trim_upper),
            tolerance: format!("{:e}", spec.tolerance),
            max_iterations: spec.max_iterations.to_string(),
        }
    }
}

impl SpecForm {
    /// The specification, checked on its own (the data checks come with [`apply`]).
    pub fn parse(&self) -> Result<WeightingSpec, SpecError> {
        let method = match self.method.trim() {
            "raking" => Method::Raking,
            "post_stratification" => Method::PostStratification,
            other => return Err(SpecError::UnknownMethod(other.to_string())),
        };
        let margins = self
            .margins
            .iter()
            .map(|m| MarginKind::parse(m.trim()).ok_or_else(|| SpecError::UnknownMargin(m.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let number = |field: &'static str, text: &str| -> Result<Option<f64>, SpecError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or(SpecError::BadNumber {
                    field,
                    value: text.to_string(),
                })
        };
        let count = |field: &'static str, text: &str, default: usize| -> Result<usize, SpecError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(default);
            }
            text.parse::<usize>().map_err(|_| SpecError::BadNumber {
                field,
                value: text.to_string(),
            })
        };
        let defaults = WeightingSpec::default();
        let spec = WeightingSpec {
            method,
            margins,
            min_cell_respondents: count("min_cell_respondents", &self.min_cell_respondents, 0)?,
            trim_lower: number("trim_lower", &self.trim_lower)?,
            trim_upper: number("trim_upper", &self.trim_upper)?,
            tolerance: number("tolerance", &self.tolerance)?.unwrap_or(defaults.tolerance),
            max_iterations: count(
                "max_iterations",
                &self.max_iterations,
                defaults.max_iterations,
            )?,
        };
        spec.check()?;
        Ok(spec)
    }
}

impl WeightingSpec {
    /// The checks that need no data.
    pub fn check(&self) -> Result<(), SpecError> {
        if self.margins.is_empty() {
            return Err(SpecError::NoMargin);
        }
        for (i, m) in self.margins.iter().enumerate() {
            if self.margins[..i].contains(m) {
                return Err(SpecError::DuplicateMargin(*m));
            }
        }
        if self.method == Method::PostStratification && self.margins.len() != 1 {
            return Err(SpecError::PostStratificationNeedsOneMargin(
                self.margins.len(),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(SpecError::Tolerance(self.tolerance));
        }
        if self.max_iterations == 0 {
            return Err(SpecError::NoIterations);
        }
        for bound in [self.trim_lower, self.trim_upper].into_iter().flatten() {
            if !(bound.is_finite() && bound > 0.0) {
                return Err(SpecError::TrimNotPositive(bound));
            }
        }
        if let (Some(lower), Some(upper)) = (self.trim_lower, self.trim_upper) {
            if upper < lower {
                return Err(SpecError::TrimOrder { lower, upper });
            }
        }
        Ok(())
    }

    /// As stored (JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a weighting specification serialises")
    }

    /// From stored JSON, checked.
    pub fn from_json(json: &str) -> Result<WeightingSpec, SpecError> {
        let spec: WeightingSpec =
            serde_json::from_str(json).map_err(|e| SpecError::Engine(e.to_string()))?;
        spec.check()?;
        Ok(spec)
    }

    /// The raking options of this specification.
    pub fn rake_options(&self) -> RakeOptions {
        RakeOptions {
            tolerance: self.tolerance,
            max_iterations: self.max_iterations,
        }
    }

    /// Whether any trimming bound is set.
    pub fn trims(&self) -> bool {
        self.trim_lower.is_some() || self.trim_upper.is_some()
    }
}

/// One margin as applied: every respondent's (possibly merged) cell and the register total of
/// every cell.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedMargin {
    pub kind: MarginKind,
    /// The cell of every respondent, in row order.
    pub cells: Vec<String>,
    /// The register total of every cell, in cell order.
    pub totals: Vec<(String, f64)>,
    /// Respondents per cell, in cell order.
    pub respondents: Vec<usize>,
    /// Each merged cell with the register cells it is made of.
    pub merged: Vec<(String, Vec<String>)>,
}

impl AppliedMargin {
    /// The cell a register level belongs to after merging.
    pub fn cell_of(&self, level: &str) -> String {
        self.merged
            .iter()
            .find(|(_, parts)| parts.iter().any(|p| p == level))
            .map_or_else(|| level.to_string(), |(cell, _)| cell.clone())
    }
}

/// A specification applied to a sample.
#[derive(Debug, Clone)]
pub struct Applied {
    pub design: Design,
    pub margins: Vec<AppliedMargin>,
    /// Sweeps of raking (1 for post-stratification).
    pub iterations: usize,
    /// Largest relative difference of a margin from its total after calibration (before
    /// trimming).
    pub max_discrepancy: f64,
    /// Weights that were outside the trimming bounds.
    pub trimmed: usize,
}

/// Calibrates `base` (the design of `respondents`) as `spec` says.
pub fn apply(
    spec: &WeightingSpec,
    base: &Design,
    respondents: &[Respondent],
    register: &[RegisterCell],
) -> Result<Applied, SpecError> {
    spec.check()?;
    if register.is_empty() {
        return Err(SpecError::NoRegister);
    }
    let margins = spec
        .margins
        .iter()
        .map(|&kind| collapse(kind, respondents, register, spec.min_cell_respondents))
        .collect::<Result<Vec<_>, _>>()?;
    let totals = margins
        .iter()
        .map(|m| {
            MarginTotals::new(
                m.kind.name(),
                &Categorical::from_labels(&m.cells),
                &m.totals,
            )
            .map_err(engine)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let calibrated = match spec.method {
        Method::Raking => base.rake(&totals, &spec.rake_options()),
        Method::PostStratification => base.post_stratify(&totals[0]),
    }
    .map_err(engine)?;
    let report = calibrated
        .calibration_report()
        .cloned()
        .ok_or_else(|| SpecError::Engine("calibration left no record".into()))?;
    let (design, trimmed) = trim(spec, calibrated)?;
    Ok(Applied {
        design,
        margins,
        iterations: report.iterations,
        max_discrepancy: report.max_discrepancy,
        trimmed,
    })
}

fn engine(e: EstimateError) -> SpecError {
    match e {
        EstimateError::RakingNotConverged {
            iterations,
            discrepancy,
            tolerance,
        } => SpecError::NotConverged {
            iterations,
            discrepancy,
            tolerance,
        },
        other => SpecError::Engine(other.to_string()),
    }
}

fn trim(spec: &WeightingSpec, design: Design) -> Result<(Design, usize), SpecError> {
    if !spec.trims() {
        return Ok((design, 0));
    }
    let weights = design.weights();
    let smallest = weights.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = weights.iter().copied().fold(0.0, f64::max);
    if let Some(upper) = spec.trim_upper {
        if upper <= smallest {
            return Err(SpecError::TrimUpperBelowSmallest { upper, smallest });
        }
    }
    if let Some(lower) = spec.trim_lower {
        if lower >= largest {
            return Err(SpecError::TrimLowerAboveLargest { lower, largest });
        }
    }
    let lower = spec.trim_lower.unwrap_or(f64::NEG_INFINITY);
    let upper = spec.trim_upper.unwrap_or(f64::INFINITY);
    let outside = weights.iter().filter(|&&w| w < lower || w > upper).count();
    let trimmed = design
        .trim_weights(spec.trim_lower, spec.trim_upper, true)
        .map_err(engine)?;
    Ok((trimmed, outside))
}

/// A register cell during collapsing.
struct Group {
    /// Cells are merged only within a part (the sex, for sex × age band).
    part: String,
    names: Vec<String>,
    levels: Vec<String>,
    respondents: usize,
    total: f64,
}

impl Group {
    fn label(&self) -> String {
        let joined = self.names.join("+");
        if self.part.is_empty() {
            joined
        } else {
            format!("{} × {joined}", self.part)
        }
    }
}

/// The first number of an age band (`16-29` → 16), for ordering bands by age.
fn age_key(band: &str) -> (u32, String) {
    let digits: String = band.chars().take_while(|c| c.is_ascii_digit()).collect();
    (digits.parse().unwrap_or(u32::MAX), band.to_string())
}

/// The margin `kind` of `respondents` with cells of fewer than `minimum` respondents merged
/// into a neighbour (see [`WeightingSpec`]).
fn collapse(
    kind: MarginKind,
    respondents: &[Respondent],
    register: &[RegisterCell],
    minimum: usize,
) -> Result<AppliedMargin, SpecError> {
    let totals: BTreeMap<String, f64> = kind.totals(register).into_iter().collect();
    let levels = column(respondents, |r| kind.level_of(r));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for level in &levels {
        if totals.get(level).is_none_or(|&t| t <= 0.0) {
            return Err(SpecError::EmptyRegisterCell {
                margin: kind,
                level: level.clone(),
            });
        }
        *counts.entry(level.as_str()).or_default() += 1;
    }
    let mut groups: Vec<Group> = totals
        .iter()
        .map(|(level, &total)| {
            let (part, name) = match kind {
                MarginKind::SexAge => match level.split_once(" × ") {
                    Some((sex, band)) => (sex.to_string(), band.to_string()),
                    None => (String::new(), level.clone()),
                },
                _ => (String::new(), level.clone()),
            };
            Group {
                part,
                names: vec![name],
                levels: vec![level.clone()],
                respondents: counts.get(level.as_str()).copied().unwrap_or(0),
                total,
            }
        })
        .collect();
    let by_age = matches!(kind, MarginKind::SexAge | MarginKind::AgeBand);
    groups.sort_by(|a, b| {
        let order = |g: &Group| {
            if by_age {
                age_key(&g.names[0])
            } else {
                (0, g.names[0].clone())
            }
        };
        (a.part.as_str(), order(a)).cmp(&(b.part.as_str(), order(b)))
    });
    if minimum == 0 {
        if let Some(empty) = groups.iter().find(|g| g.respondents == 0) {
            return Err(SpecError::EmptyRespondentCell {
                margin: kind,
                level: empty.levels[0].clone(),
            });
        }
    }
    // The sparsest cell first, merged with its smaller neighbour of the same part.
    while let Some(i) = (0..groups.len())
        .filter(|&i| groups[i].respondents < minimum)
        .min_by_key(|&i| groups[i].respondents)
    {
        let same_part = |j: usize| groups[j].part == groups[i].part;
        let previous = (i > 0 && same_part(i - 1)).then(|| i - 1);
        let next = (i + 1 < groups.len() && same_part(i + 1)).then_some(i + 1);
        let neighbour = match (previous, next) {
            (Some(p), Some(n)) => {
                if groups[n].respondents < groups[p].respondents {
                    n
                } else {
                    p
                }
            }
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (None, None) => {
                return Err(SpecError::CannotCollapse {
                    margin: kind,
                    level: groups[i].label(),
                    respondents: groups[i].respondents,
                    minimum,
                })
            }
        };
        let (first, second) = (i.min(neighbour), i.max(neighbour));
        let taken = groups.remove(second);
        let kept = &mut groups[first];
        kept.names.extend(taken.names);
        kept.levels.extend(taken.levels);
        kept.respondents += taken.respondents;
        kept.total += taken.total;
    }
    let mut cell_of: BTreeMap<&str, String> = BTreeMap::new();
    for g in &groups {
        for level in &g.levels {
            cell_of.insert(level.as_str(), g.label());
        }
    }
    Ok(AppliedMargin {
        kind,
        cells: levels
            .iter()
            .map(|l| {
                cell_of
                    .get(l.as_str())
                    .cloned()
                    .unwrap_or_else(|| l.clone())
            })
            .collect(),
        totals: groups.iter().map(|g| (g.label(), g.total)).collect(),
        respondents: groups.iter().map(|g| g.respondents).collect(),
        merged: groups
            .iter()
            .filter(|g| g.levels.len() > 1)
            .map(|g| (g.label(), g.levels.clone()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::questionnaire::Answers;

    fn respondent(sex: &str, band: &str, district: &str) -> Respondent {
        Respondent {
            stratum: district.into(),
            population: 1000.0,
            base_weight: 10.0,
            sex: Some(sex.into()),
            age_band: band.into(),
            district: Some(district.into()),
            answers: Arc::new(Answers::default()),
        }
    }

    fn cell(sex: &str, band: &str, district: &str, population: f64) -> RegisterCell {
        RegisterCell {
            sex: Some(sex.into()),
            age_band: band.into(),
            district: Some(district.into()),
            population,
        }
    }

    #[test]
    fn a_sparse_age_band_is_merged_with_its_smaller_neighbour() {
        let mut rows = Vec::new();
        for (band, n) in [("16-29", 5), ("30-49", 1), ("50-64", 3), ("65-", 6)] {
            for _ in 0..n {
                rows.push(respondent("female", band, "北"));
            }
        }
        let register: Vec<RegisterCell> = ["16-29", "30-49", "50-64", "65-"]
            .iter()
            .map(|b| cell("female", b, "北", 100.0))
            .collect();
        let m = collapse(MarginKind::AgeBand, &rows, &register, 4).unwrap();
        assert_eq!(
            m.totals,
            vec![
                ("16-29".to_string(), 100.0),
                ("30-49+50-64".to_string(), 200.0),
                ("65-".to_string(), 100.0)
            ]
        );
        assert_eq!(m.respondents, vec![5, 4, 6]);
        assert_eq!(m.cell_of("50-64"), "30-49+50-64");
        let err = collapse(MarginKind::AgeBand, &rows, &register, 100).unwrap_err();
        assert!(matches!(err, SpecError::CannotCollapse { .. }), "{err}");
    }

    #[test]
    fn an_empty_cell_without_collapsing_and_a_cell_off_the_register_are_refused() {
        let rows = vec![respondent("male", "16-29", "北")];
        let register = vec![
            cell("male", "16-29", "北", 10.0),
            cell("male", "30-", "北", 5.0),
        ];
        assert!(matches!(
            collapse(MarginKind::AgeBand, &rows, &register, 0),
            Err(SpecError::EmptyRespondentCell { .. })
        ));
        let rows = vec![respondent("male", "90-", "北")];
        assert!(matches!(
            collapse(MarginKind::AgeBand, &rows, &register, 1),
            Err(SpecError::EmptyRegisterCell { .. })
        ));
    }

    #[test]
    fn the_form_is_checked_and_reads_back_the_default() {
        let spec = WeightingSpec::default();
        assert_eq!(SpecForm::from(&spec).parse().unwrap(), spec);
        assert_eq!(WeightingSpec::from_json(&spec.to_json()).unwrap(), spec);
        let bad = |f: &dyn Fn(&mut SpecForm)| {
            let mut form = SpecForm::from(&spec);
            f(&mut form);
            form.parse().unwrap_err()
        };
        assert!(matches!(
            bad(&|f| f.tolerance = "0".into()),
            SpecError::Tolerance(_)
        ));
        assert!(matches!(
            bad(&|f| f.margins.push("income".into())),
            SpecError::UnknownMargin(_)
        ));
        assert!(matches!(
            bad(&|f| {
                f.trim_lower = "5".into();
                f.trim_upper = "2".into();
            }),
            SpecError::TrimOrder { .. }
        ));
        assert!(matches!(
            bad(&|f| f.method = "post_stratification".into()),
            SpecError::PostStratificationNeedsOneMargin(2)
        ));
    }
}

//! How the planner's weights are made: the respondents' base weights raked to the register by
//! sex × age band and by district; when that is impossible, post-stratified by age band; when
//! that is impossible too, the base weights — always saying why, in both languages.

use std::collections::BTreeMap;

use super::{column, Respondent};
use crate::estimate::{Categorical, Design, MarginTotals, RakeOptions};
use crate::questionnaire::Lang;

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
    PostStratifiedByAge { reason: Fallback },
    /// Base weights only; why no calibration was possible.
    BaseWeights { reason: Fallback },
}

impl Weighting {
    /// How the weights were made, as one sentence for a reader (the pages and the workbooks
    /// say the same).
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Weighting::Raked, Lang::Ja) => "重みは住民基本台帳の性・年齢別と地区別の人口に合わせて調整（レイキング）しています。".into(),
            (Weighting::Raked, Lang::En) => "Weights are raked to the register's population by sex × age band and by district.".into(),
            (Weighting::PostStratifiedByAge { reason }, Lang::Ja) => format!("重みは年齢別人口にのみ合わせています（性・年齢×地区での調整ができないため: {}）。", reason.message(lang)),
            (Weighting::PostStratifiedByAge { reason }, Lang::En) => format!("Weights are post-stratified to age bands only (raking was not possible: {}).", reason.message(lang)),
            (Weighting::BaseWeights { reason }, Lang::Ja) => format!("人口への調整ができないため、抽出の重みのみで推計しています（{}）。", reason.message(lang)),
            (Weighting::BaseWeights { reason }, Lang::En) => format!("Only the sampling weights are used (no calibration was possible: {}).", reason.message(lang)),
        }
    }
}

/// Why a calibration step could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum Fallback {
    /// The sample has no register totals stored.
    NoRegisterTotals,
    /// A margin or the raking itself failed; the engine's message (English, technical).
    Failed { step: &'static str, detail: String },
    /// Both raking and post-stratification failed.
    Both(Box<Fallback>, Box<Fallback>),
}

impl Fallback {
    /// A sentence for the planner page.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Fallback::NoRegisterTotals, Lang::Ja) => {
                "住民基本台帳の人口（区分ごとの人数）が保存されていません".into()
            }
            (Fallback::NoRegisterTotals, Lang::En) => "the register totals are not available".into(),
            (Fallback::Failed { step, .. }, Lang::Ja) => format!(
                "{}で、回答者の区分と住民基本台帳の区分が対応しませんでした（回答者のいない区分、または台帳にない区分があります）",
                match *step {
                    "rake" => "性別×年齢と地区による補正",
                    _ => "年齢による補正",
                }
            ),
            (Fallback::Failed { step, detail }, Lang::En) => format!("{step}: {detail}"),
            (Fallback::Both(first, second), lang) => {
                format!("{}; {}", first.message(lang), second.message(lang))
            }
        }
    }
}

/// A classification of the register the weights are calibrated to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginKind {
    /// Sex × age band (`female × 16-29`; `?` for an unknown sex).
    SexAge,
    /// District (`?` for an unknown district).
    District,
    /// Age band.
    AgeBand,
}

impl MarginKind {
    /// The name the estimation engine's messages use.
    pub fn name(self) -> &'static str {
        match self {
            MarginKind::SexAge => "sex × age band",
            MarginKind::District => "district",
            MarginKind::AgeBand => "age band",
        }
    }

    fn level(self, sex: Option<&str>, age_band: &str, district: Option<&str>) -> String {
        match self {
            MarginKind::SexAge => format!("{} × {age_band}", sex.unwrap_or("?")),
            MarginKind::District => district.unwrap_or("?").to_string(),
            MarginKind::AgeBand => age_band.to_string(),
        }
    }

    /// The respondent's level of this classification, as the margin names it.
    pub fn level_of(self, r: &Respondent) -> String {
        self.level(r.sex.as_deref(), &r.age_band, r.district.as_deref())
    }

    /// The register's totals by level, in level order.
    pub fn totals(self, register: &[RegisterCell]) -> Vec<(String, f64)> {
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for c in register {
            *totals
                .entry(self.level(c.sex.as_deref(), &c.age_band, c.district.as_deref()))
                .or_default() += c.population;
        }
        totals.into_iter().collect()
    }
}

impl Weighting {
    /// The register classifications these weights were calibrated to, in the order used
    /// (raking: sex × age band, then district; post-stratification: age band; none for
    /// base weights).
    pub fn margins(&self) -> &'static [MarginKind] {
        match self {
            Weighting::Raked => &[MarginKind::SexAge, MarginKind::District],
            Weighting::PostStratifiedByAge { .. } => &[MarginKind::AgeBand],
            Weighting::BaseWeights { .. } => &[],
        }
    }
}

/// The raking options the planner's weights use.
pub fn rake_options() -> RakeOptions {
    RakeOptions::default()
}

/// Rakes to sex × age band and district; falls back to age band alone, then to base weights.
pub(super) fn calibrate(
    base: &Design,
    respondents: &[Respondent],
    register: &[RegisterCell],
) -> (Design, Weighting) {
    let margin = |kind: MarginKind, step: &'static str| {
        let levels = Categorical::from_labels(&column(respondents, |r| kind.level_of(r)));
        MarginTotals::new(kind.name(), &levels, &kind.totals(register)).map_err(failed(step))
    };
    let raked = (|| {
        if register.is_empty() {
            return Err(Fallback::NoRegisterTotals);
        }
        let m1 = margin(MarginKind::SexAge, "rake")?;
        let m2 = margin(MarginKind::District, "rake")?;
        base.rake(&[m1, m2], &rake_options())
            .map_err(failed("rake"))
    })();
    let reason = match raked {
        Ok(design) => return (design, Weighting::Raked),
        Err(reason) => reason,
    };
    let by_age = (|| {
        if register.is_empty() {
            return Err(Fallback::NoRegisterTotals);
        }
        let m = margin(MarginKind::AgeBand, "post-stratify")?;
        base.post_stratify(&m).map_err(failed("post-stratify"))
    })();
    match by_age {
        Ok(design) => (design, Weighting::PostStratifiedByAge { reason }),
        Err(second) => (
            base.clone(),
            Weighting::BaseWeights {
                reason: if second == reason {
                    reason
                } else {
                    Fallback::Both(Box::new(reason), Box::new(second))
                },
            },
        ),
    }
}

fn failed(step: &'static str) -> impl Fn(crate::estimate::EstimateError) -> Fallback {
    move |e| Fallback::Failed {
        step,
        detail: e.to_string(),
    }
}

//! How the planner's weights are made: as the weighting an admin published ([`spec`], shown
//! first with a [`preview`]), or by default the respondents' base weights raked to the
//! register by sex × age band and by district; when that is impossible, post-stratified by
//! age band; when that is impossible too, the base weights — always saying why, in both
//! languages.

pub mod preview;
pub mod spec;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{column, Respondent};
use crate::estimate::{Categorical, Design, MarginTotals, RakeOptions};
use crate::questionnaire::Lang;
pub use spec::{AppliedMargin, Method, SpecError, SpecForm, WeightingSpec};

/// The weighting published for a survey: its name and specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub name: String,
    pub spec: WeightingSpec,
}

/// A published weighting as applied to the sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub name: String,
    pub spec: WeightingSpec,
    /// Every margin with the respondents' cells and the cells' totals.
    pub margins: Vec<AppliedMargin>,
    /// Weights that were outside the trimming bounds.
    pub trimmed: usize,
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
    PostStratifiedByAge { reason: Fallback },
    /// Base weights only; why no calibration was possible.
    BaseWeights { reason: Fallback },
    /// The weighting an admin published.
    Chosen(Box<Chosen>),
    /// The published weighting could not be applied to the data as it is now (why), so
    /// the default was used (how that went).
    Unusable {
        name: String,
        reason: SpecError,
        then: Box<Weighting>,
    },
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
            (Weighting::Chosen(chosen), lang) => chosen.describe(lang),
            (Weighting::Unusable { name, reason, then }, Lang::Ja) => format!("公開中の重み付け「{name}」は今のデータには使えないため（{}）、既定の方法によります。{}", reason.message(lang), then.describe(lang)),
            (Weighting::Unusable { name, reason, then }, Lang::En) => format!("The published weighting “{name}” cannot be used with the data as it is now ({}), so the default applies. {}", reason.message(lang), then.describe(lang)),
        }
    }

    /// The published weighting these weights follow, if any.
    pub fn chosen(&self) -> Option<&Chosen> {
        match self {
            Weighting::Chosen(chosen) => Some(chosen),
            _ => None,
        }
    }

    /// How the weights were made once a published weighting that could not be used is set
    /// aside.
    pub fn effective(&self) -> &Weighting {
        match self {
            Weighting::Unusable { then, .. } => then.effective(),
            other => other,
        }
    }
}

impl Chosen {
    /// The sentence of [`Weighting::describe`].
    fn describe(&self, lang: Lang) -> String {
        let spec = &self.spec;
        let margins: Vec<&str> = spec.margins.iter().map(|m| m.label(lang)).collect();
        let mut sentence = match (spec.method, lang) {
            (Method::Raking, Lang::Ja) => format!(
                "重みは公開中の重み付け「{}」により、住民基本台帳の{}の人口に合わせて調整（レイキング）しています。",
                self.name,
                margins.join("、")
            ),
            (Method::Raking, Lang::En) => format!(
                "Weights follow the published weighting “{}”: raked to the register's population by {}.",
                self.name,
                margins.join(" and by ")
            ),
            (Method::PostStratification, Lang::Ja) => format!(
                "重みは公開中の重み付け「{}」により、住民基本台帳の{}の人口に合わせて調整（事後層化）しています。",
                self.name,
                margins.join("、")
            ),
            (Method::PostStratification, Lang::En) => format!(
                "Weights follow the published weighting “{}”: post-stratified to the register's population by {}.",
                self.name,
                margins.join(", ")
            ),
        };
        if self.margins.iter().any(|m| !m.merged.is_empty()) {
            sentence.push_str(&match lang {
                Lang::Ja => format!(
                    "回答者が{}人未満の区分は隣の区分とまとめています。",
                    spec.min_cell_respondents
                ),
                Lang::En => format!(
                    " Cells with fewer than {} respondents are merged with a neighbour.",
                    spec.min_cell_respondents
                ),
            });
        }
        if spec.trims() {
            let n = self.trimmed;
            sentence.push_str(&match (spec.trim_lower, spec.trim_upper, lang) {
                (Some(lo), Some(hi), Lang::Ja) => {
                    format!("重みは{lo}～{hi}の範囲に切り詰めています（{n}件）。")
                }
                (None, Some(hi), Lang::Ja) => {
                    format!("重みは{hi}以下に切り詰めています（{n}件）。")
                }
                (Some(lo), None, Lang::Ja) => {
                    format!("重みは{lo}以上に引き上げています（{n}件）。")
                }
                (Some(lo), Some(hi), Lang::En) => {
                    format!(" Weights are trimmed to [{lo}, {hi}] ({n} trimmed).")
                }
                (None, Some(hi), Lang::En) => {
                    format!(" Weights are trimmed to at most {hi} ({n} trimmed).")
                }
                (Some(lo), None, Lang::En) => {
                    format!(" Weights are raised to at least {lo} ({n} raised).")
                }
                (None, None, _) => String::new(),
            });
        }
        sentence
    }

    /// The applied margin of `kind`, if the weighting uses it.
    pub fn margin(&self, kind: MarginKind) -> Option<&AppliedMargin> {
        self.margins.iter().find(|m| m.kind == kind)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginKind {
    /// Sex × age band (`female × 16-29`; `?` for an unknown sex).
    SexAge,
    /// District (`?` for an unknown district).
    District,
    /// Age band.
    AgeBand,
    /// Sex (`?` for an unknown sex).
    Sex,
}

impl MarginKind {
    /// The name the estimation engine's messages use.
    pub fn name(self) -> &'static str {
        match self {
            MarginKind::SexAge => "sex × age band",
            MarginKind::District => "district",
            MarginKind::AgeBand => "age band",
            MarginKind::Sex => "sex",
        }
    }

    /// Every classification, in the order the form lists them.
    pub const ALL: [MarginKind; 4] = [
        MarginKind::SexAge,
        MarginKind::District,
        MarginKind::AgeBand,
        MarginKind::Sex,
    ];

    /// The word of forms and stored specifications.
    pub fn id(self) -> &'static str {
        match self {
            MarginKind::SexAge => "sex_age",
            MarginKind::District => "district",
            MarginKind::AgeBand => "age_band",
            MarginKind::Sex => "sex",
        }
    }

    /// The classification named `id`.
    pub fn parse(id: &str) -> Option<MarginKind> {
        MarginKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// Its name for a reader.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MarginKind::SexAge, Lang::Ja) => "性・年齢",
            (MarginKind::District, Lang::Ja) => "地区",
            (MarginKind::AgeBand, Lang::Ja) => "年齢",
            (MarginKind::Sex, Lang::Ja) => "性別",
            (kind, Lang::En) => kind.name(),
        }
    }

    fn level(self, sex: Option<&str>, age_band: &str, district: Option<&str>) -> String {
        match self {
            MarginKind::SexAge => format!("{} × {age_band}", sex.unwrap_or("?")),
            MarginKind::District => district.unwrap_or("?").to_string(),
            MarginKind::AgeBand => age_band.to_string(),
            MarginKind::Sex => sex.unwrap_or("?").to_string(),
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
    pub fn margins(&self) -> &[MarginKind] {
        match self {
            Weighting::Raked => &[MarginKind::SexAge, MarginKind::District],
            Weighting::PostStratifiedByAge { .. } => &[MarginKind::AgeBand],
            Weighting::BaseWeights { .. } => &[],
            Weighting::Chosen(chosen) => &chosen.spec.margins,
            Weighting::Unusable { then, .. } => then.margins(),
        }
    }
}

/// The raking options the planner's weights use.
pub fn rake_options() -> RakeOptions {
    RakeOptions::default()
}

/// The published weighting if there is one and it can be used; otherwise [`default`] (saying
/// why the published one could not be used).
pub(super) fn calibrate(
    base: &Design,
    respondents: &[Respondent],
    register: &[RegisterCell],
    published: Option<&Published>,
) -> (Design, Weighting) {
    let Some(published) = published else {
        return default(base, respondents, register);
    };
    match spec::apply(&published.spec, base, respondents, register) {
        Ok(applied) => (
            applied.design,
            Weighting::Chosen(Box::new(Chosen {
                name: published.name.clone(),
                spec: published.spec.clone(),
                margins: applied.margins,
                trimmed: applied.trimmed,
            })),
        ),
        Err(reason) => {
            let (design, then) = default(base, respondents, register);
            (
                design,
                Weighting::Unusable {
                    name: published.name.clone(),
                    reason,
                    then: Box::new(then),
                },
            )
        }
    }
}

/// Rakes to sex × age band and district; falls back to age band alone, then to base weights.
fn default(
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

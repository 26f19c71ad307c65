//! Scale scores and the distress decision, both defined as data in the questionnaire file.

use super::answers::{Answer, Answers};
use super::model::{
    Band, Breakdown, BreakdownSource, Code, DistressRule, GroupRule, Indicator, IndicatorRule,
    Questionnaire, Scale,
};
use super::text::Lang;

/// One respondent's result on one scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleScore {
    /// The scale.
    pub scale_id: String,
    /// The total, or `None` when the missing rule says there is none.
    pub total: Option<i32>,
    /// Index into [`Scale::bands`] of the band the total falls in.
    pub band: Option<usize>,
    /// How many of the scale's items have a valid answer.
    pub answered: usize,
    /// How many do not.
    pub missing: usize,
}

/// Why the distress decision came out positive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DistressReason {
    /// A question was answered with a distress code.
    Chosen {
        /// The question.
        question: String,
        /// The code answered.
        code: Code,
    },
    /// A scale total reached the threshold.
    ScaleAtLeast {
        /// The scale.
        scale: String,
        /// The respondent's total.
        total: i32,
        /// The threshold in the rule.
        threshold: i32,
    },
}

impl Scale {
    /// Scores `answers`: points per answered item summed; missing items handled by the
    /// scale's [`super::MissingRule`]. An item counts as missing when it has no entry, is
    /// marked missing, or holds a code the scale gives no points for.
    pub fn score(&self, answers: &Answers) -> ScaleScore {
        let points: Vec<i32> = self
            .items
            .iter()
            .filter_map(|item| match answers.get(item) {
                Some(Answer::Choice(code)) => self.points.get(code).copied(),
                _ => None,
            })
            .collect();
        let answered = points.len();
        let missing = self.items.len() - answered;
        let sum: i32 = points.iter().sum();
        let total = match self.missing {
            _ if missing == 0 => Some(sum),
            super::MissingRule::NoTotal => None,
            super::MissingRule::Prorate { max_missing } => {
                if missing <= max_missing && answered > 0 {
                    let prorated = f64::from(sum) * self.items.len() as f64 / answered as f64;
                    Some(prorated.round() as i32)
                } else {
                    None
                }
            }
        };
        ScaleScore {
            scale_id: self.id.clone(),
            band: total.and_then(|total| self.band_of(total)),
            total,
            answered,
            missing,
        }
    }

    /// The index of the band containing `total`.
    pub fn band_of(&self, total: i32) -> Option<usize> {
        self.bands
            .iter()
            .position(|band| band.min <= total && total <= band.max)
    }
}

impl ScaleScore {
    /// The band of the total, looked up in `scale`.
    pub fn band<'a>(&self, scale: &'a Scale) -> Option<&'a Band> {
        self.band.and_then(|index| scale.bands.get(index))
    }

    /// The band label in `lang`, or `None` without a total.
    pub fn band_label<'a>(&self, scale: &'a Scale, lang: Lang) -> Option<&'a str> {
        self.band(scale).map(|band| band.label.get(lang))
    }
}

impl Questionnaire {
    /// Scores every included scale, in file order.
    pub fn scores(&self, answers: &Answers) -> Vec<ScaleScore> {
        self.scales
            .iter()
            .map(|scale| scale.score(answers))
            .collect()
    }

    /// The distress rules met by `answers` (empty: no distress). Rules of modules that are
    /// switched off are not evaluated.
    pub fn distress_reasons(&self, answers: &Answers) -> Vec<DistressReason> {
        let mut reasons = Vec::new();
        for rule in &self.distress {
            match rule {
                DistressRule::Chosen { question, codes } => {
                    let chosen: Vec<Code> = match answers.get(question) {
                        Some(Answer::Choice(code)) => vec![*code],
                        Some(Answer::Choices(chosen)) => chosen.clone(),
                        _ => Vec::new(),
                    };
                    if let Some(code) = chosen.into_iter().find(|code| codes.contains(code)) {
                        reasons.push(DistressReason::Chosen {
                            question: question.clone(),
                            code,
                        });
                    }
                }
                DistressRule::ScaleAtLeast { scale, threshold } => {
                    let total = self
                        .scale(scale)
                        .and_then(|scale| scale.score(answers).total);
                    if let Some(total) = total.filter(|total| total >= threshold) {
                        reasons.push(DistressReason::ScaleAtLeast {
                            scale: scale.clone(),
                            total,
                            threshold: *threshold,
                        });
                    }
                }
            }
        }
        reasons
    }

    /// Whether the end page should show help first and prominently.
    pub fn is_distressed(&self, answers: &Answers) -> bool {
        !self.distress_reasons(answers).is_empty()
    }
}

impl Indicator {
    /// Whether a respondent counts as "yes": `None` when the question was not validly
    /// answered or the scale has no total (missing, left out of the denominator as in
    /// `svymean(na.rm = TRUE)`).
    pub fn value(&self, questionnaire: &Questionnaire, answers: &Answers) -> Option<bool> {
        match &self.rule {
            IndicatorRule::Chosen { question, codes } => match answers.get(question) {
                Some(Answer::Choice(code)) => Some(codes.contains(code)),
                Some(Answer::Choices(chosen)) if !chosen.is_empty() => {
                    Some(chosen.iter().any(|code| codes.contains(code)))
                }
                _ => None,
            },
            IndicatorRule::ScaleBetween { scale, min, max } => {
                let total = questionnaire.scale(scale)?.score(answers).total?;
                Some((*min..=*max).contains(&total))
            }
        }
    }
}

impl Breakdown {
    /// The index of the group a respondent belongs to: the first group whose rule matches,
    /// `None` without a valid answer (or total) or outside every group.
    pub fn group_of(&self, questionnaire: &Questionnaire, answers: &Answers) -> Option<usize> {
        let value = match &self.source {
            BreakdownSource::Question(question) => answers.get(question)?,
            BreakdownSource::Scale(scale) => {
                let total = questionnaire.scale(scale)?.score(answers).total?;
                return self.groups.iter().position(|group| {
                    matches!(group.rule, GroupRule::Between { min, max }
                        if min <= f64::from(total) && f64::from(total) <= max)
                });
            }
        };
        self.groups
            .iter()
            .position(|group| match (&group.rule, value) {
                (GroupRule::Codes(codes), Answer::Choice(code)) => codes.contains(code),
                (GroupRule::Codes(codes), Answer::Choices(chosen)) => {
                    chosen.iter().any(|code| codes.contains(code))
                }
                (GroupRule::Between { min, max }, Answer::Number(x)) => *min <= *x && *x <= *max,
                _ => false,
            })
    }
}

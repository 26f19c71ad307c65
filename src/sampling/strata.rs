//! Strata: the frame variables a design crosses (district, sex, age band) and the stratum
//! each eligible resident falls in.
//!
//! A stratum is named by its values in the order the variables were chosen, joined with
//! ` × ` (`北部 × 女 × 30-39`); a design without variables has the single stratum `全体`.
//! The label is what staff see in the per-stratum summary and write in an explicit
//! allocation CSV, and what the draw derives each stratum's random stream from.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::age::AgeBand;
use super::register::Sex;
use crate::questionnaire::Lang;

/// Joins the values of a stratum label.
pub const LABEL_SEPARATOR: &str = " × ";

/// The label of the only stratum of an unstratified design.
pub const WHOLE_FRAME_LABEL: &str = "全体";

/// A frame variable strata can be built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StratumVariable {
    /// The district (地区) column.
    District,
    /// Sex from the register.
    Sex,
    /// The age band on the reference date.
    AgeBand,
}

impl StratumVariable {
    /// The name used in settings and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StratumVariable::District => "district",
            StratumVariable::Sex => "sex",
            StratumVariable::AgeBand => "age_band",
        }
    }
}

impl StratumVariable {
    /// Every variable, in the order forms offer them.
    pub const ALL: [StratumVariable; 3] = [
        StratumVariable::District,
        StratumVariable::Sex,
        StratumVariable::AgeBand,
    ];

    /// The variable's name on the staff pages.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (StratumVariable::District, Lang::Ja) => "地区",
            (StratumVariable::District, Lang::En) => "district",
            (StratumVariable::Sex, Lang::Ja) => "性別",
            (StratumVariable::Sex, Lang::En) => "sex",
            (StratumVariable::AgeBand, Lang::Ja) => "年齢階級",
            (StratumVariable::AgeBand, Lang::En) => "age band",
        }
    }
}

/// A stored list of stratum variables (`district,age_band`) in words: `地区 × 年齢階級`;
/// names it does not know are shown as they are, and no variables is the whole frame.
pub fn describe_variables(stored: &str, lang: Lang) -> String {
    let words: Vec<String> = stored
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| match name.parse::<StratumVariable>() {
            Ok(variable) => variable.label(lang).to_string(),
            Err(_) => name.to_string(),
        })
        .collect();
    if words.is_empty() {
        return match lang {
            Lang::Ja => "なし（全体で1層）".into(),
            Lang::En => "none (one stratum)".into(),
        };
    }
    words.join(LABEL_SEPARATOR)
}

impl UnknownStratumVariable {
    /// The refusal in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!(
                "層の変数「{}」はありません。地区（district）、性別（sex）、年齢階級（age_band）から選んでください。",
                self.0
            ),
            Lang::En => self.to_string(),
        }
    }
}

impl fmt::Display for StratumVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stratum variable name nobody here knows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown stratum variable `{0}`; use district (地区), sex (性別) or age_band (年齢)")]
pub struct UnknownStratumVariable(pub String);

impl FromStr for StratumVariable {
    type Err = UnknownStratumVariable;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "district" | "地区" => Ok(StratumVariable::District),
            "sex" | "性別" => Ok(StratumVariable::Sex),
            "age_band" | "age-band" | "age" | "年齢" | "年齢階級" => {
                Ok(StratumVariable::AgeBand)
            }
            _ => Err(UnknownStratumVariable(name.trim().to_string())),
        }
    }
}

/// Parses a list such as `district,age_band` (also `district×age_band`).
pub fn parse_variables(list: &str) -> Result<Vec<StratumVariable>, UnknownStratumVariable> {
    list.split([',', '×', '*', '、'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::parse)
        .collect()
}

/// The values that define one stratum; `None` for variables the design does not use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StratumValues {
    /// District, when the design uses it.
    pub district: Option<String>,
    /// Sex, when the design uses it.
    pub sex: Option<Sex>,
    /// Age band and its position among the bands, when the design uses it.
    pub age_band: Option<(usize, AgeBand)>,
}

impl StratumValues {
    /// The label: the values in `variables` order joined by [`LABEL_SEPARATOR`].
    pub fn label(&self, variables: &[StratumVariable]) -> String {
        if variables.is_empty() {
            return WHOLE_FRAME_LABEL.to_string();
        }
        variables
            .iter()
            .map(|variable| match variable {
                StratumVariable::District => self.district.clone().unwrap_or_default(),
                StratumVariable::Sex => self.sex.map(Sex::label).unwrap_or_default().to_string(),
                StratumVariable::AgeBand => self
                    .age_band
                    .map(|(_, band)| band.to_string())
                    .unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(LABEL_SEPARATOR)
    }

    /// Orders strata for display: by the variables in `variables` order, districts by name,
    /// sex male–female–unknown, age bands youngest first.
    pub fn display_order(&self, other: &Self, variables: &[StratumVariable]) -> Ordering {
        variables
            .iter()
            .map(|variable| match variable {
                StratumVariable::District => self.district.cmp(&other.district),
                StratumVariable::Sex => self.sex.cmp(&other.sex),
                StratumVariable::AgeBand => self
                    .age_band
                    .map(|(index, _)| index)
                    .cmp(&other.age_band.map(|(index, _)| index)),
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// One stratum of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stratum {
    /// Label shown to staff and used in allocation files (`北部 × 30-39`).
    pub label: String,
    /// The values defining it.
    pub values: StratumValues,
    /// N_h: eligible residents in the stratum.
    pub population: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_lists_are_read_in_english_and_japanese() {
        assert_eq!(
            parse_variables("district, age_band"),
            Ok(vec![StratumVariable::District, StratumVariable::AgeBand])
        );
        assert_eq!(
            parse_variables("性別×年齢"),
            Ok(vec![StratumVariable::Sex, StratumVariable::AgeBand])
        );
        assert!(parse_variables("district,income").is_err());
    }

    #[test]
    fn labels_follow_the_chosen_variable_order() {
        let values = StratumValues {
            district: Some("北部".into()),
            sex: Some(Sex::Female),
            age_band: Some((
                1,
                AgeBand {
                    from: 30,
                    to: Some(39),
                },
            )),
        };
        let order = [
            StratumVariable::District,
            StratumVariable::Sex,
            StratumVariable::AgeBand,
        ];
        assert_eq!(values.label(&order), "北部 × 女 × 30-39");
        assert_eq!(
            values.label(&[StratumVariable::AgeBand, StratumVariable::District]),
            "30-39 × 北部"
        );
        assert_eq!(values.label(&[]), WHOLE_FRAME_LABEL);
    }
}

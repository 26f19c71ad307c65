//! Languages and bilingual texts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language the survey can be answered in. Japanese is the default and the fallback.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 日本語
    #[default]
    Ja,
    /// English
    En,
}

/// Picks the Japanese or English string: what every screen, message and download in two
/// languages uses for its fixed texts.
pub fn t<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

impl Lang {
    /// Every supported language, Japanese first.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// Parses `"ja"` or `"en"` (case-insensitive, surrounding spaces ignored; a region such as
    /// `"ja-JP"` or `"en_US"` is accepted). Anything else is `None`.
    pub fn parse(value: &str) -> Option<Lang> {
        let value = value.trim().to_ascii_lowercase();
        let primary = value.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The two-letter code (`"ja"`, `"en"`), e.g. for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error for [`Lang::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`: use `ja` or `en`")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(value: &str) -> Result<Lang, UnknownLang> {
        Lang::parse(value).ok_or_else(|| UnknownLang(value.to_string()))
    }
}

/// A text in Japanese and (optionally) English. A missing English text falls back to the
/// Japanese one, so a questionnaire written only in Japanese still works in the English view;
/// the shipped questionnaires give both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Japanese text (required).
    pub ja: String,
    /// English text; `None` means "show the Japanese".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    /// A text with both languages.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ja: ja.into(),
            en: Some(en.into()),
        }
    }

    /// The text in `lang`, falling back to Japanese when there is no English.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) if !en.trim().is_empty() => en,
            _ => &self.ja,
        }
    }

    /// Whether an English text is given.
    pub fn has_english(&self) -> bool {
        self.en.as_deref().is_some_and(|en| !en.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parses_codes_with_regions_and_rejects_others() {
        assert_eq!(Lang::parse("ja"), Some(Lang::Ja));
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("ja-JP"), Some(Lang::Ja));
        assert_eq!(Lang::parse("en_US"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
        assert!("de".parse::<Lang>().is_err());
    }

    #[test]
    fn english_falls_back_to_japanese_when_missing_or_blank() {
        let both = Text::new("はい", "Yes");
        assert_eq!(both.get(Lang::Ja), "はい");
        assert_eq!(both.get(Lang::En), "Yes");
        let ja_only = Text {
            ja: "はい".into(),
            en: None,
        };
        assert_eq!(ja_only.get(Lang::En), "はい");
        let blank = Text {
            ja: "はい".into(),
            en: Some("  ".into()),
        };
        assert_eq!(blank.get(Lang::En), "はい");
        assert!(!blank.has_english());
    }
}

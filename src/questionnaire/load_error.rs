//! Problems found in questionnaire files, each in Japanese and English: where it is (a typed
//! [`Location`]) and what is wrong and how to fix it.

use super::text::{Lang, Text};
use std::fmt;

/// Where in a questionnaire file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file (or folder) as a whole.
    File,
    /// A top-level key such as `id` or `title`.
    Key(&'static str),
    /// Where the TOML reader stopped, both counted from 1.
    Line {
        line: usize,
        column: usize,
    },
    Module(String),
    OptionSet(String),
    Page(String),
    Item(String),
    /// A row of a grid item.
    Row {
        item: String,
        row: String,
    },
    Scale(String),
    /// The n-th `[[distress]]` rule, counted from 1.
    DistressRule(usize),
    Indicator(String),
    Breakdown(String),
}

impl Location {
    /// The place as a staff member reads it, e.g. 「項目 `q3`」 or "item `q3`"; empty for the
    /// file as a whole.
    pub fn render(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            Location::File => String::new(),
            Location::Key(key) => format!("`{key}`"),
            Location::Line { line, column } if ja => format!("{line}行目 {column}文字目"),
            Location::Line { line, column } => format!("line {line}, column {column}"),
            Location::Module(id) if ja => format!("モジュール `{id}`"),
            Location::Module(id) => format!("module `{id}`"),
            Location::OptionSet(id) if ja => format!("選択肢セット `{id}`"),
            Location::OptionSet(id) => format!("option_set `{id}`"),
            Location::Page(id) if ja => format!("ページ `{id}`"),
            Location::Page(id) => format!("page `{id}`"),
            Location::Item(id) if ja => format!("項目 `{id}`"),
            Location::Item(id) => format!("item `{id}`"),
            Location::Row { item, row } if ja => format!("項目 `{item}` の行 `{row}`"),
            Location::Row { item, row } => format!("item `{item}` row `{row}`"),
            Location::Scale(id) if ja => format!("尺度 `{id}`"),
            Location::Scale(id) => format!("scale `{id}`"),
            Location::DistressRule(n) if ja => {
                format!("相談先を表示する条件（[[distress]]）の{n}番目")
            }
            Location::DistressRule(n) => format!("distress rule {n}"),
            Location::Indicator(id) if ja => format!("指標 `{id}`"),
            Location::Indicator(id) => format!("indicator `{id}`"),
            Location::Breakdown(id) if ja => format!("集計の区分 `{id}`"),
            Location::Breakdown(id) => format!("breakdown `{id}`"),
        }
    }
}

/// One problem in a questionnaire file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    file: String,
    location: Location,
    message: Text,
}

impl LoadError {
    /// A problem in `file` at `location`, said in both languages.
    pub fn new(file: impl Into<String>, location: Location, ja: String, en: String) -> LoadError {
        LoadError {
            file: file.into(),
            location,
            message: Text::new(ja, en),
        }
    }

    /// The file (or source name, or folder) the problem is in.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where in the file.
    pub fn place(&self) -> &Location {
        &self.location
    }

    /// Where in the file, in `lang`; empty for problems with the file as a whole.
    pub fn location(&self, lang: Lang) -> String {
        self.location.render(lang)
    }

    /// What is wrong and, where it helps, how to fix it, in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        self.message.get(lang)
    }

    /// One line: file, place and message in `lang`.
    pub fn line(&self, lang: Lang) -> String {
        let location = self.location(lang);
        if location.is_empty() {
            format!("{}: {}", self.file, self.message(lang))
        } else {
            format!("{}: {location}: {}", self.file, self.message(lang))
        }
    }
}

/// The Japanese line, then the English one indented under it.
impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n    {}", self.line(Lang::Ja), self.line(Lang::En))
    }
}

/// All problems found while loading one or more questionnaire files.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl LoadErrors {
    /// The individual problems.
    pub fn errors(&self) -> &[LoadError] {
        &self.0
    }

    /// How many problems there are, then one problem a line, all in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let mut text = heading(self.0.len(), lang);
        for error in &self.0 {
            text.push_str("\n  ");
            text.push_str(&error.line(lang));
        }
        text
    }
}

fn heading(count: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("調査票ファイルに{count}件の問題があります:"),
        Lang::En if count == 1 => "1 problem in questionnaire files:".to_string(),
        Lang::En => format!("{count} problems in questionnaire files:"),
    }
}

/// The heading in both languages, then every problem in Japanese with its English under it:
/// how the terminal (which has no language setting) shows them.
impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(f, "{}", heading(count, Lang::Ja))?;
        writeln!(f, "{}", heading(count, Lang::En))?;
        for error in &self.0 {
            writeln!(f, "  {}", error.line(Lang::Ja))?;
            writeln!(f, "      {}", error.line(Lang::En))?;
        }
        Ok(())
    }
}

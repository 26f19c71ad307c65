//! Reading questionnaire files: TOML → raw structs (unknown fields rejected) → validated
//! [`Questionnaire`]. Every problem found is reported, not only the first.

use super::model::{
    flatten_questions, Band, Breakdown, BreakdownDef, BreakdownGroup, BreakdownSource, Choice,
    Code, Condition, DistressDef, DistressRule, GridRow, GroupRule, Indicator, IndicatorDef,
    IndicatorRule, Item, ItemKind, MissingRule, Module, NationalFigure, Page, Provenance,
    Questionnaire, QuestionnaireKind, Response, Scale, ScaleDef,
};
use super::text::Text;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// Longest free-text answer when a text item does not say.
const DEFAULT_MAX_LENGTH: usize = 2000;

/// One problem in a questionnaire file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or source name) the problem is in.
    pub file: String,
    /// Where in the file: `item `q3``, `scale `ucla3``, `line 12, column 3` …; empty for
    /// problems with the file as a whole.
    pub location: String,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.location, self.message)
        }
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
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "{count} problem{} in questionnaire files:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

/// Loads every `*.toml` file in `dir` (not recursive), sorted by file name. Problems in all
/// files are collected and reported together.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Questionnaire>, LoadErrors> {
    let dir = dir.as_ref();
    let dir_name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|error| {
        LoadErrors(vec![LoadError {
            file: dir_name.clone(),
            location: String::new(),
            message: format!("cannot read the questionnaire directory: {error}"),
        }])
    })?;
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                    paths.push(path);
                }
            }
            Err(error) => errors.push(LoadError {
                file: dir_name.clone(),
                location: String::new(),
                message: format!("cannot list the questionnaire directory: {error}"),
            }),
        }
    }
    paths.sort();
    let mut questionnaires = Vec::new();
    for path in paths {
        // Ids are unique because each must equal its (lowercase) file name.
        match load_file(&path) {
            Ok(questionnaire) => questionnaires.push(questionnaire),
            Err(LoadErrors(found)) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(questionnaires)
    } else {
        Err(LoadErrors(errors))
    }
}

/// Loads one questionnaire file. Its `id` must equal the file name without `.toml`.
pub fn load_file(path: impl AsRef<Path>) -> Result<Questionnaire, LoadErrors> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        LoadErrors(vec![LoadError {
            file: file.clone(),
            location: String::new(),
            message: format!("cannot read the file: {error}"),
        }])
    })?;
    let questionnaire = from_toml_str(&file, &text)?;
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    if questionnaire.id() != stem {
        return Err(LoadErrors(vec![LoadError {
            file,
            location: "id".into(),
            message: format!(
                "the id `{}` differs from the file name `{stem}.toml`; rename the file or set id = \"{stem}\"",
                questionnaire.id()
            ),
        }]));
    }
    Ok(questionnaire)
}

/// Parses and validates questionnaire TOML. `source_name` is used in error messages and
/// kept as [`Questionnaire::source`]. Modules marked `default_enabled` are switched on.
pub fn from_toml_str(source_name: &str, text: &str) -> Result<Questionnaire, LoadErrors> {
    let raw: RawQuestionnaire = toml::from_str(text).map_err(|error| {
        LoadErrors(vec![LoadError {
            file: source_name.to_string(),
            location: error
                .span()
                .map(|span| line_and_column(text, span.start))
                .unwrap_or_default(),
            message: toml_message(text, &error),
        }])
    })?;
    Validator::new(source_name).build(raw)
}

/// What the TOML reader says is wrong; it says nothing of a control character in a comment.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim();
    if !message.is_empty() {
        return message.to_string();
    }
    let found = error
        .span()
        .and_then(|span| text.get(span.start..))
        .and_then(|rest| rest.chars().next());
    match found {
        Some(c) if c.is_control() => format!(
            "the control character U+{:04X} is not allowed, not even in a comment; remove it",
            c as u32
        ),
        _ => "this is not valid TOML here; check the quotes and brackets".to_string(),
    }
}

fn line_and_column(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    format!("line {line}, column {column}")
}

// ----- raw file structure (what serde reads) -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionnaire {
    id: String,
    kind: RawKind,
    title: Text,
    description: Option<Text>,
    closing: Option<Text>,
    #[serde(default, rename = "module")]
    modules: Vec<RawModule>,
    #[serde(default, rename = "option_set")]
    option_sets: Vec<RawOptionSet>,
    #[serde(default, rename = "page")]
    pages: Vec<RawPage>,
    #[serde(default, rename = "scale")]
    scales: Vec<RawScale>,
    #[serde(default)]
    distress: Vec<RawDistress>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<RawIndicator>,
    #[serde(default, rename = "breakdown")]
    breakdowns: Vec<RawBreakdown>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreakdown {
    id: String,
    name: Text,
    item: Option<String>,
    scale: Option<String>,
    module: Option<String>,
    #[serde(default)]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    ja: String,
    en: Option<String>,
    codes: Option<Vec<Code>>,
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    name: Text,
    item: Option<String>,
    codes: Option<Vec<Code>>,
    scale: Option<String>,
    min: Option<i32>,
    max: Option<i32>,
    module: Option<String>,
    national: Option<RawNational>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNational {
    percent: f64,
    year: u16,
    source: Text,
    respondents: Option<u32>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Sampled,
    Open,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: String,
    title: Text,
    description: Option<Text>,
    #[serde(default)]
    default_enabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptionSet {
    id: String,
    options: Vec<RawChoice>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    code: Code,
    ja: String,
    en: Option<String>,
    #[serde(default)]
    exclusive: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    id: String,
    title: Text,
    intro: Option<Text>,
    module: Option<String>,
    #[serde(default, rename = "item")]
    items: Vec<RawItem>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawItemType {
    Single,
    Multiple,
    Number,
    Text,
    Grid,
}

impl RawItemType {
    fn name(self) -> &'static str {
        match self {
            RawItemType::Single => "single",
            RawItemType::Multiple => "multiple",
            RawItemType::Number => "number",
            RawItemType::Text => "text",
            RawItemType::Grid => "grid",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    number: String,
    #[serde(rename = "type")]
    item_type: RawItemType,
    text: Text,
    note: Option<Text>,
    paper_note: Option<Text>,
    required: Option<bool>,
    show_if: Option<RawCondition>,
    skip_if: Option<RawCondition>,
    provenance: Option<String>,
    provenance_note: Option<Text>,
    options: Option<Vec<RawChoice>>,
    option_set: Option<String>,
    max_choices: Option<usize>,
    min: Option<f64>,
    max: Option<f64>,
    integer: Option<bool>,
    unit: Option<Text>,
    max_length: Option<usize>,
    multiline: Option<bool>,
    #[serde(rename = "row")]
    rows: Option<Vec<RawRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    id: String,
    number: String,
    ja: String,
    en: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    item: Option<String>,
    #[serde(rename = "in")]
    codes: Option<Vec<Code>>,
    answered: Option<bool>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    all: Option<Vec<RawCondition>>,
    any: Option<Vec<RawCondition>>,
    not: Option<Box<RawCondition>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    id: String,
    name: Text,
    items: Vec<String>,
    points: BTreeMap<String, i32>,
    range: [i32; 2],
    missing: RawMissing,
    max_missing: Option<usize>,
    #[serde(default, rename = "band")]
    bands: Vec<RawBand>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawMissing {
    NoTotal,
    Prorate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    min: i32,
    max: i32,
    ja: String,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistress {
    item: Option<String>,
    codes: Option<Vec<Code>>,
    scale: Option<String>,
    at_least: Option<i32>,
}

// ----- validation -----

/// What the validator knows about a question while checking references to it.
struct QuestionInfo {
    page_index: usize,
    module: Option<String>,
    response: Response,
    number: String,
    provenance: Option<Provenance>,
}

struct Validator {
    file: String,
    errors: Vec<LoadError>,
}

fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn text_of(ja: String, en: Option<String>) -> Text {
    Text { ja, en }
}

impl Validator {
    fn new(file: &str) -> Validator {
        Validator {
            file: file.to_string(),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.errors.push(LoadError {
            file: self.file.clone(),
            location: location.into(),
            message: message.into(),
        });
    }

    fn check_id(&mut self, location: &str, what: &str, id: &str) {
        if !is_identifier(id) {
            self.error(
                location,
                format!(
                    "{what} id `{id}` is not usable: start with a lowercase letter a–z and use only a–z, 0–9, `_` and `-`"
                ),
            );
        }
    }

    fn check_text(&mut self, location: &str, what: &str, text: &Text) {
        if text.ja.trim().is_empty() {
            self.error(location, format!("{what} has an empty Japanese text (ja)"));
        }
    }

    fn build(mut self, raw: RawQuestionnaire) -> Result<Questionnaire, LoadErrors> {
        self.check_id("id", "questionnaire", &raw.id);
        self.check_text("title", "the title", &raw.title);

        let modules = self.modules(raw.modules);
        let module_ids: HashSet<String> = modules.iter().map(|module| module.id.clone()).collect();
        let option_sets = self.option_sets(raw.option_sets);

        if raw.pages.is_empty() {
            self.error(
                "",
                "the questionnaire has no pages: add at least one [[page]]",
            );
        }
        let mut page_ids = HashSet::new();
        let mut item_ids: HashSet<String> = HashSet::new();
        let mut numbers: HashMap<String, String> = HashMap::new();
        let mut questions: HashMap<String, QuestionInfo> = HashMap::new();
        let mut pages = Vec::new();
        for (page_index, raw_page) in raw.pages.into_iter().enumerate() {
            let location = format!("page `{}`", raw_page.id);
            self.check_id(&location, "page", &raw_page.id);
            if !page_ids.insert(raw_page.id.clone()) {
                self.error(&location, "duplicate page id");
            }
            self.check_text(&location, "the page title", &raw_page.title);
            if let Some(module) = &raw_page.module {
                if !module_ids.contains(module) {
                    self.error(
                        &location,
                        format!("module `{module}` is not defined: add a [[module]] with id = \"{module}\""),
                    );
                }
            }
            if raw_page.items.is_empty() {
                self.error(
                    &location,
                    "the page has no items: add at least one [[page.item]]",
                );
            }
            let mut items = Vec::new();
            for raw_item in raw_page.items {
                let item = self.item(
                    raw_item,
                    page_index,
                    raw_page.module.as_deref(),
                    &option_sets,
                    &questions,
                );
                let Some(item) = item else { continue };
                self.register_item(
                    &item,
                    page_index,
                    &raw_page.module,
                    &mut item_ids,
                    &mut numbers,
                    &mut questions,
                );
                items.push(item);
            }
            pages.push(Page {
                id: raw_page.id,
                title: raw_page.title,
                intro: raw_page.intro,
                module: raw_page.module,
                items,
            });
        }

        self.check_number_series(&pages);
        let scales = self.scales(raw.scales, &questions);
        let distress = self.distress(raw.distress, &questions, &scales);
        let indicators = self.indicators(raw.indicators, &questions, &scales, &module_ids);
        let breakdowns = self.breakdowns(raw.breakdowns, &questions, &scales, &module_ids);

        if !self.errors.is_empty() {
            return Err(LoadErrors(self.errors));
        }
        let mut questionnaire = Questionnaire {
            id: raw.id,
            source: self.file,
            kind: match raw.kind {
                RawKind::Sampled => QuestionnaireKind::Sampled,
                RawKind::Open => QuestionnaireKind::Open,
            },
            title: raw.title,
            description: raw.description,
            closing: raw.closing,
            modules,
            enabled_modules: BTreeSet::new(),
            all_pages: pages,
            all_scales: scales,
            all_distress: distress,
            all_indicators: indicators,
            all_breakdowns: breakdowns,
            pages: Vec::new(),
            questions: Vec::new(),
            question_index: HashMap::new(),
            scales: Vec::new(),
            distress: Vec::new(),
            indicators: Vec::new(),
            breakdowns: Vec::new(),
        };
        let defaults = questionnaire
            .modules
            .iter()
            .filter(|module| module.default_enabled)
            .map(|module| module.id.clone())
            .collect();
        questionnaire.select_modules(defaults);
        debug_assert_eq!(
            flatten_questions(&questionnaire.all_pages).len(),
            questions.len()
        );
        Ok(questionnaire)
    }

    fn modules(&mut self, raw: Vec<RawModule>) -> Vec<Module> {
        let mut seen = HashSet::new();
        let mut modules = Vec::new();
        for module in raw {
            let location = format!("module `{}`", module.id);
            self.check_id(&location, "module", &module.id);
            if !seen.insert(module.id.clone()) {
                self.error(&location, "duplicate module id");
            }
            self.check_text(&location, "the module title", &module.title);
            modules.push(Module {
                id: module.id,
                title: module.title,
                description: module.description,
                default_enabled: module.default_enabled,
            });
        }
        modules
    }

    /// Printed numbers stay right whichever modules a survey leaves out: every number series
    /// (`問` in `問6-1`, `F` in `F4`) belongs to the core questionnaire or to one module, so
    /// leaving a module out never opens a gap in another part's numbers.
    fn check_number_series(&mut self, pages: &[Page]) {
        let mut owners: HashMap<String, (Option<String>, String)> = HashMap::new();
        for page in pages {
            for item in &page.items {
                let Some(series) = number_series(&item.number) else {
                    continue;
                };
                let part = |module: &Option<String>| match module {
                    Some(module) => format!("module `{module}`"),
                    None => "the core questionnaire".to_string(),
                };
                match owners.get(series) {
                    None => {
                        owners.insert(
                            series.to_string(),
                            (page.module.clone(), item.number.clone()),
                        );
                    }
                    Some((owner, first)) if *owner != page.module => {
                        let module = page.module.as_deref().or(owner.as_deref());
                        let hint = module_series_hint(module);
                        let why = if page.module.is_some() && owner.is_some() {
                            "a survey that leaves one of the two modules out would print a gap in the other's numbers; give each module a series of its own"
                        } else {
                            "a survey that leaves the module out would print a gap in the numbers; give the module's items a series of their own"
                        };
                        let message = format!(
                            "number `{}` ({}) continues the series `{series}` of {} (`{first}`): {why}, e.g. `{hint}1`, `{hint}2` …",
                            item.number,
                            part(&page.module),
                            part(owner),
                        );
                        self.error(format!("item `{}`", item.id), message);
                    }
                    Some(_) => {}
                }
            }
        }
    }

    fn option_sets(&mut self, raw: Vec<RawOptionSet>) -> HashMap<String, Vec<Choice>> {
        let mut sets = HashMap::new();
        for set in raw {
            let location = format!("option_set `{}`", set.id);
            self.check_id(&location, "option set", &set.id);
            let choices = self.choices(&location, set.options, true);
            if sets.insert(set.id.clone(), choices).is_some() {
                self.error(&location, "duplicate option set id");
            }
        }
        sets
    }

    fn choices(
        &mut self,
        location: &str,
        raw: Vec<RawChoice>,
        allow_exclusive: bool,
    ) -> Vec<Choice> {
        if raw.is_empty() {
            self.error(location, "no options given");
        }
        let mut codes = HashSet::new();
        let mut choices = Vec::new();
        for choice in raw {
            if !codes.insert(choice.code) {
                self.error(
                    location,
                    format!("option code {} is used twice", choice.code),
                );
            }
            if choice.ja.trim().is_empty() {
                self.error(
                    location,
                    format!("option {} has an empty Japanese label (ja)", choice.code),
                );
            }
            if choice.exclusive && !allow_exclusive {
                self.error(
                    location,
                    format!(
                        "option {}: `exclusive` applies only to multiple-choice items",
                        choice.code
                    ),
                );
            }
            choices.push(Choice {
                code: choice.code,
                label: text_of(choice.ja, choice.en),
                exclusive: choice.exclusive,
            });
        }
        choices
    }

    /// Builds one item; `None` when it is too broken to use (errors are recorded).
    fn item(
        &mut self,
        raw: RawItem,
        page_index: usize,
        page_module: Option<&str>,
        option_sets: &HashMap<String, Vec<Choice>>,
        earlier: &HashMap<String, QuestionInfo>,
    ) -> Option<Item> {
        let location = format!("item `{}`", raw.id);
        self.check_id(&location, "item", &raw.id);
        if raw.number.trim().is_empty() {
            self.error(
                &location,
                "`number` is empty: give the number printed on the paper form, e.g. \"問1\"",
            );
        }
        self.check_text(&location, "the item text", &raw.text);
        let kind = raw.item_type;

        // Fields that only make sense for some item types.
        let mut not_for = |field: &str, present: bool, allowed: &[RawItemType]| {
            if present && !allowed.contains(&kind) {
                let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
                self.error(
                    &location,
                    format!(
                        "`{field}` does not apply to a `{}` item (only to: {})",
                        kind.name(),
                        names.join(", ")
                    ),
                );
            }
        };
        use RawItemType as T;
        not_for(
            "options",
            raw.options.is_some(),
            &[T::Single, T::Multiple, T::Grid],
        );
        not_for(
            "option_set",
            raw.option_set.is_some(),
            &[T::Single, T::Multiple, T::Grid],
        );
        not_for("max_choices", raw.max_choices.is_some(), &[T::Multiple]);
        not_for("min", raw.min.is_some(), &[T::Number]);
        not_for("max", raw.max.is_some(), &[T::Number]);
        not_for("integer", raw.integer.is_some(), &[T::Number]);
        not_for("unit", raw.unit.is_some(), &[T::Number]);
        not_for("max_length", raw.max_length.is_some(), &[T::Text]);
        not_for("multiline", raw.multiline.is_some(), &[T::Text]);
        not_for("row", raw.rows.is_some(), &[T::Grid]);

        let options = match kind {
            T::Single | T::Multiple | T::Grid => match (raw.options, &raw.option_set) {
                (Some(_), Some(_)) => {
                    self.error(&location, "give either `options` or `option_set`, not both");
                    Vec::new()
                }
                (Some(options), None) => self.choices(&location, options, kind == T::Multiple),
                (None, Some(set)) => match option_sets.get(set) {
                    Some(options) => {
                        if kind != T::Multiple && options.iter().any(|choice| choice.exclusive) {
                            self.error(&location, format!("option set `{set}` marks options `exclusive`, which applies only to multiple-choice items"));
                        }
                        options.clone()
                    }
                    None => {
                        self.error(&location, format!("option set `{set}` is not defined: add an [[option_set]] with id = \"{set}\""));
                        Vec::new()
                    }
                },
                (None, None) => {
                    self.error(
                        &location,
                        "no options: give `options = [...]` or `option_set = \"...\"`",
                    );
                    Vec::new()
                }
            },
            T::Number | T::Text => Vec::new(),
        };

        let item_kind = match kind {
            T::Single => ItemKind::Question(Response::Single { options }),
            T::Multiple => {
                if let Some(max) = raw.max_choices {
                    if max == 0 || max > options.len() {
                        self.error(
                            &location,
                            format!("max_choices = {max} must be between 1 and the number of options ({})", options.len()),
                        );
                    }
                }
                ItemKind::Question(Response::Multiple {
                    options,
                    max_choices: raw.max_choices,
                })
            }
            T::Number => {
                let (min, max) = match (raw.min, raw.max) {
                    (Some(min), Some(max)) => (min, max),
                    _ => {
                        self.error(&location, "a number item needs both `min` and `max`");
                        (0.0, 0.0)
                    }
                };
                if !min.is_finite() || !max.is_finite() || min > max {
                    self.error(&location, format!("min = {min} and max = {max} do not form a range (min must not exceed max)"));
                }
                let integer = raw.integer.unwrap_or(true);
                if integer && (min.fract() != 0.0 || max.fract() != 0.0) {
                    self.error(&location, "an integer item needs whole-number `min` and `max` (or set integer = false)");
                }
                ItemKind::Question(Response::Number {
                    min,
                    max,
                    integer,
                    unit: raw.unit,
                })
            }
            T::Text => {
                let max_length = raw.max_length.unwrap_or(DEFAULT_MAX_LENGTH);
                if max_length == 0 {
                    self.error(&location, "max_length must be at least 1");
                }
                ItemKind::Question(Response::Text {
                    max_length,
                    multiline: raw.multiline.unwrap_or(true),
                })
            }
            T::Grid => {
                let rows = raw.rows.unwrap_or_default();
                if rows.is_empty() {
                    self.error(&location, "a grid needs rows: add `row = [{ id = ..., number = \"(1)\", ja = ..., en = ... }, ...]`");
                }
                let rows = rows
                    .into_iter()
                    .map(|row| {
                        let row_location = format!("{location} row `{}`", row.id);
                        self.check_id(&row_location, "row", &row.id);
                        if row.ja.trim().is_empty() {
                            self.error(&row_location, "the row has an empty Japanese text (ja)");
                        }
                        GridRow {
                            id: row.id,
                            number: row.number,
                            text: text_of(row.ja, row.en),
                        }
                    })
                    .collect();
                ItemKind::Grid { options, rows }
            }
        };

        let show_if = raw
            .show_if
            .and_then(|raw| self.condition(&location, raw, page_index, page_module, earlier));
        let skip_if = raw
            .skip_if
            .and_then(|raw| self.condition(&location, raw, page_index, page_module, earlier));
        let show_if = match (show_if, skip_if) {
            (None, None) => None,
            (Some(show), None) => Some(show),
            (None, Some(skip)) => Some(Condition::Not(Box::new(skip))),
            (Some(show), Some(skip)) => {
                Some(Condition::All(vec![show, Condition::Not(Box::new(skip))]))
            }
        };

        let declared_provenance = raw.provenance.as_deref().and_then(|written| {
            let parsed = Provenance::parse(written);
            if parsed.is_none() {
                self.error(
                    &location,
                    format!(
                        "provenance = \"{written}\" is not one of: \"national\" (the national survey's wording and options, seen in an official copy), \"national-secondary\" (seen only in a secondary copy, or only in part), \"local\" (not the national wording)"
                    ),
                );
            }
            parsed
        });
        if let Some(note) = &raw.provenance_note {
            self.check_text(&location, "the provenance note", note);
        }

        Some(Item {
            id: raw.id,
            number: raw.number,
            text: raw.text,
            note: raw.note,
            paper_note: raw.paper_note,
            required: raw.required.unwrap_or(true),
            show_if,
            declared_provenance,
            provenance_note: raw.provenance_note,
            kind: item_kind,
        })
    }

    fn register_item(
        &mut self,
        item: &Item,
        page_index: usize,
        module: &Option<String>,
        item_ids: &mut HashSet<String>,
        numbers: &mut HashMap<String, String>,
        questions: &mut HashMap<String, QuestionInfo>,
    ) {
        let location = format!("item `{}`", item.id);
        if !item_ids.insert(item.id.clone()) {
            self.error(
                &location,
                "duplicate id (item and row ids must be unique in the questionnaire)",
            );
        }
        let mut add_question =
            |validator: &mut Validator, id: &str, number: String, response: Response| {
                if id != item.id && !item_ids.insert(id.to_string()) {
                    validator.error(
                        &location,
                        format!("row id `{id}` is already used (item and row ids must be unique)"),
                    );
                }
                if let Some(other) = numbers.get(&number) {
                    validator.error(
                        &location,
                        format!("number `{number}` is already used by `{other}`"),
                    );
                } else {
                    numbers.insert(number.clone(), id.to_string());
                }
                questions.insert(
                    id.to_string(),
                    QuestionInfo {
                        page_index,
                        module: module.clone(),
                        response,
                        number,
                        provenance: item.declared_provenance,
                    },
                );
            };
        match &item.kind {
            ItemKind::Question(response) => {
                add_question(self, &item.id, item.number.clone(), response.clone())
            }
            ItemKind::Grid { options, rows } => {
                for row in rows {
                    add_question(
                        self,
                        &row.id,
                        format!("{}{}", item.number, row.number),
                        Response::Single {
                            options: options.clone(),
                        },
                    );
                }
            }
        }
    }

    /// Validates a condition of an item on page `page_index`.
    fn condition(
        &mut self,
        location: &str,
        raw: RawCondition,
        page_index: usize,
        page_module: Option<&str>,
        earlier: &HashMap<String, QuestionInfo>,
    ) -> Option<Condition> {
        let forms = [
            raw.item.is_some(),
            raw.all.is_some(),
            raw.any.is_some(),
            raw.not.is_some(),
        ];
        if forms.iter().filter(|&&present| present).count() != 1 {
            self.error(
                location,
                "a condition needs exactly one of: `item` (with `in`, `answered`, `at_least` or `at_most`), `all`, `any`, `not`",
            );
            return None;
        }
        let combine = |validator: &mut Validator, parts: Vec<RawCondition>, what: &str| {
            if parts.is_empty() {
                validator.error(location, format!("`{what}` needs at least one condition"));
            }
            let built: Vec<Condition> = parts
                .into_iter()
                .filter_map(|part| {
                    validator.condition(location, part, page_index, page_module, earlier)
                })
                .collect();
            built
        };
        if let Some(parts) = raw.all {
            return Some(Condition::All(combine(self, parts, "all")));
        }
        if let Some(parts) = raw.any {
            return Some(Condition::Any(combine(self, parts, "any")));
        }
        if let Some(inner) = raw.not {
            return self
                .condition(location, *inner, page_index, page_module, earlier)
                .map(|inner| Condition::Not(Box::new(inner)));
        }
        let question = raw.item.unwrap_or_default();
        let Some(target) = earlier.get(&question) else {
            self.error(
                location,
                format!("the condition refers to `{question}`, which is not a question on an earlier page (conditions may only use answers from earlier pages; for a grid use a row id)"),
            );
            return None;
        };
        if target.page_index >= page_index {
            self.error(
                location,
                format!("the condition refers to `{question}` on the same page; move the item to a later page so the answer is known when the page is shown"),
            );
            return None;
        }
        if let Some(module) = &target.module {
            if page_module != Some(module.as_str()) {
                self.error(
                    location,
                    format!("the condition refers to `{question}` in module `{module}`, which a survey may leave out; conditions may only use the core questionnaire or the same module"),
                );
            }
        }
        let tests = [
            raw.codes.is_some(),
            raw.answered.is_some(),
            raw.at_least.is_some() || raw.at_most.is_some(),
        ];
        if tests.iter().filter(|&&present| present).count() != 1 {
            self.error(
                location,
                format!("the condition on `{question}` needs exactly one test: `in = [codes]`, `answered = true|false`, or `at_least` / `at_most`"),
            );
            return None;
        }
        if let Some(codes) = raw.codes {
            let options = target.response.options();
            if options.is_empty() {
                self.error(
                    location,
                    format!(
                        "`in` needs a choice question, but `{question}` ({}) is not one",
                        target.number
                    ),
                );
                return None;
            }
            if codes.is_empty() {
                self.error(location, format!("`in` for `{question}` lists no codes"));
            }
            for code in &codes {
                if target.response.option(*code).is_none() {
                    self.error(
                        location,
                        format!("the condition uses code {code} of `{question}` ({}), which has no such option (codes: {})", target.number, codes_list(options)),
                    );
                }
            }
            return Some(Condition::Chosen { question, codes });
        }
        if let Some(answered) = raw.answered {
            let condition = Condition::Answered { question };
            return Some(if answered {
                condition
            } else {
                Condition::Not(Box::new(condition))
            });
        }
        let Response::Number { .. } = target.response else {
            self.error(location, format!("`at_least` / `at_most` need a number question, but `{question}` ({}) is not one", target.number));
            return None;
        };
        if let (Some(low), Some(high)) = (raw.at_least, raw.at_most) {
            if low > high {
                self.error(
                    location,
                    format!(
                        "at_least = {low} is above at_most = {high}: the condition can never hold"
                    ),
                );
            }
        }
        Some(Condition::Between {
            question,
            min: raw.at_least,
            max: raw.at_most,
        })
    }

    fn scales(
        &mut self,
        raw: Vec<RawScale>,
        questions: &HashMap<String, QuestionInfo>,
    ) -> Vec<ScaleDef> {
        let mut seen = HashSet::new();
        let mut scales = Vec::new();
        for raw_scale in raw {
            let location = format!("scale `{}`", raw_scale.id);
            self.check_id(&location, "scale", &raw_scale.id);
            if !seen.insert(raw_scale.id.clone()) {
                self.error(&location, "duplicate scale id");
            }
            self.check_text(&location, "the scale name", &raw_scale.name);
            if raw_scale.items.is_empty() {
                self.error(&location, "the scale has no items");
            }

            let mut points = BTreeMap::new();
            for (key, value) in &raw_scale.points {
                match key.trim().parse::<Code>() {
                    Ok(code) => {
                        points.insert(code, *value);
                    }
                    Err(_) => self.error(&location, format!("points key `{key}` is not an option code (write e.g. points = {{ 1 = 0, 2 = 1 }})")),
                }
            }
            if points.is_empty() {
                self.error(
                    &location,
                    "no points given: write e.g. points = { 1 = 1, 2 = 2 }",
                );
            }

            let mut modules = BTreeSet::new();
            let mut unique_items = HashSet::new();
            for item in &raw_scale.items {
                if !unique_items.insert(item) {
                    self.error(&location, format!("item `{item}` is listed twice"));
                }
                let Some(info) = questions.get(item) else {
                    self.error(&location, format!("item `{item}` is not a question of this questionnaire (for a grid, list its row ids)"));
                    continue;
                };
                modules.insert(info.module.clone());
                let Response::Single { options } = &info.response else {
                    self.error(&location, format!("item `{item}` ({}) is not a single-choice question, so it cannot be scored", info.number));
                    continue;
                };
                let item_codes: BTreeSet<Code> = options.iter().map(|choice| choice.code).collect();
                let point_codes: BTreeSet<Code> = points.keys().copied().collect();
                let unscored: Vec<String> = item_codes
                    .difference(&point_codes)
                    .map(|c| c.to_string())
                    .collect();
                if !unscored.is_empty() {
                    self.error(
                        &location,
                        format!(
                            "no points given for option(s) {} of item `{item}` ({})",
                            unscored.join(", "),
                            info.number
                        ),
                    );
                }
                let unknown: Vec<String> = point_codes
                    .difference(&item_codes)
                    .map(|c| c.to_string())
                    .collect();
                if !unknown.is_empty() {
                    self.error(
                        &location,
                        format!(
                            "points are given for code(s) {} that item `{item}` ({}) does not have",
                            unknown.join(", "),
                            info.number
                        ),
                    );
                }
            }
            if modules.len() > 1 {
                self.error(&location, "the scale mixes items from different modules (or from a module and the core questionnaire)");
            }

            let count = raw_scale.items.len() as i32;
            let lowest = points.values().min().copied().unwrap_or(0);
            let highest = points.values().max().copied().unwrap_or(0);
            let (min_total, max_total) = (lowest * count, highest * count);
            let [declared_min, declared_max] = raw_scale.range;
            if (declared_min, declared_max) != (min_total, max_total) {
                self.error(
                    &location,
                    format!("range = [{declared_min}, {declared_max}] does not match the items and points, which give totals from {min_total} to {max_total}"),
                );
            }

            let missing = match (raw_scale.missing, raw_scale.max_missing) {
                (RawMissing::NoTotal, None) => MissingRule::NoTotal,
                (RawMissing::NoTotal, Some(_)) => {
                    self.error(
                        &location,
                        "`max_missing` applies only to missing = \"prorate\"",
                    );
                    MissingRule::NoTotal
                }
                (RawMissing::Prorate, Some(max_missing)) => {
                    if max_missing == 0 || max_missing >= raw_scale.items.len() {
                        self.error(&location, format!("max_missing = {max_missing} must be at least 1 and less than the number of items ({})", raw_scale.items.len()));
                    }
                    MissingRule::Prorate { max_missing }
                }
                (RawMissing::Prorate, None) => {
                    self.error(
                        &location,
                        "missing = \"prorate\" needs `max_missing` (how many items may be missing)",
                    );
                    MissingRule::NoTotal
                }
            };

            let bands = self.bands(&location, raw_scale.bands, min_total, max_total);
            scales.push(ScaleDef {
                module: modules.into_iter().next().flatten(),
                scale: Scale {
                    id: raw_scale.id,
                    name: raw_scale.name,
                    items: raw_scale.items,
                    points,
                    min_total,
                    max_total,
                    missing,
                    bands,
                },
            });
        }
        scales
    }

    fn bands(
        &mut self,
        location: &str,
        raw: Vec<RawBand>,
        min_total: i32,
        max_total: i32,
    ) -> Vec<Band> {
        let mut bands: Vec<Band> = raw
            .into_iter()
            .map(|band| Band {
                min: band.min,
                max: band.max,
                label: text_of(band.ja, band.en),
            })
            .collect();
        if bands.is_empty() {
            self.error(
                location,
                format!("no bands: add [[scale.band]] entries covering {min_total} to {max_total}"),
            );
            return bands;
        }
        for band in &bands {
            if band.min > band.max {
                self.error(
                    location,
                    format!("band {}–{} is empty (min above max)", band.min, band.max),
                );
            }
            if band.label.ja.trim().is_empty() {
                self.error(
                    location,
                    format!(
                        "band {}–{} has an empty Japanese label (ja)",
                        band.min, band.max
                    ),
                );
            }
        }
        bands.sort_by_key(|band| (band.min, band.max));
        let mut expected = min_total;
        for band in &bands {
            if band.min > expected {
                self.error(
                    location,
                    format!("bands leave totals {expected}–{} uncovered", band.min - 1),
                );
            } else if band.min < expected {
                if band.min < min_total {
                    self.error(
                        location,
                        format!(
                            "band {}–{} starts below the lowest possible total {min_total}",
                            band.min, band.max
                        ),
                    );
                } else {
                    self.error(
                        location,
                        format!(
                            "band {}–{} overlaps the band before it (totals {}–{} are in both)",
                            band.min,
                            band.max,
                            band.min,
                            (expected - 1).min(band.max)
                        ),
                    );
                }
            }
            expected = expected.max(band.max + 1);
        }
        if expected <= max_total {
            self.error(
                location,
                format!("bands leave totals {expected}–{max_total} uncovered"),
            );
        } else if expected > max_total + 1 {
            self.error(
                location,
                format!(
                    "bands go up to {}, above the highest possible total {max_total}",
                    expected - 1
                ),
            );
        }
        bands
    }

    fn distress(
        &mut self,
        raw: Vec<RawDistress>,
        questions: &HashMap<String, QuestionInfo>,
        scales: &[ScaleDef],
    ) -> Vec<DistressDef> {
        let mut rules = Vec::new();
        for (index, rule) in raw.into_iter().enumerate() {
            let location = format!("distress rule {}", index + 1);
            match (rule.item, rule.codes, rule.scale, rule.at_least) {
                (Some(item), Some(codes), None, None) => {
                    let Some(info) = questions.get(&item) else {
                        self.error(&location, format!("item `{item}` is not a question of this questionnaire"));
                        continue;
                    };
                    let options = info.response.options();
                    if options.is_empty() {
                        self.error(&location, format!("item `{item}` ({}) is not a choice question", info.number));
                        continue;
                    }
                    if codes.is_empty() {
                        self.error(&location, format!("`codes` for item `{item}` is empty"));
                    }
                    for code in &codes {
                        if info.response.option(*code).is_none() {
                            self.error(&location, format!("item `{item}` ({}) has no option {code} (codes: {})", info.number, codes_list(options)));
                        }
                    }
                    rules.push(DistressDef {
                        module: info.module.clone(),
                        rule: DistressRule::Chosen { question: item, codes },
                    });
                }
                (None, None, Some(scale), Some(threshold)) => {
                    let Some(def) = scales.iter().find(|def| def.scale.id == scale) else {
                        self.error(&location, format!("scale `{scale}` is not defined"));
                        continue;
                    };
                    if threshold <= def.scale.min_total || threshold > def.scale.max_total {
                        self.error(&location, format!("at_least = {threshold} must lie above {} and at most {} (the totals of scale `{scale}`)", def.scale.min_total, def.scale.max_total));
                    }
                    rules.push(DistressDef {
                        module: def.module.clone(),
                        rule: DistressRule::ScaleAtLeast { scale, threshold },
                    });
                }
                _ => self.error(
                    &location,
                    "write either `item = \"...\"` with `codes = [...]`, or `scale = \"...\"` with `at_least = N`",
                ),
            }
        }
        rules
    }
}

impl Validator {
    /// The module an indicator or breakdown belongs to: the one its question or scale belongs
    /// to, or the one written with `module = "…"` (which must exist and agree with it).
    /// `Err(())` when the written module is wrong (the error is recorded).
    fn module_of(
        &mut self,
        location: &str,
        written: Option<String>,
        inherent: Option<String>,
        module_ids: &HashSet<String>,
    ) -> Result<Option<String>, ()> {
        let Some(written) = written else {
            return Ok(inherent);
        };
        if !module_ids.contains(&written) {
            self.error(
                location,
                format!(
                    "module `{written}` is not defined: add a [[module]] with id = \"{written}\""
                ),
            );
            return Err(());
        }
        match inherent {
            Some(inherent) if inherent != written => {
                self.error(location, format!("it reads items of module `{inherent}`, so it cannot belong to module `{written}`: write module = \"{inherent}\" or leave `module` out"));
                Err(())
            }
            _ => Ok(Some(written)),
        }
    }

    fn indicators(
        &mut self,
        raw: Vec<RawIndicator>,
        questions: &HashMap<String, QuestionInfo>,
        scales: &[ScaleDef],
        module_ids: &HashSet<String>,
    ) -> Vec<IndicatorDef> {
        let mut indicators = Vec::new();
        let mut seen = HashSet::new();
        for raw in raw {
            let location = format!("indicator `{}`", raw.id);
            if !seen.insert(raw.id.clone()) {
                self.error(&location, "the id is used by another indicator".to_string());
                continue;
            }
            if let Some(national) = &raw.national {
                if !(0.0..=100.0).contains(&national.percent) {
                    self.error(
                        &location,
                        format!(
                            "national percent {} must lie between 0 and 100",
                            national.percent
                        ),
                    );
                }
            }
            let national = raw.national.map(|n| NationalFigure {
                percent: n.percent,
                year: n.year,
                source: n.source,
                respondents: n.respondents,
            });
            let (rule, module, read) = match (raw.item, raw.codes, raw.scale, raw.min, raw.max) {
                (Some(item), Some(codes), None, None, None) => {
                    let Some(info) = questions.get(&item) else {
                        self.error(
                            &location,
                            format!("item `{item}` is not a question of this questionnaire"),
                        );
                        continue;
                    };
                    let options = info.response.options();
                    if options.is_empty() || codes.is_empty() {
                        self.error(&location, format!("item `{item}` ({}) must be a choice question with at least one code", info.number));
                        continue;
                    }
                    if let Some(code) = codes
                        .iter()
                        .find(|code| info.response.option(**code).is_none())
                    {
                        self.error(
                            &location,
                            format!(
                                "item `{item}` ({}) has no option {code} (codes: {})",
                                info.number,
                                codes_list(options)
                            ),
                        );
                        continue;
                    }
                    let read = vec![item.clone()];
                    (
                        IndicatorRule::Chosen {
                            question: item,
                            codes,
                        },
                        info.module.clone(),
                        read,
                    )
                }
                (None, None, Some(scale), Some(min), Some(max)) => {
                    let Some(def) = scales.iter().find(|def| def.scale.id == scale) else {
                        self.error(&location, format!("scale `{scale}` is not defined"));
                        continue;
                    };
                    if min > max || min < def.scale.min_total || max > def.scale.max_total {
                        self.error(&location, format!("min = {min}, max = {max} must be an interval within {}–{} (the totals of scale `{scale}`)", def.scale.min_total, def.scale.max_total));
                        continue;
                    }
                    let read = def.scale.items.clone();
                    (
                        IndicatorRule::ScaleBetween { scale, min, max },
                        def.module.clone(),
                        read,
                    )
                }
                _ => {
                    self.error(&location, "write either `item = \"...\"` with `codes = [...]`, or `scale = \"...\"` with `min = N` and `max = M`".to_string());
                    continue;
                }
            };
            let Ok(module) = self.module_of(&location, raw.module, module, module_ids) else {
                continue;
            };
            let provenance = read
                .iter()
                .map(|id| {
                    questions
                        .get(id)
                        .and_then(|info| info.provenance)
                        .unwrap_or(Provenance::Local)
                })
                .min()
                .unwrap_or(Provenance::Local);
            if national.is_some() && !provenance.comparable() {
                let local: Vec<String> = read
                    .iter()
                    .filter_map(|id| questions.get(id).map(|info| (id, info)))
                    .filter(|(_, info)| !info.provenance.is_some_and(Provenance::comparable))
                    .map(|(id, info)| match info.provenance {
                        Some(_) => format!("`{id}` ({}, provenance = \"local\")", info.number),
                        None => format!(
                            "`{id}` ({}, no provenance, which counts as \"local\")",
                            info.number
                        ),
                    })
                    .collect();
                self.error(&location, format!("a national figure can only be set beside national items, but it reads {}: write provenance = \"national\" (or \"national-secondary\") on the item if its wording and options are the national survey's, or remove `national`", local.join(", ")));
                continue;
            }
            indicators.push(IndicatorDef {
                indicator: Indicator {
                    id: raw.id,
                    name: raw.name,
                    rule,
                    national,
                    provenance,
                },
                module,
            });
        }
        indicators
    }
}

/// A breakdown group as written: label, codes, value range.
type WrittenGroup = (Text, Option<Vec<Code>>, Option<(f64, f64)>);

impl Validator {
    fn breakdowns(
        &mut self,
        raw: Vec<RawBreakdown>,
        questions: &HashMap<String, QuestionInfo>,
        scales: &[ScaleDef],
        module_ids: &HashSet<String>,
    ) -> Vec<BreakdownDef> {
        let mut breakdowns = Vec::new();
        let mut seen = HashSet::new();
        for raw in raw {
            let location = format!("breakdown `{}`", raw.id);
            self.check_id(&location, "breakdown", &raw.id);
            if !seen.insert(raw.id.clone()) {
                self.error(&location, "the id is used by another breakdown");
                continue;
            }
            let written: Vec<WrittenGroup> = raw
                .groups
                .into_iter()
                .map(|g| {
                    let range = match (g.min, g.max) {
                        (None, None) => None,
                        (min, max) => Some((min.unwrap_or(f64::MIN), max.unwrap_or(f64::MAX))),
                    };
                    (text_of(g.ja, g.en), g.codes, range)
                })
                .collect();
            let (source, groups, module) = match (raw.item, raw.scale) {
                (Some(item), None) => {
                    let Some(info) = questions.get(&item) else {
                        self.error(
                            &location,
                            format!("item `{item}` is not a question of this questionnaire"),
                        );
                        continue;
                    };
                    let groups = match &info.response {
                        Response::Single { options } | Response::Multiple { options, .. } => {
                            if written.is_empty()
                                && matches!(info.response, Response::Multiple { .. })
                            {
                                self.error(&location, format!("item `{item}` ({}) is a multiple-choice question: write its groups, e.g. `groups = [{{ ja = \"参加している\", codes = [1, 2] }}, …]`", info.number));
                                continue;
                            }
                            if written.is_empty() {
                                options
                                    .iter()
                                    .map(|o| BreakdownGroup {
                                        label: o.label.clone(),
                                        rule: GroupRule::Codes(vec![o.code]),
                                    })
                                    .collect()
                            } else {
                                let mut groups = Vec::new();
                                for (label, codes, range) in written {
                                    let Some(codes) =
                                        codes.filter(|c| !c.is_empty() && range.is_none())
                                    else {
                                        self.error(&location, format!("every group of item `{item}` ({}) needs `codes = [...]` (and no min/max): the codes are {}", info.number, codes_list(options)));
                                        continue;
                                    };
                                    if let Some(code) =
                                        codes.iter().find(|c| info.response.option(**c).is_none())
                                    {
                                        self.error(&location, format!("item `{item}` ({}) has no option {code} (codes: {})", info.number, codes_list(options)));
                                        continue;
                                    }
                                    groups.push(BreakdownGroup {
                                        label,
                                        rule: GroupRule::Codes(codes),
                                    });
                                }
                                groups
                            }
                        }
                        Response::Number { .. } => {
                            let mut groups = Vec::new();
                            for (label, codes, range) in written {
                                let (Some((min, max)), None) = (range, codes) else {
                                    self.error(&location, format!("every group of the number item `{item}` ({}) needs `min` and/or `max` (and no codes)", info.number));
                                    continue;
                                };
                                groups.push(BreakdownGroup {
                                    label,
                                    rule: GroupRule::Between { min, max },
                                });
                            }
                            groups
                        }
                        Response::Text { .. } => {
                            self.error(&location, format!("item `{item}` ({}) is a free-text question: a breakdown needs a choice or number question, or a scale", info.number));
                            continue;
                        }
                    };
                    (BreakdownSource::Question(item), groups, info.module.clone())
                }
                (None, Some(scale)) => {
                    let Some(def) = scales.iter().find(|def| def.scale.id == scale) else {
                        self.error(&location, format!("scale `{scale}` is not defined"));
                        continue;
                    };
                    let groups = if written.is_empty() {
                        def.scale
                            .bands
                            .iter()
                            .map(|band| BreakdownGroup {
                                label: band.label.clone(),
                                rule: GroupRule::Between {
                                    min: f64::from(band.min),
                                    max: f64::from(band.max),
                                },
                            })
                            .collect()
                    } else {
                        let mut groups = Vec::new();
                        for (label, codes, range) in written {
                            let (Some((min, max)), None) = (range, codes) else {
                                self.error(&location, format!("every group of scale `{scale}` needs `min` and/or `max` totals (and no codes)"));
                                continue;
                            };
                            groups.push(BreakdownGroup {
                                label,
                                rule: GroupRule::Between { min, max },
                            });
                        }
                        groups
                    };
                    (BreakdownSource::Scale(scale), groups, def.module.clone())
                }
                _ => {
                    self.error(
                        &location,
                        "write either `item = \"...\"` or `scale = \"...\"` (one of them)",
                    );
                    continue;
                }
            };
            if groups.len() < 2 {
                self.error(
                    &location,
                    format!(
                        "a breakdown needs at least two groups (found {})",
                        groups.len()
                    ),
                );
                continue;
            }
            let Ok(module) = self.module_of(&location, raw.module, module, module_ids) else {
                continue;
            };
            breakdowns.push(BreakdownDef {
                breakdown: Breakdown {
                    id: raw.id,
                    name: raw.name,
                    source,
                    groups,
                },
                module,
            });
        }
        breakdowns
    }
}

fn codes_list(options: &[Choice]) -> String {
    options
        .iter()
        .map(|choice| choice.code.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The series of a printed number: what comes before its first digit (`問` of `問6-1`, `F`
/// of `F4`); `None` for a number without digits or without a prefix.
fn number_series(number: &str) -> Option<&str> {
    let start = number.find(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c))?;
    let series = number[..start].trim();
    (!series.is_empty()).then_some(series)
}

/// A series to suggest for a module's numbers: its first letter in upper case.
fn module_series_hint(module: Option<&str>) -> String {
    module
        .and_then(|id| id.chars().next())
        .map(|c| c.to_ascii_uppercase().to_string())
        .unwrap_or_else(|| "問".to_string())
}

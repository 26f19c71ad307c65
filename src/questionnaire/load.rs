//! Reading questionnaire files: TOML → raw structs (unknown fields rejected) → validated
//! [`Questionnaire`]. Every problem found is reported, not only the first.

use super::load_error::{LoadError, LoadErrors, Location};
use super::model::{
    flatten_questions, Band, Breakdown, BreakdownDef, BreakdownGroup, BreakdownSource, Choice,
    Code, Condition, DistressDef, DistressRule, GridRow, GroupRule, Indicator, IndicatorDef,
    IndicatorRule, Item, ItemKind, MissingRule, Module, NationalFigure, Page, Provenance,
    Questionnaire, QuestionnaireKind, Response, Scale, ScaleDef,
};
use super::text::Text;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Longest free-text answer when a text item does not say.
const DEFAULT_MAX_LENGTH: usize = 2000;

/// Loads every `*.toml` file in `dir` (not recursive), sorted by file name. Problems in all
/// files are collected and reported together.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Questionnaire>, LoadErrors> {
    let dir = dir.as_ref();
    let dir_name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|error| {
        let (ja, en) = io_problem(&error, ("調査票のフォルダ", "the questionnaire directory"));
        LoadErrors(vec![LoadError::new(&dir_name, Location::File, ja, en)])
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
            Err(error) => {
                let (ja, en) = io_problem(
                    &error,
                    (
                        "調査票のフォルダの中身",
                        "the questionnaire directory's list",
                    ),
                );
                errors.push(LoadError::new(&dir_name, Location::File, ja, en));
            }
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
        let (ja, en) = io_problem(&error, ("ファイル", "the file"));
        LoadErrors(vec![LoadError::new(&file, Location::File, ja, en)])
    })?;
    let questionnaire = from_toml_str(&file, &text)?;
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    if questionnaire.id() != stem {
        let id = questionnaire.id();
        return Err(LoadErrors(vec![LoadError::new(
            file,
            Location::Key("id"),
            format!("`id` `{id}` がファイル名 `{stem}.toml` と違います。ファイル名を `{id}.toml` に変えるか、`id = \"{stem}\"` と書いてください"),
            format!("the id `{id}` differs from the file name `{stem}.toml`; rename the file or set id = \"{stem}\""),
        )]));
    }
    Ok(questionnaire)
}

/// Parses and validates questionnaire TOML. `source_name` is used in error messages and
/// kept as [`Questionnaire::source`]. Modules marked `default_enabled` are switched on.
pub fn from_toml_str(source_name: &str, text: &str) -> Result<Questionnaire, LoadErrors> {
    let raw: RawQuestionnaire = toml::from_str(text)
        .map_err(|error| LoadErrors(vec![syntax_error(source_name, text, &error)]))?;
    Validator::new(source_name).build(raw)
}

/// A TOML problem where the reader stopped. The toml crate (through serde) words its problems
/// in English only: the usual ones — a misspelt or missing key, a value not on offer, a value
/// of the wrong kind — are worded here in both languages; any other keeps the crate's English,
/// quoted after a Japanese sentence.
fn syntax_error(source_name: &str, text: &str, error: &toml::de::Error) -> LoadError {
    let location = match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(text, span.start);
            Location::Line { line, column }
        }
        None => Location::File,
    };
    let detail = error.message().trim();
    let (ja, en) = match control_character(text, error) {
        // The reader says nothing of a control character in a comment.
        Some(c) if detail.is_empty() => (
            format!(
                "制御文字 U+{:04X} は、コメントの中でも使えません。消してください",
                c as u32
            ),
            format!(
                "the control character U+{:04X} is not allowed, not even in a comment; remove it",
                c as u32
            ),
        ),
        _ if detail.is_empty() => (
            "ここは TOML として読めません。引用符と括弧を確かめてください".to_string(),
            "this is not valid TOML here; check the quotes and brackets".to_string(),
        ),
        _ => toml_problem(detail),
    };
    LoadError::new(source_name, location, ja, en)
}

/// The control character where the TOML reader stopped, if it stopped at one.
fn control_character(text: &str, error: &toml::de::Error) -> Option<char> {
    error
        .span()
        .and_then(|span| text.get(span.start..))
        .and_then(|rest| rest.chars().next())
        .filter(|c| c.is_control())
}

/// The Japanese and English of one message of the toml crate (see [`syntax_error`]).
fn toml_problem(detail: &str) -> (String, String) {
    let quoted = |rest: &str| -> Vec<String> {
        rest.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let ticked = |names: &[String]| -> String {
        names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join("、")
    };
    if let Some(rest) = detail.strip_prefix("unknown field ") {
        let names = quoted(rest);
        if let Some((field, allowed)) = names.split_first() {
            let ja = if allowed.is_empty() {
                format!("ここに `{field}` は書けません。`{field}` を消してください")
            } else {
                format!(
                    "`{field}` という名前は使えません。ここに書けるのは {} です。綴りを確かめてください",
                    ticked(allowed)
                )
            };
            return (ja, format!("{detail}: check the spelling"));
        }
    }
    if let Some(rest) = detail.strip_prefix("unknown variant ") {
        let names = quoted(rest);
        if let Some((value, allowed)) = names.split_first() {
            let ja = format!(
                "`\"{value}\"` は使えない値です。{} のどれかを書いてください",
                ticked(allowed)
            );
            return (ja, detail.to_string());
        }
    }
    if let Some(rest) = detail.strip_prefix("missing field ") {
        if let Some(field) = quoted(rest).first() {
            return (
                format!("`{field}` がありません。`{field} = ...` を書き足してください"),
                format!("{detail}: add `{field} = ...`"),
            );
        }
    }
    if let Some(rest) = detail.strip_prefix("duplicate key ") {
        if let Some(key) = quoted(rest).first() {
            return (
                format!("`{key}` が2回書かれています。1回だけにしてください"),
                detail.to_string(),
            );
        }
    }
    if let Some(rest) = detail.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return (
                format!(
                    "値の種類が違います。ここには{}を書いてください（書かれているのは{}）",
                    value_kind(expected),
                    value_kind(found)
                ),
                detail.to_string(),
            );
        }
    }
    (
        format!("TOMLの書き方に誤りがあります。この場所の引用符、括弧、`=` を確かめてください（読み取りの原文: {detail}）"),
        detail.to_string(),
    )
}

/// A kind of value as serde names it (`a string`, `integer `3``, `u32`, `a sequence` …), in
/// Japanese.
fn value_kind(serde_words: &str) -> &'static str {
    let words = serde_words.trim();
    let first = words
        .trim_start_matches("a ")
        .trim_start_matches("an ")
        .split([' ', '`'])
        .next()
        .unwrap_or_default();
    match first {
        "string" | "str" | "char" => "文字列（`\"...\"`）",
        "integer" | "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64"
        | "isize" => "整数",
        "floating" | "float" | "f32" | "f64" => "数",
        "boolean" | "bool" => "`true` か `false`",
        "sequence" | "array" | "tuple" => "配列（`[...]`）",
        "map" | "struct" | "table" => "表（`{ ... }` か [表の名前]）",
        _ => "正しい種類の値",
    }
}

/// An error of reading a file or folder, in both languages: the usual kinds worded, any
/// other with the system's words.
fn io_problem(error: &std::io::Error, what: (&str, &str)) -> (String, String) {
    use std::io::ErrorKind;
    let (what_ja, what_en) = what;
    let ja = match error.kind() {
        ErrorKind::NotFound => format!("{what_ja}がありません。場所と名前を確かめてください"),
        ErrorKind::PermissionDenied => {
            format!("{what_ja}を読む権限がありません。権限を確かめてください")
        }
        ErrorKind::InvalidData => {
            format!("{what_ja}の文字コードがUTF-8ではありません。UTF-8で保存し直してください")
        }
        _ => format!("{what_ja}を読めません（システムの説明: {error}）"),
    };
    (ja, format!("cannot read {what_en}: {error}"))
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
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

    fn error(&mut self, location: &Location, ja: impl Into<String>, en: impl Into<String>) {
        self.errors.push(LoadError::new(
            &self.file,
            location.clone(),
            ja.into(),
            en.into(),
        ));
    }

    /// `what` names the thing in English; the Japanese location already does.
    fn check_id(&mut self, location: &Location, what: &str, id: &str) {
        if !is_identifier(id) {
            self.error(
                location,
                format!("`id` `{id}` は使えません。半角の英小文字（`a`–`z`）で始め、半角の英小文字、数字（`0`–`9`）、`_`、`-` だけで書いてください"),
                format!(
                    "{what} id `{id}` is not usable: start with a lowercase letter a–z and use only a–z, 0–9, `_` and `-`"
                ),
            );
        }
    }

    /// `what` is what the text is, e.g. `("ページのタイトル", "the page title")`.
    fn check_text(&mut self, location: &Location, what: (&str, &str), text: &Text) {
        if text.ja.trim().is_empty() {
            let (what_ja, what_en) = what;
            self.error(
                location,
                format!("{what_ja}の日本語（`ja`）が空です。日本語の文を書いてください"),
                format!("{what_en} has an empty Japanese text (ja)"),
            );
        }
    }

    fn build(mut self, raw: RawQuestionnaire) -> Result<Questionnaire, LoadErrors> {
        self.check_id(&Location::Key("id"), "questionnaire", &raw.id);
        self.check_text(
            &Location::Key("title"),
            ("タイトル", "the title"),
            &raw.title,
        );

        let modules = self.modules(raw.modules);
        let module_ids: HashSet<String> = modules.iter().map(|module| module.id.clone()).collect();
        let option_sets = self.option_sets(raw.option_sets);

        if raw.pages.is_empty() {
            self.error(
                &Location::File,
                "ページがひとつもありません。[[page]] を少なくともひとつ書いてください",
                "the questionnaire has no pages: add at least one [[page]]",
            );
        }
        let mut page_ids = HashSet::new();
        let mut item_ids: HashSet<String> = HashSet::new();
        let mut numbers: HashMap<String, String> = HashMap::new();
        let mut questions: HashMap<String, QuestionInfo> = HashMap::new();
        let mut pages = Vec::new();
        for (page_index, raw_page) in raw.pages.into_iter().enumerate() {
            let location = Location::Page(raw_page.id.clone());
            self.check_id(&location, "page", &raw_page.id);
            if !page_ids.insert(raw_page.id.clone()) {
                self.error(
                    &location,
                    "同じ `id` のページがほかにもあります。ページごとに違う `id` にしてください",
                    "duplicate page id",
                );
            }
            self.check_text(
                &location,
                ("ページのタイトル", "the page title"),
                &raw_page.title,
            );
            if let Some(module) = &raw_page.module {
                if !module_ids.contains(module) {
                    self.undefined_module(&location, module);
                }
            }
            if raw_page.items.is_empty() {
                self.error(
                    &location,
                    "ページに項目がありません。[[page.item]] を少なくともひとつ書いてください",
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
            let location = Location::Module(module.id.clone());
            self.check_id(&location, "module", &module.id);
            if !seen.insert(module.id.clone()) {
                self.error(
                    &location,
                    "同じ `id` のモジュールがほかにもあります。モジュールごとに違う `id` にしてください",
                    "duplicate module id",
                );
            }
            self.check_text(
                &location,
                ("モジュールのタイトル", "the module title"),
                &module.title,
            );
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
                    Some(module) => (
                        format!("モジュール `{module}`"),
                        format!("module `{module}`"),
                    ),
                    None => (
                        "本体（モジュール以外）".to_string(),
                        "the core questionnaire".to_string(),
                    ),
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
                        let (why_ja, why_en) = if page.module.is_some() && owner.is_some() {
                            ("片方のモジュールを使わない調査では、もう片方の番号が飛んでしまいます。モジュールごとに別の系列にしてください",
                            "a survey that leaves one of the two modules out would print a gap in the other's numbers; give each module a series of its own")
                        } else {
                            ("モジュールを使わない調査では番号が飛んでしまいます。モジュールの項目には別の系列の番号をつけてください",
                            "a survey that leaves the module out would print a gap in the numbers; give the module's items a series of their own")
                        };
                        let (this_ja, this_en) = part(&page.module);
                        let (owner_ja, owner_en) = part(owner);
                        let number = &item.number;
                        self.error(
                            &Location::Item(item.id.clone()),
                            format!("番号 `{number}`（{this_ja}）が、{owner_ja}の番号の系列 `{series}`（`{first}`）の続きになっています。{why_ja}（例: `{hint}1`、`{hint}2` …）"),
                            format!("number `{number}` ({this_en}) continues the series `{series}` of {owner_en} (`{first}`): {why_en}, e.g. `{hint}1`, `{hint}2` …"),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }

    fn option_sets(&mut self, raw: Vec<RawOptionSet>) -> HashMap<String, Vec<Choice>> {
        let mut sets = HashMap::new();
        for set in raw {
            let location = Location::OptionSet(set.id.clone());
            self.check_id(&location, "option set", &set.id);
            let choices = self.choices(&location, set.options, true);
            if sets.insert(set.id.clone(), choices).is_some() {
                self.error(
                    &location,
                    "同じ `id` の選択肢セットがほかにもあります。セットごとに違う `id` にしてください",
                    "duplicate option set id",
                );
            }
        }
        sets
    }

    fn choices(
        &mut self,
        location: &Location,
        raw: Vec<RawChoice>,
        allow_exclusive: bool,
    ) -> Vec<Choice> {
        if raw.is_empty() {
            self.error(
                location,
                "選択肢がありません。`options` に選択肢を書いてください",
                "no options given",
            );
        }
        let mut codes = HashSet::new();
        let mut choices = Vec::new();
        for choice in raw {
            let code = choice.code;
            if !codes.insert(code) {
                self.error(
                    location,
                    format!("選択肢の番号 {code} が2回使われています。選択肢ごとに違う番号（`code`）にしてください"),
                    format!("option code {code} is used twice"),
                );
            }
            if choice.ja.trim().is_empty() {
                self.error(
                    location,
                    format!("選択肢 {code} の日本語（`ja`）が空です。選択肢の文を書いてください"),
                    format!("option {code} has an empty Japanese label (ja)"),
                );
            }
            if choice.exclusive && !allow_exclusive {
                self.error(
                    location,
                    format!("選択肢 {code}: `exclusive` は複数回答（`type = \"multiple\"`）の項目にだけ書けます。この選択肢の `exclusive` を消してください"),
                    format!("option {code}: `exclusive` applies only to multiple-choice items"),
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
        let location = Location::Item(raw.id.clone());
        self.check_id(&location, "item", &raw.id);
        if raw.number.trim().is_empty() {
            self.error(
                &location,
                "`number` が空です。紙の調査票に印刷する番号を書いてください（例: \"問1\"）",
                "`number` is empty: give the number printed on the paper form, e.g. \"問1\"",
            );
        }
        self.check_text(&location, ("項目の文", "the item text"), &raw.text);
        let kind = raw.item_type;

        // Fields that only make sense for some item types.
        let mut not_for = |field: &str, present: bool, allowed: &[RawItemType]| {
            if present && !allowed.contains(&kind) {
                let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
                let kind = kind.name();
                let names_ja = names
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join("、");
                let names = names.join(", ");
                self.error(
                    &location,
                    format!("`{field}` は `type = \"{kind}\"` の項目には書けません（書けるのは {names_ja} の項目だけです）。`{field}` を消すか、`type` を直してください"),
                    format!("`{field}` does not apply to a `{kind}` item (only to: {names})"),
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
                    self.error(
                        &location,
                        "`options` と `option_set` の両方が書かれています。どちらか一方だけにしてください",
                        "give either `options` or `option_set`, not both",
                    );
                    Vec::new()
                }
                (Some(options), None) => self.choices(&location, options, kind == T::Multiple),
                (None, Some(set)) => match option_sets.get(set) {
                    Some(options) => {
                        if kind != T::Multiple && options.iter().any(|choice| choice.exclusive) {
                            self.error(
                                &location,
                                format!("選択肢セット `{set}` には `exclusive` の選択肢があります。`exclusive` は複数回答（`type = \"multiple\"`）の項目にだけ使えます。`exclusive` のない選択肢セットを使ってください"),
                                format!("option set `{set}` marks options `exclusive`, which applies only to multiple-choice items"),
                            );
                        }
                        options.clone()
                    }
                    None => {
                        self.error(
                            &location,
                            format!("選択肢セット `{set}` がありません。`id = \"{set}\"` の [[option_set]] を書くか、`option_set` の名前を直してください"),
                            format!("option set `{set}` is not defined: add an [[option_set]] with id = \"{set}\""),
                        );
                        Vec::new()
                    }
                },
                (None, None) => {
                    self.error(
                        &location,
                        "選択肢がありません。`options = [...]` か `option_set = \"...\"` を書いてください",
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
                        let count = options.len();
                        self.error(
                            &location,
                            format!("`max_choices = {max}` は、1から選択肢の数（{count}）までの数にしてください"),
                            format!("max_choices = {max} must be between 1 and the number of options ({count})"),
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
                        self.error(
                            &location,
                            "数値の項目には `min`（最小値）と `max`（最大値）の両方を書いてください",
                            "a number item needs both `min` and `max`",
                        );
                        (0.0, 0.0)
                    }
                };
                if !min.is_finite() || !max.is_finite() || min > max {
                    self.error(
                        &location,
                        format!("`min = {min}`、`max = {max}` では範囲になりません。`min` は `max` 以下の数にしてください"),
                        format!("min = {min} and max = {max} do not form a range (min must not exceed max)"),
                    );
                }
                let integer = raw.integer.unwrap_or(true);
                if integer && (min.fract() != 0.0 || max.fract() != 0.0) {
                    self.error(
                        &location,
                        "整数で答える項目では、`min` と `max` も整数にしてください（小数で答える項目なら `integer = false` と書いてください）",
                        "an integer item needs whole-number `min` and `max` (or set integer = false)",
                    );
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
                    self.error(
                        &location,
                        "`max_length`（最大の文字数）は1以上にしてください",
                        "max_length must be at least 1",
                    );
                }
                ItemKind::Question(Response::Text {
                    max_length,
                    multiline: raw.multiline.unwrap_or(true),
                })
            }
            T::Grid => {
                let rows = raw.rows.unwrap_or_default();
                if rows.is_empty() {
                    self.error(
                        &location,
                        "マトリクスの項目に行がありません。`row = [{ id = ..., number = \"(1)\", ja = ..., en = ... }, ...]` のように行を書いてください",
                        "a grid needs rows: add `row = [{ id = ..., number = \"(1)\", ja = ..., en = ... }, ...]`",
                    );
                }
                let rows = rows
                    .into_iter()
                    .map(|row| {
                        let row_location = Location::Row {
                            item: raw.id.clone(),
                            row: row.id.clone(),
                        };
                        self.check_id(&row_location, "row", &row.id);
                        if row.ja.trim().is_empty() {
                            self.error(
                                &row_location,
                                "行の日本語（`ja`）が空です。行の文を書いてください",
                                "the row has an empty Japanese text (ja)",
                            );
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
                    format!("`provenance = \"{written}\"` は使えません。次のどれかを書いてください: `\"national\"`（全国調査と同じ文言と選択肢で、公式の調査票で確かめたもの）、`\"national-secondary\"`（二次資料でのみ、または一部だけ確かめたもの）、`\"local\"`（全国調査の文言ではないもの）"),
                    format!(
                        "provenance = \"{written}\" is not one of: \"national\" (the national survey's wording and options, seen in an official copy), \"national-secondary\" (seen only in a secondary copy, or only in part), \"local\" (not the national wording)"
                    ),
                );
            }
            parsed
        });
        if let Some(note) = &raw.provenance_note {
            self.check_text(&location, ("出典の注記", "the provenance note"), note);
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
        let location = Location::Item(item.id.clone());
        if !item_ids.insert(item.id.clone()) {
            self.error(
                &location,
                "同じ `id` の項目がほかにもあります。項目と行の `id` は、調査票の中でそれぞれ違うものにしてください",
                "duplicate id (item and row ids must be unique in the questionnaire)",
            );
        }
        let mut add_question = |validator: &mut Validator,
                                id: &str,
                                number: String,
                                response: Response| {
            if id != item.id && !item_ids.insert(id.to_string()) {
                validator.error(
                        &location,
                        format!("行の `id` `{id}` はほかで使われています。項目と行の `id` は、調査票の中でそれぞれ違うものにしてください"),
                        format!("row id `{id}` is already used (item and row ids must be unique)"),
                    );
            }
            if let Some(other) = numbers.get(&number) {
                validator.error(
                        &location,
                        format!("番号 `{number}` は `{other}` ですでに使われています。項目ごとに違う番号にしてください"),
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
        location: &Location,
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
                "条件には `item`（`in`、`answered`、`at_least`、`at_most` のどれかと組み合わせて）、`all`、`any`、`not` のどれかひとつだけを書いてください",
                "a condition needs exactly one of: `item` (with `in`, `answered`, `at_least` or `at_most`), `all`, `any`, `not`",
            );
            return None;
        }
        let combine = |validator: &mut Validator, parts: Vec<RawCondition>, what: &str| {
            if parts.is_empty() {
                validator.error(
                    location,
                    format!(
                        "`{what}` の中に条件がありません。条件を少なくともひとつ書いてください"
                    ),
                    format!("`{what}` needs at least one condition"),
                );
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
                format!("条件が `{question}` を使っていますが、前のページにそういう設問はありません。条件に使えるのは前のページの回答だけです（マトリクスなら行の `id` を書いてください）"),
                format!("the condition refers to `{question}`, which is not a question on an earlier page (conditions may only use answers from earlier pages; for a grid use a row id)"),
            );
            return None;
        };
        if target.page_index >= page_index {
            self.error(
                location,
                format!("条件が同じページの `{question}` を使っています。ページを表示する時にはまだ回答がないため、この項目を後のページに移してください"),
                format!("the condition refers to `{question}` on the same page; move the item to a later page so the answer is known when the page is shown"),
            );
            return None;
        }
        if let Some(module) = &target.module {
            if page_module != Some(module.as_str()) {
                self.error(
                    location,
                    format!("条件がモジュール `{module}` の `{question}` を使っていますが、このモジュールは調査によって使わないことがあります。条件に使えるのは本体か同じモジュールの設問だけです"),
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
                format!("`{question}` の条件には、`in = [番号]`、`answered = true` か `false`、`at_least` / `at_most` のどれかひとつだけを書いてください"),
                format!("the condition on `{question}` needs exactly one test: `in = [codes]`, `answered = true|false`, or `at_least` / `at_most`"),
            );
            return None;
        }
        let number = &target.number;
        if let Some(codes) = raw.codes {
            let options = target.response.options();
            if options.is_empty() {
                self.error(
                    location,
                    format!("`in` は選択式の設問にしか使えませんが、`{question}`「{number}」は選択式ではありません"),
                    format!("`in` needs a choice question, but `{question}` ({number}) is not one"),
                );
                return None;
            }
            if codes.is_empty() {
                self.error(
                    location,
                    format!("`{question}` の `in` に選択肢の番号がありません。`in = [1, 2]` のように書いてください"),
                    format!("`in` for `{question}` lists no codes"),
                );
            }
            for code in &codes {
                if target.response.option(*code).is_none() {
                    let list = codes_list(options);
                    self.error(
                        location,
                        format!("条件が `{question}`「{number}」の選択肢 {code} を使っていますが、その番号の選択肢はありません（選択肢の番号: {list}）"),
                        format!("the condition uses code {code} of `{question}` ({number}), which has no such option (codes: {list})"),
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
            self.error(
                location,
                format!("`at_least` / `at_most` は数値の設問にしか使えませんが、`{question}`「{number}」は数値の設問ではありません"),
                format!("`at_least` / `at_most` need a number question, but `{question}` ({number}) is not one"),
            );
            return None;
        };
        if let (Some(low), Some(high)) = (raw.at_least, raw.at_most) {
            if low > high {
                self.error(
                    location,
                    format!("`at_least = {low}` が `at_most = {high}` より大きいため、この条件は決して満たされません。値を入れ替えてください"),
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
            let location = Location::Scale(raw_scale.id.clone());
            self.check_id(&location, "scale", &raw_scale.id);
            if !seen.insert(raw_scale.id.clone()) {
                self.error(
                    &location,
                    "同じ `id` の尺度がほかにもあります。尺度ごとに違う `id` にしてください",
                    "duplicate scale id",
                );
            }
            self.check_text(&location, ("尺度の名前", "the scale name"), &raw_scale.name);
            if raw_scale.items.is_empty() {
                self.error(
                    &location,
                    "尺度に設問がありません。`items = [...]` に設問の `id` を書いてください",
                    "the scale has no items",
                );
            }

            let mut points = BTreeMap::new();
            for (key, value) in &raw_scale.points {
                match key.trim().parse::<Code>() {
                    Ok(code) => {
                        points.insert(code, *value);
                    }
                    Err(_) => self.error(
                        &location,
                        format!("`points` のキー `{key}` は選択肢の番号ではありません（`points = {{ 1 = 0, 2 = 1 }}` のように書いてください）"),
                        format!("points key `{key}` is not an option code (write e.g. points = {{ 1 = 0, 2 = 1 }})"),
                    ),
                }
            }
            if points.is_empty() {
                self.error(
                    &location,
                    "得点（`points`）がありません。`points = { 1 = 1, 2 = 2 }` のように書いてください",
                    "no points given: write e.g. points = { 1 = 1, 2 = 2 }",
                );
            }

            let mut modules = BTreeSet::new();
            let mut unique_items = HashSet::new();
            for item in &raw_scale.items {
                if !unique_items.insert(item) {
                    self.error(
                        &location,
                        format!("設問 `{item}` が2回書かれています。1回だけにしてください"),
                        format!("item `{item}` is listed twice"),
                    );
                }
                let Some(info) = questions.get(item) else {
                    self.error(
                        &location,
                        format!("`{item}` はこの調査票の設問ではありません。設問の `id` を確かめてください（マトリクスなら行の `id` を書いてください）"),
                        format!("item `{item}` is not a question of this questionnaire (for a grid, list its row ids)"),
                    );
                    continue;
                };
                modules.insert(info.module.clone());
                let number = &info.number;
                let Response::Single { options } = &info.response else {
                    self.error(
                        &location,
                        format!("設問 `{item}`「{number}」は単一回答の設問ではないため、得点をつけられません"),
                        format!("item `{item}` ({number}) is not a single-choice question, so it cannot be scored"),
                    );
                    continue;
                };
                let item_codes: BTreeSet<Code> = options.iter().map(|choice| choice.code).collect();
                let point_codes: BTreeSet<Code> = points.keys().copied().collect();
                let unscored: Vec<String> = item_codes
                    .difference(&point_codes)
                    .map(|c| c.to_string())
                    .collect();
                if !unscored.is_empty() {
                    let unscored = unscored.join(", ");
                    self.error(
                        &location,
                        format!("設問 `{item}`「{number}」の選択肢 {unscored} に得点がありません。`points` に書き足してください"),
                        format!("no points given for option(s) {unscored} of item `{item}` ({number})"),
                    );
                }
                let unknown: Vec<String> = point_codes
                    .difference(&item_codes)
                    .map(|c| c.to_string())
                    .collect();
                if !unknown.is_empty() {
                    let unknown = unknown.join(", ");
                    self.error(
                        &location,
                        format!("`points` に番号 {unknown} の得点がありますが、設問 `{item}`「{number}」にその番号の選択肢はありません"),
                        format!("points are given for code(s) {unknown} that item `{item}` ({number}) does not have"),
                    );
                }
            }
            if modules.len() > 1 {
                self.error(
                    &location,
                    "尺度の設問が、違うモジュール（またはモジュールと本体）にまたがっています。尺度の設問はひとつのモジュールか本体だけから選んでください",
                    "the scale mixes items from different modules (or from a module and the core questionnaire)",
                );
            }

            let count = raw_scale.items.len() as i32;
            let lowest = points.values().min().copied().unwrap_or(0);
            let highest = points.values().max().copied().unwrap_or(0);
            let (min_total, max_total) = (lowest * count, highest * count);
            let [declared_min, declared_max] = raw_scale.range;
            if (declared_min, declared_max) != (min_total, max_total) {
                self.error(
                    &location,
                    format!("`range = [{declared_min}, {declared_max}]` が設問と得点に合いません。合計点は {min_total} から {max_total} までになるので、`range = [{min_total}, {max_total}]` と書いてください"),
                    format!("range = [{declared_min}, {declared_max}] does not match the items and points, which give totals from {min_total} to {max_total}"),
                );
            }

            let missing = match (raw_scale.missing, raw_scale.max_missing) {
                (RawMissing::NoTotal, None) => MissingRule::NoTotal,
                (RawMissing::NoTotal, Some(_)) => {
                    self.error(
                        &location,
                        "`max_missing` は `missing = \"prorate\"` のときにだけ書けます。`max_missing` を消すか、`missing = \"prorate\"` と書いてください",
                        "`max_missing` applies only to missing = \"prorate\"",
                    );
                    MissingRule::NoTotal
                }
                (RawMissing::Prorate, Some(max_missing)) => {
                    let items = raw_scale.items.len();
                    if max_missing == 0 || max_missing >= items {
                        self.error(
                            &location,
                            format!("`max_missing = {max_missing}` は、1以上で設問の数（{items}）より小さい数にしてください"),
                            format!("max_missing = {max_missing} must be at least 1 and less than the number of items ({items})"),
                        );
                    }
                    MissingRule::Prorate { max_missing }
                }
                (RawMissing::Prorate, None) => {
                    self.error(
                        &location,
                        "`missing = \"prorate\"` には、無回答をいくつまで認めるかを `max_missing` に書いてください",
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
        location: &Location,
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
                format!("得点の区分がありません。{min_total} から {max_total} までを覆う [[scale.band]] を書いてください"),
                format!("no bands: add [[scale.band]] entries covering {min_total} to {max_total}"),
            );
            return bands;
        }
        for band in &bands {
            let (min, max) = (band.min, band.max);
            if min > max {
                self.error(
                    location,
                    format!("区分 {min}–{max} は空です（`min` が `max` より大きくなっています）。`min` を `max` 以下にしてください"),
                    format!("band {min}–{max} is empty (min above max)"),
                );
            }
            if band.label.ja.trim().is_empty() {
                self.error(
                    location,
                    format!(
                        "区分 {min}–{max} の日本語（`ja`）が空です。区分の名前を書いてください"
                    ),
                    format!("band {min}–{max} has an empty Japanese label (ja)"),
                );
            }
        }
        bands.sort_by_key(|band| (band.min, band.max));
        let mut expected = min_total;
        for band in &bands {
            let (min, max) = (band.min, band.max);
            if min > expected {
                let last = min - 1;
                self.error(
                    location,
                    format!("合計点 {expected}–{last} がどの区分にも入っていません。区分を書き足すか、となりの区分を広げてください"),
                    format!("bands leave totals {expected}–{last} uncovered"),
                );
            } else if min < expected {
                if min < min_total {
                    self.error(
                        location,
                        format!("区分 {min}–{max} が、ありうる最低の合計点 {min_total} より下から始まっています。`min` を {min_total} 以上にしてください"),
                        format!("band {min}–{max} starts below the lowest possible total {min_total}"),
                    );
                } else {
                    let last = (expected - 1).min(max);
                    self.error(
                        location,
                        format!("区分 {min}–{max} がひとつ前の区分と重なっています（合計点 {min}–{last} が両方に入ります）。区分が重ならないようにしてください"),
                        format!("band {min}–{max} overlaps the band before it (totals {min}–{last} are in both)"),
                    );
                }
            }
            expected = expected.max(max + 1);
        }
        if expected <= max_total {
            self.error(
                location,
                format!("合計点 {expected}–{max_total} がどの区分にも入っていません。区分を書き足すか、最後の区分を広げてください"),
                format!("bands leave totals {expected}–{max_total} uncovered"),
            );
        } else if expected > max_total + 1 {
            let top = expected - 1;
            self.error(
                location,
                format!("区分が {top} まであり、ありうる最高の合計点 {max_total} を超えています。最後の区分の `max` を {max_total} にしてください"),
                format!("bands go up to {top}, above the highest possible total {max_total}"),
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
            let location = Location::DistressRule(index + 1);
            match (rule.item, rule.codes, rule.scale, rule.at_least) {
                (Some(item), Some(codes), None, None) => {
                    let Some(info) = questions.get(&item) else {
                        self.not_a_question(&location, &item);
                        continue;
                    };
                    let number = &info.number;
                    let options = info.response.options();
                    if options.is_empty() {
                        self.error(
                            &location,
                            format!("設問 `{item}`「{number}」は選択式の設問ではありません。選択式の設問を書くか、尺度（`scale`）を使ってください"),
                            format!("item `{item}` ({number}) is not a choice question"),
                        );
                        continue;
                    }
                    if codes.is_empty() {
                        self.error(
                            &location,
                            format!("設問 `{item}` の `codes` が空です。`codes = [4, 5]` のように選択肢の番号を書いてください"),
                            format!("`codes` for item `{item}` is empty"),
                        );
                    }
                    for code in &codes {
                        if info.response.option(*code).is_none() {
                            self.no_such_option(&location, &item, number, *code, options);
                        }
                    }
                    rules.push(DistressDef {
                        module: info.module.clone(),
                        rule: DistressRule::Chosen { question: item, codes },
                    });
                }
                (None, None, Some(scale), Some(threshold)) => {
                    let Some(def) = scales.iter().find(|def| def.scale.id == scale) else {
                        self.undefined_scale(&location, &scale);
                        continue;
                    };
                    let (low, high) = (def.scale.min_total, def.scale.max_total);
                    if threshold <= low || threshold > high {
                        self.error(
                            &location,
                            format!("`at_least = {threshold}` は、尺度 `{scale}` の合計点に合わせて {low} より大きく {high} 以下の数にしてください"),
                            format!("at_least = {threshold} must lie above {low} and at most {high} (the totals of scale `{scale}`)"),
                        );
                    }
                    rules.push(DistressDef {
                        module: def.module.clone(),
                        rule: DistressRule::ScaleAtLeast { scale, threshold },
                    });
                }
                _ => self.error(
                    &location,
                    "`item = \"...\"` と `codes = [...]` の組か、`scale = \"...\"` と `at_least = N` の組のどちらかを書いてください",
                    "write either `item = \"...\"` with `codes = [...]`, or `scale = \"...\"` with `at_least = N`",
                ),
            }
        }
        rules
    }
}

impl Validator {
    /// A `module = "…"` naming a module the file does not define.
    fn undefined_module(&mut self, location: &Location, module: &str) {
        self.error(
            location,
            format!("モジュール `{module}` がありません。`id = \"{module}\"` の [[module]] を書くか、`module` の名前を直してください"),
            format!("module `{module}` is not defined: add a [[module]] with id = \"{module}\""),
        );
    }

    /// A rule naming a scale the file does not define.
    fn undefined_scale(&mut self, location: &Location, scale: &str) {
        self.error(
            location,
            format!("尺度 `{scale}` がありません。`id = \"{scale}\"` の [[scale]] を書くか、`scale` の名前を直してください"),
            format!("scale `{scale}` is not defined"),
        );
    }

    /// A rule naming an item that is no question of the file.
    fn not_a_question(&mut self, location: &Location, item: &str) {
        self.error(
            location,
            format!("`{item}` はこの調査票の設問ではありません。設問の `id` を確かめてください"),
            format!("item `{item}` is not a question of this questionnaire"),
        );
    }

    /// A rule naming an option code the question does not have.
    fn no_such_option(
        &mut self,
        location: &Location,
        item: &str,
        number: &str,
        code: Code,
        options: &[Choice],
    ) {
        let list = codes_list(options);
        self.error(
            location,
            format!(
                "設問 `{item}`「{number}」に選択肢 {code} はありません（選択肢の番号: {list}）"
            ),
            format!("item `{item}` ({number}) has no option {code} (codes: {list})"),
        );
    }

    /// The module an indicator or breakdown belongs to: the one its question or scale belongs
    /// to, or the one written with `module = "…"` (which must exist and agree with it).
    /// `Err(())` when the written module is wrong (the error is recorded).
    fn module_of(
        &mut self,
        location: &Location,
        written: Option<String>,
        inherent: Option<String>,
        module_ids: &HashSet<String>,
    ) -> Result<Option<String>, ()> {
        let Some(written) = written else {
            return Ok(inherent);
        };
        if !module_ids.contains(&written) {
            self.undefined_module(location, &written);
            return Err(());
        }
        match inherent {
            Some(inherent) if inherent != written => {
                self.error(
                    location,
                    format!("モジュール `{inherent}` の設問を使っているため、モジュール `{written}` には入れられません。`module = \"{inherent}\"` と書くか、`module` を消してください"),
                    format!("it reads items of module `{inherent}`, so it cannot belong to module `{written}`: write module = \"{inherent}\" or leave `module` out"),
                );
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
            let location = Location::Indicator(raw.id.clone());
            if !seen.insert(raw.id.clone()) {
                self.error(
                    &location,
                    "同じ `id` の指標がほかにもあります。指標ごとに違う `id` にしてください",
                    "the id is used by another indicator",
                );
                continue;
            }
            if let Some(national) = &raw.national {
                if !(0.0..=100.0).contains(&national.percent) {
                    let percent = national.percent;
                    self.error(
                        &location,
                        format!(
                            "全国の割合 `percent = {percent}` は 0 から 100 までの数にしてください"
                        ),
                        format!("national percent {percent} must lie between 0 and 100"),
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
                        self.not_a_question(&location, &item);
                        continue;
                    };
                    let number = &info.number;
                    let options = info.response.options();
                    if options.is_empty() || codes.is_empty() {
                        self.error(
                            &location,
                            format!("設問 `{item}`「{number}」は選択式の設問で、`codes` に選択肢の番号が少なくともひとつ必要です"),
                            format!("item `{item}` ({number}) must be a choice question with at least one code"),
                        );
                        continue;
                    }
                    if let Some(code) = codes
                        .iter()
                        .find(|code| info.response.option(**code).is_none())
                    {
                        self.no_such_option(&location, &item, number, *code, options);
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
                        self.undefined_scale(&location, &scale);
                        continue;
                    };
                    let (low, high) = (def.scale.min_total, def.scale.max_total);
                    if min > max || min < low || max > high {
                        self.error(
                            &location,
                            format!("`min = {min}`、`max = {max}` は、尺度 `{scale}` の合計点 {low}–{high} の中の範囲にしてください（`min` は `max` 以下）"),
                            format!("min = {min}, max = {max} must be an interval within {low}–{high} (the totals of scale `{scale}`)"),
                        );
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
                    self.error(
                        &location,
                        "`item = \"...\"` と `codes = [...]` の組か、`scale = \"...\"` と `min = N`、`max = M` の組のどちらかを書いてください",
                        "write either `item = \"...\"` with `codes = [...]`, or `scale = \"...\"` with `min = N` and `max = M`",
                    );
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
                let local: Vec<(String, String)> = read
                    .iter()
                    .filter_map(|id| questions.get(id).map(|info| (id, info)))
                    .filter(|(_, info)| !info.provenance.is_some_and(Provenance::comparable))
                    .map(|(id, info)| {
                        let number = &info.number;
                        match info.provenance {
                            Some(_) => (
                                format!("`{id}`「{number}」（`provenance = \"local\"`）"),
                                format!("`{id}` ({number}, provenance = \"local\")"),
                            ),
                            None => (
                                format!("`{id}`「{number}」（`provenance` がないため `\"local\"` 扱い）"),
                                format!("`{id}` ({number}, no provenance, which counts as \"local\")"),
                            ),
                        }
                    })
                    .collect();
                let (local_ja, local_en): (Vec<String>, Vec<String>) = local.into_iter().unzip();
                let (local_ja, local_en) = (local_ja.join("、"), local_en.join(", "));
                self.error(
                    &location,
                    format!("全国の数値（`national`）は全国調査と同じ設問にしか並べられませんが、この指標は {local_ja} を使っています。設問の文言と選択肢が全国調査と同じなら、その設問に `provenance = \"national\"`（または `\"national-secondary\"`）と書いてください。そうでなければ `national` を消してください"),
                    format!("a national figure can only be set beside national items, but it reads {local_en}: write provenance = \"national\" (or \"national-secondary\") on the item if its wording and options are the national survey's, or remove `national`"),
                );
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
            let location = Location::Breakdown(raw.id.clone());
            self.check_id(&location, "breakdown", &raw.id);
            if !seen.insert(raw.id.clone()) {
                self.error(
                    &location,
                    "同じ `id` の集計の区分がほかにもあります。区分ごとに違う `id` にしてください",
                    "the id is used by another breakdown",
                );
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
                        self.not_a_question(&location, &item);
                        continue;
                    };
                    let number = &info.number;
                    let groups = match &info.response {
                        Response::Single { options } | Response::Multiple { options, .. } => {
                            if written.is_empty()
                                && matches!(info.response, Response::Multiple { .. })
                            {
                                self.error(
                                    &location,
                                    format!("設問 `{item}`「{number}」は複数回答の設問なので、グループを書いてください（例: `groups = [{{ ja = \"参加している\", codes = [1, 2] }}, …]`）"),
                                    format!("item `{item}` ({number}) is a multiple-choice question: write its groups, e.g. `groups = [{{ ja = \"参加している\", codes = [1, 2] }}, …]`"),
                                );
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
                                        let list = codes_list(options);
                                        self.error(
                                            &location,
                                            format!("設問 `{item}`「{number}」のグループには、どれにも `codes = [...]` を書いてください（`min` / `max` は書けません）。選択肢の番号: {list}"),
                                            format!("every group of item `{item}` ({number}) needs `codes = [...]` (and no min/max): the codes are {list}"),
                                        );
                                        continue;
                                    };
                                    if let Some(code) =
                                        codes.iter().find(|c| info.response.option(**c).is_none())
                                    {
                                        self.no_such_option(
                                            &location, &item, number, *code, options,
                                        );
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
                                    self.error(
                                        &location,
                                        format!("数値の設問 `{item}`「{number}」のグループには、どれにも `min` か `max`（または両方）を書いてください（`codes` は書けません）"),
                                        format!("every group of the number item `{item}` ({number}) needs `min` and/or `max` (and no codes)"),
                                    );
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
                            self.error(
                                &location,
                                format!("設問 `{item}`「{number}」は自由記述の設問です。集計の区分には選択式か数値の設問、または尺度を使ってください"),
                                format!("item `{item}` ({number}) is a free-text question: a breakdown needs a choice or number question, or a scale"),
                            );
                            continue;
                        }
                    };
                    (BreakdownSource::Question(item), groups, info.module.clone())
                }
                (None, Some(scale)) => {
                    let Some(def) = scales.iter().find(|def| def.scale.id == scale) else {
                        self.undefined_scale(&location, &scale);
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
                                self.error(
                                    &location,
                                    format!("尺度 `{scale}` のグループには、どれにも合計点の `min` か `max`（または両方）を書いてください（`codes` は書けません）"),
                                    format!("every group of scale `{scale}` needs `min` and/or `max` totals (and no codes)"),
                                );
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
                        "`item = \"...\"` か `scale = \"...\"` のどちらかひとつを書いてください",
                        "write either `item = \"...\"` or `scale = \"...\"` (one of them)",
                    );
                    continue;
                }
            };
            if groups.len() < 2 {
                let found = groups.len();
                self.error(
                    &location,
                    format!("集計の区分にはグループが2つ以上必要です（今は{found}つ）。グループを書き足してください"),
                    format!("a breakdown needs at least two groups (found {found})"),
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

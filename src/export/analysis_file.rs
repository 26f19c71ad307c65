//! The analysis file for statisticians: `analysis.csv` (one row per counted respondent, in a
//! random order under a random respondent number: the design, the weights, the calibration
//! variables, every answer code, scale scores and bands, breakdowns and indicators — no names,
//! addresses, birth dates, resident ids, access codes or response ids), `codebook.csv`,
//! `margins.csv` (the register totals the weights were calibrated to) and `reproduce.R`, which
//! rebuilds the design and the weights with R's `survey` package and writes every number of the
//! subgroup table to `reproduced.csv`. Format: docs/export.md.
//!
//! Pure: a [`Dataset`] in, the four files (or one zip of them) out.

use std::collections::BTreeSet;
use std::io::Write;

use rand::seq::SliceRandom;
use rand_chacha::rand_core::SeedableRng;

use super::with_utf8_bom;
use crate::analysis::weighting::rake_options;
use crate::analysis::{Dataset, MarginKind, Origin, Respondent, Weighting};
use crate::estimate::CalibrationKind;
use crate::questionnaire::{Answer, Lang, MissingReason, Question, Response, Text};

/// The four files, in the order they are written and zipped.
pub const FILE_NAMES: [&str; 4] = ["analysis.csv", "codebook.csv", "margins.csv", "reproduce.R"];

/// What the files say about where they come from.
#[derive(Debug, Clone)]
pub struct ExportInfo {
    pub survey_slug: String,
    pub survey_title: Text,
    /// The survey's data version the dataset was built at (`surveys.data_version`).
    pub data_version: i64,
}

/// The analysis file of one survey at one data version.
#[derive(Debug, Clone)]
pub struct AnalysisFile {
    pub analysis_csv: Vec<u8>,
    pub codebook_csv: Vec<u8>,
    pub margins_csv: Vec<u8>,
    pub reproduce_r: Vec<u8>,
    /// Survey, data version and how the weights were made, in a few lines (the zip's comment;
    /// `reproduce.R` opens with the same).
    pub summary: String,
}

/// Why the files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the zip file: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the zip file: {0}")]
    Io(#[from] std::io::Error),
    #[error("two variables of the analysis file would both be called `{0}`: rename the question, scale, breakdown or indicator in the questionnaire file")]
    DuplicateColumn(String),
}

/// Missing-answer codes of the item columns (option codes and numbers are never negative).
const NO_ANSWER: &str = "-1";
const UNREADABLE: &str = "-2";
const MULTIPLE_MARKED: &str = "-3";

fn missing_code(reason: MissingReason) -> &'static str {
    match reason {
        MissingReason::NoAnswer => NO_ANSWER,
        MissingReason::Unreadable => UNREADABLE,
        MissingReason::MultipleMarked => MULTIPLE_MARKED,
    }
}

/// The missing codes as the codebook states them.
const ITEM_MISSING: &str = "-1=無回答 no answer; -2=判読不能 unreadable; -3=複数回答 several marked (single choice); 空欄 empty=非該当・未回答 not asked or not reached";
const DERIVED_MISSING: &str = "空欄 empty=算出できない not defined (answers missing)";

/// What one column of `analysis.csv` holds.
#[derive(Debug, Clone, Copy)]
enum Source {
    Number,
    Stratum,
    Fpc,
    BaseWeight,
    FinalWeight,
    Sex,
    AgeBand,
    District,
    Calibration(MarginKind),
    Single(usize),
    Option(usize, u32),
    NumberAnswer(usize),
    ScaleTotal(usize),
    ScaleBand(usize),
    Breakdown(usize),
    Indicator(usize),
}

struct Column {
    name: String,
    source: Source,
}

/// One row of the codebook.
#[derive(Default)]
struct Entry {
    variable: String,
    kind: &'static str,
    question: String,
    module: String,
    wording: Option<Text>,
    code: String,
    label: Option<Text>,
    missing: &'static str,
    asked_when: Option<Text>,
    provenance: String,
    note: Option<Text>,
}

/// The analysis column of a breakdown variable (`reg_sex` for the register's, `by_…` for an
/// answered one) — the name `reproduce.R` reads, beside the id the subgroup table uses.
fn breakdown_column(id: &str, origin: &Origin) -> String {
    match origin {
        Origin::Register => format!("reg_{id}"),
        Origin::Answer => format!("by_{id}"),
    }
}

fn calibration_column(kind: MarginKind) -> &'static str {
    match kind {
        MarginKind::SexAge => "cal_sex_age",
        MarginKind::District => "cal_district",
        MarginKind::AgeBand => "reg_age_band",
    }
}

/// The method word `reproduce.R` reads.
fn method(weighting: &Weighting) -> &'static str {
    match weighting {
        Weighting::Raked => "rake",
        Weighting::PostStratifiedByAge { .. } => "poststratify",
        Weighting::BaseWeights { .. } => "none",
    }
}

/// Builds the four files. `seed` decides the respondents' order and numbers: give a fresh
/// random one for every real export (the command and the download do), a fixed one only to
/// make a reproducible fixture.
pub fn build(data: &Dataset, info: &ExportInfo, seed: u64) -> Result<AnalysisFile, ExportError> {
    let q = &data.questionnaire;
    let questions = q.questions();
    let columns = columns(data, questions)?;

    // A random order, numbered 1.. in that order: nothing in the file follows ids or codes.
    let mut order: Vec<usize> = (0..data.respondents).collect();
    order.shuffle(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed));
    let scores: Vec<Vec<crate::questionnaire::ScaleScore>> =
        data.sample.iter().map(|r| q.scores(&r.answers)).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns.iter().map(|c| c.name.as_str()))?;
    for (number, &row) in order.iter().enumerate() {
        let r = &data.sample[row];
        let record: Vec<String> = columns
            .iter()
            .map(|c| value(data, questions, &scores[row], r, row, number + 1, c.source))
            .collect();
        out.write_record(&record)?;
    }
    let analysis_csv = with_utf8_bom(finish(out)?);

    let codebook_csv = with_utf8_bom(codebook(data, questions, &columns)?);
    let margins_csv = with_utf8_bom(margins(data)?);
    let summary = summary(data, info);
    let reproduce_r = reproduce_script(data, &summary).into_bytes();
    Ok(AnalysisFile {
        analysis_csv,
        codebook_csv,
        margins_csv,
        reproduce_r,
        summary,
    })
}

impl AnalysisFile {
    /// The files with their names, in [`FILE_NAMES`] order.
    pub fn files(&self) -> [(&'static str, &[u8]); 4] {
        [
            (FILE_NAMES[0], &self.analysis_csv),
            (FILE_NAMES[1], &self.codebook_csv),
            (FILE_NAMES[2], &self.margins_csv),
            (FILE_NAMES[3], &self.reproduce_r),
        ]
    }

    /// The four files as one zip (deflated), with [`AnalysisFile::summary`] as its comment.
    pub fn zip(&self) -> Result<Vec<u8>, ExportError> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        for (name, bytes) in self.files() {
            zip.start_file(name, options)?;
            zip.write_all(bytes)?;
        }
        zip.set_comment(self.summary.as_str())?;
        Ok(zip.finish()?.into_inner())
    }
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ExportError> {
    out.into_inner()
        .map_err(|e| ExportError::Csv(csv::Error::from(e.into_error())))
}

/// Every column of `analysis.csv`, in order; refuses two with one name.
fn columns(data: &Dataset, questions: &[Question]) -> Result<Vec<Column>, ExportError> {
    let mut columns = Vec::new();
    let mut push = |name: String, source: Source| columns.push(Column { name, source });
    push("respondent".into(), Source::Number);
    push("stratum".into(), Source::Stratum);
    push("fpc".into(), Source::Fpc);
    push("base_weight".into(), Source::BaseWeight);
    push("final_weight".into(), Source::FinalWeight);
    push("reg_sex".into(), Source::Sex);
    push("reg_age_band".into(), Source::AgeBand);
    push("reg_district".into(), Source::District);
    push(
        "cal_sex_age".into(),
        Source::Calibration(MarginKind::SexAge),
    );
    push(
        "cal_district".into(),
        Source::Calibration(MarginKind::District),
    );
    for (index, question) in questions.iter().enumerate() {
        match &question.response {
            Response::Single { .. } => push(question.id.clone(), Source::Single(index)),
            Response::Multiple { options, .. } => {
                for option in options {
                    push(
                        format!("{}_{}", question.id, option.code),
                        Source::Option(index, option.code),
                    );
                }
            }
            Response::Number { .. } => push(question.id.clone(), Source::NumberAnswer(index)),
            // Free text can name or describe a person: never in the file.
            Response::Text { .. } => {}
        }
    }
    for (index, scale) in data.questionnaire.scales().iter().enumerate() {
        push(format!("{}_total", scale.id), Source::ScaleTotal(index));
        push(format!("{}_band", scale.id), Source::ScaleBand(index));
    }
    for (index, variable) in data.variables.iter().enumerate() {
        if variable.origin == Origin::Answer {
            push(
                breakdown_column(&variable.id, &variable.origin),
                Source::Breakdown(index),
            );
        }
    }
    for (index, column) in data.indicators.iter().enumerate() {
        push(
            format!("ind_{}", column.indicator.id),
            Source::Indicator(index),
        );
    }
    let mut seen = BTreeSet::new();
    for column in &columns {
        if !seen.insert(column.name.as_str()) {
            return Err(ExportError::DuplicateColumn(column.name.clone()));
        }
    }
    Ok(columns)
}

/// Shortest text that reads back as the same number.
fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn value(
    data: &Dataset,
    questions: &[Question],
    scores: &[crate::questionnaire::ScaleScore],
    r: &Respondent,
    row: usize,
    respondent_number: usize,
    source: Source,
) -> String {
    let answer = |index: usize| r.answers.get(&questions[index].id);
    match source {
        Source::Number => respondent_number.to_string(),
        Source::Stratum => r.stratum.clone(),
        Source::Fpc => number(r.population),
        Source::BaseWeight => number(r.base_weight),
        Source::FinalWeight => number(data.design.weights()[row]),
        Source::Sex => r.sex.clone().unwrap_or_default(),
        Source::AgeBand => r.age_band.clone(),
        Source::District => r.district.clone().unwrap_or_default(),
        Source::Calibration(kind) => kind.level_of(r),
        Source::Single(index) => match answer(index) {
            Some(Answer::Choice(code)) => code.to_string(),
            Some(Answer::Missing(reason)) => missing_code(*reason).into(),
            _ => String::new(),
        },
        Source::Option(index, code) => match answer(index) {
            Some(Answer::Choices(codes)) => u8::from(codes.contains(&code)).to_string(),
            Some(Answer::Missing(reason)) => missing_code(*reason).into(),
            _ => String::new(),
        },
        Source::NumberAnswer(index) => match answer(index) {
            Some(Answer::Number(x)) => number(*x),
            Some(Answer::Missing(reason)) => missing_code(*reason).into(),
            _ => String::new(),
        },
        Source::ScaleTotal(index) => scores[index]
            .total
            .map(|t| t.to_string())
            .unwrap_or_default(),
        Source::ScaleBand(index) => scores[index]
            .band
            .map(|b| (b + 1).to_string())
            .unwrap_or_default(),
        Source::Breakdown(index) => {
            let code = data.variables[index].column.codes()[row];
            if code == crate::estimate::Categorical::MISSING {
                String::new()
            } else {
                (code + 1).to_string()
            }
        }
        Source::Indicator(index) => number(data.indicators[index].outcome.values()[row]),
    }
}

fn ja_en(text: Option<&Text>) -> [String; 2] {
    text.map_or_else(Default::default, |t| {
        [t.get(Lang::Ja).to_string(), t.get(Lang::En).to_string()]
    })
}

/// `codebook.csv`: one row per variable and code (one row for a variable without codes).
fn codebook(
    data: &Dataset,
    questions: &[Question],
    columns: &[Column],
) -> Result<Vec<u8>, ExportError> {
    let q = &data.questionnaire;
    let codebook = q.codebook();
    let mut entries: Vec<Entry> = Vec::new();
    let plain = |variable: &str, kind: &'static str, wording: Text| Entry {
        variable: variable.to_string(),
        kind,
        wording: Some(wording),
        ..Entry::default()
    };
    let levels =
        |variable: &str, kind: &'static str, wording: &Text, labels: Vec<(String, Text)>| {
            labels
                .into_iter()
                .map(|(code, label)| Entry {
                    variable: variable.to_string(),
                    kind,
                    wording: Some(wording.clone()),
                    code,
                    label: Some(label),
                    ..Entry::default()
                })
                .collect::<Vec<_>>()
        };
    let register = |id: &str| data.variables.iter().find(|v| v.id == id);
    for column in columns {
        match column.source {
            Source::Number => entries.push(plain(&column.name, "design", Text::new("回答者番号（出力ごとに無作為に付番。ID・コードとは無関係）", "Respondent number (random, drawn anew for every export; unrelated to any id or code)"))),
            Source::Stratum => entries.push(plain(&column.name, "design", Text::new("層（抽出の層）", "Stratum of the sample design"))),
            Source::Fpc => entries.push(plain(&column.name, "design", Text::new("層の母集団の人数 N_h（有限母集団修正）", "Population of the stratum, N_h (finite population correction)"))),
            Source::BaseWeight => entries.push(plain(&column.name, "weight", Text::new("抽出の重み N_h / n_h", "Base (design) weight N_h / n_h"))),
            Source::FinalWeight => entries.push(plain(&column.name, "weight", Text::new(format!("最終の重み（{}）", data.weighting.describe(Lang::Ja)), format!("Final weight ({})", data.weighting.describe(Lang::En))))),
            Source::Sex | Source::AgeBand | Source::District => {
                let id = column.name.trim_start_matches("reg_");
                if let Some(v) = register(id) {
                    let labels = v.column.levels().iter().cloned().zip(v.labels.iter().cloned()).collect();
                    entries.extend(levels(&column.name, "register", &v.name, labels));
                }
            }
            Source::Calibration(kind) => {
                let wording = match kind {
                    MarginKind::SexAge => Text::new("補正の区分：性別×年齢（住民基本台帳）。margins.csv の同名の行と対応", "Calibration cell: sex × age band (register); matches the rows of margins.csv with this margin"),
                    MarginKind::District => Text::new("補正の区分：地区（住民基本台帳）。margins.csv の同名の行と対応", "Calibration cell: district (register); matches the rows of margins.csv with this margin"),
                    MarginKind::AgeBand => Text::new("補正の区分：年齢", "Calibration cell: age band"),
                };
                let mut values: BTreeSet<String> = data.sample.iter().map(|r| kind.level_of(r)).collect();
                values.extend(kind.totals(&data.register).into_iter().map(|(level, _)| level));
                entries.extend(levels(&column.name, "calibration", &wording, values.into_iter().map(|v| (v.clone(), Text::new(v.clone(), v))).collect()));
            }
            Source::Single(index) | Source::NumberAnswer(index) => {
                let entry = &codebook[index];
                let question = &questions[index];
                let base = || Entry {
                    variable: column.name.clone(),
                    kind: entry.kind,
                    question: entry.number.clone(),
                    module: entry.module.clone().unwrap_or_default(),
                    wording: Some(wording(entry.stem.as_ref(), &entry.text)),
                    missing: ITEM_MISSING,
                    asked_when: entry.asked_when.clone(),
                    provenance: entry.provenance.as_str().to_string(),
                    note: number_note(&question.response).or_else(|| entry.provenance_note.clone()),
                    ..Entry::default()
                };
                if entry.options.is_empty() {
                    entries.push(base());
                } else {
                    for option in &entry.options {
                        entries.push(Entry { code: option.code.to_string(), label: Some(option.label.clone()), ..base() });
                    }
                }
            }
            Source::Option(index, code) => {
                let entry = &codebook[index];
                let option = entry.options.iter().find(|o| o.code == code);
                let chosen = option.map_or_else(|| Text::new("", ""), |o| o.label.clone());
                let stem = wording(entry.stem.as_ref(), &entry.text);
                let text = Text::new(
                    format!("{}【{}】", stem.get(Lang::Ja), chosen.get(Lang::Ja)),
                    format!("{} [{}]", stem.get(Lang::En), chosen.get(Lang::En)),
                );
                for (value, label) in [("0", Text::new("選択しなかった", "not chosen")), ("1", Text::new("選択した", "chosen"))] {
                    entries.push(Entry {
                        variable: column.name.clone(),
                        kind: "multiple",
                        question: entry.number.clone(),
                        module: entry.module.clone().unwrap_or_default(),
                        wording: Some(text.clone()),
                        code: value.into(),
                        label: Some(label),
                        missing: ITEM_MISSING,
                        asked_when: entry.asked_when.clone(),
                        provenance: entry.provenance.as_str().to_string(),
                        note: entry.provenance_note.clone(),
                    });
                }
            }
            Source::ScaleTotal(index) => {
                let scale = &q.scales()[index];
                entries.push(Entry {
                    variable: column.name.clone(),
                    kind: "scale_total",
                    wording: Some(Text::new(format!("{}の合計点（{}～{}点）", scale.name.get(Lang::Ja), scale.min_total, scale.max_total), format!("{} total ({}–{})", scale.name.get(Lang::En), scale.min_total, scale.max_total))),
                    missing: DERIVED_MISSING,
                    note: Some(Text::new(format!("項目: {}", scale.items.join(", ")), format!("items: {}", scale.items.join(", ")))),
                    ..Entry::default()
                });
            }
            Source::ScaleBand(index) => {
                let scale = &q.scales()[index];
                for (b, band) in scale.bands.iter().enumerate() {
                    entries.push(Entry {
                        variable: column.name.clone(),
                        kind: "scale_band",
                        wording: Some(Text::new(format!("{}の区分", scale.name.get(Lang::Ja)), format!("{} band", scale.name.get(Lang::En)))),
                        code: (b + 1).to_string(),
                        label: Some(band.label.clone()),
                        missing: DERIVED_MISSING,
                        note: Some(Text::new(format!("合計 {}～{} 点", band.min, band.max), format!("total {}–{}", band.min, band.max))),
                        ..Entry::default()
                    });
                }
            }
            Source::Breakdown(index) => {
                let v = &data.variables[index];
                let labels = v.labels.iter().enumerate().map(|(i, l)| ((i + 1).to_string(), l.clone())).collect();
                for mut entry in levels(&column.name, "breakdown", &v.name, labels) {
                    entry.missing = DERIVED_MISSING;
                    entries.push(entry);
                }
            }
            Source::Indicator(index) => {
                let indicator = &data.indicators[index].indicator;
                for (value, label) in [("0", Text::new("該当しない", "no")), ("1", Text::new("該当する", "yes"))] {
                    entries.push(Entry {
                        variable: column.name.clone(),
                        kind: "indicator",
                        wording: Some(indicator.name.clone()),
                        code: value.into(),
                        label: Some(label),
                        missing: DERIVED_MISSING,
                        provenance: indicator.provenance.as_str().to_string(),
                        ..Entry::default()
                    });
                }
            }
        }
    }
    // Free-text questions are listed so that nobody looks for them.
    for (entry, question) in codebook.iter().zip(questions) {
        if matches!(question.response, Response::Text { .. }) {
            entries.push(Entry {
                variable: entry.question_id.clone(),
                kind: "text_not_exported",
                question: entry.number.clone(),
                module: entry.module.clone().unwrap_or_default(),
                wording: Some(wording(entry.stem.as_ref(), &entry.text)),
                asked_when: entry.asked_when.clone(),
                provenance: entry.provenance.as_str().to_string(),
                note: Some(Text::new(
                    "自由記述は個人が特定されるおそれがあるため出力しません",
                    "Free text may identify the respondent and is not exported",
                )),
                ..Entry::default()
            });
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "variable",
        "type",
        "question",
        "module",
        "wording_ja",
        "wording_en",
        "code",
        "label_ja",
        "label_en",
        "missing_codes",
        "asked_when_ja",
        "asked_when_en",
        "provenance",
        "note_ja",
        "note_en",
    ])?;
    for e in entries {
        let [wording_ja, wording_en] = ja_en(e.wording.as_ref());
        let [label_ja, label_en] = ja_en(e.label.as_ref());
        let [when_ja, when_en] = ja_en(e.asked_when.as_ref());
        let [note_ja, note_en] = ja_en(e.note.as_ref());
        out.write_record([
            e.variable.as_str(),
            e.kind,
            &e.question,
            &e.module,
            &wording_ja,
            &wording_en,
            &e.code,
            &label_ja,
            &label_en,
            e.missing,
            &when_ja,
            &when_en,
            &e.provenance,
            &note_ja,
            &note_en,
        ])?;
    }
    finish(out)
}

/// A grid row's wording with its stem.
fn wording(stem: Option<&Text>, text: &Text) -> Text {
    match stem {
        None => text.clone(),
        Some(stem) => Text::new(
            format!("{} {}", stem.get(Lang::Ja), text.get(Lang::Ja)),
            format!("{} {}", stem.get(Lang::En), text.get(Lang::En)),
        ),
    }
}

fn number_note(response: &Response) -> Option<Text> {
    match response {
        Response::Number { min, max, unit, .. } => {
            let [ja, en] = ja_en(unit.as_ref());
            Some(Text::new(
                format!("数値 {min}～{max}{ja}"),
                format!("number {min}–{max} {en}").trim_end().to_string(),
            ))
        }
        _ => None,
    }
}

/// `margins.csv`: `margin,level,population` for every margin the weights were calibrated to
/// (`margin` is the analysis column it applies to).
fn margins(data: &Dataset) -> Result<Vec<u8>, ExportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["margin", "level", "population"])?;
    for &kind in data.weighting.margins() {
        for (level, total) in kind.totals(&data.register) {
            out.write_record([calibration_column(kind), &level, &number(total)])?;
        }
    }
    finish(out)
}

/// The survey, the data version and the weighting, as comment lines.
fn summary(data: &Dataset, info: &ExportInfo) -> String {
    let mut lines = vec![
        format!(
            "tsunagari analysis file: {} / {} ({})",
            info.survey_title.get(Lang::Ja),
            info.survey_title.get(Lang::En),
            info.survey_slug
        ),
        format!("data version: {}", info.data_version),
        format!("respondents: {}", data.respondents),
        format!("weights: {}", data.weighting.describe(Lang::En)),
        format!("重み: {}", data.weighting.describe(Lang::Ja)),
    ];
    if let Some(report) = data.design.calibration_report() {
        let kind = match report.kind {
            CalibrationKind::Raking => "raking",
            CalibrationKind::PostStratification => "post-stratification",
        };
        lines.push(format!(
            "calibration: {kind} on {}, {} iteration(s), largest relative margin discrepancy {:e}",
            report.margins.join(" and "),
            report.iterations,
            report.max_discrepancy
        ));
    }
    lines.join("\n")
}

/// R string literal of ASCII identifiers (ids of questionnaires are ASCII).
fn r_strings<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    values
        .into_iter()
        .map(|v| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `reproduce.R`: the template with this dataset's weighting, indicators and breakdowns.
fn reproduce_script(data: &Dataset, summary: &str) -> String {
    let header: String = summary.lines().map(|l| format!("# {l}\n")).collect();
    let calibration: Vec<&str> = data
        .weighting
        .margins()
        .iter()
        .map(|&k| calibration_column(k))
        .collect();
    let breakdowns = data
        .variables
        .iter()
        .map(|v| {
            format!(
                "  \"{}\" = \"{}\"",
                v.id,
                breakdown_column(&v.id, &v.origin)
            )
        })
        .collect::<Vec<_>>()
        .join(",\n");
    let options = rake_options();
    include_str!("reproduce.R")
        .replace("@@HEADER@@", &header)
        .replace("@@WEIGHTING@@", method(&data.weighting))
        .replace("@@CALIBRATION@@", &r_strings(calibration))
        .replace(
            "@@INDICATORS@@",
            &r_strings(data.indicators.iter().map(|i| i.indicator.id.as_str())),
        )
        .replace("@@BREAKDOWNS@@", &breakdowns)
        .replace("@@MAXIT@@", &options.max_iterations.to_string())
}

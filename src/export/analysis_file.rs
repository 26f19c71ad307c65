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
use crate::analysis::weighting::{Method, WeightingSpec};
use crate::analysis::{AnalysisError, Dataset, MarginKind, Origin, Respondent, Weighting};
use crate::estimate::CalibrationKind;
use crate::questionnaire::{Answer, CodebookEntry, Lang, MissingReason, Question, Response, Text};

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

impl ExportError {
    /// For a mistake in the questionnaire file, what to change, in Japanese and English;
    /// `None` for a failure of the program.
    pub fn messages(&self) -> Option<(String, String)> {
        match self {
            ExportError::DuplicateColumn(name) => Some((
                format!("分析用データの変数名「{name}」が2つの変数に付いてしまいます。質問紙ファイルで設問・尺度・区分・指標のIDのどちらかを変えてください。"),
                self.to_string(),
            )),
            _ => None,
        }
    }
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
#[derive(Default, Clone)]
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

/// The column of `analysis.csv` that holds the cells of margin `kind` of `weighting`.
fn calibration_column(weighting: &Weighting, kind: MarginKind) -> &'static str {
    match (kind, weighting.chosen().is_some()) {
        (MarginKind::SexAge, _) => "cal_sex_age",
        (MarginKind::District, _) => "cal_district",
        (MarginKind::AgeBand, false) => "reg_age_band",
        (MarginKind::AgeBand, true) => "cal_age_band",
        (MarginKind::Sex, _) => "cal_sex",
    }
}

/// The method word `reproduce.R` reads.
fn method(weighting: &Weighting) -> &'static str {
    match weighting {
        Weighting::Raked => "rake",
        Weighting::PostStratifiedByAge { .. } => "poststratify",
        Weighting::BaseWeights { .. } => "none",
        Weighting::Chosen(chosen) => match chosen.spec.method {
            Method::Raking => "rake",
            Method::PostStratification => "poststratify",
        },
        Weighting::Unusable { then, .. } => method(then),
    }
}

/// Why a survey has no analysis file yet and what to do, in Japanese and English (the command
/// and the download say the same).
pub fn not_exportable(e: &AnalysisError) -> (String, String) {
    let (ja, en) = match e {
        AnalysisError::NoRespondents => (
            "回答が提出されてから、もう一度お試しください。",
            "Try again once responses have been submitted.",
        ),
        AnalysisError::NoSample => (
            "`tsunagari sample draw` で標本を抽出した調査だけが出力できます。",
            "Only a survey with a sample (`tsunagari sample draw`) can be exported.",
        ),
        AnalysisError::Estimate(_) => (
            "標本と回答のデータを確認してください。",
            "Check the survey's sample and responses.",
        ),
    };
    (
        format!("{} {ja}", e.message(Lang::Ja)),
        format!("{} {en}", e.message(Lang::En)),
    )
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
    // A published weighting may calibrate to the age band (with merged cells) or the sex:
    // their calibration cells get a column of their own.
    if let Some(chosen) = data.weighting.chosen() {
        for &kind in &chosen.spec.margins {
            if matches!(kind, MarginKind::AgeBand | MarginKind::Sex) {
                push(
                    calibration_column(&data.weighting, kind).into(),
                    Source::Calibration(kind),
                );
            }
        }
    }
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
        Source::Calibration(kind) => match data.weighting.chosen().and_then(|c| c.margin(kind)) {
            Some(margin) => margin.cells[row].clone(),
            None => kind.level_of(r),
        },
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

/// `codebook.csv`: one row per variable and code (one row for a variable without codes),
/// then the free-text questions left out.
fn codebook(
    data: &Dataset,
    questions: &[Question],
    columns: &[Column],
) -> Result<Vec<u8>, ExportError> {
    let codebook = data.questionnaire.codebook();
    let mut entries: Vec<Entry> = columns
        .iter()
        .flat_map(|column| entries_of(data, &codebook, questions, column))
        .collect();
    // Free-text questions are listed so that nobody looks for them.
    for (entry, question) in codebook.iter().zip(questions) {
        if matches!(question.response, Response::Text { .. }) {
            entries.push(Entry {
                variable: entry.question_id.clone(),
                kind: "text_not_exported",
                note: Some(Text::new(
                    "自由記述は個人が特定されるおそれがあるため出力しません",
                    "Free text may identify the respondent and is not exported",
                )),
                missing: "",
                ..question_entry(entry)
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

/// The codebook rows of one column of `analysis.csv`.
fn entries_of(
    data: &Dataset,
    codebook: &[CodebookEntry],
    questions: &[Question],
    column: &Column,
) -> Vec<Entry> {
    let q = &data.questionnaire;
    let one = |kind: &'static str, wording: Text| {
        vec![Entry {
            variable: column.name.clone(),
            kind,
            wording: Some(wording),
            ..Entry::default()
        }]
    };
    // One row per code, from a template row.
    let coded = |template: Entry, codes: Vec<(String, Text)>| -> Vec<Entry> {
        codes
            .into_iter()
            .map(|(code, label)| Entry {
                variable: column.name.clone(),
                code,
                label: Some(label),
                ..template.clone()
            })
            .collect()
    };
    let numbered = |labels: &mut dyn Iterator<Item = Text>| -> Vec<(String, Text)> {
        labels
            .enumerate()
            .map(|(i, label)| ((i + 1).to_string(), label))
            .collect()
    };
    match column.source {
        Source::Number => one(
            "design",
            Text::new(
                "回答者番号（出力ごとに無作為に付番。ID・コードとは無関係）",
                "Respondent number (random, drawn anew for every export; unrelated to any id or code)",
            ),
        ),
        Source::Stratum => one(
            "design",
            Text::new("層（抽出の層）", "Stratum of the sample design"),
        ),
        Source::Fpc => one(
            "design",
            Text::new(
                "層の母集団の人数 N_h（有限母集団修正）",
                "Population of the stratum, N_h (finite population correction)",
            ),
        ),
        Source::BaseWeight => one(
            "weight",
            Text::new("抽出の重み N_h / n_h", "Base (design) weight N_h / n_h"),
        ),
        Source::FinalWeight => one(
            "weight",
            Text::new(
                format!("最終の重み（{}）", data.weighting.describe(Lang::Ja)),
                format!("Final weight ({})", data.weighting.describe(Lang::En)),
            ),
        ),
        Source::Sex | Source::AgeBand | Source::District => {
            let id = column.name.trim_start_matches("reg_");
            let Some(v) = data.variables.iter().find(|v| v.id == id) else {
                return Vec::new();
            };
            let codes = v.column.levels().iter().cloned().zip(v.labels.iter().cloned());
            coded(
                Entry {
                    kind: "register",
                    wording: Some(v.name.clone()),
                    ..Entry::default()
                },
                codes.collect(),
            )
        }
        Source::Calibration(kind) => {
            let (ja, en) = match kind {
                MarginKind::SexAge => ("性別×年齢", "sex × age band"),
                MarginKind::District => ("地区", "district"),
                MarginKind::AgeBand => ("年齢", "age band"),
                MarginKind::Sex => ("性別", "sex"),
            };
            let name = &column.name;
            let wording = Text::new(
                format!("補正の区分：{ja}（住民基本台帳。margins.csv の margin {name} と対応）"),
                format!("Calibration cell: {en} (register; margin {name} of margins.csv)"),
            );
            let levels: BTreeSet<String> =
                match data.weighting.chosen().and_then(|c| c.margin(kind)) {
                    Some(margin) => margin.totals.iter().map(|(l, _)| l.clone()).collect(),
                    None => {
                        let mut levels: BTreeSet<String> =
                            data.sample.iter().map(|r| kind.level_of(r)).collect();
                        levels.extend(kind.totals(&data.register).into_iter().map(|(l, _)| l));
                        levels
                    }
                };
            coded(
                Entry {
                    kind: "calibration",
                    wording: Some(wording),
                    ..Entry::default()
                },
                levels
                    .into_iter()
                    .map(|l| (l.clone(), Text::new(l.clone(), l)))
                    .collect(),
            )
        }
        Source::Single(index) | Source::NumberAnswer(index) => {
            let entry = &codebook[index];
            let template = Entry {
                note: number_note(&questions[index].response)
                    .or_else(|| entry.provenance_note.clone()),
                ..question_entry(entry)
            };
            if entry.options.is_empty() {
                vec![Entry {
                    variable: column.name.clone(),
                    ..template
                }]
            } else {
                let codes = entry
                    .options
                    .iter()
                    .map(|o| (o.code.to_string(), o.label.clone()));
                coded(template, codes.collect())
            }
        }
        Source::Option(index, code) => {
            let entry = &codebook[index];
            let chosen = entry
                .options
                .iter()
                .find(|o| o.code == code)
                .map_or_else(|| Text::new("", ""), |o| o.label.clone());
            let stem = wording(entry.stem.as_ref(), &entry.text);
            let template = Entry {
                wording: Some(Text::new(
                    format!("{}【{}】", stem.get(Lang::Ja), chosen.get(Lang::Ja)),
                    format!("{} [{}]", stem.get(Lang::En), chosen.get(Lang::En)),
                )),
                ..question_entry(entry)
            };
            coded(template, yes_no("選択しなかった", "not chosen", "選択した", "chosen"))
        }
        Source::ScaleTotal(index) => {
            let scale = &q.scales()[index];
            let items = scale.items.join(", ");
            vec![Entry {
                variable: column.name.clone(),
                kind: "scale_total",
                wording: Some(Text::new(
                    format!(
                        "{}の合計点（{}～{}点）",
                        scale.name.get(Lang::Ja),
                        scale.min_total,
                        scale.max_total
                    ),
                    format!(
                        "{} total ({}–{})",
                        scale.name.get(Lang::En),
                        scale.min_total,
                        scale.max_total
                    ),
                )),
                missing: DERIVED_MISSING,
                note: Some(Text::new(format!("項目: {items}"), format!("items: {items}"))),
                ..Entry::default()
            }]
        }
        Source::ScaleBand(index) => {
            let scale = &q.scales()[index];
            let wording = Text::new(
                format!("{}の区分", scale.name.get(Lang::Ja)),
                format!("{} band", scale.name.get(Lang::En)),
            );
            let mut rows = coded(
                Entry {
                    kind: "scale_band",
                    wording: Some(wording),
                    missing: DERIVED_MISSING,
                    ..Entry::default()
                },
                numbered(&mut scale.bands.iter().map(|b| b.label.clone())),
            );
            for (row, band) in rows.iter_mut().zip(&scale.bands) {
                row.note = Some(Text::new(
                    format!("合計 {}～{} 点", band.min, band.max),
                    format!("total {}–{}", band.min, band.max),
                ));
            }
            rows
        }
        Source::Breakdown(index) => {
            let v = &data.variables[index];
            coded(
                Entry {
                    kind: "breakdown",
                    wording: Some(v.name.clone()),
                    missing: DERIVED_MISSING,
                    ..Entry::default()
                },
                numbered(&mut v.labels.iter().cloned()),
            )
        }
        Source::Indicator(index) => {
            let indicator = &data.indicators[index].indicator;
            coded(
                Entry {
                    kind: "indicator",
                    wording: Some(indicator.name.clone()),
                    missing: DERIVED_MISSING,
                    provenance: indicator.provenance.as_str().to_string(),
                    ..Entry::default()
                },
                yes_no("該当しない", "no", "該当する", "yes"),
            )
        }
    }
}

/// The codes 0 and 1 with their labels.
fn yes_no(no_ja: &str, no_en: &str, yes_ja: &str, yes_en: &str) -> Vec<(String, Text)> {
    vec![
        ("0".into(), Text::new(no_ja, no_en)),
        ("1".into(), Text::new(yes_ja, yes_en)),
    ]
}

/// A question's codebook row without a code: number, module, wording, missing codes, when it
/// is asked, provenance.
fn question_entry(entry: &CodebookEntry) -> Entry {
    Entry {
        variable: entry.question_id.clone(),
        kind: entry.kind,
        question: entry.number.clone(),
        module: entry.module.clone().unwrap_or_default(),
        wording: Some(wording(entry.stem.as_ref(), &entry.text)),
        missing: ITEM_MISSING,
        asked_when: entry.asked_when.clone(),
        provenance: entry.provenance.as_str().to_string(),
        note: entry.provenance_note.clone(),
        ..Entry::default()
    }
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
    let weighting = data.weighting.effective();
    for &kind in weighting.margins() {
        let totals = match weighting.chosen().and_then(|c| c.margin(kind)) {
            Some(margin) => margin.totals.clone(),
            None => kind.totals(&data.register),
        };
        for (level, total) in totals {
            out.write_record([calibration_column(weighting, kind), &level, &number(total)])?;
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
    match &data.weighting {
        Weighting::Chosen(chosen) => {
            lines.push(format!("weighting: {} (published)", chosen.name));
            lines.push(format!("weighting spec: {}", chosen.spec.to_json()));
        }
        Weighting::Unusable { name, .. } => {
            lines.push(format!(
                "weighting: the default (the published weighting {name} cannot be used now)"
            ));
        }
        _ => {}
    }
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
    let weighting = data.weighting.effective();
    let calibration: Vec<&str> = weighting
        .margins()
        .iter()
        .map(|&k| calibration_column(weighting, k))
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
    let spec = weighting
        .chosen()
        .map_or_else(WeightingSpec::default, |c| c.spec.clone());
    // R rakes to its own, stricter criterion: as many sweeps as it needs (at least the
    // dashboard's); its weights then agree with the dashboard's to the dashboard's tolerance.
    let maxit = spec
        .max_iterations
        .max(WeightingSpec::default().max_iterations);
    let gap = if spec.tolerance * 10.0 > 1e-8 {
        format!("{:e}", spec.tolerance * 10.0)
    } else {
        "1e-8".to_string()
    };
    let trim = if spec.trims() {
        let bound =
            |b: Option<f64>, none: &str| b.map_or_else(|| none.to_string(), |b| format!("{b:?}"));
        format!(
            "design <- trimWeights(design, lower = {}, upper = {}, strict = TRUE)\n",
            bound(spec.trim_lower, "-Inf"),
            bound(spec.trim_upper, "Inf")
        )
    } else {
        String::new()
    };
    include_str!("reproduce.R")
        .replace("@@HEADER@@", &header)
        .replace("@@WEIGHTING@@", method(weighting))
        .replace("@@TRIM@@", &trim)
        .replace("@@GAP@@", &gap)
        .replace("@@CALIBRATION@@", &r_strings(calibration))
        .replace(
            "@@INDICATORS@@",
            &r_strings(data.indicators.iter().map(|i| i.indicator.id.as_str())),
        )
        .replace("@@BREAKDOWNS@@", &breakdowns)
        .replace("@@MAXIT@@", &maxit.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::RegisterCell;
    use crate::questionnaire::{load_file, Answers};

    /// 40 respondents of two strata; respondent `i` says `household_size = i + 1` (to find
    /// the row again), row 0 has unreadable and missing answers and a comment.
    fn dataset() -> Dataset {
        let questionnaire = load_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        ))
        .unwrap();
        let respondents = (0..40)
            .map(|i| {
                let mut answers = Answers::new();
                answers.insert("household_size", Answer::Number((i + 1) as f64));
                if i == 0 {
                    answers.insert("direct", Answer::Missing(MissingReason::Unreadable));
                    answers.insert("participation", Answer::Missing(MissingReason::NoAnswer));
                    answers.insert("comments", Answer::Text("山田太郎です".into()));
                } else {
                    answers.insert("direct", Answer::Choice(1 + (i % 5) as u32));
                    answers.insert("participation", Answer::Choices(vec![1, 3]));
                }
                Respondent {
                    stratum: if i % 2 == 0 { "S1" } else { "S2" }.into(),
                    population: 400.0,
                    base_weight: 20.0,
                    sex: Some(if i % 4 < 2 { "male" } else { "female" }.into()),
                    age_band: "16-".into(),
                    district: Some(if i % 2 == 0 { "北" } else { "南" }.into()),
                    answers: Arc::new(answers),
                }
            })
            .collect();
        let register: Vec<RegisterCell> = [
            ("male", "北"),
            ("male", "南"),
            ("female", "北"),
            ("female", "南"),
        ]
        .into_iter()
        .map(|(sex, district)| RegisterCell {
            sex: Some(sex.into()),
            age_band: "16-".into(),
            district: Some(district.into()),
            population: 200.0,
        })
        .collect();
        Dataset::build(&questionnaire, respondents, &register).unwrap()
    }

    fn info() -> ExportInfo {
        ExportInfo {
            survey_slug: "test".into(),
            survey_title: Text::new("テスト", "Test"),
            data_version: 7,
        }
    }

    /// The rows of `analysis.csv` as maps from column to value, in file order.
    fn rows(file: &AnalysisFile) -> Vec<std::collections::BTreeMap<String, String>> {
        let text = std::str::from_utf8(&file.analysis_csv).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        reader
            .records()
            .map(|r| {
                header
                    .iter()
                    .cloned()
                    .zip(r.unwrap().iter().map(String::from))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn answers_missing_codes_and_design_columns_are_written_as_the_codebook_says() {
        let data = dataset();
        let file = build(&data, &info(), 1).unwrap();
        let rows = rows(&file);
        assert_eq!(rows.len(), 40);
        let row = |size: &str| rows.iter().find(|r| r["household_size"] == size).unwrap();
        let first = row("1");
        assert_eq!(first["direct"], "-2", "unreadable");
        for code in 1..=6 {
            assert_eq!(first[&format!("participation_{code}")], "-1", "no answer");
        }
        assert_eq!(
            first["ind_lonely_often"], "",
            "no valid answer: no indicator"
        );
        assert_eq!(first["ucla_1"], "", "not reached");
        let other = row("6");
        assert_eq!(other["direct"], "1");
        assert_eq!(other["ind_lonely_often"], "0");
        let participation: Vec<&str> = (1..=6)
            .map(|c| other[&format!("participation_{c}")].as_str())
            .collect();
        assert_eq!(participation, ["1", "0", "1", "0", "0", "0"]);
        assert_eq!(row("5")["ind_lonely_often"], "1", "direct = 5");
        assert_eq!(other["fpc"], "400");
        assert_eq!(other["base_weight"], "20");
        assert_eq!(other["cal_sex_age"], "male × 16-");
        assert_eq!(other["stratum"], "S2");
        let final_weight: f64 = other["final_weight"].parse().unwrap();
        assert!((final_weight - 20.0).abs() < 1e-9, "{final_weight}");
        // No free text, no response id, numbers 1.. in file order.
        assert!(!String::from_utf8_lossy(&file.analysis_csv).contains("山田太郎"));
        assert!(!rows[0].contains_key("comments"));
        let numbers: Vec<String> = rows.iter().map(|r| r["respondent"].clone()).collect();
        let expected: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
        assert_eq!(numbers, expected);
        let codebook = String::from_utf8_lossy(&file.codebook_csv).into_owned();
        assert!(codebook.contains("comments,text_not_exported,"));
        assert!(codebook.contains("participation_3,multiple,"));
        assert!(codebook.starts_with('\u{feff}'));
        let margins = String::from_utf8_lossy(&file.margins_csv).into_owned();
        assert!(margins.contains("cal_sex_age,male × 16-,400"), "{margins}");
        assert!(margins.contains("cal_district,北,400"), "{margins}");
    }

    #[test]
    fn the_order_follows_the_seed_and_the_zip_holds_the_four_files_with_the_version() {
        let data = dataset();
        let order = |seed| {
            rows(&build(&data, &info(), seed).unwrap())
                .iter()
                .map(|r| r["household_size"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(order(3), order(3));
        assert_ne!(order(3), order(4));
        assert_ne!(
            order(3),
            (1..=40).map(|i| i.to_string()).collect::<Vec<_>>()
        );

        let file = build(&data, &info(), 3).unwrap();
        let script = String::from_utf8(file.reproduce_r.clone()).unwrap();
        assert!(script.contains("# data version: 7\n"), "{script}");
        assert!(script.contains("weighting <- \"rake\""));
        assert!(script.contains("calibration <- c(\"cal_sex_age\", \"cal_district\")"));
        assert!(!script.contains("@@"), "every placeholder filled");
        let zip = file.zip().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 4);
        assert!(String::from_utf8_lossy(archive.comment()).contains("data version: 7"));
        for (name, bytes) in file.files() {
            let mut unpacked = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut unpacked).unwrap();
            assert_eq!(unpacked, bytes, "{name}");
        }
    }
}

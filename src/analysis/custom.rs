//! Tables a planner builds: one outcome — an indicator, or every category of a single-choice
//! question — by one or two breakdowns, weighted, with the same blanks as every other table.

use super::cells::{suppress_one_way, suppress_two_way, Cell, Privacy};
use super::subgroups::planner_options;
use super::{Dataset, Variable};
use crate::estimate::{Categorical, EstimateError, Outcome};
use crate::questionnaire::{Answer, Lang, Response, Text};

/// What a custom table estimates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeChoice {
    /// An indicator (`lonely_often`).
    Indicator(String),
    /// Every category of a single-choice question (`health`).
    Question(String),
}

impl OutcomeChoice {
    /// Parses `indicator:ID` or `question:ID` (a query parameter).
    pub fn parse(value: &str) -> Option<OutcomeChoice> {
        let (kind, id) = value.split_once(':')?;
        match kind {
            "indicator" => Some(OutcomeChoice::Indicator(id.to_string())),
            "question" => Some(OutcomeChoice::Question(id.to_string())),
            _ => None,
        }
    }

    /// The query value.
    pub fn as_param(&self) -> String {
        match self {
            OutcomeChoice::Indicator(id) => format!("indicator:{id}"),
            OutcomeChoice::Question(id) => format!("question:{id}"),
        }
    }
}

/// What a planner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRequest {
    pub outcome: OutcomeChoice,
    pub by: String,
    pub by2: Option<String>,
}

/// Why a table cannot be made, in words a planner can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum TableError {
    UnknownOutcome(String),
    NotSingleChoice(String),
    UnknownBreakdown(String),
    SameBreakdownTwice,
    OneLevel(String),
    Estimate(String),
}

impl TableError {
    /// The message, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (TableError::UnknownOutcome(id), Lang::Ja) => format!("「{id}」という集計項目はありません。一覧から選んでください。"),
            (TableError::UnknownOutcome(id), Lang::En) => format!("There is no outcome `{id}`: choose one from the list."),
            (TableError::NotSingleChoice(id), Lang::Ja) => format!("「{id}」は単一回答の設問ではないため、選択肢ごとの割合は出せません。指標か単一回答の設問を選んでください。"),
            (TableError::NotSingleChoice(id), Lang::En) => format!("`{id}` is not a single-choice question: choose an indicator or a single-choice question."),
            (TableError::UnknownBreakdown(id), Lang::Ja) => format!("「{id}」という区分はありません。一覧から選んでください。"),
            (TableError::UnknownBreakdown(id), Lang::En) => format!("There is no breakdown `{id}`: choose one from the list."),
            (TableError::SameBreakdownTwice, Lang::Ja) => "同じ区分が2回選ばれています。2つ目の区分を変えるか「なし」にしてください。".into(),
            (TableError::SameBreakdownTwice, Lang::En) => "The same breakdown was chosen twice: change the second one or choose none.".into(),
            (TableError::OneLevel(name), Lang::Ja) => format!("「{name}」は回答者のいる区分が1つしかないため、分けて集計できません。別の区分を選んでください。"),
            (TableError::OneLevel(name), Lang::En) => format!("“{name}” has only one group with respondents: choose another breakdown."),
            (TableError::Estimate(detail), Lang::Ja) => format!("推計できませんでした（{detail}）。"),
            (TableError::Estimate(detail), Lang::En) => format!("No estimates: {detail}."),
        }
    }
}

impl From<EstimateError> for TableError {
    fn from(e: EstimateError) -> Self {
        TableError::Estimate(e.to_string())
    }
}

/// A built table: groups (levels of the breakdown, or pairs of levels) × outcome columns.
#[derive(Debug, Clone)]
pub struct CustomTable {
    pub outcome_name: Text,
    /// Column headings: the indicator's name, or the question's options.
    pub columns: Vec<Text>,
    pub by_name: Text,
    pub by2_name: Option<Text>,
    /// The whole population's row.
    pub overall: Vec<Cell>,
    pub rows: Vec<CustomRow>,
}

/// One group's row.
#[derive(Debug, Clone)]
pub struct CustomRow {
    pub label: Text,
    /// The second breakdown's level, for two-way tables.
    pub label2: Option<Text>,
    pub cells: Vec<Cell>,
}

/// Builds the table a planner asked for.
pub fn build(data: &Dataset, request: &TableRequest) -> Result<CustomTable, TableError> {
    let by = find_variable(data, &request.by)?;
    let by2 = match &request.by2 {
        Some(id) if *id == request.by => return Err(TableError::SameBreakdownTwice),
        Some(id) => Some(find_variable(data, id)?),
        None => None,
    };
    for v in std::iter::once(by).chain(by2) {
        if v.column.counts().iter().filter(|&&c| c > 0).count() < 2 {
            return Err(TableError::OneLevel(v.name.ja.clone()));
        }
    }
    let (outcome_name, columns, outcomes) = outcomes(data, &request.outcome)?;
    let (grouping, labels) = match by2 {
        None => (
            by.column.clone(),
            by.labels.iter().map(|l| (l.clone(), None)).collect(),
        ),
        Some(by2) => cross(by, by2)?,
    };
    let options = planner_options();
    let mut overall = Vec::new();
    let mut by_column: Vec<Vec<Cell>> = Vec::new();
    for outcome in &outcomes {
        let tables = data
            .design
            .proportion_tables(outcome, &[&grouping], &options)?;
        let n = tables.overall.as_ref().map_or(0, |e| e.n);
        overall.push(Cell::new(Text::new("全体", "Everyone"), n, tables.overall));
        let levels = tables.tables.into_iter().next().unwrap_or_default();
        by_column.push(
            levels
                .into_iter()
                .zip(&labels)
                .map(|(level, (label, _))| Cell::new(label.clone(), level.n, level.estimate))
                .collect(),
        );
    }
    // Privacy is decided on the first column (every column of a group has the same
    // respondents) and copied to the others.
    if let Some(first) = by_column.first_mut() {
        match by2 {
            None => suppress_one_way(first),
            Some(by2) => suppress_two_way(first, by.labels.len(), by2.labels.len()),
        }
    }
    let decided: Vec<Option<Privacy>> = by_column
        .first()
        .map(|c| c.iter().map(|cell| cell.privacy).collect())
        .unwrap_or_default();
    for column in by_column.iter_mut().skip(1) {
        for (cell, privacy) in column.iter_mut().zip(&decided) {
            if let (None, Some(why)) = (cell.privacy, privacy) {
                cell.privacy = Some(*why);
                cell.estimate = None;
            }
        }
    }
    let rows = labels
        .into_iter()
        .enumerate()
        .map(|(g, (label, label2))| CustomRow {
            label,
            label2,
            cells: by_column.iter().map(|column| column[g].clone()).collect(),
        })
        .collect();
    Ok(CustomTable {
        outcome_name,
        columns,
        by_name: by.name.clone(),
        by2_name: by2.map(|v| v.name.clone()),
        overall,
        rows,
    })
}

fn find_variable<'a>(data: &'a Dataset, id: &str) -> Result<&'a Variable, TableError> {
    data.variable(id)
        .ok_or_else(|| TableError::UnknownBreakdown(id.to_string()))
}

/// The outcome columns: one for an indicator, one per option of a question.
fn outcomes(
    data: &Dataset,
    choice: &OutcomeChoice,
) -> Result<(Text, Vec<Text>, Vec<Outcome>), TableError> {
    match choice {
        OutcomeChoice::Indicator(id) => {
            let column = data
                .indicator(id)
                .ok_or_else(|| TableError::UnknownOutcome(id.clone()))?;
            Ok((
                column.indicator.name.clone(),
                vec![column.indicator.name.clone()],
                vec![column.outcome.clone()],
            ))
        }
        OutcomeChoice::Question(id) => {
            let question = data
                .questionnaire
                .question(id)
                .ok_or_else(|| TableError::UnknownOutcome(id.clone()))?;
            let Response::Single { options } = &question.response else {
                return Err(TableError::NotSingleChoice(id.clone()));
            };
            let name = Text {
                ja: format!("{} {}", question.number, question.text.ja),
                en: Some(format!(
                    "{} {}",
                    question.number,
                    question.text.get(Lang::En)
                )),
            };
            let outcomes = options
                .iter()
                .map(|option| {
                    let values: Vec<Option<bool>> = data
                        .answers
                        .iter()
                        .map(|a| match a.get(id) {
                            Some(Answer::Choice(code)) => Some(*code == option.code),
                            _ => None,
                        })
                        .collect();
                    Outcome::binary(&values)
                })
                .collect();
            Ok((
                name,
                options.iter().map(|o| o.label.clone()).collect(),
                outcomes,
            ))
        }
    }
}

/// A row's label and, in a two-way table, the second breakdown's level.
type RowLabels = (Text, Option<Text>);

/// The cross-classification of two breakdowns, row-major, with both labels per level.
fn cross(a: &Variable, b: &Variable) -> Result<(Categorical, Vec<RowLabels>), TableError> {
    let nb = b.labels.len() as u32;
    let codes = a
        .column
        .codes()
        .iter()
        .zip(b.column.codes())
        .map(|(&x, &y)| {
            if x == Categorical::MISSING || y == Categorical::MISSING {
                Categorical::MISSING
            } else {
                x * nb + y
            }
        })
        .collect();
    let mut labels = Vec::new();
    let mut names = Vec::new();
    for la in &a.labels {
        for lb in &b.labels {
            names.push(names.len().to_string());
            labels.push((la.clone(), Some(lb.clone())));
        }
    }
    Ok((Categorical::from_codes(codes, names)?, labels))
}

impl CustomTable {
    /// The table as CSV: `by,by2,level,level2,outcome,n,estimate,se,ci_low,ci_high,total,status`.
    pub fn csv(&self, view: super::cells::View, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "by", "by2", "level", "level2", "outcome", "n", "estimate", "se", "ci_low", "ci_high",
            "total", "status",
        ])?;
        let by = self.by_name.get(lang);
        let by2 = self.by2_name.as_ref().map_or("", |t| t.get(lang));
        let everyone = CustomRow {
            label: Text::new("全体", "Everyone"),
            label2: None,
            cells: self.overall.clone(),
        };
        for row in std::iter::once(&everyone).chain(&self.rows) {
            for (column, cell) in self.columns.iter().zip(&row.cells) {
                let shown = cell.shown(view);
                let number = |x: Option<f64>| {
                    x.filter(|x| x.is_finite())
                        .map(|x| format!("{x}"))
                        .unwrap_or_default()
                };
                out.write_record([
                    by,
                    by2,
                    row.label.get(lang),
                    row.label2.as_ref().map_or("", |t| t.get(lang)),
                    column.get(lang),
                    &cell.n.to_string(),
                    &number(shown.map(|e| e.estimate)),
                    &number(shown.map(|e| e.se)),
                    &number(shown.and_then(|e| e.ci).map(|c| c.0)),
                    &number(shown.and_then(|e| e.ci).map(|c| c.1)),
                    &number(shown.map(|e| e.total)),
                    &super::subgroups::status(cell, view),
                ])?;
            }
        }
        out.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

//! Reading an analysis file (CSV with a header line) into the columns a design needs, and
//! reading calibration totals files (`VAR,total`). Only the requested columns are kept, so an
//! analysis file with many questions reads about as fast as the bytes can be scanned.

use std::collections::HashMap;
use std::path::Path;

use super::columns::{Categorical, CategoricalBuilder};
use super::{EstimateError, Result};

/// How a requested column is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// Numbers; an empty cell is missing (NaN); anything else is an error.
    Numeric,
    /// Labels; an empty cell is missing.
    Categorical,
}

/// One column to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRequest {
    /// Header name.
    pub name: String,
    /// How to read it.
    pub kind: ColumnKind,
}

impl ColumnRequest {
    /// A numeric column.
    pub fn numeric(name: &str) -> Self {
        ColumnRequest {
            name: name.to_string(),
            kind: ColumnKind::Numeric,
        }
    }

    /// A categorical column.
    pub fn categorical(name: &str) -> Self {
        ColumnRequest {
            name: name.to_string(),
            kind: ColumnKind::Categorical,
        }
    }
}

/// A column as read.
#[derive(Debug, Clone)]
pub enum CsvColumn {
    /// Numbers, NaN where empty.
    Numeric(Vec<f64>),
    /// Labels.
    Categorical(Categorical),
}

/// The requested columns of a CSV file.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    /// Number of data rows.
    pub rows: usize,
    columns: HashMap<ColumnRequest, CsvColumn>,
}

impl CsvColumns {
    /// A numeric column that was requested.
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        match self.columns.get(&ColumnRequest::numeric(name)) {
            Some(CsvColumn::Numeric(values)) => Some(values),
            _ => None,
        }
    }

    /// A categorical column that was requested.
    pub fn categorical(&self, name: &str) -> Option<&Categorical> {
        match self.columns.get(&ColumnRequest::categorical(name)) {
            Some(CsvColumn::Categorical(column)) => Some(column),
            _ => None,
        }
    }
}

fn input_error(path: &Path, message: String) -> EstimateError {
    EstimateError::Input {
        file: path.display().to_string(),
        message,
    }
}

fn csv_error(path: &Path, error: csv::Error) -> EstimateError {
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: {} fields, but the header has {}",
            pos.as_ref().map_or(0, |p| p.line()),
            len,
            expected_len
        ),
        csv::ErrorKind::Io(e) => format!("cannot read the file: {e}"),
        _ => error.to_string(),
    };
    input_error(path, message)
}

fn parse_number(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field).ok()?.trim().parse::<f64>().ok()
}

/// Reads the requested columns of a CSV file with a header line.
pub fn read_csv_columns(path: &Path, requests: &[ColumnRequest]) -> Result<CsvColumns> {
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let headers = reader
        .byte_headers()
        .map_err(|e| csv_error(path, e))?
        .clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let mut targets = Vec::with_capacity(requests.len());
    let mut seen = Vec::new();
    for request in requests {
        if seen.contains(request) {
            continue;
        }
        seen.push(request.clone());
        let index = names
            .iter()
            .position(|n| *n == request.name)
            .ok_or_else(|| {
                input_error(
                    path,
                    format!(
                        "no column '{}' in the header (columns: {})",
                        request.name,
                        names.join(", ")
                    ),
                )
            })?;
        targets.push((request.clone(), index));
    }
    enum Sink {
        Numeric(Vec<f64>),
        Categorical(CategoricalBuilder),
    }
    let mut sinks: Vec<Sink> = targets
        .iter()
        .map(|(r, _)| match r.kind {
            ColumnKind::Numeric => Sink::Numeric(Vec::new()),
            ColumnKind::Categorical => Sink::Categorical(CategoricalBuilder::default()),
        })
        .collect();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        for ((request, index), sink) in targets.iter().zip(sinks.iter_mut()) {
            let field = &record[*index];
            match sink {
                Sink::Numeric(values) => {
                    if field.trim_ascii().is_empty() {
                        values.push(f64::NAN);
                    } else {
                        match parse_number(field) {
                            Some(v) if v.is_finite() => values.push(v),
                            _ => {
                                let line = record.position().map_or(0, |p| p.line());
                                return Err(input_error(
                                    path,
                                    format!(
                                        "line {line}: column '{}' has '{}', which is not a number",
                                        request.name,
                                        String::from_utf8_lossy(field)
                                    ),
                                ));
                            }
                        }
                    }
                }
                Sink::Categorical(builder) => builder.push(field),
            }
        }
        rows += 1;
    }
    let columns = targets
        .into_iter()
        .zip(sinks)
        .map(|((request, _), sink)| {
            let column = match sink {
                Sink::Numeric(values) => CsvColumn::Numeric(values),
                Sink::Categorical(builder) => CsvColumn::Categorical(builder.finish()),
            };
            (request, column)
        })
        .collect();
    Ok(CsvColumns { rows, columns })
}

/// One row of a totals file.
#[derive(Debug, Clone, PartialEq)]
pub struct TotalsEntry {
    /// The category label.
    pub category: String,
    /// Its population total.
    pub total: f64,
    /// Line in the file.
    pub line: u64,
}

/// Reads a totals file with the header `VARIABLE,total` and one row per category.
pub fn read_totals_csv(path: &Path, variable: &str) -> Result<Vec<TotalsEntry>> {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}'))
        .collect();
    if names != [variable, "total"] {
        return Err(input_error(
            path,
            format!(
                "line 1: the header must be '{variable},total' (found '{}')",
                names.join(",")
            ),
        ));
    }
    let mut entries: Vec<TotalsEntry> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let category = record[0].trim().to_string();
        if category.is_empty() {
            return Err(input_error(
                path,
                format!("line {line}: the category is empty"),
            ));
        }
        if let Some(first) = entries.iter().find(|e| e.category == category) {
            return Err(input_error(
                path,
                format!(
                    "line {line}: category '{category}' already has a total on line {}",
                    first.line
                ),
            ));
        }
        let total = record[1]
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0)
            .ok_or_else(|| {
                input_error(
                    path,
                    format!(
                        "line {line}: the total '{}' for '{category}' is not a positive number",
                        &record[1]
                    ),
                )
            })?;
        entries.push(TotalsEntry {
            category,
            total,
            line,
        });
    }
    if entries.is_empty() {
        return Err(input_error(
            path,
            "no categories below the header".to_string(),
        ));
    }
    Ok(entries)
}

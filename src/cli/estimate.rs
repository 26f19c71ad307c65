//! `tsunagari estimate`: weighted prevalence and subgroup rates from an analysis CSV file.
//!
//! Reads only the columns it needs, builds the design, calibrates, and prints one row per
//! outcome for everyone and per outcome × level of each `--by` variable. Errors go to stderr
//! with exit status 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::estimate::{
    read_csv_columns, read_totals_csv, CalibrationReport, Categorical, CiMethod, ColumnRequest,
    CsvColumns, Design, EstimateError, EstimateOptions, LonelyPsu, MarginTotals, Outcome,
    ProportionEstimate, RakeOptions, WeightDiagnostics,
};

/// Arguments of `tsunagari estimate`.
#[derive(Debug, Clone, Args)]
pub struct EstimateArgs {
    /// Analysis file: CSV with a header line, one row per respondent.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Column with the base (design) weight, a positive number.
    #[arg(long, value_name = "COL")]
    pub weights: String,
    /// Column with the stratum.
    #[arg(long, value_name = "COL")]
    pub strata: Option<String>,
    /// Column with the primary sampling unit (one-stage cluster), taken within stratum.
    #[arg(long, value_name = "COL")]
    pub cluster: Option<String>,
    /// Column with the population size of the row's stratum (finite population correction).
    #[arg(long, value_name = "COL")]
    pub fpc: Option<String>,
    /// Rake to a margin: the data column VAR and a totals file with header `VAR,total`.
    #[arg(long, value_name = "VAR=TOTALS.csv")]
    pub rake: Vec<String>,
    /// Post-stratify on one classification: the data column VAR and its totals file.
    #[arg(long, value_name = "VAR=TOTALS.csv", conflicts_with = "rake")]
    pub poststratify: Option<String>,
    /// Largest relative difference between a raked margin and its total.
    #[arg(long, default_value_t = 1e-10)]
    pub rake_tolerance: f64,
    /// Most raking sweeps before giving up.
    #[arg(long, default_value_t = 1000)]
    pub rake_max_iterations: usize,
    /// Trim weights below this value (after calibration), spreading the difference.
    #[arg(long)]
    pub trim_lower: Option<f64>,
    /// Trim weights above this value (after calibration), spreading the difference.
    #[arg(long)]
    pub trim_upper: Option<f64>,
    /// Outcome: `COL` (a 0/1 column) or `COL=VALUE` (indicator of COL equal to VALUE); an
    /// empty cell is a missing answer. Repeat or list several.
    #[arg(long, value_name = "COL[=VALUE]", required = true, num_args = 1..)]
    pub outcome: Vec<String>,
    /// Subgroup variable: one row per level (levels sorted). Repeat or list several.
    #[arg(long, value_name = "COL", num_args = 1..)]
    pub by: Vec<String>,
    /// Confidence interval for proportions.
    #[arg(long, value_enum, default_value_t = CiArg::Logit)]
    pub ci: CiArg,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Rule for strata with a single primary sampling unit.
    #[arg(long, value_enum, default_value_t = LonelyPsuArg::Adjust)]
    pub lonely_psu: LonelyPsuArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
}

/// `--ci` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiArg {
    /// Logit interval (R `svyciprop(method = "logit")`).
    Logit,
    /// Korn–Graubard (R `method = "beta"`).
    Beta,
    /// Wald, p ± t·SE.
    Wald,
}

/// `--lonely-psu` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LonelyPsuArg {
    /// Centre a lonely PSU at zero (R's "adjust").
    Adjust,
    /// Stop with an error.
    Fail,
    /// No variance from a lonely PSU.
    Certainty,
    /// Average variance of the other strata.
    Average,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// CSV, header `by,level,outcome,n,estimate,se,ci_low,ci_high,total,total_se,...`.
    Csv,
    /// JSON with the design diagnostics and the same rows.
    Json,
}

/// What can stop the command.
#[derive(Debug, thiserror::Error)]
pub enum EstimateCommandError {
    /// A problem in the statistics or the input files.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    /// Arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// One output row: an outcome in a domain.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    /// `all` or the subgroup variable.
    pub by: String,
    /// `all` or the subgroup level.
    pub level: String,
    /// The outcome as given (`COL` or `COL=VALUE`).
    pub outcome: String,
    /// Respondents in the domain with an answer.
    pub n: usize,
    /// The estimate; `None` when nobody in the domain answered.
    pub estimate: Option<ProportionEstimate>,
}

/// The command's result before formatting.
#[derive(Debug, Clone)]
pub struct EstimateReport {
    /// Rows in output order.
    pub rows: Vec<EstimateRow>,
    /// Distribution of the final weights.
    pub weights: WeightDiagnostics,
    /// The calibration done, if any.
    pub calibration: Option<CalibrationReport>,
    /// Lonely-PSU rule.
    pub lonely_psu: LonelyPsu,
    /// Interval method and level.
    pub options: EstimateOptions,
    /// Design degrees of freedom.
    pub design_df: usize,
}

/// Runs the command: prints the table on stdout, or an error on stderr with status 2.
pub fn run(args: &EstimateArgs) -> ExitCode {
    let result = compute(args).and_then(|report| {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        match args.format {
            FormatArg::Csv => write_csv(&report, &mut out)?,
            FormatArg::Json => write_json(&report, &mut out)?,
        }
        out.flush()?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// A parsed `--outcome`.
struct OutcomeSpec<'a> {
    text: &'a str,
    column: &'a str,
    value: Option<&'a str>,
}

fn parse_outcome(text: &str) -> Result<OutcomeSpec<'_>, EstimateCommandError> {
    let (column, value) = match text.split_once('=') {
        Some((column, value)) => (column, Some(value)),
        None => (text, None),
    };
    if column.is_empty() || value == Some("") {
        return Err(EstimateCommandError::Usage(format!(
            "--outcome '{text}': give COL (a 0/1 column) or COL=VALUE"
        )));
    }
    Ok(OutcomeSpec {
        text,
        column,
        value,
    })
}

fn parse_margin(flag: &str, text: &str) -> Result<(String, PathBuf), EstimateCommandError> {
    match text.split_once('=') {
        Some((var, path)) if !var.is_empty() && !path.is_empty() => {
            Ok((var.to_string(), PathBuf::from(path)))
        }
        _ => Err(EstimateCommandError::Usage(format!(
            "{flag} '{text}': expected VAR=TOTALS.csv"
        ))),
    }
}

fn missing_column(data: &Path, name: &str) -> EstimateCommandError {
    EstimateCommandError::Usage(format!("{}: column '{name}' was not read", data.display()))
}

/// Reads the data and builds the (calibrated, trimmed) design the arguments describe.
pub fn prepare(args: &EstimateArgs) -> Result<(CsvColumns, Design), EstimateCommandError> {
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(EstimateError::InvalidLevel(args.level).into());
    }
    let outcomes = args
        .outcome
        .iter()
        .map(|o| parse_outcome(o))
        .collect::<Result<Vec<_>, _>>()?;
    let mut margins = args
        .rake
        .iter()
        .map(|m| parse_margin("--rake", m))
        .collect::<Result<Vec<_>, _>>()?;
    let post_stratum = args
        .poststratify
        .as_deref()
        .map(|m| parse_margin("--poststratify", m))
        .transpose()?;

    let mut requests = vec![ColumnRequest::numeric(&args.weights)];
    requests.extend(args.strata.iter().map(|c| ColumnRequest::categorical(c)));
    requests.extend(args.cluster.iter().map(|c| ColumnRequest::categorical(c)));
    requests.extend(args.fpc.iter().map(|c| ColumnRequest::numeric(c)));
    requests.extend(
        margins
            .iter()
            .chain(&post_stratum)
            .map(|(v, _)| ColumnRequest::categorical(v)),
    );
    requests.extend(outcomes.iter().map(|o| match o.value {
        Some(_) => ColumnRequest::categorical(o.column),
        None => ColumnRequest::numeric(o.column),
    }));
    requests.extend(args.by.iter().map(|c| ColumnRequest::categorical(c)));
    let data = read_csv_columns(&args.data, &requests)?;
    if data.rows == 0 {
        return Err(EstimateError::NoRows.into());
    }
    let numeric = |name: &str| {
        data.numeric(name)
            .ok_or_else(|| missing_column(&args.data, name))
    };
    let categorical = |name: &str| {
        data.categorical(name)
            .ok_or_else(|| missing_column(&args.data, name))
    };

    let mut builder =
        Design::builder(numeric(&args.weights)?.to_vec()).lonely_psu(match args.lonely_psu {
            LonelyPsuArg::Adjust => LonelyPsu::Adjust,
            LonelyPsuArg::Fail => LonelyPsu::Fail,
            LonelyPsuArg::Certainty => LonelyPsu::Certainty,
            LonelyPsuArg::Average => LonelyPsu::Average,
        });
    if let Some(strata) = &args.strata {
        builder = builder.strata(strata.as_str(), categorical(strata)?.clone());
    }
    if let Some(cluster) = &args.cluster {
        builder = builder.clusters(cluster.as_str(), categorical(cluster)?.clone());
    }
    if let Some(fpc) = &args.fpc {
        builder = builder.fpc(fpc.as_str(), numeric(fpc)?.to_vec());
    }
    let mut design = builder.build()?;

    if let Some(margin) = &post_stratum {
        let totals = margin_totals(&data, margin)?;
        design = design.post_stratify(&totals)?;
    } else if !margins.is_empty() {
        let totals = margins
            .drain(..)
            .map(|m| margin_totals(&data, &m))
            .collect::<Result<Vec<_>, _>>()?;
        let options = RakeOptions {
            tolerance: args.rake_tolerance,
            max_iterations: args.rake_max_iterations,
        };
        design = design.rake(&totals, &options)?;
    }
    if args.trim_lower.is_some() || args.trim_upper.is_some() {
        design = design.trim_weights(args.trim_lower, args.trim_upper, false)?;
    }

    Ok((data, design))
}

/// Reads, builds, calibrates and estimates: everything but the printing.
pub fn compute(args: &EstimateArgs) -> Result<EstimateReport, EstimateCommandError> {
    let outcomes = args
        .outcome
        .iter()
        .map(|o| parse_outcome(o))
        .collect::<Result<Vec<_>, _>>()?;
    let (data, design) = prepare(args)?;
    let categorical = |name: &str| {
        data.categorical(name)
            .ok_or_else(|| missing_column(&args.data, name))
    };

    let options = EstimateOptions {
        ci: match args.ci {
            CiArg::Logit => CiMethod::Logit,
            CiArg::Beta => CiMethod::Beta,
            CiArg::Wald => CiMethod::Wald,
        },
        level: args.level,
    };
    let outcome_values = outcomes
        .iter()
        .map(|o| outcome_column(&data, o, &args.data))
        .collect::<Result<Vec<_>, _>>()?;

    let by_columns = args
        .by
        .iter()
        .map(|by| categorical(by))
        .collect::<Result<Vec<_>, _>>()?;
    // Per outcome, the overall row and every --by table from one pass over the data.
    let estimates = outcome_values
        .iter()
        .map(|y| design.proportion_tables(y, &by_columns, &options))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::new();
    for (spec, estimate) in outcomes.iter().zip(&estimates) {
        rows.push(EstimateRow {
            by: "all".to_string(),
            level: "all".to_string(),
            outcome: spec.text.to_string(),
            n: estimate.overall.as_ref().map_or(0, |e| e.n),
            estimate: estimate.overall.clone(),
        });
    }
    for (table, (by, column)) in args.by.iter().zip(&by_columns).enumerate() {
        for (l, level) in column.levels().iter().enumerate() {
            for (spec, estimate) in outcomes.iter().zip(&estimates) {
                let cell = &estimate.tables[table][l];
                rows.push(EstimateRow {
                    by: by.clone(),
                    level: level.clone(),
                    outcome: spec.text.to_string(),
                    n: cell.n,
                    estimate: cell.estimate.clone(),
                });
            }
        }
    }
    Ok(EstimateReport {
        rows,
        weights: design.weight_diagnostics(),
        calibration: design.calibration_report().cloned(),
        lonely_psu: design.lonely_psu(),
        options,
        design_df: design.degrees_of_freedom(),
    })
}

fn margin_totals(
    data: &CsvColumns,
    (variable, path): &(String, PathBuf),
) -> Result<MarginTotals, EstimateCommandError> {
    let column = data
        .categorical(variable)
        .ok_or_else(|| EstimateCommandError::Usage(format!("column '{variable}' was not read")))?;
    let entries = read_totals_csv(path, variable)?;
    for entry in &entries {
        if column.code_of(&entry.category).is_none() {
            return Err(EstimateError::Input {
                file: path.display().to_string(),
                message: format!(
                    "line {}: unknown category '{}': no respondent has {variable} = '{}' in the data",
                    entry.line, entry.category, entry.category
                ),
            }
            .into());
        }
    }
    let totals: Vec<(String, f64)> = entries.into_iter().map(|e| (e.category, e.total)).collect();
    Ok(MarginTotals::new(variable, column, &totals)?)
}

fn outcome_column(
    data: &CsvColumns,
    spec: &OutcomeSpec,
    file: &Path,
) -> Result<Outcome, EstimateCommandError> {
    match spec.value {
        Some(value) => {
            let column: &Categorical = data
                .categorical(spec.column)
                .ok_or_else(|| missing_column(file, spec.column))?;
            Ok(column.indicator(value))
        }
        None => {
            let values = data
                .numeric(spec.column)
                .ok_or_else(|| missing_column(file, spec.column))?;
            if let Some(row) = values
                .iter()
                .position(|&v| !v.is_nan() && v != 0.0 && v != 1.0)
            {
                return Err(EstimateError::Input {
                    file: file.display().to_string(),
                    message: format!(
                        "line {}: outcome column '{}' has {}, but --outcome {} needs 0, 1 or empty (use --outcome {}=VALUE for a category)",
                        row + 2,
                        spec.column,
                        values[row],
                        spec.column,
                        spec.column
                    ),
                }
                .into());
            }
            Ok(Outcome::from_values(values.to_vec()))
        }
    }
}

/// The CSV header; the first ten columns are fixed by the command's contract.
pub const CSV_HEADER: &str =
    "by,level,outcome,n,estimate,se,ci_low,ci_high,total,total_se,deff,n_eff,df,ci_method,level_pct,lonely_psu,flag";

fn number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// Writes the report as CSV.
pub fn write_csv(report: &EstimateReport, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    let method = report.options.ci.as_str();
    let level_pct = report.options.level * 100.0;
    for row in &report.rows {
        let e = row.estimate.as_ref();
        let flag = e.map_or_else(|| "suppress:n<10".to_string(), |e| e.presentation.code());
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            crate::csv_text::field(&row.by),
            crate::csv_text::field(&row.level),
            crate::csv_text::field(&row.outcome),
            row.n,
            number(e.map(|e| e.estimate)),
            number(e.map(|e| e.se)),
            number(e.and_then(|e| e.ci).map(|c| c.0)),
            number(e.and_then(|e| e.ci).map(|c| c.1)),
            number(e.map(|e| e.total)),
            number(e.map(|e| e.total_se)),
            number(e.and_then(|e| e.deff)),
            number(e.map(|e| e.n_eff)),
            e.map_or(String::new(), |e| e.df.to_string()),
            method,
            level_pct,
            report.lonely_psu.as_str(),
            flag
        )?;
    }
    Ok(())
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

#[derive(Serialize)]
struct JsonRow<'a> {
    by: &'a str,
    level: &'a str,
    outcome: &'a str,
    n: usize,
    estimate: Option<f64>,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    total: Option<f64>,
    total_se: Option<f64>,
    deff: Option<f64>,
    n_eff: Option<f64>,
    df: Option<usize>,
    shown: bool,
    flag: String,
}

/// Writes the report as JSON: design information and the rows.
pub fn write_json(report: &EstimateReport, out: &mut impl Write) -> std::io::Result<()> {
    let rows: Vec<JsonRow> = report
        .rows
        .iter()
        .map(|row| {
            let e = row.estimate.as_ref();
            JsonRow {
                by: &row.by,
                level: &row.level,
                outcome: &row.outcome,
                n: row.n,
                estimate: e.and_then(|e| finite(e.estimate)),
                se: e.and_then(|e| finite(e.se)),
                ci_low: e.and_then(|e| e.ci).and_then(|c| finite(c.0)),
                ci_high: e.and_then(|e| e.ci).and_then(|c| finite(c.1)),
                total: e.and_then(|e| finite(e.total)),
                total_se: e.and_then(|e| finite(e.total_se)),
                deff: e.and_then(|e| e.deff).and_then(finite),
                n_eff: e.and_then(|e| finite(e.n_eff)),
                df: e.map(|e| e.df),
                shown: e.is_some_and(|e| e.presentation.shown()),
                flag: e.map_or_else(|| "suppress:n<10".to_string(), |e| e.presentation.code()),
            }
        })
        .collect();
    let w = &report.weights;
    let document = serde_json::json!({
        "design": {
            "respondents": w.n,
            "degrees_of_freedom": report.design_df,
            "lonely_psu": report.lonely_psu.as_str(),
            "ci_method": report.options.ci.as_str(),
            "level": report.options.level,
            "calibration": report.calibration.as_ref().map(|c| serde_json::json!({
                "kind": format!("{:?}", c.kind),
                "margins": c.margins,
                "iterations": c.iterations,
                "max_discrepancy": finite(c.max_discrepancy),
            })),
            "weights": {
                "sum": finite(w.sum), "min": finite(w.min), "median": finite(w.median),
                "max": finite(w.max), "kish_deff": finite(w.kish_deff), "kish_n_eff": finite(w.kish_n_eff),
            },
        },
        "estimates": rows,
    });
    serde_json::to_writer_pretty(&mut *out, &document).map_err(std::io::Error::other)?;
    writeln!(out)
}

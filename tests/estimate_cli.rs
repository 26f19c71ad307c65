//! The `tsunagari estimate` command run as a binary: output contract, formats and errors
//! (stderr, exit status 2, never a panic, never NaN in the output).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/estimate")
        .join(name)
        .display()
        .to_string()
}

fn estimate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsunagari"))
        .arg("estimate")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_fails_with(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert!(
        stderr(output).contains(message),
        "expected '{message}' in: {}",
        stderr(output)
    );
    assert!(!stderr(output).contains("panicked"));
    assert!(output.stdout.is_empty());
}

#[test]
fn the_csv_output_starts_with_the_contract_header_and_lists_all_then_sorted_levels() {
    let data = fixture("synth.csv");
    let output = estimate(&[
        "--data",
        &data,
        "--weights",
        "w",
        "--strata",
        "stratum",
        "--fpc",
        "N_h",
        "--outcome",
        "lonely",
        "--outcome",
        "isolation=4",
        "--by",
        "ageband",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("by,level,outcome,n,estimate,se,ci_low,ci_high,total,total_se"));
    let keys: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        keys,
        [
            "all,all,lonely",
            "all,all,isolation=4",
            "ageband,16-39,lonely",
            "ageband,16-39,isolation=4",
            "ageband,40-64,lonely",
            "ageband,40-64,isolation=4",
            "ageband,65+,lonely",
            "ageband,65+,isolation=4",
        ]
    );
    assert!(!text.to_lowercase().contains("nan"));
}

#[test]
fn the_binary_reproduces_r_for_a_raked_design() {
    let output = estimate(&[
        "--data",
        &fixture("synth.csv"),
        "--weights",
        "w",
        "--strata",
        "stratum",
        "--fpc",
        "N_h",
        "--rake",
        &format!("sexage={}", fixture("totals_sexage.csv")),
        "--rake",
        &format!("district={}", fixture("totals_district.csv")),
        "--outcome",
        "lonely",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<f64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(4)
        .take(6)
        .map(|f| f.parse().unwrap())
        .collect();
    // R's row all/all/lonely: estimate, se, logit_low, logit_high, total, total_se.
    let expected = std::fs::read_to_string(fixture("expected_synth_raked.csv")).unwrap();
    let row: Vec<&str> = expected.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(&row[..3], ["all", "all", "lonely"]);
    let r: Vec<f64> = [4, 5, 10, 11, 6, 7]
        .iter()
        .map(|&i| row[i].parse().unwrap())
        .collect();
    for (ours, r) in fields.iter().zip(&r) {
        assert!(((ours - r) / r).abs() < 1e-6, "{ours} vs R {r}");
    }
}

#[test]
fn json_output_carries_the_design_and_null_for_missing_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "w,s,y,g\n1,a,1,x\n2,a,0,x\n1,b,,y\n3,b,1,x\n",
    );
    let output = estimate(&[
        "--data",
        &data,
        "--weights",
        "w",
        "--strata",
        "s",
        "--outcome",
        "y",
        "--by",
        "g",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["design"]["lonely_psu"], "adjust");
    assert_eq!(json["design"]["respondents"], 4);
    let rows = json["estimates"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // Level y has only a missing answer: n = 0, no numbers.
    assert_eq!(rows[2]["level"], "y");
    assert_eq!(rows[2]["n"], 0);
    assert!(rows[2]["estimate"].is_null());
    assert_eq!(rows[1]["estimate"], 2.0 / 3.0);
}

#[test]
fn a_missing_column_is_an_error_naming_it() {
    let output = estimate(&[
        "--data",
        &fixture("apistrat.csv"),
        "--weights",
        "pw",
        "--outcome",
        "nosuch",
    ]);
    assert_fails_with(&output, "no column 'nosuch'");
}

#[test]
fn a_non_numeric_weight_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "w,y\n1,1\nabc,0\n2,1\n");
    let output = estimate(&["--data", &data, "--weights", "w", "--outcome", "y"]);
    assert_fails_with(
        &output,
        "line 3: column 'w' has 'abc', which is not a number",
    );
}

#[test]
fn a_non_positive_weight_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "w,y\n1,1\n-2,0\n2,1\n");
    let output = estimate(&["--data", &data, "--weights", "w", "--outcome", "y"]);
    assert_fails_with(&output, "weight on data row 2 is -2");
}

#[test]
fn an_fpc_below_the_stratum_sample_size_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "w,s,N,y\n1,a,2,1\n1,a,2,0\n1,a,2,1\n1,b,9,0\n1,b,9,1\n",
    );
    let output = estimate(&[
        "--data",
        &data,
        "--weights",
        "w",
        "--strata",
        "s",
        "--fpc",
        "N",
        "--outcome",
        "y",
    ]);
    assert_fails_with(
        &output,
        "fpc for stratum 'a' is 2, below the 3 sampled units",
    );
}

#[test]
fn an_unknown_category_in_a_totals_file_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let totals = write(dir.path(), "t.csv", "sex,total\nF,3300\nM,3000\nX,10\n");
    let output = estimate(&[
        "--data",
        &fixture("clustered.csv"),
        "--weights",
        "w",
        "--rake",
        &format!("sex={totals}"),
        "--rake",
        &format!("employed={}", fixture("totals_employed.csv")),
        "--outcome",
        "lonely",
    ]);
    assert_fails_with(&output, "line 4: unknown category 'X'");
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "w,y\n1,1\n2,0\n3,1,7\n");
    let output = estimate(&["--data", &data, "--weights", "w", "--outcome", "y"]);
    assert_fails_with(&output, "line 4: 3 fields, but the header has 2");
}

#[test]
fn an_outcome_that_is_not_zero_or_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "w,y\n1,1\n2,3\n");
    let output = estimate(&["--data", &data, "--weights", "w", "--outcome", "y"]);
    assert_fails_with(&output, "line 3: outcome column 'y' has 3");
}

#[test]
fn the_fail_rule_stops_on_a_lonely_psu() {
    let output = estimate(&[
        "--data",
        &fixture("lonely.csv"),
        "--weights",
        "w",
        "--strata",
        "stratum",
        "--outcome",
        "lonely",
        "--lonely-psu",
        "fail",
    ]);
    assert_fails_with(&output, "stratum 'E' has only one primary sampling unit");
}

#[test]
fn raking_that_does_not_converge_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // The two margins disagree on the population size, so no weights can meet both.
    let sex = write(dir.path(), "sex.csv", "sex,total\nF,3300\nM,3000\n");
    let employed = write(dir.path(), "emp.csv", "employed,total\nno,100\nyes,100\n");
    let output = estimate(&[
        "--data",
        &fixture("clustered.csv"),
        "--weights",
        "w",
        "--rake",
        &format!("sex={sex}"),
        "--rake",
        &format!("employed={employed}"),
        "--outcome",
        "lonely",
        "--rake-max-iterations",
        "20",
    ]);
    assert_fails_with(&output, "raking did not converge in 20 iterations");
}

#[test]
fn a_total_with_no_respondents_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "w,sex,y\n1,F,1\n2,F,0\n");
    let totals = write(dir.path(), "t.csv", "sex,total\nF,30\n");
    let extra = write(dir.path(), "t2.csv", "sex,total\nF,30\nM,20\n");
    let ok = estimate(&[
        "--data",
        &data,
        "--weights",
        "w",
        "--poststratify",
        &format!("sex={totals}"),
        "--outcome",
        "y",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let output = estimate(&[
        "--data",
        &data,
        "--weights",
        "w",
        "--poststratify",
        &format!("sex={extra}"),
        "--outcome",
        "y",
    ]);
    assert_fails_with(&output, "line 3: unknown category 'M'");
}

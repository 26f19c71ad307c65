//! The analysis dataset and its tables on a small synthetic sample (no database).

use super::cells::{Privacy, View};
use super::custom::{self, OutcomeChoice, TableError, TableRequest};
use super::subgroups::report;
use super::*;
use crate::questionnaire::{load_file, Answer};

fn national() -> Questionnaire {
    load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/questionnaires/tsunagari-national.toml"
    ))
    .unwrap()
}

fn register() -> Vec<RegisterCell> {
    let mut cells = Vec::new();
    for sex in ["male", "female"] {
        for age in ["16-39", "40-"] {
            for district in ["北", "南"] {
                cells.push(RegisterCell {
                    sex: Some(sex.into()),
                    age_band: age.into(),
                    district: Some(district.into()),
                    population: 500.0,
                });
            }
        }
    }
    cells
}

/// 80 respondents spread evenly over the calibration cells; one in ten answers 5 to the
/// direct question; the first five are widowed (a cell under ten).
fn sample() -> Vec<Respondent> {
    (0..80)
        .map(|i| {
            let district = if i % 8 < 4 { "北" } else { "南" };
            let mut answers = Answers::new();
            answers.insert("direct", Answer::Choice(if i % 10 == 0 { 5 } else { 2 }));
            answers.insert(
                "marital_status",
                Answer::Choice(if i < 5 { 3 } else { 1 + (i % 2) as u32 }),
            );
            Respondent {
                stratum: if district == "北" { "S1" } else { "S2" }.into(),
                population: 1000.0,
                base_weight: 50.0,
                sex: Some(if i % 2 == 0 { "male" } else { "female" }.into()),
                age_band: if i % 4 < 2 { "16-39" } else { "40-" }.into(),
                district: Some(district.into()),
                answers: Arc::new(answers),
            }
        })
        .collect()
}

#[test]
fn raked_weights_add_up_to_the_register_and_the_rate_is_the_share_of_yes() {
    let data = Dataset::build(&national(), sample(), &register()).unwrap();
    assert_eq!(data.weighting, Weighting::Raked);
    assert!(
        (data.weights.sum - 4000.0).abs() < 1e-6,
        "{}",
        data.weights.sum
    );
    let report = report(&data).unwrap();
    let often = report.indicator("lonely_often").unwrap();
    let e = often.overall.estimate.as_ref().unwrap();
    assert!((e.estimate - 0.1).abs() < 1e-9, "{}", e.estimate);
    assert!((e.total - 400.0).abs() < 1e-6);
    assert_eq!(often.overall.n, 80);
    // The nation in its own convention: 8 of 80 against 4.8% of 11,141.
    let national = often.national.as_ref().unwrap();
    assert_eq!((national.yes, national.base), (8, 80));
    assert!(national.test.is_some());
    // Register sex in words, and the answered breakdowns after the register's.
    let ids: Vec<&str> = data.variables.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(&ids[..4], ["sex", "age_band", "district", "marital_status"]);
    assert_eq!(data.variables[0].labels[0].ja, "女性");
}

#[test]
fn a_small_cell_is_withheld_with_its_complement_and_keeps_no_numbers() {
    let data = Dataset::build(&national(), sample(), &register()).unwrap();
    let report = report(&data).unwrap();
    let marital = report
        .indicator("lonely_often")
        .unwrap()
        .table("marital_status")
        .unwrap();
    let widowed = &marital.cells[2];
    assert_eq!(widowed.n, 5);
    assert_eq!(widowed.privacy, Some(Privacy::FewRespondents));
    assert!(widowed.estimate.is_none() && widowed.versus_rest.is_none());
    let withheld = marital.cells.iter().filter(|c| c.privacy.is_some()).count();
    assert!(withheld >= 2, "the smallest other cell goes with it");
    for cell in &marital.cells {
        if cell.privacy.is_some() {
            assert!(cell.shown(View::Working).is_none());
        }
    }
}

#[test]
fn a_respondent_outside_the_register_cells_falls_back_to_age_post_stratification() {
    let mut rows = sample();
    rows[0].district = Some("西".into());
    let data = Dataset::build(&national(), rows, &register()).unwrap();
    assert!(
        matches!(data.weighting, Weighting::PostStratifiedByAge { .. }),
        "{:?}",
        data.weighting
    );
}

#[test]
fn nobody_answering_is_an_error_not_an_empty_report() {
    assert!(matches!(
        Dataset::build(&national(), Vec::new(), &register()),
        Err(AnalysisError::NoRespondents)
    ));
}

#[test]
fn custom_tables_refuse_what_does_not_exist_and_build_two_way_tables() {
    let data = Dataset::build(&national(), sample(), &register()).unwrap();
    let ask = |outcome: OutcomeChoice, by: &str, by2: Option<&str>| {
        custom::build(
            &data,
            &TableRequest {
                outcome,
                by: by.into(),
                by2: by2.map(str::to_string),
            },
        )
    };
    let indicator = || OutcomeChoice::Indicator("lonely_often".into());
    assert_eq!(
        ask(OutcomeChoice::Indicator("nope".into()), "sex", None).unwrap_err(),
        TableError::UnknownOutcome("nope".into())
    );
    assert_eq!(
        ask(indicator(), "nope", None).unwrap_err(),
        TableError::UnknownBreakdown("nope".into())
    );
    assert_eq!(
        ask(indicator(), "sex", Some("sex")).unwrap_err(),
        TableError::SameBreakdownTwice
    );
    // Nobody answered F5: its breakdown has no group with respondents.
    assert!(matches!(
        ask(indicator(), "employment", None).unwrap_err(),
        TableError::OneLevel(_)
    ));
    let table = ask(
        OutcomeChoice::Question("direct".into()),
        "sex",
        Some("district"),
    )
    .unwrap();
    assert_eq!(table.columns.len(), 5, "one column per option of 問8");
    assert_eq!(table.rows.len(), 4, "2 sexes × 2 districts");
    let shares: f64 = table
        .overall
        .iter()
        .map(|c| c.estimate.as_ref().unwrap().estimate)
        .sum();
    assert!(
        (shares - 1.0).abs() < 1e-9,
        "the options add up to everyone: {shares}"
    );
}

#[test]
fn a_published_weighting_is_used_and_one_that_no_longer_fits_falls_back_saying_why() {
    use super::weighting::{Method, SpecError, WeightingSpec};
    let published = Published {
        name: "性別のみ".into(),
        spec: WeightingSpec {
            method: Method::PostStratification,
            margins: vec![MarginKind::Sex],
            ..WeightingSpec::default()
        },
    };
    let data =
        Dataset::build_weighted(&national(), sample(), &register(), Some(&published)).unwrap();
    let chosen = data
        .weighting
        .chosen()
        .expect("published weighting applied");
    assert_eq!(chosen.name, "性別のみ");
    assert!(data.weighting.describe(Lang::Ja).contains("「性別のみ」"));
    let males: f64 = data
        .design
        .weights()
        .iter()
        .zip(sample())
        .filter(|(_, r)| r.sex.as_deref() == Some("male"))
        .map(|(w, _)| w)
        .sum();
    assert!((males - 2000.0).abs() < 1e-9);

    // A respondent in a district the register does not have: the default's fallback, and why.
    let mut rows = sample();
    rows[0].district = Some("西".into());
    let by_district = Published {
        name: "地区".into(),
        spec: WeightingSpec {
            margins: vec![MarginKind::District],
            ..WeightingSpec::default()
        },
    };
    let data = Dataset::build_weighted(&national(), rows, &register(), Some(&by_district)).unwrap();
    match &data.weighting {
        Weighting::Unusable { name, reason, then } => {
            assert_eq!(name, "地区");
            assert!(
                matches!(reason, SpecError::EmptyRegisterCell { .. }),
                "{reason}"
            );
            assert!(matches!(**then, Weighting::PostStratifiedByAge { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert!(data
        .weighting
        .describe(Lang::Ja)
        .contains("公開中の重み付け「地区」は今のデータには使えない"));
}

//! From register to sample: eligibility on the reference date, strata, allocation, the
//! seeded draw (reproducibility, stratum counts) and statistical tests that the draw is
//! simple random sampling without replacement inside each stratum.

use std::collections::HashMap;

use chrono::NaiveDate;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use tsunagari::sampling::age::{AgeBands, Eligibility};
use tsunagari::sampling::allocation::{allocate, AllocationMethod, StratumPopulation};
use tsunagari::sampling::draw::{
    draw_sample, partial_shuffle, stratum_rng, uniform_below, Sample, Seed,
};
use tsunagari::sampling::frame::{Frame, FrameCandidate, FrameDesign, FrameError};
use tsunagari::sampling::register::{
    read_register_bytes, ColumnMapping, ImportOptions, RegisterRecord, Sex,
};
use tsunagari::sampling::strata::StratumVariable;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

const REFERENCE_DATE: (i32, u32, u32) = (2022, 12, 1);

fn reference() -> NaiveDate {
    date(REFERENCE_DATE.0, REFERENCE_DATE.1, REFERENCE_DATE.2)
}

/// A synthetic register: `count` residents over three districts, both sexes, ages spread
/// from 10 to 99 on the reference date.
fn synthetic_register(count: usize) -> Vec<RegisterRecord> {
    let mut text = String::from("id,name,address,birth,sex,district\n");
    for i in 0..count {
        let age = 10 + (i * 7919) % 90;
        let birth = date(
            REFERENCE_DATE.0 - age as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        );
        let district = ["北部", "中部", "南部"][(i * 31) % 3];
        let sex = 1 + (i * 13) % 2;
        text.push_str(&format!(
            "R{i:07},住民{i},須坂市{i}番地,{birth},{sex},{district}\n"
        ));
    }
    let columns = ColumnMapping {
        resident_id: "id".into(),
        name: vec!["name".into()],
        address: vec!["address".into()],
        postal_code: None,
        birth_date: "birth".into(),
        sex: Some("sex".into()),
        district: Some("district".into()),
        exclude: None,
    };
    read_register_bytes(text.as_bytes(), &ImportOptions::new(columns))
        .expect("synthetic register is valid")
        .records
}

fn district_by_age_design() -> FrameDesign {
    FrameDesign::new(
        Eligibility::new(reference()),
        Some(
            "16-29,30-49,50-69,70-"
                .parse::<AgeBands>()
                .expect("valid bands"),
        ),
        vec![StratumVariable::District, StratumVariable::AgeBand],
    )
    .expect("valid design")
}

fn population(frame: &Frame) -> Vec<StratumPopulation> {
    frame
        .strata
        .iter()
        .map(|s| StratumPopulation {
            label: s.label.clone(),
            population: s.population,
        })
        .collect()
}

fn candidate(id: &str, birth: NaiveDate, excluded: bool) -> FrameCandidate<'_> {
    FrameCandidate {
        resident_id: id,
        birth_date: birth,
        sex: Some(Sex::Female),
        district: Some("北部"),
        excluded,
    }
}

#[test]
fn eligibility_on_the_reference_date_follows_the_japanese_age_law() {
    // Reference date 2022-12-01, minimum age 16.
    let residents = [
        candidate("a", date(2006, 12, 2), false), // 16th birthday is D + 1: eligible
        candidate("b", date(2006, 12, 3), false), // 16th birthday is D + 2: too young
        candidate("c", date(2006, 12, 1), false), // 16 on D: eligible
        candidate("d", date(1950, 5, 5), true),   // excluded by flag
        candidate("e", date(2023, 1, 1), false),  // born after D
        candidate("f", date(1906, 12, 2), false), // 116: eligible
    ];
    let design = FrameDesign::new(Eligibility::new(reference()), None, vec![]).expect("valid");
    let frame = Frame::build(residents, design).expect("frame");
    let ids: Vec<&str> = frame.units.iter().map(|u| u.resident_id.as_str()).collect();
    assert_eq!(ids, ["a", "c", "f"]);
    assert_eq!(frame.counts.too_young, 1);
    assert_eq!(frame.counts.excluded, 1);
    assert_eq!(frame.counts.not_yet_born, 1);
    assert_eq!(frame.counts.eligible, 3);
    assert_eq!(frame.units[0].age, 16);
}

#[test]
fn a_leap_day_birth_is_sixteen_on_28_february() {
    let residents = [candidate("leap", date(2008, 2, 29), false)];
    let on = |d| FrameDesign::new(Eligibility::new(d), None, vec![]).expect("valid");
    assert!(Frame::build(residents, on(date(2024, 2, 28))).is_ok());
    assert!(matches!(
        Frame::build(residents, on(date(2024, 2, 27))),
        Err(FrameError::Empty { .. })
    ));
}

#[test]
fn strata_are_in_display_order_with_their_populations() {
    let register = synthetic_register(3000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let labels: Vec<&str> = frame.strata.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "中部 × 16-29",
            "中部 × 30-49",
            "中部 × 50-69",
            "中部 × 70+",
            "北部 × 16-29",
            "北部 × 30-49",
            "北部 × 50-69",
            "北部 × 70+",
            "南部 × 16-29",
            "南部 × 30-49",
            "南部 × 50-69",
            "南部 × 70+",
        ]
    );
    let mut expected: HashMap<String, u64> = HashMap::new();
    for record in &register {
        let age = tsunagari::sampling::age::age_on(record.birth_date, reference()).expect("born");
        if age < 16 {
            continue;
        }
        let band = match age {
            16..=29 => "16-29",
            30..=49 => "30-49",
            50..=69 => "50-69",
            _ => "70+",
        };
        let district = record.district.as_deref().expect("district");
        *expected.entry(format!("{district} × {band}")).or_default() += 1;
    }
    for stratum in &frame.strata {
        assert_eq!(
            stratum.population, expected[&stratum.label],
            "{}",
            stratum.label
        );
    }
    assert_eq!(frame.population(), expected.values().sum::<u64>());
}

#[test]
fn a_stratum_variable_without_data_is_refused() {
    let residents = [FrameCandidate {
        district: None,
        ..candidate("a", date(1980, 1, 1), false)
    }];
    let design = FrameDesign::new(
        Eligibility::new(reference()),
        None,
        vec![StratumVariable::District],
    )
    .expect("valid");
    assert!(matches!(
        Frame::build(residents, design),
        Err(FrameError::MissingValue {
            variable: StratumVariable::District,
            count: 1,
            ..
        })
    ));
    assert!(matches!(
        FrameDesign::new(
            Eligibility::new(reference()),
            None,
            vec![StratumVariable::AgeBand]
        ),
        Err(FrameError::AgeBandsMissing)
    ));
}

fn draw(frame: &Frame, total: u64, seed: u64) -> Sample {
    let allocation = allocate(
        &population(frame),
        &AllocationMethod::Proportional { total, minimum: 5 },
    )
    .expect("feasible allocation");
    draw_sample(frame, &allocation, Seed(seed)).expect("draw")
}

#[test]
fn the_sample_has_exactly_the_allocated_number_in_each_stratum_and_carries_the_design() {
    let register = synthetic_register(5000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let allocation = allocate(
        &population(&frame),
        &AllocationMethod::Proportional {
            total: 400,
            minimum: 5,
        },
    )
    .expect("feasible");
    let sample = draw_sample(&frame, &allocation, Seed(20221201)).expect("draw");
    assert_eq!(sample.units.len(), 400);
    let mut counts = vec![0u64; frame.strata.len()];
    for unit in &sample.units {
        counts[unit.stratum] += 1;
        let stratum = &frame.strata[unit.stratum];
        assert_eq!(unit.population, stratum.population);
        assert_eq!(unit.size, allocation.strata[unit.stratum].size);
        assert_eq!(
            unit.base_weight(),
            stratum.population as f64 / unit.size as f64
        );
        // The unit is really a member of the stratum it is recorded in.
        let member = frame
            .units
            .iter()
            .find(|u| u.resident_id == unit.resident_id)
            .expect("sampled unit is in the frame");
        assert_eq!(member.stratum, unit.stratum);
        assert_eq!(
            register[unit.source_index].resident_id.as_str(),
            unit.resident_id
        );
    }
    let allocated: Vec<u64> = allocation.strata.iter().map(|s| s.size).collect();
    assert_eq!(counts, allocated);
    let mut ids: Vec<&str> = sample
        .units
        .iter()
        .map(|u| u.resident_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 400, "no resident is drawn twice");
    // Base weights of the sample add up to the frame size in every stratum.
    for (h, stratum) in sample.strata.iter().enumerate() {
        let weight_sum: f64 = sample
            .units
            .iter()
            .filter(|u| u.stratum == h)
            .map(|u| u.base_weight())
            .sum();
        assert!((weight_sum - stratum.population as f64).abs() < 1e-9);
    }
    let summary = sample.summary_csv();
    assert!(summary.starts_with("\u{FEFF}stratum,N_h,n_h,pi_h,base_weight\r\n"));
    assert_eq!(summary.lines().count(), frame.strata.len() + 1);
}

#[test]
fn the_same_frame_design_and_seed_give_the_same_sample_whatever_the_input_order() {
    let register = synthetic_register(4000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let reversed = Frame::build(
        register.iter().rev().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let ids = |sample: &Sample| -> Vec<String> {
        sample.units.iter().map(|u| u.resident_id.clone()).collect()
    };
    let first = draw(&frame, 300, 42);
    assert_eq!(ids(&first), ids(&draw(&frame, 300, 42)));
    assert_eq!(ids(&first), ids(&draw(&reversed, 300, 42)));
    assert_ne!(ids(&first), ids(&draw(&frame, 300, 43)));
    assert_eq!(first.seed, Seed(42));
}

#[test]
fn a_stratum_sample_does_not_depend_on_the_other_strata() {
    let register = synthetic_register(4000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let north_only: Vec<&RegisterRecord> = register
        .iter()
        .filter(|r| r.district.as_deref() == Some("北部"))
        .collect();
    let north_frame = Frame::build(
        north_only.iter().map(|r| FrameCandidate::from(*r)),
        district_by_age_design(),
    )
    .expect("frame");
    let sizes =
        |frame: &Frame| -> Vec<u64> { frame.strata.iter().map(|s| s.population.min(20)).collect() };
    let explicit = |frame: &Frame| {
        AllocationMethod::Explicit(
            frame
                .strata
                .iter()
                .zip(sizes(frame))
                .map(|(s, size)| tsunagari::sampling::allocation::ExplicitSize {
                    label: s.label.clone(),
                    size,
                    line: 0,
                })
                .collect(),
        )
    };
    let all = draw_sample(
        &frame,
        &allocate(&population(&frame), &explicit(&frame)).expect("feasible"),
        Seed(7),
    )
    .expect("draw");
    let north = draw_sample(
        &north_frame,
        &allocate(&population(&north_frame), &explicit(&north_frame)).expect("feasible"),
        Seed(7),
    )
    .expect("draw");
    let north_ids = |sample: &Sample| -> Vec<String> {
        sample
            .units
            .iter()
            .filter(|u| sample.strata[u.stratum].label.starts_with("北部"))
            .map(|u| u.resident_id.clone())
            .collect()
    };
    assert_eq!(north_ids(&all), north_ids(&north));
}

#[test]
fn an_allocation_for_another_frame_is_refused() {
    let register = synthetic_register(2000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let mut strata = population(&frame);
    strata[0].population += 1;
    let allocation = allocate(&strata, &AllocationMethod::Equal { total: 24 }).expect("feasible");
    assert!(draw_sample(&frame, &allocation, Seed(1)).is_err());
}

// ---------------------------------------------------------------------------------------
// Statistical tests of the draw.
//
// Why these are real tests: the draws use fixed seeds, so each statistic is one fixed
// number and the test is deterministic. But the seeds were not chosen after looking at the
// result: under a correct SRSWOR the statistic is a draw from the stated chi-square
// distribution, so a correct implementation passes with probability 1 − α for any seed set,
// while the biased samplers below (which are classic implementation mistakes) fail by a
// wide margin — the last two tests show that with the same harness.
// α = 0.001 two-sided: also fail when the counts are too even to be random.
// ---------------------------------------------------------------------------------------

const ALPHA: f64 = 0.001;
const REPLICATIONS: u64 = 4000;

fn chi_square_accepts(statistic: f64, degrees_of_freedom: f64) -> bool {
    let distribution = ChiSquared::new(degrees_of_freedom).expect("df > 0");
    let lower = distribution.inverse_cdf(ALPHA / 2.0);
    let upper = distribution.inverse_cdf(1.0 - ALPHA / 2.0);
    (lower..=upper).contains(&statistic)
}

/// For SRSWOR of n from N repeated R times, inclusion counts O_i have mean E = R n/N and
/// covariance R p(1−p) N/(N−1) (I − J/N) with p = n/N, so
/// Σ (O_i − E)² / (E (1 − p) N/(N − 1)) is approximately χ² with N − 1 degrees of freedom.
/// (The plain Pearson statistic would be too small by the factor (1 − p) N/(N − 1),
/// because each draw takes n distinct units.)
fn inclusion_statistic(counts: &[u64], n: u64, replications: u64) -> f64 {
    let population = counts.len() as f64;
    let p = n as f64 / population;
    let expected = replications as f64 * p;
    let scale = expected * (1.0 - p) * population / (population - 1.0);
    counts
        .iter()
        .map(|&o| (o as f64 - expected).powi(2) / scale)
        .sum()
}

/// Two strata of a small frame: 12 residents in 北部 and 8 in 南部.
fn small_frame() -> Frame {
    let ids: Vec<String> = (0..20).map(|i| format!("R{i:02}")).collect();
    let residents: Vec<FrameCandidate<'_>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| FrameCandidate {
            resident_id: id,
            birth_date: date(1970, 1, 1),
            sex: None,
            district: Some(if i < 12 { "北部" } else { "南部" }),
            excluded: false,
        })
        .collect();
    let design = FrameDesign::new(
        Eligibility::new(reference()),
        None,
        vec![StratumVariable::District],
    )
    .expect("valid");
    Frame::build(residents, design).expect("frame")
}

#[test]
fn inclusion_counts_over_many_seeded_draws_are_uniform_inside_each_stratum() {
    let frame = small_frame();
    // 北部 (12) gets 4, 南部 (8) gets 3.
    let sizes: HashMap<&str, u64> = [("北部", 4), ("南部", 3)].into();
    let allocation = allocate(
        &population(&frame),
        &AllocationMethod::Explicit(
            frame
                .strata
                .iter()
                .map(|s| tsunagari::sampling::allocation::ExplicitSize {
                    label: s.label.clone(),
                    size: sizes[s.label.as_str()],
                    line: 0,
                })
                .collect(),
        ),
    )
    .expect("feasible");
    let mut counts: HashMap<String, u64> = HashMap::new();
    for seed in 0..REPLICATIONS {
        let sample = draw_sample(&frame, &allocation, Seed(seed)).expect("draw");
        for unit in &sample.units {
            *counts.entry(unit.resident_id.clone()).or_default() += 1;
        }
    }
    let mut statistic = 0.0;
    let mut degrees_of_freedom = 0.0;
    for (h, stratum) in frame.strata.iter().enumerate() {
        let members: Vec<u64> = frame
            .units
            .iter()
            .filter(|u| u.stratum == h)
            .map(|u| counts.get(&u.resident_id).copied().unwrap_or(0))
            .collect();
        let n = sizes[stratum.label.as_str()];
        assert_eq!(members.iter().sum::<u64>(), n * REPLICATIONS);
        statistic += inclusion_statistic(&members, n, REPLICATIONS);
        degrees_of_freedom += (members.len() - 1) as f64;
    }
    assert!(
        chi_square_accepts(statistic, degrees_of_freedom),
        "chi-square {statistic:.2} on {degrees_of_freedom} df"
    );
}

/// Counts how often each 2-subset of 6 units is drawn, and the multinomial chi-square
/// statistic against "all 15 subsets equally likely" (14 df).
fn subset_statistic(mut draw_two_of_six: impl FnMut(u64) -> (u32, u32)) -> f64 {
    let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
    for seed in 0..REPLICATIONS {
        let (a, b) = draw_two_of_six(seed);
        *counts.entry((a.min(b), a.max(b))).or_default() += 1;
    }
    let expected = REPLICATIONS as f64 / 15.0;
    let mut statistic = 0.0;
    for a in 0..6 {
        for b in (a + 1)..6 {
            let observed = counts.get(&(a, b)).copied().unwrap_or(0) as f64;
            statistic += (observed - expected).powi(2) / expected;
        }
    }
    statistic
}

fn six_unit_frame() -> Frame {
    let ids = ["A", "B", "C", "D", "E", "F"];
    let residents = ids.map(|id| candidate(id, date(1970, 1, 1), false));
    Frame::build(
        residents,
        FrameDesign::new(Eligibility::new(reference()), None, vec![]).expect("valid"),
    )
    .expect("frame")
}

#[test]
fn every_subset_of_the_stratum_is_equally_likely_to_be_the_sample() {
    let frame = six_unit_frame();
    let allocation =
        allocate(&population(&frame), &AllocationMethod::Equal { total: 2 }).expect("feasible");
    let position: HashMap<&str, u32> = frame
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.resident_id.as_str(), i as u32))
        .collect();
    let statistic = subset_statistic(|seed| {
        let sample = draw_sample(&frame, &allocation, Seed(seed)).expect("draw");
        (
            position[sample.units[0].resident_id.as_str()],
            position[sample.units[1].resident_id.as_str()],
        )
    });
    assert!(
        chi_square_accepts(statistic, 14.0),
        "chi-square {statistic:.2} on 14 df"
    );
}

#[test]
fn the_uniformity_tests_reject_classic_sampling_mistakes() {
    // Sattolo's off-by-one (j drawn from i + 1 … N − 1): unit 0 is never kept at the front.
    let mut counts = vec![0u64; 12];
    for seed in 0..REPLICATIONS {
        let mut rng = stratum_rng(Seed(seed), "test");
        let mut units: Vec<usize> = (0..12).collect();
        for i in 0..4 {
            let j = i + 1 + uniform_below(&mut rng, (11 - i) as u64) as usize;
            units.swap(i, j);
        }
        for &unit in &units[..4] {
            counts[unit] += 1;
        }
    }
    assert!(!chi_square_accepts(
        inclusion_statistic(&counts, 4, REPLICATIONS),
        11.0
    ));

    // Systematic sampling with a random start: every unit has inclusion probability 1/3,
    // but only 3 of the 15 pairs can ever be drawn.
    let systematic = subset_statistic(|seed| {
        let start = uniform_below(&mut stratum_rng(Seed(seed), "test"), 3) as u32;
        (start, start + 3)
    });
    assert!(!chi_square_accepts(systematic, 14.0));

    // The real partial shuffle, driven the same way, passes.
    let correct = subset_statistic(|seed| {
        let mut units = [0u32, 1, 2, 3, 4, 5];
        let chosen = partial_shuffle(&mut units, 2, &mut stratum_rng(Seed(seed), "test"));
        (chosen[0], chosen[1])
    });
    assert!(
        chi_square_accepts(correct, 14.0),
        "chi-square {correct:.2} on 14 df"
    );
}

#[test]
fn an_edited_stratum_summary_reads_back_as_an_explicit_allocation() {
    let register = synthetic_register(3000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let sample = draw(&frame, 200, 5);
    let edited = sample.summary_csv().replacen(
        &format!(
            "{},{},{},",
            sample.strata[0].label, sample.strata[0].population, sample.strata[0].size
        ),
        &format!(
            "{},{},{},",
            sample.strata[0].label,
            sample.strata[0].population,
            sample.strata[0].size + 3
        ),
        1,
    );
    let sizes =
        tsunagari::sampling::allocation::parse_explicit_sizes(edited.as_bytes()).expect("readable");
    let allocation =
        allocate(&population(&frame), &AllocationMethod::Explicit(sizes)).expect("feasible");
    let expected: Vec<u64> = sample
        .strata
        .iter()
        .enumerate()
        .map(|(h, s)| if h == 0 { s.size + 3 } else { s.size })
        .collect();
    let got: Vec<u64> = allocation.strata.iter().map(|s| s.size).collect();
    assert_eq!(got, expected);
}

/// A sample pinned by value: 60 of the 4,000-person synthetic register, district × age band,
/// seed 20221201. A survey is reproduced from its recorded seed, so if a dependency upgrade
/// changed the random stream (ChaCha20 in `rand_chacha`) or the draw's order of work, the
/// same seed would silently give other residents; this test says so first. The ids were
/// recorded from this implementation when the test was written.
#[test]
fn seed_20221201_still_draws_the_residents_it_drew_when_recorded() {
    let register = synthetic_register(4000);
    let frame = Frame::build(
        register.iter().map(FrameCandidate::from),
        district_by_age_design(),
    )
    .expect("frame");
    let sample = draw(&frame, 60, 20221201);
    let ids: Vec<&str> = sample
        .units
        .iter()
        .map(|u| u.resident_id.as_str())
        .collect();
    assert_eq!(ids, PINNED_SAMPLE);
}

const PINNED_SAMPLE: [&str; 60] = [
    "R0001063", "R0001783", "R0002233", "R0002422", "R0003952", "R0000412", "R0000964", "R0002137",
    "R0002677", "R0002758", "R0000124", "R0000571", "R0002827", "R0002911", "R0003286", "R0001984",
    "R0002623", "R0002719", "R0002995", "R0003877", "R0000792", "R0002418", "R0003054", "R0003225",
    "R0003234", "R0000234", "R0000951", "R0001773", "R0002763", "R0003741", "R0000675", "R0001392",
    "R0001575", "R0002118", "R0002295", "R0000915", "R0002712", "R0002805", "R0003804", "R0003888",
    "R0001781", "R0001871", "R0003134", "R0003671", "R0003677", "R0000878", "R0000968", "R0001043",
    "R0001859", "R0002228", "R0000404", "R0000410", "R0000935", "R0002300", "R0002552", "R0000902",
    "R0000992", "R0002447", "R0002990", "R0003986",
];

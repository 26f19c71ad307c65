//! A drawn survey with synthetic answers for the planner tests: a synthetic register of
//! 3,000, a district-stratified sample of 300, and answers with real differences between
//! groups and a rare category.

use tsunagari::questionnaire::{Answer, Answers};

use super::{repo_path, TestDb};

/// The demo survey with a synthetic register of 3,000 and a district-stratified sample of
/// 300 drawn with `seed`; the survey id and the sampled access codes.
pub fn drawn_survey(db: &TestDb, seed: u64) -> (i64, Vec<String>) {
    let settings =
        tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    drawn_survey_of(db, &settings, seed)
}

/// Like [`drawn_survey`], for the survey of `settings`.
pub fn drawn_survey_of(
    db: &TestDb,
    settings: &tsunagari::survey::SurveySettings,
    seed: u64,
) -> (i64, Vec<String>) {
    let mut conn = db.conn();
    let survey =
        tsunagari::ops::surveys::create(&mut conn, &db.config().questionnaires_dir, settings)
            .unwrap();
    let csv = tsunagari::demo::synthetic_register(3000);
    let register = tsunagari::sampling::register::read_register_bytes(
        csv.as_bytes(),
        &tsunagari::sampling::register::ImportOptions::new(
            tsunagari::demo::synthetic_register_columns(),
        ),
    )
    .unwrap();
    tsunagari::db::frame::store(&mut conn, survey.id, "register.csv", &register).unwrap();
    let plan = tsunagari::ops::sample::DrawPlan {
        eligibility: tsunagari::sampling::age::Eligibility::new(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        ),
        strata_by: vec![tsunagari::sampling::strata::StratumVariable::District],
        age_bands: "16-29,30-39,...,80-".parse().unwrap(),
        method: tsunagari::sampling::allocation::AllocationMethod::Proportional {
            total: 300,
            minimum: 10,
        },
        seed: tsunagari::sampling::draw::Seed(seed),
        replace: false,
    };
    tsunagari::ops::sample::draw(&mut conn, survey.id, &plan).unwrap_or_else(|e| panic!("{e:?}"));
    let sample = tsunagari::db::sample::find(&mut conn, survey.id)
        .unwrap()
        .unwrap();
    let codes = tsunagari::db::sample::outcomes(&mut conn, sample.id)
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect();
    drop(conn);
    super::grant_every_survey(db);
    (survey.id, codes)
}

/// The answers of respondent `i`: loneliness follows living alone and health, so the tests
/// have real differences to find; marital status 「離別」 is rare (a cell under ten).
pub fn answers_of(i: usize) -> Answers {
    let mut a = Answers::new();
    let alone = i.is_multiple_of(4);
    let poor_health = i.is_multiple_of(5);
    let lonely = (alone && i % 3 != 2)
        || (poor_health && i.is_multiple_of(2))
        || i.is_multiple_of(17)
        || i % 80 == 7;
    a.insert(
        "direct",
        Answer::Choice(if lonely { 5 } else { 1 + (i % 3) as u32 }),
    );
    a.insert(
        "household_size",
        Answer::Number(if alone { 1.0 } else { 3.0 }),
    );
    a.insert(
        "health",
        Answer::Choice(if poor_health { 3 } else { 1 + (i % 2) as u32 }),
    );
    a.insert(
        "marital_status",
        Answer::Choice(if i % 40 == 7 { 4 } else { 1 + (i % 3) as u32 }),
    );
    if !i.is_multiple_of(23) {
        for (k, item) in ["ucla_1", "ucla_2", "ucla_3"].iter().enumerate() {
            let points = if lonely { 4 } else { 1 + ((i + k) % 3) as u32 };
            a.insert(*item, Answer::Choice(points));
        }
    }
    a
}

pub fn submit(db: &TestDb, survey_id: i64, code: &str, answers: &Answers) {
    let mut conn = db.conn();
    let code = tsunagari::sampling::access_code::AccessCode::parse(code).unwrap();
    let (code_id, _) = tsunagari::db::codes::find(&mut conn, &code)
        .unwrap()
        .unwrap();
    let r =
        tsunagari::db::responses::start_or_resume_online(&mut conn, survey_id, code_id).unwrap();
    tsunagari::db::responses::submit(
        &mut conn,
        r.id,
        r.version,
        &serde_json::to_string(answers).unwrap(),
        false,
    )
    .unwrap();
}

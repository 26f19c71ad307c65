//! `tsunagari demo`: a ready-to-try survey with codes and a staff login, then the site.

use std::path::PathBuf;

use clap::Args;

use super::{codes, connection, with_database, CliError, CliResult};
use crate::auth::{self, Role};
use crate::db;
use crate::sampling::access_code::AccessCode;
use crate::survey::SurveySettings;

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo survey file.
    #[arg(long, default_value = "surveys/demo.toml")]
    pub survey_file: PathBuf,
    /// The demo open questionnaire (answered through one public link, no codes).
    #[arg(long, default_value = "surveys/gatekeeper-demo.toml")]
    pub open_survey_file: PathBuf,
    /// Set up and print, but do not start the server.
    #[arg(long)]
    pub no_serve: bool,
}

/// The stored survey of a survey file, created on the first run.
fn find_or_create(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    settings: &SurveySettings,
) -> Result<db::surveys::SurveyRow, CliError> {
    match db::surveys::find_by_slug(conn, &settings.slug)? {
        Some(existing) => Ok(existing),
        None => super::surveys::create(conn, config, settings),
    }
}

/// Sign-in name of the demo administrator.
pub const DEMO_ADMIN: &str = "demo-admin";

/// Creates (or reuses) the demo survey, makes sure it has unused codes, resets the demo
/// admin's password, prints how to try it, and serves.
pub fn run(args: &DemoArgs) -> CliResult {
    let (pool, config, _) = with_database()?;
    let settings =
        SurveySettings::load(&args.survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut conn = connection(&pool)?;
    let survey = find_or_create(&mut conn, &config, &settings)?;
    let open_settings =
        SurveySettings::load(&args.open_survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    find_or_create(&mut conn, &config, &open_settings)?;
    if let Some(letter) = &settings.letter {
        db::sample::set_letter(&mut conn, survey.id, &letter.to_json())?;
    }
    let drew_sample = demo_sample(&mut conn, survey.id)?;
    let questionnaire = crate::questionnaire::Catalogue::load(&config.questionnaires_dir)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .for_survey(&settings.questionnaire, &settings.modules)
        .map_err(CliError::Usage)?;
    let answered = demo_responses(&mut conn, survey.id, &questionnaire)?;
    let mut unused = db::codes::unused(&mut conn, survey.id, 5)?;
    if unused.len() < 5 {
        codes::issue(&mut conn, survey.id, 20)?;
        unused = db::codes::unused(&mut conn, survey.id, 5)?;
    }
    let password = super::accounts::generate_password();
    let hash = auth::hash_password(&password).map_err(|e| CliError::Failed(e.into()))?;
    match db::users::find_by_username(&mut conn, DEMO_ADMIN)? {
        Some(user) => db::users::set_password(&mut conn, user.id, &hash)?,
        None => {
            db::users::create(&mut conn, DEMO_ADMIN, "デモ管理者", &hash, Role::Admin)?;
        }
    }
    drop(conn);

    let base = &config.base_url;
    println!();
    println!(
        "tsunagari demo — {} ({})",
        settings.title.ja,
        config.database.describe()
    );
    println!();
    println!("  Residents: open {base}/ and type one of these access codes,");
    println!("  or open the link (what the QR code on a letter carries):");
    for code in &unused {
        let code = AccessCode::parse(code)
            .map(|c| c.grouped())
            .unwrap_or_else(|_| code.clone());
        println!("    {code}    {base}/c/{code}");
    }
    println!();
    println!(
        "  Open questionnaire (anyone with the link, e.g. after a training session): {base}/o/{}",
        open_settings.slug
    );
    println!();
    println!("  Staff:     {base}/login   user {DEMO_ADMIN}   password {password}");
    if drew_sample {
        println!(
            "  Letters:   {base}/staff/surveys/{}/letters   ({DEMO_SAMPLE_SIZE} residents drawn from a synthetic register of {DEMO_REGISTER_SIZE})",
            settings.slug
        );
        println!(
            "  Results:   {base}/planner/{}/estimates   ({answered} synthetic respondents answered)",
            settings.slug
        );
    }
    println!();
    if args.no_serve {
        return Ok(());
    }
    super::serve::start(pool, config)
}

/// Residents in the demo's synthetic register.
pub const DEMO_REGISTER_SIZE: usize = 4_000;

/// Residents the demo draws.
pub const DEMO_SAMPLE_SIZE: u64 = 600;

/// Sampled codes the demo leaves unanswered for people trying it (the printed ones first).
const DEMO_KEPT_FREE: usize = 20;

/// The districts of the demo city (as in the national questionnaire's F9).
const DEMO_DISTRICTS: [&str; 10] = [
    "中央地区",
    "北部地区",
    "東部地区",
    "西部地区",
    "南部地区",
    "旭ヶ丘地区",
    "川原地区",
    "山手地区",
    "緑が丘地区",
    "港地区",
];

/// Gives the demo survey a synthetic register and a sample of DEMO_SAMPLE_SIZE (stratified by district,
/// seed 20261201) unless it already has a frame. The register is the same on every run.
/// Returns whether the survey has a sample.
fn demo_sample(conn: &mut db::DbConnection, survey_id: i64) -> Result<bool, CliError> {
    if db::frame::import_info(conn, survey_id)?.is_some() {
        return Ok(db::sample::find(conn, survey_id)?.is_some());
    }
    let csv = synthetic_register(DEMO_REGISTER_SIZE);
    let columns = crate::sampling::register::ColumnMapping {
        resident_id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into()],
        postal_code: Some("郵便番号".into()),
        birth_date: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: None,
    };
    let register = crate::sampling::register::read_register_bytes(
        csv.as_bytes(),
        &crate::sampling::register::ImportOptions::new(columns),
    )
    .map_err(|e| CliError::Failed(anyhow::anyhow!("the demo register: {e}")))?;
    db::frame::store(conn, survey_id, "demo-register.csv", &register)?;
    let plan = super::sample::DrawPlan {
        eligibility: crate::sampling::age::Eligibility::new(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid date"),
        ),
        strata_by: vec![crate::sampling::strata::StratumVariable::District],
        age_bands: "16-29,30-39,...,80-"
            .parse()
            .map_err(|e| CliError::Failed(anyhow::anyhow!("demo age bands: {e}")))?,
        method: crate::sampling::allocation::AllocationMethod::Proportional {
            total: DEMO_SAMPLE_SIZE,
            minimum: 10,
        },
        seed: crate::sampling::draw::Seed(20261201),
        replace: false,
    };
    let outcome = super::sample::draw(conn, survey_id, &plan)?;
    // The demo's answers stand for letters that went out: the sample is final, and the
    // letters page shows the letters straight away.
    db::sample::mark_letters_printed(conn, outcome.sample.id)?;
    Ok(true)
}

/// Synthetic submitted answers from about 60% of the sampled residents (never from the first
/// DEMO_KEPT_FREE codes, which stay free for people trying the demo), so that the planner
/// pages have something to show. Runs once: nothing is added when the survey has responses.
/// Returns how many responses the survey has.
fn demo_responses(
    conn: &mut db::DbConnection,
    survey_id: i64,
    questionnaire: &crate::questionnaire::Questionnaire,
) -> Result<i64, CliError> {
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    let (in_progress, submitted) = db::responses::counts(conn, survey_id)?;
    let Some(sample) = db::sample::find(conn, survey_id)? else {
        return Ok(submitted);
    };
    if in_progress + submitted > 0 {
        return Ok(submitted);
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20261201);
    let mut count = 0;
    for unit in db::sample::outcomes(conn, sample.id)?
        .into_iter()
        .skip(DEMO_KEPT_FREE)
    {
        if rng.gen_range(0..100) >= 60 {
            continue;
        }
        let code = AccessCode::parse(&unit.code)
            .map_err(|e| CliError::Failed(anyhow::anyhow!("demo code {}: {e}", unit.code)))?;
        let Some((code_id, _)) = db::codes::find(conn, &code)? else {
            continue;
        };
        let answers = synthetic_answers(questionnaire, &mut rng);
        let json = serde_json::to_string(&answers).map_err(|e| CliError::Failed(e.into()))?;
        let response = db::responses::start_or_resume_online(conn, survey_id, code_id)?;
        let distress = questionnaire.is_distressed(&answers);
        db::responses::submit(conn, response.id, response.version, &json, distress)?;
        count += 1;
    }
    Ok(count)
}

/// A plausible respondent: a loneliness level drawn from the national distribution of the
/// direct question, UCLA items that agree with it, K6 items mostly low, and every other shown
/// question answered at random. Deterministic for a given `rng`.
fn synthetic_answers(
    q: &crate::questionnaire::Questionnaire,
    rng: &mut rand_chacha::ChaCha20Rng,
) -> crate::questionnaire::Answers {
    use crate::questionnaire::{Answer, Answers, MissingReason, Response};
    use rand::Rng;
    // 決してない, ほとんどない, たまにある, 時々ある, しばしばある・常にある (national 2023, %).
    const DIRECT: [(u32, u32); 5] = [(1, 18), (2, 41), (3, 20), (4, 15), (5, 6)];
    let mut roll = rng.gen_range(0..100);
    let mut level = 2;
    for (code, share) in DIRECT {
        if roll < share {
            level = code;
            break;
        }
        roll -= share;
    }
    let mut answers = Answers::new();
    let mut page = q.visible_pages(&answers).first().copied();
    while let Some(index) = page {
        for question in q.page_questions(index) {
            if !q.is_shown(&question.id, &answers) {
                continue;
            }
            let options = question.response.options();
            let answer = match &question.response {
                _ if question.id == "direct" => Answer::Choice(level),
                Response::Single { .. } if question.id.starts_with("ucla_") => {
                    let centre = 1 + (i64::from(level) - 1) * 3 / 4;
                    let code = (centre + rng.gen_range(-1..=1)).clamp(1, options.len() as i64);
                    Answer::Choice(code as u32)
                }
                Response::Single { .. } if question.id.starts_with("k6_") => {
                    // The smaller of two draws: most people report little distress.
                    let pick = rng
                        .gen_range(0..options.len())
                        .min(rng.gen_range(0..options.len()));
                    Answer::Choice(options[pick].code)
                }
                Response::Single { .. } => {
                    Answer::Choice(options[rng.gen_range(0..options.len())].code)
                }
                Response::Multiple { .. } => {
                    let plain: Vec<_> = options.iter().filter(|o| !o.exclusive).collect();
                    match plain.is_empty() {
                        true => Answer::Choices(vec![options[0].code]),
                        false => Answer::Choices(vec![plain[rng.gen_range(0..plain.len())].code]),
                    }
                }
                Response::Number { min, max, .. } => {
                    Answer::Number((min + f64::from(rng.gen_range(0..4u8))).min(*max))
                }
                Response::Text { .. } => Answer::Missing(MissingReason::NoAnswer),
            };
            answers.insert(question.id.clone(), answer);
        }
        page = q.next_page(index, &answers);
    }
    answers
}

/// A deterministic synthetic register extract (UTF-8 CSV) of `rows` residents of the demo
/// city: names, addresses, postal codes, era-form birth dates, sex codes, districts.
pub fn synthetic_register(rows: usize) -> String {
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    const FAMILY: [&str; 16] = [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "山本",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山田",
        "佐々木",
        "松本",
        "井上",
        "木村",
    ];
    const MALE: [&str; 8] = ["翔太", "健一", "大輔", "誠", "浩二", "蓮", "隆", "勇気"];
    const FEMALE: [&str; 8] = [
        "花子",
        "陽子",
        "美咲",
        "恵子",
        "結衣",
        "由美",
        "さくら",
        "幸子",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut csv = String::from("住民番号,氏,名,郵便番号,住所,生年月日,性別,地区\n");
    for i in 0..rows {
        let district = rng.gen_range(0..DEMO_DISTRICTS.len());
        let male = rng.gen_bool(0.48);
        let year = rng.gen_range(1930..2012);
        let month = rng.gen_range(1..=12);
        let day = rng.gen_range(1..=28);
        let given = if male {
            MALE[rng.gen_range(0..MALE.len())]
        } else {
            FEMALE[rng.gen_range(0..FEMALE.len())]
        };
        let birth = match year {
            1930..=1988 => format!("昭和{}年{month}月{day}日", year - 1925),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        csv.push_str(&format!(
            "{:07},{},{},390-08{:02},デモ市{}{}丁目{}番{}号,{birth},{},{}\n",
            100_001 + i,
            FAMILY[rng.gen_range(0..FAMILY.len())],
            given,
            district + 10,
            DEMO_DISTRICTS[district].trim_end_matches("地区"),
            rng.gen_range(1..=5),
            rng.gen_range(1..=20),
            rng.gen_range(1..=30),
            if male { 1 } else { 2 },
            DEMO_DISTRICTS[district],
        ));
    }
    csv
}

//! `tsunagari demo`: a ready-to-try survey with codes and a staff login, then the site.

mod synthetic;

use std::path::PathBuf;

use clap::Args;

use super::{codes, connection, with_database, CliError, CliResult};
use crate::auth::{self, Role};
use crate::db;
use crate::db::contact_requests::ContactOutcome;
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
    /// Residents in the synthetic register [default: 4000]. Any of --register, --sample and
    /// --responses builds a survey with complete, realistic answers to every item
    /// (online and paper, some item nonresponse); without them the demo is as it always was.
    #[arg(long, value_name = "N")]
    pub register: Option<usize>,
    /// Residents drawn (stratified by district) [default: 600].
    #[arg(long, value_name = "M")]
    pub sample: Option<u64>,
    /// Sampled residents who answered [default: about 60% of the sample].
    #[arg(long, value_name = "K")]
    pub responses: Option<usize>,
    /// The database to build the demo in (a SQLite file path or postgres://…); overrides
    /// DATABASE_URL.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// The size of the demo survey asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DemoSize {
    register: usize,
    sample: u64,
    /// `None`: the original demo (about 60% of the sample, simple synthetic answers).
    responses: Option<usize>,
}

impl DemoSize {
    fn from_args(args: &DemoArgs) -> Result<DemoSize, CliError> {
        let register = args.register.unwrap_or(DEMO_REGISTER_SIZE);
        let sample = args.sample.unwrap_or(DEMO_SAMPLE_SIZE);
        let custom = args.register.is_some() || args.sample.is_some() || args.responses.is_some();
        let free = sample.saturating_sub(DEMO_KEPT_FREE as u64) as usize;
        let responses = custom.then(|| args.responses.unwrap_or(free * 3 / 5));
        if sample as usize > register {
            return Err(CliError::Usage(format!(
                "--sample {sample} is larger than the register (--register {register})"
            )));
        }
        if let Some(k) = responses {
            if k > free {
                return Err(CliError::Usage(format!(
                    "--responses {k} is more than the sample leaves: {free} ({sample} sampled, of whom the first {DEMO_KEPT_FREE} stay free for people trying the demo)"
                )));
            }
        }
        Ok(DemoSize {
            register,
            sample,
            responses,
        })
    }

    /// The command-line options that ask for this size.
    fn options(&self) -> String {
        let mut text = format!("--register {} --sample {}", self.register, self.sample);
        if let Some(k) = self.responses {
            text.push_str(&format!(" --responses {k}"));
        }
        text
    }
}

/// The pool and configuration: `--database` if given, else DATABASE_URL (migrated).
fn open_database(args: &DemoArgs) -> Result<(db::Pool, crate::config::Config), CliError> {
    let Some(raw) = &args.database else {
        let (pool, config, _) = with_database()?;
        return Ok((pool, config));
    };
    let mut config = crate::config::Config::from_env().map_err(CliError::Usage)?;
    config.database = crate::config::DatabaseUrl::parse(raw).map_err(CliError::Usage)?;
    let pool = db::connect_with(&config.database, config.sqlite_synchronous)?;
    db::migrate(&pool)?;
    Ok((pool, config))
}

/// The refusal when the database already holds a demo of another size: nothing is changed.
fn different_demo(config: &crate::config::Config, existing: &str, wanted: &DemoSize) -> CliError {
    let file = match wanted.responses {
        Some(k) => format!("data/demo-{k}.sqlite3"),
        None => "data/demo.sqlite3".into(),
    };
    CliError::Usage(format!(
        "the demo survey on {} already has {existing}, not what {} asks for; nothing was changed. \
         Build that demo on a fresh database: DATABASE_URL={file} tsunagari demo {} \
         (or --database {file}), or run `tsunagari demo` without size options to use the one there.",
        config.database.describe(),
        wanted.options(),
        wanted.options(),
    ))
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

/// Participants of the demo's training evaluation, so that its results page has numbers.
const DEMO_OPEN_RESPONSES: usize = 24;

/// Answers the demo's open questionnaire for [`DEMO_OPEN_RESPONSES`] synthetic participants
/// once (a fixed seed: the same answers every time). Returns how many it has.
fn demo_open_responses(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    settings: &SurveySettings,
    survey_id: i64,
) -> Result<i64, CliError> {
    let (_, submitted) = db::responses::counts(conn, survey_id)?;
    if submitted > 0 {
        return Ok(submitted);
    }
    let questionnaire = crate::questionnaire::Catalogue::load(&config.questionnaires_dir)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .for_survey(&settings.questionnaire, &settings.modules)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(2026);
    for _ in 0..DEMO_OPEN_RESPONSES {
        let answers = synthetic::open_answers(&questionnaire, &mut rng);
        synthetic::check(&questionnaire, &answers).map_err(|e| {
            CliError::Failed(anyhow::anyhow!("demo open questionnaire answers: {e}"))
        })?;
        let json = serde_json::to_string(&answers).map_err(|e| CliError::Failed(e.into()))?;
        let response = db::responses::start_anonymous(conn, survey_id)?;
        db::responses::submit(conn, response.id, response.version, &json, false)?;
    }
    Ok(DEMO_OPEN_RESPONSES as i64)
}

/// A fictional resident who asked to be contacted, and what the window did so far.
struct DemoRequest {
    form: [&'static str; 5],
    days_ago: i64,
    outcome: Option<ContactOutcome>,
}

/// The demo's requests; `form` is name, phone, e-mail, good times, note.
const DEMO_CONTACT_REQUESTS: [DemoRequest; 3] = [
    DemoRequest {
        form: [
            "",
            "090-0000-0001",
            "",
            "平日の夕方",
            "最近ずっと一人で過ごしています。",
        ],
        days_ago: 4,
        outcome: None,
    },
    DemoRequest {
        form: ["みどり", "", "midori@example.jp", "", ""],
        days_ago: 1,
        outcome: Some(ContactOutcome::NotReached),
    },
    DemoRequest {
        form: ["山田", "026-000-0002", "", "午前中", ""],
        days_ago: 2,
        outcome: Some(ContactOutcome::Reached),
    },
];

/// Makes the demo's fictional contact requests once (the queue at `/consult/…` is then not
/// empty): one overdue, one not reached yet, one contacted. Returns how many the survey has.
fn demo_contact_requests(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    survey_id: i64,
    admin_id: i64,
) -> Result<usize, CliError> {
    let survey = crate::survey::Survey::try_from(db::surveys::find(conn, survey_id)?)
        .map_err(|e| CliError::Failed(e.into()))?;
    if survey.consultation.is_none() {
        return Ok(0);
    }
    let existing = db::contact_requests::list(conn, survey_id)?.len();
    if existing > 0 {
        return Ok(existing);
    }
    use crate::ops::consultation::{self, ContactForm, RequestContext, StaffAction};
    for DemoRequest {
        form: [name, phone, email, good_times, message],
        days_ago,
        outcome,
    } in DEMO_CONTACT_REQUESTS
    {
        let details = ContactForm {
            name: name.into(),
            phone: phone.into(),
            email: email.into(),
            good_times: good_times.into(),
            message: message.into(),
            consent: true,
        }
        .check(crate::questionnaire::Lang::Ja)
        .map_err(|problems| {
            CliError::Failed(anyhow::anyhow!(
                "demo contact request: {:?}",
                problems.fields
            ))
        })?;
        let at = db::now() - chrono::Duration::days(days_ago);
        let token = auth::random_token();
        let context = RequestContext {
            survey: &survey,
            distress: true,
            session_token: &token,
            lang: crate::questionnaire::Lang::Ja,
            base_url: &config.base_url,
            now: at,
        };
        consultation::request_contact(conn, &context, &details)
            .map_err(|e| CliError::Failed(e.into()))?;
        if let Some(outcome) = outcome {
            let id = db::contact_requests::list(conn, survey_id)?
                .iter()
                .map(|r| r.id)
                .max()
                .unwrap_or_default();
            consultation::record(
                conn,
                survey_id,
                id,
                admin_id,
                StaffAction::Contact(outcome),
                "デモの記録です。",
                at + chrono::Duration::hours(3),
            )
            .map_err(|e| CliError::Failed(e.into()))?;
        }
    }
    Ok(DEMO_CONTACT_REQUESTS.len())
}

/// Sign-in name of the demo administrator.
pub const DEMO_ADMIN: &str = "demo-admin";

/// Creates (or reuses) the demo survey, makes sure it has unused codes, resets the demo
/// admin's password, prints how to try it, and serves.
pub fn run(args: &DemoArgs) -> CliResult {
    let size = DemoSize::from_args(args)?;
    let custom = args.register.is_some() || args.sample.is_some() || args.responses.is_some();
    let (pool, config) = open_database(args)?;
    let settings =
        SurveySettings::load(&args.survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut conn = connection(&pool)?;
    let survey = find_or_create(&mut conn, &config, &settings)?;
    let open_settings =
        SurveySettings::load(&args.open_survey_file).map_err(|e| CliError::Usage(e.to_string()))?;
    let open_survey = find_or_create(&mut conn, &config, &open_settings)?;
    let open_answered = demo_open_responses(&mut conn, &config, &open_settings, open_survey.id)?;
    if let Some(letter) = &settings.letter {
        db::sample::set_letter(&mut conn, survey.id, &letter.to_json())?;
    }
    if custom {
        check_existing(&mut conn, &config, survey.id, &size)?;
    }
    let drew_sample = demo_sample(&mut conn, survey.id, &size)?;
    let questionnaire = crate::questionnaire::Catalogue::load(&config.questionnaires_dir)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .for_survey(&settings.questionnaire, &settings.modules)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let password = super::accounts::generate_password();
    let hash = auth::hash_password(&password).map_err(|e| CliError::Failed(e.into()))?;
    let admin_id = match db::users::find_by_username(&mut conn, DEMO_ADMIN)? {
        Some(user) => {
            db::users::set_password(&mut conn, user.id, &hash)?;
            user.id
        }
        None => db::users::create(&mut conn, DEMO_ADMIN, "デモ管理者", &hash, Role::Admin)?.id,
    };
    let mut realistic = None;
    let answered = match size.responses {
        None => demo_responses(&mut conn, survey.id, &questionnaire, admin_id)?,
        Some(k) => {
            let started = std::time::Instant::now();
            let made = realistic_responses(&mut conn, survey.id, &questionnaire, k, admin_id)?;
            realistic = made.map(|made| (made, started.elapsed()));
            db::responses::counts(&mut conn, survey.id)?.1
        }
    };
    let contact_requests = demo_contact_requests(&mut conn, &config, survey.id, admin_id)?;
    let mut unused = db::codes::unused(&mut conn, survey.id, 5)?;
    if unused.len() < 5 {
        codes::issue(&mut conn, survey.id, 20)?;
        unused = db::codes::unused(&mut conn, survey.id, 5)?;
    }
    let (register_size, sample_size) = match (
        db::frame::import_info(&mut conn, survey.id)?,
        db::sample::find(&mut conn, survey.id)?,
    ) {
        (Some(frame), Some(sample)) => (frame.row_count, sample.sample_size),
        _ => (size.register as i64, size.sample as i64),
    };
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
    println!(
        "             results ({open_answered} synthetic participants): {base}/planner/{}   link and QR code: {base}/staff/surveys/{}/link",
        open_settings.slug, open_settings.slug
    );
    println!();
    println!("  Staff:     {base}/login   user {DEMO_ADMIN}   password {password}");
    if drew_sample {
        println!(
            "  Letters:   {base}/staff/surveys/{}/letters   ({sample_size} residents drawn from a synthetic register of {register_size})",
            settings.slug
        );
        println!(
            "  Results:   {base}/planner/{}/estimates   ({answered} synthetic respondents answered)",
            settings.slug
        );
        if let Some((made, took)) = &realistic {
            println!(
                "  Answers:   {} online, {} paper ({} with an item left blank or several options marked); stored in {:.1} s",
                made.online,
                made.paper,
                made.with_missing,
                took.as_secs_f64()
            );
        }
    }
    if contact_requests > 0 {
        println!(
            "  Contact requests: {base}/consult/{}   ({contact_requests} fictional residents asked the consultation window to call)",
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

/// Gives the demo survey a synthetic register and a sample of `size.sample` (stratified by district,
/// seed 20261201) unless it already has a frame. The register is the same on every run.
/// Returns whether the survey has a sample.
fn demo_sample(
    conn: &mut db::DbConnection,
    survey_id: i64,
    size: &DemoSize,
) -> Result<bool, CliError> {
    if db::frame::import_info(conn, survey_id)?.is_some() {
        return Ok(db::sample::find(conn, survey_id)?.is_some());
    }
    let csv = crate::demo::synthetic_register(size.register);
    let register = crate::sampling::register::read_register_bytes(
        csv.as_bytes(),
        &crate::sampling::register::ImportOptions::new(crate::demo::synthetic_register_columns()),
    )
    .map_err(|e| CliError::Failed(anyhow::anyhow!("the demo register: {e}")))?;
    db::frame::store(conn, survey_id, "demo-register.csv", &register)?;
    let plan = crate::ops::sample::DrawPlan {
        eligibility: crate::sampling::age::Eligibility::new(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid date"),
        ),
        strata_by: vec![crate::sampling::strata::StratumVariable::District],
        age_bands: "16-29,30-39,...,80-"
            .parse()
            .map_err(|e| CliError::Failed(anyhow::anyhow!("demo age bands: {e}")))?,
        method: crate::sampling::allocation::AllocationMethod::Proportional {
            total: size.sample,
            minimum: 10,
        },
        seed: crate::sampling::draw::Seed(20261201),
        replace: false,
    };
    let outcome = crate::ops::sample::draw(conn, survey_id, &plan)?;
    // The demo's answers stand for letters that went out: the sample is final, and the
    // letters page shows the letters straight away.
    db::sample::mark_letters_printed(conn, outcome.sample.id)?;
    Ok(true)
}

/// Synthetic submitted answers from about 60% of the sampled residents (never from the first
/// DEMO_KEPT_FREE codes, which stay free for people trying the demo), so that the planner
/// pages have something to show. Forms that leave the direct question blank come by post
/// (online, a required question cannot be left out), logged as one envelope batch. Runs
/// once: nothing is added when the survey has responses. Returns how many responses the
/// survey has.
fn demo_responses(
    conn: &mut db::DbConnection,
    survey_id: i64,
    questionnaire: &crate::questionnaire::Questionnaire,
    admin_id: i64,
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
    let mut paper = Vec::new();
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
        let distress = questionnaire.is_distressed(&answers);
        count += 1;
        if answers.get("direct").is_some_and(|a| !a.is_given()) {
            paper.push(db::responses::NewSubmitted {
                access_code_id: code_id,
                channel: db::entry::CHANNEL_PAPER,
                answers_json: json,
                distress,
                submitted_at: db::now(),
            });
            continue;
        }
        let response = db::responses::start_or_resume_online(conn, survey_id, code_id)?;
        db::responses::submit(conn, response.id, response.version, &json, distress)?;
    }
    if !paper.is_empty() {
        let envelopes = i32::try_from(paper.len()).unwrap_or(i32::MAX);
        db::transaction(conn, |conn| {
            db::responses::insert_submitted(conn, survey_id, &paper)?;
            db::entry::add_batch(
                conn,
                survey_id,
                db::now().date(),
                envelopes,
                "デモ: 郵送で返送された調査票",
                admin_id,
            )
        })?;
    }
    Ok(count)
}

/// With size options: a demo survey that already has a register, sample or answers of
/// another size is refused before anything is changed; one of the same size is reused.
fn check_existing(
    conn: &mut db::DbConnection,
    config: &crate::config::Config,
    survey_id: i64,
    size: &DemoSize,
) -> CliResult {
    let Some(frame) = db::frame::import_info(conn, survey_id)? else {
        return Ok(());
    };
    let sampled = db::sample::find(conn, survey_id)?.map(|s| s.sample_size);
    let (_, submitted) = db::responses::counts(conn, survey_id)?;
    let same_frame =
        frame.row_count == size.register as i64 && sampled.is_none_or(|n| n == size.sample as i64);
    let k = size.responses.unwrap_or(0) as i64;
    // People trying the demo may have answered on the free codes since.
    let same_answers = submitted == 0 || (k..=k + DEMO_KEPT_FREE as i64).contains(&submitted);
    if same_frame && same_answers {
        return Ok(());
    }
    let existing = format!(
        "a register of {}, a sample of {} and {submitted} submitted responses",
        frame.row_count,
        sampled.unwrap_or(0)
    );
    Err(different_demo(config, &existing, size))
}

/// What [`realistic_responses`] stored.
#[derive(Debug, Clone, Copy)]
struct Realistic {
    online: usize,
    paper: usize,
    /// Responses with at least one required item missing (paper only).
    with_missing: usize,
}

/// Exactly `count` synthetic respondents with complete, realistic answers to every item of
/// the questionnaire (see [`synthetic`]), never from the first DEMO_KEPT_FREE codes: who
/// answers depends on age and sex as in the national survey, older people more often on
/// paper, spread over four weeks of fieldwork with a reminder after two. Paper forms come
/// with their envelope batches; a few non-respondents get a disposition (undeliverable,
/// refused, …). Everything is stored in one transaction. Runs once: `None` (nothing added)
/// when the survey has responses or no sample.
fn realistic_responses(
    conn: &mut db::DbConnection,
    survey_id: i64,
    questionnaire: &crate::questionnaire::Questionnaire,
    count: usize,
    admin_id: i64,
) -> Result<Option<Realistic>, CliError> {
    use crate::sampling::disposition::Disposition;
    use rand::Rng;
    use rand_chacha::rand_core::SeedableRng;
    let failed = |e: String| CliError::Failed(anyhow::anyhow!("synthetic answers: {e}"));
    let (in_progress, submitted) = db::responses::counts(conn, survey_id)?;
    let Some(sample) = db::sample::find(conn, survey_id)? else {
        return Ok(None);
    };
    if in_progress + submitted > 0 {
        return Ok(None);
    }
    let units = db::sample::unit_profiles(conn, sample.id)?;
    let candidates = &units[DEMO_KEPT_FREE.min(units.len())..];
    if count > candidates.len() {
        return Err(CliError::Usage(format!(
            "--responses {count} is more than the {} sampled codes left for answers",
            candidates.len()
        )));
    }
    fn person(u: &db::sample::UnitProfile) -> synthetic::Person<'_> {
        synthetic::Person {
            sex: u.sex.as_deref(),
            age_band: &u.age_band,
            district: u.district.as_deref(),
        }
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20261201);
    // Exactly `count` respondents, each with probability growing with their propensity
    // (weighted sampling without replacement: the largest keys u^(1/w)).
    let mut keys: Vec<(f64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let w = synthetic::response_propensity(&person(u));
            ((1.0 - rng.gen::<f64>()).ln() / w, i)
        })
        .collect();
    keys.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = keys[..count].iter().map(|(_, i)| *i).collect();
    chosen.sort_unstable();
    let mut profiles: Vec<synthetic::Profile> = chosen
        .iter()
        .map(|&i| synthetic::profile(&person(&candidates[i]), &mut rng))
        .collect();
    synthetic::calibrate(&mut profiles);

    let start = (db::now() - chrono::Duration::days(28))
        .date()
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    let mut made = Realistic {
        online: 0,
        paper: 0,
        with_missing: 0,
    };
    let mut rows = Vec::with_capacity(count);
    for (&i, profile) in chosen.iter().zip(&profiles) {
        let answers = match profile.paper {
            true => synthetic::paper_answers(questionnaire, profile, &mut rng),
            false => synthetic::online_answers(questionnaire, profile, &mut rng),
        }
        .map_err(failed)?;
        synthetic::check(questionnaire, &answers).map_err(failed)?;
        let missing = answers.iter().any(|(id, answer)| {
            !answer.is_given() && questionnaire.question(id).is_some_and(|q| q.required)
        });
        made.with_missing += usize::from(missing);
        // Days after the letters: most answer in the first days, more after the reminder
        // on day 14; paper forms arrive (and are keyed) a few days later.
        // An exponential wait cut off at the end of each fortnight (inverse CDF).
        let wait =
            |mean: f64, days: f64, u: f64| -mean * (1.0 - u * (1.0 - (-days / mean).exp())).ln();
        let day = match rng.gen_bool(0.7) {
            true => wait(4.0, 14.0, rng.gen()),
            false => 14.0 + wait(3.0, 14.0, rng.gen()),
        };
        let (day, first_hour, hours) = match profile.paper {
            true => (3.0 + day * 0.89, 9, 8),
            false => (day, 7, 17),
        };
        let seconds = (first_hour * 3600 + rng.gen_range(0..hours * 3600)) as i64;
        let submitted_at =
            start + chrono::Duration::days(day as i64) + chrono::Duration::seconds(seconds);
        let channel = if profile.paper {
            made.paper += 1;
            db::entry::CHANNEL_PAPER
        } else {
            made.online += 1;
            db::responses::CHANNEL_ONLINE
        };
        rows.push(db::responses::NewSubmitted {
            access_code_id: candidates[i].access_code_id,
            channel,
            answers_json: serde_json::to_string(&answers)
                .map_err(|e| CliError::Failed(e.into()))?,
            distress: questionnaire.is_distressed(&answers),
            submitted_at,
        });
    }
    rows.sort_by_key(|r| r.submitted_at);
    let mut batches: std::collections::BTreeMap<chrono::NaiveDate, i32> = Default::default();
    for row in rows
        .iter()
        .filter(|r| r.channel == db::entry::CHANNEL_PAPER)
    {
        *batches.entry(row.submitted_at.date()).or_default() += 1;
    }
    let mut answered = vec![false; candidates.len()];
    for &i in &chosen {
        answered[i] = true;
    }
    let mut dispositions = Vec::new();
    for (unit, _) in candidates.iter().zip(answered).filter(|(_, a)| !a) {
        let disposition = match rng.gen_range(0..1000) {
            0..=19 => Disposition::ReturnedUndeliverable,
            20..=31 => Disposition::Refused,
            32..=37 => Disposition::MovedAway,
            38..=41 => Disposition::UnableToAnswer,
            42..=43 => Disposition::Deceased,
            44..=46 => Disposition::Away,
            _ => continue,
        };
        let code = AccessCode::parse(&unit.code)
            .map_err(|e| CliError::Failed(anyhow::anyhow!("demo code {}: {e}", unit.code)))?;
        dispositions.push((code, disposition));
    }
    db::transaction(conn, |conn| {
        db::responses::insert_submitted(conn, survey_id, &rows)?;
        for (received_on, envelopes) in &batches {
            db::entry::add_batch(
                conn,
                survey_id,
                *received_on,
                *envelopes,
                "デモ: 郵送で返送された調査票",
                admin_id,
            )?;
        }
        for (code, disposition) in &dispositions {
            db::sample::record_disposition(conn, survey_id, code, Some(*disposition), None)?;
        }
        Ok(())
    })?;
    Ok(Some(made))
}

/// A plausible respondent: a loneliness level drawn from the national distribution of the
/// direct question in 2023 (with its 1.5% 無回答), UCLA items that agree with it, K6 items
/// mostly low, participation as nationally (about half in no activity), and every other
/// shown question answered at random. Deterministic for a given `rng`.
pub fn synthetic_answers(
    q: &crate::questionnaire::Questionnaire,
    rng: &mut rand_chacha::ChaCha20Rng,
) -> crate::questionnaire::Answers {
    use crate::questionnaire::{Answer, Answers, MissingReason, Response};
    use rand::Rng;
    use synthetic::{NATIONAL_DIRECT_2023, NATIONAL_DIRECT_NO_ANSWER_2023};
    let mut shares = NATIONAL_DIRECT_2023.to_vec();
    shares.push(NATIONAL_DIRECT_NO_ANSWER_2023);
    let drawn = synthetic::pick(rng, &shares);
    // The last index is 無回答: the loneliness level of the UCLA items is then a middle one.
    let level = if drawn < NATIONAL_DIRECT_2023.len() {
        drawn as u32 + 1
    } else {
        2
    };
    let direct = match drawn < NATIONAL_DIRECT_2023.len() {
        true => Answer::Choice(level),
        false => Answer::Missing(MissingReason::NoAnswer),
    };
    let mut answers = Answers::new();
    let mut page = q.visible_pages(&answers).first().copied();
    while let Some(index) = page {
        for question in q.page_questions(index) {
            if !q.is_shown(&question.id, &answers) {
                continue;
            }
            let options = question.response.options();
            let answer = match &question.response {
                _ if question.id == "direct" => direct.clone(),
                Response::Multiple { .. } if question.id == "participation" => {
                    participation(options, rng)
                }
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

/// Participation as nationally: about half take part in nothing (the exclusive option,
/// 51.8% in 2023); the others name one activity, sport and hobbies most often, and a quarter
/// of them a second one.
fn participation(
    options: &[crate::questionnaire::Choice],
    rng: &mut rand_chacha::ChaCha20Rng,
) -> crate::questionnaire::Answer {
    use crate::questionnaire::Answer;
    use rand::Rng;
    let none = options.iter().find(|o| o.exclusive);
    let plain: Vec<_> = options.iter().filter(|o| !o.exclusive).collect();
    if let Some(none) = none {
        if plain.is_empty() || rng.gen_bool(synthetic::NATIONAL_NO_PARTICIPATION_2023) {
            return Answer::Choices(vec![none.code]);
        }
    }
    // In printed order: local community, PTA, volunteering, sport and hobbies, other.
    let weights: Vec<f64> = (0..plain.len())
        .map(|i| [35.0, 12.0, 15.0, 45.0, 8.0].get(i).copied().unwrap_or(8.0))
        .collect();
    let first = synthetic::pick(rng, &weights);
    let mut chosen = vec![plain[first].code];
    if plain.len() > 1 && rng.gen_bool(0.25) {
        let second = synthetic::pick(rng, &weights);
        if second != first {
            chosen.push(plain[second].code);
        }
    }
    chosen.sort_unstable();
    Answer::Choices(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::Answer;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn the_simple_demo_answers_follow_the_national_direct_question_and_participation() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        );
        let q = crate::questionnaire::load_file(path).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let n = 20_000;
        let mut direct = [0usize; 6];
        let mut none = 0;
        for _ in 0..n {
            let answers = synthetic_answers(&q, &mut rng);
            match answers.get("direct") {
                Some(Answer::Choice(code)) => direct[*code as usize - 1] += 1,
                _ => direct[5] += 1,
            }
            if answers.get("participation") == Some(&Answer::Choices(vec![6])) {
                none += 1;
            }
        }
        let national = synthetic::NATIONAL_DIRECT_2023
            .iter()
            .chain([&synthetic::NATIONAL_DIRECT_NO_ANSWER_2023]);
        for (count, national) in direct.iter().zip(national) {
            let percent = 100.0 * *count as f64 / n as f64;
            assert!(
                (percent - national).abs() < 0.8,
                "{percent:.1}% vs {national}%"
            );
        }
        let share = none as f64 / n as f64;
        assert!((share - 0.518).abs() < 0.015, "{share}");
    }
}

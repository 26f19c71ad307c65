//! The command line as an operator uses it: surveys, codes, accounts and the demo, against a
//! fresh SQLite file, with exit status 2 and a readable message for bad input.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::repo_path;
use tsunagari::sampling::access_code::AccessCode;

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tsunagari"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("DATABASE_URL", self.dir.path().join("cli.sqlite3"))
            .env("TSUNAGARI_QUESTIONNAIRES", repo_path("questionnaires"))
            .env("TSUNAGARI_BASE_URL", "https://survey.example.jp")
            .env("RUST_LOG", "error");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_survey_gets_codes_that_residents_can_type_and_a_second_survey_with_the_same_slug_is_refused() {
    let cli = Cli::new();
    let demo = repo_path("surveys/demo.toml");
    let created = cli.run(&["survey", "create", "--file", demo.to_str().unwrap()]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("demo-2026"));

    let again = cli.run(&["survey", "create", "--file", demo.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let generated = cli.run(&["codes", "generate", "--survey", "demo-2026", "--count", "5"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let codes: Vec<AccessCode> = stdout(&generated)
        .lines()
        .map(|l| AccessCode::parse(l).unwrap())
        .collect();
    assert_eq!(codes.len(), 5);
    let listed = cli.run(&["codes", "list", "--survey", "demo-2026"]);
    let listed: Vec<String> = stdout(&listed).lines().map(String::from).collect();
    assert_eq!(listed.len(), 5);
    for code in &codes {
        assert!(listed.contains(&code.grouped()));
    }

    let unknown = cli.run(&["codes", "generate", "--survey", "nope", "--count", "5"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no survey `nope`"));
    let zero = cli.run(&["codes", "generate", "--survey", "demo-2026", "--count", "0"]);
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn a_survey_file_naming_a_missing_questionnaire_or_module_is_refused_with_the_reason() {
    let cli = Cli::new();
    let file = cli.dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "slug = \"x\"\nquestionnaire = \"no-such\"\ntitle = { ja = \"x\" }\n",
    )
    .unwrap();
    let out = cli.run(&["survey", "create", "--file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("調査票 `no-such` はありません。")
            && stderr(&out).contains("no questionnaire `no-such`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&file, "slug = \"x\"\nquestionnaire = \"tsunagari-national\"\nmodules = [\"phq9\"]\ntitle = { ja = \"x\" }\n").unwrap();
    let out = cli.run(&["survey", "create", "--file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("モジュール `phq9` はありません")
            && stderr(&out).contains("has no module `phq9`"),
        "{}",
        stderr(&out)
    );
    let listed = cli.run(&["survey", "list"]);
    assert_eq!(stdout(&listed), "", "nothing was created");
}

#[test]
fn a_broken_questionnaire_file_is_reported_in_japanese_with_the_english_under_it() {
    let cli = Cli::new();
    let folder = cli.dir.path().join("questionnaires");
    std::fs::create_dir(&folder).unwrap();
    let national =
        std::fs::read_to_string(repo_path("questionnaires/tsunagari-national.toml")).unwrap();
    std::fs::write(folder.join("tsunagari-national.toml"), &national).unwrap();
    std::fs::write(
        folder.join("city.toml"),
        national
            .replacen("id = \"tsunagari-national\"", "id = \"city\"", 1)
            .replacen("kind = ", "colour = \"red\"\nkind = ", 1),
    )
    .unwrap();
    let file = cli.dir.path().join("survey.toml");
    std::fs::write(
        &file,
        "slug = \"x\"\nquestionnaire = \"tsunagari-national\"\ntitle = { ja = \"x\" }\n",
    )
    .unwrap();
    let out = cli
        .command(&["survey", "create", "--file", file.to_str().unwrap()])
        .env("TSUNAGARI_QUESTIONNAIRES", &folder)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    let ja = text
        .find("調査票ファイルに1件の問題があります")
        .expect("the Japanese heading");
    let ja_line = text
        .find("`colour` という名前は使えません")
        .expect("the problem in Japanese");
    let en_line = text
        .find("unknown field `colour`")
        .expect("the problem in English");
    assert!(ja < ja_line && ja_line < en_line, "{text}");
    assert!(text.contains("city.toml: "), "{text}");
    let listed = cli.run(&["survey", "list"]);
    assert_eq!(stdout(&listed), "", "nothing was created");
}

#[test]
fn the_first_admin_is_created_from_the_command_line_and_names_are_unique() {
    let cli = Cli::new();
    let out = cli.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "kanri",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a-strong-password\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("a-strong-password"));
    let generated = cli.run(&["user", "add", "--username", "tanaka", "--role", "planner"]);
    assert!(generated.status.success());
    let password = stdout(&generated)
        .lines()
        .find_map(|l| l.strip_prefix("password: ").map(String::from))
        .unwrap();
    assert_eq!(password.len(), 20);

    let duplicate = cli.run(&["user", "add", "--username", "kanri", "--role", "staff"]);
    assert_eq!(duplicate.status.code(), Some(2));
    assert!(stderr(&duplicate).contains("already taken"));
    let bad_role = cli.run(&["user", "add", "--username", "x", "--role", "root"]);
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(stderr(&bad_role).contains("not a role"));
    let short = cli.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "y",
            "--role",
            "staff",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(2));

    let listed = stdout(&cli.run(&["user", "list"]));
    assert!(
        listed.contains("kanri\tadmin") && listed.contains("tanaka\tplanner"),
        "{listed}"
    );
}

#[test]
fn the_demo_prints_working_codes_links_and_a_login_and_can_be_run_twice() {
    let cli = Cli::new();
    let demo = repo_path("surveys/demo.toml");
    let open = repo_path("surveys/gatekeeper-demo.toml");
    for _ in 0..2 {
        let out = cli.run(&[
            "demo",
            "--no-serve",
            "--survey-file",
            demo.to_str().unwrap(),
            "--open-survey-file",
            open.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let links: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("https://survey.example.jp/c/"))
            .collect();
        assert_eq!(links.len(), 5, "{text}");
        for line in links {
            let code = line.split_whitespace().next().unwrap();
            assert!(AccessCode::parse(code).is_ok(), "{code}");
        }
        assert!(text.contains("user demo-admin"));
        assert!(text.contains("https://survey.example.jp/o/gatekeeper-2026"));
        let answered: usize = text
            .lines()
            .find_map(|l| {
                l.split('(')
                    .nth(1)?
                    .strip_suffix(" synthetic respondents answered)")?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no synthetic respondents line in {text}"));
        assert!((300..=420).contains(&answered), "{answered}");
        // The synthetic answers stand for letters that went out: the sample is final.
        let summary = stdout(&cli.run(&["sample", "summary", "--survey", "demo-2026"]));
        assert!(summary.contains("final           since"), "{summary}");
    }
}

#[test]
fn the_first_demo_on_a_fresh_database_file_prints_no_error() {
    // Several fresh files in a row: the lock fight between pool connections switching a new
    // file to WAL was a race, so one run alone could pass by luck.
    let demo = repo_path("surveys/demo.toml");
    let open = repo_path("surveys/gatekeeper-demo.toml");
    for _ in 0..3 {
        let cli = Cli::new();
        let out = cli
            .command(&[
                "demo",
                "--no-serve",
                "--survey-file",
                demo.to_str().unwrap(),
                "--open-survey-file",
                open.to_str().unwrap(),
            ])
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let errors = stderr(&out);
        assert!(
            !errors.contains("ERROR") && !errors.contains("database is locked"),
            "the first screen shows an error:\n{errors}"
        );
        // The file was switched to WAL once, before the pool opened.
        let wal = cli.dir.path().join("cli.sqlite3-wal");
        let journal_mode: String = {
            use diesel::prelude::*;
            let mut conn = diesel::SqliteConnection::establish(
                cli.dir.path().join("cli.sqlite3").to_str().unwrap(),
            )
            .unwrap();
            diesel::sql_query("PRAGMA journal_mode")
                .get_result::<JournalMode>(&mut conn)
                .unwrap()
                .journal_mode
        };
        assert_eq!(journal_mode, "wal", "{}", wal.display());
    }
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

#[test]
fn a_malformed_database_url_is_a_usage_error() {
    let cli = Cli::new();
    let out = cli
        .command(&["migrate"])
        .env("DATABASE_URL", "mysql://localhost/x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("scheme"), "{}", stderr(&out));
}

#[test]
fn the_demo_builds_a_survey_of_the_size_asked_with_valid_answers_and_refuses_another_size() {
    use tsunagari::questionnaire::{Answer, Answers, Catalogue};
    let cli = Cli::new();
    let demo = repo_path("surveys/demo.toml");
    let open = repo_path("surveys/gatekeeper-demo.toml");
    let args = |responses: &str| {
        vec![
            "demo".to_string(),
            "--no-serve".into(),
            "--survey-file".into(),
            demo.to_str().unwrap().into(),
            "--open-survey-file".into(),
            open.to_str().unwrap().into(),
            "--register".into(),
            "3000".into(),
            "--sample".into(),
            "800".into(),
            "--responses".into(),
            responses.into(),
        ]
    };
    let run = |responses: &str| {
        let args = args(responses);
        cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    for _ in 0..2 {
        let out = run("500");
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("(800 residents drawn from a synthetic register of 3000)"),
            "{text}"
        );
        assert!(
            text.contains("(500 synthetic respondents answered)"),
            "{text}"
        );
    }
    // A different size on the same database changes nothing and says what to do.
    let other = run("600");
    assert_eq!(other.status.code(), Some(2), "{}", stdout(&other));
    let message = stderr(&other);
    assert!(
        message.contains("already has a register of 3000, a sample of 800 and 500")
            && message.contains("DATABASE_URL="),
        "{message}"
    );

    let url = tsunagari::config::DatabaseUrl::Sqlite(cli.dir.path().join("cli.sqlite3"));
    let pool = tsunagari::db::connect(&url).unwrap();
    let mut conn = pool.get().unwrap();
    let survey = tsunagari::db::surveys::find_by_slug(&mut conn, "demo-2026")
        .unwrap()
        .unwrap();
    let frame = tsunagari::db::frame::import_info(&mut conn, survey.id)
        .unwrap()
        .unwrap();
    assert_eq!(frame.row_count, 3000);
    let sample = tsunagari::db::sample::find(&mut conn, survey.id)
        .unwrap()
        .unwrap();
    assert_eq!(sample.sample_size, 800);
    assert_eq!(
        tsunagari::db::responses::counts(&mut conn, survey.id).unwrap(),
        (0, 500)
    );
    let design = tsunagari::db::sample::design_for_estimation(&mut conn, survey.id)
        .unwrap()
        .unwrap();
    assert_eq!(
        design.respondents.len(),
        500,
        "every response is a sampled person's"
    );
    let paper = tsunagari::db::entry::paper_counts(&mut conn, survey.id).unwrap();
    assert!((50..=350).contains(&paper.accepted), "{paper:?}");
    assert_eq!(paper.envelopes, paper.accepted, "{paper:?}");

    let settings =
        tsunagari::survey::SurveySettings::load(&repo_path("surveys/demo.toml")).unwrap();
    let questionnaire = Catalogue::load(&repo_path("questionnaires"))
        .unwrap()
        .for_survey(&settings.questionnaire, &settings.modules)
        .unwrap();
    assert!(
        questionnaire.question("transport").is_some(),
        "the demo has suzaka-local"
    );
    let stored = tsunagari::db::responses::submitted_answers(&mut conn, survey.id).unwrap();
    assert_eq!(stored.len(), 500);
    let (mut with_missing, mut lonely_alone, mut alone, mut lonely_others) = (0, 0, 0, 0);
    let mut direct_blank = 0;
    for (id, _, json) in &stored {
        let answers: Answers = serde_json::from_str(json).unwrap();
        assert!(
            questionnaire.check_answers(&answers).is_empty(),
            "{id}: {json}"
        );
        assert!(
            questionnaire.skip_violations(&answers).is_empty(),
            "{id}: {json}"
        );
        // Every question shown has an entry (an answer, or 無回答 on paper), and only those.
        for question in questionnaire.questions() {
            let shown = questionnaire.is_shown(&question.id, &answers);
            assert_eq!(
                shown,
                answers.get(&question.id).is_some(),
                "{id} {}",
                question.id
            );
        }
        if answers
            .iter()
            .any(|(q, a)| !a.is_given() && q != "comments")
        {
            with_missing += 1;
        }
        direct_blank += usize::from(matches!(answers.get("direct"), Some(Answer::Missing(_))));
        let lonely = matches!(answers.get("direct"), Some(Answer::Choice(4 | 5)));
        if answers.get("household_size") == Some(&Answer::Number(1.0)) {
            alone += 1;
            lonely_alone += usize::from(lonely);
        } else {
            lonely_others += usize::from(lonely);
        }
    }
    assert!((5..=150).contains(&with_missing), "{with_missing}");
    // The national 1.5% leave the direct question blank (on paper): about 7 of 500.
    assert!((2..=15).contains(&direct_blank), "{direct_blank}");
    assert!(alone >= 30, "{alone} live alone");
    let share_alone = lonely_alone as f64 / alone as f64;
    let share_others = lonely_others as f64 / (500 - alone) as f64;
    assert!(
        share_alone > share_others + 0.05,
        "living alone {share_alone:.2} vs {share_others:.2}"
    );
}

#[test]
fn an_account_made_on_the_command_line_gets_its_address_and_the_surveys_named() {
    let cli = Cli::new();
    let demo = repo_path("surveys/demo.toml");
    let created = cli.run(&["survey", "create", "--file", demo.to_str().unwrap()]);
    assert!(created.status.success(), "{}", stderr(&created));
    let added = cli.run(&[
        "user",
        "add",
        "--username",
        "suzuki",
        "--role",
        "staff",
        "--email",
        "Suzuki@City.Example.JP",
        "--survey",
        "demo-2026",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let listed = stdout(&cli.run(&["user", "list"]));
    assert!(
        listed.contains("suzuki\tstaff\tsuzuki\tsuzuki@city.example.jp\tactive"),
        "{listed}"
    );
    let unknown = cli.run(&[
        "user",
        "add",
        "--username",
        "sato",
        "--role",
        "staff",
        "--survey",
        "nope",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("--survey nope: no such survey"));
    let bad = cli.run(&[
        "user",
        "add",
        "--username",
        "sato",
        "--role",
        "staff",
        "--email",
        "sato",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--email"), "{}", stderr(&bad));
}

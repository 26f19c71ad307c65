//! `tsunagari backup` and `tsunagari restore` as the binary runs them, on SQLite and (when
//! configured) PostgreSQL: the full demo backed up and restored into a fresh database has
//! every table as it was; a backup taken while codes are being issued is whole; a restore
//! refuses a database that holds anything, a file that is not a backup and a backup of the
//! other backend, changing nothing.

mod common;

use std::process::{Command, Output};

use common::*;

fn tsunagari(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsunagari"))
        .args(args)
        .current_dir(repo_path(""))
        .env_remove("DATABASE_URL")
        .output()
        .expect("run tsunagari")
}

fn succeeded(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Refused as the person's mistake (exit 2) with `expected` in the message.
fn refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
}

fn demo_into(db: &TestDb) {
    succeeded(
        &tsunagari(&["demo", "--no-serve", "--database", &db.url_arg()]),
        "tsunagari demo",
    );
}

fn count_codes(db: &TestDb) -> usize {
    table_contents(db)["access_codes"].len()
}

#[test]
fn the_demo_backed_up_and_restored_into_a_fresh_database_has_every_table_as_it_was() {
    for db in databases() {
        demo_into(&db);
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("tsunagari.backup");
        let before = table_contents(&db);
        let said = succeeded(
            &tsunagari(&[
                "backup",
                "--out",
                file.to_str().unwrap(),
                "--database",
                &db.url_arg(),
            ]),
            "tsunagari backup",
        );
        assert!(said.starts_with("backed up "), "{said}");
        assert_eq!(table_contents(&db), before, "a backup changes nothing");

        let fresh = db.fresh_sibling();
        let target = url_arg(&fresh.url);
        let said = succeeded(
            &tsunagari(&[
                "restore",
                "--file",
                file.to_str().unwrap(),
                "--database",
                &target,
            ]),
            "tsunagari restore",
        );
        assert!(
            said.contains("migrations applied since the backup: 0"),
            "{said}"
        );
        let restored = fresh.open();
        let after = table_contents(&restored);
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            before.keys().collect::<Vec<_>>()
        );
        for (table, rows) in &before {
            assert_eq!(&after[table], rows, "{table} on {}", db.backend());
        }
        assert!(
            before["responses"].len() > 100,
            "the demo has answers to compare"
        );
        assert!(before["frame_persons"].len() >= 4_000, "and its register");
    }
}

#[test]
fn a_backup_taken_while_codes_are_being_issued_is_whole() {
    for db in databases() {
        let (survey, _) = demo_survey(&db, 10);
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("busy.backup");
        let first = count_codes(&db);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let pool = db.pool.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut batches = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || batches < 3 {
                    let mut conn = pool.get().unwrap();
                    tsunagari::ops::codes::issue(&mut conn, survey.id, 25, false).unwrap();
                    batches += 1;
                }
                batches
            })
        };
        let output = tsunagari(&[
            "backup",
            "--out",
            file.to_str().unwrap(),
            "--database",
            &db.url_arg(),
        ]);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let batches = writer.join().unwrap();
        succeeded(&output, "tsunagari backup while writing");
        let last = count_codes(&db);
        assert_eq!(last, first + 25 * batches);

        let fresh = db.fresh_sibling();
        let target = url_arg(&fresh.url);
        succeeded(
            &tsunagari(&[
                "restore",
                "--file",
                file.to_str().unwrap(),
                "--database",
                &target,
            ]),
            "tsunagari restore",
        );
        let restored = count_codes(&fresh.open());
        assert!(
            restored >= first && restored <= last && (restored - first).is_multiple_of(25),
            "the copy holds whole batches of the {batches} issued: {first} ≤ {restored} ≤ {last}"
        );
    }
}

#[test]
fn a_restore_refuses_what_it_must_not_write_over_or_cannot_read_and_changes_nothing() {
    for db in databases() {
        demo_survey(&db, 3);
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("good.backup");
        succeeded(
            &tsunagari(&[
                "backup",
                "--out",
                file.to_str().unwrap(),
                "--database",
                &db.url_arg(),
            ]),
            "tsunagari backup",
        );
        let before = table_contents(&db);
        let original = std::fs::read(&file).unwrap();

        // Into the database it came from: it holds tables.
        refused(
            &tsunagari(&[
                "restore",
                "--file",
                file.to_str().unwrap(),
                "--database",
                &db.url_arg(),
            ]),
            "is not empty",
        );
        // A backup never overwrites a file.
        refused(
            &tsunagari(&[
                "backup",
                "--out",
                file.to_str().unwrap(),
                "--database",
                &db.url_arg(),
            ]),
            "already exists",
        );
        assert_eq!(std::fs::read(&file).unwrap(), original);
        // Not a backup at all.
        let text = folder.path().join("notes.txt");
        std::fs::write(&text, "住民基本台帳の写しではありません").unwrap();
        let fresh = db.fresh_sibling();
        let target = url_arg(&fresh.url);
        refused(
            &tsunagari(&[
                "restore",
                "--file",
                text.to_str().unwrap(),
                "--database",
                &target,
            ]),
            "is not a tsunagari backup",
        );
        // A SQLite file that tsunagari did not make.
        if db.backend() == "sqlite" {
            let foreign = folder.path().join("foreign.sqlite3");
            let pool =
                tsunagari::db::connect(&tsunagari::config::DatabaseUrl::Sqlite(foreign.clone()))
                    .unwrap();
            {
                use diesel::connection::SimpleConnection;
                pool.get()
                    .unwrap()
                    .batch_execute("CREATE TABLE notes (body TEXT)")
                    .unwrap();
            }
            drop(pool);
            refused(
                &tsunagari(&[
                    "restore",
                    "--file",
                    foreign.to_str().unwrap(),
                    "--database",
                    &target,
                ]),
                "was not made by tsunagari",
            );
            let tsunagari::config::DatabaseUrl::Sqlite(path) = &fresh.url else {
                unreachable!()
            };
            assert!(!path.exists(), "a refused restore leaves no file behind");
        }
        // The other backend's backup.
        let other = match db.backend() {
            "sqlite" => "postgres://postgres@127.0.0.1:5432/nowhere".to_string(),
            _ => folder.path().join("other.sqlite3").display().to_string(),
        };
        refused(
            &tsunagari(&[
                "restore",
                "--file",
                file.to_str().unwrap(),
                "--database",
                &other,
            ]),
            "restore it into a database of the same kind",
        );
        assert_eq!(table_contents(&db), before, "{}", db.backend());
    }
}

//! After `tsunagari frame purge`, no name, address, postal code or birth date of the imported
//! register is left anywhere: in no table (SQLite and PostgreSQL) and, on SQLite, nowhere in
//! the bytes of the database file or its write-ahead log — where deleted rows otherwise stay
//! readable in free pages. The same scan before the purge finds them, so it can fail.

mod common;

use std::path::PathBuf;

use aho_corasick::AhoCorasick;

use common::register::{import_args, register_csv};
use common::*;
use tsunagari::cli::sample::DrawArgs;
use tsunagari::config::DatabaseUrl;

const DISTRICTS: [(&str, usize); 2] = [("中央地区", 120), ("北部地区", 80)];

/// Every personal value the register extract holds (as the import stores it): given names,
/// addresses, postal codes and the birth dates written in the Western form.
fn personal_values() -> Vec<String> {
    let mut values = Vec::new();
    for (district, count) in DISTRICTS {
        for i in 0..count {
            values.push(format!("花子{i}"));
            values.push(format!("長野市{district}{}番地", i + 1));
            values.push(format!("380-{:04}", i % 10_000));
            if i % 3 != 0 {
                values.push(format!(
                    "{}-{:02}-{:02}",
                    1950 + i % 55,
                    1 + i % 12,
                    1 + i % 28
                ));
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

/// The personal values found in every table's rows, and on SQLite in the raw bytes of the
/// database file and its journal files.
fn found(db: &TestDb, scanner: &AhoCorasick, values: &[String]) -> Vec<String> {
    let mut haystacks: Vec<Vec<u8>> = table_contents(db)
        .into_values()
        .flatten()
        .map(String::into_bytes)
        .collect();
    if let DatabaseUrl::Sqlite(file) = &db.url {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            if let Ok(bytes) = std::fs::read(PathBuf::from(name)) {
                haystacks.push(bytes);
            }
        }
    }
    let mut hits: Vec<String> = haystacks
        .iter()
        .flat_map(|bytes| {
            scanner
                .find_overlapping_iter(bytes)
                .map(|m| values[m.pattern().as_usize()].clone())
        })
        .collect();
    hits.sort();
    hits.dedup();
    hits
}

#[test]
fn after_the_purge_no_personal_value_of_the_register_is_in_any_table_or_in_the_file() {
    let values = personal_values();
    let scanner = AhoCorasick::new(&values).expect("scanner");
    for db in databases() {
        let (survey, _) = demo_survey(&db, 1);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("register.csv");
        std::fs::write(&file, register_csv(&DISTRICTS)).unwrap();
        let import = import_args(&survey.slug, file);
        // Imported twice: the first import's rows are deleted by the replacement, which
        // leaves their bytes in free pages too.
        tsunagari::cli::frame::import(&mut db.conn(), &import, &mut Vec::new())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let replace = tsunagari::cli::frame::ImportArgs {
            replace: true,
            ..import
        };
        tsunagari::cli::frame::import(&mut db.conn(), &replace, &mut Vec::new())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let draw = DrawArgs {
            survey: survey.slug.clone(),
            reference_date: "2026-12-01".into(),
            min_age: 16,
            strata: "district".into(),
            age_bands: None,
            n: Some(30),
            proportional: true,
            min_per_stratum: 5,
            equal: false,
            sizes: None,
            seed: Some("7".into()),
            replace: false,
        };
        let plan = draw.plan().unwrap_or_else(|e| panic!("{e:?}"));
        tsunagari::ops::sample::draw(&mut db.conn(), survey.id, &plan)
            .unwrap_or_else(|e| panic!("{e:?}"));

        let before = found(&db, &scanner, &values);
        let unseen: Vec<&String> = values.iter().filter(|v| !before.contains(v)).collect();
        assert!(
            unseen.is_empty(),
            "the scan sees every value while it is stored, but not {unseen:?}"
        );

        tsunagari::db::surveys::set_status(&mut db.conn(), survey.id, "closed").unwrap();
        let purge = tsunagari_on(&db, &["frame", "purge", "--survey", &survey.slug]);
        assert!(
            purge.status.success(),
            "{}",
            String::from_utf8_lossy(&purge.stderr)
        );

        let after = found(&db, &scanner, &values);
        assert!(
            after.is_empty(),
            "{} of {} personal values are still readable on {}: {:?}",
            after.len(),
            values.len(),
            db.backend(),
            &after[..after.len().min(10)]
        );
    }
}

//! What must never leave the database for a planner: the register's personal data, resident
//! ids and access codes, found anywhere in a response or a file.

use std::collections::BTreeSet;

/// What must never reach a planner or an analysis file: every name, address and birth date
/// of the fixture's register, every access code and any `more` text (as substrings), and
/// every resident id (as a whole value).
pub struct Secrets {
    texts: aho_corasick::AhoCorasick,
    ids: BTreeSet<String>,
}

/// The fixture's register (the one [`super::planner_data::drawn_survey`] stores) and the
/// survey's access codes.
pub fn secrets(codes: &[String], more: &[&str]) -> Secrets {
    let csv = tsunagari::demo::synthetic_register(3000);
    let register = tsunagari::sampling::register::read_register_bytes(
        csv.as_bytes(),
        &tsunagari::sampling::register::ImportOptions::new(
            tsunagari::demo::synthetic_register_columns(),
        ),
    )
    .unwrap();
    let mut texts = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for r in &register.records {
        texts.insert(r.name.clone());
        texts.insert(r.name.replace([' ', '　'], ""));
        texts.insert(r.address.clone());
        texts.insert(r.birth_date.to_string());
        texts.insert(r.birth_date.format("%Y/%m/%d").to_string());
        // Ids are 7 digits with leading zeros: compared with and without them.
        ids.insert(
            r.resident_id
                .to_string()
                .trim_start_matches('0')
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 3000);
    // The register's own spellings (和暦 birth dates, addresses as written) too.
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        texts.insert(fields[4].to_string());
        texts.insert(fields[5].to_string());
    }
    texts.extend(more.iter().map(|text| text.to_string()));
    // Access codes grouped as printed and as typed.
    for code in codes {
        texts.insert(code.clone());
        texts.insert(code.replace('-', ""));
    }
    Secrets {
        texts: aho_corasick::AhoCorasick::new(texts).unwrap(),
        ids,
    }
}

impl Secrets {
    /// Fails if `bytes` hold a frame name, address, birth date or access code anywhere, or a
    /// resident id as a value of a CSV file (a digit string inside a weight is no id).
    pub fn assert_none_in(&self, where_: &str, name: &str, bytes: &[u8]) {
        if let Some(found) = self.texts.find(bytes) {
            panic!(
                "{where_}: {name} holds {}",
                String::from_utf8_lossy(&bytes[found.start()..found.end()])
            );
        }
        if name.ends_with(".csv") {
            for row in csv_rows(bytes) {
                for value in row {
                    assert!(
                        value.len() < 6 || !self.ids.contains(value.trim_start_matches('0')),
                        "{where_}: {name} holds the resident id {value}"
                    );
                }
            }
        }
    }
}

/// The rows of a CSV file (a byte-order mark dropped).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(String::from).collect())
        .collect()
}

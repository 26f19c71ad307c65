//! What the register-import tests share: a register extract, a multipart upload body as a
//! browser sends it, and the drawn sample read back per stratum.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::TestDb;
use tsunagari::db::schema::{frame_persons, sampled_units, samples};

/// The header of [`register_csv`].
pub const HEADER: &str = "住民番号,氏,名,郵便番号,住所,方書,生年月日,性別,地区,除外";

/// A register of `per_district` residents in each district: birth dates in the Western
/// and the era forms, both sexes, every tenth flagged to exclude.
pub fn register_csv(per_district: &[(&str, usize)]) -> String {
    let mut text = format!("{HEADER}\r\n");
    for (d, (district, count)) in per_district.iter().enumerate() {
        for i in 0..*count {
            let birth = if i % 3 == 0 {
                format!("S{}.{:02}.{:02}", 30 + i % 30, 1 + i % 12, 1 + i % 28)
            } else {
                format!("{}-{:02}-{:02}", 1950 + i % 55, 1 + i % 12, 1 + i % 28)
            };
            text.push_str(&format!(
                "{d}{i:05},髙橋,花子{i},380-{:04},長野市{district}{}番地,,{birth},{},{district},{}\r\n",
                i % 10_000,
                i + 1,
                1 + i % 2,
                if i % 10 == 9 { "1" } else { "" },
            ));
        }
    }
    text
}

/// A `multipart/form-data` body with text fields and one file, as a browser sends the
/// upload form; returns the content type and the body.
pub fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----tsunagari-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The sampled residents' ids per stratum label, sorted.
pub fn sampled_by_stratum(db: &TestDb, survey_id: i64) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> = sampled_units::table
        .inner_join(samples::table)
        .inner_join(frame_persons::table)
        .filter(samples::survey_id.eq(survey_id))
        .select((sampled_units::stratum, frame_persons::resident_id))
        .load(&mut db.conn())
        .unwrap();
    let mut by_stratum: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (stratum, id) in rows {
        by_stratum.entry(stratum).or_default().push(id);
    }
    for ids in by_stratum.values_mut() {
        ids.sort();
    }
    by_stratum
}

/// How many residents the survey's frame holds.
pub fn frame_rows(db: &TestDb, survey_id: i64) -> i64 {
    frame_persons::table
        .filter(frame_persons::survey_id.eq(survey_id))
        .count()
        .get_result(&mut db.conn())
        .unwrap()
}

/// The command line's import of a [`register_csv`] extract at `file` into survey `survey`:
/// every column of [`HEADER`] mapped, the encoding detected.
pub fn import_args(survey: &str, file: std::path::PathBuf) -> tsunagari::cli::frame::ImportArgs {
    tsunagari::cli::frame::ImportArgs {
        survey: survey.into(),
        file,
        encoding: "auto".into(),
        delimiter: ",".into(),
        id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into(), "方書".into()],
        postal: Some("郵便番号".into()),
        birth: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: Some("除外".into()),
        replace: false,
    }
}

//! Importing register extracts: encodings, column mapping, row problems, all-or-nothing.

use chrono::NaiveDate;
use encoding_rs::SHIFT_JIS;
use tsunagari::questionnaire::Lang;
use tsunagari::sampling::register::{
    read_register, read_register_bytes, read_register_in_batches, ColumnMapping, EncodingChoice,
    ImportOptions, RegisterError, Sex, TextEncoding, MAX_REPORTED_ROWS, PROGRESS_EVERY_ROWS,
};

const HEADER: &str = "住民番号,氏,名,住所,方書,郵便番号,生年月日,性別,地区,除外";

fn mapping() -> ColumnMapping {
    ColumnMapping {
        resident_id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into(), "方書".into()],
        postal_code: Some("郵便番号".into()),
        birth_date: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: Some("除外".into()),
    }
}

fn options(encoding: EncodingChoice) -> ImportOptions {
    ImportOptions {
        encoding,
        ..ImportOptions::new(mapping())
    }
}

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    text.push_str("\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    assert!(!unmappable, "test text must be encodable in CP932");
    bytes.into_owned()
}

const ROWS: [&str; 3] = [
    "000101,髙橋,﨑子,須坂市大字須坂1番地,須坂ハイツ101,382-0000,昭和45年3月12日,2,北部,",
    "000102,德永,一郎,須坂市大字日滝2番地,,3820001,H7/1/5,男,南部,0",
    "000103,山田,花子,須坂市大字井上3番地,,〒382-0002,1950-01-01,F,南部,1",
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

#[test]
fn a_cp932_extract_with_nec_and_ibm_extension_kanji_is_read_when_cp932_is_named() {
    let bytes = shift_jis(&csv(&ROWS));
    let register = read_register_bytes(
        &bytes,
        &options(EncodingChoice::Named(TextEncoding::ShiftJis)),
    )
    .expect("valid CP932 extract");
    assert_eq!(register.encoding, TextEncoding::ShiftJis);
    let first = &register.records[0];
    assert_eq!(first.name, "髙橋　﨑子");
    assert_eq!(first.address, "須坂市大字須坂1番地　須坂ハイツ101");
    assert_eq!(first.birth_date, date(1970, 3, 12));
    assert_eq!(first.sex, Some(Sex::Female));
    assert_eq!(first.district.as_deref(), Some("北部"));
    assert_eq!(
        first.postal_code.map(|p| p.to_string()).as_deref(),
        Some("382-0000")
    );
    assert_eq!(first.line, 2);
    assert_eq!(register.records[1].name, "德永　一郎");
    assert_eq!(register.records[1].address, "須坂市大字日滝2番地");
    assert_eq!(register.records[1].birth_date, date(1995, 1, 5));
    assert!(!register.records[1].excluded);
    assert!(register.records[2].excluded);
}

#[test]
fn utf8_with_and_without_a_bom_is_detected() {
    let text = csv(&ROWS);
    let plain = read_register_bytes(text.as_bytes(), &options(EncodingChoice::Detect))
        .expect("valid UTF-8");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    let bom =
        read_register_bytes(&with_bom, &options(EncodingChoice::Detect)).expect("UTF-8 with BOM");
    assert_eq!(plain.encoding, TextEncoding::Utf8);
    assert_eq!(plain.records, bom.records);
    assert_eq!(bom.records[0].name, "髙橋　﨑子");
}

#[test]
fn a_cp932_extract_without_a_named_encoding_is_read_as_cp932_and_said_so() {
    let bytes = shift_jis(&csv(&ROWS));
    let register = read_register_bytes(&bytes, &options(EncodingChoice::Detect))
        .expect("valid CP932 is detected");
    assert_eq!(register.encoding, TextEncoding::ShiftJis);
    assert!(register.encoding_detected);
    assert_eq!(register.records[0].name, "髙橋　﨑子");
    assert_eq!(register.records[1].name, "德永　一郎");
    assert_eq!(register.records[0].birth_date, date(1970, 3, 12));
    let named = read_register_bytes(
        &bytes,
        &options(EncodingChoice::Named(TextEncoding::ShiftJis)),
    )
    .expect("named");
    assert_eq!(named.records, register.records);
    assert!(!named.encoding_detected);
}

#[test]
fn cp932_is_detected_after_a_long_ascii_start_too() {
    // Thousands of ASCII rows before the first kanji: detection waits for it.
    let mut rows: Vec<String> = (0..3000)
        .map(|i| format!("{i:06},Yamada,Taro,Nagano 1,,380-0000,1970-01-01,1,North,"))
        .collect();
    rows.push("900001,髙橋,﨑子,須坂市,,382-0000,S45.03.12,2,北部,".into());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let text = csv(&rows).replace(
        HEADER,
        "id,sei,mei,jusho,katagaki,yubin,seinen,sex,chiku,jogai",
    );
    let bytes = shift_jis(&text);
    let mut options = options(EncodingChoice::Detect);
    options.columns = ColumnMapping {
        resident_id: "id".into(),
        name: vec!["sei".into(), "mei".into()],
        address: vec!["jusho".into()],
        postal_code: None,
        birth_date: "seinen".into(),
        sex: None,
        district: Some("chiku".into()),
        exclude: None,
    };
    let register = read_register_bytes(&bytes, &options).expect("CP932 after ASCII");
    assert_eq!(register.encoding, TextEncoding::ShiftJis);
    assert_eq!(register.records.len(), 3001);
    assert_eq!(register.records[3000].name, "髙橋　﨑子");
    assert_eq!(register.records[3000].district.as_deref(), Some("北部"));
}

#[test]
fn a_file_valid_neither_as_utf8_nor_as_cp932_is_refused_at_its_line() {
    // 0x85 0x20 is no CP932 character (0x85 leads a two-byte character that needs a
    // second byte of 0x40 or more) and no UTF-8 either.
    let mut bytes = csv(&ROWS[..1]).into_bytes();
    bytes.extend_from_slice(b"000102,\x85\x20,x,y,,3820001,H7/1/5,1,N,\r\n");
    let error = read_register_bytes(&bytes, &options(EncodingChoice::Detect)).unwrap_err();
    assert!(
        matches!(error, RegisterError::NotUtf8 { line: 3 }),
        "{error}"
    );
    assert!(error.to_string().contains("Shift_JIS"), "{error}");
    assert!(
        error.message(Lang::Ja).contains("3行目"),
        "{}",
        error.message(Lang::Ja)
    );
}

#[test]
fn a_utf8_file_named_as_cp932_is_refused_instead_of_imported_as_mojibake() {
    let text = csv(&ROWS);
    let error = read_register_bytes(
        text.as_bytes(),
        &options(EncodingChoice::Named(TextEncoding::ShiftJis)),
    )
    .unwrap_err();
    assert!(
        matches!(error, RegisterError::Utf8NamedAsShiftJis { .. }),
        "{error}"
    );
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    let error = read_register_bytes(
        &with_bom,
        &options(EncodingChoice::Named(TextEncoding::ShiftJis)),
    )
    .unwrap_err();
    assert!(
        matches!(error, RegisterError::Utf8NamedAsShiftJis { .. }),
        "{error}"
    );
}

#[test]
fn garbled_bytes_in_a_named_encoding_are_reported_with_their_line() {
    let mut bytes = csv(&ROWS[..2]).into_bytes();
    // A lone continuation byte on line 3 (the second data row).
    let line3 = bytes
        .windows(6)
        .position(|w| w == b"000102")
        .expect("row present");
    bytes.insert(line3 + 6, 0x80);
    let error = read_register_bytes(&bytes, &options(EncodingChoice::Named(TextEncoding::Utf8)))
        .unwrap_err();
    assert!(
        matches!(
            error,
            RegisterError::Undecodable {
                line: 3,
                encoding: TextEncoding::Utf8
            }
        ),
        "{error}"
    );
    // Invalid CP932: a lead byte followed by a byte that cannot trail it, on line 2.
    let mut bytes = shift_jis(&csv(&ROWS[..1]));
    let at = bytes
        .windows(6)
        .position(|w| w == b"000101")
        .expect("row present");
    bytes.splice(at..at, [0x81, 0x20]);
    let error = read_register_bytes(
        &bytes,
        &options(EncodingChoice::Named(TextEncoding::ShiftJis)),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            RegisterError::Undecodable {
                line: 2,
                encoding: TextEncoding::ShiftJis
            }
        ),
        "{error}"
    );
}

#[test]
fn a_utf16_file_is_refused() {
    let bytes = [0xFF, 0xFE, b'a', 0];
    let error = read_register_bytes(&bytes, &options(EncodingChoice::Detect)).unwrap_err();
    assert!(matches!(error, RegisterError::Utf16));
}

#[test]
fn bad_rows_are_all_reported_by_line_and_nothing_is_imported() {
    let text = csv(&[
        ROWS[0],
        "000102,德永,一郎,須坂市,,3820001,昭和64年1月8日,1,南部,",
        "000103,山田,花子,須坂市,,3820002,1950-02-30,3,南部,",
        "000101,佐藤,次郎,須坂市,,3820003,1960-01-01,1,北部,",
        "000105,,,須坂市,,3820004,1960-01-01,1,北部,",
        "000106,鈴木,三郎,須坂市,,3820005,1960-01-01,1,北部",
    ]);
    let error = read_register_bytes(text.as_bytes(), &options(EncodingChoice::Detect)).unwrap_err();
    let RegisterError::BadRows(problems) = &error else {
        panic!("expected bad rows, got {error}");
    };
    assert_eq!(problems.total, 5);
    let lines: Vec<u64> = problems.shown.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7]);
    assert!(
        problems.shown[0]
            .message(Lang::En)
            .contains("平成元年1月8日"),
        "{}",
        problems.shown[0].message(Lang::En)
    );
    assert!(problems.shown[1]
        .message(Lang::En)
        .contains("not a real calendar day"));
    assert!(problems.shown[1].message(Lang::En).contains("sex `3`"));
    assert!(problems.shown[2]
        .message(Lang::En)
        .contains("also appears on line 2"));
    assert!(problems.shown[3]
        .message(Lang::En)
        .contains("name is empty"));
    assert!(problems.shown[4]
        .message(Lang::En)
        .contains("has 9 fields but the header has 10"));
    let shown = error.to_string();
    assert!(shown.contains("line 4:"), "{shown}");
}

#[test]
fn only_the_first_fifty_bad_rows_are_listed_and_the_rest_are_counted() {
    let rows: Vec<String> = (0..120)
        .map(|i| format!("{i:06},山田,太郎,須坂市,,3820000,not a date,1,北部,"))
        .collect();
    let row_refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let text = csv(&row_refs);
    let error = read_register_bytes(text.as_bytes(), &options(EncodingChoice::Detect)).unwrap_err();
    let RegisterError::BadRows(problems) = &error else {
        panic!("expected bad rows, got {error}");
    };
    assert_eq!(problems.total, 120);
    assert_eq!(problems.shown.len(), MAX_REPORTED_ROWS);
    assert_eq!(problems.shown.last().map(|p| p.line), Some(51));
    assert!(error.to_string().contains("… and 70 more"));
}

#[test]
fn a_quoted_address_spanning_two_lines_keeps_later_line_numbers_right() {
    let text = csv(&[
        "000101,髙橋,﨑子,\"須坂市大字須坂1番地\n（離れ）\",,382-0000,S45.03.12,2,北部,",
        "000102,德永,一郎,須坂市,,3820001,H7/1/32,1,南部,",
    ]);
    let error = read_register_bytes(text.as_bytes(), &options(EncodingChoice::Detect)).unwrap_err();
    let RegisterError::BadRows(problems) = &error else {
        panic!("expected bad rows, got {error}");
    };
    assert_eq!(problems.shown[0].line, 4);
}

#[test]
fn a_mapped_column_missing_from_the_header_is_named_with_the_header_found() {
    let mut columns = mapping();
    columns.district = Some("行政区".into());
    let error =
        read_register_bytes(csv(&ROWS).as_bytes(), &ImportOptions::new(columns)).unwrap_err();
    let RegisterError::MissingColumns { missing, found } = &error else {
        panic!("expected missing columns, got {error}");
    };
    assert_eq!(missing, &["行政区"]);
    assert!(found.contains(&"地区".to_string()));
}

#[test]
fn optional_columns_may_be_left_unmapped() {
    let columns = ColumnMapping {
        postal_code: None,
        sex: None,
        district: None,
        exclude: None,
        ..mapping()
    };
    let register = read_register_bytes(csv(&ROWS).as_bytes(), &ImportOptions::new(columns))
        .expect("valid extract");
    assert_eq!(register.records.len(), 3);
    assert_eq!(register.records[0].sex, None);
    assert_eq!(register.records[0].district, None);
    assert!(
        !register.records[2].excluded,
        "no exclusion column, nobody excluded"
    );
}

#[test]
fn progress_is_reported_with_the_rows_and_bytes_read() {
    let text = csv(&ROWS);
    let mut reports = Vec::new();
    read_register(
        text.as_bytes(),
        &options(EncodingChoice::Detect),
        &mut |p| reports.push(p),
    )
    .expect("valid extract");
    let last = reports.last().expect("a final report");
    assert_eq!(last.rows_read, 3);
    assert_eq!(last.bytes_read, text.len() as u64);
}

/// `count` good rows with ids 0, 1, …; every third excluded, districts 北部 and 南部.
fn many_rows(count: u64) -> Vec<String> {
    (0..count)
        .map(|i| {
            format!(
                "{i:06},山田,太郎{i},須坂市{i}番地,,3820000,1960-01-01,1,{},{}",
                if i % 2 == 0 { "北部" } else { "南部" },
                u8::from(i % 3 == 0)
            )
        })
        .collect()
}

#[test]
fn rows_are_handed_on_in_batches_in_file_order_while_reading() {
    let rows = many_rows(2 * PROGRESS_EVERY_ROWS + 5);
    let text = csv(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let mut sizes = Vec::new();
    let mut lines = Vec::new();
    let summary = read_register_in_batches(
        text.as_bytes(),
        &options(EncodingChoice::Detect),
        &mut |batch, read| {
            sizes.push((batch.len(), read.rows_read));
            lines.extend(batch.drain(..).map(|r| r.line));
        },
    )
    .expect("valid extract");
    let full = PROGRESS_EVERY_ROWS as usize;
    assert_eq!(
        sizes,
        [
            (full, PROGRESS_EVERY_ROWS),
            (full, 2 * PROGRESS_EVERY_ROWS),
            (5, 2 * PROGRESS_EVERY_ROWS + 5)
        ]
    );
    assert!(lines.iter().copied().eq(2..2 + rows.len() as u64));
    assert_eq!(summary.rows, rows.len() as u64);
    assert_eq!(summary.excluded, (rows.len() as u64).div_ceil(3));
    assert_eq!(summary.districts, 2);
    assert_eq!(summary.encoding, TextEncoding::Utf8);
}

#[test]
fn after_a_bad_row_no_more_rows_are_handed_on_and_the_extract_is_an_error() {
    let mut rows = many_rows(2 * PROGRESS_EVERY_ROWS);
    let bad = PROGRESS_EVERY_ROWS as usize + 10;
    rows[bad] = format!("{bad:06},山田,太郎,須坂市,,3820000,1960-02-30,1,北部,");
    let duplicate = rows.len() - 1;
    rows[duplicate] = format!("{:06},山田,次郎,須坂市,,3820000,1960-01-01,1,北部,", 0);
    let text = csv(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let mut handed_on = 0;
    let error = read_register_in_batches(
        text.as_bytes(),
        &options(EncodingChoice::Detect),
        &mut |batch, _| handed_on += batch.len(),
    )
    .unwrap_err();
    assert_eq!(handed_on, PROGRESS_EVERY_ROWS as usize);
    let RegisterError::BadRows(problems) = &error else {
        panic!("expected bad rows, got {error}");
    };
    let lines: Vec<u64> = problems.shown.iter().map(|p| p.line).collect();
    assert_eq!(lines, [bad as u64 + 2, duplicate as u64 + 2]);
    assert!(problems.shown[1]
        .message(Lang::En)
        .contains("also appears on line 2"));
}

#[test]
fn an_empty_file_is_reported_as_having_no_header() {
    let error = read_register_bytes(b"", &options(EncodingChoice::Detect)).unwrap_err();
    assert!(matches!(error, RegisterError::NoHeader));
}

#[test]
fn line_numbers_are_right_for_lf_crlf_and_cr_line_ends() {
    let rows = [
        "000101,髙橋,﨑子,須坂市,,382-0000,S45.03.12,2,北部,",
        "000102,德永,一郎,須坂市,,3820001,H7/1/5,1,南部,",
        "000103,山田,花子,須坂市,,3820002,not a date,2,南部,",
    ];
    for line_end in ["\n", "\r\n", "\r"] {
        let mut text = String::from(HEADER);
        for row in rows {
            text.push_str(line_end);
            text.push_str(row);
        }
        let error =
            read_register_bytes(text.as_bytes(), &options(EncodingChoice::Detect)).unwrap_err();
        let RegisterError::BadRows(problems) = &error else {
            panic!("expected bad rows, got {error}");
        };
        assert_eq!(problems.shown[0].line, 4, "line end {line_end:?}");
    }
}

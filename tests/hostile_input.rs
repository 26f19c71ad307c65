//! Hostile input to the pure readers, as property tests (proptest, fixed seeds): mutated
//! questionnaire files, arbitrary answer forms, arbitrary paper keying, arbitrary birth dates
//! and arbitrary register extracts never panic, and every refusal says where it is (a file
//! location, a question, a line). Valid values read back as they were written.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};

use tsunagari::entry::{keyed_text, keyed_values, parse_form, parse_keyed};
use tsunagari::questionnaire::{
    self as load, Answer, AnswerError, Answers, Lang, Questionnaire, QuestionnaireError, RawInput,
    Response,
};
use tsunagari::sampling::era_date::{format_era, parse_birth_date, Era};
use tsunagari::sampling::register::{
    read_register_bytes, ColumnMapping, EncodingChoice, ImportOptions, RegisterError, TextEncoding,
    MAX_REPORTED_ROWS,
};

/// The same cases on every run and machine, few enough to keep the suite fast. A deeper
/// search sets `HOSTILE_CASES` (and `HOSTILE_SEED` for other cases).
fn config(cases: u32) -> Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    Config {
        cases: env("HOSTILE_CASES").map_or(cases, |n| n as u32),
        rng_seed: RngSeed::Fixed(env("HOSTILE_SEED").unwrap_or(14)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// The questionnaire files the site ships, as text.
fn shipped_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    files
}

/// The national questionnaire with every module switched on (the most questions).
fn national() -> Questionnaire {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires");
    let q = load::load_file(dir.join("tsunagari-national.toml")).unwrap();
    let modules: Vec<String> = q.modules().iter().map(|m| m.id.clone()).collect();
    q.with_modules(modules).unwrap()
}

/// Text as people and scripts send it: anything at all, number-like text in full-width and
/// ASCII, the keying marks, and a few known troublemakers.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[0-9０-９ ,.、・\\-－+＋*＊?？]{0,8}",
        1 => "[0-9]{15,40}",
        1 => prop::sample::select(vec![
            "", " ", "\u{0}", "\u{FEFF}", "\u{FFFD}", "NaN", "inf", "-inf", "1e308", "-0",
            "0x10", "１e３", "１２３４５６７８９０１２３４５６７８９０", "\r\n", "'; DROP TABLE x; --",
            "<script>alert(1)</script>", "%00", "元", "ー",
        ])
        .prop_map(str::to_string),
        1 => "\\PC{2000,2600}",
    ]
}

/// A position in `text` on a character boundary, from an index.
fn boundary(text: &str, at: Index) -> usize {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    boundaries[at.index(boundaries.len())]
}

/// One change to a questionnaire file.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, String),
    DuplicateLine(Index),
    DropLine(Index),
    SwapLines(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = prop_oneof![
        hostile_text(),
        prop::sample::select(vec![
            "[[item]]\n",
            "[[page]]\n",
            "[[scale]]\n",
            "[[indicator]]\n",
            "[[module]]\n",
            "[[option_set]]\n",
            "[[breakdown]]\n",
            "[[distress]]\n",
            "id = \"x\"\n",
            "id = \"\"\n",
            "type = \"single\"\n",
            "type = \"grid\"\n",
            "type = \"number\"\n",
            "min = 5\nmax = 1\n",
            "show_if = { item = \"x\", in = [1] }\n",
            "show_if = {}\n",
            "options = []\n",
            "code = 4294967296\n",
            "= ",
            "\"",
            "]",
            "[",
            "{",
            "}",
            "\n",
            "ja = \"\"\n",
            "module = \"nope\"\n",
            "integer = true\nmin = 0.5\n",
        ])
        .prop_map(str::to_string),
    ];
    prop_oneof![
        (any::<Index>(), 1..200usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<Index>(), fragment).prop_map(|(at, s)| Mutation::Insert(at, s)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        any::<Index>().prop_map(Mutation::DropLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    match mutation {
        Mutation::Delete(at, len) => {
            let start = boundary(text, *at);
            let end = text[start..]
                .char_indices()
                .nth(*len)
                .map_or(text.len(), |(i, _)| start + i);
            format!("{}{}", &text[..start], &text[end..])
        }
        Mutation::Insert(at, fragment) => {
            let at = boundary(text, *at);
            format!("{}{fragment}{}", &text[..at], &text[at..])
        }
        Mutation::DuplicateLine(at) if !lines.is_empty() => {
            let i = at.index(lines.len());
            lines.insert(i, lines[i]);
            lines.concat()
        }
        Mutation::DropLine(at) if !lines.is_empty() => {
            lines.remove(at.index(lines.len()));
            lines.concat()
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            lines.concat()
        }
        _ => text.to_string(),
    }
}

/// Every problem of a refused questionnaire names the file, a place in it and what is wrong;
/// a `line L, column C` place is inside the text.
fn assert_placed(source: &str, text: &str, errors: &load::LoadErrors) {
    assert!(!errors.errors().is_empty());
    let lines = text.matches('\n').count() + 1;
    for error in errors.errors() {
        assert_eq!(error.file(), source);
        for lang in [Lang::Ja, Lang::En] {
            assert!(!error.location(lang).is_empty(), "no place: {error:?}");
            assert!(
                !error.message(lang).trim().is_empty(),
                "no message: {error:?}"
            );
        }
        if let load::Location::Line { line, .. } = error.place() {
            assert!(*line >= 1 && *line <= lines, "{error:?} of {lines} lines");
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_mutated_questionnaire_file_loads_or_says_where_it_is_wrong(
        file in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = shipped_files();
        let (name, original) = &files[file.index(files.len())];
        let mut text = original.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        if let Err(errors) = load::from_toml_str(name, &text) {
            assert_placed(name, &text, &errors);
        }
    }

    #[test]
    fn arbitrary_text_as_a_questionnaire_file_is_refused_with_a_place(text in hostile_text()) {
        match load::from_toml_str("hostile.toml", &text) {
            Err(errors) => assert_placed("hostile.toml", &text, &errors),
            Ok(q) => panic!("{text:?} loaded as {}", q.id()),
        }
    }
}

/// One posted field: a name (a question of the questionnaire, or anything) and a value
/// (a valid option code of that question, any code, or hostile text).
#[derive(Debug, Clone)]
struct Field {
    question: Index,
    any_name: Option<String>,
    value: FieldValue,
}

#[derive(Debug, Clone)]
enum FieldValue {
    ValidCode(Index),
    Code(u32),
    Text(String),
}

fn field() -> impl Strategy<Value = Field> {
    (
        any::<Index>(),
        prop::option::weighted(0.1, hostile_text()),
        prop_oneof![
            4 => any::<Index>().prop_map(FieldValue::ValidCode),
            1 => any::<u32>().prop_map(FieldValue::Code),
            2 => hostile_text().prop_map(FieldValue::Text),
        ],
    )
        .prop_map(|(question, any_name, value)| Field {
            question,
            any_name,
            value,
        })
}

/// The fields as a form (or a keying screen) posts them, naming questions among `questions`.
fn posted(questions: &[&tsunagari::questionnaire::Question], fields: &[Field]) -> RawInput {
    let mut input = RawInput::default();
    for f in fields {
        let question = questions[f.question.index(questions.len())];
        let name = f.any_name.clone().unwrap_or_else(|| question.id.clone());
        let value = match &f.value {
            FieldValue::ValidCode(pick) => match &question.response {
                Response::Single { options } | Response::Multiple { options, .. } => {
                    options[pick.index(options.len())].code.to_string()
                }
                Response::Number { min, max, .. } => {
                    format!(
                        "{}",
                        (*min + (*max - *min) * pick.index(100) as f64 / 99.0).round()
                    )
                }
                Response::Text { .. } => "ひとりで過ごすことが多い".to_string(),
            },
            FieldValue::Code(code) => code.to_string(),
            FieldValue::Text(text) => text.clone(),
        };
        input.push(name, value);
    }
    input
}

/// An answer problem a person can read in both languages and that names its question.
fn assert_readable(error: &AnswerError, known: &BTreeSet<&str>) {
    assert!(known.contains(error.question_id.as_str()), "{error:?}");
    for lang in [Lang::Ja, Lang::En] {
        assert!(!error.message(lang).trim().is_empty(), "{error:?}");
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn an_arbitrary_answer_page_is_saved_valid_or_refused_per_question_with_nothing_lost(
        pages in prop::collection::vec(0..24usize, 1..4),
        fields in prop::collection::vec(field(), 0..30),
    ) {
        let q = national();
        let all: Vec<_> = q.questions().iter().collect();
        let mut answers = Answers::new();
        for page in pages {
            let before = answers.clone();
            let input = posted(&all, &fields);
            match q.save_page(page, &input, &mut answers) {
                Err(QuestionnaireError::NoSuchPage { count, .. }) => {
                    assert!(page >= count);
                    assert_eq!(answers, before);
                }
                Err(other) => panic!("page {page}: {other}"),
                Ok(Err(errors)) => {
                    assert!(!errors.errors.is_empty());
                    let on_page: BTreeSet<&str> =
                        q.page_questions(page).map(|q| q.id.as_str()).collect();
                    for error in &errors.errors {
                        assert_readable(error, &on_page);
                    }
                    // A refused page stores nothing and drops nothing.
                    assert_eq!(answers, before);
                }
                Ok(Ok(())) => {
                    assert!(page < q.pages().len());
                    assert_eq!(q.check_answers(&answers), vec![]);
                }
            }
        }
    }

    #[test]
    fn an_arbitrary_keyed_paper_form_is_read_or_refused_per_question_and_reads_back_the_same(
        fields in prop::collection::vec(field(), 0..60),
        marks in prop::collection::vec(
            (any::<Index>(), prop::sample::select(vec!["-", "－", "*", "＊", "?", "？", " - ", ""])),
            0..10,
        ),
    ) {
        let q = national();
        let all: Vec<_> = q.questions().iter().collect();
        let known: BTreeSet<&str> = all.iter().map(|q| q.id.as_str()).collect();
        let mut input = posted(&all, &fields);
        for (at, mark) in &marks {
            input.push(all[at.index(all.len())].id.clone(), mark.to_string());
        }
        let form = parse_form(&q, &input);
        for error in form.errors.iter().chain(&form.skip_flags) {
            assert_readable(error, &known);
        }
        assert_eq!(q.check_answers(&form.answers), vec![]);
        for (id, answer) in form.answers.iter() {
            let question = q.question(id).unwrap();
            let again = parse_keyed(question, &keyed_text(answer))
                .unwrap_or_else(|e| panic!("{id}: {answer:?} keyed as {:?}: {e}", keyed_text(answer)));
            assert_eq!(&again, answer, "{id}");
        }
        if form.is_valid() {
            // An entry opened again on the keying screen reads back as it was saved.
            let reopened = parse_form(&q, &keyed_values(&q, &form.answers));
            assert!(reopened.is_valid(), "{:?}", reopened.errors);
            assert_eq!(reopened.answers, form.answers);
        }
    }

    #[test]
    fn a_keyed_value_of_any_text_never_panics_and_a_refusal_names_the_question(
        question in any::<Index>(),
        raw in hostile_text(),
    ) {
        let q = national();
        let question = &q.questions()[question.index(q.questions().len())];
        match parse_keyed(question, &raw) {
            Ok(answer) => {
                assert!(question.check_answer(&answer).is_ok(), "{raw:?} → {answer:?}");
                if !matches!(answer, Answer::Missing(_)) {
                    assert_eq!(parse_keyed(question, &keyed_text(&answer)).unwrap(), answer);
                }
            }
            Err(error) => assert_readable(&error, &BTreeSet::from([question.id.as_str()])),
        }
    }
}

/// Days from the first Gregorian birth dates the register accepts (明治6年) to 2100.
fn birth_day() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1873, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap();
    (0..=(last - first).num_days()).prop_map(move |d| first + chrono::Duration::days(d))
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
            '.' => '．',
            '/' => '／',
            '-' => '－',
            c => c,
        })
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_text_as_a_birth_date_is_a_date_from_1873_or_an_error_saying_what_is_wrong(
        text in hostile_text(),
        mangle in prop::option::of((any::<Index>(), birth_day(), hostile_text())),
    ) {
        // Either any text, or a real date's text with something hostile put inside it.
        let text = match mangle {
            None => text,
            Some((at, day, inserted)) => {
                let written = format_era(day);
                let at = boundary(&written, at);
                format!("{}{inserted}{}", &written[..at], &written[at..])
            }
        };
        match parse_birth_date(&text) {
            Ok(date) => assert!(date.year() >= 1873, "{text:?} → {date}"),
            Err(e) => assert!(!e.to_string().trim().is_empty()),
        }
    }

    #[test]
    fn a_birth_date_written_in_any_accepted_form_reads_back_as_the_same_day(day in birth_day()) {
        let era = Era::of(day).unwrap();
        let era_year = day.year() - era.first_day().year() + 1;
        let written = [
            format_era(day),
            day.format("%Y-%m-%d").to_string(),
            day.format("%Y/%-m/%-d").to_string(),
            day.format("%Y.%m.%d").to_string(),
            day.format("%Y%m%d").to_string(),
            day.format("%Y年%-m月%-d日").to_string(),
            format!("{}{era_year}年{}月{}日", era.kanji(), day.month(), day.day()),
            format!("{}{era_year:02}.{:02}.{:02}", era.letter(), day.month(), day.day()),
            format!("{}{era_year}/{}/{}", era.letter().to_ascii_lowercase(), day.month(), day.day()),
            format!("{}.{era_year}-{}-{}", era.letter(), day.month(), day.day()),
            format!(" {} ", full_width(&format_era(day))),
        ];
        for text in written {
            assert_eq!(parse_birth_date(&text), Ok(day), "{text:?}");
        }
    }
}

/// The columns of the register extracts below.
fn register_columns() -> ColumnMapping {
    ColumnMapping {
        resident_id: "住民番号".into(),
        name: vec!["氏".into(), "名".into()],
        address: vec!["住所".into()],
        postal_code: Some("郵便番号".into()),
        birth_date: "生年月日".into(),
        sex: Some("性別".into()),
        district: Some("地区".into()),
        exclude: Some("除外".into()),
    }
}

const REGISTER_HEADER: &str = "住民番号,氏,名,住所,郵便番号,生年月日,性別,地区,除外";

/// One register field: usually what a register holds, sometimes anything.
fn register_field(column: usize) -> BoxedStrategy<String> {
    let good: BoxedStrategy<String> = match column {
        0 => "[0-9]{1,3}".boxed(),
        1 | 2 => prop::sample::select(vec!["佐藤", "鈴木", "髙橋", "ｻﾄｳ", "", "山\0田"])
            .prop_map(str::to_string)
            .boxed(),
        3 => Just("長野市大字鶴賀1-1".to_string()).boxed(),
        4 => prop::sample::select(vec!["380-0000", "3800000", "〒３８０－０００１"])
            .prop_map(str::to_string)
            .boxed(),
        5 => birth_day().prop_map(format_era).boxed(),
        6 => prop::sample::select(vec!["1", "2", "男", "女", "F", "9"])
            .prop_map(str::to_string)
            .boxed(),
        7 => prop::sample::select(vec!["第一", "第二", "ちくま"])
            .prop_map(str::to_string)
            .boxed(),
        _ => prop::sample::select(vec!["", "0", "1", "除外"])
            .prop_map(str::to_string)
            .boxed(),
    };
    prop_oneof![8 => good, 1 => hostile_text()].boxed()
}

/// A row of the extract: nine fields, sometimes one too many or too few.
fn register_row() -> impl Strategy<Value = Vec<String>> {
    let fields: Vec<BoxedStrategy<String>> = (0..9).map(register_field).collect();
    (
        fields,
        prop_oneof![8 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
    )
        .prop_map(|(mut row, width)| {
            match width {
                -1 => {
                    row.pop();
                }
                1 => row.push("余分".into()),
                _ => {}
            }
            row
        })
}

/// A CSV field as a spreadsheet writes it, on one line: quoted when needed, line breaks
/// (which would start another line of the file) replaced.
fn csv_field(text: &str) -> String {
    let one_line = text.replace(['\r', '\n'], " ");
    if one_line.contains([',', '"']) || one_line.starts_with(' ') {
        format!("\"{}\"", one_line.replace('"', "\"\""))
    } else {
        one_line
    }
}

/// Lines as a spreadsheet ends them: `\n`, `\r\n` or a lone `\r`.
fn line_count(bytes: &[u8]) -> u64 {
    let ends = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' && (*i == 0 || bytes[i - 1] != b'\r') || **b == b'\r')
        .count();
    ends as u64 + 1
}

/// Every refusal of an extract says where: the header's problems are the header's, and every
/// other problem names a line of the file.
fn assert_register_error_placed(bytes: &[u8], error: &RegisterError) {
    let lines = line_count(bytes);
    match error {
        RegisterError::Io(e) => panic!("an in-memory extract cannot fail to read: {e}"),
        RegisterError::NotUtf8 { line } | RegisterError::Undecodable { line, .. } => {
            assert!(*line >= 1 && *line <= lines, "{error} of {lines} lines")
        }
        RegisterError::BadRows(rows) => {
            assert!(rows.total >= rows.shown.len() && !rows.shown.is_empty());
            let mut previous = 0;
            for row in &rows.shown {
                assert!(
                    row.line >= 2 && row.line <= lines,
                    "line {} of {lines}",
                    row.line
                );
                assert!(row.line >= previous, "problems in line order");
                for lang in [Lang::Ja, Lang::En] {
                    assert!(!row.message(lang).trim().is_empty());
                }
                previous = row.line;
            }
        }
        RegisterError::Utf16
        | RegisterError::NoHeader
        | RegisterError::MissingColumns { .. }
        | RegisterError::AmbiguousColumn(_)
        | RegisterError::Utf8NamedAsShiftJis { .. } => {}
    }
    assert!(!error.to_string().trim().is_empty());
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_as_a_register_extract_never_panic_and_refusals_name_a_line(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            prop::collection::vec(any::<u8>(), 0..400).prop_map(|tail| {
                let mut b = format!("{REGISTER_HEADER}\n").into_bytes();
                b.extend(tail);
                b
            }),
        ],
        encoding in prop::sample::select(vec![
            EncodingChoice::Detect,
            EncodingChoice::Named(TextEncoding::Utf8),
            EncodingChoice::Named(TextEncoding::ShiftJis),
        ]),
        tabs in any::<bool>(),
    ) {
        let mut options = ImportOptions::new(register_columns());
        options.encoding = encoding;
        if tabs {
            options.delimiter = b'\t';
        }
        if let Err(error) = read_register_bytes(&bytes, &options) {
            assert_register_error_placed(&bytes, &error);
        }
    }

    #[test]
    fn every_bad_register_row_is_reported_on_its_own_line_and_good_extracts_keep_every_row(
        rows in prop::collection::vec(register_row(), 0..40),
        crlf in any::<bool>(),
        cp932 in any::<bool>(),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut options = ImportOptions::new(register_columns());
        if cp932 {
            options.encoding = EncodingChoice::Named(TextEncoding::ShiftJis);
        }
        // What the file holds: in Shift_JIS, text it cannot hold is written as the
        // encoder writes it.
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| row.into_iter().map(|f| if cp932 { in_cp932(&f) } else { f }).collect())
            .collect();
        let extract = |rows: &[&Vec<String>]| {
            let mut text = format!("{REGISTER_HEADER}{newline}");
            for row in rows {
                let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                text.push_str(&fields.join(","));
                text.push_str(newline);
            }
            if cp932 {
                encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
            } else {
                text.into_bytes()
            }
        };
        // Each row read alone: bad, or the resident id it holds.
        let mut bad_lines = Vec::new();
        let mut seen_ids = std::collections::HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let line = i as u64 + 2;
            match read_register_bytes(&extract(&[row]), &options) {
                Ok(alone) => {
                    let id = alone.records[0].resident_id.clone();
                    if !seen_ids.insert(id) {
                        bad_lines.push(line);
                    }
                }
                Err(RegisterError::BadRows(_)) => bad_lines.push(line),
                Err(other) => panic!("row {row:?} alone: {other}"),
            }
        }
        let bytes = extract(&rows.iter().collect::<Vec<_>>());
        match read_register_bytes(&bytes, &options) {
            Ok(register) => {
                assert_eq!(bad_lines, Vec::<u64>::new());
                // What is accepted can be stored on either backend (PostgreSQL: no NUL).
                for r in &register.records {
                    let district = r.district.as_deref().unwrap_or_default();
                    assert!(![&r.name, &r.address].iter().any(|t| t.contains('\0')) && !district.contains('\0'), "{r:?}");
                }
                let lines: Vec<u64> = register.records.iter().map(|r| r.line).collect();
                let every: Vec<u64> = (0..rows.len() as u64).map(|i| i + 2).collect();
                assert_eq!(lines, every);
            }
            Err(RegisterError::BadRows(problems)) => {
                assert_register_error_placed(&bytes, &RegisterError::BadRows(problems.clone()));
                assert_eq!(problems.total, bad_lines.len());
                let shown: Vec<u64> = problems.shown.iter().map(|p| p.line).collect();
                bad_lines.truncate(MAX_REPORTED_ROWS);
                assert_eq!(shown, bad_lines);
            }
            Err(other) => panic!("{other}"),
        }
    }
}

/// `text` as a Shift_JIS file holds it.
fn in_cp932(text: &str) -> String {
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    encoding_rs::SHIFT_JIS.decode(&bytes).0.into_owned()
}

/// Found by the mutation test: the TOML reader gives no message for a control character in a
/// comment.
#[test]
fn a_control_character_in_a_comment_is_named_with_its_place() {
    let errors = load::from_toml_str("q.toml", "#\u{0} a comment\nid = \"q\"\n").unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!(error.location(Lang::En), "line 1, column 2");
    assert_eq!(error.location(Lang::Ja), "1行目 2文字目");
    for lang in [Lang::Ja, Lang::En] {
        assert!(error.message(lang).contains("U+0000"), "{error:?}");
    }
}

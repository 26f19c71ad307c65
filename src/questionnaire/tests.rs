//! Tests of loading, answering and scoring against small fixtures and the shipped files.
//! Expected scores are computed by hand in the comments next to them.

use super::*;
use std::path::{Path, PathBuf};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questionnaires")
}

fn national() -> Questionnaire {
    load_file(shipped_dir().join("tsunagari-national.toml"))
        .unwrap_or_else(|errors| panic!("{errors}"))
}

const FIXTURE: &str = r#"
id = "fixture"
kind = "sampled"
title = { ja = "テスト", en = "Test" }

[[module]]
id = "extra"
title = { ja = "追加", en = "Extra" }

[[page]]
id = "p1"
title = { ja = "一", en = "One" }

[[page.item]]
id = "q1"
number = "問1"
type = "single"
text = { ja = "質問1", en = "Question 1" }
options = [
  { code = 1, ja = "はい", en = "Yes" },
  { code = 2, ja = "いいえ", en = "No" },
]

[[page.item]]
id = "hobbies"
number = "問2"
type = "multiple"
text = { ja = "趣味", en = "Hobbies" }
max_choices = 2
options = [
  { code = 1, ja = "読書", en = "Reading" },
  { code = 2, ja = "運動", en = "Sport" },
  { code = 3, ja = "音楽", en = "Music" },
  { code = 9, ja = "特にない", en = "None", exclusive = true },
]

[[page.item]]
id = "age"
number = "問3"
type = "number"
text = { ja = "年齢", en = "Age" }
min = 16
max = 120
unit = { ja = "歳", en = "years" }

[[page.item]]
id = "note"
number = "問4"
type = "text"
required = false
max_length = 10
text = { ja = "自由記述", en = "Comments" }

[[page]]
id = "p2"
title = { ja = "二", en = "Two" }

[[page.item]]
id = "followup"
number = "問5"
type = "single"
text = { ja = "はいの方へ", en = "If yes" }
show_if = { item = "q1", in = [1] }
options = [
  { code = 1, ja = "A", en = "A" },
  { code = 2, ja = "B", en = "B" },
]

[[page.item]]
id = "feel"
number = "問6"
type = "grid"
text = { ja = "気持ち", en = "Feelings" }
options = [
  { code = 1, ja = "決してない", en = "Never" },
  { code = 2, ja = "ほとんどない", en = "Hardly ever" },
  { code = 3, ja = "時々ある", en = "Sometimes" },
  { code = 4, ja = "常にある", en = "Always" },
]
row = [
  { id = "f1", number = "(1)", ja = "一", en = "One" },
  { id = "f2", number = "(2)", ja = "二", en = "Two" },
  { id = "f3", number = "(3)", ja = "三", en = "Three" },
]

[[page]]
id = "p3"
title = { ja = "三", en = "Three" }
module = "extra"

[[page.item]]
id = "extra_q"
number = "X1"
type = "single"
text = { ja = "追加の質問", en = "Extra question" }
options = [
  { code = 1, ja = "少し", en = "A little" },
  { code = 2, ja = "かなり", en = "Quite" },
  { code = 3, ja = "とても", en = "Very" },
]

[[scale]]
id = "feel"
name = { ja = "気持ち", en = "Feelings" }
items = ["f1", "f2", "f3"]
points = { 1 = 1, 2 = 2, 3 = 3, 4 = 4 }
range = [3, 12]
missing = "prorate"
max_missing = 1
band = [
  { min = 3, max = 6, ja = "低", en = "Low" },
  { min = 7, max = 12, ja = "高", en = "High" },
]

[[scale]]
id = "extra"
name = { ja = "追加", en = "Extra" }
items = ["extra_q"]
points = { 1 = 0, 2 = 1, 3 = 2 }
range = [0, 2]
missing = "no_total"
band = [
  { min = 0, max = 0, ja = "なし", en = "None" },
  { min = 1, max = 2, ja = "あり", en = "Some" },
]

[[distress]]
item = "q1"
codes = [2]

[[distress]]
scale = "extra"
at_least = 2
"#;

fn fixture() -> Questionnaire {
    from_toml_str("fixture.toml", FIXTURE).unwrap_or_else(|errors| panic!("{errors}"))
}

/// Loads the fixture with `from` replaced by `to` and returns the load errors.
fn errors_after(from: &str, to: &str) -> Vec<LoadError> {
    assert!(FIXTURE.contains(from), "fixture does not contain {from:?}");
    match from_toml_str("fixture.toml", &FIXTURE.replacen(from, to, 1)) {
        Ok(_) => panic!("expected load errors after replacing {from:?} with {to:?}"),
        Err(errors) => errors.0,
    }
}

/// Asserts that one error is at `location` and its message contains every part of `message`.
fn assert_error(errors: &[LoadError], location: &str, message: &[&str]) {
    let found = errors.iter().any(|error| {
        error.file() == "fixture.toml"
            && error.location(Lang::En).contains(location)
            && message
                .iter()
                .all(|part| error.message(Lang::En).contains(part))
    });
    for error in errors {
        assert_japanese(error);
    }
    assert!(
        found,
        "no error at {location:?} mentioning {message:?}; got: {errors:#?}"
    );
}

/// Asserts that the Japanese wording of `error` is Japanese: no English words outside what is
/// quoted from the file (ids, keys and values in backticks, tables in `[[…]]`, printed numbers
/// in 「…」).
/// The toml crate's own English, kept for messages it words that are not translated, is the one
/// exception: it is only quoted after a Japanese sentence.
fn assert_japanese(error: &LoadError) {
    let message = error.message(Lang::Ja);
    assert!(
        message
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "not Japanese: {message}"
    );
    let prose = match message.split_once("（読み取りの原文: ") {
        Some((before, _)) => before,
        None => message,
    };
    let english = english_words(prose);
    assert!(english.is_empty(), "English {english:?} in: {message}");
    let english = english_words(&error.location(Lang::Ja));
    assert!(
        english.is_empty(),
        "English {english:?} in the place: {}",
        error.location(Lang::Ja)
    );
}

/// The runs of Latin letters in `text` outside backticks, `[[…]]` and 「…」, but for TOML and
/// UTF.
fn english_words(text: &str) -> Vec<String> {
    let mut outside = String::new();
    for (index, part) in text.split('`').enumerate() {
        if index % 2 == 0 {
            outside.push_str(part);
            outside.push(' ');
        }
    }
    let mut kept = outside;
    for (open, close) in [("[[", "]]"), ("「", "」")] {
        let mut rest = kept.as_str();
        let mut without = String::new();
        while let Some(start) = rest.find(open) {
            without.push_str(&rest[..start]);
            rest = rest[start..]
                .split_once(close)
                .map_or("", |(_, after)| after);
        }
        without.push_str(rest);
        kept = without;
    }
    kept.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| !word.is_empty() && !["TOML", "UTF"].contains(word))
        .map(str::to_string)
        .collect()
}

fn input(pairs: &[(&str, &str)]) -> RawInput {
    RawInput::from_pairs(pairs.iter().copied())
}

fn answers(pairs: &[(&str, Answer)]) -> Answers {
    let mut answers = Answers::new();
    for (id, answer) in pairs {
        answers.insert(*id, answer.clone());
    }
    answers
}

fn page_index(questionnaire: &Questionnaire, id: &str) -> usize {
    questionnaire
        .pages()
        .iter()
        .position(|page| page.id == id)
        .unwrap_or_else(|| panic!("no page {id}"))
}

fn parse(
    questionnaire: &Questionnaire,
    page: usize,
    fields: &[(&str, &str)],
    so_far: &Answers,
) -> Result<PageAnswers, PageErrors> {
    questionnaire
        .parse_page(page, &input(fields), so_far)
        .expect("page exists")
}

fn problems(result: Result<PageAnswers, PageErrors>) -> Vec<(String, AnswerProblem)> {
    match result {
        Ok(page) => panic!("expected errors, got {page:?}"),
        Err(errors) => errors
            .errors
            .into_iter()
            .map(|error| (error.question_id, error.problem))
            .collect(),
    }
}

// ----- shipped files -----

#[test]
fn the_shipped_questionnaires_load_and_every_text_has_english() {
    let all = load_dir(shipped_dir()).unwrap_or_else(|errors| panic!("{errors}"));
    let ids: Vec<&str> = all.iter().map(|q| q.id()).collect();
    assert_eq!(
        ids,
        [
            "consultation-service-evaluation",
            "gatekeeper-training-evaluation",
            "tsunagari-national"
        ]
    );
    for questionnaire in &all {
        assert_eq!(
            questionnaire.texts_missing_english(),
            Vec::<String>::new(),
            "{}",
            questionnaire.id()
        );
    }
    assert_eq!(all[0].kind(), QuestionnaireKind::Open);
    assert_eq!(all[1].kind(), QuestionnaireKind::Open);
    assert_eq!(all[2].kind(), QuestionnaireKind::Sampled);
}

#[test]
fn the_national_direct_question_keeps_the_official_wording_and_option_order() {
    let q = national();
    let direct = q.question("direct").expect("direct question");
    assert_eq!(
        direct.text.ja,
        "あなたはどの程度、孤独であると感じることがありますか。"
    );
    let labels: Vec<&str> = direct
        .response
        .options()
        .iter()
        .map(|c| c.label.ja.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "決してない",
            "ほとんどない",
            "たまにある",
            "時々ある",
            "しばしばある・常にある"
        ]
    );
    let codes: Vec<Code> = direct.response.options().iter().map(|c| c.code).collect();
    assert_eq!(codes, [1, 2, 3, 4, 5]);
}

#[test]
fn the_national_ucla_items_are_verbatim_and_asked_before_the_direct_question() {
    let q = national();
    let texts: Vec<&str> = ["ucla_1", "ucla_2", "ucla_3"]
        .iter()
        .map(|id| q.question(id).expect("ucla item").text.ja.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "あなたは、自分には人とのつきあいがないと感じることがありますか",
            "あなたは、自分は取り残されていると感じることがありますか",
            "あなたは、自分は他の人たちから孤立していると感じることがありますか",
        ]
    );
    let position = |id: &str| {
        q.questions()
            .iter()
            .position(|question| question.id == id)
            .expect("question")
    };
    assert!(position("ucla_3") < position("direct"));
    assert_eq!(q.question("ucla_2").expect("ucla_2").number, "問7(2)");
    let scale = q.scale("ucla3").expect("ucla3 scale");
    assert_eq!((scale.min_total, scale.max_total), (3, 12));
}

#[test]
fn the_national_questionnaire_has_the_isolation_and_face_sheet_items() {
    let q = national();
    for id in [
        "contact_in_person",
        "contact_phone",
        "contact_sns_mail",
        "participation",
        "support_received",
        "help_intention",
        "rely_on",
        "rely_on_who",
        "consult",
        "consult_who",
        "age_band",
        "sex",
        "marital_status",
        "household_size",
        "household_members",
        "employment_status",
        "economic_situation",
        "health",
        "district",
    ] {
        assert!(q.question(id).is_some(), "missing question {id}");
    }
    // Suzaka's own item is a module, off unless a survey asks for it.
    assert!(q.question("years_of_residence").is_none());
    let sex: Vec<&str> = q
        .question("sex")
        .expect("sex")
        .response
        .options()
        .iter()
        .map(|c| c.label.ja.as_str())
        .collect();
    assert_eq!(sex, ["男性", "女性", "その他", "答えたくない"]);
    let districts = q
        .question("district")
        .expect("district")
        .response
        .options()
        .len();
    assert!(
        (9..=13).contains(&districts),
        "{districts} district options"
    );
}

/// The national file with every module switched on.
fn national_with_every_module() -> Questionnaire {
    let q = national();
    let all: Vec<String> = q.modules().iter().map(|m| m.id.clone()).collect();
    q.with_modules(all).expect("every module")
}

/// One question of `tests/fixtures/national/items.toml`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownNational {
    id: String,
    provenance: String,
    text: Option<String>,
    text_contains: Option<String>,
    options: Option<Vec<String>>,
    options_begin: Option<Vec<String>>,
    exclusive: Option<String>,
    includes: Option<Vec<String>>,
    #[allow(dead_code)]
    seen_in: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownNationalFile {
    question: Vec<KnownNational>,
}

#[test]
fn the_national_items_are_worded_as_the_public_copies_show() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/national/items.toml");
    let known: KnownNationalFile =
        toml::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture");
    assert!(
        known.question.len() >= 17,
        "the fixture lists the known items"
    );
    let q = national_with_every_module();
    for expected in &known.question {
        let id = expected.id.as_str();
        let question = q
            .question(id)
            .unwrap_or_else(|| panic!("the national file has no question {id}"));
        let labels: Vec<&str> = question
            .response
            .options()
            .iter()
            .map(|c| c.label.ja.as_str())
            .collect();
        assert_eq!(
            question.provenance.as_str(),
            expected.provenance,
            "{id}: provenance"
        );
        if let Some(text) = &expected.text {
            assert_eq!(&question.text.ja, text, "{id}: text");
        }
        if let Some(part) = &expected.text_contains {
            assert!(
                question.text.ja.contains(part.as_str()),
                "{id}: text has {part}"
            );
        }
        if let Some(options) = &expected.options {
            assert_eq!(&labels, options, "{id}: options");
        }
        if let Some(begin) = &expected.options_begin {
            assert!(labels.len() >= begin.len(), "{id}: {labels:?}");
            assert_eq!(&labels[..begin.len()], begin, "{id}: first options");
        }
        if let Some(exclusive) = &expected.exclusive {
            let found: Vec<&str> = question
                .response
                .options()
                .iter()
                .filter(|c| c.exclusive)
                .map(|c| c.label.ja.as_str())
                .collect();
            assert_eq!(found, [exclusive.as_str()], "{id}: exclusive option");
        }
        for label in expected.includes.iter().flatten() {
            assert!(labels.contains(&label.as_str()), "{id}: no option {label}");
        }
    }
    // Every item the file calls national is in the fixture: nothing claims more than was seen.
    for question in q.questions() {
        if question.provenance == Provenance::National {
            assert!(
                known.question.iter().any(|k| k.id == question.id),
                "{} is marked national but not in the fixture",
                question.id
            );
        }
    }
}

#[test]
fn every_item_of_the_shipped_files_declares_its_provenance() {
    for questionnaire in load_dir(shipped_dir()).unwrap_or_else(|errors| panic!("{errors}")) {
        for page in questionnaire.all_pages() {
            for item in &page.items {
                assert!(
                    item.declared_provenance.is_some(),
                    "{}: item {} has no provenance",
                    questionnaire.id(),
                    item.id
                );
            }
        }
    }
    let q = national_with_every_module();
    let count = |p: Provenance| q.questions().iter().filter(|x| x.provenance == p).count();
    assert_eq!(
        count(Provenance::National),
        4,
        "the direct question and the UCLA items"
    );
    assert!(count(Provenance::NationalSecondary) > 10);
    // The modules LSNS-6, K6 and suzaka-local are not national items.
    for question in q.questions() {
        let page = &q.pages()[question.page_index];
        if matches!(
            page.module.as_deref(),
            Some("lsns6" | "k6" | "suzaka-local")
        ) {
            assert_eq!(question.provenance, Provenance::Local, "{}", question.id);
        }
    }
}

/// `問6-1` → ("問", 6, "-1").
fn split_number(number: &str) -> (String, u32, String) {
    let start = number.find(|c: char| c.is_ascii_digit()).expect("a digit");
    let digits: String = number[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let rest = number[start + digits.len()..].to_string();
    (number[..start].to_string(), digits.parse().unwrap(), rest)
}

#[test]
fn printed_numbers_stay_right_whichever_modules_are_switched_off() {
    let q = national();
    let modules: Vec<String> = q.modules().iter().map(|m| m.id.clone()).collect();
    assert_eq!(modules, ["lsns6", "k6", "national-extra", "suzaka-local"]);
    let core = q.with_modules(Vec::<String>::new()).expect("core");
    let core_numbers: Vec<&str> = core.questions().iter().map(|x| x.number.as_str()).collect();
    assert_eq!(core_numbers.first(), Some(&"問1(1)"));
    assert!(core_numbers.contains(&"問9") && core_numbers.contains(&"F8"));
    for mask in 0..(1u32 << modules.len()) {
        let chosen: Vec<&String> = modules
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| m)
            .collect();
        let selected = q.with_modules(chosen.iter().copied()).expect("modules");
        // The core questions keep their numbers whatever else is on.
        for question in core.questions() {
            assert_eq!(
                selected
                    .question(&question.id)
                    .expect("core question")
                    .number,
                question.number,
                "{chosen:?}"
            );
        }
        // Within every series, the items run 1, 2, 3 … without a gap; a sub-number (問6-1)
        // follows its parent; no number is printed twice.
        let mut last: std::collections::HashMap<String, u32> = Default::default();
        let mut seen = std::collections::HashSet::new();
        for page in selected.pages() {
            for item in &page.items {
                assert!(seen.insert(item.number.clone()), "{} twice", item.number);
                let (series, main, rest) = split_number(&item.number);
                let before = last.get(&series).copied().unwrap_or(0);
                match rest.is_empty() {
                    true => assert_eq!(
                        main,
                        before + 1,
                        "{} after {series}{before} ({chosen:?})",
                        item.number
                    ),
                    false => assert_eq!(main, before, "{} follows {series}{before}", item.number),
                }
                last.insert(series, main);
            }
        }
        // The codebook (and so any export) prints the same numbers as the screens.
        let numbers: Vec<String> = selected.codebook().into_iter().map(|e| e.number).collect();
        let expected: Vec<String> = selected
            .questions()
            .iter()
            .map(|x| x.number.clone())
            .collect();
        assert_eq!(numbers, expected);
    }
}

#[test]
fn a_module_item_in_another_part_s_number_series_is_refused() {
    // The fixture's module item printed as 問7, continuing the core's 問1–問6.
    let errors = errors_after("number = \"X1\"", "number = \"問7\"");
    assert_error(
        &errors,
        "item `extra_q`",
        &[
            "`問7`",
            "module `extra`",
            "series `問`",
            "the core questionnaire",
            "`問1`",
            "gap",
        ],
    );
    // Two modules sharing one series.
    let source = FIXTURE.replace(
        "[[page]]\nid = \"p3\"",
        "[[module]]\nid = \"more\"\ntitle = { ja = \"さらに\" }\n\n[[page]]\nid = \"p3\"",
    ) + "\n[[page]]\nid = \"p4\"\ntitle = { ja = \"四\" }\nmodule = \"more\"\n\n[[page.item]]\nid = \"more_q\"\nnumber = \"X2\"\ntype = \"single\"\ntext = { ja = \"さらに\" }\noptions = [{ code = 1, ja = \"x\" }]\n";
    let errors = from_toml_str("fixture.toml", &source)
        .expect_err("two modules, one series")
        .0;
    assert_error(
        &errors,
        "item `more_q`",
        &[
            "module `more`",
            "module `extra`",
            "series `X`",
            "each module a series of its own",
            "`M1`",
        ],
    );
    // A series of its own is fine, and so are gaps the author writes.
    let fine = FIXTURE.replace("number = \"問6\"", "number = \"問8\"");
    assert!(from_toml_str("fixture.toml", &fine).is_ok());
}

#[test]
fn provenance_must_be_one_of_the_three_values_and_may_be_left_out() {
    let errors = errors_after(
        "id = \"q1\"\nnumber = \"問1\"",
        "id = \"q1\"\nnumber = \"問1\"\nprovenance = \"nationwide\"",
    );
    assert_error(
        &errors,
        "item `q1`",
        &[
            "\"nationwide\"",
            "\"national\"",
            "\"national-secondary\"",
            "\"local\"",
        ],
    );
    let declared = from_toml_str(
        "fixture.toml",
        &FIXTURE.replacen(
            "id = \"q1\"\nnumber = \"問1\"",
            "id = \"q1\"\nnumber = \"問1\"\nprovenance = \"national-secondary\"\nprovenance_note = { ja = \"二次資料\", en = \"Secondary\" }",
            1,
        ),
    )
    .expect("valid provenance");
    let q1 = declared.question("q1").expect("q1");
    assert_eq!(q1.provenance, Provenance::NationalSecondary);
    assert_eq!(
        declared.codebook()[0]
            .provenance_note
            .as_ref()
            .map(|t| t.ja.as_str()),
        Some("二次資料")
    );
    // Not written: counts as local.
    let q = fixture();
    assert_eq!(
        q.question("hobbies").expect("hobbies").provenance,
        Provenance::Local
    );
    assert_eq!(q.pages()[0].items[1].declared_provenance, None);
}

#[test]
fn a_national_figure_needs_national_items() {
    let indicator = "\n[[indicator]]\nid = \"yes\"\nname = { ja = \"はい\" }\nitem = \"q1\"\ncodes = [1]\nnational = { percent = 10.0, year = 2023, source = { ja = \"全国\" } }\n";
    let errors = from_toml_str("fixture.toml", &format!("{FIXTURE}{indicator}"))
        .expect_err("a local item beside a national figure")
        .0;
    assert_error(
        &errors,
        "indicator `yes`",
        &[
            "`q1` (問1, no provenance",
            "provenance = \"national\"",
            "remove `national`",
        ],
    );
    let local = FIXTURE.replacen(
        "id = \"q1\"\nnumber = \"問1\"",
        "id = \"q1\"\nnumber = \"問1\"\nprovenance = \"local\"",
        1,
    );
    let errors = from_toml_str("fixture.toml", &format!("{local}{indicator}"))
        .expect_err("a local item")
        .0;
    assert_error(&errors, "indicator `yes`", &["provenance = \"local\")"]);
    let national_item = local.replacen("provenance = \"local\"", "provenance = \"national\"", 1);
    let q =
        from_toml_str("fixture.toml", &format!("{national_item}{indicator}")).expect("national");
    assert_eq!(q.indicators()[0].provenance, Provenance::National);
    // Without a national figure any item will do; its provenance is kept for the pages.
    let plain = indicator.replace(
        "national = { percent = 10.0, year = 2023, source = { ja = \"全国\" } }\n",
        "",
    );
    let q = from_toml_str("fixture.toml", &format!("{FIXTURE}{plain}")).expect("no figure");
    assert_eq!(q.indicators()[0].provenance, Provenance::Local);
    // A scale indicator is as comparable as its least comparable item.
    let shipped = national();
    let ucla = shipped
        .indicators()
        .iter()
        .find(|i| i.id == "ucla_high")
        .expect("ucla");
    assert_eq!(ucla.provenance, Provenance::National);
    let contact = shipped
        .indicators()
        .iter()
        .find(|i| i.id == "no_contact_in_person")
        .expect("contact");
    assert_eq!(contact.provenance, Provenance::NationalSecondary);
}

#[test]
fn indicators_and_breakdowns_can_be_limited_to_a_module() {
    let extra = "\n[[indicator]]\nid = \"q1_yes\"\nmodule = \"extra\"\nname = { ja = \"はい\" }\nitem = \"q1\"\ncodes = [1]\n\n[[breakdown]]\nid = \"by_q1\"\nmodule = \"extra\"\nname = { ja = \"問1\" }\nitem = \"q1\"\n";
    let q = from_toml_str("fixture.toml", &format!("{FIXTURE}{extra}")).expect("module limited");
    assert!(
        q.indicators().is_empty() && q.breakdowns().is_empty(),
        "extra is off"
    );
    let on = q.with_modules(["extra"]).expect("extra");
    assert_eq!(on.indicators()[0].id, "q1_yes");
    assert_eq!(on.breakdowns()[0].id, "by_q1");
    let unknown = extra.replace(
        "module = \"extra\"\nname = { ja = \"はい\" }",
        "module = \"nope\"\nname = { ja = \"はい\" }",
    );
    let errors = from_toml_str("fixture.toml", &format!("{FIXTURE}{unknown}"))
        .expect_err("unknown module")
        .0;
    assert_error(
        &errors,
        "indicator `q1_yes`",
        &["module `nope` is not defined"],
    );
    // An indicator on a module's item cannot be moved to another part.
    let two_modules = FIXTURE.replace(
        "[[page]]\nid = \"p3\"",
        "[[module]]\nid = \"more\"\ntitle = { ja = \"さらに\" }\n\n[[page]]\nid = \"p3\"",
    );
    let wrong = "\n[[breakdown]]\nid = \"by_extra\"\nmodule = \"more\"\nname = { ja = \"追加\" }\nitem = \"extra_q\"\n";
    let errors = from_toml_str("fixture.toml", &format!("{two_modules}{wrong}"))
        .expect_err("another module")
        .0;
    assert_error(
        &errors,
        "breakdown `by_extra`",
        &["items of module `extra`", "cannot belong to module `more`"],
    );
}

#[test]
fn the_suzaka_module_gives_the_seventeen_breakdowns_of_suzaka_s_table() {
    let q = national();
    let local = q
        .with_modules(["lsns6", "k6", "suzaka-local"])
        .expect("suzaka-local");
    let ids: Vec<&str> = local.breakdowns().iter().map(|b| b.id.as_str()).collect();
    // Age band, sex and district come from the register for every sampled survey.
    let suzaka = [
        "birthplace",
        "years_of_residence",
        "marital_status",
        "living_alone",
        "care_needs",
        "economic_suzaka",
        "health",
        "hobbies",
        "outings",
        "activity_range",
        "transport",
        "participation",
        "support_received",
        "consult",
    ];
    for id in suzaka {
        assert!(ids.contains(&id), "no breakdown {id}: {ids:?}");
    }
    assert_eq!(suzaka.len() + 3, 17);
    let labels = |id: &str| -> Vec<String> {
        local
            .breakdowns()
            .iter()
            .find(|b| b.id == id)
            .expect("breakdown")
            .groups
            .iter()
            .map(|g| g.label.ja.clone())
            .collect()
    };
    // Suzaka's groups.
    assert_eq!(labels("economic_suzaka"), ["ある", "普通", "少ない"]);
    assert_eq!(labels("years_of_residence"), ["10年未満", "10年以上"]);
    assert_eq!(
        labels("outings"),
        ["週に1日以上", "週に1日未満・外出しない"]
    );
    assert_eq!(
        labels("activity_range"),
        [
            "自宅のみ",
            "自宅と近所のみ",
            "近所と職場・学校のみ",
            "近所・職場・学校以外にも出かける"
        ]
    );
    assert_eq!(labels("transport"), ["ある", "ない"]);
    // Suzaka's columns: each UCLA item, and the direct question, "sometimes" or more.
    let indicators: Vec<&str> = local.indicators().iter().map(|i| i.id.as_str()).collect();
    for id in [
        "ucla_1_sometimes",
        "ucla_2_sometimes",
        "ucla_3_sometimes",
        "lonely_any",
    ] {
        assert!(indicators.contains(&id), "{id}");
    }
    // Without the module, none of Suzaka's own breakdowns or indicators.
    let ids: Vec<&str> = q.breakdowns().iter().map(|b| b.id.as_str()).collect();
    for id in [
        "birthplace",
        "economic_suzaka",
        "transport",
        "years_of_residence",
    ] {
        assert!(!ids.contains(&id), "{id} without the module");
    }
    assert!(q.indicators().iter().all(|i| !i.id.ends_with("_sometimes")));
}

#[test]
fn the_codebook_lists_every_question_with_number_module_condition_and_provenance() {
    let q = national_with_every_module();
    let book = q.codebook();
    assert_eq!(book.len(), q.questions().len());
    let entry = |id: &str| book.iter().find(|e| e.question_id == id).expect(id);
    let direct = entry("direct");
    assert_eq!((direct.number.as_str(), direct.kind), ("問8", "single"));
    assert_eq!(direct.provenance, Provenance::National);
    assert_eq!(direct.module, None);
    assert_eq!(direct.options.len(), 5);
    let ucla = entry("ucla_2");
    assert_eq!(ucla.item_id, "ucla");
    assert!(ucla.stem.is_some());
    let duration = entry("loneliness_duration");
    assert_eq!(duration.module.as_deref(), Some("national-extra"));
    assert_eq!(duration.provenance, Provenance::Local);
    assert_eq!(
        duration.asked_when.as_ref().map(|t| t.ja.as_str()),
        Some("問8で 3, 4, 5 と回答")
    );
    assert!(duration.provenance_note.is_some());
    let windows = entry("window_council");
    assert_eq!(
        (windows.number.as_str(), windows.module.as_deref()),
        ("S8(3)", Some("suzaka-local"))
    );
    assert_eq!(entry("comments").kind, "text");
    // Leaving modules out leaves their questions out of the codebook.
    let core = q
        .with_modules(Vec::<String>::new())
        .expect("core")
        .codebook();
    assert!(core.iter().all(|e| e.module.is_none()));
    assert!(core.len() < book.len());
}

#[test]
fn an_indicator_on_a_multiple_choice_question_counts_any_of_its_codes() {
    let q = national();
    let none = q
        .indicators()
        .iter()
        .find(|i| i.id == "no_participation")
        .expect("no_participation");
    let with = |codes: Vec<Code>| answers(&[("participation", Answer::Choices(codes))]);
    assert_eq!(none.value(&q, &with(vec![6])), Some(true));
    assert_eq!(none.value(&q, &with(vec![1, 4])), Some(false));
    assert_eq!(none.value(&q, &with(vec![])), None);
    assert_eq!(
        none.value(
            &q,
            &answers(&[("participation", Answer::Missing(MissingReason::NoAnswer))])
        ),
        None
    );
}

#[test]
fn national_modules_are_on_by_default_and_can_be_switched_off() {
    let q = national();
    assert_eq!(
        q.enabled_modules()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["k6", "lsns6"]
    );
    assert!(q.question("k6_1").is_some() && q.scale("k6").is_some() && q.scale("lsns6").is_some());
    assert_eq!(q.distress_rules().len(), 2);

    let core = q.with_modules(Vec::<String>::new()).expect("no modules");
    assert!(core.question("k6_1").is_none());
    assert!(core.question("lsns_family_1").is_none());
    assert!(core.pages().iter().all(|page| page.module.is_none()));
    let scales: Vec<&str> = core.scales().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(scales, ["ucla3"]);
    assert_eq!(
        core.distress_rules(),
        [DistressRule::Chosen {
            question: "direct".into(),
            codes: vec![5]
        }]
    );
    // Page indices of the reduced questionnaire are consistent with its questions.
    let index = page_index(&core, "about_you");
    assert_eq!(core.question("age_band").expect("age").page_index, index);

    let only_k6 = q.with_modules(["k6"]).expect("k6 only");
    assert!(only_k6.question("k6_6").is_some() && only_k6.question("lsns_friends_1").is_none());
}

#[test]
fn an_unknown_module_is_refused_with_the_available_ones() {
    let error = national()
        .with_modules(["phq9"])
        .expect_err("phq9 is not a module");
    let message = error.to_string();
    assert!(
        message.contains("phq9") && message.contains("lsns6") && message.contains("k6"),
        "{message}"
    );
}

#[test]
fn load_file_requires_the_id_to_match_the_file_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("other-name.toml");
    std::fs::write(&path, FIXTURE).expect("write");
    let errors = load_file(&path).expect_err("id differs from file name").0;
    assert_eq!(errors.len(), 1);
    assert!(errors[0].file().ends_with("other-name.toml"));
    for lang in Lang::ALL {
        let message = errors[0].message(lang);
        assert!(
            message.contains("`fixture`") && message.contains("other-name.toml"),
            "{message}"
        );
    }
    assert_japanese(&errors[0]);
}

#[test]
fn load_dir_reports_problems_in_every_file_and_duplicate_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fixture.toml"), FIXTURE).expect("write");
    std::fs::write(
        dir.path().join("broken.toml"),
        "id = \"broken\"\nkind = \"sampled\"\ntitle = { ja = \"x\" }\ncolour = \"red\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("also-broken.toml"),
        FIXTURE
            .replace("number = \"問2\"", "number = \"問1\"")
            .replace("id = \"fixture\"", "id = \"also-broken\""),
    )
    .expect("write");
    std::fs::write(dir.path().join("README.md"), "not a questionnaire").expect("write");
    let errors = load_dir(dir.path()).expect_err("two broken files").0;
    assert!(
        errors
            .iter()
            .any(|e| e.file().ends_with("broken.toml") && e.message(Lang::Ja).contains("colour")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.file().ends_with("also-broken.toml") && e.message(Lang::Ja).contains("問1")),
        "{errors:#?}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fixture.toml"), FIXTURE).expect("write");
    let sub = dir.path().join("copy");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::write(sub.join("fixture.toml"), FIXTURE).expect("write");
    assert_eq!(
        load_dir(dir.path())
            .expect("subdirectories are not read")
            .len(),
        1
    );
}

#[test]
fn a_missing_directory_is_reported_not_a_panic() {
    let errors = load_dir("/nonexistent/questionnaires")
        .expect_err("no such dir")
        .0;
    assert!(
        errors[0].message(Lang::En).contains("cannot read"),
        "{errors:?}"
    );
    assert!(
        errors[0]
            .message(Lang::Ja)
            .contains("調査票のフォルダがありません"),
        "{errors:?}"
    );
}

// ----- load errors -----

#[test]
fn unknown_fields_are_rejected_everywhere_with_their_line() {
    let top = errors_after("kind = \"sampled\"", "kind = \"sampled\"\ncolour = \"red\"");
    assert_error(&top, "line 4", &["unknown field `colour`"]);
    let in_item = errors_after("max_choices = 2", "max_choices = 2\nmaximum = 3");
    assert_error(&in_item, "line", &["unknown field `maximum`"]);
    let in_option = errors_after(
        "{ code = 1, ja = \"はい\", en = \"Yes\" }",
        "{ code = 1, ja = \"はい\", en = \"Yes\", colour = 1 }",
    );
    assert_error(&in_option, "line", &["unknown field `colour`"]);
    let in_text = errors_after(
        "title = { ja = \"一\", en = \"One\" }",
        "title = { ja = \"一\", en = \"One\", fr = \"Un\" }",
    );
    assert_error(&in_text, "line", &["unknown field `fr`"]);
    let in_condition = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"q1\", equals = 1 }",
    );
    assert_error(&in_condition, "line", &["unknown field `equals`"]);
}

#[test]
fn an_unknown_item_type_is_named_in_the_error() {
    let errors = errors_after("type = \"number\"", "type = \"slider\"");
    assert_error(&errors, "line", &["slider"]);
}

#[test]
fn a_syntax_error_gives_the_line() {
    let errors = errors_after("max = 120", "max = ");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].location(Lang::En).starts_with("line "),
        "{errors:?}"
    );
    assert!(errors[0].location(Lang::Ja).contains("行目"), "{errors:?}");
}

#[test]
fn duplicate_item_ids_are_reported_with_the_id() {
    let errors = errors_after("id = \"hobbies\"", "id = \"q1\"");
    assert_error(&errors, "item `q1`", &["duplicate id"]);
    let row_clash = errors_after("{ id = \"f2\",", "{ id = \"age\",");
    assert_error(&row_clash, "item `feel`", &["row id `age`"]);
}

#[test]
fn duplicate_printed_numbers_are_reported() {
    let errors = errors_after("number = \"問2\"", "number = \"問1\"");
    assert_error(&errors, "item `hobbies`", &["問1", "already used by `q1`"]);
}

#[test]
fn identifiers_must_be_plain_lowercase_ascii() {
    let errors = errors_after("id = \"note\"", "id = \"Note field\"");
    assert_error(&errors, "item `Note field`", &["not usable"]);
}

#[test]
fn fields_that_do_not_fit_the_item_type_are_rejected() {
    let errors = errors_after(
        "unit = { ja = \"歳\", en = \"years\" }",
        "unit = { ja = \"歳\", en = \"years\" }\nmax_choices = 2",
    );
    assert_error(
        &errors,
        "item `age`",
        &["`max_choices` does not apply to a `number` item"],
    );
    let options_on_text = errors_after(
        "max_length = 10",
        "max_length = 10\noptions = [{ code = 1, ja = \"x\" }]",
    );
    assert_error(
        &options_on_text,
        "item `note`",
        &["`options` does not apply to a `text` item"],
    );
}

#[test]
fn option_problems_are_reported_per_item() {
    let duplicate = errors_after(
        "{ code = 2, ja = \"いいえ\", en = \"No\" }",
        "{ code = 1, ja = \"いいえ\", en = \"No\" }",
    );
    assert_error(&duplicate, "item `q1`", &["option code 1 is used twice"]);
    let empty_label = errors_after(
        "{ code = 2, ja = \"いいえ\", en = \"No\" }",
        "{ code = 2, ja = \"\", en = \"No\" }",
    );
    assert_error(
        &empty_label,
        "item `q1`",
        &["option 2 has an empty Japanese label"],
    );
    let no_options = errors_after(
        "number = \"問5\"",
        "number = \"問5\"\noption_set = \"missing_set\"",
    );
    assert_error(
        &no_options,
        "item `followup`",
        &["give either `options` or `option_set`"],
    );
    let exclusive_single = errors_after(
        "{ code = 2, ja = \"いいえ\", en = \"No\" }",
        "{ code = 2, ja = \"いいえ\", en = \"No\", exclusive = true }",
    );
    assert_error(
        &exclusive_single,
        "item `q1`",
        &["`exclusive` applies only to multiple-choice"],
    );
    let too_many = errors_after("max_choices = 2", "max_choices = 5");
    assert_error(&too_many, "item `hobbies`", &["max_choices = 5", "(4)"]);
}

#[test]
fn an_undefined_option_set_is_reported() {
    let source = FIXTURE.replacen(
        "options = [\n  { code = 1, ja = \"A\", en = \"A\" },\n  { code = 2, ja = \"B\", en = \"B\" },\n]",
        "option_set = \"ab\"",
        1,
    );
    assert_ne!(source, FIXTURE);
    let errors = from_toml_str("fixture.toml", &source)
        .expect_err("no such set")
        .0;
    assert_error(
        &errors,
        "item `followup`",
        &["option set `ab` is not defined"],
    );
}

#[test]
fn number_items_need_a_sensible_range() {
    let inverted = errors_after("min = 16", "min = 200");
    assert_error(&inverted, "item `age`", &["min = 200", "max = 120"]);
    let fractional = errors_after("min = 16", "min = 16.5");
    assert_error(&fractional, "item `age`", &["whole-number"]);
    let missing = errors_after("max = 120\n", "");
    assert_error(&missing, "item `age`", &["needs both `min` and `max`"]);
}

#[test]
fn conditions_must_refer_to_existing_questions_on_earlier_pages() {
    let unknown = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"q9\", in = [1] }",
    );
    assert_error(
        &unknown,
        "item `followup`",
        &["`q9`", "not a question on an earlier page"],
    );
    let same_page = errors_after(
        "number = \"問4\"",
        "number = \"問4\"\nshow_if = { item = \"q1\", in = [1] }",
    );
    assert_error(&same_page, "item `note`", &["same page"]);
    let grid_id = errors_after(
        "number = \"X1\"",
        "number = \"X1\"\nshow_if = { item = \"feel\", in = [1] }",
    );
    assert_error(
        &grid_id,
        "item `extra_q`",
        &["`feel`", "for a grid use a row id"],
    );
}

#[test]
fn a_condition_with_an_unknown_option_code_is_reported() {
    let errors = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"q1\", in = [3] }",
    );
    assert_error(
        &errors,
        "item `followup`",
        &["code 3", "`q1`", "問1", "codes: 1, 2"],
    );
}

#[test]
fn conditions_must_fit_the_referenced_question_type() {
    let codes_on_number = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"age\", in = [1] }",
    );
    assert_error(
        &codes_on_number,
        "item `followup`",
        &["`in` needs a choice question"],
    );
    let range_on_choice = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"q1\", at_least = 1 }",
    );
    assert_error(
        &range_on_choice,
        "item `followup`",
        &["need a number question"],
    );
    let two_tests = errors_after(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { item = \"q1\", in = [1], answered = true }",
    );
    assert_error(&two_tests, "item `followup`", &["exactly one test"]);
    let empty = errors_after("show_if = { item = \"q1\", in = [1] }", "show_if = { }");
    assert_error(&empty, "item `followup`", &["exactly one of"]);
}

#[test]
fn the_core_questionnaire_cannot_depend_on_an_optional_module() {
    // A core page after the module page refers to the module's question.
    let source = format!(
        "{FIXTURE}\n[[page]]\nid = \"p4\"\ntitle = {{ ja = \"四\" }}\n\n[[page.item]]\nid = \"after\"\nnumber = \"問8\"\ntype = \"single\"\ntext = {{ ja = \"後\" }}\nshow_if = {{ item = \"extra_q\", in = [1] }}\noptions = [{{ code = 1, ja = \"x\" }}]\n"
    );
    let errors = from_toml_str("fixture.toml", &source)
        .expect_err("core depends on module")
        .0;
    assert_error(
        &errors,
        "item `after`",
        &["module `extra`", "may leave out"],
    );
}

#[test]
fn scale_problems_are_reported_with_the_scale_and_item() {
    let missing_item = errors_after(
        "items = [\"f1\", \"f2\", \"f3\"]",
        "items = [\"f1\", \"f2\", \"f4\"]",
    );
    assert_error(
        &missing_item,
        "scale `feel`",
        &["item `f4` is not a question"],
    );
    let unscored = errors_after(
        "points = { 1 = 1, 2 = 2, 3 = 3, 4 = 4 }",
        "points = { 1 = 1, 2 = 2, 3 = 3 }",
    );
    assert_error(
        &unscored,
        "scale `feel`",
        &["no points given for option(s) 4 of item `f1`"],
    );
    let extra_code = errors_after(
        "points = { 1 = 0, 2 = 1, 3 = 2 }",
        "points = { 1 = 0, 2 = 1, 3 = 2, 7 = 3 }",
    );
    assert_error(&extra_code, "scale `extra`", &["code(s) 7"]);
    let wrong_range = errors_after("range = [3, 12]", "range = [0, 12]");
    assert_error(
        &wrong_range,
        "scale `feel`",
        &["range = [0, 12]", "from 3 to 12"],
    );
    let not_single = errors_after(
        "items = [\"f1\", \"f2\", \"f3\"]",
        "items = [\"f1\", \"f2\", \"hobbies\"]",
    );
    assert_error(
        &not_single,
        "scale `feel`",
        &["`hobbies`", "not a single-choice question"],
    );
    let mixed = errors_after(
        "items = [\"f1\", \"f2\", \"f3\"]",
        "items = [\"f1\", \"f2\", \"extra_q\"]",
    );
    assert_error(&mixed, "scale `feel`", &["different modules"]);
    let bad_key = errors_after(
        "points = { 1 = 0, 2 = 1, 3 = 2 }",
        "points = { one = 0, 2 = 1, 3 = 2 }",
    );
    assert_error(&bad_key, "scale `extra`", &["points key `one`"]);
    let prorate_without_limit = errors_after("max_missing = 1\n", "");
    assert_error(
        &prorate_without_limit,
        "scale `feel`",
        &["needs `max_missing`"],
    );
    let limit_too_high = errors_after("max_missing = 1", "max_missing = 3");
    assert_error(&limit_too_high, "scale `feel`", &["max_missing = 3"]);
}

#[test]
fn bands_must_cover_the_range_without_overlap() {
    let gap = errors_after(
        "{ min = 7, max = 12, ja = \"高\", en = \"High\" }",
        "{ min = 8, max = 12, ja = \"高\", en = \"High\" }",
    );
    assert_error(&gap, "scale `feel`", &["totals 7–7 uncovered"]);
    let overlap = errors_after(
        "{ min = 7, max = 12, ja = \"高\", en = \"High\" }",
        "{ min = 6, max = 12, ja = \"高\", en = \"High\" }",
    );
    assert_error(&overlap, "scale `feel`", &["band 6–12 overlaps", "6–6"]);
    let short = errors_after(
        "{ min = 7, max = 12, ja = \"高\", en = \"High\" }",
        "{ min = 7, max = 11, ja = \"高\", en = \"High\" }",
    );
    assert_error(&short, "scale `feel`", &["totals 12–12 uncovered"]);
    let beyond = errors_after(
        "{ min = 7, max = 12, ja = \"高\", en = \"High\" }",
        "{ min = 7, max = 13, ja = \"高\", en = \"High\" }",
    );
    assert_error(
        &beyond,
        "scale `feel`",
        &["above the highest possible total 12"],
    );
    let below = errors_after(
        "{ min = 3, max = 6, ja = \"低\", en = \"Low\" }",
        "{ min = 2, max = 6, ja = \"低\", en = \"Low\" }",
    );
    assert_error(
        &below,
        "scale `feel`",
        &["below the lowest possible total 3"],
    );
}

#[test]
fn distress_rules_must_refer_to_real_items_codes_and_scales() {
    let unknown_item = errors_after("item = \"q1\"\ncodes = [2]", "item = \"q9\"\ncodes = [2]");
    assert_error(&unknown_item, "distress rule 1", &["`q9`"]);
    let unknown_code = errors_after("item = \"q1\"\ncodes = [2]", "item = \"q1\"\ncodes = [5]");
    assert_error(&unknown_code, "distress rule 1", &["no option 5"]);
    let unknown_scale = errors_after("scale = \"extra\"", "scale = \"k10\"");
    assert_error(&unknown_scale, "distress rule 2", &["scale `k10`"]);
    let out_of_range = errors_after("at_least = 2", "at_least = 9");
    assert_error(&out_of_range, "distress rule 2", &["at_least = 9"]);
    let mixed = errors_after("item = \"q1\"\ncodes = [2]", "item = \"q1\"\nat_least = 2");
    assert_error(&mixed, "distress rule 1", &["write either"]);
}

#[test]
fn a_questionnaire_without_pages_is_rejected() {
    let errors = from_toml_str(
        "fixture.toml",
        "id = \"empty\"\nkind = \"open\"\ntitle = { ja = \"空\" }\n",
    )
    .expect_err("no pages")
    .0;
    assert_error(&errors, "", &["no pages"]);
}

#[test]
fn several_problems_are_reported_together() {
    let source = FIXTURE
        .replacen("number = \"問2\"", "number = \"問1\"", 1)
        .replacen("range = [3, 12]", "range = [3, 13]", 1);
    let errors = from_toml_str("fixture.toml", &source)
        .expect_err("two problems")
        .0;
    assert!(errors.len() >= 2, "{errors:#?}");
    let display = LoadErrors(errors).to_string();
    assert!(
        display.contains("fixture.toml: item `hobbies`")
            && display.contains("fixture.toml: scale `feel`"),
        "{display}"
    );
    assert!(
        display.contains("fixture.toml: 項目 `hobbies`")
            && display.contains("fixture.toml: 尺度 `feel`"),
        "{display}"
    );
}

// ----- load errors in both languages -----

/// The one error after replacing `from` with `to`, its place and message in each language.
fn only_error(from: &str, to: &str) -> LoadError {
    let errors = errors_after(from, to);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().expect("one error")
}

#[test]
fn representative_load_errors_are_worded_in_japanese_and_english() {
    let both = only_error(
        "text = { ja = \"はいの方へ\", en = \"If yes\" }",
        "text = { ja = \"はいの方へ\", en = \"If yes\" }\noption_set = \"agree5\"",
    );
    assert_eq!(both.location(Lang::Ja), "項目 `followup`");
    assert_eq!(both.location(Lang::En), "item `followup`");
    assert_eq!(
        both.message(Lang::Ja),
        "`options` と `option_set` の両方が書かれています。どちらか一方だけにしてください"
    );
    assert_eq!(
        both.message(Lang::En),
        "give either `options` or `option_set`, not both"
    );

    let range = only_error("min = 16", "min = 130");
    assert_eq!(
        range.line(Lang::Ja),
        "fixture.toml: 項目 `age`: `min = 130`、`max = 120` では範囲になりません。`min` は `max` 以下の数にしてください"
    );
    assert_eq!(
        range.line(Lang::En),
        "fixture.toml: item `age`: min = 130 and max = 120 do not form a range (min must not exceed max)"
    );

    let scale = only_error("range = [3, 12]", "range = [3, 13]");
    assert_eq!(scale.place(), &Location::Scale("feel".into()));
    assert_eq!(
        scale.message(Lang::Ja),
        "`range = [3, 13]` が設問と得点に合いません。合計点は 3 から 12 までになるので、`range = [3, 12]` と書いてください"
    );
    assert!(scale
        .message(Lang::En)
        .starts_with("range = [3, 13] does not match"));

    let distress = only_error("codes = [2]\n", "codes = [7]\n");
    assert_eq!(distress.place(), &Location::DistressRule(1));
    assert_eq!(
        distress.location(Lang::Ja),
        "相談先を表示する条件（[[distress]]）の1番目"
    );
    assert_eq!(distress.location(Lang::En), "distress rule 1");
    assert_eq!(
        distress.message(Lang::Ja),
        "設問 `q1`「問1」に選択肢 7 はありません（選択肢の番号: 1, 2）"
    );
    assert_eq!(
        distress.message(Lang::En),
        "item `q1` (問1) has no option 7 (codes: 1, 2)"
    );
    for error in [&both, &range, &scale, &distress] {
        assert_japanese(error);
    }
}

#[test]
fn toml_mistakes_are_worded_in_japanese_with_their_line() {
    let unknown = only_error("kind = \"sampled\"", "kind = \"sampled\"\ncolour = \"red\"");
    assert_eq!(unknown.location(Lang::Ja), "4行目 1文字目");
    assert_eq!(unknown.location(Lang::En), "line 4, column 1");
    assert!(
        unknown
            .message(Lang::Ja)
            .starts_with("`colour` という名前は使えません。ここに書けるのは `id`、"),
        "{}",
        unknown.message(Lang::Ja)
    );
    assert!(unknown.message(Lang::En).contains("unknown field `colour`"));

    let variant = only_error("type = \"number\"", "type = \"slider\"");
    assert!(
        variant
            .message(Lang::Ja)
            .starts_with("`\"slider\"` は使えない値です。`single`、`multiple`、"),
        "{}",
        variant.message(Lang::Ja)
    );

    let missing = only_error("number = \"問3\"\n", "");
    assert_eq!(
        missing.message(Lang::Ja),
        "`number` がありません。`number = ...` を書き足してください"
    );

    let kind = only_error("max_length = 10", "max_length = \"ten\"");
    assert!(
        kind.message(Lang::Ja)
            .starts_with("値の種類が違います。ここには整数を書いてください"),
        "{}",
        kind.message(Lang::Ja)
    );
    for error in [&unknown, &variant, &missing, &kind] {
        assert_japanese(error);
    }

    // A mistake the loader does not word keeps the reader's English after a Japanese sentence.
    let syntax = only_error("max = 120", "max = ");
    assert!(
        syntax
            .message(Lang::Ja)
            .starts_with("TOMLの書き方に誤りがあります。"),
        "{}",
        syntax.message(Lang::Ja)
    );
    assert_japanese(&syntax);
}

#[test]
fn files_that_cannot_be_read_and_a_wrong_file_name_are_worded_in_both_languages() {
    let missing = load_file("/nonexistent/city.toml")
        .expect_err("no such file")
        .0;
    assert_eq!(
        missing[0].line(Lang::Ja),
        "/nonexistent/city.toml: ファイルがありません。場所と名前を確かめてください"
    );
    assert!(missing[0]
        .message(Lang::En)
        .starts_with("cannot read the file: "));

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shift-jis.toml");
    std::fs::write(
        &path,
        b"id = \"x\"\ntitle = { ja = \"\x83\x65\x83\x58\x83\x67\" }\n",
    )
    .expect("write");
    let encoding = load_file(&path).expect_err("not UTF-8").0;
    assert!(
        encoding[0]
            .message(Lang::Ja)
            .contains("文字コードがUTF-8ではありません"),
        "{encoding:?}"
    );

    let path = dir.path().join("other-name.toml");
    std::fs::write(&path, FIXTURE).expect("write");
    let name = load_file(&path).expect_err("id differs").0;
    assert_eq!(name[0].location(Lang::Ja), "`id`");
    assert_eq!(
        name[0].message(Lang::Ja),
        "`id` `fixture` がファイル名 `other-name.toml` と違います。ファイル名を `fixture.toml` に変えるか、`id = \"other-name\"` と書いてください"
    );
    for error in missing.iter().chain(&encoding).chain(&name) {
        assert_japanese(error);
    }
}

#[test]
fn load_errors_show_in_one_language_or_both() {
    let errors = from_toml_str(
        "fixture.toml",
        &FIXTURE.replacen("range = [3, 12]", "range = [3, 13]", 1),
    )
    .expect_err("one problem");
    let ja = errors.message(Lang::Ja);
    let en = errors.message(Lang::En);
    assert!(
        ja.starts_with("調査票ファイルに1件の問題があります:\n  fixture.toml: 尺度 `feel`: "),
        "{ja}"
    );
    assert!(
        en.starts_with("1 problem in questionnaire files:\n  fixture.toml: scale `feel`: "),
        "{en}"
    );
    assert!(
        !ja.contains("does not match") && !en.contains("合計点"),
        "{ja}\n{en}"
    );
    // The terminal has no language setting: Japanese first, the English under it.
    let both = errors.to_string();
    let ja_at = both.find("尺度 `feel`").expect("Japanese");
    let en_at = both.find("scale `feel`").expect("English");
    assert!(ja_at < en_at, "{both}");
}

#[test]
fn a_survey_naming_a_missing_questionnaire_or_module_is_worded_in_both_languages() {
    let catalogue = Catalogue::load(&shipped_dir()).expect("shipped questionnaires");
    let none = catalogue
        .for_survey("no-such", &[])
        .expect_err("no such questionnaire");
    assert!(
        none.message(Lang::Ja)
            .starts_with("調査票 `no-such` はありません。調査票のフォルダにあるのは `"),
        "{}",
        none.message(Lang::Ja)
    );
    assert!(none
        .message(Lang::En)
        .starts_with("there is no questionnaire `no-such`; the questionnaire folder has: "));
    let module = catalogue
        .for_survey("tsunagari-national", &["phq9".to_string()])
        .expect_err("no such module");
    let ja = module.message(Lang::Ja);
    assert!(
        ja.starts_with("調査票 `tsunagari-national` にモジュール `phq9` はありません。")
            && ja.contains("`k6`"),
        "{ja}"
    );
    let both = module.to_string();
    assert!(
        both.contains("モジュール `phq9` はありません") && both.contains("has no module `phq9`"),
        "{both}"
    );
    for error in [&none, &module] {
        let english = english_words(&error.message(Lang::Ja));
        assert!(
            english.is_empty(),
            "{english:?}: {}",
            error.message(Lang::Ja)
        );
    }
}

// ----- parsing page input -----

#[test]
fn a_valid_first_page_parses_into_typed_answers() {
    let q = fixture();
    let page = parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "3"),
            ("hobbies", "1"),
            ("age", "４２"),
            ("note", "  hello "),
        ],
        &Answers::new(),
    )
    .expect("valid page");
    assert_eq!(
        page.answers,
        [
            ("q1".to_string(), Answer::Choice(1)),
            ("hobbies".to_string(), Answer::Choices(vec![1, 3])),
            ("age".to_string(), Answer::Number(42.0)),
            ("note".to_string(), Answer::Text("hello".into())),
        ]
    );
}

#[test]
fn a_missing_required_item_is_reported_with_its_id_and_an_optional_one_becomes_no_answer() {
    let q = fixture();
    let result = parse(&q, 0, &[("hobbies", "2"), ("age", "30")], &Answers::new());
    let errors = result.clone().expect_err("q1 missing");
    assert_eq!(errors.errors.len(), 1);
    let error = &errors.errors[0];
    assert_eq!(
        (
            error.question_id.as_str(),
            error.number.as_str(),
            &error.problem
        ),
        ("q1", "問1", &AnswerProblem::Required)
    );
    assert_eq!(error.message(Lang::Ja), "この質問にお答えください。");
    assert_eq!(error.message(Lang::En), "Please answer this question.");
    // What was typed is kept for showing the page again.
    assert_eq!(errors.input.value("age"), Some("30"));
    assert!(errors.for_question("q1").is_some() && errors.for_question("age").is_none());

    let page = parse(
        &q,
        0,
        &[
            ("q1", "2"),
            ("hobbies", "2"),
            ("age", "30"),
            ("note", "   "),
        ],
        &Answers::new(),
    )
    .expect("note is optional");
    assert!(page
        .answers
        .contains(&("note".to_string(), Answer::Missing(MissingReason::NoAnswer))));
}

#[test]
fn an_unknown_or_malformed_code_is_rejected_with_the_allowed_codes() {
    let q = fixture();
    let found = problems(parse(
        &q,
        0,
        &[("q1", "7"), ("hobbies", "x"), ("age", "30")],
        &Answers::new(),
    ));
    assert_eq!(
        found,
        [
            (
                "q1".to_string(),
                AnswerProblem::UnknownCode {
                    code: 7,
                    allowed: vec![1, 2]
                }
            ),
            (
                "hobbies".to_string(),
                AnswerProblem::NotACode { raw: "x".into() }
            ),
        ]
    );
    let error = AnswerError {
        question_id: "q1".into(),
        number: "問1".into(),
        problem: found[0].1.clone(),
    };
    assert_eq!(
        error.message(Lang::Ja),
        "7 という選択肢はありません。1、2 から選んでください。"
    );
    assert_eq!(
        error.message(Lang::En),
        "There is no option 7. Please choose from 1, 2."
    );
}

#[test]
fn two_values_for_a_single_choice_are_rejected() {
    let q = fixture();
    let found = problems(parse(
        &q,
        0,
        &[("q1", "1"), ("q1", "2"), ("hobbies", "1"), ("age", "30")],
        &Answers::new(),
    ));
    assert_eq!(found, [("q1".to_string(), AnswerProblem::SeveralChoices)]);
}

#[test]
fn too_many_choices_and_exclusive_combinations_are_rejected() {
    let q = fixture();
    let too_many = problems(parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "1"),
            ("hobbies", "2"),
            ("hobbies", "3"),
            ("age", "30"),
        ],
        &Answers::new(),
    ));
    assert_eq!(
        too_many,
        [(
            "hobbies".to_string(),
            AnswerProblem::TooManyChoices { max: 2, given: 3 }
        )]
    );
    let exclusive = problems(parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "9"),
            ("hobbies", "2"),
            ("age", "30"),
        ],
        &Answers::new(),
    ));
    assert_eq!(
        exclusive,
        [(
            "hobbies".to_string(),
            AnswerProblem::ExclusiveCombined { code: 9 }
        )]
    );
    let alone = parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "9"),
            ("hobbies", "9"),
            ("age", "30"),
        ],
        &Answers::new(),
    )
    .expect("exclusive alone");
    assert!(alone
        .answers
        .contains(&("hobbies".to_string(), Answer::Choices(vec![9]))));
}

#[test]
fn numbers_out_of_range_not_whole_or_not_numbers_are_rejected() {
    let q = fixture();
    let check = |typed: &str| {
        problems(parse(
            &q,
            0,
            &[("q1", "1"), ("hobbies", "1"), ("age", typed)],
            &Answers::new(),
        ))
    };
    assert_eq!(
        check("15"),
        [(
            "age".to_string(),
            AnswerProblem::OutOfRange {
                value: 15.0,
                min: 16.0,
                max: 120.0
            }
        )]
    );
    assert_eq!(
        check("121"),
        [(
            "age".to_string(),
            AnswerProblem::OutOfRange {
                value: 121.0,
                min: 16.0,
                max: 120.0
            }
        )]
    );
    assert_eq!(
        check("30.5"),
        [(
            "age".to_string(),
            AnswerProblem::NotAWholeNumber { value: 30.5 }
        )]
    );
    assert_eq!(
        check("三十"),
        [(
            "age".to_string(),
            AnswerProblem::NotANumber {
                raw: "三十".into()
            }
        )]
    );
    let message = AnswerError {
        question_id: "age".into(),
        number: "問3".into(),
        problem: AnswerProblem::OutOfRange {
            value: 15.0,
            min: 16.0,
            max: 120.0,
        },
    };
    assert_eq!(
        message.message(Lang::Ja),
        "15 は範囲外です。16から120までの数を入力してください。"
    );
    assert_eq!(
        message.message(Lang::En),
        "15 is out of range. Please enter a number from 16 to 120."
    );
}

#[test]
fn text_longer_than_allowed_is_rejected_counting_characters() {
    let q = fixture();
    let ok = parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "1"),
            ("age", "30"),
            ("note", "あいうえおかきくけこ"),
        ],
        &Answers::new(),
    );
    assert!(ok.is_ok(), "10 characters fit");
    let found = problems(parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "1"),
            ("age", "30"),
            ("note", "あいうえおかきくけこさ"),
        ],
        &Answers::new(),
    ));
    assert_eq!(
        found,
        [(
            "note".to_string(),
            AnswerProblem::TooLong {
                max: 10,
                length: 11
            }
        )]
    );
}

#[test]
fn each_grid_row_is_its_own_field_and_its_own_required_question() {
    let q = fixture();
    let so_far = answers(&[("q1", Answer::Choice(2))]);
    let found = problems(parse(&q, 1, &[("f1", "4"), ("f3", "1")], &so_far));
    assert_eq!(found, [("f2".to_string(), AnswerProblem::Required)]);
    let page =
        parse(&q, 1, &[("f1", "4"), ("f2", "2"), ("f3", "1")], &so_far).expect("grid complete");
    assert_eq!(page.answers.len(), 3);
    assert_eq!(q.question("f2").expect("row").number, "問6(2)");
    assert_eq!(
        q.question("f2")
            .expect("row")
            .stem
            .as_ref()
            .expect("stem")
            .ja,
        "気持ち"
    );
}

#[test]
fn a_page_index_outside_the_questionnaire_is_an_error() {
    let q = fixture();
    assert!(matches!(
        q.parse_page(9, &RawInput::default(), &Answers::new()),
        Err(QuestionnaireError::NoSuchPage {
            index: 9,
            count: 2,
            ..
        })
    ));
}

// ----- conditions and flow -----

#[test]
fn a_follow_up_is_shown_only_for_the_answer_it_depends_on() {
    let q = fixture();
    let yes = answers(&[("q1", Answer::Choice(1))]);
    let no = answers(&[("q1", Answer::Choice(2))]);
    assert!(q.is_shown("followup", &yes));
    assert!(!q.is_shown("followup", &no));
    assert!(
        !q.is_shown("followup", &Answers::new()),
        "unanswered means not shown"
    );
    let shown: Vec<&str> = q
        .visible_items(1, &no)
        .expect("page")
        .iter()
        .map(|item| item.id.as_str())
        .collect();
    assert_eq!(shown, ["feel"]);

    // A hidden follow-up is neither required nor kept even if posted.
    let page = parse(
        &q,
        1,
        &[("followup", "1"), ("f1", "1"), ("f2", "1"), ("f3", "1")],
        &no,
    )
    .expect("followup hidden");
    assert!(page.answers.iter().all(|(id, _)| id != "followup"));
    assert_eq!(page.hidden, ["followup"]);
    assert_eq!(
        problems(parse(&q, 1, &[("f1", "1"), ("f2", "1"), ("f3", "1")], &yes)),
        [("followup".to_string(), AnswerProblem::Required)]
    );
}

#[test]
fn changing_an_earlier_answer_drops_answers_that_are_no_longer_shown() {
    let q = fixture();
    let mut saved = Answers::new();
    q.save_page(
        0,
        &input(&[("q1", "1"), ("hobbies", "1"), ("age", "30")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    q.save_page(
        1,
        &input(&[("followup", "2"), ("f1", "1"), ("f2", "1"), ("f3", "1")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    assert_eq!(saved.get("followup"), Some(&Answer::Choice(2)));
    q.save_page(
        0,
        &input(&[("q1", "2"), ("hobbies", "1"), ("age", "30")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    assert_eq!(saved.get("followup"), None);
    assert_eq!(saved.get("f1"), Some(&Answer::Choice(1)));
}

#[test]
fn a_page_with_errors_leaves_saved_answers_untouched() {
    let q = fixture();
    let mut saved = answers(&[("q1", Answer::Choice(1))]);
    let errors = q
        .save_page(0, &input(&[("q1", "2"), ("age", "500")]), &mut saved)
        .expect("page")
        .expect_err("invalid");
    assert_eq!(errors.errors.len(), 2, "{errors:?}");
    assert_eq!(saved, answers(&[("q1", Answer::Choice(1))]));
}

#[test]
fn skipped_pages_are_left_out_of_navigation_and_progress() {
    let q = national();
    let consult_who = page_index(&q, "consult_who");
    let consult = page_index(&q, "consult");
    let ucla = page_index(&q, "ucla");
    let none = answers(&[
        ("rely_on", Answer::Choice(2)),
        ("consult", Answer::Choice(2)),
    ]);
    let some = answers(&[
        ("rely_on", Answer::Choice(2)),
        ("consult", Answer::Choice(1)),
    ]);
    assert_eq!(q.next_page(consult, &none), Some(ucla));
    assert_eq!(q.next_page(consult, &some), Some(consult_who));
    assert_eq!(q.previous_page(ucla, &none), Some(consult));
    let total_pages = q.pages().len();
    // rely_on_who, consult_who and household_members are hidden without answers that show
    // them.
    assert_eq!(
        q.progress(0, &none),
        Progress {
            current: 1,
            total: total_pages - 3
        }
    );
    assert_eq!(q.progress(ucla, &none).current, ucla - 1);
    assert_eq!(q.progress(ucla, &some).current, ucla);
    assert_eq!(q.next_page(q.pages().len() - 1, &some), None);
}

#[test]
fn a_number_condition_shows_household_members_only_for_two_or_more() {
    let q = national();
    assert!(!q.is_shown(
        "household_members",
        &answers(&[("household_size", Answer::Number(1.0))])
    ));
    assert!(q.is_shown(
        "household_members",
        &answers(&[("household_size", Answer::Number(2.0))])
    ));
    assert!(!q.is_shown(
        "household_members",
        &answers(&[("household_size", Answer::Missing(MissingReason::Unreadable))])
    ));
}

#[test]
fn all_any_and_not_combine_conditions() {
    let source = FIXTURE.replacen(
        "show_if = { item = \"q1\", in = [1] }",
        "show_if = { all = [ { any = [ { item = \"q1\", in = [1] }, { item = \"age\", at_least = 65 } ] }, { not = { item = \"hobbies\", in = [9] } } ] }",
        1,
    );
    let q = from_toml_str("fixture.toml", &source).unwrap_or_else(|errors| panic!("{errors}"));
    let case = |q1: Code, age: f64, hobbies: Vec<Code>| {
        q.is_shown(
            "followup",
            &answers(&[
                ("q1", Answer::Choice(q1)),
                ("age", Answer::Number(age)),
                ("hobbies", Answer::Choices(hobbies)),
            ]),
        )
    };
    assert!(case(1, 30.0, vec![1]));
    assert!(case(2, 65.0, vec![1, 2]));
    assert!(!case(2, 64.0, vec![1]));
    assert!(!case(1, 30.0, vec![9]));
    let skip = FIXTURE.replacen(
        "show_if = { item = \"q1\", in = [1] }",
        "skip_if = { item = \"q1\", in = [1] }",
        1,
    );
    let q = from_toml_str("fixture.toml", &skip).unwrap_or_else(|errors| panic!("{errors}"));
    assert!(!q.is_shown("followup", &answers(&[("q1", Answer::Choice(1))])));
    assert!(q.is_shown("followup", &answers(&[("q1", Answer::Choice(2))])));
}

#[test]
fn skips_chain_through_questions_that_are_themselves_skipped() {
    let source = format!(
        "{FIXTURE}\n[[page]]\nid = \"p4\"\ntitle = {{ ja = \"四\" }}\n\n[[page.item]]\nid = \"chained\"\nnumber = \"問8\"\ntype = \"single\"\ntext = {{ ja = \"連鎖\" }}\nshow_if = {{ item = \"followup\", answered = true }}\noptions = [{{ code = 1, ja = \"x\" }}]\n"
    );
    let q = from_toml_str("fixture.toml", &source).unwrap_or_else(|errors| panic!("{errors}"));
    // Paper form: q1 = 2 means skip 問5, but 問5 was answered anyway.
    let stale = answers(&[("q1", Answer::Choice(2)), ("followup", Answer::Choice(1))]);
    assert!(!q.is_shown("chained", &stale));
    let consistent = answers(&[("q1", Answer::Choice(1)), ("followup", Answer::Choice(1))]);
    assert!(q.is_shown("chained", &consistent));
}

#[test]
fn completeness_requires_every_shown_required_question() {
    let q = fixture();
    let mut full = answers(&[
        ("q1", Answer::Choice(2)),
        ("hobbies", Answer::Choices(vec![1])),
        ("age", Answer::Number(30.0)),
        ("note", Answer::Missing(MissingReason::NoAnswer)),
        ("f1", Answer::Choice(1)),
        ("f2", Answer::Choice(1)),
        ("f3", Answer::Choice(1)),
        ("extra_q", Answer::Choice(1)),
    ]);
    let modules_on = q.with_modules(["extra"]).expect("module");
    assert!(modules_on.is_complete(&full));
    assert!(modules_on.missing_required(&full).is_empty());
    full.remove("f2");
    assert_eq!(modules_on.first_unfinished_page(&full), Some(1));
    assert_eq!(
        modules_on
            .missing_required(&full)
            .iter()
            .map(|q| q.id.as_str())
            .collect::<Vec<_>>(),
        ["f2"]
    );
    full.insert("f2", Answer::Choice(3));
    full.remove("note");
    assert_eq!(
        modules_on.first_unfinished_page(&full),
        Some(0),
        "an optional question not yet seen"
    );
    assert!(modules_on.missing_required(&full).is_empty());
    full.insert("q1", Answer::Choice(1));
    full.insert("note", Answer::Missing(MissingReason::NoAnswer));
    assert!(
        !modules_on.is_complete(&full),
        "the follow-up is now shown and unanswered"
    );
}

#[test]
fn the_review_lists_shown_questions_with_localized_answers() {
    let q = fixture();
    let given = answers(&[
        ("q1", Answer::Choice(2)),
        ("hobbies", Answer::Choices(vec![1, 3])),
        ("age", Answer::Number(42.0)),
        ("note", Answer::Missing(MissingReason::NoAnswer)),
        ("f1", Answer::Choice(4)),
    ]);
    let review = q.review(&given, Lang::Ja);
    let lines: Vec<(&str, &str, &str)> = review
        .iter()
        .map(|e| (e.number.as_str(), e.label.as_str(), e.answer.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("問1", "質問1", "いいえ"),
            ("問2", "趣味", "読書、音楽"),
            ("問3", "年齢", "42歳"),
            ("問4", "自由記述", "無回答"),
            ("問6(1)", "一", "常にある"),
            ("問6(2)", "二", "未回答"),
            ("問6(3)", "三", "未回答"),
        ]
    );
    let english = q.review(&given, Lang::En);
    assert_eq!(english[1].answer, "Reading, Music");
    assert_eq!(english[2].answer, "42 years");
    assert_eq!(english[3].answer, "No answer");
    assert_eq!(english[5].answer, "Not answered");
}

#[test]
fn form_values_prefill_a_page_from_stored_answers() {
    let q = fixture();
    let given = answers(&[
        ("hobbies", Answer::Choices(vec![1, 3])),
        ("age", Answer::Number(42.0)),
        ("note", Answer::Missing(MissingReason::NoAnswer)),
    ]);
    let values = q.form_values(&given);
    assert!(
        values.has("hobbies", "1") && values.has("hobbies", "3") && !values.has("hobbies", "2")
    );
    assert_eq!(values.value("age"), Some("42"));
    assert!(values.values("note").is_empty());
    // Re-parsing the prefilled values gives the same answers back.
    let reparsed = parse(
        &q,
        0,
        &[
            ("q1", "1"),
            ("hobbies", "1"),
            ("hobbies", "3"),
            ("age", "42"),
        ],
        &Answers::new(),
    )
    .expect("valid");
    assert!(reparsed
        .answers
        .contains(&("age".to_string(), Answer::Number(42.0))));
}

#[test]
fn answers_from_the_page_flow_survive_a_json_round_trip() {
    let q = national();
    let mut saved = Answers::new();
    q.save_page(
        page_index(&q, "contact"),
        &input(&[
            ("contact_in_person", "3"),
            ("contact_phone", "1"),
            ("contact_sns_mail", "7"),
        ]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    q.save_page(
        page_index(&q, "participation"),
        &input(&[("participation", "4"), ("participation", "1")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    q.save_page(
        page_index(&q, "household"),
        &input(&[("household_size", "3")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    q.save_page(
        page_index(&q, "comments"),
        &input(&[("comments", "とくになし\r\nありがとう")]),
        &mut saved,
    )
    .expect("page")
    .expect("valid");
    let json = serde_json::to_string(&saved).expect("serialize");
    let back: Answers = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, saved);
    assert_eq!(
        back.get("participation"),
        Some(&Answer::Choices(vec![1, 4]))
    );
    assert_eq!(
        back.get("comments"),
        Some(&Answer::Text("とくになし\nありがとう".into()))
    );
    assert!(q.check_answers(&back).is_empty());
}

// ----- staff paper entry -----

#[test]
fn paper_entries_are_parsed_one_item_at_a_time() {
    let q = fixture();
    let q1 = q.question("q1").expect("q1");
    assert_eq!(q1.parse_entry("2"), Ok(Answer::Choice(2)));
    assert_eq!(
        q1.parse_entry(""),
        Ok(Answer::Missing(MissingReason::NoAnswer))
    );
    assert_eq!(
        q1.parse_entry("3").map_err(|e| e.problem),
        Err(AnswerProblem::UnknownCode {
            code: 3,
            allowed: vec![1, 2]
        })
    );
    let hobbies = q.question("hobbies").expect("hobbies");
    assert_eq!(hobbies.parse_entry("3 1"), Ok(Answer::Choices(vec![1, 3])));
    assert_eq!(hobbies.parse_entry("1,2"), Ok(Answer::Choices(vec![1, 2])));
}

#[test]
fn answers_given_against_the_skip_rules_are_flagged_but_kept() {
    let q = fixture();
    let keyed = answers(&[("q1", Answer::Choice(2)), ("followup", Answer::Choice(1))]);
    let violations = q.skip_violations(&keyed);
    assert_eq!(violations.len(), 1);
    assert_eq!(
        (violations[0].number.as_str(), &violations[0].problem),
        ("問5", &AnswerProblem::AnsweredWhenSkipped)
    );
    assert!(violations[0].message(Lang::Ja).contains("飛ばす"));
    assert_eq!(keyed.get("followup"), Some(&Answer::Choice(1)));
    let marked_missing = answers(&[
        ("q1", Answer::Choice(2)),
        ("followup", Answer::Missing(MissingReason::NoAnswer)),
    ]);
    assert!(q.skip_violations(&marked_missing).is_empty());
    let condition = q
        .question("followup")
        .expect("followup")
        .show_if
        .clone()
        .expect("condition");
    assert_eq!(q.describe_condition(&condition, Lang::Ja), "問1で 1 と回答");
    assert_eq!(q.describe_condition(&condition, Lang::En), "問1 answered 1");
}

#[test]
fn stored_answers_are_checked_against_the_questionnaire() {
    let q = fixture();
    let stored = answers(&[
        ("q1", Answer::Choice(5)),
        ("age", Answer::Text("forty".into())),
        ("hobbies", Answer::Choices(vec![1, 2, 3])),
        ("ghost", Answer::Choice(1)),
        ("f1", Answer::Missing(MissingReason::Unreadable)),
    ]);
    let found: Vec<(String, AnswerProblem)> = q
        .check_answers(&stored)
        .into_iter()
        .map(|e| (e.question_id, e.problem))
        .collect();
    assert_eq!(
        found,
        [
            ("age".to_string(), AnswerProblem::WrongType),
            ("ghost".to_string(), AnswerProblem::UnknownQuestion),
            (
                "hobbies".to_string(),
                AnswerProblem::TooManyChoices { max: 2, given: 3 }
            ),
            (
                "q1".to_string(),
                AnswerProblem::UnknownCode {
                    code: 5,
                    allowed: vec![1, 2]
                }
            ),
        ]
    );
}

// ----- scoring -----

fn ucla(q: &Questionnaire, codes: [Code; 3]) -> ScaleScore {
    let given = answers(&[
        ("ucla_1", Answer::Choice(codes[0])),
        ("ucla_2", Answer::Choice(codes[1])),
        ("ucla_3", Answer::Choice(codes[2])),
    ]);
    q.scale("ucla3").expect("ucla3").score(&given)
}

#[test]
fn ucla_totals_run_from_3_to_12_with_the_national_bands() {
    let q = national();
    let scale = q.scale("ucla3").expect("ucla3").clone();
    // 1+1+1 = 3 → 決してない; 2+3+1 = 6 → ほとんどない; 3+3+1 = 7 → 時々ある;
    // 4+3+3 = 10 → 常にある; 4+4+4 = 12 → 常にある.
    let cases = [
        ([1, 1, 1], 3, "決してない（3点）"),
        ([2, 3, 1], 6, "ほとんどない（4～6点）"),
        ([3, 3, 1], 7, "時々ある（7～9点）"),
        ([3, 3, 3], 9, "時々ある（7～9点）"),
        ([4, 3, 3], 10, "常にある（10～12点）"),
        ([4, 4, 4], 12, "常にある（10～12点）"),
    ];
    for (codes, total, band) in cases {
        let score = ucla(&q, codes);
        assert_eq!(score.total, Some(total), "{codes:?}");
        assert_eq!(score.band_label(&scale, Lang::Ja), Some(band), "{codes:?}");
    }
    assert_eq!(
        ucla(&q, [1, 1, 1]).band_label(&scale, Lang::En),
        Some("Never (3)")
    );
}

#[test]
fn a_missing_ucla_item_means_no_total() {
    let q = national();
    let scale = q.scale("ucla3").expect("ucla3");
    let partial = answers(&[("ucla_1", Answer::Choice(4)), ("ucla_2", Answer::Choice(4))]);
    let score = scale.score(&partial);
    assert_eq!(
        (score.total, score.band, score.answered, score.missing),
        (None, None, 2, 1)
    );
    let unreadable = answers(&[
        ("ucla_1", Answer::Choice(4)),
        ("ucla_2", Answer::Choice(4)),
        ("ucla_3", Answer::Missing(MissingReason::Unreadable)),
    ]);
    assert_eq!(scale.score(&unreadable).total, None);
}

#[test]
fn lsns6_totals_run_from_0_to_30_and_under_12_is_isolated() {
    let q = national();
    let scale = q.scale("lsns6").expect("lsns6");
    let score = |codes: [Code; 6]| {
        let ids = [
            "lsns_family_1",
            "lsns_family_2",
            "lsns_family_3",
            "lsns_friends_1",
            "lsns_friends_2",
            "lsns_friends_3",
        ];
        let given = answers(
            &ids.iter()
                .zip(codes)
                .map(|(id, code)| (*id, Answer::Choice(code)))
                .collect::<Vec<_>>(),
        );
        let result = scale.score(&given);
        (
            result.total,
            result.band_label(scale, Lang::Ja).map(str::to_string),
        )
    };
    let isolated = Some("社会的孤立（12点未満）".to_string());
    let connected = Some("孤立なし（12点以上）".to_string());
    // Codes are 1 (none) … 6 (9 or more), points 0 … 5.
    assert_eq!(score([1, 1, 1, 1, 1, 1]), (Some(0), isolated.clone()));
    assert_eq!(
        score([3, 2, 2, 2, 1, 1]),
        (Some(2 + 1 + 1 + 1), isolated.clone())
    );
    assert_eq!(score([3, 3, 3, 3, 3, 2]), (Some(11), isolated));
    assert_eq!(score([3, 3, 3, 3, 3, 3]), (Some(12), connected.clone()));
    assert_eq!(score([6, 6, 6, 6, 6, 6]), (Some(30), connected));
}

fn k6_answers(codes: [Code; 6]) -> Answers {
    let ids = ["k6_1", "k6_2", "k6_3", "k6_4", "k6_5", "k6_6"];
    answers(
        &ids.iter()
            .zip(codes)
            .map(|(id, code)| (*id, Answer::Choice(code)))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn k6_totals_run_from_0_to_24_with_the_national_bands() {
    let q = national();
    let scale = q.scale("k6").expect("k6");
    let total = |codes| scale.score(&k6_answers(codes)).total;
    // Codes 1 (まったくない) … 5 (いつも) score 0 … 4.
    assert_eq!(total([1, 1, 1, 1, 1, 1]), Some(0));
    assert_eq!(total([3, 3, 3, 3, 3, 4]), Some(2 * 5 + 3));
    assert_eq!(total([5, 5, 5, 5, 5, 5]), Some(24));
    let band = |codes| {
        scale
            .score(&k6_answers(codes))
            .band_label(scale, Lang::Ja)
            .map(str::to_string)
    };
    assert_eq!(band([2, 2, 2, 2, 1, 1]), Some("0～4点".to_string()));
    assert_eq!(band([2, 2, 2, 2, 2, 1]), Some("5～9点".to_string()));
    assert_eq!(band([3, 3, 3, 3, 3, 4]), Some("10～14点".to_string()));
    assert_eq!(band([4, 4, 4, 4, 4, 1]), Some("15点以上".to_string()));
}

#[test]
fn a_prorated_scale_fills_in_up_to_the_allowed_number_of_missing_items() {
    let q = fixture();
    let scale = q.scale("feel").expect("feel");
    // Answered 2 and 3 (points 2, 3), one missing: mean 2.5 × 3 items = 7.5 → 8 (half away from zero).
    let one_missing = scale.score(&answers(&[
        ("f1", Answer::Choice(2)),
        ("f2", Answer::Choice(3)),
    ]));
    assert_eq!(
        (one_missing.total, one_missing.band_label(scale, Lang::En)),
        (Some(8), Some("High"))
    );
    // Answered 1 and 2: mean 1.5 × 3 = 4.5 → 5.
    assert_eq!(
        scale
            .score(&answers(&[
                ("f1", Answer::Choice(1)),
                ("f3", Answer::Choice(2))
            ]))
            .total,
        Some(5)
    );
    // Two missing is more than max_missing = 1.
    assert_eq!(
        scale.score(&answers(&[("f1", Answer::Choice(4))])).total,
        None
    );
}

#[test]
fn scores_cover_exactly_the_included_scales() {
    let q = national();
    let ids: Vec<String> = q
        .scores(&Answers::new())
        .into_iter()
        .map(|s| s.scale_id)
        .collect();
    assert_eq!(ids, ["ucla3", "lsns6", "k6"]);
    let core = q.with_modules(["lsns6"]).expect("lsns6 only");
    let ids: Vec<String> = core
        .scores(&Answers::new())
        .into_iter()
        .map(|s| s.scale_id)
        .collect();
    assert_eq!(ids, ["ucla3", "lsns6"]);
}

// ----- distress -----

#[test]
fn the_direct_question_answered_often_or_always_signals_distress() {
    let q = national();
    assert_eq!(
        q.distress_reasons(&answers(&[("direct", Answer::Choice(5))])),
        [DistressReason::Chosen {
            question: "direct".into(),
            code: 5
        }]
    );
    assert!(!q.is_distressed(&answers(&[("direct", Answer::Choice(4))])));
    assert!(!q.is_distressed(&Answers::new()));
}

#[test]
fn a_k6_total_of_13_or_more_signals_distress_only_when_k6_is_included() {
    let q = national();
    // 2×5 + 3 = 13.
    let thirteen = k6_answers([3, 3, 3, 3, 3, 4]);
    assert_eq!(
        q.distress_reasons(&thirteen),
        [DistressReason::ScaleAtLeast {
            scale: "k6".into(),
            total: 13,
            threshold: 13
        }]
    );
    // 2×6 = 12.
    assert!(!q.is_distressed(&k6_answers([3, 3, 3, 3, 3, 3])));
    let without_k6 = q.with_modules(["lsns6"]).expect("lsns6 only");
    assert!(!without_k6.is_distressed(&thirteen));
    let mut both = thirteen.clone();
    both.insert("direct", Answer::Choice(5));
    assert_eq!(q.distress_reasons(&both).len(), 2);
}

#[test]
fn the_gatekeeper_evaluation_has_no_distress_rule_and_optional_comments() {
    let q = load_file(shipped_dir().join("gatekeeper-training-evaluation.toml"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    assert!(q.distress_rules().is_empty());
    let comments = q.question("comments").expect("comments");
    assert!(!comments.required);
    assert!(matches!(comments.response, Response::Text { .. }));
    let page = q
        .parse_page(
            0,
            &input(&[
                ("satisfaction", "1"),
                ("learned_response", "2"),
                ("useful_for_work", "1"),
                ("know_windows", "5"),
            ]),
            &Answers::new(),
        )
        .expect("page");
    assert_eq!(
        problems(page),
        [(
            "know_windows".to_string(),
            AnswerProblem::UnknownCode {
                code: 5,
                allowed: vec![1, 2, 3, 4]
            }
        )]
    );
}

mod indicators {
    use super::super::*;

    fn national() -> Questionnaire {
        load_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        ))
        .unwrap()
    }

    #[test]
    fn a_direct_question_indicator_is_yes_no_or_missing() {
        let q = national();
        let often = q
            .indicators()
            .iter()
            .find(|i| i.id == "lonely_often")
            .unwrap();
        assert_eq!(often.national.as_ref().map(|n| n.percent), Some(4.8));
        let mut a = Answers::new();
        assert_eq!(often.value(&q, &a), None);
        a.insert("direct", Answer::Choice(5));
        assert_eq!(often.value(&q, &a), Some(true));
        a.insert("direct", Answer::Choice(4));
        assert_eq!(often.value(&q, &a), Some(false));
        a.insert("direct", Answer::Missing(MissingReason::NoAnswer));
        assert_eq!(often.value(&q, &a), None);
    }

    #[test]
    fn a_scale_indicator_needs_a_total_and_counts_the_interval() {
        let q = national();
        let high = q.indicators().iter().find(|i| i.id == "ucla_high").unwrap();
        let mut a = Answers::new();
        // 4 + 3 + 3 = 10: in 10–12.
        a.insert("ucla_1", Answer::Choice(4));
        a.insert("ucla_2", Answer::Choice(3));
        a.insert("ucla_3", Answer::Choice(3));
        assert_eq!(high.value(&q, &a), Some(true));
        // 3 + 3 + 3 = 9: not.
        a.insert("ucla_1", Answer::Choice(3));
        assert_eq!(high.value(&q, &a), Some(false));
        a.remove("ucla_3");
        assert_eq!(high.value(&q, &a), None, "no total, no value");
    }

    #[test]
    fn indicators_of_a_left_out_module_are_not_offered() {
        let q = national();
        assert!(q.indicators().iter().any(|i| i.id == "k6_serious"));
        let without = q.with_modules(["lsns6"]).unwrap();
        assert!(!without.indicators().iter().any(|i| i.id == "k6_serious"));
        assert!(without.indicators().iter().any(|i| i.id == "lsns_isolated"));
    }

    #[test]
    fn an_indicator_with_an_unknown_code_or_an_interval_outside_the_scale_is_refused() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        ))
        .unwrap();
        let bad_code = format!("{text}\n[[indicator]]\nid = \"x\"\nname = {{ ja = \"x\" }}\nitem = \"direct\"\ncodes = [9]\n");
        let err = from_toml_str("tsunagari-national.toml", &bad_code)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("indicator `x`") && err.contains("no option 9"),
            "{err}"
        );
        let bad_range = format!("{text}\n[[indicator]]\nid = \"y\"\nname = {{ ja = \"y\" }}\nscale = \"ucla3\"\nmin = 10\nmax = 13\n");
        let err = from_toml_str("tsunagari-national.toml", &bad_range)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("indicator `y`") && err.contains("3–12"),
            "{err}"
        );
    }
}

#[test]
fn progress_counts_questions_that_may_apply_so_conditional_pages_never_raise_the_total() {
    let q = national();
    let total = q.questions().len();
    let start = q.answer_progress(&Answers::new());
    // Nothing answered: every question may still apply (問6-1 and F4-1 depend on answers
    // not given yet).
    assert_eq!(
        start,
        AnswerProgress {
            answered: 0,
            applicable: total
        }
    );
    // 問6 「いる」 shows 問6-1: the total stays, one more is answered.
    let yes = answers(&[("consult", Answer::Choice(1))]);
    assert_eq!(
        q.answer_progress(&yes),
        AnswerProgress {
            answered: 1,
            applicable: total
        }
    );
    // 問6 「いない」 rules 問6-1 out: the total shrinks by one.
    let no = answers(&[("consult", Answer::Choice(2))]);
    assert_eq!(
        q.answer_progress(&no),
        AnswerProgress {
            answered: 1,
            applicable: total - 1
        }
    );
    // A household of one rules F4-1 out as well; an optional question left blank counts as
    // answered, a required one marked missing does not.
    let mut more = no.clone();
    more.insert("household_size", Answer::Number(1.0));
    more.insert("comments", Answer::Missing(MissingReason::NoAnswer));
    more.insert("sex", Answer::Missing(MissingReason::NoAnswer));
    assert_eq!(
        q.answer_progress(&more),
        AnswerProgress {
            answered: 3,
            applicable: total - 2
        }
    );
}

#[test]
fn a_stale_page_of_the_same_session_is_merged_and_drops_what_it_hides() {
    let q = national();
    let stored = answers(&[
        ("consult", Answer::Choice(1)),
        ("consult_who", Answer::Choices(vec![1, 2])),
        ("direct", Answer::Choice(3)),
    ]);
    let mut sources = AnswerSources::default();
    sources.record(&Answers::new(), &stored, 4, "me");
    // The 問6 page drawn at version 1 (before any of these saves) says 「いない」.
    let posted = vec![("consult".to_string(), Answer::Choice(2))];
    let merged = q
        .merge_page(
            &stored,
            &sources,
            &PageSave {
                drawn_version: 1,
                stored_version: 4,
                writer: "me",
                answers: &posted,
                hidden: &[],
            },
        )
        .expect("the session's own answers are simply superseded");
    assert_eq!(
        merged.answers,
        answers(&[
            ("consult", Answer::Choice(2)),
            ("direct", Answer::Choice(3))
        ]),
        "問6-1 is hidden now and dropped; other pages are kept"
    );
    assert_eq!(merged.sources.get("consult").unwrap().version, 5);
    assert_eq!(merged.sources.get("consult_who").unwrap().version, 5);
    assert_eq!(merged.sources.get("direct").unwrap().version, 4);
}

#[test]
fn a_stale_page_conflicts_only_where_another_session_changed_its_questions_since_it_was_drawn() {
    let q = national();
    let stored = answers(&[
        ("consult", Answer::Choice(2)),
        ("direct", Answer::Choice(3)),
    ]);
    let mut sources = AnswerSources::default();
    sources.record(
        &Answers::new(),
        &answers(&[("direct", Answer::Choice(3))]),
        2,
        "phone",
    );
    sources.record(
        &answers(&[("direct", Answer::Choice(3))]),
        &stored,
        3,
        "laptop",
    );
    let save = |drawn_version, posted: &[(String, Answer)]| {
        q.merge_page(
            &stored,
            &sources,
            &PageSave {
                drawn_version,
                stored_version: 3,
                writer: "phone",
                answers: posted,
                hidden: &[],
            },
        )
    };
    let typed = vec![("consult".to_string(), Answer::Choice(1))];
    let conflicts = save(2, &typed).expect_err("the laptop answered 問6 after version 2");
    assert_eq!(
        conflicts,
        vec![Conflict {
            question_id: "consult".into(),
            number: "問6".into(),
            stored: Some(Answer::Choice(2)),
            typed: Answer::Choice(1),
        }]
    );
    // Drawn after the laptop's save: the resident has seen it, so the page is saved.
    assert!(save(3, &typed).is_ok());
    // The same answer as the laptop's is no conflict; another page's changes are merged.
    let same = vec![("consult".to_string(), Answer::Choice(2))];
    assert!(save(2, &same).is_ok());
    let other_page = vec![("direct".to_string(), Answer::Choice(5))];
    let merged = save(1, &other_page).expect("問8 was last changed by this session");
    assert_eq!(merged.answers.get("consult"), Some(&Answer::Choice(2)));
    assert_eq!(merged.answers.get("direct"), Some(&Answer::Choice(5)));
}

#[test]
fn paper_routing_notes_are_kept_apart_from_the_question_text() {
    let q = national();
    for id in ["consult_who", "household_members"] {
        let item = q
            .pages()
            .iter()
            .flat_map(|page| &page.items)
            .find(|item| item.id == id)
            .unwrap();
        let note = item.paper_note.as_ref().expect("a paper note");
        assert!(note.get(Lang::Ja).contains("方に"), "{id}");
        assert!(!item.text.get(Lang::Ja).contains("方に"), "{id}");
        assert!(!item.text.get(Lang::En).starts_with('('), "{id}");
    }
}

#[test]
fn breakdowns_read_options_ranges_codes_of_several_and_scale_bands() {
    let q = national();
    let by = |id: &str| q.breakdowns().iter().find(|b| b.id == id).unwrap().clone();
    let mut a = Answers::new();
    let marital = by("marital_status");
    assert_eq!(marital.groups.len(), 4, "one group per option");
    assert_eq!(marital.group_of(&q, &a), None, "no answer, no group");
    a.insert("marital_status", Answer::Choice(3));
    assert_eq!(marital.group_of(&q, &a), Some(2));
    let alone = by("living_alone");
    a.insert("household_size", Answer::Number(1.0));
    assert_eq!(alone.group_of(&q, &a), Some(0));
    a.insert("household_size", Answer::Number(4.0));
    assert_eq!(alone.group_of(&q, &a), Some(1));
    let participation = by("participation");
    a.insert("participation", Answer::Choices(vec![2, 4]));
    assert_eq!(participation.group_of(&q, &a), Some(1));
    a.insert("participation", Answer::Choices(vec![6]));
    assert_eq!(participation.group_of(&q, &a), Some(0));
    let k6 = by("k6_band");
    assert_eq!(k6.groups.len(), 4, "the scale's bands");
    for (i, item) in ["k6_1", "k6_2", "k6_3", "k6_4", "k6_5", "k6_6"]
        .iter()
        .enumerate()
    {
        a.insert(*item, Answer::Choice(if i < 3 { 3 } else { 2 }));
    }
    // Points 2 + 2 + 2 + 1 + 1 + 1 = 9: band 5–9.
    assert_eq!(k6.group_of(&q, &a), Some(1));
    let without = q.with_modules(["lsns6"]).unwrap();
    assert!(!without.breakdowns().iter().any(|b| b.id == "k6_band"));
}

#[test]
fn a_breakdown_on_free_text_or_with_one_group_or_bad_codes_is_refused() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/questionnaires/tsunagari-national.toml"
    ))
    .unwrap();
    for (extra, expected) in [
            ("item = \"comments\"", "free-text question"),
            ("item = \"participation\"", "write its groups"),
            ("item = \"health\"\ngroups = [{ ja = \"a\", codes = [1, 9] }, { ja = \"b\", codes = [2] }]", "no option 9"),
            ("item = \"health\"\ngroups = [{ ja = \"a\", codes = [1, 2, 3] }]", "at least two groups"),
            ("scale = \"nope\"", "scale `nope` is not defined"),
            ("item = \"health\"\nscale = \"k6\"", "one of them"),
        ] {
            let bad = format!("{text}\n[[breakdown]]\nid = \"x\"\nname = {{ ja = \"x\" }}\n{extra}\n");
            let err = from_toml_str("tsunagari-national.toml", &bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("breakdown `x`") && err.contains(expected), "{extra}: {err}");
        }
}

//! Tests of the keying conventions, double-entry comparison and the mixed-mode rule against
//! a small questionnaire whose expected results are worked out by hand.

use super::*;
use crate::questionnaire::{from_toml_str, AnswerProblem};

const FORM: &str = r#"
id = "paper"
kind = "sampled"
title = { ja = "紙", en = "Paper" }

[[page]]
id = "p1"
title = { ja = "一", en = "One" }

[[page.item]]
id = "lives_alone"
number = "問1"
type = "single"
text = { ja = "一人暮らしですか", en = "Do you live alone?" }
options = [
  { code = 1, ja = "はい", en = "Yes" },
  { code = 2, ja = "いいえ", en = "No" },
]

[[page]]
id = "p2"
title = { ja = "二", en = "Two" }

[[page.item]]
id = "household"
number = "問2"
type = "number"
text = { ja = "同居人数", en = "People living with you" }
show_if = { item = "lives_alone", in = [2] }
min = 1
max = 20

[[page.item]]
id = "hobbies"
number = "問3"
type = "multiple"
text = { ja = "趣味", en = "Hobbies" }
options = [
  { code = 1, ja = "読書", en = "Reading" },
  { code = 2, ja = "運動", en = "Sport" },
  { code = 12, ja = "その他", en = "Other" },
]

[[page.item]]
id = "note"
number = "問4"
type = "text"
required = false
max_length = 20
text = { ja = "自由記述", en = "Comments" }
"#;

fn form() -> Questionnaire {
    from_toml_str("paper.toml", FORM).unwrap_or_else(|e| panic!("{e}"))
}

fn keyed(pairs: &[(&str, &str)]) -> RawInput {
    RawInput::from_pairs(pairs.iter().copied())
}

#[test]
fn the_special_entries_are_missing_reasons_and_never_options() {
    let q = form();
    let single = q.question("lives_alone").unwrap();
    assert_eq!(parse_keyed(single, "2"), Ok(Answer::Choice(2)));
    assert_eq!(
        parse_keyed(single, ""),
        Ok(Answer::Missing(MissingReason::NoAnswer))
    );
    assert_eq!(
        parse_keyed(single, "-"),
        Ok(Answer::Missing(MissingReason::NoAnswer))
    );
    assert_eq!(
        parse_keyed(single, "*"),
        Ok(Answer::Missing(MissingReason::MultipleMarked))
    );
    assert_eq!(
        parse_keyed(single, "＊"),
        Ok(Answer::Missing(MissingReason::MultipleMarked))
    );
    assert_eq!(
        parse_keyed(single, " ? "),
        Ok(Answer::Missing(MissingReason::Unreadable))
    );
    let text = q.question("note").unwrap();
    assert_eq!(
        parse_keyed(text, "?"),
        Ok(Answer::Missing(MissingReason::Unreadable))
    );
    assert_eq!(
        parse_keyed(text, "何? 不明"),
        Ok(Answer::Text("何? 不明".into()))
    );
}

#[test]
fn an_option_outside_the_printed_ones_is_an_error_naming_the_allowed_codes() {
    let q = form();
    let error = parse_keyed(q.question("lives_alone").unwrap(), "3").unwrap_err();
    assert_eq!(error.number, "問1");
    assert_eq!(
        error.problem,
        AnswerProblem::UnknownCode {
            code: 3,
            allowed: vec![1, 2]
        }
    );
}

#[test]
fn multiple_choice_codes_of_two_digits_are_keyed_with_separators() {
    let q = form();
    let hobbies = q.question("hobbies").unwrap();
    assert_eq!(
        parse_keyed(hobbies, "12 1"),
        Ok(Answer::Choices(vec![1, 12]))
    );
    assert_eq!(parse_keyed(hobbies, "1,2"), Ok(Answer::Choices(vec![1, 2])));
    assert_eq!(keyed_text(&Answer::Choices(vec![1, 12])), "1 12");
}

#[test]
fn a_keyed_form_answers_every_shown_question_and_leaves_skipped_blanks_out() {
    let q = form();
    let parsed = parse_form(
        &q,
        &keyed(&[("lives_alone", "1"), ("hobbies", "2"), ("note", "")]),
    );
    assert!(parsed.is_valid(), "{:?}", parsed.errors);
    assert!(parsed.skip_flags.is_empty());
    assert_eq!(parsed.answers.get("lives_alone"), Some(&Answer::Choice(1)));
    assert_eq!(parsed.answers.get("household"), None, "skipped by 問1 = 1");
    assert_eq!(
        parsed.answers.get("hobbies"),
        Some(&Answer::Choices(vec![2]))
    );
    assert_eq!(
        parsed.answers.get("note"),
        Some(&Answer::Missing(MissingReason::NoAnswer))
    );
    assert_eq!(parsed.answers.len(), 3);
}

#[test]
fn a_dash_on_a_skipped_question_is_left_out_like_a_blank_so_the_form_reads_back_the_same() {
    let q = form();
    let parsed = parse_form(&q, &keyed(&[("lives_alone", "1"), ("household", "－")]));
    assert!(parsed.is_valid(), "{:?}", parsed.errors);
    assert_eq!(parsed.answers.get("household"), None, "skipped by 問1 = 1");
    let reopened = parse_form(&q, &keyed_values(&q, &parsed.answers));
    assert_eq!(reopened.answers, parsed.answers);
}

#[test]
fn an_answer_where_the_form_says_skip_is_kept_and_flagged() {
    let q = form();
    let parsed = parse_form(&q, &keyed(&[("lives_alone", "1"), ("household", "3")]));
    assert!(parsed.is_valid());
    assert_eq!(parsed.answers.get("household"), Some(&Answer::Number(3.0)));
    assert_eq!(parsed.skip_flags.len(), 1);
    assert_eq!(parsed.skip_flags[0].number, "問2");
    assert_eq!(
        parsed.skip_flags[0].problem,
        AnswerProblem::AnsweredWhenSkipped
    );
}

#[test]
fn invalid_entries_are_reported_per_item_and_the_rest_still_parses() {
    let q = form();
    let parsed = parse_form(&q, &keyed(&[("lives_alone", "5"), ("hobbies", "1 x")]));
    let numbers: Vec<&str> = parsed.errors.iter().map(|e| e.number.as_str()).collect();
    assert_eq!(numbers, ["問1", "問3"]);
    assert!(!parsed.is_valid());
}

#[test]
fn keyed_values_round_trip_through_parse_form() {
    let q = form();
    let input = keyed(&[
        ("lives_alone", "2"),
        ("household", "4"),
        ("hobbies", "1 12"),
        ("note", "?"),
    ]);
    let first = parse_form(&q, &input);
    let again = parse_form(&q, &keyed_values(&q, &first.answers));
    assert_eq!(again.answers, first.answers);
}

#[test]
fn differences_list_only_the_differing_items_in_form_order() {
    let q = form();
    let a = parse_form(
        &q,
        &keyed(&[("lives_alone", "2"), ("household", "3"), ("hobbies", "1")]),
    );
    let b = parse_form(
        &q,
        &keyed(&[
            ("lives_alone", "2"),
            ("household", "8"),
            ("hobbies", "1"),
            ("note", "*"),
        ]),
    );
    let found = differences(&q, &a.answers, &b.answers);
    let numbers: Vec<&str> = found.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(numbers, ["問2", "問4"]);
    assert_eq!(found[0].first, Some(Answer::Number(3.0)));
    assert_eq!(found[0].second, Some(Answer::Number(8.0)));
    assert_eq!(
        found[1].second,
        Some(Answer::Missing(MissingReason::MultipleMarked))
    );
    // Four questions have an entry in either form; two differ.
    assert_eq!(compared_items(&a.answers, &b.answers), 4);
    assert!(differences(&q, &a.answers, &a.answers).is_empty());
}

#[test]
fn agreement_is_the_share_of_compared_items_that_matched_and_absent_before_any() {
    let mut agreement = Agreement::default();
    assert_eq!(agreement.rate(), None);
    agreement.add_form(40, 2);
    agreement.add_form(10, 0);
    assert_eq!(agreement.forms, 2);
    assert_eq!((agreement.items, agreement.agreed), (50, 48));
    assert_eq!(agreement.rate(), Some(0.96));
}

#[test]
fn the_same_person_never_keys_both_passes_of_a_form() {
    let first_done = [ExistingPass {
        pass: Pass::First,
        keyer_id: 7,
        complete: true,
    }];
    assert_eq!(choose_pass(true, false, &[], 7), Ok(Pass::First));
    assert_eq!(
        choose_pass(true, false, &first_done, 7),
        Err(EntryError::SameKeyer)
    );
    assert_eq!(choose_pass(true, false, &first_done, 8), Ok(Pass::Second));
    assert_eq!(
        choose_pass(false, false, &first_done, 8),
        Err(EntryError::FullyKeyed)
    );
    assert_eq!(
        choose_pass(false, false, &first_done, 7),
        Err(EntryError::OwnPassComplete)
    );
    assert_eq!(
        choose_pass(true, true, &first_done, 8),
        Err(EntryError::AlreadyAccepted)
    );
    let both = [
        first_done[0],
        ExistingPass {
            pass: Pass::Second,
            keyer_id: 8,
            complete: false,
        },
    ];
    assert_eq!(
        choose_pass(true, false, &both, 8),
        Ok(Pass::Second),
        "resumes a draft"
    );
    assert_eq!(
        choose_pass(true, false, &both, 9),
        Err(EntryError::FullyKeyed)
    );
    assert_eq!(
        choose_pass(true, false, &both, 7),
        Err(EntryError::OwnPassComplete)
    );
}

fn at(hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

#[test]
fn the_first_complete_response_counts_unless_staff_chose_another() {
    let online = CountCandidate {
        response_id: 5,
        completed_at: at(10),
        chosen_at: None,
    };
    let paper = CountCandidate {
        response_id: 3,
        completed_at: at(12),
        chosen_at: None,
    };
    assert_eq!(counted_response(&[]), None);
    assert_eq!(
        counted_response(&[paper, online]),
        Some(5),
        "online was complete first"
    );
    let chosen_paper = CountCandidate {
        chosen_at: Some(at(14)),
        ..paper
    };
    assert_eq!(counted_response(&[chosen_paper, online]), Some(3));
    let chosen_back = CountCandidate {
        chosen_at: Some(at(15)),
        ..online
    };
    assert_eq!(
        counted_response(&[chosen_paper, chosen_back]),
        Some(5),
        "the latest choice wins"
    );
}

#[test]
fn reconciling_takes_each_pick_and_writes_the_audit_reason_of_every_item() {
    use super::reconcile::{reconcile, Pick};
    let q = form();
    let first = parse_form(
        &q,
        &keyed(&[("lives_alone", "2"), ("household", "3"), ("hobbies", "1 2")]),
    )
    .answers;
    let second = parse_form(
        &q,
        &keyed(&[("lives_alone", "2"), ("household", "8"), ("hobbies", "1")]),
    )
    .answers;
    let picks = |id: &str| match id {
        "household" => Pick::Typed(" 5 "),
        "hobbies" => Pick::Second,
        _ => Pick::Missing,
    };
    let done = reconcile(&q, &first, &second, picks, "紙を確認").unwrap();
    assert_eq!(done.answers.get("household"), Some(&Answer::Number(5.0)));
    assert_eq!(done.answers.get("hobbies"), Some(&Answer::Choices(vec![1])));
    assert_eq!(done.answers.get("lives_alone"), Some(&Answer::Choice(2)));
    use super::audit::{reason_text, AuditReason, Decision};
    let reasons: Vec<(&str, String, String)> = done
        .items
        .iter()
        .map(|i| {
            (
                i.question_id.as_str(),
                reason_text(Some(&i.reason), &i.note, Lang::En),
                reason_text(Some(&i.reason), &i.note, Lang::Ja),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "household",
                "reconciliation: entry 1 3, entry 2 8; corrected to `5` — 紙を確認".into(),
                "照合: 1回目 3、2回目 8。原票を見て「5」に修正 — 紙を確認".into()
            ),
            (
                "hobbies",
                "reconciliation: entry 1 1 2, entry 2 1; chose entry 2 — 紙を確認".into(),
                "照合: 1回目 1 2、2回目 1。2回目を採用 — 紙を確認".into()
            ),
        ]
    );
    assert_eq!(done.acceptance_reason, AuditReason::Reconciled { items: 2 });
    assert_eq!(
        done.acceptance_reason.message(Lang::En),
        "accepted after reconciling 2 items"
    );
    assert_eq!(
        done.acceptance_reason.message(Lang::Ja),
        "照合して受理（異なる2項目を照合）"
    );

    // Entry 1 kept; an item keyed blank shows as "(blank)", one not there at all (a skipped
    // question) as "(none)"; no note, no dash.
    let blank = parse_form(&q, &keyed(&[("lives_alone", "2"), ("household", "3")])).answers;
    let done = reconcile(&q, &first, &blank, |_| Pick::First, "").unwrap();
    assert_eq!(done.answers, first);
    assert_eq!(
        reason_text(Some(&done.items[0].reason), &done.items[0].note, Lang::En),
        "reconciliation: entry 1 1 2, entry 2 (blank); chose entry 1"
    );
    assert_eq!(
        reason_text(Some(&done.items[0].reason), &done.items[0].note, Lang::Ja),
        "照合: 1回目 1 2、2回目 （空欄）。1回目を採用"
    );
    let mut absent = blank;
    absent.remove("hobbies");
    let done = reconcile(&q, &first, &absent, |_| Pick::Second, "").unwrap();
    assert_eq!(done.answers.get("hobbies"), None);
    assert_eq!(
        done.items[0].reason,
        AuditReason::ReconciledItem {
            first: Some("1 2".into()),
            second: None,
            decision: Decision::Second
        }
    );
    assert_eq!(
        done.items[0].reason.message(Lang::En),
        "reconciliation: entry 1 1 2, entry 2 (none); chose entry 2"
    );
}

#[test]
fn audit_reasons_are_stored_as_kinds_and_old_rows_keep_their_text() {
    use super::audit::{reason_text, AuditReason, Decision};
    let reasons = [
        AuditReason::SingleEntry,
        AuditReason::IdenticalEntries,
        AuditReason::Reconciled { items: 1 },
        AuditReason::ReconciledItem {
            first: Some(String::new()),
            second: Some("3".into()),
            decision: Decision::Corrected { typed: "4".into() },
        },
        AuditReason::ReconciledItem {
            first: None,
            second: Some("2".into()),
            decision: Decision::Removed,
        },
    ];
    for reason in &reasons {
        let json = serde_json::to_string(reason).unwrap();
        assert_eq!(&serde_json::from_str::<AuditReason>(&json).unwrap(), reason);
        let ja = reason.message(Lang::Ja);
        assert!(
            !ja.chars().any(|c| c.is_ascii_alphabetic()),
            "no English in Japanese: {ja}"
        );
    }
    assert_eq!(
        serde_json::to_string(&AuditReason::Reconciled { items: 2 }).unwrap(),
        r#"{"kind":"reconciled","items":2}"#
    );
    assert_eq!(
        reasons[2].message(Lang::En),
        "accepted after reconciling 1 item"
    );
    // A row from before: its text as stored; a person's reason as typed.
    assert_eq!(
        reason_text(None, "chose entry 1", Lang::Ja),
        "chose entry 1"
    );
    assert_eq!(reason_text(None, "原票の再確認", Lang::En), "原票の再確認");
}

#[test]
fn the_reasons_written_in_english_before_are_read_back_as_kinds_and_notes() {
    use super::audit::{from_legacy, AuditReason, Decision};
    let item = |first: Option<&str>, second: Option<&str>, decision| AuditReason::ReconciledItem {
        first: first.map(str::to_string),
        second: second.map(str::to_string),
        decision,
    };
    let cases = [
        ("accepted: single entry", AuditReason::SingleEntry, ""),
        (
            "accepted automatically: both entries identical",
            AuditReason::IdenticalEntries,
            "",
        ),
        (
            "accepted after reconciling 12 item(s)",
            AuditReason::Reconciled { items: 12 },
            "",
        ),
        (
            "reconciliation: entry 1 3, entry 2 8; corrected to `5` — 紙を確認",
            item(
                Some("3"),
                Some("8"),
                Decision::Corrected { typed: "5".into() },
            ),
            "紙を確認",
        ),
        (
            "reconciliation: entry 1 1 2, entry 2 (blank); chose entry 1",
            item(Some("1 2"), Some(""), Decision::First),
            "",
        ),
        (
            "reconciliation: entry 1 (none), entry 2 4; chose entry 2 — a; b — c",
            item(None, Some("4"), Decision::Second),
            "a; b — c",
        ),
        (
            "reconciliation: entry 1 友人, 知人, entry 2 ?; removed (not in the questionnaire)",
            item(Some("友人, 知人"), Some("?"), Decision::Removed),
            "",
        ),
        (
            "reconciliation: entry 1 x, entry 2 y; corrected to `とくに `なし``",
            item(
                Some("x"),
                Some("y"),
                Decision::Corrected {
                    typed: "とくに `なし`".into(),
                },
            ),
            "",
        ),
    ];
    for (text, reason, note) in cases {
        assert_eq!(
            from_legacy(text),
            Some((reason, note.to_string())),
            "{text}"
        );
    }
    // A person's own reason, and text that only looks like a reason, stay as typed.
    for text in [
        "原票の再確認",
        "accepted after reconciling many item(s)",
        "accepted after a phone call",
        "reconciliation: entry 1 3, entry 2 8; because",
        "reconciliation: entry 1 3, entry 2 8; chose entry 1 and more",
    ] {
        assert_eq!(from_legacy(text), None, "{text}");
    }
}

#[test]
fn reconciling_refuses_an_item_without_a_pick_or_with_an_invalid_typed_value() {
    use super::reconcile::{reconcile, Pick};
    let q = form();
    let first = parse_form(&q, &keyed(&[("lives_alone", "2"), ("household", "3")])).answers;
    let second = parse_form(&q, &keyed(&[("lives_alone", "1")])).answers;
    let errors = reconcile(
        &q,
        &first,
        &second,
        |id| match id {
            "lives_alone" => Pick::Typed("7"),
            _ => Pick::Missing,
        },
        "",
    )
    .unwrap_err();
    let problems: Vec<(&str, bool)> = errors
        .iter()
        .map(|e| (e.number.as_str(), e.problem == AnswerProblem::Required))
        .collect();
    assert_eq!(problems, [("問1", false), ("問2", true)]);
}

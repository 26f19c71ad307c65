//! Simple tabulation (単純集計) in the national survey's convention: unweighted counts and
//! percentages of respondents, with "no answer" (無回答) kept in the denominator.
//!
//! This is the view a municipality needs to compare itself with the published national
//! tables; it is labelled as unweighted wherever it is shown. Pure: answers in, tables out.

use std::borrow::Borrow;
use std::collections::HashMap;

use crate::questionnaire::{Answer, Answers, Lang, Provenance, Questionnaire, Response};

/// Fewer respondents than this and no table is shown at all (nothing about individuals can
/// be read from a table of a handful of forms).
pub const MIN_RESPONDENTS: usize = 10;

/// One row of a table: an option (or band) with its count and share.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub label: String,
    pub count: usize,
    /// Share of all respondents the question applied to, in percent.
    pub percent: f64,
}

/// The distribution of one question or scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Printed number (`問8`), empty for scales.
    pub number: String,
    pub title: String,
    /// Respondents the question applied to (the denominator).
    pub base: usize,
    /// Options in printed order, then 無回答 last.
    pub rows: Vec<TableRow>,
    /// Whether several options could be chosen (shares then add up to more than 100%).
    pub multiple: bool,
    /// Where the wording comes from (a scale: its least comparable item): only a table of a
    /// national item may be set beside the national survey's published one.
    pub provenance: Provenance,
}

/// Tables for every choice question and every scale of a questionnaire.
pub fn simple_tabulation<A: Borrow<Answers>>(
    q: &Questionnaire,
    respondents: &[A],
    lang: Lang,
) -> Vec<Table> {
    let no_answer = match lang {
        Lang::Ja => "無回答",
        Lang::En => "No answer",
    };
    let questions: Vec<_> = q
        .questions()
        .iter()
        .filter(|question| !question.response.options().is_empty())
        .collect();
    let position: HashMap<&str, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, question)| (question.id.as_str(), i))
        .collect();
    let mut tallies: Vec<Tally> = questions
        .iter()
        .map(|question| Tally::new(question.response.options().len()))
        .collect();
    let scales = q.scales();
    let mut bands: Vec<Tally> = scales.iter().map(|s| Tally::new(s.bands.len())).collect();
    // One pass over each respondent's own answers (a few dozen, together in memory) rather
    // than one lookup per question in every respondent's answers.
    for answers in respondents {
        let answers = answers.borrow();
        for (id, answer) in answers.iter() {
            let Some(&i) = position.get(id) else {
                continue;
            };
            let options = questions[i].response.options();
            let tally = &mut tallies[i];
            // The denominator: respondents to whom the question was shown (an entry
            // exists); questions skipped by a condition are not asked, as in the printed
            // tables.
            tally.base += 1;
            match answer {
                Answer::Choice(code) => match options.iter().position(|o| o.code == *code) {
                    Some(o) => tally.counts[o] += 1,
                    None => tally.missing += 1,
                },
                Answer::Choices(codes) if !codes.is_empty() => {
                    for code in codes {
                        if let Some(o) = options.iter().position(|o| o.code == *code) {
                            tally.counts[o] += 1;
                        }
                    }
                }
                _ => tally.missing += 1,
            }
        }
        for (scale, tally) in scales.iter().zip(&mut bands) {
            tally.base += 1;
            match scale.score(answers).band {
                Some(band) => tally.counts[band] += 1,
                None => tally.missing += 1,
            }
        }
    }
    let mut tables = Vec::new();
    for (question, tally) in questions.iter().zip(&tallies) {
        let mut rows: Vec<TableRow> = question
            .response
            .options()
            .iter()
            .zip(&tally.counts)
            .map(|(o, &count)| row(o.label.get(lang), count, tally.base))
            .collect();
        rows.push(row(no_answer, tally.missing, tally.base));
        let title = match &question.stem {
            Some(stem) => format!("{} — {}", stem.get(lang), question.text.get(lang)),
            None => question.text.get(lang).to_string(),
        };
        tables.push(Table {
            number: question.number.clone(),
            title,
            base: tally.base,
            rows,
            multiple: matches!(question.response, Response::Multiple { .. }),
            provenance: question.provenance,
        });
    }
    for (scale, tally) in scales.iter().zip(&bands) {
        let mut rows: Vec<TableRow> = scale
            .bands
            .iter()
            .zip(&tally.counts)
            .map(|(b, &count)| {
                row(
                    &format!("{}–{} {}", b.min, b.max, b.label.get(lang)),
                    count,
                    tally.base,
                )
            })
            .collect();
        rows.push(row(no_answer, tally.missing, tally.base));
        let provenance = scale
            .items
            .iter()
            .filter_map(|id| q.question(id))
            .map(|question| question.provenance)
            .min()
            .unwrap_or(Provenance::Local);
        tables.push(Table {
            number: String::new(),
            title: scale.name.get(lang).to_string(),
            base: tally.base,
            rows,
            multiple: false,
            provenance,
        });
    }
    tables
}

/// Counts of one question's options (or one scale's bands) and of its missing answers.
struct Tally {
    base: usize,
    counts: Vec<usize>,
    missing: usize,
}

impl Tally {
    fn new(options: usize) -> Tally {
        Tally {
            base: 0,
            counts: vec![0; options],
            missing: 0,
        }
    }
}

fn row(label: &str, count: usize, base: usize) -> TableRow {
    let percent = if base == 0 {
        0.0
    } else {
        100.0 * count as f64 / base as f64
    };
    TableRow {
        label: label.to_string(),
        count,
        percent,
    }
}

/// The tables as CSV: `number,question,option,count,percent,base`, one row per option.
pub fn csv(tables: &[Table]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["number", "question", "option", "count", "percent", "base"])?;
    for table in tables {
        for row in &table.rows {
            out.write_record([
                table.number.as_str(),
                table.title.as_str(),
                row.label.as_str(),
                &row.count.to_string(),
                &format!("{:.1}", row.percent),
                &table.base.to_string(),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// The answers to one free-text question, for reading.
#[derive(Debug, Clone, PartialEq)]
pub struct TextAnswers {
    pub number: String,
    pub title: String,
    /// The non-empty answers, sorted: the order says nothing about who answered when.
    pub answers: Vec<String>,
}

/// Every free-text question with its answers. Like the tables, nothing is given for fewer
/// than [`MIN_RESPONDENTS`] respondents (`None`).
pub fn free_text<A: Borrow<Answers>>(
    q: &Questionnaire,
    respondents: &[A],
    lang: Lang,
) -> Option<Vec<TextAnswers>> {
    if respondents.len() < MIN_RESPONDENTS {
        return None;
    }
    Some(
        q.questions()
            .iter()
            .filter(|question| matches!(question.response, Response::Text { .. }))
            .map(|question| {
                let mut answers: Vec<String> = respondents
                    .iter()
                    .filter_map(|r| match r.borrow().get(&question.id) {
                        Some(Answer::Text(text)) if !text.trim().is_empty() => {
                            Some(text.trim().to_string())
                        }
                        _ => None,
                    })
                    .collect();
                answers.sort();
                TextAnswers {
                    number: question.number.clone(),
                    title: question.text.get(lang).to_string(),
                    answers,
                }
            })
            .collect(),
    )
}

/// The free-text answers as CSV: `number,question,answer`, one row per answer.
pub fn free_text_csv(questions: &[TextAnswers]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["number", "question", "answer"])?;
    for question in questions {
        for answer in &question.answers {
            out.write_record([
                question.number.as_str(),
                question.title.as_str(),
                answer.as_str(),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::{from_toml_str, Answer};

    const SMALL: &str = r#"
id = "small"
kind = "sampled"
title = { ja = "小", en = "Small" }

[[page]]
id = "p1"
title = { ja = "一", en = "One" }

[[page.item]]
id = "direct"
number = "問1"
type = "single"
text = { ja = "孤独ですか", en = "Lonely?" }
options = [
  { code = 1, ja = "いいえ", en = "No" },
  { code = 2, ja = "はい", en = "Yes" },
]
"#;

    fn with(code: Option<u32>) -> Answers {
        let mut a = Answers::new();
        match code {
            Some(c) => a.insert("direct", Answer::Choice(c)),
            None => a.insert(
                "direct",
                Answer::Missing(crate::questionnaire::MissingReason::NoAnswer),
            ),
        };
        a
    }

    #[test]
    fn no_answer_stays_in_the_denominator_as_in_the_national_tables() {
        let q = from_toml_str("small.toml", SMALL).unwrap();
        let respondents = vec![with(Some(1)), with(Some(1)), with(Some(2)), with(None)];
        let tables = simple_tabulation(&q, &respondents, Lang::Ja);
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(t.base, 4);
        assert_eq!(
            t.rows.iter().map(|r| r.count).collect::<Vec<_>>(),
            vec![2, 1, 1]
        );
        assert_eq!(t.rows[0].percent, 50.0);
        assert_eq!(t.rows[2].label, "無回答");
        assert_eq!(t.rows[2].percent, 25.0);
        assert_eq!(t.provenance, Provenance::Local, "not declared: local");
    }

    #[test]
    fn the_national_tables_use_the_national_categories_and_say_where_they_come_from() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/questionnaires/tsunagari-national.toml"
        );
        let q = crate::questionnaire::load_file(path).unwrap();
        let mut a = Answers::new();
        a.insert("economic_situation", Answer::Choice(5));
        a.insert("direct", Answer::Choice(1));
        for (i, id) in ["ucla_1", "ucla_2", "ucla_3"].iter().enumerate() {
            a.insert(*id, Answer::Choice(1 + i as u32));
        }
        let tables = simple_tabulation(&q, &[a, Answers::new()], Lang::Ja);
        let table = |number: &str| tables.iter().find(|t| t.number == number).unwrap();
        let economic = table("F6");
        assert_eq!(
            economic
                .rows
                .iter()
                .map(|r| r.label.as_str())
                .collect::<Vec<_>>(),
            [
                "大変ゆとりがある",
                "ややゆとりがある",
                "普通",
                "やや苦しい",
                "大変苦しい",
                "無回答"
            ]
        );
        assert_eq!(economic.rows[4].count, 1);
        assert_eq!(economic.provenance, Provenance::NationalSecondary);
        assert_eq!(table("問8").provenance, Provenance::National);
        assert_eq!(table("F8").provenance, Provenance::Local);
        let ucla = tables
            .iter()
            .find(|t| t.title.starts_with("孤独感（UCLA"))
            .unwrap();
        assert_eq!(ucla.provenance, Provenance::National);
        assert_eq!(ucla.rows[1].count, 1, "1 + 2 + 3 = 6 points: 4–6");
        let k6 = tables
            .iter()
            .find(|t| t.title.starts_with("心理的苦痛"))
            .unwrap();
        assert_eq!(k6.provenance, Provenance::Local);
    }

    #[test]
    fn a_question_nobody_was_asked_has_an_empty_base_and_no_division_by_zero() {
        let q = from_toml_str("small.toml", SMALL).unwrap();
        let t = &simple_tabulation(&q, &[Answers::new()], Lang::En)[0];
        assert_eq!(t.base, 0);
        assert!(t.rows.iter().all(|r| r.percent == 0.0));
    }

    #[test]
    fn free_text_answers_are_sorted_without_blanks_and_withheld_under_the_minimum() {
        let q = from_toml_str(
            "t.toml",
            r#"
id = "t"
kind = "open"
title = { ja = "t", en = "t" }
[[page]]
id = "p"
title = { ja = "p", en = "p" }
[[page.item]]
id = "comments"
number = "問1"
type = "text"
required = false
text = { ja = "感想", en = "Comments" }
"#,
        )
        .unwrap();
        let answer = |text: &str| {
            let mut a = Answers::new();
            a.insert("comments", Answer::Text(text.into()));
            a
        };
        let mut people: Vec<Answers> = ["ね", "  ", "あ", "か"].iter().map(|t| answer(t)).collect();
        assert_eq!(free_text(&q, &people, Lang::Ja), None);
        people.extend((0..6).map(|_| Answers::new()));
        let texts = free_text(&q, &people, Lang::Ja).unwrap();
        assert_eq!(texts[0].answers, ["あ", "か", "ね"]);
        assert_eq!(texts[0].number, "問1");
        let csv = String::from_utf8(free_text_csv(&texts).unwrap()).unwrap();
        assert_eq!(csv.lines().count(), 4, "{csv}");
    }
}

//! What a survey is: its questionnaire and modules, whether it is open, and the help lines
//! shown to respondents — read from a survey file (`surveys/*.toml`) or from storage.

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::questionnaire::Text;

/// Whether residents can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    /// Being prepared: codes do not work yet.
    Draft,
    /// Fieldwork: codes work.
    Open,
    /// Fieldwork is over: codes no longer work.
    Closed,
}

impl SurveyStatus {
    /// Reads `draft`, `open` or `closed`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "draft" => Ok(SurveyStatus::Draft),
            "open" => Ok(SurveyStatus::Open),
            "closed" => Ok(SurveyStatus::Closed),
            other => Err(format!(
                "`{other}` is not a survey status: use draft, open or closed"
            )),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
}

/// One place to get help: a consultation window or a help line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpLine {
    /// Name of the service (相談窓口の名称).
    pub name: Text,
    /// Phone number as people dial it, if any.
    #[serde(default)]
    pub phone: Option<String>,
    /// A web address (LINE/SNS consultation, information page), if any.
    #[serde(default)]
    pub url: Option<String>,
    /// When it is open.
    #[serde(default)]
    pub hours: Option<Text>,
    /// What it is for, in a sentence.
    #[serde(default)]
    pub description: Option<Text>,
    /// Whether it answers around the clock: after a resident asks to be contacted, the page
    /// repeats these lines for anything that cannot wait.
    #[serde(default)]
    pub open_24h: bool,
}

/// The city's consultation window that follows up residents who ask to be contacted
/// (`[consultation]` in a survey file). A survey without it never offers the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultationSettings {
    /// `true`: every resident is offered the request on the end page; `false`: only those
    /// whose answers signal distress (they always are, prominently).
    #[serde(default)]
    pub offer_to_everyone: bool,
    /// The window's name as residents read it (「デモ市 福祉課 こころの相談窓口」).
    pub window: Text,
    /// Where every new request is announced (a link only, never what the resident wrote).
    pub email: String,
    /// The window's own phone number, if residents may call it.
    #[serde(default)]
    pub phone: Option<String>,
    /// When the window works (「平日 8:30〜17:15」).
    pub hours: Text,
    /// Within how many days the window contacts a resident; the queue marks requests not
    /// contacted by then as overdue.
    pub reply_within_days: u32,
    /// How many days after a request is closed it is deleted.
    pub retention_days: u32,
}

/// The longest promise a survey file may make about when the window calls back.
pub const LONGEST_REPLY_DAYS: u32 = 30;
/// The longest a closed contact request may be kept.
pub const LONGEST_RETENTION_DAYS: u32 = 3650;

impl ConsultationSettings {
    /// Whether the end page offers the request to a resident whose answers did (`distress`)
    /// or did not signal distress.
    pub fn offered(&self, distress: bool) -> bool {
        distress || self.offer_to_everyone
    }

    /// The storage form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn check(&self) -> Result<(), String> {
        if self.window.ja.trim().is_empty() {
            return Err("[consultation] window: give the window's name in Japanese".into());
        }
        if self.email.trim().is_empty() {
            return Err(
                "[consultation] email: give the address that is told of every new request".into(),
            );
        }
        if !(1..=LONGEST_REPLY_DAYS).contains(&self.reply_within_days) {
            return Err(format!(
                "[consultation] reply_within_days = {}: give 1 to {LONGEST_REPLY_DAYS} days",
                self.reply_within_days
            ));
        }
        if !(1..=LONGEST_RETENTION_DAYS).contains(&self.retention_days) {
            return Err(format!(
                "[consultation] retention_days = {}: give 1 to {LONGEST_RETENTION_DAYS} days",
                self.retention_days
            ));
        }
        Ok(())
    }
}

/// A survey file: everything needed to create a survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    /// Short name used in URLs and commands (`suzaka-2026`): lower-case letters, digits, `-`.
    pub slug: String,
    /// Title shown to residents.
    pub title: Text,
    /// The questionnaire's id (its file name without `.toml`).
    pub questionnaire: String,
    /// Optional modules of the questionnaire this survey includes (e.g. `k6`, `lsns6`).
    #[serde(default)]
    pub modules: Vec<String>,
    /// Initial status.
    #[serde(default = "default_status")]
    pub status: SurveyStatus,
    /// Where to get help, in the order shown.
    #[serde(default)]
    pub help: Vec<HelpLine>,
    /// The text of the printed request letter sent to each sampled resident.
    #[serde(default)]
    pub letter: Option<LetterSettings>,
    /// The slug of the same questionnaire's earlier survey (last year's wave), if any: the
    /// planner overview compares each indicator with it.
    #[serde(default)]
    pub previous_wave: Option<String>,
    /// The consultation window that follows up residents who ask to be contacted.
    #[serde(default)]
    pub consultation: Option<ConsultationSettings>,
    /// The answering period, both days included, in the municipality's time zone
    /// (`"2026-12-01"`): while the survey is open, answers are taken only on these days.
    #[serde(default)]
    pub answer_from: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub answer_until: Option<chrono::NaiveDate>,
    /// Open questionnaires: one response per browser (a second attempt is thanked and sent
    /// nowhere). Default `true`; `false` for a sheet a group fills in on one shared tablet.
    #[serde(default = "default_true")]
    pub one_per_browser: bool,
}

fn default_true() -> bool {
    true
}

/// Whether a survey takes answers on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepting {
    /// Open, and today is inside the answering period.
    Open,
    /// In preparation, or open but before its first day (`Some(first day)`).
    NotYet(Option<chrono::NaiveDate>),
    /// Closed, or open but past its last day (`Some(last day)`).
    Over(Option<chrono::NaiveDate>),
}

/// The words of the request letter (依頼状). The page adds the addressee, the access code,
/// the answering URL and its QR code; everything else a letter says is here, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterSettings {
    /// The date printed at the top right, as the city writes it (`令和8年12月1日`).
    pub date: String,
    /// Who sends it, one line each (city, mayor's name).
    pub sender: Vec<String>,
    /// The title line (`「…」へのご協力のお願い`).
    pub heading: String,
    /// The body: paragraphs separated by blank lines (purpose, anonymity, addressee in
    /// person, apology, deadline, return envelope).
    pub body: String,
    /// The paragraph next to the code and QR code (how to answer online, and not to send
    /// the paper form back after answering online).
    pub online: String,
    /// Who to ask, one line each (office, phone, hours).
    pub contact: Vec<String>,
}

/// The placeholders a letter's texts may use, filled from the drawn sample and the survey.
pub const LETTER_PLACEHOLDERS: [&str; 3] = ["sample_size", "reference_date", "deadline"];

/// What the placeholders of a letter stand for.
#[derive(Debug, Clone)]
pub struct LetterFacts {
    /// `{sample_size}`: people drawn (written 2,000).
    pub sample_size: i64,
    /// `{reference_date}`: the register's reference date of the sample (令和8年12月1日).
    pub reference_date: chrono::NaiveDate,
    /// `{deadline}`: the last day of the answering period, if the survey has one
    /// (令和9年1月20日（水）).
    pub deadline: Option<chrono::NaiveDate>,
}

/// Writes a count the way letters do: 2,000.
fn with_thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The placeholders `{name}` in `text`, in order.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                found.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    found
}

impl LetterSettings {
    /// Checks that every `{placeholder}` of the texts is one the letters page can fill.
    pub fn check_placeholders(&self) -> Result<(), String> {
        for text in self.texts() {
            for name in placeholders(text) {
                if !LETTER_PLACEHOLDERS.contains(&name) {
                    return Err(format!(
                        "[letter]: `{{{name}}}` is not a placeholder the letters can fill; use {}",
                        LETTER_PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    fn texts(&self) -> impl Iterator<Item = &String> {
        [&self.date, &self.heading, &self.body, &self.online]
            .into_iter()
            .chain(self.sender.iter())
            .chain(self.contact.iter())
    }

    /// The letter with its placeholders filled; `Err` names a placeholder that has no value
    /// (`{deadline}` in a survey without a last answering day).
    pub fn filled(&self, facts: &LetterFacts) -> Result<LetterSettings, MissingFact> {
        let fill = |text: &str| -> Result<String, MissingFact> {
            let mut out = text.replace("{sample_size}", &with_thousands(facts.sample_size));
            out = out.replace(
                "{reference_date}",
                &crate::sampling::era_date::format_era(facts.reference_date),
            );
            if out.contains("{deadline}") {
                let deadline = facts.deadline.ok_or(MissingFact::Deadline)?;
                out = out.replace("{deadline}", &era_date_with_weekday(deadline));
            }
            Ok(out)
        };
        Ok(LetterSettings {
            date: fill(&self.date)?,
            sender: self
                .sender
                .iter()
                .map(|l| fill(l))
                .collect::<Result<_, _>>()?,
            heading: fill(&self.heading)?,
            body: fill(&self.body)?,
            online: fill(&self.online)?,
            contact: self
                .contact
                .iter()
                .map(|l| fill(l))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The body's paragraphs, blank lines removed and line breaks inside kept as spaces.
    pub fn paragraphs(&self) -> Vec<String> {
        paragraphs_of(&self.body)
    }

    /// The online paragraph(s).
    pub fn online_paragraphs(&self) -> Vec<String> {
        paragraphs_of(&self.online)
    }

    /// The storage form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the storage form.
    pub fn from_json(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("stored letter text: {e}"))
    }
}

/// A placeholder the survey has no value for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MissingFact {
    #[error("the letter uses {{deadline}} but the survey has no answer_until")]
    Deadline,
}

/// 令和9年1月20日（水）.
fn era_date_with_weekday(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let weekday =
        ["月", "火", "水", "木", "金", "土", "日"][date.weekday().num_days_from_monday() as usize];
    format!(
        "{}（{weekday}）",
        crate::sampling::era_date::format_era(date)
    )
}

fn paragraphs_of(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(""))
        .filter(|p| !p.is_empty())
        .collect()
}

fn default_status() -> SurveyStatus {
    SurveyStatus::Draft
}

/// Why a survey file or stored survey cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("stored survey {slug} is damaged: {message}")]
    Stored { slug: String, message: String },
}

impl SurveySettings {
    /// Reads and checks a survey file.
    pub fn load(path: &Path) -> Result<Self, SurveyError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SurveyError::File {
            file: file.clone(),
            message: format!("cannot read the file: {e}"),
        })?;
        Self::from_toml_str(&file, &text)
    }

    /// Parses and checks survey settings; `source` names the file in messages.
    pub fn from_toml_str(source: &str, text: &str) -> Result<Self, SurveyError> {
        let settings: SurveySettings = toml::from_str(text).map_err(|e| SurveyError::File {
            file: source.to_string(),
            message: e.to_string(),
        })?;
        check_slug(&settings.slug)
            .and_then(|()| check_period(settings.answer_from, settings.answer_until))
            .and_then(|()| match &settings.letter {
                Some(letter) => letter.check_placeholders(),
                None => Ok(()),
            })
            .and_then(|()| match &settings.consultation {
                Some(c) => c.check(),
                None => Ok(()),
            })
            .map_err(|message| SurveyError::File {
                file: source.to_string(),
                message,
            })?;
        Ok(settings)
    }
}

/// Checks that an answering period ends on or after its first day.
pub fn check_period(
    from: Option<chrono::NaiveDate>,
    until: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    match (from, until) {
        (Some(from), Some(until)) if until < from => Err(format!(
            "answer_until = {until} is before answer_from = {from}: the last day must be on or after the first"
        )),
        _ => Ok(()),
    }
}

/// Checks that a slug is usable in a URL: 1–40 of `a-z`, `0-9`, `-`.
pub fn check_slug(slug: &str) -> Result<(), String> {
    let ok = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the slug `{slug}` must be 1–40 characters of lower-case letters, digits and `-`"
        ))
    }
}

/// A stored survey with its settings parsed.
#[derive(Debug, Clone)]
pub struct Survey {
    pub id: i64,
    pub slug: String,
    pub title: Text,
    pub questionnaire: String,
    pub modules: Vec<String>,
    pub status: SurveyStatus,
    pub help: Vec<HelpLine>,
    /// Who follows up residents who ask to be contacted; `None`: the survey does not offer it.
    pub consultation: Option<ConsultationSettings>,
    /// The answering period (both days included, municipality's days), if limited.
    pub answer_from: Option<chrono::NaiveDate>,
    pub answer_until: Option<chrono::NaiveDate>,
    /// Open questionnaires: one response per browser.
    pub one_per_browser: bool,
    /// When the results were published (closed, data frozen); `None`: not published.
    pub published_at: Option<chrono::NaiveDateTime>,
}

impl Survey {
    /// The consultation window a resident whose answers did (`distress`) or did not signal
    /// distress may ask to be contacted by, if the survey offers it to them.
    pub fn contact_window(&self, distress: bool) -> Option<&ConsultationSettings> {
        self.consultation.as_ref().filter(|w| w.offered(distress))
    }

    /// Whether answers are taken on `today` (the municipality's date): the status, then the
    /// answering period.
    pub fn answering_on(&self, today: chrono::NaiveDate) -> Accepting {
        match self.status {
            SurveyStatus::Draft => Accepting::NotYet(None),
            SurveyStatus::Closed => Accepting::Over(None),
            SurveyStatus::Open => match (self.answer_from, self.answer_until) {
                (Some(from), _) if today < from => Accepting::NotYet(Some(from)),
                (_, Some(until)) if today > until => Accepting::Over(Some(until)),
                _ => Accepting::Open,
            },
        }
    }
}

impl SurveySettings {
    /// The storage form of these settings.
    pub fn help_json(&self) -> String {
        serde_json::to_string(&self.help).unwrap_or_else(|_| "[]".into())
    }

    /// The storage form of the consultation window, if the survey has one.
    pub fn consultation_json(&self) -> Option<String> {
        self.consultation
            .as_ref()
            .map(ConsultationSettings::to_json)
    }

    /// The modules as stored (comma-separated).
    pub fn modules_list(&self) -> String {
        self.modules.join(",")
    }
}

/// The help lines the end page shows with a request: the round-the-clock ones, or every line
/// when the survey marks none.
pub fn urgent_lines(help: &[HelpLine]) -> Vec<&HelpLine> {
    let round_the_clock: Vec<&HelpLine> = help.iter().filter(|h| h.open_24h).collect();
    if round_the_clock.is_empty() {
        help.iter().collect()
    } else {
        round_the_clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_survey_file_with_an_unknown_field_is_refused_with_its_name() {
        let err = SurveySettings::from_toml_str(
            "x.toml",
            "slug = \"a\"\nquestionnaire = \"q\"\ntitle = { ja = \"t\" }\ncolour = \"red\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.toml") && err.contains("colour"), "{err}");
    }

    #[test]
    fn the_demo_letter_reads_as_paragraphs_and_round_trips_through_storage() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/demo.toml");
        let letter = SurveySettings::load(&path)
            .unwrap()
            .letter
            .expect("demo letter");
        let paragraphs = letter.paragraphs();
        assert!(paragraphs.len() >= 4, "{paragraphs:?}");
        assert!(paragraphs.iter().all(|p| !p.contains('\n')));
        assert!(letter.online.contains("返送"), "{}", letter.online);
        assert_eq!(LetterSettings::from_json(&letter.to_json()), Ok(letter));
    }

    #[test]
    fn a_letter_s_placeholders_take_the_sample_and_the_survey() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/demo.toml");
        let mut letter = SurveySettings::load(&path).unwrap().letter.unwrap();
        letter
            .body
            .push_str("\n\n{deadline}までに投函してください。");
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let facts = LetterFacts {
            sample_size: 1234,
            reference_date: day(2026, 12, 1),
            deadline: Some(day(2027, 1, 20)),
        };
        let filled = letter.filled(&facts).unwrap();
        assert!(filled.body.contains("1,234人"), "{}", filled.body);
        assert!(
            filled.body.contains("令和8年12月1日現在"),
            "{}",
            filled.body
        );
        assert!(
            filled.body.contains("令和9年1月20日（水）までに"),
            "{}",
            filled.body
        );
        assert!(!filled.body.contains('{'));
        let no_deadline = LetterFacts {
            deadline: None,
            ..facts
        };
        assert_eq!(
            letter.filled(&no_deadline).unwrap_err(),
            MissingFact::Deadline
        );
        letter.body.push_str("{sample}");
        let wrong = letter.check_placeholders().unwrap_err();
        assert!(
            wrong.contains("`{sample}`") && wrong.contains("{sample_size}"),
            "{wrong}"
        );
        assert_eq!(with_thousands(2000), "2,000");
        assert_eq!(with_thousands(999), "999");
        assert_eq!(with_thousands(1500000), "1,500,000");
    }

    #[test]
    fn a_letter_with_an_unknown_field_is_refused() {
        let err = SurveySettings::from_toml_str(
            "x.toml",
            "slug = \"a\"\nquestionnaire = \"q\"\ntitle = { ja = \"t\" }\n[letter]\ndate = \"d\"\nsender = []\nheading = \"h\"\nbody = \"b\"\nonline = \"o\"\ncontact = []\nfooter = \"f\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("footer"), "{err}");
    }

    #[test]
    fn a_consultation_window_with_an_impossible_promise_or_retention_is_refused() {
        let file = |reply: u32, keep: u32| {
            format!(
                "slug = \"a\"\nquestionnaire = \"q\"\ntitle = {{ ja = \"t\" }}\n[consultation]\nwindow = {{ ja = \"窓口\" }}\nemail = \"soudan@city.example.jp\"\nhours = {{ ja = \"平日\" }}\nreply_within_days = {reply}\nretention_days = {keep}\n"
            )
        };
        let ok = SurveySettings::from_toml_str("x.toml", &file(3, 90)).unwrap();
        let window = ok.consultation.expect("the window is read");
        assert!(window.offered(true) && !window.offered(false));
        let late = SurveySettings::from_toml_str("x.toml", &file(0, 90))
            .unwrap_err()
            .to_string();
        assert!(late.contains("reply_within_days = 0"), "{late}");
        let forever = SurveySettings::from_toml_str("x.toml", &file(3, 99999))
            .unwrap_err()
            .to_string();
        assert!(forever.contains("retention_days = 99999"), "{forever}");
    }

    #[test]
    fn the_demo_survey_offers_contact_requests_and_names_its_round_the_clock_lines() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/demo.toml");
        let demo = SurveySettings::load(&path).unwrap();
        let window = demo
            .consultation
            .expect("the demo has a consultation window");
        assert!(window.reply_within_days >= 1);
        assert!(demo.help.iter().any(|h| h.open_24h));
    }

    #[test]
    fn an_open_survey_takes_answers_only_inside_its_period() {
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let mut survey = Survey {
            id: 1,
            slug: "s".into(),
            title: Text {
                ja: "t".into(),
                en: None,
            },
            questionnaire: "q".into(),
            modules: vec![],
            status: SurveyStatus::Open,
            help: vec![],
            consultation: None,
            answer_from: Some(day(5)),
            answer_until: Some(day(20)),
            one_per_browser: true,
            published_at: None,
        };
        assert_eq!(survey.answering_on(day(4)), Accepting::NotYet(Some(day(5))));
        assert_eq!(survey.answering_on(day(5)), Accepting::Open);
        assert_eq!(survey.answering_on(day(20)), Accepting::Open);
        assert_eq!(survey.answering_on(day(21)), Accepting::Over(Some(day(20))));
        survey.status = SurveyStatus::Closed;
        assert_eq!(survey.answering_on(day(10)), Accepting::Over(None));
        let backwards = SurveySettings::from_toml_str(
            "x.toml",
            "slug = \"a\"\nquestionnaire = \"q\"\ntitle = { ja = \"t\" }\nanswer_from = \"2026-12-20\"\nanswer_until = \"2026-12-05\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            backwards.contains("answer_until = 2026-12-05"),
            "{backwards}"
        );
    }

    #[test]
    fn a_slug_with_capitals_or_spaces_is_refused() {
        assert!(check_slug("suzaka-2026").is_ok());
        assert!(check_slug("Suzaka 2026").is_err());
        assert!(check_slug("").is_err());
    }
}

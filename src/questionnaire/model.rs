//! The validated questionnaire: pages, items, questions, conditions, scales, distress rules.
//!
//! Values of these types only come out of the loader, which has checked every reference, so
//! code using them can rely on ids and option codes being valid.

use super::text::Text;
use super::QuestionnaireError;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An option code as printed on the paper form (1, 2, 3 …).
pub type Code = u32;

/// Whether a questionnaire is answered by a random sample (access codes, weighted estimates)
/// or openly through one anonymous link (unweighted summaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireKind {
    /// Sent to residents drawn from the register.
    Sampled,
    /// Anyone with the link may answer (e.g. after a training session).
    Open,
}

/// Where an item's wording and options come from, and so whether its figures may be set
/// beside the national survey's. Ordered from least to most comparable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Not the national survey's wording: the city's own item, or a national topic asked in
    /// words of our own. Never compared with a national figure. The default when a file does
    /// not say.
    Local,
    /// The national item as seen only in secondary copies (news, a prefecture's reuse), or
    /// only in part (some labels or the stem not confirmed): comparable with care.
    NationalSecondary,
    /// The national survey's wording and options, verbatim, as seen in an official copy.
    National,
}

impl Provenance {
    /// Every value, most comparable first.
    pub const ALL: [Provenance; 3] = [
        Provenance::National,
        Provenance::NationalSecondary,
        Provenance::Local,
    ];

    /// The value as written in questionnaire files (`national`, `national-secondary`, `local`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::National => "national",
            Provenance::NationalSecondary => "national-secondary",
            Provenance::Local => "local",
        }
    }

    /// Reads the value as written in questionnaire files.
    pub fn parse(value: &str) -> Option<Provenance> {
        Provenance::ALL
            .into_iter()
            .find(|provenance| provenance.as_str() == value)
    }

    /// Whether a figure of such an item may stand beside a national figure.
    pub fn comparable(self) -> bool {
        self != Provenance::Local
    }

    /// A short label for tables and the codebook.
    pub fn label(self) -> Text {
        match self {
            Provenance::National => Text::new(
                "全国調査と同じ設問（公式資料で確認）",
                "National item (checked against an official copy)",
            ),
            Provenance::NationalSecondary => Text::new(
                "全国調査の設問（二次資料で確認、文言・選択肢の一部は未確認）",
                "National item (seen only in secondary copies; some wording unconfirmed)",
            ),
            Provenance::Local => Text::new(
                "独自の設問（全国の値とは比較できません）",
                "Local item (not comparable with national figures)",
            ),
        }
    }
}

/// A validated questionnaire with a chosen set of optional modules switched on.
///
/// Pages, questions, scales and distress rules of modules that are switched off are simply
/// absent from the accessors; [`Questionnaire::with_modules`] gives another selection.
#[derive(Clone, Debug)]
pub struct Questionnaire {
    pub(super) id: String,
    pub(super) source: String,
    pub(super) kind: QuestionnaireKind,
    pub(super) title: Text,
    pub(super) description: Option<Text>,
    pub(super) closing: Option<Text>,
    pub(super) modules: Vec<Module>,
    pub(super) enabled_modules: BTreeSet<String>,
    pub(super) all_pages: Vec<Page>,
    pub(super) all_scales: Vec<ScaleDef>,
    pub(super) all_distress: Vec<DistressDef>,
    pub(super) all_indicators: Vec<IndicatorDef>,
    pub(super) all_breakdowns: Vec<BreakdownDef>,
    pub(super) pages: Vec<Page>,
    pub(super) questions: Vec<Question>,
    pub(super) question_index: HashMap<String, usize>,
    pub(super) scales: Vec<Scale>,
    pub(super) distress: Vec<DistressRule>,
    pub(super) indicators: Vec<Indicator>,
    pub(super) breakdowns: Vec<Breakdown>,
}

/// An indicator together with the module it depends on.
#[derive(Clone, Debug)]
pub(super) struct IndicatorDef {
    pub indicator: Indicator,
    pub module: Option<String>,
}

/// A yes/no outcome whose prevalence planners read (「孤独感がしばしば・常にある」), defined in
/// the questionnaire file, with the national figure to compare with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// Identifier (`"lonely_often"`).
    pub id: String,
    /// Name for tables.
    pub name: Text,
    /// Who counts as "yes".
    pub rule: IndicatorRule,
    /// The published national figure, if any.
    pub national: Option<NationalFigure>,
    /// The least comparable provenance of the items it reads (a scale: all its items); a
    /// national figure is only allowed when this is not [`Provenance::Local`].
    pub provenance: Provenance,
}

/// Who counts as "yes" for an indicator; a respondent without a valid answer is missing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorRule {
    /// A question answered with one of `codes`.
    Chosen {
        /// The question.
        question: String,
        /// The codes that count as "yes".
        codes: Vec<Code>,
    },
    /// A scale total within `[min, max]`.
    ScaleBetween {
        /// The scale.
        scale: String,
        /// Smallest total that counts.
        min: i32,
        /// Largest total that counts.
        max: i32,
    },
}

/// A national benchmark figure (unweighted respondent percentage, as published).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NationalFigure {
    /// Percent of respondents.
    pub percent: f64,
    /// Survey year.
    pub year: u16,
    /// Where the figure comes from.
    pub source: Text,
    /// Valid responses of the national survey that year (the base of the percentage), when
    /// known; a test of the city's difference from the nation needs it.
    pub respondents: Option<u32>,
}

/// An answered variable planners may break tables down by (婚姻状況, ひとり暮らし, 健康状態 …),
/// defined in the questionnaire file: a question's options or a scale's bands, or groups of
/// them written out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breakdown {
    /// Identifier (`"marital_status"`), used in links and downloads.
    pub id: String,
    /// Short name for table headings (「婚姻状況」).
    pub name: Text,
    /// The question or scale the groups are read from.
    pub source: BreakdownSource,
    /// The groups in the order shown; a respondent belongs to the first group that matches.
    pub groups: Vec<BreakdownGroup>,
}

/// What a breakdown reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakdownSource {
    /// A question (single or multiple choice, or number).
    Question(String),
    /// A scale total.
    Scale(String),
}

/// One group of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakdownGroup {
    /// The group's label.
    pub label: Text,
    /// Who belongs to it.
    pub rule: GroupRule,
}

/// Who belongs to a breakdown group.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRule {
    /// Chose one of these codes (for a multiple-choice question: any of them).
    Codes(Vec<Code>),
    /// A number answer or scale total within `[min, max]`.
    Between {
        /// Smallest value in the group.
        min: f64,
        /// Largest value in the group.
        max: f64,
    },
}

/// A breakdown together with the module it depends on.
#[derive(Clone, Debug)]
pub(super) struct BreakdownDef {
    pub breakdown: Breakdown,
    pub module: Option<String>,
}

/// A scale together with the module its items belong to (`None`: the core questionnaire).
#[derive(Clone, Debug)]
pub(super) struct ScaleDef {
    pub scale: Scale,
    pub module: Option<String>,
}

/// A distress rule together with the module it depends on.
#[derive(Clone, Debug)]
pub(super) struct DistressDef {
    pub rule: DistressRule,
    pub module: Option<String>,
}

/// An optional part of a questionnaire (e.g. LSNS-6, K6) that a survey includes or not.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Module {
    /// Identifier used in survey configuration (`"k6"`).
    pub id: String,
    /// Name shown to staff choosing modules.
    pub title: Text,
    /// What the module measures, for staff.
    pub description: Option<Text>,
    /// Whether the module is on when a survey does not say otherwise.
    pub default_enabled: bool,
}

/// One screen of the online form (and a section of the paper form).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page {
    /// Identifier, unique in the questionnaire.
    pub id: String,
    /// Heading of the page.
    pub title: Text,
    /// Text shown above the items.
    pub intro: Option<Text>,
    /// The optional module this page belongs to (`None`: always included).
    pub module: Option<String>,
    /// Items in display order.
    pub items: Vec<Item>,
}

/// One numbered block of the form: a question, or a grid of questions sharing options.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    /// Identifier; for non-grid items also the form field name and the answer key.
    pub id: String,
    /// Number as printed on the paper form (`"問1"`, `"F3"`).
    pub number: String,
    /// The question text (for a grid: the stem shared by the rows).
    pub text: Text,
    /// An extra instruction (e.g. 「あてはまるものすべてに○」).
    pub note: Option<Text>,
    /// A routing instruction for the paper form only (「（問6で「いる」と答えた方に）」);
    /// online the routing is automatic, so resident pages never show it.
    pub paper_note: Option<Text>,
    /// Whether an answer is needed when the item is shown (grids: every row).
    pub required: bool,
    /// When the item is shown; `None` means always. Conditions only refer to earlier pages.
    pub show_if: Option<Condition>,
    /// Where the wording comes from, as the file declares it (`None`: not declared, which
    /// counts as [`Provenance::Local`]).
    pub declared_provenance: Option<Provenance>,
    /// What is and is not verified about the wording, for planners and the codebook.
    pub provenance_note: Option<Text>,
    /// What is asked.
    pub kind: ItemKind,
}

impl Item {
    /// Where the wording comes from ([`Provenance::Local`] when the file does not say).
    pub fn provenance(&self) -> Provenance {
        self.declared_provenance.unwrap_or(Provenance::Local)
    }
}

/// The shape of an item.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// One question; its answer is stored under the item id.
    Question(Response),
    /// Several single-choice questions (rows) sharing one option list; each row is a
    /// question of its own, stored under the row id.
    Grid {
        /// The shared options, in printed order.
        options: Vec<Choice>,
        /// The rows, in printed order.
        rows: Vec<GridRow>,
    },
}

/// One row of a grid item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridRow {
    /// Identifier: the form field name and the answer key.
    pub id: String,
    /// Number as printed after the item number (`"(1)"`), so the full label is `"問7(1)"`.
    pub number: String,
    /// The row text.
    pub text: Text,
}

/// What kind of answer a question takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Response {
    /// Exactly one option.
    Single {
        /// Options in printed order.
        options: Vec<Choice>,
    },
    /// Any number of options (at least one when required).
    Multiple {
        /// Options in printed order.
        options: Vec<Choice>,
        /// Upper limit on the number of options chosen, if any.
        max_choices: Option<usize>,
    },
    /// A number within `[min, max]`.
    Number {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
        /// Whether only whole numbers are allowed.
        integer: bool,
        /// Unit shown after the input (「人」, 「年」).
        unit: Option<Text>,
    },
    /// Free text.
    Text {
        /// Longest allowed answer, in characters.
        max_length: usize,
        /// Whether a multi-line box is shown.
        multiline: bool,
    },
}

impl Response {
    /// The options of a choice question (empty for number and text).
    pub fn options(&self) -> &[Choice] {
        match self {
            Response::Single { options } | Response::Multiple { options, .. } => options,
            Response::Number { .. } | Response::Text { .. } => &[],
        }
    }

    /// The option with `code`, if this is a choice question that has it.
    pub fn option(&self, code: Code) -> Option<&Choice> {
        self.options().iter().find(|choice| choice.code == code)
    }
}

/// One answer option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The code printed on the paper form.
    pub code: Code,
    /// The option label.
    pub label: Text,
    /// For multiple choice: this option cannot be combined with others (「特にない」).
    pub exclusive: bool,
}

/// One answerable unit: a non-grid item, or one row of a grid. Answers are keyed by
/// [`Question::id`], which is also the form field name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Answer key and form field name.
    pub id: String,
    /// Full printed number (`"問1"`, `"問7(2)"`).
    pub number: String,
    /// The text of the question (for a grid row: the row text).
    pub text: Text,
    /// For a grid row, the grid's stem; `None` otherwise.
    pub stem: Option<Text>,
    /// The id of the item this question belongs to (the grid id for rows).
    pub item_id: String,
    /// Index of the page in [`Questionnaire::pages`].
    pub page_index: usize,
    /// Whether an answer is needed when shown.
    pub required: bool,
    /// When the question is shown (the item's condition).
    pub show_if: Option<Condition>,
    /// Where the wording comes from (the item's provenance).
    pub provenance: Provenance,
    /// What kind of answer it takes.
    pub response: Response,
}

/// When an item is shown. Answers to questions that are hidden, unanswered or marked missing
/// never satisfy `Chosen`, `Answered` or `Between`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The question was answered with one of `codes` (multiple choice: any of them chosen).
    Chosen {
        /// The referenced question.
        question: String,
        /// The codes that satisfy the condition.
        codes: Vec<Code>,
    },
    /// The question has an answer (any value).
    Answered {
        /// The referenced question.
        question: String,
    },
    /// A number question was answered with a value in `[min, max]` (either bound optional).
    Between {
        /// The referenced question.
        question: String,
        /// Lower bound, inclusive.
        min: Option<f64>,
        /// Upper bound, inclusive.
        max: Option<f64>,
    },
    /// All conditions hold.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
}

impl Condition {
    /// Every question id this condition refers to.
    pub fn questions(&self) -> Vec<&str> {
        let mut found = Vec::new();
        self.collect_questions(&mut found);
        found
    }

    fn collect_questions<'a>(&'a self, found: &mut Vec<&'a str>) {
        match self {
            Condition::Chosen { question, .. }
            | Condition::Answered { question }
            | Condition::Between { question, .. } => found.push(question),
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().for_each(|part| part.collect_questions(found))
            }
            Condition::Not(inner) => inner.collect_questions(found),
        }
    }
}

/// A scale scored from single-choice questions: points per option summed to a total, with
/// bands over the total and a rule for missing answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scale {
    /// Identifier (`"ucla3"`).
    pub id: String,
    /// Name for tables and staff.
    pub name: Text,
    /// The questions scored, in order.
    pub items: Vec<String>,
    /// Points for each option code (the same for every item of the scale).
    pub points: BTreeMap<Code, i32>,
    /// Smallest and largest possible total.
    pub min_total: i32,
    /// Largest possible total.
    pub max_total: i32,
    /// What happens when items are missing.
    pub missing: MissingRule,
    /// Bands over the total, ascending, covering `[min_total, max_total]` without overlap.
    pub bands: Vec<Band>,
}

/// What a scale does when some of its items have no valid answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// Any missing item means no total.
    NoTotal,
    /// Up to `max_missing` items may be missing; the total is the mean of the answered items
    /// times the number of items, rounded to the nearest integer (halves away from zero).
    Prorate {
        /// Most items that may be missing.
        max_missing: usize,
    },
}

/// A labelled range of scale totals, both ends inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Band {
    /// Lowest total in the band.
    pub min: i32,
    /// Highest total in the band.
    pub max: i32,
    /// Label for tables (「常にある」).
    pub label: Text,
}

/// A condition that, when met by a respondent's answers, means the end page shows help first
/// and prominently.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DistressRule {
    /// A question answered with one of `codes`.
    Chosen {
        /// The question.
        question: String,
        /// The codes that signal distress.
        codes: Vec<Code>,
    },
    /// A scale total at or above `threshold`.
    ScaleAtLeast {
        /// The scale.
        scale: String,
        /// The smallest total that signals distress.
        threshold: i32,
    },
}

impl Questionnaire {
    /// Identifier (the file name without `.toml`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the questionnaire was loaded from (file path or the name given to
    /// [`super::from_toml_str`]).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Sampled or open.
    pub fn kind(&self) -> QuestionnaireKind {
        self.kind
    }

    /// Title of the questionnaire.
    pub fn title(&self) -> &Text {
        &self.title
    }

    /// Text for the first screen (purpose, anonymity …).
    pub fn description(&self) -> Option<&Text> {
        self.description.as_ref()
    }

    /// Thanks shown at the end.
    pub fn closing(&self) -> Option<&Text> {
        self.closing.as_ref()
    }

    /// Every module the file defines, switched on or not.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// Ids of the modules switched on.
    pub fn enabled_modules(&self) -> &BTreeSet<String> {
        &self.enabled_modules
    }

    /// Every page of the file, whatever modules are switched on, in order.
    pub fn all_pages(&self) -> &[Page] {
        &self.all_pages
    }

    /// Pages of the core questionnaire and of the modules switched on, in order.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page at `index`.
    pub fn page(&self, index: usize) -> Result<&Page, QuestionnaireError> {
        self.pages
            .get(index)
            .ok_or_else(|| QuestionnaireError::NoSuchPage {
                questionnaire: self.id.clone(),
                index,
                count: self.pages.len(),
            })
    }

    /// Every answerable question (grid rows expanded), in order.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    /// The question with `id`.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.question_index
            .get(id)
            .map(|&index| &self.questions[index])
    }

    /// The questions of page `page_index`, in order.
    pub fn page_questions(&self, page_index: usize) -> impl Iterator<Item = &Question> {
        self.questions
            .iter()
            .filter(move |question| question.page_index == page_index)
    }

    /// Scales whose items are all included.
    pub fn scales(&self) -> &[Scale] {
        &self.scales
    }

    /// The scale with `id`.
    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|scale| scale.id == id)
    }

    /// Distress rules whose items or scales are included.
    pub fn distress_rules(&self) -> &[DistressRule] {
        &self.distress
    }

    /// The same questionnaire with exactly the modules `enabled` switched on.
    pub fn with_modules<I, S>(&self, enabled: I) -> Result<Questionnaire, QuestionnaireError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut selection = BTreeSet::new();
        for module in enabled {
            let module = module.as_ref();
            if !self.modules.iter().any(|known| known.id == module) {
                return Err(QuestionnaireError::UnknownModule {
                    questionnaire: self.id.clone(),
                    module: module.to_string(),
                    available: self.modules.iter().map(|known| known.id.clone()).collect(),
                });
            }
            selection.insert(module.to_string());
        }
        let mut selected = self.clone();
        selected.select_modules(selection);
        Ok(selected)
    }

    /// The same questionnaire with the modules marked `default_enabled` switched on.
    pub fn with_default_modules(&self) -> Questionnaire {
        let defaults: BTreeSet<String> = self
            .modules
            .iter()
            .filter(|module| module.default_enabled)
            .map(|module| module.id.clone())
            .collect();
        let mut selected = self.clone();
        selected.select_modules(defaults);
        selected
    }

    /// Rebuilds the active pages, questions, scales and rules for `enabled`.
    pub(super) fn select_modules(&mut self, enabled: BTreeSet<String>) {
        let included =
            |module: &Option<String>| module.as_ref().is_none_or(|id| enabled.contains(id));
        self.pages = self
            .all_pages
            .iter()
            .filter(|page| included(&page.module))
            .cloned()
            .collect();
        self.questions = flatten_questions(&self.pages);
        self.question_index = self
            .questions
            .iter()
            .enumerate()
            .map(|(index, question)| (question.id.clone(), index))
            .collect();
        self.scales = self
            .all_scales
            .iter()
            .filter(|def| included(&def.module))
            .map(|def| def.scale.clone())
            .collect();
        self.distress = self
            .all_distress
            .iter()
            .filter(|def| included(&def.module))
            .map(|def| def.rule.clone())
            .collect();
        self.indicators = self
            .all_indicators
            .iter()
            .filter(|def| included(&def.module))
            .map(|def| def.indicator.clone())
            .collect();
        self.breakdowns = self
            .all_breakdowns
            .iter()
            .filter(|def| included(&def.module))
            .map(|def| def.breakdown.clone())
            .collect();
        self.enabled_modules = enabled;
    }

    /// The indicators of the included modules, in file order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The breakdowns of the included modules, in file order.
    pub fn breakdowns(&self) -> &[Breakdown] {
        &self.breakdowns
    }

    /// Places where a text has no English version (for checking shipped files).
    pub fn texts_missing_english(&self) -> Vec<String> {
        let mut missing = Vec::new();
        let mut check = |text: &Text, place: String| {
            if !text.has_english() {
                missing.push(place);
            }
        };
        check(&self.title, "title".into());
        if let Some(text) = &self.description {
            check(text, "description".into());
        }
        if let Some(text) = &self.closing {
            check(text, "closing".into());
        }
        for module in &self.modules {
            check(&module.title, format!("module `{}` title", module.id));
        }
        for page in &self.all_pages {
            check(&page.title, format!("page `{}` title", page.id));
            if let Some(intro) = &page.intro {
                check(intro, format!("page `{}` intro", page.id));
            }
            for item in &page.items {
                check(&item.text, format!("item `{}` text", item.id));
                if let Some(note) = &item.note {
                    check(note, format!("item `{}` note", item.id));
                }
                if let Some(note) = &item.paper_note {
                    check(note, format!("item `{}` paper_note", item.id));
                }
                if let Some(note) = &item.provenance_note {
                    check(note, format!("item `{}` provenance_note", item.id));
                }
                let options: &[Choice] = match &item.kind {
                    ItemKind::Question(response) => {
                        if let Response::Number {
                            unit: Some(unit), ..
                        } = response
                        {
                            check(unit, format!("item `{}` unit", item.id));
                        }
                        response.options()
                    }
                    ItemKind::Grid { options, rows } => {
                        for row in rows {
                            check(&row.text, format!("row `{}` text", row.id));
                        }
                        options
                    }
                };
                for choice in options {
                    check(
                        &choice.label,
                        format!("item `{}` option {}", item.id, choice.code),
                    );
                }
            }
        }
        for def in &self.all_scales {
            check(&def.scale.name, format!("scale `{}` name", def.scale.id));
            for band in &def.scale.bands {
                check(
                    &band.label,
                    format!("scale `{}` band {}–{}", def.scale.id, band.min, band.max),
                );
            }
        }
        missing
    }
}

/// Expands pages into the flat list of questions (grid rows become questions).
pub(super) fn flatten_questions(pages: &[Page]) -> Vec<Question> {
    let mut questions = Vec::new();
    for (page_index, page) in pages.iter().enumerate() {
        for item in &page.items {
            match &item.kind {
                ItemKind::Question(response) => questions.push(Question {
                    id: item.id.clone(),
                    number: item.number.clone(),
                    text: item.text.clone(),
                    stem: None,
                    item_id: item.id.clone(),
                    page_index,
                    required: item.required,
                    show_if: item.show_if.clone(),
                    provenance: item.provenance(),
                    response: response.clone(),
                }),
                ItemKind::Grid { options, rows } => {
                    for row in rows {
                        questions.push(Question {
                            id: row.id.clone(),
                            number: format!("{}{}", item.number, row.number),
                            text: row.text.clone(),
                            stem: Some(item.text.clone()),
                            item_id: item.id.clone(),
                            page_index,
                            required: item.required,
                            show_if: item.show_if.clone(),
                            provenance: item.provenance(),
                            response: Response::Single {
                                options: options.clone(),
                            },
                        })
                    }
                }
            }
        }
    }
    questions
}

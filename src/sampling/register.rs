//! Reading the resident register extract (住民基本台帳の抽出 CSV) into [`RegisterRecord`]s.
//!
//! The file is decoded while it streams (UTF-8, with or without BOM, or Shift_JIS as
//! Windows writes it, CP932, including the NEC/IBM extension kanji such as 髙 﨑 德), so the
//! text is never held twice. Decoding never substitutes characters: a byte sequence that is
//! not valid in the encoding stops the import with its line number, so no mojibake gets in.
//!
//! The import is all-or-nothing: every row is checked, and if any row is bad the result is
//! an error listing the first [`MAX_REPORTED_ROWS`] bad rows by line number and the count of
//! the rest.
//!
//! Accepted field forms:
//! - birth date: see [`super::era_date`];
//! - sex: `1` `男` `男性` `M` `male` → male; `2` `女` `女性` `F` `female` → female;
//!   `0` `9` `不明` `X` `unknown` → unknown (JIS X 0303 codes 0 and 9); case and width are ignored;
//! - exclusion flag: empty `0` `false` `no` `n` `いいえ` → not excluded; `1` `true` `yes` `y`
//!   `x` `*` `○` `◯` `はい` `除外` `対象外` → excluded;
//! - postal code: seven digits, with or without `〒` and hyphen (`380-0000`, `3800000`).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use encoding_rs::{DecoderResult, Encoding, SHIFT_JIS, UTF_8};
use thiserror::Error;

use super::era_date::{parse_birth_date, EraDateError};
use super::text::fold_width;
use crate::questionnaire::Lang;

/// How many bad rows an import error lists before giving only a count.
pub const MAX_REPORTED_ROWS: usize = 50;

/// How often (in rows) the progress callback is called and rows are handed on by
/// [`read_register_in_batches`].
pub const PROGRESS_EVERY_ROWS: u64 = 16_384;

/// A text encoding a register extract can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J), NEC and IBM extensions included.
    ShiftJis,
}

impl TextEncoding {
    fn encoding_rs(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => UTF_8,
            // encoding_rs implements the WHATWG Shift_JIS decoder, which is CP932.
            TextEncoding::ShiftJis => SHIFT_JIS,
        }
    }

    /// The name shown on the staff pages (`UTF-8`, `Shift_JIS (CP932)`).
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::ShiftJis => "Shift_JIS (CP932)",
        }
    }

    /// The name shown to people and accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::ShiftJis => "cp932",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An encoding name nobody here knows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown encoding `{0}`; use utf-8 or cp932 (also written shift_jis, sjis, windows-31j)")]
pub struct UnknownEncoding(pub String);

impl FromStr for TextEncoding {
    type Err = UnknownEncoding;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let normalised = name.trim().to_ascii_lowercase().replace('_', "-");
        match normalised.as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "cp932" | "shift-jis" | "sjis" | "shiftjis" | "windows-31j" | "ms932" | "ms-kanji" => {
                Ok(TextEncoding::ShiftJis)
            }
            _ => Err(UnknownEncoding(name.to_string())),
        }
    }
}

/// The encoding to read with: named by the user, or detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// A UTF-8 BOM means UTF-8; otherwise, at the first non-ASCII byte (everything before
    /// it reads the same in both), the next 64 KiB decide: valid UTF-8 → UTF-8, else valid
    /// CP932 → CP932 (reported as detected: [`RegisterSummary::encoding_detected`]), else
    /// the import stops at the first line that is not UTF-8. Japanese text in CP932 is
    /// practically never valid UTF-8 over that many bytes, so the choice does not mislead.
    #[default]
    Detect,
    /// The user named the encoding.
    Named(TextEncoding),
}

/// Which header of the extract holds which field. Header names are matched exactly after
/// trimming spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// Resident id (住民番号 / 個人番号 of the municipal system, not My Number).
    pub resident_id: String,
    /// One or more name columns (氏, 名), joined with an ideographic space.
    pub name: Vec<String>,
    /// One or more address columns (住所, 方書), joined with an ideographic space.
    pub address: Vec<String>,
    /// Postal code column, if the extract has one.
    pub postal_code: Option<String>,
    /// Birth date column.
    pub birth_date: String,
    /// Sex column, if any.
    pub sex: Option<String>,
    /// District (地区) column, if any.
    pub district: Option<String>,
    /// Column flagging residents to leave out of the frame (施設入所 etc.), if any.
    pub exclude: Option<String>,
}

/// Everything needed to read one extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Encoding named or detected.
    pub encoding: EncodingChoice,
    /// Field delimiter, `b','` for CSV or `b'\t'` for tab-separated extracts.
    pub delimiter: u8,
    /// Header-to-field mapping.
    pub columns: ColumnMapping,
}

impl ImportOptions {
    /// Comma-separated, encoding detected.
    pub fn new(columns: ColumnMapping) -> Self {
        ImportOptions {
            encoding: EncodingChoice::Detect,
            delimiter: b',',
            columns,
        }
    }
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Input bytes consumed so far.
    pub bytes_read: u64,
    /// Data rows read so far (the header not counted).
    pub rows_read: u64,
}

/// A resident id as the municipal system writes it (kept as text: leading zeros matter).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidentId(String);

impl ResidentId {
    /// Parses an id: trimmed, full-width digits and letters folded to ASCII, not empty,
    /// no spaces or control characters.
    pub fn parse(text: &str) -> Result<Self, RowFault> {
        let folded = fold_width(text.trim());
        if folded.is_empty() {
            return Err(RowFault::IdEmpty);
        }
        if folded.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(RowFault::IdSpaces(folded.into_owned()));
        }
        Ok(ResidentId(folded.into_owned()))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Japanese postal code, seven digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostalCode([u8; 7]);

impl PostalCode {
    /// Parses `380-0000`, `3800000`, `〒380-0000` or the full-width forms.
    pub fn parse(text: &str) -> Result<Self, RowFault> {
        let folded = fold_width(text.trim());
        let mut code = [0u8; 7];
        let mut count = 0;
        for byte in folded
            .trim_start_matches('〒')
            .trim()
            .bytes()
            .filter(|b| *b != b'-')
        {
            if count == 7 || !byte.is_ascii_digit() {
                count = usize::MAX;
                break;
            }
            code[count] = byte;
            count += 1;
        }
        if count == 7 {
            Ok(PostalCode(code))
        } else {
            Err(RowFault::PostalCode(text.trim().to_string()))
        }
    }

    /// The seven digits without hyphen (`3800000`).
    pub fn digits(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for PostalCode {
    /// `380-0000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits();
        write!(f, "{}-{}", &digits[..3], &digits[3..])
    }
}

/// Sex as the register records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
    /// Not known or not applicable (JIS X 0303 codes 0 and 9).
    Unknown,
}

impl Sex {
    /// Parses the common register codes (see the module documentation).
    pub fn parse(text: &str) -> Result<Self, RowFault> {
        let folded = fold_width(text.trim());
        let is = |options: &[&str]| options.iter().any(|o| o.eq_ignore_ascii_case(&folded));
        if is(&["1", "男", "男性", "m", "male"]) {
            Ok(Sex::Male)
        } else if is(&["2", "女", "女性", "f", "female"]) {
            Ok(Sex::Female)
        } else if is(&["0", "9", "不明", "x", "unknown"]) {
            Ok(Sex::Unknown)
        } else {
            Err(RowFault::Sex(text.trim().to_string()))
        }
    }

    /// The Japanese label used in stratum names (`男`, `女`, `不明`).
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unknown => "不明",
        }
    }

    /// A stable code for storage: `male`, `female`, `unknown`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
        }
    }
}

fn parse_exclude_flag(text: &str) -> Result<bool, RowFault> {
    let folded = fold_width(text.trim());
    let is = |options: &[&str]| options.iter().any(|o| o.eq_ignore_ascii_case(&folded));
    if is(&["", "0", "false", "no", "n", "いいえ"]) {
        Ok(false)
    } else if is(&[
        "1",
        "true",
        "yes",
        "y",
        "x",
        "*",
        "○",
        "◯",
        "はい",
        "除外",
        "対象外",
    ]) {
        Ok(true)
    } else {
        Err(RowFault::ExcludeFlag(text.trim().to_string()))
    }
}

/// One resident from the register extract, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRecord {
    /// Line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// Resident id, unique in the register.
    pub resident_id: ResidentId,
    /// Full name (personal data: lives only in frame tables).
    pub name: String,
    /// Address (personal data).
    pub address: String,
    /// Postal code, if mapped.
    pub postal_code: Option<PostalCode>,
    /// Birth date (personal data: purged after fieldwork).
    pub birth_date: NaiveDate,
    /// Sex, if mapped.
    pub sex: Option<Sex>,
    /// District, if mapped. Shared between records of the same district.
    pub district: Option<Arc<str>>,
    /// Flagged to be left out of the frame.
    pub excluded: bool,
}

/// What a register extract held, once every row was read and found good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterSummary {
    /// The encoding the file was read with.
    pub encoding: TextEncoding,
    /// The encoding was detected, not named (a CP932 file read so is worth saying).
    pub encoding_detected: bool,
    /// Residents read.
    pub rows: u64,
    /// Residents flagged to be left out.
    pub excluded: u64,
    /// Different districts.
    pub districts: usize,
}

/// A whole register extract, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// The encoding the file was read with.
    pub encoding: TextEncoding,
    /// The encoding was detected, not named.
    pub encoding_detected: bool,
    /// The residents, in file order.
    pub records: Vec<RegisterRecord>,
}

/// A bad row: its line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Line number in the file (header = 1).
    pub line: u64,
    /// What is wrong, every problem of the row.
    pub faults: Vec<RowFault>,
}

impl RowProblem {
    /// Every problem of the row in one sentence.
    pub fn message(&self, lang: Lang) -> String {
        let separator = match lang {
            Lang::Ja => "。",
            Lang::En => "; ",
        };
        self.faults
            .iter()
            .map(|fault| fault.message(lang))
            .collect::<Vec<_>>()
            .join(separator)
    }
}

/// One thing wrong with a row of the extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFault {
    /// The row has another number of fields than the header.
    FieldCount { found: usize, expected: usize },
    /// A field holds U+FFFD: the text was garbled before the file was written.
    Garbled { field: usize },
    /// A field holds the character NUL (the file is damaged; PostgreSQL stores no NUL).
    Nul { field: usize },
    /// The resident id is empty.
    IdEmpty,
    /// The resident id has spaces or control characters.
    IdSpaces(String),
    /// Every name column is empty.
    NameEmpty,
    /// Every address column is empty.
    AddressEmpty,
    /// The postal code is not seven digits.
    PostalCode(String),
    /// The birth date cannot be read.
    BirthDate(EraDateError),
    /// The sex is not a known code.
    Sex(String),
    /// The district is empty.
    DistrictEmpty,
    /// The exclusion flag is not a known value.
    ExcludeFlag(String),
    /// The resident id was already on an earlier line.
    DuplicateId { id: String, first_line: u64 },
}

impl RowFault {
    /// What is wrong, and how to write it instead.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RowFault::FieldCount { found, expected }, Lang::Ja) => {
                format!("項目の数が{found}個で、見出しの{expected}個と合いません")
            }
            (RowFault::FieldCount { found, expected }, Lang::En) => {
                format!("has {found} fields but the header has {expected}")
            }
            (RowFault::Nul { field }, Lang::Ja) => format!(
                "{field}番目の項目に NUL 文字（U+0000）があります。ファイルが壊れています。その文字を消してください"
            ),
            (RowFault::Nul { field }, Lang::En) => format!(
                "field {field} contains the character NUL (U+0000): the file is damaged; remove it"
            ),
            (RowFault::Garbled { field }, Lang::Ja) => format!(
                "{field}番目の項目に文字化けの記号（�, U+FFFD）があります。このファイルを書き出す前に文字が失われています"
            ),
            (RowFault::Garbled { field }, Lang::En) => format!(
                "field {field} contains U+FFFD (�): the text was already garbled before this file was written"
            ),
            (RowFault::IdEmpty, Lang::Ja) => "住民番号が空です".into(),
            (RowFault::IdEmpty, Lang::En) => "resident id is empty".into(),
            (RowFault::IdSpaces(id), Lang::Ja) => {
                format!("住民番号「{id}」に空白か制御文字が含まれています")
            }
            (RowFault::IdSpaces(id), Lang::En) => {
                format!("resident id `{id}` contains spaces or control characters")
            }
            (RowFault::NameEmpty, Lang::Ja) => "氏名が空です".into(),
            (RowFault::NameEmpty, Lang::En) => "name is empty".into(),
            (RowFault::AddressEmpty, Lang::Ja) => "住所が空です".into(),
            (RowFault::AddressEmpty, Lang::En) => "address is empty".into(),
            (RowFault::PostalCode(text), Lang::Ja) => format!(
                "郵便番号「{text}」が7桁ではありません（380-0000 のように書いてください）"
            ),
            (RowFault::PostalCode(text), Lang::En) => {
                format!("postal code `{text}` is not seven digits like 380-0000")
            }
            (RowFault::BirthDate(e), Lang::Ja) => format!("生年月日: {}", e.message(lang)),
            (RowFault::BirthDate(e), Lang::En) => format!("birth date: {e}"),
            (RowFault::Sex(text), Lang::Ja) => format!(
                "性別「{text}」を読み取れません（1/2、男/女、M/F、不明は 0/9 と書いてください）"
            ),
            (RowFault::Sex(text), Lang::En) => format!(
                "sex `{text}` is not understood; use 1/2, 男/女, M/F, or 0/9 for unknown"
            ),
            (RowFault::DistrictEmpty, Lang::Ja) => "地区が空です".into(),
            (RowFault::DistrictEmpty, Lang::En) => "district is empty".into(),
            (RowFault::ExcludeFlag(text), Lang::Ja) => format!(
                "除外の印「{text}」を読み取れません（対象にするなら空欄か 0、除外するなら 1 と書いてください）"
            ),
            (RowFault::ExcludeFlag(text), Lang::En) => format!(
                "exclusion flag `{text}` is not understood; leave it empty or write 0 to keep the resident, 1 to exclude"
            ),
            (RowFault::DuplicateId { id, first_line }, Lang::Ja) => {
                format!("住民番号「{id}」は{first_line}行目にもあります")
            }
            (RowFault::DuplicateId { id, first_line }, Lang::En) => {
                format!("resident id `{id}` also appears on line {first_line}")
            }
        }
    }
}

impl fmt::Display for RowFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// The bad rows of an import: the first [`MAX_REPORTED_ROWS`] by line, and how many in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblems {
    /// The first problems, by line number.
    pub shown: Vec<RowProblem>,
    /// The number of bad rows in all.
    pub total: usize,
}

impl fmt::Display for RowProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} bad row(s); nothing was imported:", self.total)?;
        for problem in &self.shown {
            writeln!(f, "  line {}: {}", problem.line, problem.message(Lang::En))?;
        }
        if self.total > self.shown.len() {
            writeln!(f, "  … and {} more", self.total - self.shown.len())?;
        }
        Ok(())
    }
}

/// Why a register extract could not be imported. Nothing is imported in any case.
#[derive(Debug, Error)]
pub enum RegisterError {
    /// Reading the input failed.
    #[error("could not read the register file: {0}")]
    Io(#[source] io::Error),
    /// Detecting: valid neither as UTF-8 nor as CP932.
    #[error("line {line} is neither valid UTF-8 nor valid Shift_JIS (cp932); the file is in another encoding or damaged: save it again from the register system or Excel as CSV (UTF-8 or Shift_JIS)")]
    NotUtf8 {
        /// Line of the first invalid byte.
        line: u64,
    },
    /// Bytes that are not valid in the named encoding (the file is in another encoding).
    #[error("line {line} contains bytes that are not valid {encoding}; the file is in another encoding or damaged — nothing was imported")]
    Undecodable {
        /// The encoding named.
        encoding: TextEncoding,
        /// Line of the first invalid byte.
        line: u64,
    },
    /// Shift_JIS was named but the file is UTF-8: reading it would give mojibake.
    #[error("the file is UTF-8 (it {evidence}), but cp932 was named; reading it as cp932 would garble every name. Name utf-8 instead")]
    Utf8NamedAsShiftJis {
        /// What gave it away.
        evidence: &'static str,
    },
    /// A UTF-16 file.
    #[error("the file is UTF-16; save it as UTF-8 or as CSV (Shift_JIS) and import again")]
    Utf16,
    /// The file has no header row.
    #[error("the file is empty; the first row must hold the column names")]
    NoHeader,
    /// A mapped column is not in the header.
    #[error("column(s) {} not found in the header; the header has: {}", quoted(.missing), quoted(.found))]
    MissingColumns {
        /// Mapped names not present.
        missing: Vec<String>,
        /// The header as read.
        found: Vec<String>,
    },
    /// A mapped column name occurs twice in the header.
    #[error("column `{0}` appears more than once in the header; rename one of them")]
    AmbiguousColumn(String),
    /// One or more rows are bad.
    #[error("{0}")]
    BadRows(RowProblems),
}

impl RegisterError {
    /// What is wrong and what to do, in `lang` (English is the `Display` text). Bad rows
    /// are listed by [`RowProblems`], each with [`RowProblem::message`].
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            RegisterError::Io(e) => format!("名簿のファイルを読み込めませんでした（{e}）。"),
            RegisterError::NotUtf8 { line } => format!(
                "{line}行目が UTF-8 としても Shift_JIS（CP932）としても正しくありません。別の文字コードのファイルか、壊れています。住基システムや Excel から CSV（UTF-8 または Shift_JIS）として保存し直してください。"
            ),
            RegisterError::Undecodable { encoding, line } => format!(
                "{line}行目に {} として正しくないバイトがあります。別の文字コードのファイルか、壊れています。何も取り込んでいません。",
                encoding.label()
            ),
            RegisterError::Utf8NamedAsShiftJis { .. } => "このファイルは UTF-8 ですが、Shift_JIS（CP932）が指定されました。そのまま読むとすべての氏名が文字化けします。文字コードを UTF-8 か「自動判定」にしてください。".into(),
            RegisterError::Utf16 => "このファイルは UTF-16 です。UTF-8 または CSV（Shift_JIS）で保存し直してから取り込んでください。".into(),
            RegisterError::NoHeader => "ファイルが空です。1行目に列の見出しが必要です。".into(),
            RegisterError::MissingColumns { missing, found } => format!(
                "見出しに列{}がありません。見出しにある列: {}",
                quoted_ja(missing),
                quoted_ja(found)
            ),
            RegisterError::AmbiguousColumn(name) => format!(
                "見出しに列「{name}」が2つ以上あります。どちらかの名前を変えてください。"
            ),
            RegisterError::BadRows(problems) => format!(
                "{}行に誤りがあるため、何も取り込んでいません。",
                problems.total
            ),
        }
    }
}

fn quoted_ja(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("「{name}」"))
        .collect::<Vec<_>>()
        .join("、")
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a whole register extract. `progress` is called every
/// [`PROGRESS_EVERY_ROWS`] rows and once at the end.
pub fn read_register<R: Read>(
    input: R,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Register, RegisterError> {
    let mut records = Vec::new();
    let summary = read_register_in_batches(input, options, &mut |rows, read| {
        records.append(rows);
        progress(read);
    })?;
    Ok(Register {
        encoding: summary.encoding,
        encoding_detected: summary.encoding_detected,
        records,
    })
}

/// Reads a register extract and hands its rows on in file order while reading goes on, so
/// that storing them can overlap reading: `batch` gets the good rows read since its last
/// call and the progress so far, every [`PROGRESS_EVERY_ROWS`] rows and once at the end.
/// Once a row is bad, later calls carry no rows. `batch` takes the rows it keeps out of the
/// vector; what is left is dropped, and the vector (or an emptied one put in its place)
/// is filled again, so its memory is reused.
///
/// The rows handed on are the register only if this returns `Ok`: a later bad row or a
/// duplicate resident id makes the whole extract an error, and whoever took rows must then
/// discard them (the database import rolls its transaction back).
pub fn read_register_in_batches<R: Read>(
    input: R,
    options: &ImportOptions,
    batch: &mut dyn FnMut(&mut Vec<RegisterRecord>, ImportProgress),
) -> Result<RegisterSummary, RegisterError> {
    let (mut csv, detecting) = open_csv(input, options.encoding, options.delimiter)?;
    let encoding = csv.get_ref().encoding;
    let mut row = csv::StringRecord::new();
    if !read_row(&mut csv, &mut row, detecting)? {
        return Err(RegisterError::NoHeader);
    }
    let columns = ColumnIndexes::find(&row, &options.columns)?;

    let mut pending = Vec::with_capacity(PROGRESS_EVERY_ROWS as usize);
    let mut ids: Vec<(ResidentId, u64)> = Vec::new();
    let mut problems = Vec::new();
    let mut districts: HashMap<String, Arc<str>> = HashMap::new();
    let mut rows_read = 0u64;
    let mut summary = RegisterSummary {
        encoding,
        encoding_detected: matches!(options.encoding, EncodingChoice::Detect),
        rows: 0,
        excluded: 0,
        districts: 0,
    };
    while read_row(&mut csv, &mut row, detecting)? {
        rows_read += 1;
        let record_start = row.position().map_or(0, |p| p.byte());
        let line = csv.get_mut().line_at(record_start);
        if row.len() == 1 && row.get(0).is_some_and(|f| f.trim().is_empty()) {
            // A blank line (often the last one written by a spreadsheet).
            continue;
        }
        match columns.parse(&row, line, &mut districts) {
            Ok(record) => {
                ids.push((record.resident_id.clone(), line));
                summary.rows += 1;
                summary.excluded += u64::from(record.excluded);
                if problems.is_empty() {
                    pending.push(record);
                }
            }
            Err(faults) => {
                pending.clear();
                problems.push(RowProblem { line, faults });
            }
        }
        if rows_read.is_multiple_of(PROGRESS_EVERY_ROWS) {
            batch(
                &mut pending,
                ImportProgress {
                    bytes_read: csv.get_ref().bytes_consumed,
                    rows_read,
                },
            );
            pending.clear();
        }
    }
    problems.extend(duplicate_ids(ids));
    if !problems.is_empty() {
        pending.clear();
    }
    batch(
        &mut pending,
        ImportProgress {
            bytes_read: csv.get_ref().bytes_consumed,
            rows_read,
        },
    );

    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        let total = problems.len();
        problems.truncate(MAX_REPORTED_ROWS);
        return Err(RegisterError::BadRows(RowProblems {
            shown: problems,
            total,
        }));
    }
    summary.districts = districts.len();
    summary.encoding = csv.get_ref().encoding;
    Ok(summary)
}

/// A CSV reader over the decoded extract, and whether the encoding is being detected.
type ExtractReader<R> = csv::Reader<DecodingReader<io::Chain<io::Cursor<Vec<u8>>, R>>>;

/// Opens the extract: refuses UTF-16, skips a UTF-8 byte-order mark, and decodes as named
/// or detected.
fn open_csv<R: Read>(
    mut input: R,
    choice: EncodingChoice,
    delimiter: u8,
) -> Result<(ExtractReader<R>, bool), RegisterError> {
    let mut head = [0u8; 3];
    let head_len = read_up_to(&mut input, &mut head).map_err(RegisterError::Io)?;
    let head = &head[..head_len];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(RegisterError::Utf16);
    }
    let has_utf8_bom = head == [0xEF, 0xBB, 0xBF];
    let (encoding, detecting) = match choice {
        EncodingChoice::Named(TextEncoding::ShiftJis) if has_utf8_bom => {
            return Err(RegisterError::Utf8NamedAsShiftJis {
                evidence: "starts with a UTF-8 byte-order mark",
            })
        }
        EncodingChoice::Named(encoding) => (encoding, false),
        EncodingChoice::Detect => (TextEncoding::Utf8, !has_utf8_bom),
    };
    let replay = if has_utf8_bom {
        Vec::new()
    } else {
        head.to_vec()
    };
    let bom_length = if has_utf8_bom { 3 } else { 0 };
    let decoding = DecodingReader::new(
        io::Cursor::new(replay).chain(input),
        encoding,
        bom_length,
        detecting,
    );
    let csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoding);
    Ok((csv, detecting))
}

/// The next row of the extract; `false` at its end.
fn read_row<R: Read>(
    csv: &mut ExtractReader<R>,
    row: &mut csv::StringRecord,
    detecting: bool,
) -> Result<bool, RegisterError> {
    csv.read_record(row)
        .map_err(|error| csv_error(error, csv.get_ref().encoding, detecting))
}

/// The header and first rows of an extract as text, for choosing the columns before the
/// import (the page that maps them shows this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The encoding the rows were read with (UTF-8 while only ASCII was seen).
    pub encoding: TextEncoding,
    /// The encoding was detected, not named.
    pub encoding_detected: bool,
    /// The header's column names, trimmed.
    pub header: Vec<String>,
    /// The first rows: line number and fields.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads the header and at most `rows` rows (blank lines skipped).
pub fn preview<R: Read>(
    input: R,
    encoding: EncodingChoice,
    delimiter: u8,
    rows: usize,
) -> Result<Preview, RegisterError> {
    let (mut csv, detecting) = open_csv(input, encoding, delimiter)?;
    let mut row = csv::StringRecord::new();
    if !read_row(&mut csv, &mut row, detecting)? {
        return Err(RegisterError::NoHeader);
    }
    let header: Vec<String> = row.iter().map(|h| h.trim().to_string()).collect();
    let mut shown = Vec::new();
    while shown.len() < rows && read_row(&mut csv, &mut row, detecting)? {
        if row.len() == 1 && row.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        let record_start = row.position().map_or(0, |p| p.byte());
        let line = csv.get_mut().line_at(record_start);
        shown.push((line, row.iter().map(str::to_string).collect()));
    }
    Ok(Preview {
        encoding: csv.get_ref().encoding,
        encoding_detected: detecting || matches!(encoding, EncodingChoice::Detect),
        header,
        rows: shown,
    })
}

impl Preview {
    /// The preview's rows read with `mapping` as the import would read them: each row's
    /// record, or its problems. A mapping naming columns the header lacks is an error.
    pub fn parse(
        &self,
        mapping: &ColumnMapping,
    ) -> Result<Vec<Result<RegisterRecord, RowProblem>>, RegisterError> {
        let header = csv::StringRecord::from(self.header.clone());
        let columns = ColumnIndexes::find(&header, mapping)?;
        let mut districts = HashMap::new();
        Ok(self
            .rows
            .iter()
            .map(|(line, fields)| {
                let row = csv::StringRecord::from(fields.clone());
                columns
                    .parse(&row, *line, &mut districts)
                    .map_err(|faults| RowProblem {
                        line: *line,
                        faults,
                    })
            })
            .collect())
    }
}

/// Reads a register held in memory.
pub fn read_register_bytes(
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Register, RegisterError> {
    read_register(bytes, options, &mut |_| {})
}

fn read_up_to(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// The second and later rows of each resident id, given every good row's id and line.
fn duplicate_ids(mut ids: Vec<(ResidentId, u64)>) -> Vec<RowProblem> {
    ids.sort_unstable();
    ids.windows(2)
        .filter_map(|pair| {
            let ((first, first_line), (second, second_line)) = (&pair[0], &pair[1]);
            (first == second).then(|| RowProblem {
                line: *second_line,
                faults: vec![RowFault::DuplicateId {
                    id: second.to_string(),
                    first_line: *first_line,
                }],
            })
        })
        .collect()
}

fn csv_error(error: csv::Error, encoding: TextEncoding, detecting: bool) -> RegisterError {
    match error.into_kind() {
        csv::ErrorKind::Io(io_error) => {
            let failure = io_error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<DecodeFailure>())
                .copied();
            match failure {
                Some(DecodeFailure::Malformed { line })
                    if detecting && encoding == TextEncoding::Utf8 =>
                {
                    RegisterError::NotUtf8 { line }
                }
                Some(DecodeFailure::Malformed { line }) => {
                    RegisterError::Undecodable { encoding, line }
                }
                Some(DecodeFailure::ValidUtf8) => RegisterError::Utf8NamedAsShiftJis {
                    evidence: "is valid UTF-8 with non-ASCII text",
                },
                None => RegisterError::Io(io_error),
            }
        }
        // The decoder only hands valid UTF-8 to the CSV reader, so this cannot carry
        // invalid text; report it as the read error it is.
        other => RegisterError::Io(io::Error::other(format!("{other:?}"))),
    }
}

/// Positions of the mapped columns in the header.
struct ColumnIndexes {
    resident_id: usize,
    name: Vec<usize>,
    address: Vec<usize>,
    postal_code: Option<usize>,
    birth_date: usize,
    sex: Option<usize>,
    district: Option<usize>,
    exclude: Option<usize>,
    width: usize,
}

impl ColumnIndexes {
    fn find(header: &csv::StringRecord, mapping: &ColumnMapping) -> Result<Self, RegisterError> {
        let found: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let mut missing = Vec::new();
        let mut find = |name: &str| -> Result<usize, RegisterError> {
            let name = name.trim();
            let mut positions = found.iter().enumerate().filter(|(_, h)| *h == name);
            match (positions.next(), positions.next()) {
                (Some((index, _)), None) => Ok(index),
                (Some(_), Some(_)) => Err(RegisterError::AmbiguousColumn(name.to_string())),
                (None, _) => {
                    missing.push(name.to_string());
                    Ok(usize::MAX)
                }
            }
        };
        let resident_id = find(&mapping.resident_id)?;
        let name = mapping
            .name
            .iter()
            .map(|n| find(n))
            .collect::<Result<_, _>>()?;
        let address = mapping
            .address
            .iter()
            .map(|n| find(n))
            .collect::<Result<_, _>>()?;
        let postal_code = mapping.postal_code.as_deref().map(&mut find).transpose()?;
        let birth_date = find(&mapping.birth_date)?;
        let sex = mapping.sex.as_deref().map(&mut find).transpose()?;
        let district = mapping.district.as_deref().map(&mut find).transpose()?;
        let exclude = mapping.exclude.as_deref().map(&mut find).transpose()?;
        if mapping.name.is_empty() {
            missing.push("(a name column must be mapped)".to_string());
        }
        if mapping.address.is_empty() {
            missing.push("(an address column must be mapped)".to_string());
        }
        if !missing.is_empty() {
            return Err(RegisterError::MissingColumns { missing, found });
        }
        Ok(ColumnIndexes {
            resident_id,
            name,
            address,
            postal_code,
            birth_date,
            sex,
            district,
            exclude,
            width: found.len(),
        })
    }

    fn parse(
        &self,
        row: &csv::StringRecord,
        line: u64,
        districts: &mut HashMap<String, Arc<str>>,
    ) -> Result<RegisterRecord, Vec<RowFault>> {
        if row.len() != self.width {
            return Err(vec![RowFault::FieldCount {
                found: row.len(),
                expected: self.width,
            }]);
        }
        let field = |index: usize| row.get(index).unwrap_or_default();
        let mut errors: Vec<RowFault> = Vec::new();
        if let Some(index) = (0..row.len()).find(|&i| field(i).contains('\u{FFFD}')) {
            errors.push(RowFault::Garbled { field: index + 1 });
        }
        // PostgreSQL stores no NUL in text.
        if let Some(index) = (0..row.len()).find(|&i| field(i).contains('\0')) {
            errors.push(RowFault::Nul { field: index + 1 });
        }
        let resident_id = check(ResidentId::parse(field(self.resident_id)), &mut errors);
        let name = check(
            joined_text(row, &self.name).ok_or(RowFault::NameEmpty),
            &mut errors,
        );
        let address = check(
            joined_text(row, &self.address).ok_or(RowFault::AddressEmpty),
            &mut errors,
        );
        let postal_code = self
            .postal_code
            .map(|index| check(PostalCode::parse(field(index)), &mut errors));
        let birth_date = check(
            parse_birth_date(field(self.birth_date)).map_err(RowFault::BirthDate),
            &mut errors,
        );
        let sex = self
            .sex
            .map(|index| check(Sex::parse(field(index)), &mut errors));
        let district = self.district.map(|index| {
            let text = field(index).trim();
            if text.is_empty() {
                errors.push(RowFault::DistrictEmpty);
                return None;
            }
            if let Some(shared) = districts.get(text) {
                return Some(Arc::clone(shared));
            }
            let shared: Arc<str> = Arc::from(text);
            districts.insert(text.to_string(), Arc::clone(&shared));
            Some(shared)
        });
        let excluded = match self.exclude {
            Some(index) => check(parse_exclude_flag(field(index)), &mut errors),
            None => Some(false),
        };
        match (resident_id, name, address, birth_date, excluded) {
            (Some(resident_id), Some(name), Some(address), Some(birth_date), Some(excluded))
                if errors.is_empty() =>
            {
                Ok(RegisterRecord {
                    line,
                    resident_id,
                    name,
                    address,
                    postal_code: postal_code.flatten(),
                    birth_date,
                    sex: sex.flatten(),
                    district: district.flatten(),
                    excluded,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Keeps a parsed value, or records why it could not be parsed.
fn check<T>(value: Result<T, RowFault>, errors: &mut Vec<RowFault>) -> Option<T> {
    match value {
        Ok(value) => Some(value),
        Err(fault) => {
            errors.push(fault);
            None
        }
    }
}

/// Joins the non-empty parts of a multi-column field with an ideographic space; `None`
/// when every part is empty.
fn joined_text(row: &csv::StringRecord, indexes: &[usize]) -> Option<String> {
    let mut text = String::new();
    for part in indexes
        .iter()
        .map(|&i| row.get(i).unwrap_or_default().trim())
        .filter(|part| !part.is_empty())
    {
        if !text.is_empty() {
            text.push('\u{3000}');
        }
        text.push_str(part);
    }
    (!text.is_empty()).then_some(text)
}

/// Why the decoding reader stopped; carried inside an [`io::Error`] through the CSV reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
enum DecodeFailure {
    #[error("invalid byte sequence on line {line}")]
    Malformed { line: u64 },
    #[error("the file is valid UTF-8")]
    ValidUtf8,
}

/// An [`io::Read`] that decodes its input to UTF-8 as it streams, refusing invalid bytes.
struct DecodingReader<R> {
    input: R,
    decoder: encoding_rs::Decoder,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    input_finished: bool,
    decoder_finished: bool,
    /// Decoded bytes handed out so far.
    output_offset: u64,
    /// Offsets (in the decoded output) of line ends not yet passed by [`Self::line_at`].
    /// A line ends at `\n`, at `\r\n` (recorded at the `\r`) or at a lone `\r`.
    line_ends: VecDeque<u64>,
    /// Line ends handed out so far, for the line numbers of decoding errors.
    line_ends_seen: u64,
    /// Line ends already passed by [`Self::line_at`].
    lines_passed: u64,
    /// The last byte handed out was `\r`.
    after_carriage_return: bool,
    /// Input bytes read, including any byte-order mark.
    bytes_consumed: u64,
    /// When reading as Shift_JIS: watches whether the input is in fact UTF-8.
    utf8_probe: Option<Utf8Probe>,
    /// The encoding being read with; while detecting, the guess until it is decided.
    encoding: TextEncoding,
    /// Detecting and not decided yet: only ASCII has been seen, which reads the same in
    /// both encodings, so it is handed on as it is.
    undecided: bool,
}

/// How many bytes from the first non-ASCII byte on decide the encoding when detecting.
const DETECTION_WINDOW: usize = 64 * 1024;

/// Whether `bytes` are valid in `encoding`; an incomplete character at the end counts as
/// valid unless `complete` says the input ends there.
fn valid_in(encoding: TextEncoding, bytes: &[u8], complete: bool) -> bool {
    match encoding {
        TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(_) => true,
            Err(error) => error.error_len().is_none() && !complete,
        },
        TextEncoding::ShiftJis => {
            let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
            let mut scratch = [0u8; 4096];
            let mut rest = bytes;
            loop {
                let (result, read, _) =
                    decoder.decode_to_utf8_without_replacement(rest, &mut scratch, complete);
                rest = &rest[read..];
                match result {
                    DecoderResult::Malformed(_, _) => return false,
                    DecoderResult::InputEmpty => return true,
                    DecoderResult::OutputFull => {}
                }
            }
        }
    }
}

impl<R: Read> DecodingReader<R> {
    /// Reads `input` in `encoding`, or — `detect` — decides between UTF-8 and CP932 at the
    /// first non-ASCII byte (see [`EncodingChoice::Detect`]).
    fn new(input: R, encoding: TextEncoding, already_consumed: u64, detect: bool) -> Self {
        DecodingReader {
            encoding,
            undecided: detect,
            input,
            decoder: encoding.encoding_rs().new_decoder_without_bom_handling(),
            buffer: vec![0; 64 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            input_finished: false,
            decoder_finished: false,
            output_offset: 0,
            line_ends: VecDeque::new(),
            line_ends_seen: 0,
            lines_passed: 0,
            after_carriage_return: false,
            bytes_consumed: already_consumed,
            utf8_probe: (encoding == TextEncoding::ShiftJis).then(Utf8Probe::default),
        }
    }

    /// The line number (1-based) of a record starting at `record_start` in the decoded
    /// output. Records must be asked for in order. (The CSV reader's own line count is one
    /// short after CRLF line ends and does not count lone CRs.)
    fn line_at(&mut self, record_start: u64) -> u64 {
        while self
            .line_ends
            .front()
            .is_some_and(|&end| end < record_start)
        {
            self.line_ends.pop_front();
            self.lines_passed += 1;
        }
        self.lines_passed + 1
    }

    /// Notes the line ends in output about to be handed out.
    fn record_line_ends(&mut self, output: &[u8]) {
        for (i, &byte) in output.iter().enumerate() {
            match byte {
                b'\r' => {
                    self.line_ends.push_back(self.output_offset + i as u64);
                    self.line_ends_seen += 1;
                    self.after_carriage_return = true;
                }
                b'\n' => {
                    if !self.after_carriage_return {
                        self.line_ends.push_back(self.output_offset + i as u64);
                        self.line_ends_seen += 1;
                    }
                    self.after_carriage_return = false;
                }
                _ => self.after_carriage_return = false,
            }
        }
        self.output_offset += output.len() as u64;
    }

    /// While undecided: hands on the ASCII before the first non-ASCII byte (`Some(n)`), or,
    /// at that byte, decides the encoding on the window that follows it and returns `None`
    /// for the decoder to go on.
    fn pass_ascii(&mut self, out: &mut [u8]) -> io::Result<Option<usize>> {
        let pending = &self.buffer[self.start..self.end];
        let ascii = pending
            .iter()
            .position(|b| !b.is_ascii())
            .unwrap_or(pending.len());
        if ascii > 0 {
            let n = ascii.min(out.len());
            out[..n].copy_from_slice(&pending[..n]);
            self.start += n;
            self.record_line_ends(&out[..n]);
            return Ok(Some(n));
        }
        if pending.is_empty() {
            // Only ASCII, to the end: it is UTF-8.
            self.undecided = false;
            return Ok(None);
        }
        // The window after the first non-ASCII byte decides; all before it was ASCII.
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let want = DETECTION_WINDOW.min(self.buffer.len());
        while self.end < want && !self.input_finished {
            self.refill()?;
        }
        let window = &self.buffer[self.start..self.end];
        let complete = self.input_finished;
        self.encoding = if valid_in(TextEncoding::Utf8, window, complete) {
            TextEncoding::Utf8
        } else if valid_in(TextEncoding::ShiftJis, window, complete) {
            TextEncoding::ShiftJis
        } else {
            // Valid in neither: UTF-8 decoding stops at the first bad line.
            TextEncoding::Utf8
        };
        self.decoder = self
            .encoding
            .encoding_rs()
            .new_decoder_without_bom_handling();
        self.undecided = false;
        Ok(None)
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < self.buffer.len() && !self.input_finished {
            match self.input.read(&mut self.buffer[self.end..]) {
                Ok(0) => self.input_finished = true,
                Ok(n) => {
                    if let Some(probe) = &mut self.utf8_probe {
                        probe.feed(&self.buffer[self.end..self.end + n]);
                    }
                    self.end += n;
                    self.bytes_consumed += n as u64;
                    break;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // The decoder needs room for at least one whole character.
        if out.len() < 4 {
            let mut small = [0u8; 4];
            let n = self.read(&mut small)?;
            let n = n.min(out.len());
            out[..n].copy_from_slice(&small[..n]);
            return Ok(n);
        }
        loop {
            if self.decoder_finished {
                return Ok(0);
            }
            if self.start == self.end && !self.input_finished {
                self.refill()?;
                continue;
            }
            if self.undecided {
                if let Some(ascii) = self.pass_ascii(out)? {
                    return Ok(ascii);
                }
            }
            let last = self.input_finished;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.buffer[self.start..self.end],
                out,
                last,
            );
            self.start += read;
            self.record_line_ends(&out[..written]);
            match result {
                DecoderResult::Malformed(_, _) => {
                    let failure = if self
                        .utf8_probe
                        .as_ref()
                        .is_some_and(Utf8Probe::looks_like_utf8_so_far)
                    {
                        DecodeFailure::ValidUtf8
                    } else {
                        DecodeFailure::Malformed {
                            line: self.line_ends_seen + 1,
                        }
                    };
                    return Err(io::Error::new(io::ErrorKind::InvalidData, failure));
                }
                DecoderResult::InputEmpty if last => {
                    self.decoder_finished = true;
                    if self
                        .utf8_probe
                        .as_ref()
                        .is_some_and(Utf8Probe::is_utf8_text)
                    {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            DecodeFailure::ValidUtf8,
                        ));
                    }
                }
                DecoderResult::InputEmpty => {
                    if written == 0 {
                        self.refill()?;
                        continue;
                    }
                }
                DecoderResult::OutputFull => {}
            }
            if written > 0 || self.decoder_finished {
                return Ok(written);
            }
        }
    }
}

/// Incrementally checks whether a byte stream is valid UTF-8 containing non-ASCII text.
#[derive(Debug, Default)]
struct Utf8Probe {
    invalid: bool,
    saw_non_ascii: bool,
    pending: Vec<u8>,
}

impl Utf8Probe {
    fn feed(&mut self, mut chunk: &[u8]) {
        if self.invalid {
            return;
        }
        if !self.saw_non_ascii && !chunk.is_ascii() {
            self.saw_non_ascii = true;
        }
        if let Some(&lead) = self.pending.first() {
            let needed = utf8_sequence_length(lead).saturating_sub(self.pending.len());
            let take = needed.min(chunk.len());
            self.pending.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if take < needed {
                return;
            }
            if std::str::from_utf8(&self.pending).is_err() {
                self.invalid = true;
                return;
            }
            self.pending.clear();
        }
        if let Err(error) = std::str::from_utf8(chunk) {
            match error.error_len() {
                Some(_) => self.invalid = true,
                None => self.pending = chunk[error.valid_up_to()..].to_vec(),
            }
        }
    }

    /// No invalid UTF-8 so far, and some non-ASCII text.
    fn looks_like_utf8_so_far(&self) -> bool {
        !self.invalid && self.saw_non_ascii
    }

    fn is_utf8_text(&self) -> bool {
        !self.invalid && self.saw_non_ascii && self.pending.is_empty()
    }
}

fn utf8_sequence_length(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        // Not a lead byte: `from_utf8` will reject the sequence.
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_codes_in_common_forms_are_read() {
        for text in ["1", "男", "男性", "M", "m", "Male", "１", "Ｍ"] {
            assert_eq!(Sex::parse(text), Ok(Sex::Male), "{text}");
        }
        for text in ["2", "女", "女性", "F", "female", "２"] {
            assert_eq!(Sex::parse(text), Ok(Sex::Female), "{text}");
        }
        for text in ["0", "9", "不明", "X"] {
            assert_eq!(Sex::parse(text), Ok(Sex::Unknown), "{text}");
        }
        assert!(Sex::parse("3").is_err());
        assert!(Sex::parse("").is_err());
    }

    #[test]
    fn postal_codes_are_read_with_or_without_hyphen_and_mark() {
        for text in ["382-0000", "3820000", "〒382-0000", "３８２－００００"] {
            let code = PostalCode::parse(text).expect(text);
            assert_eq!(code.to_string(), "382-0000");
        }
        assert!(PostalCode::parse("382-000").is_err());
        assert!(PostalCode::parse("38a-0000").is_err());
    }

    #[test]
    fn encoding_names_are_understood() {
        assert_eq!("UTF-8".parse(), Ok(TextEncoding::Utf8));
        assert_eq!("Shift_JIS".parse(), Ok(TextEncoding::ShiftJis));
        assert_eq!("windows-31j".parse(), Ok(TextEncoding::ShiftJis));
        assert!("euc-jp".parse::<TextEncoding>().is_err());
    }

    #[test]
    fn detection_takes_utf8_then_cp932_and_neither_falls_back_to_utf8_errors() {
        let kanji = "髙橋,長野県";
        let (cp932, _, _) = SHIFT_JIS.encode(kanji);
        assert!(valid_in(TextEncoding::Utf8, kanji.as_bytes(), true));
        assert!(!valid_in(TextEncoding::Utf8, &cp932, true));
        assert!(valid_in(TextEncoding::ShiftJis, &cp932, true));
        // A character cut at the window's end is valid unless the file ends there.
        let cut = &kanji.as_bytes()[..kanji.len() - 1];
        assert!(valid_in(TextEncoding::Utf8, cut, false));
        assert!(!valid_in(TextEncoding::Utf8, cut, true));
        assert!(valid_in(TextEncoding::ShiftJis, &cp932[..1], false));
        assert!(!valid_in(TextEncoding::ShiftJis, &[0x85, 0x20], true));

        let columns = ColumnMapping {
            resident_id: "id".into(),
            name: vec!["name".into()],
            address: vec!["address".into()],
            postal_code: None,
            birth_date: "birth".into(),
            sex: None,
            district: None,
            exclude: None,
        };
        let read = |bytes: &[u8]| read_register_bytes(bytes, &ImportOptions::new(columns.clone()));
        let (file, _, _) = SHIFT_JIS.encode("id,name,address,birth\n1,髙橋,長野県,S45.3.12\n");
        let register = read(&file).expect("CP932 detected");
        assert_eq!(
            (register.encoding, register.encoding_detected),
            (TextEncoding::ShiftJis, true)
        );
        assert_eq!(register.records[0].name, "髙橋");
        let register =
            read("id,name,address,birth\n1,髙橋,長野県,S45.3.12\n".as_bytes()).expect("UTF-8");
        assert_eq!(register.encoding, TextEncoding::Utf8);
        let garbage = read(b"id,name,address,birth\n1,\x85\x20,x,S45.3.12\n").unwrap_err();
        assert!(
            matches!(garbage, RegisterError::NotUtf8 { line: 2 }),
            "{garbage}"
        );
    }

    #[test]
    fn the_utf8_probe_handles_characters_split_across_chunks() {
        let text = "髙橋,長野県".as_bytes();
        for split in 0..text.len() {
            let mut probe = Utf8Probe::default();
            probe.feed(&text[..split]);
            probe.feed(&text[split..]);
            assert!(probe.is_utf8_text(), "split at {split}");
        }
        let mut probe = Utf8Probe::default();
        probe.feed(&[0x82, 0xA0]);
        assert!(!probe.is_utf8_text());
    }
}

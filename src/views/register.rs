//! Staff views of the register import and the sample draw in the browser: the upload form,
//! the column mapping with a preview of the first rows (parsed dates in both calendars and
//! ages), the import's progress and outcome (bad rows by line), and the draw form.

use chrono::NaiveDate;
use maud::{html, Markup};

use super::layout::{csrf_field, page, t};
use super::sampling::survey_links;
use super::staff::Viewer;
use crate::clock::local_time;
use crate::questionnaire::Lang;
use crate::sampling::age::age_on;
use crate::sampling::era_date::format_era;
use crate::sampling::records::FrameImport;
use crate::sampling::register::{Preview, RegisterRecord, RowProblem, TextEncoding};
use crate::sampling::strata::StratumVariable;
use crate::survey::Survey;

/// The register page's upload form, with the frame imported so far.
pub fn register_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    frame: Option<&FrameImport>,
    has_sample: bool,
    problem: Option<&str>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let title = format!(
        "{} — {}",
        t(lang, "名簿（住民基本台帳）の取り込み", "Register import"),
        survey.title.get(lang)
    );
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/register"),
        html! {
            h1 { (title) }
            (survey_links(lang, slug))
            p.frame {
                strong { (t(lang, "取り込み済みの名簿: ", "Frame imported: ")) }
                @match frame {
                    Some(f) => { (f.file_name) " · " (f.row_count) (t(lang, "人", " residents")) " · " (f.encoding) " · " (local_time(lang, f.imported_at, viewer.zone)) }
                    None => { (t(lang, "まだありません", "none yet")) }
                }
            }
            @if has_sample {
                p.notice { (t(lang, "この名簿からすでに標本が抽出されているため、名簿は取り替えられません。",
                    "A sample was already drawn from this frame, so the frame cannot be replaced.")) }
            }
            @if let Some(problem) = problem { p.error role="alert" { (problem) } }
            form method="post" action={ "/staff/surveys/" (slug) "/register/upload" } enctype="multipart/form-data" {
                (csrf_field(viewer.csrf))
                p {
                    label for="encoding" { (t(lang, "文字コード", "Encoding")) }
                    select #encoding name="encoding" {
                        option value="auto" selected { (t(lang, "自動判定（UTF-8、または Shift_JIS）", "Detect (UTF-8, or Shift_JIS)")) }
                        option value="utf-8" { "UTF-8" }
                        option value="cp932" { "Shift_JIS (CP932)" }
                    }
                }
                p {
                    label for="delimiter" { (t(lang, "区切り文字", "Separator")) }
                    select #delimiter name="delimiter" {
                        option value="," selected { (t(lang, "カンマ（CSV）", "comma (CSV)")) }
                        option value="tab" { (t(lang, "タブ", "tab")) }
                    }
                }
                p {
                    label for="file" { (t(lang, "名簿のファイル（1行目が見出し）", "Register file (first row: the column names)")) }
                    input #file type="file" name="file" required accept=".csv,.txt,.tsv,text/csv";
                }
                p { button type="submit" { (t(lang, "アップロードして列を選ぶ", "Upload and choose the columns")) } }
            }
            p.hint { (t(lang, "アップロードした段階では何も取り込まれません。次の画面で列を選び、先頭の行の読み取り結果を確かめてから取り込みます。1行でも誤りがあれば何も取り込まず、誤りのある行を行番号で示します。",
                "Uploading imports nothing yet: the next page lets you choose the columns and check how the first rows are read. If any row is wrong nothing is imported, and the wrong rows are listed by line.")) }
        },
    )
}

/// The register columns staff choose, as the mapping form holds them (header names; empty
/// when not chosen).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChoice {
    pub id: String,
    pub name: [String; 2],
    pub address: [String; 2],
    pub postal: String,
    pub birth: String,
    pub sex: String,
    pub district: String,
    pub exclude: String,
}

/// An uploaded extract waiting for its columns: what the mapping page shows of it.
pub struct UploadView<'a> {
    pub id: &'a str,
    pub file_name: &'a str,
    pub size: u64,
    /// The encoding asked for (`auto`, `utf-8`, `cp932`).
    pub encoding: &'a str,
    pub delimiter: &'a str,
}

/// The mapping page: the header and first rows, the column choices, and — when the
/// choices fit the header — each preview row as the import reads it.
#[allow(clippy::too_many_arguments)]
pub fn mapping_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    upload: &UploadView<'_>,
    preview: &Preview,
    choice: &ColumnChoice,
    parsed: Result<&[Result<RegisterRecord, RowProblem>], &str>,
    today: NaiveDate,
    replace: bool,
    problem: Option<&str>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let title = format!(
        "{} — {}",
        t(lang, "名簿の列を選ぶ", "Choose the register's columns"),
        survey.title.get(lang)
    );
    let encoding_line = encoding_words(lang, preview.encoding, preview.encoding_detected);
    let select = |name: &str, label: &str, chosen: &str, required: bool| {
        html! {
            tr {
                th { label for=(name) { (label) @if required { " " span.required { (t(lang, "（必須）", "(required)")) } } } }
                td {
                    select id=(name) name=(name) {
                        option value="" selected[chosen.is_empty()] { (t(lang, "（使わない）", "(not used)")) }
                        @for column in &preview.header {
                            option value=(column) selected[column == chosen] { (column) }
                        }
                    }
                }
            }
        }
    };
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/register/{}", upload.id),
        html! {
            h1 { (title) }
            (survey_links(lang, slug))
            p.upload {
                strong { (upload.file_name) } " · " (format_bytes(upload.size)) " · " span.encoding { (encoding_line) }
            }
            @if let Some(problem) = problem { p.error role="alert" { (problem) } }
            h2 { (t(lang, "ファイルの先頭", "The start of the file")) }
            div.scroll {
                table.preview.raw {
                    thead { tr { th { (t(lang, "行", "Line")) } @for column in &preview.header { th { (column) } } } }
                    tbody {
                        @for (line, fields) in &preview.rows {
                            tr { td.num { (line) } @for field in fields { td { (field) } } }
                        }
                    }
                }
            }
            form method="post" action={ "/staff/surveys/" (slug) "/register/" (upload.id) } {
                (csrf_field(viewer.csrf))
                h2 { (t(lang, "列の対応", "Which column holds what")) }
                table.mapping {
                    tbody {
                        (select("id", t(lang, "住民番号", "Resident id"), &choice.id, true))
                        (select("name1", t(lang, "氏名（または氏）", "Name (or family name)"), &choice.name[0], true))
                        (select("name2", t(lang, "名（氏と名が別の列のとき）", "Given name (when in its own column)"), &choice.name[1], false))
                        (select("address1", t(lang, "住所", "Address"), &choice.address[0], true))
                        (select("address2", t(lang, "方書（住所の続き）", "Address, second part (方書)"), &choice.address[1], false))
                        (select("postal", t(lang, "郵便番号", "Postal code"), &choice.postal, false))
                        (select("birth", t(lang, "生年月日", "Birth date"), &choice.birth, true))
                        (select("sex", t(lang, "性別", "Sex"), &choice.sex, false))
                        (select("district", t(lang, "地区", "District"), &choice.district, false))
                        (select("exclude", t(lang, "除外の印（施設入所など）", "Exclusion flag (in an institution etc.)"), &choice.exclude, false))
                    }
                }
                p { button type="submit" name="action" value="check" class="secondary" { (t(lang, "この対応で読み取りを確かめる", "Check how the rows are read")) } }
                h2 { (t(lang, "読み取り結果（先頭の行）", "How the first rows are read")) }
                @match parsed {
                    Err(message) => { p.error { (message) } }
                    Ok(rows) => {
                        div.scroll {
                            table.preview.parsed {
                                thead { tr {
                                    th { (t(lang, "行", "Line")) }
                                    th { (t(lang, "住民番号", "Resident id")) }
                                    th { (t(lang, "氏名", "Name")) }
                                    th { (t(lang, "住所", "Address")) }
                                    th { (t(lang, "郵便番号", "Postal code")) }
                                    th { (t(lang, "生年月日", "Birth date")) }
                                    th { (t(lang, "和暦", "Japanese era")) }
                                    th.num { (t(lang, "年齢（今日）", "Age (today)")) }
                                    th { (t(lang, "性別", "Sex")) }
                                    th { (t(lang, "地区", "District")) }
                                    th { (t(lang, "除外", "Excluded")) }
                                } }
                                tbody {
                                    @for row in rows {
                                        @match row {
                                            Ok(r) => {
                                                tr {
                                                    td.num { (r.line) }
                                                    td { (r.resident_id.as_str()) }
                                                    td { (r.name) }
                                                    td { (r.address) }
                                                    td { @if let Some(p) = r.postal_code { (p.to_string()) } }
                                                    td.birth { (r.birth_date.format("%Y-%m-%d").to_string()) }
                                                    td.era { (format_era(r.birth_date)) }
                                                    td.num.age { @if let Some(age) = age_on(r.birth_date, today) { (age) } }
                                                    td { @if let Some(sex) = r.sex { (sex_word(lang, sex)) } }
                                                    td { @if let Some(d) = &r.district { (d.as_ref()) } }
                                                    td { @if r.excluded { (t(lang, "除外", "yes")) } }
                                                }
                                            }
                                            Err(problem) => {
                                                tr.bad {
                                                    td.num { (problem.line) }
                                                    td.error colspan="10" { (problem.message(lang)) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { (t(lang, "取り込み", "Import")) }
                p {
                    label {
                        input type="checkbox" name="replace" value="1" checked[replace];
                        " " (t(lang, "前の名簿を取り替える（標本を抽出する前に限ります）", "Replace the earlier frame (only before a sample is drawn)"))
                    }
                }
                p { button type="submit" name="action" value="import" { (t(lang, "すべての行を取り込む", "Import every row")) } }
                p.hint { (t(lang, "1行でも誤りがあれば何も取り込みません。", "If any row is wrong, nothing is imported.")) }
            }
            form method="post" action={ "/staff/surveys/" (slug) "/register/" (upload.id) "/discard" } {
                (csrf_field(viewer.csrf))
                button type="submit" class="secondary" { (t(lang, "このファイルを破棄する", "Discard this file")) }
            }
        },
    )
}

/// How far an import has come, or how it ended.
pub enum ImportState<'a> {
    /// Still reading: bytes read of the file's size, rows read.
    Running { bytes: u64, size: u64, rows: u64 },
    /// Stored.
    Done {
        rows: u64,
        excluded: u64,
        districts: usize,
        encoding: TextEncoding,
        detected: bool,
    },
    /// Nothing stored: why, and the bad rows (the first ones) with their count.
    Refused {
        message: String,
        rows: &'a [RowProblem],
        total: usize,
    },
}

/// The import's progress page: a bar that refreshes itself while the import runs, then
/// the outcome.
pub fn progress_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    upload_id: &str,
    file_name: &str,
    state: &ImportState<'_>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let title = format!(
        "{} — {}",
        t(lang, "名簿の取り込み", "Register import"),
        survey.title.get(lang)
    );
    let body = html! {
        h1 { (title) }
        (survey_links(lang, slug))
        p { strong { (file_name) } }
        @match state {
            ImportState::Running { bytes, size, rows } => {
                @let percent = (bytes.min(size) * 100) / (*size).max(1);
                p.progress {
                    progress #import-progress max="100" value=(percent) { (percent) "%" }
                    " " (percent) "% · " (rows) (t(lang, "行を読み取り済み", " rows read"))
                }
                p.hint { (t(lang, "取り込み中です。このページは自動で更新されます。", "Importing: this page refreshes by itself.")) }
            }
            ImportState::Done { rows, excluded, districts, encoding, detected } => {
                p.done role="status" {
                    (t(lang, "取り込みました: ", "Imported: ")) span.rows { (rows) } (t(lang, "人", " residents"))
                    " · " (t(lang, "除外の印 ", "flagged to exclude: ")) (excluded)
                    " · " (t(lang, "地区 ", "districts: ")) (districts)
                }
                p.encoding { (encoding_words(lang, *encoding, *detected)) }
                p {
                    a.button href={ "/staff/surveys/" (slug) "/draw" } { (t(lang, "標本を抽出する", "Draw the sample")) }
                }
            }
            ImportState::Refused { message, rows, total } => {
                p.error role="alert" { (message) }
                @if !rows.is_empty() {
                    table.bad-rows {
                        thead { tr { th { (t(lang, "行", "Line")) } th { (t(lang, "誤り", "What is wrong")) } } }
                        tbody {
                            @for problem in *rows {
                                tr { td.num { (problem.line) } td { (problem.message(lang)) } }
                            }
                        }
                    }
                    @if *total > rows.len() {
                        p { (match lang {
                            Lang::Ja => format!("ほかに{}行に誤りがあります。", total - rows.len()),
                            Lang::En => format!("… and {} more.", total - rows.len()),
                        }) }
                    }
                    p.hint { (t(lang, "名簿のファイルを直してから、もう一度アップロードしてください。",
                        "Correct the file, then upload it again.")) }
                }
                p {
                    a href={ "/staff/surveys/" (slug) "/register/" (upload_id) } { (t(lang, "列の選択に戻る", "Back to the columns")) }
                    " · "
                    a href={ "/staff/surveys/" (slug) "/register" } { (t(lang, "別のファイルをアップロードする", "Upload another file")) }
                }
            }
        }
    };
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/register/{upload_id}/progress"),
        body,
    )
}

/// The draw form as typed (or as first offered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrawForm {
    pub reference_date: String,
    pub min_age: String,
    /// Chosen stratum variables by name (`district`, `sex`, `age_band`).
    pub strata: Vec<String>,
    pub age_bands: String,
    /// `proportional`, `equal` or `explicit`.
    pub allocation: String,
    pub n: String,
    pub min_per_stratum: String,
    /// `stratum,n` lines for explicit sizes.
    pub sizes: String,
    pub seed: String,
    pub replace: bool,
}

/// What the draw page shows of the frame: its import and its strata so far.
pub struct FrameFacts<'a> {
    pub import: &'a FrameImport,
    /// The current sample (seed and n) when there is one, and whether it is final.
    pub sample: Option<(&'a str, i64, bool)>,
}

/// The draw page: strata, age bands, allocation, size and seed.
pub fn draw_page(
    viewer: &Viewer<'_>,
    survey: &Survey,
    frame: Option<&FrameFacts<'_>>,
    form: &DrawForm,
    problem: Option<&str>,
) -> Markup {
    let lang = viewer.lang;
    let slug = &survey.slug;
    let title = format!(
        "{} — {}",
        t(lang, "標本の抽出", "Draw the sample"),
        survey.title.get(lang)
    );
    let radio = |value: &str, label: &str| {
        html! {
            label.choice {
                input type="radio" name="allocation" value=(value) checked[form.allocation == value];
                " " (label)
            }
        }
    };
    page(
        lang,
        &title,
        viewer.audience(),
        &format!("/staff/surveys/{slug}/draw"),
        html! {
            h1 { (title) }
            (survey_links(lang, slug))
            @match frame {
                None => {
                    p.error { (t(lang, "この調査には名簿がまだありません。先に住民基本台帳を取り込んでください。", "The survey has no frame yet: import the register first.")) }
                    p { a.button href={ "/staff/surveys/" (slug) "/register" } { (t(lang, "名簿を取り込む", "Import the register")) } }
                }
                Some(facts) => {
                    p.frame {
                        strong { (t(lang, "名簿: ", "Frame: ")) }
                        (facts.import.file_name) " · " (facts.import.row_count) (t(lang, "人", " residents"))
                    }
                    @if let Some((seed, size, is_final)) = facts.sample {
                        p.notice {
                            (t(lang, "現在の標本: ", "Current sample: ")) (t(lang, "乱数の種 ", "seed ")) (seed) ", n = " (size)
                            @if is_final { " — " (t(lang, "確定済みのため取り替えられません", "final: it cannot be replaced")) }
                        }
                    }
                    @if let Some(problem) = problem { p.error role="alert" { (problem) } }
                    form method="post" action={ "/staff/surveys/" (slug) "/draw" } {
                        (csrf_field(viewer.csrf))
                        p {
                            label for="reference_date" { (t(lang, "基準日（年齢を数える日）", "Reference date (ages are counted on it)")) }
                            input #reference_date type="date" name="reference_date" value=(form.reference_date) required;
                        }
                        p {
                            label for="min_age" { (t(lang, "最低年齢", "Minimum age")) }
                            input #min_age type="number" name="min_age" min="0" max="120" value=(form.min_age) required;
                        }
                        fieldset {
                            legend { (t(lang, "層に使う変数（この順に組み合わせます）", "Strata by (crossed in this order)")) }
                            @for variable in StratumVariable::ALL {
                                label.choice {
                                    input type="checkbox" name="strata" value=(variable.name()) checked[form.strata.iter().any(|s| s == variable.name())];
                                    " " (variable.label(lang))
                                }
                            }
                        }
                        p {
                            label for="age_bands" { (t(lang, "年齢区分（例: 16-29,30-39,...,80-）", "Age bands (e.g. 16-29,30-39,...,80-)")) }
                            input #age_bands type="text" name="age_bands" value=(form.age_bands) size="40";
                        }
                        fieldset {
                            legend { (t(lang, "配分", "Allocation")) }
                            (radio("proportional", t(lang, "比例配分（各層の最低人数つき）", "Proportional (with a minimum per stratum)")))
                            (radio("equal", t(lang, "均等配分", "Equal")))
                            (radio("explicit", t(lang, "層ごとに人数を指定", "Explicit sizes per stratum")))
                        }
                        p {
                            label for="n" { (t(lang, "標本の大きさ n", "Sample size n")) }
                            input #n type="number" name="n" min="1" value=(form.n);
                        }
                        p {
                            label for="min_per_stratum" { (t(lang, "各層の最低人数（比例配分）", "Minimum per stratum (proportional)")) }
                            input #min_per_stratum type="number" name="min_per_stratum" min="1" value=(form.min_per_stratum);
                        }
                        p {
                            label for="sizes" { (t(lang, "層ごとの人数（「層,人数」を1行に1層。層の名前は標本の層別表と同じ）", "Sizes per stratum (one `stratum,n` a line, labels as in the strata table)")) }
                            textarea #sizes name="sizes" rows="6" cols="40" { (form.sizes) }
                        }
                        p {
                            label for="seed" { (t(lang, "乱数の種（シード）", "Seed")) }
                            input #seed type="text" name="seed" value=(form.seed) inputmode="numeric" size="24";
                            br;
                            span.hint { (t(lang, "同じ名簿・設定・乱数の種からは、いつ誰が抽出しても同じ標本になります。記録に残してください。",
                                "The same frame, design and seed always give the same sample: record the seed.")) }
                        }
                        p {
                            label {
                                input type="checkbox" name="replace" value="1" checked[form.replace];
                                " " (t(lang, "今の標本を取り替える（確定する前に限ります）", "Replace the current sample (only before it is final)"))
                            }
                        }
                        p { button type="submit" { (t(lang, "抽出する", "Draw")) } }
                    }
                }
            }
        },
    )
}

/// The encoding a file was read in, and whether it was detected.
fn encoding_words(lang: Lang, encoding: TextEncoding, detected: bool) -> String {
    match (lang, detected && encoding == TextEncoding::ShiftJis) {
        (Lang::Ja, true) => "文字コード: Shift_JIS（CP932）— UTF-8 ではないため自動判定で Shift_JIS として読みました".into(),
        (Lang::En, true) => "Encoding: Shift_JIS (CP932) — detected, as the file is not UTF-8".into(),
        (Lang::Ja, false) => format!("文字コード: {}", encoding.label()),
        (Lang::En, false) => format!("Encoding: {}", encoding.label()),
    }
}

fn sex_word(lang: Lang, sex: crate::sampling::register::Sex) -> &'static str {
    use crate::sampling::register::Sex;
    match sex {
        Sex::Male => t(lang, "男", "male"),
        Sex::Female => t(lang, "女", "female"),
        Sex::Unknown => t(lang, "不明", "unknown"),
    }
}

fn format_bytes(size: u64) -> String {
    if size >= 1 << 20 {
        format!("{:.1} MB", size as f64 / (1 << 20) as f64)
    } else if size >= 1 << 10 {
        format!("{:.1} KB", size as f64 / (1 << 10) as f64)
    } else {
        format!("{size} B")
    }
}

//! Staff pages that import the register and draw the sample in the browser (what `tsunagari
//! frame import` and `sample draw` do, through the same `ops` calls): the upload (kept in a
//! temporary file), the column mapping with a preview, the import in a background thread
//! with its progress polled by the page, and the draw form. Every handler requires
//! [`Role::Staff`] (admins too), as the other sampling pages do.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, require};
use super::{html, see_other, AppState, Refusal};
use crate::auth::{self, Role};
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::ops::register::{ImportError, ImportPlan};
use crate::ops::sample::{AllocationRequest, DrawError, DrawRequest};
use crate::questionnaire::{t, Lang};
use crate::sampling::age::{default_age_bands, DEFAULT_MINIMUM_AGE};
use crate::sampling::draw::Seed;
use crate::sampling::register::{
    preview, ColumnMapping, ImportOptions, Preview, RegisterError, RegisterSummary,
};
use crate::survey::Survey;
use crate::views::register::{
    self as view, ColumnChoice, DrawForm, FrameFacts, ImportState, UploadView,
};
use crate::views::staff::Viewer;

/// The largest register file accepted (a 1.5 million-row extract is about 200 MB).
pub const MAX_UPLOAD_BYTES: u64 = 2 << 30;

/// Rows of the file the mapping page shows.
const PREVIEW_ROWS: usize = 8;

/// Uploaded files older than this are deleted when the next upload arrives: they hold
/// names and addresses.
const UPLOAD_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Registers the register and draw routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/{slug}/register", web::get().to(register))
        .route(
            "/staff/surveys/{slug}/register/upload",
            web::post().to(upload),
        )
        .route(
            "/staff/surveys/{slug}/register/{upload}",
            web::get().to(mapping),
        )
        .route(
            "/staff/surveys/{slug}/register/{upload}",
            web::post().to(map_or_import),
        )
        .route(
            "/staff/surveys/{slug}/register/{upload}/progress",
            web::get().to(progress),
        )
        .route(
            "/staff/surveys/{slug}/register/{upload}/discard",
            web::post().to(discard),
        )
        .route("/staff/surveys/{slug}/draw", web::get().to(draw_form))
        .route("/staff/surveys/{slug}/draw", web::post().to(draw));
}

/// The uploads waiting for their columns or being imported, by id. One server holds
/// them: the upload and its import run on the server that received the file.
#[derive(Clone, Default)]
pub struct Uploads(Arc<Mutex<HashMap<String, Upload>>>);

/// One uploaded register file.
pub struct Upload {
    pub survey_id: i64,
    pub file_name: String,
    pub path: PathBuf,
    pub size: u64,
    /// The encoding asked for, as typed (`auto`, `utf-8`, `cp932`).
    pub encoding: String,
    /// The separator, as typed (`,`, `tab`).
    pub delimiter: String,
    pub state: UploadState,
}

/// Where an upload is.
pub enum UploadState {
    /// Waiting for its columns.
    Waiting,
    /// Being imported: bytes and rows read so far.
    Running { bytes: u64, rows: u64 },
    /// Imported, or refused (nothing stored then).
    Finished(Arc<Result<RegisterSummary, ImportError>>),
}

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Upload>> {
        // A panic elsewhere while holding the lock leaves the map usable.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set_state(&self, id: &str, state: UploadState) {
        if let Some(upload) = self.lock().get_mut(id) {
            upload.state = state;
        }
    }

    /// Forgets an upload and deletes its file.
    fn remove(&self, id: &str) {
        if let Some(upload) = self.lock().remove(id) {
            let _ = std::fs::remove_file(upload.path);
        }
    }
}

/// Where uploaded files are kept until they are imported or discarded.
fn upload_dir() -> PathBuf {
    std::env::temp_dir().join("tsunagari-uploads")
}

/// Deletes uploads older than [`UPLOAD_LIFETIME`] (files and entries).
fn sweep_old_uploads(uploads: &Uploads) {
    let now = SystemTime::now();
    let old = |path: &std::path::Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > UPLOAD_LIFETIME)
    };
    let stale: Vec<String> = uploads
        .lock()
        .iter()
        .filter(|(_, u)| !matches!(u.state, UploadState::Running { .. }) && old(&u.path))
        .map(|(id, _)| id.clone())
        .collect();
    for id in stale {
        uploads.remove(&id);
    }
    if let Ok(entries) = std::fs::read_dir(upload_dir()) {
        let known: Vec<PathBuf> = uploads.lock().values().map(|u| u.path.clone()).collect();
        for entry in entries.flatten() {
            let path = entry.path();
            if !known.contains(&path) && old(&path) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

async fn survey_of(state: &AppState, slug: String) -> Result<Survey, AppError> {
    state
        .db(move |conn| crate::ops::surveys::by_slug(conn, &slug))
        .await
}

/// The frame's import and whether a sample exists.
async fn frame_state(
    state: &AppState,
    survey_id: i64,
) -> Result<
    (
        Option<crate::sampling::records::FrameImport>,
        Option<crate::sampling::records::SampleRecord>,
    ),
    AppError,
> {
    state
        .db(move |conn| {
            Ok((
                db::frame::import_info(conn, survey_id)?,
                db::sample::find(conn, survey_id)?,
            ))
        })
        .await
}

async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let survey = survey_of(&state, path.into_inner()).await?;
    let (frame, sample) = frame_state(&state, survey.id).await?;
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(html(
        StatusCode::OK,
        view::register_page(&viewer, &survey, frame.as_ref(), sample.is_some(), None),
    ))
}

/// The register page again with what is wrong (422).
async fn register_refused(
    req: &HttpRequest,
    state: &AppState,
    session: &db::sessions::StaffSession,
    survey: &Survey,
    problem: &str,
) -> Result<HttpResponse, AppError> {
    let (frame, sample) = frame_state(state, survey.id).await?;
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        view::register_page(
            &viewer,
            survey,
            frame.as_ref(),
            sample.is_some(),
            Some(problem),
        ),
    ))
}

/// Receives the file (streamed to a temporary file, never held in memory), then shows the
/// mapping page. The form's CSRF field comes before the file, and is checked before any
/// byte of the file is stored.
async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    mut payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let lang = lang_of(&req);
    let survey = survey_of(&state, path.into_inner()).await?;
    sweep_old_uploads(&state.uploads);
    let mut csrf_ok = false;
    let mut encoding = "auto".to_string();
    let mut delimiter = ",".to_string();
    let mut stored: Option<(String, PathBuf, u64)> = None;
    let unreadable = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!(
            "the upload could not be received completely ({e}); send the file again"
        ))
    };
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if !csrf_ok {
                return Err(AppError::CsrfRejected);
            }
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .unwrap_or_default();
            std::fs::create_dir_all(upload_dir())
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("upload folder: {e}")))?;
            let file_path = upload_dir().join(format!("{}.csv", auth::random_token()));
            let mut file = std::fs::File::create(&file_path)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("upload file: {e}")))?;
            let mut size = 0u64;
            while let Some(chunk) = field.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        let _ = std::fs::remove_file(&file_path);
                        return Err(unreadable(e));
                    }
                };
                size += chunk.len() as u64;
                if size > MAX_UPLOAD_BYTES {
                    let _ = std::fs::remove_file(&file_path);
                    return Err(AppError::PayloadTooLarge);
                }
                if let Err(e) = file.write_all(&chunk) {
                    let _ = std::fs::remove_file(&file_path);
                    return Err(AppError::Unexpected(anyhow::anyhow!("upload file: {e}")));
                }
            }
            stored = Some((file_name, file_path, size));
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(unreadable)?;
                if value.len() + chunk.len() > 1024 {
                    return Err(AppError::PayloadTooLarge);
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8_lossy(&value).into_owned();
            match name.as_str() {
                "csrf" => csrf_ok = auth::csrf_matches(&session.csrf_token, &value),
                "encoding" => encoding = value,
                "delimiter" => delimiter = value,
                _ => {}
            }
        }
    }
    if !csrf_ok {
        return Err(AppError::CsrfRejected);
    }
    let stored = match stored {
        Some((_, file_path, 0)) => {
            let _ = std::fs::remove_file(file_path);
            None
        }
        other => other,
    };
    let Some((file_name, file_path, size)) = stored else {
        let problem = t(
            lang,
            "名簿のファイルを選んでください（空のファイルは取り込めません）。",
            "Choose the register file (an empty file cannot be imported).",
        );
        return register_refused(&req, &state, &session, &survey, problem).await;
    };
    if let Err(problem) = upload_options(lang, &encoding, &delimiter) {
        let _ = std::fs::remove_file(&file_path);
        return register_refused(&req, &state, &session, &survey, &problem).await;
    }
    let id = auth::random_token();
    state.uploads.lock().insert(
        id.clone(),
        Upload {
            survey_id: survey.id,
            file_name: if file_name.is_empty() {
                "register.csv".into()
            } else {
                file_name
            },
            path: file_path,
            size,
            encoding,
            delimiter,
            state: UploadState::Waiting,
        },
    );
    Ok(see_other(format!(
        "/staff/surveys/{}/register/{id}",
        survey.slug
    )))
}

/// The encoding and separator as typed, read as the command reads its flags.
fn upload_options(
    lang: Lang,
    encoding: &str,
    delimiter: &str,
) -> Result<(crate::sampling::register::EncodingChoice, u8), String> {
    let encoding = crate::ops::register::encoding_choice(encoding).map_err(|e| match lang {
        Lang::Ja => format!(
            "文字コード「{}」は扱えません。自動判定、UTF-8、Shift_JIS から選んでください。",
            e.0
        ),
        Lang::En => e.to_string(),
    })?;
    let delimiter = crate::ops::register::delimiter(delimiter).map_err(|e| match lang {
        Lang::Ja => format!(
            "区切り文字「{}」は1文字ではありません。カンマかタブを選んでください。",
            e.0
        ),
        Lang::En => e.to_string(),
    })?;
    Ok((encoding, delimiter))
}

/// What the mapping page needs of an upload, checked to belong to the survey.
struct UploadFacts {
    file_name: String,
    path: PathBuf,
    size: u64,
    encoding: String,
    delimiter: String,
    running_or_done: bool,
}

fn upload_of(state: &AppState, id: &str, survey_id: i64) -> Result<UploadFacts, AppError> {
    let uploads = state.uploads.lock();
    let upload = uploads
        .get(id)
        .filter(|u| u.survey_id == survey_id)
        .ok_or(AppError::NotFound)?;
    Ok(UploadFacts {
        file_name: upload.file_name.clone(),
        path: upload.path.clone(),
        size: upload.size,
        encoding: upload.encoding.clone(),
        delimiter: upload.delimiter.clone(),
        running_or_done: !matches!(upload.state, UploadState::Waiting),
    })
}

/// The first rows of the upload, read as the import will read them.
async fn preview_of(facts: &UploadFacts, lang: Lang) -> Result<Result<Preview, String>, AppError> {
    let (encoding, delimiter) = match upload_options(lang, &facts.encoding, &facts.delimiter) {
        Ok(options) => options,
        Err(problem) => return Ok(Err(problem)),
    };
    let path = facts.path.clone();
    let read = web::block(move || {
        let file = std::fs::File::open(&path).map_err(RegisterError::Io)?;
        preview(
            std::io::BufReader::new(file),
            encoding,
            delimiter,
            PREVIEW_ROWS,
        )
    })
    .await?;
    Ok(read.map_err(|e| e.message(lang)))
}

/// The columns a header's names suggest (the usual names of municipal extracts).
fn guess_columns(header: &[String]) -> ColumnChoice {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| header.iter().find(|h| h.as_str() == *name))
            .or_else(|| {
                names.iter().find_map(|name| {
                    header
                        .iter()
                        .find(|h| h.to_lowercase().contains(&name.to_lowercase()))
                })
            })
            .cloned()
            .unwrap_or_default()
    };
    let exact = |name: &str| {
        header
            .iter()
            .find(|h| h.as_str() == name)
            .cloned()
            .unwrap_or_default()
    };
    let name1 = find(&["氏名", "氏", "姓", "name"]);
    ColumnChoice {
        id: find(&["住民番号", "個人番号", "宛名番号", "住民コード", "id"]),
        name: [
            name1.clone(),
            if name1 == "氏" || name1 == "姓" {
                exact("名")
            } else {
                String::new()
            },
        ],
        address: [find(&["住所", "address"]), exact("方書")],
        postal: find(&["郵便番号", "〒", "postal"]),
        birth: find(&["生年月日", "birth"]),
        sex: find(&["性別", "sex"]),
        district: find(&["地区", "district"]),
        exclude: find(&["除外", "exclude"]),
    }
}

/// The columns chosen on the mapping form.
fn chosen_columns(form: &FormFields) -> ColumnChoice {
    let text = |name: &str| form.text(name).trim().to_string();
    ColumnChoice {
        id: text("id"),
        name: [text("name1"), text("name2")],
        address: [text("address1"), text("address2")],
        postal: text("postal"),
        birth: text("birth"),
        sex: text("sex"),
        district: text("district"),
        exclude: text("exclude"),
    }
}

/// The mapping the choice describes, or what must still be chosen.
fn mapping_of(choice: &ColumnChoice, lang: Lang) -> Result<ColumnMapping, String> {
    let mut missing = Vec::new();
    if choice.id.is_empty() {
        missing.push(t(lang, "住民番号", "resident id"));
    }
    if choice.name[0].is_empty() {
        missing.push(t(lang, "氏名", "name"));
    }
    if choice.address[0].is_empty() {
        missing.push(t(lang, "住所", "address"));
    }
    if choice.birth.is_empty() {
        missing.push(t(lang, "生年月日", "birth date"));
    }
    if !missing.is_empty() {
        return Err(match lang {
            Lang::Ja => format!("{}の列を選んでください。", missing.join("、")),
            Lang::En => format!("Choose the column of: {}.", missing.join(", ")),
        });
    }
    let optional = |name: &str| (!name.is_empty()).then(|| name.to_string());
    let several = |names: &[String; 2]| {
        names
            .iter()
            .filter(|n| !n.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    Ok(ColumnMapping {
        resident_id: choice.id.clone(),
        name: several(&choice.name),
        address: several(&choice.address),
        postal_code: optional(&choice.postal),
        birth_date: choice.birth.clone(),
        sex: optional(&choice.sex),
        district: optional(&choice.district),
        exclude: optional(&choice.exclude),
    })
}

async fn mapping(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (slug, id) = path.into_inner();
    let survey = survey_of(&state, slug).await?;
    let facts = upload_of(&state, &id, survey.id)?;
    if facts.running_or_done && !matches!(finished_with_refusal(&state, &id), Some(true)) {
        return Ok(see_other(format!(
            "/staff/surveys/{}/register/{id}/progress",
            survey.slug
        )));
    }
    let lang = lang_of(&req);
    let preview = match preview_of(&facts, lang).await? {
        Ok(preview) => preview,
        Err(problem) => {
            state.uploads.remove(&id);
            return register_refused(&req, &state, &session, &survey, &problem).await;
        }
    };
    let choice = guess_columns(&preview.header);
    render_mapping(
        &req,
        &state,
        &session,
        &survey,
        &id,
        &facts,
        &preview,
        &choice,
        false,
        None,
        StatusCode::OK,
    )
}

/// `Some(true)` when the upload's import ended in a refusal (its columns may be chosen
/// again), `Some(false)` when it is running or stored, `None` when it waits.
fn finished_with_refusal(state: &AppState, id: &str) -> Option<bool> {
    match &state.uploads.lock().get(id)?.state {
        UploadState::Waiting => None,
        UploadState::Running { .. } => Some(false),
        UploadState::Finished(outcome) => Some(outcome.is_err()),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_mapping(
    req: &HttpRequest,
    state: &AppState,
    session: &db::sessions::StaffSession,
    survey: &Survey,
    id: &str,
    facts: &UploadFacts,
    preview: &Preview,
    choice: &ColumnChoice,
    replace: bool,
    problem: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let lang = lang_of(req);
    let parsed = mapping_of(choice, lang)
        .and_then(|mapping| preview.parse(&mapping).map_err(|e| e.message(lang)));
    let viewer = Viewer::of(session, lang, &state.config.time_zone);
    let upload = UploadView {
        id,
        file_name: &facts.file_name,
        size: facts.size,
        encoding: &facts.encoding,
        delimiter: &facts.delimiter,
    };
    let today = crate::clock::today(&state.config.time_zone);
    Ok(html(
        status,
        view::mapping_page(
            &viewer,
            survey,
            &upload,
            preview,
            choice,
            parsed.as_deref().map_err(String::as_str),
            today,
            replace,
            problem,
        ),
    ))
}

/// The mapping form: `action=check` shows the rows read with the chosen columns,
/// `action=import` starts the import in a background thread and shows its progress.
async fn map_or_import(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let (slug, id) = path.into_inner();
    let survey = survey_of(&state, slug).await?;
    let facts = upload_of(&state, &id, survey.id)?;
    if matches!(finished_with_refusal(&state, &id), Some(false)) {
        return Ok(see_other(format!(
            "/staff/surveys/{}/register/{id}/progress",
            survey.slug
        )));
    }
    let preview = match preview_of(&facts, lang).await? {
        Ok(preview) => preview,
        Err(problem) => {
            state.uploads.remove(&id);
            return register_refused(&req, &state, &session, &survey, &problem).await;
        }
    };
    let choice = chosen_columns(&form);
    let replace = form.text("replace") == "1";
    if form.text("action") != "import" {
        return render_mapping(
            &req,
            &state,
            &session,
            &survey,
            &id,
            &facts,
            &preview,
            &choice,
            replace,
            None,
            StatusCode::OK,
        );
    }
    let checked = mapping_of(&choice, lang).and_then(|mapping| {
        preview
            .parse(&mapping)
            .map(|_| mapping)
            .map_err(|e| e.message(lang))
    });
    let mapping = match checked {
        Ok(mapping) => mapping,
        Err(problem) => {
            return render_mapping(
                &req,
                &state,
                &session,
                &survey,
                &id,
                &facts,
                &preview,
                &choice,
                replace,
                Some(&problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (encoding, delimiter) =
        upload_options(lang, &facts.encoding, &facts.delimiter).map_err(AppError::BadRequest)?;
    let plan = ImportPlan {
        options: ImportOptions {
            encoding,
            delimiter,
            columns: mapping,
        },
        file_name: facts.file_name.clone(),
        replace,
    };
    start_import(&state, &id, survey.id, plan, facts.path.clone());
    Ok(see_other(format!(
        "/staff/surveys/{}/register/{id}/progress",
        survey.slug
    )))
}

/// Runs the import of upload `id` on its own thread with a pooled connection; the
/// progress and the outcome go to [`Uploads`]. The file is deleted once it is stored.
fn start_import(state: &AppState, id: &str, survey_id: i64, plan: ImportPlan, path: PathBuf) {
    state
        .uploads
        .set_state(id, UploadState::Running { bytes: 0, rows: 0 });
    let uploads = state.uploads.clone();
    let pool = state.pool.clone();
    let id = id.to_string();
    std::thread::spawn(move || {
        let outcome = match pool.get() {
            Ok(mut conn) => crate::ops::register::import_file(
                &mut conn,
                survey_id,
                &plan,
                &path,
                &mut |p, _| {
                    uploads.set_state(
                        &id,
                        UploadState::Running {
                            bytes: p.bytes_read,
                            rows: p.rows_read,
                        },
                    )
                },
            ),
            Err(e) => Err(ImportError::Storage(DbError::from(e))),
        };
        if let Err(e) = &outcome {
            log::warn!("register import of survey {survey_id} refused: {e}");
        } else {
            let _ = std::fs::remove_file(&path);
        }
        uploads.set_state(&id, UploadState::Finished(Arc::new(outcome)));
    });
}

async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let lang = lang_of(&req);
    let (slug, id) = path.into_inner();
    let survey = survey_of(&state, slug).await?;
    let (file_name, size, current) = {
        let uploads = state.uploads.lock();
        let upload = uploads
            .get(&id)
            .filter(|u| u.survey_id == survey.id)
            .ok_or(AppError::NotFound)?;
        let current = match &upload.state {
            UploadState::Waiting => None,
            UploadState::Running { bytes, rows } => Some(Err((*bytes, *rows))),
            UploadState::Finished(outcome) => Some(Ok(Arc::clone(outcome))),
        };
        (upload.file_name.clone(), upload.size, current)
    };
    let Some(current) = current else {
        return Ok(see_other(format!(
            "/staff/surveys/{}/register/{id}",
            survey.slug
        )));
    };
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let zone = state.config.time_zone;
    let page =
        |state: &ImportState<'_>| view::progress_page(&viewer, &survey, &id, &file_name, state);
    match current {
        Err((bytes, rows)) => {
            let body = page(&ImportState::Running { bytes, size, rows });
            // The page asks again in a second while the import runs: no script needed.
            Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header(("Refresh", "1"))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .body(body.into_string()))
        }
        Ok(outcome) => match outcome.as_ref() {
            Ok(summary) => Ok(html(
                StatusCode::OK,
                page(&ImportState::Done {
                    rows: summary.rows,
                    excluded: summary.excluded,
                    districts: summary.districts,
                    encoding: summary.encoding,
                    detected: summary.encoding_detected,
                }),
            )),
            Err(error) => {
                let (rows, total) = match error {
                    ImportError::Register(RegisterError::BadRows(problems)) => {
                        (problems.shown.as_slice(), problems.total)
                    }
                    _ => (&[][..], 0),
                };
                Ok(html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    page(&ImportState::Refused {
                        message: error.message(lang, &zone),
                        rows,
                        total,
                    }),
                ))
            }
        },
    }
}

async fn discard(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let (slug, id) = path.into_inner();
    let survey = survey_of(&state, slug).await?;
    upload_of(&state, &id, survey.id)?;
    if !matches!(finished_with_refusal(&state, &id), Some(false)) {
        state.uploads.remove(&id);
    }
    Ok(see_other(format!(
        "/staff/surveys/{}/register",
        survey.slug
    )))
}

impl Refusal for DrawError {
    fn into_refusal(self) -> Result<Self, DbError> {
        match self {
            DrawError::Storage(DbError::Conflict(message)) => {
                Ok(DrawError::Storage(DbError::Conflict(message)))
            }
            DrawError::Storage(e) => Err(e),
            refusal => Ok(refusal),
        }
    }
}

/// The draw page with what its frame has.
async fn render_draw(
    req: &HttpRequest,
    state: &AppState,
    session: &db::sessions::StaffSession,
    survey: &Survey,
    form: &DrawForm,
    problem: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (frame, sample) = frame_state(state, survey.id).await?;
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    let facts = frame.as_ref().map(|import| FrameFacts {
        import,
        sample: sample.as_ref().map(|s| {
            (
                s.seed.as_str(),
                s.sample_size,
                s.letters_printed_at.is_some(),
            )
        }),
    });
    Ok(html(
        status,
        view::draw_page(&viewer, survey, facts.as_ref(), form, problem),
    ))
}

async fn draw_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let survey = survey_of(&state, path.into_inner()).await?;
    let reference = survey
        .answer_from
        .unwrap_or_else(|| crate::clock::today(&state.config.time_zone));
    let form = DrawForm {
        reference_date: reference.format("%Y-%m-%d").to_string(),
        min_age: DEFAULT_MINIMUM_AGE.to_string(),
        strata: Vec::new(),
        age_bands: default_age_bands(DEFAULT_MINIMUM_AGE),
        allocation: "proportional".into(),
        n: String::new(),
        min_per_stratum: "1".into(),
        sizes: String::new(),
        // A seed chosen now and shown, so that it is on the page to be recorded.
        seed: Seed::generate().to_string(),
        replace: false,
    };
    render_draw(&req, &state, &session, &survey, &form, None, StatusCode::OK).await
}

/// The draw form as typed.
fn typed_draw_form(form: &FormFields) -> DrawForm {
    let text = |name: &str| form.text(name).trim().to_string();
    DrawForm {
        reference_date: text("reference_date"),
        min_age: text("min_age"),
        strata: form.all("strata").into_iter().map(str::to_string).collect(),
        age_bands: text("age_bands"),
        allocation: text("allocation"),
        n: text("n"),
        min_per_stratum: text("min_per_stratum"),
        sizes: form.text("sizes").to_string(),
        seed: text("seed"),
        replace: form.text("replace") == "1",
    }
}

/// The request the form describes ([`DrawRequest::plan`] reads it as it reads the
/// command's flags), or what is wrong with a number.
fn draw_request(form: &DrawForm, lang: Lang) -> Result<DrawRequest, String> {
    let whole = |text: &str, ja: &str, en: &str| -> Result<Option<u64>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<u64>().map(Some).map_err(|_| match lang {
            Lang::Ja => format!("{ja}「{text}」を0以上の整数で入力してください。"),
            Lang::En => format!("{en} `{text}` is not a whole number."),
        })
    };
    let min_age = whole(&form.min_age, "最低年齢", "The minimum age")?
        .unwrap_or(u64::from(DEFAULT_MINIMUM_AGE));
    let min_age = u32::try_from(min_age).map_err(|_| {
        t(
            lang,
            "最低年齢が大きすぎます。",
            "The minimum age is too large.",
        )
        .to_string()
    })?;
    let n = whole(&form.n, "標本の大きさ n", "The sample size n")?;
    let min_per_stratum = whole(
        &form.min_per_stratum,
        "各層の最低人数",
        "The minimum per stratum",
    )?
    .unwrap_or(1);
    let allocation = match form.allocation.as_str() {
        "equal" => AllocationRequest::Equal,
        "explicit" => AllocationRequest::Explicit(explicit_sizes_csv(&form.sizes)),
        _ => AllocationRequest::Proportional,
    };
    let strata: Vec<&str> = crate::sampling::strata::StratumVariable::ALL
        .iter()
        .map(|v| v.name())
        .filter(|name| form.strata.iter().any(|s| s == name))
        .collect();
    Ok(DrawRequest {
        reference_date: form.reference_date.clone(),
        min_age,
        strata: strata.join(","),
        age_bands: Some(form.age_bands.clone()),
        allocation,
        n,
        min_per_stratum,
        seed: Some(form.seed.clone()),
        replace: form.replace,
    })
}

/// The typed `stratum,n` lines as the CSV an explicit allocation file is, with its header
/// added when the first line has no number.
fn explicit_sizes_csv(typed: &str) -> Vec<u8> {
    let first_has_number = typed
        .lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.rsplit(',').next())
        .is_some_and(|last| last.trim().parse::<u64>().is_ok());
    let mut text = String::new();
    if first_has_number {
        text.push_str("stratum,n\n");
    }
    text.push_str(typed);
    text.into_bytes()
}

async fn draw(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let survey = survey_of(&state, path.into_inner()).await?;
    let typed = typed_draw_form(&form);
    let refused = |problem: String| (problem, StatusCode::UNPROCESSABLE_ENTITY);
    let plan = draw_request(&typed, lang)
        .and_then(|request| request.plan().map_err(|e| e.message(lang)))
        .map_err(refused);
    let plan = match plan {
        Ok(plan) => plan,
        Err((problem, status)) => {
            return render_draw(
                &req,
                &state,
                &session,
                &survey,
                &typed,
                Some(&problem),
                status,
            )
            .await
        }
    };
    let survey_id = survey.id;
    let outcome = state
        .attempt(move |conn| crate::ops::sample::draw(conn, survey_id, &plan))
        .await?;
    match outcome {
        Ok(_) => Ok(see_other(format!("/staff/surveys/{}/sample", survey.slug))),
        Err(refusal) => {
            let problem = refusal.message(lang, &state.config.time_zone);
            render_draw(
                &req,
                &state,
                &session,
                &survey,
                &typed,
                Some(&problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

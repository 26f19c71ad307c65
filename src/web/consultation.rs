//! Consultation staff's pages: the surveys whose contact requests they follow up, a survey's
//! queue, one request (each opening logged) and the forms that record a contact, a note,
//! closing and reopening. Only consultation staff who are members of the survey (and
//! admins) open them; the work is done by `ops::consultation`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, require};
use super::{html, see_other, AppState};
use crate::auth::Role;
use crate::db;
use crate::db::contact_requests::{self as requests, ContactOutcome, RequestStatus};
use crate::error::AppError;
use crate::ops::consultation::{self, StaffAction};
use crate::survey::{ConsultationSettings, Survey};
use crate::views::consultation::{self as view, QueueLine, QueueSummary, RequestPage};
use crate::views::staff::Viewer;

/// Registers the consultation routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/consult", web::get().to(start))
        .route("/consult/{slug}", web::get().to(queue))
        .route("/consult/{slug}/requests/{id}", web::get().to(request))
        .route("/consult/{slug}/requests/{id}", web::post().to(record));
}

async fn start(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Consultation).await?;
    let user = session.user.clone();
    let now = db::now();
    let (surveys, open) = state
        .db(move |conn| {
            let surveys = db::survey_access::visible_surveys(conn, &user)?
                .into_iter()
                .map(Survey::try_from)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|s| s.consultation.is_some())
                .collect::<Vec<_>>();
            let ids: Vec<i64> = surveys.iter().map(|s| s.id).collect();
            let open = requests::open_counts(conn, &ids)?;
            Ok((surveys, open))
        })
        .await?;
    let queues: Vec<QueueSummary<'_>> = surveys
        .iter()
        .map(|survey| {
            let days = survey
                .consultation
                .as_ref()
                .map_or(0, |w| w.reply_within_days);
            let mine = open.iter().filter(|(id, _, _)| *id == survey.id);
            let waiting: Vec<_> = mine
                .clone()
                .filter(|(_, status, _)| *status == RequestStatus::Received)
                .collect();
            QueueSummary {
                survey,
                waiting: waiting.len(),
                overdue: waiting
                    .iter()
                    .filter(|(_, _, at)| now > consultation::due(*at, days))
                    .count(),
                in_progress: mine
                    .filter(|(_, status, _)| *status == RequestStatus::Contacted)
                    .count(),
            }
        })
        .collect();
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(html(StatusCode::OK, view::start(&viewer, &queues)))
}

/// The survey of `{slug}` with its consultation window; a survey without one has no queue.
async fn survey_with_window(
    state: &AppState,
    slug: String,
) -> Result<(Survey, ConsultationSettings), AppError> {
    let survey = state
        .db(move |conn| crate::ops::surveys::by_slug(conn, &slug))
        .await?;
    let window = survey.consultation.clone().ok_or_else(|| AppError::NotNow {
        ja: "この調査は連絡の依頼を受け付けていません（調査ファイルに [consultation] がありません）。"
            .into(),
        en: "This survey does not take contact requests (its survey file has no [consultation] section)."
            .into(),
    })?;
    Ok((survey, window))
}

async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Consultation).await?;
    let (survey, window) = survey_with_window(&state, path.into_inner()).await?;
    let survey_id = survey.id;
    let all = state
        .db(move |conn| requests::list(conn, survey_id))
        .await?;
    let now = db::now();
    let lines: Vec<QueueLine<'_>> = all
        .iter()
        .map(|request| QueueLine {
            request,
            overdue: consultation::is_overdue(request, window.reply_within_days, now),
            due: consultation::due(request.received_at, window.reply_within_days),
        })
        .collect();
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(html(
        StatusCode::OK,
        view::queue(&viewer, &survey, &window, &lines),
    ))
}

#[derive(serde::Deserialize)]
struct RequestPath {
    slug: String,
    id: i64,
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<RequestPath>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Consultation).await?;
    let RequestPath { slug, id } = path.into_inner();
    let lang = lang_of(&req);
    show_request(
        &req,
        &state,
        &session,
        slug,
        id,
        None,
        view::done_message(lang, &query.done),
        StatusCode::OK,
    )
    .await
}

/// Opens the request (logging the view) and draws its page.
#[allow(clippy::too_many_arguments)]
async fn show_request(
    req: &HttpRequest,
    state: &AppState,
    session: &db::sessions::StaffSession,
    slug: String,
    id: i64,
    problem: Option<(&str, &str)>,
    done: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (survey, window) = survey_with_window(state, slug).await?;
    let survey_id = survey.id;
    let user_id = session.user.id;
    let now = db::now();
    let file = state
        .db(move |conn| consultation::open_request(conn, survey_id, id, user_id, now))
        .await?;
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    let page = RequestPage {
        survey: &survey,
        window: &window,
        request: &file.request,
        notes: &file.notes,
        log: &file.log,
        overdue: consultation::is_overdue(&file.request, window.reply_within_days, now),
        due: consultation::due(file.request.received_at, window.reply_within_days),
        problem,
        done,
    };
    Ok(html(status, view::request(&viewer, &page)))
}

async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<RequestPath>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Consultation).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let RequestPath { slug, id } = path.into_inner();
    let kind = form.text("action").to_string();
    let action = match kind.as_str() {
        "contact" => match ContactOutcome::parse(form.text("outcome")) {
            Some(outcome) => StaffAction::Contact(outcome),
            None => {
                return Err(AppError::BadQuery {
                    ja: "連絡の結果を選んでください（本人と話せた／連絡がつかなかった／他の支援機関につないだ）。".into(),
                    en: "Choose how the contact went (spoke with them / could not reach them / connected them with another service).".into(),
                })
            }
        },
        "note" => StaffAction::Note,
        "close" => StaffAction::Close,
        "reopen" => StaffAction::Reopen,
        other => {
            return Err(AppError::BadQuery {
                ja: format!("「{other}」という操作はありません。このページのボタンから選んでください。"),
                en: format!("`{other}` is not an action of this page: use contact, note, close or reopen."),
            })
        }
    };
    let body = form.text("body").to_string();
    let (survey, _) = survey_with_window(&state, slug.clone()).await?;
    let survey_id = survey.id;
    let user_id = session.user.id;
    let typed = body.clone();
    let outcome = state
        .attempt(move |conn| {
            consultation::record(conn, survey_id, id, user_id, action, &typed, db::now())
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other(format!(
            "/consult/{slug}/requests/{id}?done={kind}"
        ))),
        Err(refusal) => {
            let message = refusal.message(lang);
            show_request(
                &req,
                &state,
                &session,
                slug,
                id,
                Some((&message, &body)),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

//! The status page of one survey: staff see where it stands; admins take it from draft to
//! fieldwork, closed and published (and back where that is safe), set its answering period
//! and issue test codes while it is a draft. The work is done by `ops::lifecycle`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, require};
use super::{html, see_other, AppState};
use crate::auth::Role;
use crate::db::{self, sessions::StaffSession, DbError};
use crate::error::AppError;
use crate::ops::accounts::LinkContext;
use crate::ops::lifecycle::{self, Confirmation, LifecycleError, Transition};
use crate::questionnaire::{t, Lang, QuestionnaireKind};
use crate::survey::Survey;
use crate::views::lifecycle::{self as view, StatusPage};
use crate::views::staff::Viewer;

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/{slug}/status", web::get().to(status))
        .route("/staff/surveys/{slug}/status", web::post().to(step))
        .route(
            "/staff/surveys/{slug}/status/period",
            web::post().to(period),
        )
        .route(
            "/staff/surveys/{slug}/status/test-codes",
            web::post().to(test_codes),
        );
}

impl super::Refusal for LifecycleError {
    fn into_refusal(self) -> Result<Self, DbError> {
        match self {
            LifecycleError::Db(e) => Err(e),
            refusal => Ok(refusal),
        }
    }
}

/// The survey of `{slug}` and whether it is a sampled one.
async fn survey_of(state: &AppState, slug: String) -> Result<(Survey, bool), AppError> {
    let survey = state
        .db(move |conn| crate::ops::surveys::by_slug(conn, &slug))
        .await?;
    let sampled = state.questionnaire_for(&survey)?.kind() == QuestionnaireKind::Sampled;
    Ok((survey, sampled))
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    slug: String,
    notice: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (survey, sampled) = survey_of(state, slug).await?;
    let for_db = survey.clone();
    let (ready, log) = state
        .db(move |conn| {
            let ready = lifecycle::readiness(conn, &for_db, sampled)?;
            let log = db::surveys::log_of(conn, for_db.id)?;
            Ok((ready, log))
        })
        .await?;
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    let page = StatusPage {
        survey: &survey,
        ready: &ready,
        log: &log,
        notice,
    };
    Ok(html(status, view::status(&viewer, &page)))
}

async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let lang = lang_of(&req);
    let done = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("done="))
        .map(|what| done_message(lang, what));
    render(
        &req,
        &state,
        &session,
        path.into_inner(),
        done.map(Ok),
        StatusCode::OK,
    )
    .await
}

fn done_message(lang: Lang, what: &str) -> String {
    match Transition::parse(what) {
        Some(transition) => match lang {
            Lang::Ja => format!("「{}」を行いました。", transition.label(lang)),
            Lang::En => format!("Done: {}.", transition.label(lang)),
        },
        None if what == "period" => t(
            lang,
            "回答期間を保存しました。",
            "The answering period is saved.",
        )
        .into(),
        None => t(
            lang,
            "テスト用コードを発行しました。",
            "Test codes are issued.",
        )
        .into(),
    }
}

/// Runs an admin's change and shows the page again: with the refusal (422), or redirected
/// with what was done.
async fn admin_change<F>(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    slug: String,
    done: &str,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut db::DbConnection) -> Result<(), LifecycleError> + Send + 'static,
{
    match state.attempt(work).await? {
        Ok(()) => {
            state.mail_wakeup.wake();
            Ok(see_other(format!(
                "/staff/surveys/{slug}/status?done={done}"
            )))
        }
        Err(refusal) => {
            let message = refusal.message(lang_of(req));
            render(
                req,
                state,
                session,
                slug,
                Some(Err(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn step(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let slug = path.into_inner();
    let Some(transition) = Transition::parse(form.text("action")) else {
        let typed = form.text("action");
        return Err(AppError::BadQuery {
            ja: format!(
                "「{typed}」という操作はありません。このページのボタンから選んでください。"
            ),
            en: format!(
                "`{typed}` is not a step: use open, close, reopen, draft, publish or unpublish."
            ),
        });
    };
    let confirmation = Confirmation {
        despite_paper_backlog: form.text("despite_paper_backlog") == "yes",
        reason: form.text("reason").to_string(),
    };
    let (survey, sampled) = survey_of(&state, slug.clone()).await?;
    let user = session.user.id;
    let (base_url, zone) = (state.config.base_url.clone(), state.config.time_zone);
    admin_change(
        &req,
        &state,
        &session,
        slug,
        transition.as_str(),
        move |conn| {
            lifecycle::transition(
                conn,
                survey.id,
                sampled,
                Some(user),
                transition,
                &confirmation,
                LinkContext {
                    base_url: &base_url,
                    zone: &zone,
                },
            )
        },
    )
    .await
}

async fn period(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let date = |field: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        let raw = form.text(field).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadQuery {
                ja: format!(
                    "「{raw}」は日付として読み取れません。2026-12-01 のように入力してください。"
                ),
                en: format!("`{raw}` is not a date: type it like 2026-12-01."),
            })
    };
    let (from, until) = (date("answer_from")?, date("answer_until")?);
    let (survey, _) = survey_of(&state, slug.clone()).await?;
    if let Err(message) = crate::survey::check_period(from, until) {
        let shown = match lang {
            Lang::Ja => "終了日が開始日より前になっています。終了日は開始日と同じ日か、それより後にしてください。".to_string(),
            Lang::En => message,
        };
        return render(
            &req,
            &state,
            &session,
            slug,
            Some(Err(shown)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let user = session.user.id;
    admin_change(&req, &state, &session, slug, "period", move |conn| {
        lifecycle::set_answering_period(conn, &survey, user, from, until)
    })
    .await
}

async fn test_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let slug = path.into_inner();
    let count: usize = form
        .text("count")
        .trim()
        .parse()
        .map_err(|_| AppError::BadQuery {
            ja: format!(
                "「{}」は数として読み取れません。1〜50の数を入力してください。",
                form.text("count")
            ),
            en: format!("`{}` is not a number: give 1 to 50.", form.text("count")),
        })?;
    let (survey, _) = survey_of(&state, slug.clone()).await?;
    let user = session.user.id;
    admin_change(&req, &state, &session, slug, "test_codes", move |conn| {
        lifecycle::issue_test_codes(conn, &survey, user, count.min(50)).map(|_| ())
    })
    .await
}

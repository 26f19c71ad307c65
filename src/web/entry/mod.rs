//! Paper entry for staff: log envelope batches, key forms (twice), reconcile, correct, audit.
//!
//! Roles: keying is for staff (admins too). Reconciling two entries, correcting an accepted
//! form and choosing which response of a code counts are for a *reviewer*: a staff member who
//! keyed neither entry of that form, or an admin. Double entry is a survey setting (on by
//! default) that admins switch on the survey's entry page.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, require};
use super::{csv_download, html, see_other, AppState};
use crate::auth::Role;
use crate::csv_text::with_utf8_bom;
use crate::db;
use crate::db::entry::{self as store, CodeResponse, NewAudit, PaperEntryRow};
use crate::db::sessions::StaffSession;
use crate::entry::audit::AuditReason;
use crate::entry::reconcile::Pick;
use crate::entry::{
    self, choose_pass, differences, keyed_values, parse_form, parse_keyed, Agreement, EntryError,
    ExistingPass, Pass,
};
use crate::error::AppError;
use crate::ops;
use crate::questionnaire::{AnswerError, Answers, Lang, Questionnaire, RawInput};
use crate::sampling::access_code::AccessCode;
use crate::survey::Survey;
use crate::views::entry::{
    self as view, AuditLine, BatchLine, CodeProblem, DraftRow, KeyerRow, KeyingScreen, Notice,
    Overview, OverviewCounts, ReconcileScreen, ResponseLine, ResponseScreen,
};
use crate::views::layout::t;
use crate::views::staff::Viewer;

mod corrections;
mod keying;
mod overview;
mod reconcile;

use overview::render_overview;

/// Registers the paper-entry routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/entry.js", web::get().to(script))
        .route("/staff/entry/{slug}", web::get().to(overview::overview))
        .route(
            "/staff/entry/{slug}/batches",
            web::post().to(overview::add_batch),
        )
        .route(
            "/staff/entry/{slug}/settings",
            web::post().to(overview::settings),
        )
        .route(
            "/staff/entry/{slug}/open",
            web::post().to(keying::open_form),
        )
        .route(
            "/staff/entry/{slug}/form/{code}",
            web::get().to(keying::keying_screen),
        )
        .route(
            "/staff/entry/{slug}/form/{code}",
            web::post().to(keying::save_form),
        )
        .route(
            "/staff/entry/{slug}/form/{code}/discard",
            web::post().to(keying::discard_form),
        )
        .route(
            "/staff/entry/{slug}/reconcile/{code}",
            web::get().to(reconcile::reconcile_screen),
        )
        .route(
            "/staff/entry/{slug}/reconcile/{code}",
            web::post().to(reconcile::reconcile),
        )
        .route(
            "/staff/entry/{slug}/response/{code}",
            web::get().to(corrections::response_screen),
        )
        .route(
            "/staff/entry/{slug}/response/{code}/correct",
            web::post().to(corrections::correct),
        )
        .route(
            "/staff/entry/{slug}/response/{code}/count",
            web::post().to(corrections::choose_counted),
        )
        .route(
            "/staff/entry/{slug}/drafts/{entry}/release",
            web::post().to(keying::release_draft),
        )
        .route(
            "/staff/entry/{slug}/audit",
            web::get().to(corrections::audit_page),
        )
        .route(
            "/staff/entry/{slug}/audit.csv",
            web::get().to(corrections::audit_csv),
        );
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(view::ENTRY_JS)
}

/// A survey with the questionnaire it uses and its double-entry setting.
struct SurveyContext {
    survey: Survey,
    questionnaire: Questionnaire,
    double_entry: bool,
}

async fn survey_context(state: &AppState, slug: String) -> Result<SurveyContext, AppError> {
    let (survey, double_entry) = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let double_entry = store::double_entry(conn, survey.id)?;
            Ok((survey, double_entry))
        })
        .await?;
    let questionnaire = state.questionnaire_for(&survey)?;
    Ok(SurveyContext {
        survey,
        questionnaire,
        double_entry,
    })
}

fn viewer<'a>(req: &HttpRequest, state: &'a AppState, session: &'a StaffSession) -> Viewer<'a> {
    Viewer::of(session, lang_of(req), &state.config.time_zone)
}

fn base(survey: &Survey) -> String {
    format!("/staff/entry/{}", survey.slug)
}

fn parse_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, AppError> {
    serde_json::from_str(json)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{what} has unreadable answers: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Unexpected(e.into()))
}

/// Reads a code typed by staff and checks that it belongs to this survey.
async fn resolve_code(
    state: &AppState,
    lang: Lang,
    survey_id: i64,
    typed: &str,
) -> Result<Result<(AccessCode, i64), CodeProblem>, AppError> {
    let code = match AccessCode::parse(typed) {
        Ok(code) => code,
        Err(e) => return Ok(Err(CodeProblem::Malformed(e.message(lang)))),
    };
    let lookup = code.clone();
    let found = state.db(move |conn| db::codes::find(conn, &lookup)).await?;
    Ok(match found {
        None => Err(CodeProblem::Unknown(code.grouped())),
        Some((_, other)) if other != survey_id => Err(CodeProblem::OtherSurvey(code.grouped())),
        Some((id, _)) => Ok((code, id)),
    })
}

/// Everything stored about one form.
struct FormState {
    code: AccessCode,
    code_id: i64,
    passes: Vec<PaperEntryRow>,
    responses: Vec<CodeResponse>,
}

impl FormState {
    fn accepted(&self) -> Option<&CodeResponse> {
        self.responses
            .iter()
            .find(|r| r.channel == store::CHANNEL_PAPER)
    }

    fn existing(&self) -> Vec<ExistingPass> {
        self.passes
            .iter()
            .filter_map(|p| {
                Some(ExistingPass {
                    pass: Pass::from_number(p.pass)?,
                    keyer_id: p.keyer_id,
                    complete: p.is_complete(),
                })
            })
            .collect()
    }

    fn keyed_by(&self, user_id: i64) -> bool {
        self.passes.iter().any(|p| p.keyer_id == user_id)
    }
}

/// Loads a form by the code in the path; a bad code is shown on the overview page.
async fn form_state(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    ctx: &SurveyContext,
    typed: &str,
) -> Result<Result<FormState, HttpResponse>, AppError> {
    let (code, code_id) = match resolve_code(state, lang_of(req), ctx.survey.id, typed).await? {
        Ok(found) => found,
        Err(problem) => {
            let notice = Notice::Bad(problem.message(lang_of(req)));
            return render_overview(
                req,
                state,
                session,
                ctx,
                Some(notice),
                typed,
                StatusCode::NOT_FOUND,
            )
            .await
            .map(Err);
        }
    };
    load_form(state, code, code_id).await.map(Ok)
}

/// Reads the passes and responses of a form whose code is known.
async fn load_form(
    state: &AppState,
    code: AccessCode,
    code_id: i64,
) -> Result<FormState, AppError> {
    let (passes, responses) = state
        .db(move |conn| {
            Ok((
                store::passes(conn, code_id)?,
                store::code_responses(conn, code_id)?,
            ))
        })
        .await?;
    Ok(FormState {
        code,
        code_id,
        passes,
        responses,
    })
}

/// A reviewer of a form: not one of its keyers, or an admin.
/// What a reviewer's post about one accepted form (a correction, a change of which response
/// counts) starts from, once sign-in, CSRF, the form and the reviewer rule are checked.
struct ReviewerAction {
    session: StaffSession,
    ctx: SurveyContext,
    form: FormState,
    response_id: i64,
}

/// Checks a reviewer's post; `Ok(Err(page))` when the form's own page answers instead.
async fn reviewer_action(
    req: &HttpRequest,
    state: &AppState,
    path: web::Path<(String, String)>,
    posted: &FormFields,
) -> Result<Result<ReviewerAction, HttpResponse>, AppError> {
    let session = require(req, state, Role::Staff).await?;
    check_csrf(&session, posted)?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(state, slug).await?;
    let form = match form_state(req, state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(Err(page)),
    };
    if !may_review(&session, &form) {
        return Err(not_reviewer());
    }
    let response_id: i64 = posted.text("response").parse().map_err(|_| {
        AppError::BadRequest("the form has no valid `response` field; reload the page".into())
    })?;
    Ok(Ok(ReviewerAction {
        session,
        ctx,
        form,
        response_id,
    }))
}

fn may_review(session: &StaffSession, form: &FormState) -> bool {
    session.user.role == Role::Admin || !form.keyed_by(session.user.id)
}

fn not_reviewer() -> AppError {
    AppError::NotNow {
        ja: "この調査票の入力者は照合・修正できません。入力していない職員か管理者に依頼してください。".into(),
        en: "People who keyed this form cannot reconcile or correct it. Ask a staff member who did not key it, or an admin.".into(),
    }
}

/// Accepts a form whose entries are all in: the single entry, or two identical entries.
async fn accept_if_ready(
    state: &AppState,
    ctx: &SurveyContext,
    code_id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    let passes = state.db(move |conn| store::passes(conn, code_id)).await?;
    let complete: Vec<Answers> = passes
        .iter()
        .filter(|p| p.is_complete())
        .map(|p| parse_json(&p.answers_json, "a paper entry"))
        .collect::<Result<_, _>>()?;
    let (answers, reason) = match (ctx.double_entry, complete.as_slice()) {
        (false, [only]) => (only.clone(), AuditReason::SingleEntry),
        (true, [first, second]) if first == second => {
            (first.clone(), AuditReason::IdenticalEntries)
        }
        _ => return Ok(()),
    };
    let distress = ctx.questionnaire.is_distressed(&answers);
    let json = to_json(&answers)?;
    let survey_id = ctx.survey.id;
    let audit = [NewAudit {
        item_id: store::AUDIT_WHOLE_RESPONSE.into(),
        old_value: None,
        new_value: None,
        reason_code: Some(reason),
        reason: String::new(),
    }];
    match state
        .db(move |conn| store::accept(conn, survey_id, code_id, &json, distress, user_id, &audit))
        .await
    {
        // The other keyer finished at the same moment and accepted the same answers.
        Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

/// A code's responses as the response page shows them.
fn response_lines(responses: &[CodeResponse]) -> Vec<ResponseLine> {
    responses
        .iter()
        .map(|r| ResponseLine {
            id: r.id,
            channel: r.channel.clone(),
            version: r.version,
            complete: r.is_complete(),
            submitted_at: r.submitted_at,
            counted: r.counted,
            count_reason: r.count_reason.clone(),
        })
        .collect()
}

/// Audit rows as the pages show them.
fn audit_lines(entries: Vec<store::AuditEntry>) -> Vec<AuditLine> {
    entries
        .into_iter()
        .map(|e| AuditLine {
            code: e.code,
            channel: e.channel,
            username: e.username,
            changed_at: e.changed_at,
            item_id: e.item_id,
            old_value: e.old_value,
            new_value: e.new_value,
            reason_code: e.reason_code,
            reason: e.reason,
        })
        .collect()
}

//! The resident's path: code → pages → review → submit → thanks with help lines, and the
//! request to be contacted by the consultation window (stored apart from the answers).
//!
//! A resident never has an account: the access code opens (or reopens) their response and a
//! session cookie remembers it while they answer. Every page save names the version it was
//! drawn from: over a newer version it is merged (the back button, the resident's own earlier
//! saves), unless another device changed the same questions since, which the resident then
//! sees and decides (`questionnaire::merge`). Nothing is silently overwritten.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{
    answered_slugs, client_ip, cookie, lang_of, FormFields, ANSWERED_COOKIE, ANSWERED_DAYS,
    LANG_COOKIE, RESIDENT_COOKIE,
};
use super::staff::{check_form_csrf, form_csrf, html_with_form_csrf};
use super::{html, record_failure, refuse_if_limited, see_other, AppState};
use crate::auth;
use crate::auth::rate_limit::Attempt;
use crate::clock;
use crate::db::responses::ResponseRow;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::ops;
use crate::ops::consultation::{self, ConsultationError, ContactForm, FormProblems};
use crate::questionnaire::{
    AnswerProblem, AnswerSources, Answers, Conflict, Lang, PageErrors, PageSave, Questionnaire,
    QuestionnaireKind, RawInput,
};
use crate::sampling::access_code::AccessCode;
use crate::survey::{Accepting, Survey, SurveyStatus};
use crate::views::resident::{self as view, CodeProblem, QuestionPage};

/// How long an answering session lasts without the code being typed again.
const RESIDENT_SESSION_HOURS: i64 = 24;

/// Registers the resident routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start_page))
        .route("/c/{code}", web::get().to(code_link))
        .route("/start", web::post().to(start))
        .route("/o/{slug}", web::get().to(open_intro))
        .route("/o/{slug}", web::post().to(open_start))
        .route("/answer", web::get().to(resume))
        .route("/answer/page/{index}", web::get().to(show_page))
        .route("/answer/page/{index}", web::post().to(save_page))
        .route("/answer/review", web::get().to(review))
        .route("/answer/submit", web::post().to(submit))
        .route("/answer/saved", web::get().to(saved))
        .route("/answer/done", web::get().to(done))
        .route("/answer/contact", web::get().to(contact_form))
        .route("/answer/contact", web::post().to(request_contact));
}

async fn start_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    code_entry(&req, &state, StatusCode::OK, "", None)
}

fn code_entry(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    typed: &str,
    problem: Option<CodeProblem>,
) -> HttpResponse {
    let (token, is_new) = form_csrf(req);
    let here = req.uri().path().to_string();
    let body = view::code_entry(lang_of(req), &token, typed, problem.as_ref(), &here);
    html_with_form_csrf(state, status, &token, is_new, body)
}

/// The link a QR code carries: a page with the code already in and one button that starts
/// (a GET changes nothing). A tampered code is reported on the code-entry page.
async fn code_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let typed = path.into_inner();
    match AccessCode::parse(&typed) {
        Ok(code) => {
            let (token, is_new) = form_csrf(&req);
            let here = req.uri().path().to_string();
            let body = view::code_link(lang_of(&req), &token, &code.grouped(), &here);
            html_with_form_csrf(&state, StatusCode::OK, &token, is_new, body)
        }
        Err(e) => code_entry(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            &typed,
            Some(CodeProblem::Malformed(e.message(lang_of(&req)))),
        ),
    }
}

enum StartOutcome {
    Started(i64),
    Refused(CodeProblem),
}

async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    check_form_csrf(&req, &form)?;
    let lang = lang_of(&req);
    let client = client_ip(&req, state.config.trust_proxy);
    refuse_if_limited(&state, Attempt::AccessCode, client).await?;
    let typed = form.text("code").trim().to_string();
    let code = match AccessCode::parse(&typed) {
        Ok(code) => code,
        Err(e) => {
            record_failure(&state, Attempt::AccessCode, client).await?;
            let problem = CodeProblem::Malformed(e.message(lang));
            return Ok(code_entry(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &typed,
                Some(problem),
            ));
        }
    };
    let today = clock::today(&state.config.time_zone);
    let outcome = state
        .db(move |conn| {
            let Some((code_id, survey_id)) = db::codes::find(conn, &code)? else {
                return Ok(StartOutcome::Refused(CodeProblem::Unknown));
            };
            let survey = Survey::try_from(db::surveys::find(conn, survey_id)?)?;
            let test = db::codes::is_test(conn, code_id)?;
            match code_accepting(&survey, test, today) {
                Accepting::NotYet(from) => {
                    return Ok(StartOutcome::Refused(CodeProblem::NotYetOpen(from)))
                }
                Accepting::Over(until) => {
                    return Ok(StartOutcome::Refused(CodeProblem::Closed(until)))
                }
                Accepting::Open => {}
            }
            let response = db::responses::start_or_resume_online(conn, survey_id, code_id)?;
            if response.is_submitted() {
                return Ok(StartOutcome::Refused(CodeProblem::AlreadySubmitted));
            }
            Ok(StartOutcome::Started(response.id))
        })
        .await?;
    let response_id = match outcome {
        StartOutcome::Started(id) => id,
        StartOutcome::Refused(problem) => {
            if matches!(problem, CodeProblem::Unknown) {
                record_failure(&state, Attempt::AccessCode, client).await?;
            }
            let status = if matches!(problem, CodeProblem::Unknown) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            return Ok(code_entry(&req, &state, status, &typed, Some(problem)));
        }
    };
    begin_answering(&state, response_id).await
}

/// Opens a resident session on a response and sends the browser to its first page.
async fn begin_answering(state: &AppState, response_id: i64) -> Result<HttpResponse, AppError> {
    let session = auth::NewSession::generate();
    let token = session.cookie_value.clone();
    let expires = db::now() + chrono::Duration::hours(RESIDENT_SESSION_HOURS);
    state
        .db(move |conn| {
            db::sessions::create_resident(
                conn,
                &session.stored_hash,
                response_id,
                &session.csrf_token,
                expires,
            )
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(
            RESIDENT_COOKIE,
            token,
            state.config.cookie_secure,
            CookieDuration::hours(RESIDENT_SESSION_HOURS),
        ))
        .insert_header((header::LOCATION, "/answer"))
        .finish())
}

/// The public page of an open (not sampled) questionnaire: what it is, and a start button.
async fn open_intro(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (survey, questionnaire) = open_survey(&state, path.into_inner()).await?;
    if let Some(thanks) = answered_already(&req, &survey, StatusCode::OK) {
        return Ok(thanks);
    }
    let (token, is_new) = form_csrf(&req);
    let body = view::open_intro(lang_of(&req), &token, &survey, &questionnaire);
    Ok(html_with_form_csrf(
        &state,
        StatusCode::OK,
        &token,
        is_new,
        body,
    ))
}

/// Starts a new anonymous response of an open questionnaire.
async fn open_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    check_form_csrf(&req, &form)?;
    let (survey, _) = open_survey(&state, path.into_inner()).await?;
    if let Some(thanks) = answered_already(&req, &survey, StatusCode::CONFLICT) {
        return Ok(thanks);
    }
    // Started here before and not sent yet: go on with those answers, not a second response.
    if let Some(a) = answering(&req, &state).await? {
        if a.survey.id == survey.id && !a.response.is_submitted() {
            return Ok(see_other("/answer"));
        }
    }
    let response = state
        .db(move |conn| db::responses::start_anonymous(conn, survey.id))
        .await?;
    begin_answering(&state, response.id).await
}

/// The thanks page for a browser that has answered this open questionnaire, when the survey
/// takes one response per browser.
fn answered_already(
    req: &HttpRequest,
    survey: &Survey,
    status: StatusCode,
) -> Option<HttpResponse> {
    (survey.one_per_browser && answered_slugs(req).contains(&survey.slug))
        .then(|| html(status, view::open_already_answered(lang_of(req), survey)))
}

/// The open survey with this slug; sampled surveys are only reachable with an access code.
async fn open_survey(state: &AppState, slug: String) -> Result<(Survey, Questionnaire), AppError> {
    let survey = state
        .db(move |conn| ops::surveys::by_slug(conn, &slug))
        .await?;
    let questionnaire = state.questionnaire_for(&survey)?;
    if questionnaire.kind() != QuestionnaireKind::Open {
        return Err(AppError::NotFound);
    }
    not_answering_now(&survey, clock::today(&state.config.time_zone))?;
    Ok((survey, questionnaire))
}

/// Whether a code's answers are taken `today`: a test code works only while the survey is a
/// draft (its answers are deleted when fieldwork opens), any other code in fieldwork.
fn code_accepting(survey: &Survey, test: bool, today: chrono::NaiveDate) -> Accepting {
    match (test, survey.status) {
        (true, SurveyStatus::Draft) => Accepting::Open,
        (true, _) => Accepting::Over(None),
        (false, _) => survey.answering_on(today),
    }
}

/// Refuses with the reason (and the day) when a response of `survey` made with a test code
/// (`test`) or not is not taken `today`.
fn accepting_code(survey: &Survey, test: bool, today: chrono::NaiveDate) -> Result<(), AppError> {
    refuse_unless(code_accepting(survey, test, today))
}

/// Refuses with the reason (and the day) when `survey` takes no answers `today`.
fn not_answering_now(survey: &Survey, today: chrono::NaiveDate) -> Result<(), AppError> {
    refuse_unless(survey.answering_on(today))
}

fn refuse_unless(accepting: Accepting) -> Result<(), AppError> {
    let (ja, en) = match accepting {
        Accepting::Open => return Ok(()),
        Accepting::NotYet(from) => (
            view::not_yet_open(Lang::Ja, from),
            view::not_yet_open(Lang::En, from),
        ),
        Accepting::Over(until) => (
            view::answering_over(Lang::Ja, until),
            view::answering_over(Lang::En, until),
        ),
    };
    Err(AppError::NotNow { ja, en })
}

/// A resident's answering context, loaded from the session cookie.
struct Answering {
    lang: Lang,
    csrf: String,
    /// A tag of this answering session, recorded with the answers it changes.
    writer: String,
    response: ResponseRow,
    survey: Survey,
    questionnaire: Questionnaire,
    answers: Answers,
    sources: AnswerSources,
}

/// The resident's context, or `None` when there is no live session (back to the start).
async fn answering(req: &HttpRequest, state: &AppState) -> Result<Option<Answering>, AppError> {
    let Some(token) = req.cookie(RESIDENT_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let hash = auth::token_hash(&token);
    let writer = hash.chars().take(16).collect::<String>();
    let found = state
        .db(move |conn| {
            let Some(session) = db::sessions::find_resident(conn, &hash)? else {
                return Ok(None);
            };
            let response = db::responses::find(conn, session.response_id)?;
            let survey = Survey::try_from(db::surveys::find(conn, response.survey_id)?)?;
            let test = match response.access_code_id {
                Some(code) => db::codes::is_test(conn, code)?,
                None => false,
            };
            Ok(Some((session.csrf_token, response, survey, test)))
        })
        .await?;
    let Some((csrf, response, survey, test)) = found else {
        return Ok(None);
    };
    if !response.is_submitted() {
        accepting_code(&survey, test, clock::today(&state.config.time_zone))?;
    }
    let questionnaire = state.questionnaire_for(&survey)?;
    let answers: Answers = serde_json::from_str(&response.answers_json).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!(
            "response {} has unreadable answers: {e}",
            response.id
        ))
    })?;
    let sources: AnswerSources =
        serde_json::from_str(&response.answer_sources_json).map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!(
                "response {} has unreadable answer sources: {e}",
                response.id
            ))
        })?;
    Ok(Some(Answering {
        lang: lang_of(req),
        csrf,
        writer,
        response,
        survey,
        questionnaire,
        answers,
        sources,
    }))
}

/// Where a returning resident continues: the first unfinished page, else the review.
async fn resume(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if a.response.is_submitted() {
        return Ok(see_other("/answer/done"));
    }
    Ok(match a.questionnaire.first_unfinished_page(&a.answers) {
        Some(index) => see_other(format!("/answer/page/{index}")),
        None => see_other("/answer/review"),
    })
}

/// How a page is drawn besides the stored answers.
struct Drawn<'a> {
    values: &'a RawInput,
    errors: Option<&'a PageErrors>,
    conflicts: &'a [Conflict],
    retry: bool,
    /// The version the page goes out with (and comes back with).
    version: i32,
    from_review: bool,
}

fn render_page(
    a: &Answering,
    index: usize,
    drawn: &Drawn<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let items = a
        .questionnaire
        .visible_items(index, &a.answers)
        .map_err(|_| AppError::NotFound)?;
    let page = QuestionPage {
        lang: a.lang,
        survey: &a.survey,
        questionnaire: &a.questionnaire,
        page_index: index,
        items,
        progress: a.questionnaire.answer_progress(&a.answers),
        values: drawn.values,
        errors: drawn.errors,
        conflicts: drawn.conflicts,
        retry: drawn.retry,
        csrf: &a.csrf,
        version: drawn.version,
        has_previous: a.questionnaire.previous_page(index, &a.answers).is_some(),
        from_review: drawn.from_review,
    };
    Ok(html(status, view::question_page(&page)))
}

/// Whether the page was opened with 変更 from the review (`?from=review`).
fn opened_from_review(req: &HttpRequest) -> bool {
    req.query_string()
        .split('&')
        .any(|pair| pair == "from=review")
}

/// A page's address, keeping the way back to the review.
fn page_path(index: usize, from_review: bool) -> String {
    if from_review {
        format!("/answer/page/{index}?from=review")
    } else {
        format!("/answer/page/{index}")
    }
}

async fn show_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<usize>,
) -> Result<HttpResponse, AppError> {
    let index = path.into_inner();
    let from_review = opened_from_review(&req);
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if a.response.is_submitted() {
        return Ok(see_other("/answer/done"));
    }
    a.questionnaire
        .page(index)
        .map_err(|_| AppError::NotFound)?;
    if !a.questionnaire.visible_pages(&a.answers).contains(&index) {
        // Skipped by an earlier answer: go on to the next page that applies.
        return Ok(match a.questionnaire.next_page(index, &a.answers) {
            Some(next) => see_other(page_path(next, from_review)),
            None => see_other("/answer/review"),
        });
    }
    let values = a.questionnaire.form_values(&a.answers);
    let drawn = Drawn {
        values: &values,
        errors: None,
        conflicts: &[],
        retry: false,
        version: a.response.version,
        from_review,
    };
    render_page(&a, index, &drawn, StatusCode::OK)
}

/// What the resident pressed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PageAction {
    Next,
    Back,
    Later,
    /// The language switch of a question page: show the page again in `Lang`, with what was
    /// chosen on it, saving nothing.
    Language(Lang),
}

async fn save_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<usize>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let index = path.into_inner();
    let Some(mut a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if !auth::csrf_matches(&a.csrf, form.text("csrf")) {
        return Err(AppError::CsrfRejected);
    }
    if a.response.is_submitted() {
        return Ok(see_other("/answer/done"));
    }
    a.questionnaire
        .page(index)
        .map_err(|_| AppError::NotFound)?;
    let drawn_version = form.version("version")?;
    let from_review = form.get("from") == Some("review");
    let action = match form.get("action").unwrap_or("next") {
        "next" => PageAction::Next,
        "back" => PageAction::Back,
        "later" => PageAction::Later,
        other => match other.strip_prefix("lang-").and_then(Lang::parse) {
            Some(lang) => PageAction::Language(lang),
            None => return Err(AppError::BadRequest(format!("unknown action `{other}`"))),
        },
    };
    let input = RawInput::from_pairs(
        form.0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "version" | "action" | "from"))
            .cloned(),
    );
    let drawn = |values, errors, conflicts, retry, version| Drawn {
        values,
        errors,
        conflicts,
        retry,
        version,
        from_review,
    };
    if let PageAction::Language(lang) = action {
        a.lang = lang;
        let mut response = render_page(
            &a,
            index,
            &drawn(&input, None, &[], false, drawn_version),
            StatusCode::OK,
        )?;
        response
            .add_cookie(&cookie(
                LANG_COOKIE,
                lang.code().to_string(),
                state.config.cookie_secure,
                CookieDuration::days(365),
            ))
            .map_err(|e| AppError::Unexpected(e.into()))?;
        return Ok(response);
    }
    let parsed = a
        .questionnaire
        .parse_page(index, &input, &a.answers)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let (page_answers, hidden) = match parsed {
        Ok(page) => (page.answers, page.hidden),
        Err(errors) => {
            // Going back or stopping may leave required questions blank, but never stores a
            // value that is wrong; a wrong value is shown again with its message.
            let only_blank = errors
                .errors
                .iter()
                .all(|e| matches!(e.problem, AnswerProblem::Required));
            if action == PageAction::Next || !only_blank {
                return render_page(
                    &a,
                    index,
                    &drawn(&input, Some(&errors), &[], false, drawn_version),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            let partial = a
                .questionnaire
                .page_questions(index)
                .filter_map(
                    |question| match question.parse_values(input.values(&question.id)) {
                        Ok(Some(answer)) => Some((question.id.clone(), answer)),
                        _ => None,
                    },
                )
                .collect();
            (partial, Vec::new())
        }
    };
    let save = PageSave {
        drawn_version,
        stored_version: a.response.version,
        writer: &a.writer,
        answers: &page_answers,
        hidden: &hidden,
    };
    let merged = match a.questionnaire.merge_page(&a.answers, &a.sources, &save) {
        Ok(merged) => merged,
        Err(conflicts) => {
            // Another device changed these questions since the page was drawn: show both,
            // keep what was typed, and let the next 次へ (drawn from the version now stored)
            // decide.
            return render_page(
                &a,
                index,
                &drawn(&input, None, &conflicts, false, a.response.version),
                StatusCode::CONFLICT,
            );
        }
    };
    let answers = merged.answers;
    let destination = match action {
        PageAction::Next if from_review => a.questionnaire.first_unfinished_page(&answers),
        PageAction::Next => a.questionnaire.next_page(index, &answers),
        PageAction::Back => a
            .questionnaire
            .previous_page(index, &answers)
            .or(Some(index)),
        PageAction::Later | PageAction::Language(_) => Some(index),
    };
    let json = serde_json::to_string(&answers).map_err(|e| AppError::Unexpected(e.into()))?;
    let sources_json =
        serde_json::to_string(&merged.sources).map_err(|e| AppError::Unexpected(e.into()))?;
    let response_id = a.response.id;
    let read_version = a.response.version;
    let stored_index = destination.unwrap_or(index) as i32;
    let written = state
        .db(move |conn| {
            // Written with the version just read: a save in between is never overwritten.
            match db::responses::save_progress(
                conn,
                response_id,
                read_version,
                &json,
                &sources_json,
                stored_index,
            ) {
                Ok(_) => Ok(true),
                Err(DbError::Conflict(_)) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await?;
    if !written {
        return render_page(
            &a,
            index,
            &drawn(&input, None, &[], true, drawn_version),
            StatusCode::CONFLICT,
        );
    }
    Ok(match (action, destination) {
        (PageAction::Later, _) => see_other("/answer/saved"),
        (_, Some(next)) => see_other(page_path(next, from_review)),
        (_, None) => see_other("/answer/review"),
    })
}

async fn review(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if a.response.is_submitted() {
        return Ok(see_other("/answer/done"));
    }
    Ok(review_page(&a, &[], StatusCode::OK))
}

/// The review page; `changed_elsewhere` lists the printed numbers another device changed
/// since the resident last saw it.
fn review_page(a: &Answering, changed_elsewhere: &[String], status: StatusCode) -> HttpResponse {
    let entries = a.questionnaire.review(&a.answers, a.lang);
    let missing = unanswered(&a.questionnaire, &a.answers);
    let body = view::review(
        a.lang,
        &a.survey,
        &entries,
        &missing,
        &a.csrf,
        a.response.version,
        changed_elsewhere,
    );
    html(status, body)
}

/// Shown questions that still need an entry: (page, printed number).
fn unanswered(questionnaire: &Questionnaire, answers: &Answers) -> Vec<(usize, String)> {
    let mut missing: Vec<(usize, String)> = questionnaire
        .missing_required(answers)
        .into_iter()
        .map(|q| (q.page_index, q.number.clone()))
        .collect();
    // Optional questions on pages never reached also need their page visited once.
    if let Some(page) = questionnaire.first_unfinished_page(answers) {
        if missing.iter().all(|(p, _)| *p != page) {
            let number = questionnaire
                .page_questions(page)
                .find(|q| answers.get(&q.id).is_none())
                .map(|q| q.number.clone())
                .unwrap_or_default();
            missing.push((page, number));
        }
    }
    missing.sort();
    missing
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if !auth::csrf_matches(&a.csrf, form.text("csrf")) {
        return Err(AppError::CsrfRejected);
    }
    if a.response.is_submitted() {
        return Ok(see_other("/answer/done"));
    }
    let seen_version = form.version("version")?;
    if !a.questionnaire.is_complete(&a.answers) {
        return Ok(see_other("/answer/review"));
    }
    // The review was drawn from `seen_version`. Later saves of this session (the back
    // button) are the resident's own; answers another device changed since then have not
    // been seen, so the review is shown again with them.
    let changed = changed_numbers(
        &a,
        a.sources.changed_by_others_since(seen_version, &a.writer),
    );
    if !changed.is_empty() {
        return Ok(review_page(&a, &changed, StatusCode::CONFLICT));
    }
    let distress = a.questionnaire.is_distressed(&a.answers);
    let json = serde_json::to_string(&a.answers).map_err(|e| AppError::Unexpected(e.into()))?;
    let response_id = a.response.id;
    let read_version = a.response.version;
    let written = state
        .db(move |conn| {
            match db::responses::submit(conn, response_id, read_version, &json, distress) {
                Ok(_) => Ok(true),
                Err(DbError::Conflict(_)) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await?;
    if written && a.response.access_code_id.is_none() {
        // An open questionnaire: the browser remembers it answered (one response per browser).
        let mut answered = answered_slugs(&req);
        if !answered.contains(&a.survey.slug) {
            answered.push(a.survey.slug.clone());
        }
        return Ok(HttpResponse::SeeOther()
            .cookie(cookie(
                ANSWERED_COOKIE,
                answered.join(","),
                state.config.cookie_secure,
                CookieDuration::days(ANSWERED_DAYS),
            ))
            .insert_header((header::LOCATION, "/answer/done"))
            .finish());
    }
    if !written {
        // Another save came in between: reload and show what is stored now.
        let Some(now) = answering(&req, &state).await? else {
            return Ok(see_other("/"));
        };
        if now.response.is_submitted() {
            return Ok(see_other("/answer/done"));
        }
        let changed = changed_numbers(
            &now,
            now.sources
                .changed_by_others_since(read_version, &now.writer),
        );
        return Ok(review_page(&now, &changed, StatusCode::CONFLICT));
    }
    Ok(see_other("/answer/done"))
}

/// The printed numbers of question ids, in questionnaire order.
fn changed_numbers(a: &Answering, ids: Vec<&str>) -> Vec<String> {
    a.questionnaire
        .questions()
        .iter()
        .filter(|q| ids.contains(&q.id.as_str()))
        .map(|q| q.number.clone())
        .collect()
}

async fn saved(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    Ok(html(
        StatusCode::OK,
        view::saved(a.lang, &a.survey, a.response.access_code_id.is_some()),
    ))
}

async fn done(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(a) = answering(&req, &state).await? else {
        return Ok(see_other("/"));
    };
    if !a.response.is_submitted() {
        return Ok(see_other("/answer"));
    }
    let closing = a.questionnaire.closing().map(|c| c.get(a.lang));
    let mailed = a.response.access_code_id.is_some();
    let contact = contact_offer(&req, &state, &a).await?;
    let body = view::done(
        a.lang,
        &a.survey,
        closing,
        a.response.distress,
        mailed,
        contact,
    );
    Ok(html(StatusCode::OK, body))
}

/// Whether the end page offers a contact request to this resident, and whether this session
/// has already made one.
async fn contact_offer(
    req: &HttpRequest,
    state: &AppState,
    a: &Answering,
) -> Result<view::ContactOffer, AppError> {
    if a.survey.contact_window(a.response.distress).is_none() {
        return Ok(view::ContactOffer::None);
    }
    let token = session_token(req);
    let requested = state
        .db(move |conn| consultation::already_requested(conn, &token))
        .await?;
    Ok(if requested {
        view::ContactOffer::Requested
    } else {
        view::ContactOffer::Offered
    })
}

/// The resident's answering session token, as their browser sent it.
fn session_token(req: &HttpRequest) -> String {
    req.cookie(RESIDENT_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default()
}

/// The answering context of a resident who has submitted and may ask to be contacted, or
/// where to send them instead.
async fn contacting(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Result<Answering, HttpResponse>, AppError> {
    let Some(a) = answering(req, state).await? else {
        return Ok(Err(see_other("/")));
    };
    if !a.response.is_submitted() {
        return Ok(Err(see_other("/answer")));
    }
    Ok(Ok(a))
}

/// The request form (with its consent text), or the confirmation once this session has made
/// a request.
async fn contact_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let a = match contacting(&req, &state).await? {
        Ok(a) => a,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Some(window) = a.survey.contact_window(a.response.distress) else {
        return Ok(see_other("/answer/done"));
    };
    if let view::ContactOffer::Requested = contact_offer(&req, &state, &a).await? {
        return Ok(html(
            StatusCode::OK,
            view::contact_sent(a.lang, &a.survey, window, None),
        ));
    }
    Ok(html(
        StatusCode::OK,
        view::contact_form(&view::ContactFormPage {
            lang: a.lang,
            survey: &a.survey,
            window,
            csrf: &a.csrf,
            typed: &ContactForm::default(),
            problems: &FormProblems::default(),
            distress: a.response.distress,
        }),
    ))
}

async fn request_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let a = match contacting(&req, &state).await? {
        Ok(a) => a,
        Err(elsewhere) => return Ok(elsewhere),
    };
    if !auth::csrf_matches(&a.csrf, form.text("csrf")) {
        return Err(AppError::CsrfRejected);
    }
    let typed = ContactForm {
        name: form.text("name").to_string(),
        phone: form.text("phone").to_string(),
        email: form.text("email").to_string(),
        good_times: form.text("good_times").to_string(),
        message: form.text("message").to_string(),
        consent: form.text("consent") == "yes",
    };
    let Some(window) = a.survey.contact_window(a.response.distress) else {
        let refusal = ConsultationError::NotOffered;
        return Err(AppError::NotNow {
            ja: refusal.message(Lang::Ja),
            en: refusal.message(Lang::En),
        });
    };
    let details = match typed.check(a.lang) {
        Ok(details) => details,
        Err(problems) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::contact_form(&view::ContactFormPage {
                    lang: a.lang,
                    survey: &a.survey,
                    window,
                    csrf: &a.csrf,
                    typed: &typed,
                    problems: &problems,
                    distress: a.response.distress,
                }),
            ));
        }
    };
    let token = session_token(&req);
    let survey = a.survey.clone();
    let distress = a.response.distress;
    let lang = a.lang;
    let base_url = state.config.base_url.clone();
    let outcome = state
        .attempt(move |conn| {
            let context = consultation::RequestContext {
                survey: &survey,
                distress,
                session_token: &token,
                lang,
                base_url: &base_url,
                now: db::now(),
            };
            consultation::request_contact(conn, &context, &details).map(|_| ())
        })
        .await?;
    match outcome {
        Ok(()) => {
            state.mail_wakeup.wake();
            Ok(see_other("/answer/contact"))
        }
        Err(refusal @ ConsultationError::AlreadyRequested) => Ok(html(
            StatusCode::CONFLICT,
            view::contact_sent(a.lang, &a.survey, window, Some(&refusal.message(a.lang))),
        )),
        Err(refusal) => Err(AppError::NotNow {
            ja: refusal.message(Lang::Ja),
            en: refusal.message(Lang::En),
        }),
    }
}

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
use crate::entry::{
    self, choose_pass, differences, keyed_values, parse_form, parse_keyed, Agreement, EntryError,
    ExistingPass, Pass,
};
use crate::error::AppError;
use crate::ops;
use crate::questionnaire::{Answer, AnswerError, Answers, Lang, Questionnaire, RawInput};
use crate::sampling::access_code::AccessCode;
use crate::survey::Survey;
use crate::views::entry::{
    self as view, CodeProblem, DraftRow, KeyerRow, KeyingScreen, Notice, Overview, OverviewCounts,
    ReconcileScreen, ResponseScreen,
};
use crate::views::layout::t;
use crate::views::staff::Viewer;

/// Registers the paper-entry routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/entry.js", web::get().to(script))
        .route("/staff/entry/{slug}", web::get().to(overview))
        .route("/staff/entry/{slug}/batches", web::post().to(add_batch))
        .route("/staff/entry/{slug}/settings", web::post().to(settings))
        .route("/staff/entry/{slug}/open", web::post().to(open_form))
        .route(
            "/staff/entry/{slug}/form/{code}",
            web::get().to(keying_screen),
        )
        .route("/staff/entry/{slug}/form/{code}", web::post().to(save_form))
        .route(
            "/staff/entry/{slug}/form/{code}/discard",
            web::post().to(discard_form),
        )
        .route(
            "/staff/entry/{slug}/reconcile/{code}",
            web::get().to(reconcile_screen),
        )
        .route(
            "/staff/entry/{slug}/reconcile/{code}",
            web::post().to(reconcile),
        )
        .route(
            "/staff/entry/{slug}/response/{code}",
            web::get().to(response_screen),
        )
        .route(
            "/staff/entry/{slug}/response/{code}/correct",
            web::post().to(correct),
        )
        .route(
            "/staff/entry/{slug}/response/{code}/count",
            web::post().to(choose_counted),
        )
        .route(
            "/staff/entry/{slug}/drafts/{entry}/release",
            web::post().to(release_draft),
        )
        .route("/staff/entry/{slug}/audit", web::get().to(audit_page))
        .route("/staff/entry/{slug}/audit.csv", web::get().to(audit_csv));
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
    survey_id: i64,
    typed: &str,
) -> Result<Result<(AccessCode, i64), CodeProblem>, AppError> {
    let code = match AccessCode::parse(typed) {
        Ok(code) => code,
        Err(e) => return Ok(Err(CodeProblem::Malformed(e.to_string()))),
    };
    let lookup = code.clone();
    let found = state.db(move |conn| db::codes::find(conn, &lookup)).await?;
    Ok(match found {
        None => Err(CodeProblem::Unknown(code.grouped())),
        Some((_, other)) if other != survey_id => Err(CodeProblem::OtherSurvey(code.grouped())),
        Some((id, _)) => Ok((code, id)),
    })
}

// ----- overview -----

#[derive(serde::Deserialize, Default)]
struct OverviewQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    released: String,
}

async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<OverviewQuery>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let lang = lang_of(&req);
    let notice = completion_notice(&state, &ctx, lang, &query.done).await?;
    let notice = notice.or_else(|| {
        (!query.saved.is_empty()).then(|| {
            Notice::Ok(format!(
                "{} {}",
                t(lang, "途中保存しました:", "Draft saved:"),
                query.saved
            ))
        })
    });
    let notice = notice.or_else(|| {
        (!query.released.is_empty()).then(|| {
            Notice::Ok(
                t(
                    lang,
                    "入力途中のデータを破棄しました。この調査票は、ほかの職員が入力できます。",
                    "The unfinished entry was discarded: someone else can now key this form.",
                )
                .to_string(),
            )
        })
    });
    render_overview(&req, &state, &session, &ctx, notice, "", StatusCode::OK).await
}

/// What happened to the form a keyer just completed.
async fn completion_notice(
    state: &AppState,
    ctx: &SurveyContext,
    lang: Lang,
    done: &str,
) -> Result<Option<Notice>, AppError> {
    if done.is_empty() {
        return Ok(None);
    }
    let Ok((code, code_id)) = resolve_code(state, ctx.survey.id, done).await? else {
        return Ok(None);
    };
    let (passes, responses) = state
        .db(move |conn| {
            Ok((
                store::passes(conn, code_id)?,
                store::code_responses(conn, code_id)?,
            ))
        })
        .await?;
    let accepted = responses.iter().find(|r| r.channel == store::CHANNEL_PAPER);
    let mut message = match (accepted, passes.iter().filter(|p| p.is_complete()).count()) {
        (Some(r), _) if !r.counted => t(
            lang,
            "入力完了・受理しました。ただし、このコードには先に完了したオンライン回答があるため、紙の回答は重複として保存されています（集計には含みません）。",
            "Completed and accepted. This code already had a complete online response, so the paper form is kept as a duplicate (not counted).",
        )
        .to_string(),
        (Some(_), _) if ctx.double_entry => t(
            lang,
            "入力完了。1回目と2回目の入力が一致したため、自動的に受理しました。",
            "Completed. Both entries are identical, so the form was accepted automatically.",
        )
        .to_string(),
        (Some(_), _) => t(lang, "入力完了・受理しました。", "Completed and accepted.").to_string(),
        (None, 2) => t(
            lang,
            "入力完了。1回目と2回目の入力が異なるため、照合待ちになりました。",
            "Completed. The two entries differ, so the form now waits for reconciliation.",
        )
        .to_string(),
        (None, _) => t(
            lang,
            "入力完了。別の職員による2回目の入力を待っています。",
            "Completed. The form now waits for its second entry by another staff member.",
        )
        .to_string(),
    };
    let flags = passes
        .iter()
        .filter_map(|p| serde_json::from_str::<Answers>(&p.answers_json).ok())
        .flat_map(|answers| ctx.questionnaire.skip_violations(&answers))
        .map(|e| e.number)
        .collect::<std::collections::BTreeSet<_>>();
    if !flags.is_empty() {
        message.push_str(&format!(
            " {} {}",
            t(
                lang,
                "飛ばすはずの質問に記入があり、そのまま保存しました:",
                "Answered where the form says to skip (kept as written):"
            ),
            flags.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Some(Notice::Ok(format!("{} — {message}", code.grouped()))))
}

async fn render_overview(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    ctx: &SurveyContext,
    notice: Option<Notice>,
    typed_code: &str,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let survey_id = ctx.survey.id;
    let (batches, passes, accepted, paper, users) = state
        .db(move |conn| {
            Ok((
                store::batches(conn, survey_id)?,
                store::survey_passes(conn, survey_id)?,
                store::accepted_codes(conn, survey_id)?,
                store::paper_counts(conn, survey_id)?,
                db::users::list(conn)?,
            ))
        })
        .await?;
    let accepted_ids: std::collections::HashSet<i64> = accepted.iter().map(|(c, _)| *c).collect();
    let mut by_code: std::collections::BTreeMap<i64, (String, Vec<&PaperEntryRow>)> =
        std::collections::BTreeMap::new();
    for (row, code) in &passes {
        by_code
            .entry(row.access_code_id)
            .or_insert_with(|| (code.clone(), Vec::new()))
            .1
            .push(row);
    }
    let mut counts = OverviewCounts {
        envelopes: paper.envelopes,
        accepted: paper.accepted,
        duplicates: paper.duplicates,
        ..OverviewCounts::default()
    };
    let mut awaiting = Vec::new();
    let mut agreement: std::collections::BTreeMap<i64, Agreement> = Default::default();
    for (code_id, (code, rows)) in &by_code {
        let complete: Vec<&&PaperEntryRow> = rows.iter().filter(|r| r.is_complete()).collect();
        counts.keyed += i64::from(rows.iter().any(|r| r.pass == 1 && r.is_complete()));
        counts.drafts += rows.iter().filter(|r| !r.is_complete()).count() as i64;
        let accepted = accepted_ids.contains(code_id);
        if complete.len() == 2 {
            let first: Answers = parse_json(&complete[0].answers_json, "a paper entry")?;
            let second: Answers = parse_json(&complete[1].answers_json, "a paper entry")?;
            let differing = differences(&ctx.questionnaire, &first, &second).len();
            let items = entry::compared_items(&first, &second);
            for row in &complete {
                agreement
                    .entry(row.keyer_id)
                    .or_default()
                    .add_form(items, differing);
            }
            if !accepted {
                awaiting.push(
                    AccessCode::parse(code)
                        .map(|c| c.grouped())
                        .unwrap_or_else(|_| code.clone()),
                );
            }
        } else if complete.len() == 1 && !accepted && ctx.double_entry {
            counts.awaiting_second += 1;
        }
    }
    counts.awaiting_reconciliation = awaiting.len() as i64;
    let name = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let drafts: Vec<DraftRow> = passes
        .iter()
        .filter(|(row, _)| !row.is_complete())
        .map(|(row, code)| DraftRow {
            entry_id: row.id,
            version: row.version,
            code: AccessCode::parse(code)
                .map(|c| c.grouped())
                .unwrap_or_else(|_| code.clone()),
            pass: row.pass,
            keyer: name(row.keyer_id),
            updated_at: row.updated_at,
        })
        .collect();
    let keyers: Vec<KeyerRow> = agreement
        .into_iter()
        .map(|(id, agreement)| KeyerRow {
            name: name(id),
            agreement,
        })
        .collect();
    let page = Overview {
        drafts: &drafts,
        survey: &ctx.survey,
        double_entry: ctx.double_entry,
        counts,
        batches: &batches,
        awaiting_reconciliation: &awaiting,
        keyers: &keyers,
        notice,
        typed_code,
    };
    Ok(html(
        status,
        view::overview(&viewer(req, state, session), &page),
    ))
}

async fn add_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let lang = lang_of(&req);
    let date = chrono::NaiveDate::parse_from_str(form.text("received_on").trim(), "%Y-%m-%d");
    let envelopes = form.text("envelopes").trim().parse::<i32>();
    let problem = match (&date, &envelopes) {
        (Err(_), _) => Some(t(
            lang,
            "受付日を 2026-11-20 の形で入力してください。",
            "Enter the date received as 2026-11-20.",
        )),
        (_, Ok(n)) if *n > 0 && *n <= 100_000 => None,
        _ => Some(t(
            lang,
            "通数は1以上の整数で入力してください。",
            "Enter the number of envelopes as a whole number of 1 or more.",
        )),
    };
    if let Some(problem) = problem {
        return render_overview(
            &req,
            &state,
            &session,
            &ctx,
            Some(Notice::Bad(problem.into())),
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (date, envelopes) = (date.unwrap_or_default(), envelopes.unwrap_or_default());
    let note = form.text("note").trim().to_string();
    let (survey_id, user_id) = (ctx.survey.id, session.user.id);
    state
        .db(move |conn| store::add_batch(conn, survey_id, date, envelopes, &note, user_id))
        .await?;
    Ok(see_other(base(&ctx.survey)))
}

async fn settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let on = match form.text("double_entry") {
        "on" => true,
        "off" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "double_entry must be on or off, not `{other}`"
            )))
        }
    };
    let survey_id = ctx.survey.id;
    let location = base(&ctx.survey);
    let (passes, accepted) = state
        .db(move |conn| {
            store::set_double_entry(conn, survey_id, on)?;
            Ok((
                store::survey_passes(conn, survey_id)?,
                store::accepted_codes(conn, survey_id)?,
            ))
        })
        .await?;
    if !on {
        // Forms waiting for a second entry are complete under single entry: accept them now
        // rather than leave them waiting for an entry that will never come.
        let ctx = SurveyContext {
            double_entry: false,
            ..ctx
        };
        let waiting: std::collections::BTreeSet<i64> = passes
            .iter()
            .filter(|(row, _)| row.is_complete())
            .map(|(row, _)| row.access_code_id)
            .filter(|code_id| {
                accepted
                    .iter()
                    .all(|(accepted_id, _)| accepted_id != code_id)
            })
            .collect();
        for code_id in waiting {
            accept_if_ready(&state, &ctx, code_id, session.user.id).await?;
        }
    }
    Ok(see_other(location))
}

// ----- keying -----

async fn open_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let typed = form.text("code").trim().to_string();
    match resolve_code(&state, ctx.survey.id, &typed).await? {
        Ok((code, _)) => Ok(see_other(format!(
            "{}/form/{}",
            base(&ctx.survey),
            code.as_str()
        ))),
        Err(problem) => {
            let notice = Notice::Bad(problem.message(lang_of(&req)));
            render_overview(
                &req,
                &state,
                &session,
                &ctx,
                Some(notice),
                &typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
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
    let (code, code_id) = match resolve_code(state, ctx.survey.id, typed).await? {
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
    let (passes, responses) = state
        .db(move |conn| {
            Ok((
                store::passes(conn, code_id)?,
                store::code_responses(conn, code_id)?,
            ))
        })
        .await?;
    Ok(Ok(FormState {
        code,
        code_id,
        passes,
        responses,
    }))
}

/// What staff should know about the code's online answers before keying (mixed mode).
fn online_notices(lang: Lang, zone: &chrono_tz::Tz, form: &FormState) -> Vec<String> {
    form.responses
        .iter()
        .filter(|r| r.channel != store::CHANNEL_PAPER)
        .map(|r| match (r.is_complete(), lang) {
            (true, Lang::Ja) => format!(
                "このコードにはオンライン回答（{} 送信）があります。両方を保存し、先に完了した回答を集計に使います（紙は重複として保存）。確認者は回答の画面で変更できます。",
                r.submitted_at.map(|at| crate::clock::local_time(lang, at, zone)).unwrap_or_default()
            ),
            (true, Lang::En) => format!(
                "This code already has an online response (submitted {}). Both are kept; the first complete response counts (the paper form is kept as a duplicate). A reviewer can change this on the response page.",
                r.submitted_at.map(|at| crate::clock::local_time(lang, at, zone)).unwrap_or_default()
            ),
            (false, Lang::Ja) => "このコードには途中までのオンライン回答があります。両方を保存し、先に完了した回答を集計に使います。".into(),
            (false, Lang::En) => "This code has a partial online answer. Both are kept; the first complete response counts.".into(),
        })
        .collect()
}

async fn keying_screen(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    let lang = lang_of(&req);
    let user_id = session.user.id;
    let pass = match choose_pass(
        ctx.double_entry,
        form.accepted().is_some(),
        &form.existing(),
        user_id,
    ) {
        Ok(pass) => pass,
        Err(EntryError::AlreadyAccepted) => {
            return Ok(see_other(format!(
                "{}/response/{}",
                base(&ctx.survey),
                form.code.as_str()
            )))
        }
        Err(EntryError::FullyKeyed)
            if form.passes.iter().all(|p| p.is_complete()) && !form.keyed_by(user_id) =>
        {
            return Ok(see_other(format!(
                "{}/reconcile/{}",
                base(&ctx.survey),
                form.code.as_str()
            )))
        }
        Err(refusal) => {
            let notice = Notice::Bad(format!(
                "{} — {}",
                form.code.grouped(),
                refusal.message(lang)
            ));
            return render_overview(
                &req,
                &state,
                &session,
                &ctx,
                Some(notice),
                "",
                StatusCode::CONFLICT,
            )
            .await;
        }
    };
    let row = match form.passes.iter().find(|p| p.pass == pass.number()) {
        Some(row) => row.clone(),
        None => {
            let (survey_id, code_id) = (ctx.survey.id, form.code_id);
            match state
                .db(move |conn| store::claim_pass(conn, survey_id, code_id, pass.number(), user_id))
                .await
            {
                Ok(row) => row,
                Err(AppError::Conflict(message)) => {
                    let notice = Notice::Bad(format!("{} — {message}", form.code.grouped()));
                    return render_overview(
                        &req,
                        &state,
                        &session,
                        &ctx,
                        Some(notice),
                        "",
                        StatusCode::CONFLICT,
                    )
                    .await;
                }
                Err(other) => return Err(other),
            }
        }
    };
    let answers: Answers = parse_json(&row.answers_json, "a paper entry")?;
    let values = keyed_values(&ctx.questionnaire, &answers);
    let flags = ctx.questionnaire.skip_violations(&answers);
    let screen = KeyingScreen {
        survey: &ctx.survey,
        questionnaire: &ctx.questionnaire,
        code: &form.code,
        pass,
        double_entry: ctx.double_entry,
        version: row.version,
        values: &values,
        errors: &[],
        flags: &flags,
        notices: online_notices(lang, &state.config.time_zone, &form),
        problem: None,
        unsaved: None,
    };
    Ok(html(
        StatusCode::OK,
        view::keying(&viewer(&req, &state, &session), &screen),
    ))
}

fn posted_answers(form: &FormFields) -> RawInput {
    RawInput::from_pairs(
        form.0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "version" | "action"))
            .cloned(),
    )
}

async fn save_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &posted)?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    let lang = lang_of(&req);
    let version = posted.version("version")?;
    let complete = match posted.get("action").unwrap_or("save") {
        "save" => false,
        "complete" => true,
        other => {
            return Err(AppError::BadRequest(format!(
                "unknown action `{other}`: use save or complete"
            )))
        }
    };
    let input = posted_answers(&posted);
    let user_id = session.user.id;
    let Some(row) = form.passes.iter().find(|p| p.keyer_id == user_id).cloned() else {
        // No pass of this person (e.g. a form opened before a sign-out): open it properly.
        return Ok(see_other(format!(
            "{}/form/{}",
            base(&ctx.survey),
            form.code.as_str()
        )));
    };
    let pass = Pass::from_number(row.pass).unwrap_or(Pass::First);
    let render = |values: &RawInput,
                  errors: &[AnswerError],
                  flags: &[AnswerError],
                  version: i32,
                  problem: Option<String>,
                  unsaved: Option<&RawInput>,
                  status: StatusCode| {
        let screen = KeyingScreen {
            survey: &ctx.survey,
            questionnaire: &ctx.questionnaire,
            code: &form.code,
            pass,
            double_entry: ctx.double_entry,
            version,
            values,
            errors,
            flags,
            notices: online_notices(lang, &state.config.time_zone, &form),
            problem,
            unsaved,
        };
        html(
            status,
            view::keying(&viewer(&req, &state, &session), &screen),
        )
    };
    let parsed = parse_form(&ctx.questionnaire, &input);
    if !parsed.is_valid() {
        let problem = t(
            lang,
            "入力に誤りがあります。赤い項目を直してください。まだ保存していません（入力した内容はそのままです）。",
            "Some entries are not valid: fix the items in red. Nothing was saved yet (what you typed is kept).",
        );
        return Ok(render(
            &input,
            &parsed.errors,
            &parsed.skip_flags,
            version,
            Some(problem.into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let json = to_json(&parsed.answers)?;
    let entry_id = row.id;
    let saved = state
        .db(move |conn| store::save_pass(conn, entry_id, version, &json, complete))
        .await;
    match saved {
        Ok(_) => {}
        Err(AppError::Conflict(message)) => {
            let current = state
                .db(move |conn| store::find_pass(conn, entry_id))
                .await?;
            let answers: Answers = parse_json(&current.answers_json, "a paper entry")?;
            let values = keyed_values(&ctx.questionnaire, &answers);
            let flags = ctx.questionnaire.skip_violations(&answers);
            let problem = format!(
                "{} ({message})",
                t(
                    lang,
                    "この入力は別の画面で先に保存されています。最新の内容を表示しました。この画面で入力した値は下に残してあります。",
                    "This entry was saved elsewhere first. The newer version is shown; the values typed on this screen are listed below."
                )
            );
            return Ok(render(
                &values,
                &[],
                &flags,
                current.version,
                Some(problem),
                Some(&input),
                StatusCode::CONFLICT,
            ));
        }
        Err(other) => return Err(other),
    }
    if !complete {
        return Ok(see_other(format!(
            "{}?saved={}",
            base(&ctx.survey),
            form.code.grouped()
        )));
    }
    accept_if_ready(&state, &ctx, form.code_id, user_id).await?;
    Ok(see_other(format!(
        "{}?done={}",
        base(&ctx.survey),
        form.code.as_str()
    )))
}

async fn discard_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &posted)?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    let version = posted.version("version")?;
    let user_id = session.user.id;
    let Some(row) = form
        .passes
        .iter()
        .find(|p| p.keyer_id == user_id && !p.is_complete())
    else {
        return Err(AppError::NotNow {
            ja: "破棄できる入力途中のデータはありません。".into(),
            en: "You have no unfinished entry of this form to discard.".into(),
        });
    };
    let entry_id = row.id;
    let survey_id = ctx.survey.id;
    state
        .db(move |conn| store::discard_draft(conn, survey_id, entry_id, version))
        .await?;
    Ok(see_other(base(&ctx.survey)))
}

/// An admin frees a pass that its keyer left unfinished, so that someone else can key it.
async fn release_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &posted)?;
    let (slug, entry_id) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let version = posted.version("version")?;
    let survey_id = ctx.survey.id;
    state
        .db(move |conn| store::discard_draft(conn, survey_id, entry_id, version))
        .await?;
    Ok(see_other(format!("{}?released=1", base(&ctx.survey))))
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
        (false, [only]) => (only.clone(), "accepted: single entry"),
        (true, [first, second]) if first == second => (
            first.clone(),
            "accepted automatically: both entries identical",
        ),
        _ => return Ok(()),
    };
    let distress = ctx.questionnaire.is_distressed(&answers);
    let json = to_json(&answers)?;
    let survey_id = ctx.survey.id;
    let audit = [NewAudit {
        item_id: store::AUDIT_WHOLE_RESPONSE.into(),
        old_value: None,
        new_value: None,
        reason: reason.into(),
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

// ----- reconciliation -----

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

struct Reconciliation {
    first: (PaperEntryRow, Answers),
    second: (PaperEntryRow, Answers),
}

fn reconciliation(form: &FormState) -> Result<Option<Reconciliation>, AppError> {
    let find = |n: i32| form.passes.iter().find(|p| p.pass == n && p.is_complete());
    match (find(1), find(2)) {
        (Some(a), Some(b)) => Ok(Some(Reconciliation {
            first: (a.clone(), parse_json(&a.answers_json, "a paper entry")?),
            second: (b.clone(), parse_json(&b.answers_json, "a paper entry")?),
        })),
        _ => Ok(None),
    }
}

async fn reconcile_screen(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    show_reconciliation(
        &req,
        &state,
        &session,
        &ctx,
        &form,
        &RawInput::default(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show_reconciliation(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    ctx: &SurveyContext,
    form: &FormState,
    picks: &RawInput,
    errors: &[AnswerError],
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let lang = lang_of(req);
    if form.accepted().is_some() {
        return Ok(see_other(format!(
            "{}/response/{}",
            base(&ctx.survey),
            form.code.as_str()
        )));
    }
    let Some(rec) = reconciliation(form)? else {
        let notice = Notice::Bad(format!(
            "{} — {}",
            form.code.grouped(),
            t(
                lang,
                "この調査票はまだ2回の入力が完了していません。",
                "This form does not have two complete entries yet."
            )
        ));
        return render_overview(
            req,
            state,
            session,
            ctx,
            Some(notice),
            "",
            StatusCode::CONFLICT,
        )
        .await;
    };
    if !may_review(session, form) {
        return Err(not_reviewer());
    }
    let found = differences(&ctx.questionnaire, &rec.first.1, &rec.second.1);
    let users = state.db(db::users::list).await?;
    let name = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let screen = ReconcileScreen {
        survey: &ctx.survey,
        questionnaire: &ctx.questionnaire,
        code: &form.code,
        differences: &found,
        keyers: (name(rec.first.0.keyer_id), name(rec.second.0.keyer_id)),
        versions: (rec.first.0.version, rec.second.0.version),
        picks,
        errors,
        problem,
    };
    Ok(html(
        status,
        view::reconcile(&viewer(req, state, session), &screen),
    ))
}

async fn reconcile(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &posted)?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    let lang = lang_of(&req);
    let picks = RawInput::from_pairs(posted.0.iter().cloned());
    let Some(rec) = reconciliation(&form)? else {
        return show_reconciliation(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            &picks,
            &[],
            None,
            StatusCode::CONFLICT,
        )
        .await;
    };
    if !may_review(&session, &form) {
        return Err(not_reviewer());
    }
    let shown = (posted.version("v1")?, posted.version("v2")?);
    if shown != (rec.first.0.version, rec.second.0.version) {
        let problem = t(
            lang,
            "この画面を開いた後で入力が変更されました。最新の差異を表示しています。",
            "The entries changed after this screen was opened; the current differences are shown.",
        );
        return show_reconciliation(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            &RawInput::default(),
            &[],
            Some(problem.into()),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let found = differences(&ctx.questionnaire, &rec.first.1, &rec.second.1);
    let reason_note = posted.text("reason").trim().to_string();
    let mut answers = rec.first.1.clone();
    let mut errors = Vec::new();
    let mut audit = Vec::new();
    let describe = |a: &Option<Answer>| {
        a.as_ref()
            .map(entry::keyed_text)
            .map(|s| {
                if s.is_empty() {
                    "(blank)".to_string()
                } else {
                    s
                }
            })
            .unwrap_or_else(|| "(none)".into())
    };
    for difference in &found {
        let id = &difference.question_id;
        let (chosen, how): (Option<Answer>, String) = match picks.value(&format!("pick:{id}")) {
            Some("first") => (difference.first.clone(), "chose entry 1".into()),
            Some("second") => (difference.second.clone(), "chose entry 2".into()),
            Some("typed") => {
                let raw = picks.value(&format!("value:{id}")).unwrap_or_default();
                match ctx.questionnaire.question(id).map(|q| parse_keyed(q, raw)) {
                    Some(Ok(answer)) => (Some(answer), format!("corrected to `{}`", raw.trim())),
                    Some(Err(error)) => {
                        errors.push(error);
                        continue;
                    }
                    None => (None, "removed (not in the questionnaire)".into()),
                }
            }
            _ => {
                errors.push(AnswerError {
                    question_id: id.clone(),
                    number: difference.number.clone(),
                    problem: crate::questionnaire::AnswerProblem::Required,
                });
                continue;
            }
        };
        match &chosen {
            Some(answer) => answers.insert(id.clone(), answer.clone()),
            None => answers.remove(id),
        };
        let mut reason = format!(
            "reconciliation: entry 1 {}, entry 2 {}; {how}",
            describe(&difference.first),
            describe(&difference.second)
        );
        if !reason_note.is_empty() {
            reason.push_str(&format!(" — {reason_note}"));
        }
        audit.push(NewAudit {
            item_id: id.clone(),
            old_value: None,
            new_value: chosen.as_ref().map(to_json).transpose()?,
            reason,
        });
    }
    if !errors.is_empty() {
        let problem = t(
            lang,
            "選択されていない項目か、誤った修正値があります。まだ保存していません。",
            "Some items have no choice or an invalid corrected value. Nothing was saved yet.",
        );
        return show_reconciliation(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            &picks,
            &errors,
            Some(problem.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    audit.insert(
        0,
        NewAudit {
            item_id: store::AUDIT_WHOLE_RESPONSE.into(),
            old_value: None,
            new_value: None,
            reason: format!("accepted after reconciling {} item(s)", found.len()),
        },
    );
    let distress = ctx.questionnaire.is_distressed(&answers);
    let json = to_json(&answers)?;
    let (survey_id, code_id, user_id) = (ctx.survey.id, form.code_id, session.user.id);
    state
        .db(move |conn| store::accept(conn, survey_id, code_id, &json, distress, user_id, &audit))
        .await?;
    Ok(see_other(format!(
        "{}/response/{}",
        base(&ctx.survey),
        form.code.as_str()
    )))
}

// ----- accepted responses: view, correct, choose which counts -----

async fn response_screen(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (slug, typed) = path.into_inner();
    let ctx = survey_context(&state, slug).await?;
    let form = match form_state(&req, &state, &session, &ctx, &typed).await? {
        Ok(form) => form,
        Err(page) => return Ok(page),
    };
    show_response(&req, &state, &session, &ctx, &form, None, StatusCode::OK).await
}

async fn show_response(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    ctx: &SurveyContext,
    form: &FormState,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    if form.responses.is_empty() {
        return Err(AppError::NotFound);
    }
    let (survey_id, ids): (i64, Vec<i64>) =
        (ctx.survey.id, form.responses.iter().map(|r| r.id).collect());
    let audit = state
        .db(move |conn| {
            let all = store::audit_log(conn, survey_id, None)?;
            Ok(all
                .into_iter()
                .filter(|a| ids.contains(&a.response_id))
                .collect::<Vec<_>>())
        })
        .await?;
    let mut answers = Vec::new();
    for r in &form.responses {
        answers.push(parse_json::<Answers>(&r.answers_json, "a response")?);
    }
    let screen = ResponseScreen {
        survey: &ctx.survey,
        questionnaire: &ctx.questionnaire,
        code: &form.code,
        responses: &form.responses,
        answers: &answers,
        audit: &audit,
        may_review: may_review(session, form),
        notice,
    };
    Ok(html(
        status,
        view::response(&viewer(req, state, session), &screen),
    ))
}

async fn correct(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let ReviewerAction {
        session,
        ctx,
        form,
        response_id,
    } = match reviewer_action(&req, &state, path, &posted).await? {
        Ok(action) => action,
        Err(page) => return Ok(page),
    };
    let lang = lang_of(&req);
    let Some(response) = form
        .responses
        .iter()
        .find(|r| r.id == response_id && r.is_complete())
    else {
        return Err(AppError::NotFound);
    };
    let version = posted.version("version")?;
    let item = posted.text("item").to_string();
    let reason = posted.text("reason").trim().to_string();
    let bad = |message: String| Notice::Bad(message);
    let Some(question) = ctx.questionnaire.question(&item) else {
        let notice = bad(t(
            lang,
            "修正する項目を選んでください。",
            "Choose the item to correct.",
        )
        .into());
        return show_response(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if reason.is_empty() {
        let notice = bad(t(
            lang,
            "修正の理由を入力してください（例: 原票を再確認）。",
            "Give a reason for the correction (e.g. checked the paper form again).",
        )
        .into());
        return show_response(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let new_answer = match parse_keyed(question, posted.text("value")) {
        Ok(answer) => answer,
        Err(error) => {
            let notice = bad(format!("{}: {}", error.number, error.message(lang)));
            return show_response(
                &req,
                &state,
                &session,
                &ctx,
                &form,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut answers: Answers = parse_json(&response.answers_json, "a response")?;
    let old = answers.get(&item).cloned();
    if old.as_ref() == Some(&new_answer) {
        let notice = bad(t(lang, "値が変わっていません。", "The value is unchanged.").into());
        return show_response(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    answers.insert(item.clone(), new_answer.clone());
    let audit = [NewAudit {
        item_id: item,
        old_value: old.as_ref().map(to_json).transpose()?,
        new_value: Some(to_json(&new_answer)?),
        reason,
    }];
    let distress = ctx.questionnaire.is_distressed(&answers);
    let json = to_json(&answers)?;
    let user_id = session.user.id;
    let outcome = state
        .db(move |conn| {
            store::correct(conn, response_id, version, &json, distress, user_id, &audit)
        })
        .await;
    after_change(&req, &state, &session, &ctx, form, outcome, lang).await
}

/// Shows the response page again after a change: the newer version on a conflict.
async fn after_change(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    ctx: &SurveyContext,
    form: FormState,
    outcome: Result<(), AppError>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(()) => Ok(see_other(format!(
            "{}/response/{}",
            base(&ctx.survey),
            form.code.as_str()
        ))),
        Err(AppError::Conflict(message)) => {
            let code_id = form.code_id;
            let responses = state
                .db(move |conn| store::code_responses(conn, code_id))
                .await?;
            let form = FormState { responses, ..form };
            let notice = Notice::Bad(format!(
                "{} ({message})",
                t(lang, "別の職員が先に変更しました。最新の内容を表示しています。変更は保存していません。", "Someone else changed this first. The newer version is shown; your change was not saved.")
            ));
            show_response(
                req,
                state,
                session,
                ctx,
                &form,
                Some(notice),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

async fn choose_counted(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    posted: FormFields,
) -> Result<HttpResponse, AppError> {
    let ReviewerAction {
        session,
        ctx,
        form,
        response_id,
    } = match reviewer_action(&req, &state, path, &posted).await? {
        Ok(action) => action,
        Err(page) => return Ok(page),
    };
    let lang = lang_of(&req);
    let version = posted.version("version")?;
    let reason = posted.text("reason").trim().to_string();
    if reason.is_empty() {
        let notice = Notice::Bad(
            t(
                lang,
                "集計に使う回答を変える理由を入力してください。",
                "Give a reason for changing which response counts.",
            )
            .into(),
        );
        return show_response(
            &req,
            &state,
            &session,
            &ctx,
            &form,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (code_id, user_id) = (form.code_id, session.user.id);
    let outcome = state
        .db(move |conn| {
            store::choose_counted(conn, code_id, response_id, version, user_id, &reason)
        })
        .await;
    after_change(&req, &state, &session, &ctx, form, outcome, lang).await
}

// ----- audit log -----

async fn audit_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let survey_id = ctx.survey.id;
    let entries = state
        .db(move |conn| store::audit_log(conn, survey_id, None))
        .await?;
    Ok(html(
        StatusCode::OK,
        view::audit(
            &viewer(&req, &state, &session),
            &ctx.survey,
            &ctx.questionnaire,
            &entries,
        ),
    ))
}

async fn audit_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let ctx = survey_context(&state, path.into_inner()).await?;
    let survey_id = ctx.survey.id;
    let entries = state
        .db(move |conn| store::audit_log(conn, survey_id, None))
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |writer: &mut csv::Writer<Vec<u8>>, record: &[&str]| {
        writer
            .write_record(record)
            .map_err(|e| AppError::Unexpected(e.into()))
    };
    write(
        &mut writer,
        &[
            "id",
            "changed_at_utc",
            "user",
            "access_code",
            "channel",
            "response_id",
            "item",
            "number",
            "old_value",
            "new_value",
            "reason",
        ],
    )?;
    for e in &entries {
        let number = ctx
            .questionnaire
            .question(&e.item_id)
            .map(|q| q.number.clone())
            .unwrap_or_default();
        write(
            &mut writer,
            &[
                &e.id.to_string(),
                &e.changed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                &e.username,
                &e.code,
                &e.channel,
                &e.response_id.to_string(),
                &e.item_id,
                &number,
                e.old_value.as_deref().unwrap_or_default(),
                e.new_value.as_deref().unwrap_or_default(),
                &e.reason,
            ],
        )?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("writing the audit CSV: {e}")))?;
    Ok(csv_download(
        &format!("audit-{}.csv", ctx.survey.slug),
        "text/csv; charset=utf-8",
        with_utf8_bom(body),
    ))
}

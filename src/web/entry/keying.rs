//! Keying a form: opening it by its code, the keying screen, saving a pass (refused over a
//! newer version), discarding or releasing an unfinished pass, and accepting a form whose
//! entries are all in.

use super::*;

pub(super) async fn open_form(
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

/// What staff should know about the code's online answers before keying (mixed mode).
pub(super) fn online_notices(lang: Lang, zone: &chrono_tz::Tz, form: &FormState) -> Vec<String> {
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

pub(super) async fn keying_screen(
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

pub(super) fn posted_answers(form: &FormFields) -> RawInput {
    RawInput::from_pairs(
        form.0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "version" | "action"))
            .cloned(),
    )
}

pub(super) async fn save_form(
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

pub(super) async fn discard_form(
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
pub(super) async fn release_draft(
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

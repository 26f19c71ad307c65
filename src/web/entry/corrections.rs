//! Accepted paper responses: viewing one, correcting an item (with a reason, audited),
//! choosing which response of a code counts, and the audit log (page and CSV).

use super::*;
use crate::entry::audit::reason_text;

pub(super) async fn response_screen(
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

pub(super) async fn show_response(
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
    let (responses, audit) = (response_lines(&form.responses), audit_lines(audit));
    let screen = ResponseScreen {
        survey: &ctx.survey,
        questionnaire: &ctx.questionnaire,
        code: &form.code,
        responses: &responses,
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

pub(super) async fn correct(
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
        reason_code: None,
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
pub(super) async fn after_change(
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
                "{}{}",
                t(lang, "別の職員が先に変更しました。最新の内容を表示しています。変更は保存していません。", "Someone else changed this first. The newer version is shown; your change was not saved."),
                super::keying::english_detail(lang, &message)
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

pub(super) async fn choose_counted(
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

pub(super) async fn audit_page(
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
            &audit_lines(entries),
        ),
    ))
}

pub(super) async fn audit_csv(
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
    let lang = lang_of(&req);
    let header: &[&str] = match lang {
        Lang::Ja => &[
            "ID",
            "変更日時（UTC）",
            "職員",
            "アクセスコード",
            "回答方法",
            "回答ID",
            "項目ID",
            "問番号",
            "変更前",
            "変更後",
            "理由",
        ],
        Lang::En => &[
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
    };
    write(&mut writer, header)?;
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
                &reason_text(e.reason_code.as_ref(), &e.reason, lang),
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

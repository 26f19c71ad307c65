//! Reconciling two entries of a form: a reviewer who keyed neither sees only the items that
//! differ and picks or corrects each; the decisions and audit reasons come from the pure
//! `entry::reconcile`.

use super::*;

pub(super) struct Reconciliation {
    first: (PaperEntryRow, Answers),
    second: (PaperEntryRow, Answers),
}

pub(super) fn reconciliation(form: &FormState) -> Result<Option<Reconciliation>, AppError> {
    let find = |n: i32| form.passes.iter().find(|p| p.pass == n && p.is_complete());
    match (find(1), find(2)) {
        (Some(a), Some(b)) => Ok(Some(Reconciliation {
            first: (a.clone(), parse_json(&a.answers_json, "a paper entry")?),
            second: (b.clone(), parse_json(&b.answers_json, "a paper entry")?),
        })),
        _ => Ok(None),
    }
}

pub(super) async fn reconcile_screen(
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
pub(super) async fn show_reconciliation(
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

pub(super) async fn reconcile(
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
    let reason_note = posted.text("reason").trim().to_string();
    let pick = |id: &str| match picks.value(&format!("pick:{id}")) {
        Some("first") => Pick::First,
        Some("second") => Pick::Second,
        Some("typed") => Pick::Typed(picks.value(&format!("value:{id}")).unwrap_or_default()),
        _ => Pick::Missing,
    };
    let reconciled = match entry::reconcile::reconcile(
        &ctx.questionnaire,
        &rec.first.1,
        &rec.second.1,
        pick,
        &reason_note,
    ) {
        Ok(reconciled) => reconciled,
        Err(errors) => {
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
    };
    let mut audit = vec![NewAudit {
        item_id: store::AUDIT_WHOLE_RESPONSE.into(),
        old_value: None,
        new_value: None,
        reason_code: Some(reconciled.acceptance_reason),
        reason: String::new(),
    }];
    for item in reconciled.items {
        audit.push(NewAudit {
            item_id: item.question_id,
            old_value: None,
            new_value: item.answer.as_ref().map(to_json).transpose()?,
            reason_code: Some(item.reason),
            reason: item.note,
        });
    }
    let answers = reconciled.answers;
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

//! Keying a form: opening it by its code (which leads to the keying screen, the
//! reconciliation or the response, as the form's state says), the keying screen, saving a pass
//! (the first save stores it; refused over a newer version), discarding or releasing an
//! unfinished pass, and accepting a form whose entries are all in.

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
    let lang = lang_of(&req);
    let typed = form.text("code").trim().to_string();
    let (code, code_id) = match resolve_code(&state, lang, ctx.survey.id, &typed).await? {
        Ok(found) => found,
        Err(problem) => {
            let notice = Notice::Bad(problem.message(lang));
            return render_overview(
                &req,
                &state,
                &session,
                &ctx,
                Some(notice),
                &typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let found = load_form(&state, code, code_id).await?;
    match destination(&ctx, &found, &session) {
        Destination::Refused(refusal) => {
            let notice = Notice::Bad(format!(
                "{} — {}",
                found.code.grouped(),
                refusal.message(lang)
            ));
            render_overview(
                &req,
                &state,
                &session,
                &ctx,
                Some(notice),
                &typed,
                StatusCode::CONFLICT,
            )
            .await
        }
        other => Ok(see_other(other.path(&ctx, &found))),
    }
}

/// Why a form cannot be keyed by this person now.
pub(super) enum Refusal {
    Entry(EntryError),
    /// Both entries are in and differ; this person keyed one of them.
    ReconciliationByOthers,
    /// Every pass is taken and one is still being keyed by someone else.
    BeingKeyed,
}

impl Refusal {
    fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::Entry(e) => e.message(lang),
            Refusal::ReconciliationByOthers => t(
                lang,
                "この調査票は照合待ちです。照合は、この調査票を入力していない職員か管理者が行います。",
                "This form waits for reconciliation, which a staff member who keyed neither entry, or an admin, does.",
            )
            .into(),
            Refusal::BeingKeyed => t(
                lang,
                "この調査票は、ほかの職員が入力しているところです。その入力が完了するまで開けません。",
                "Someone else is keying this form; it cannot be opened until that entry is complete.",
            )
            .into(),
        }
    }
}

/// Where a form's code leads this person, from the form's state.
pub(super) enum Destination {
    /// Accepted: its response page (corrections).
    Response,
    /// Two differing entries and this person may reconcile them.
    Reconcile,
    /// The keying screen of this pass.
    Key(Pass),
    Refused(Refusal),
}

impl Destination {
    fn path(&self, ctx: &SurveyContext, form: &FormState) -> String {
        let page = match self {
            Destination::Response => "response",
            Destination::Reconcile => "reconcile",
            Destination::Key(_) | Destination::Refused(_) => "form",
        };
        format!("{}/{page}/{}", base(&ctx.survey), form.code.as_str())
    }
}

/// Where a form's code leads this person: an accepted form to its response, two differing
/// entries to the reconciliation (for a reviewer), else the pass this person keys.
pub(super) fn destination(
    ctx: &SurveyContext,
    form: &FormState,
    session: &StaffSession,
) -> Destination {
    if form.accepted().is_some() {
        return Destination::Response;
    }
    if form.passes.iter().filter(|p| p.is_complete()).count() == 2 {
        return if may_review(session, form) {
            Destination::Reconcile
        } else {
            Destination::Refused(Refusal::ReconciliationByOthers)
        };
    }
    match choose_pass(ctx.double_entry, false, &form.existing(), session.user.id) {
        Ok(pass) => Destination::Key(pass),
        Err(EntryError::FullyKeyed) => Destination::Refused(Refusal::BeingKeyed),
        Err(other) => Destination::Refused(Refusal::Entry(other)),
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
    let pass = match destination(&ctx, &form, &session) {
        Destination::Key(pass) => pass,
        Destination::Refused(refusal) => {
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
        other => return Ok(see_other(other.path(&ctx, &form))),
    };
    // Looking at a form stores nothing: the pass is stored by its first save.
    let own = form
        .passes
        .iter()
        .find(|p| p.pass == pass.number() && p.keyer_id == session.user.id);
    let (answers, version) = match own {
        Some(row) => (
            parse_json::<Answers>(&row.answers_json, "a paper entry")?,
            row.version,
        ),
        None => (Answers::new(), 0),
    };
    let values = keyed_values(&ctx.questionnaire, &answers);
    let flags = ctx.questionnaire.skip_violations(&answers);
    let screen = KeyingScreen {
        survey: &ctx.survey,
        questionnaire: &ctx.questionnaire,
        code: &form.code,
        pass,
        double_entry: ctx.double_entry,
        version,
        stored: own.is_some(),
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
    let own = form.passes.iter().find(|p| p.keyer_id == user_id).cloned();
    // The pass this save is for: the person's own, else the one the form has free now (which
    // may be the other pass if someone else saved first since this screen was opened).
    let (pass, refusal) = match &own {
        Some(row) => (Pass::from_number(row.pass).unwrap_or(Pass::First), None),
        None => match destination(&ctx, &form, &session) {
            Destination::Key(pass) => (pass, None),
            Destination::Refused(refusal) => (Pass::First, Some(refusal.message(lang))),
            Destination::Response => (Pass::First, Some(EntryError::AlreadyAccepted.message(lang))),
            Destination::Reconcile => (
                Pass::First,
                Some(
                    t(
                        lang,
                        "この調査票は2回の入力がそろい、照合待ちになりました。",
                        "This form now has both entries and waits for reconciliation.",
                    )
                    .into(),
                ),
            ),
        },
    };
    let render = |values: &RawInput,
                  errors: &[AnswerError],
                  flags: &[AnswerError],
                  version: i32,
                  stored: bool,
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
            stored,
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
    if let Some(refusal) = refusal {
        let problem = format!(
            "{} {}",
            refusal,
            t(
                lang,
                "この画面の入力は保存していません（入力した値はそのままです）。",
                "Nothing on this screen was saved (what you typed is kept).",
            )
        );
        return Ok(render(
            &input,
            &[],
            &parsed.skip_flags,
            version,
            false,
            Some(problem),
            None,
            StatusCode::CONFLICT,
        ));
    }
    if own.is_none() && version != 0 {
        let problem = t(
            lang,
            "この入力途中のデータは、別の画面か管理者によって破棄されています。入力した値はそのままです。もう一度保存すると、新しい入力として保存します。",
            "This unfinished entry was discarded in another window or by an admin. What you typed is kept; save again to store it as a new entry.",
        );
        return Ok(render(
            &input,
            &[],
            &parsed.skip_flags,
            0,
            false,
            Some(problem.into()),
            None,
            StatusCode::CONFLICT,
        ));
    }
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
            own.is_some(),
            Some(problem.into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let json = to_json(&parsed.answers)?;
    let Some(row) = own else {
        // The first save of this pass stores it.
        let (survey_id, code_id) = (ctx.survey.id, form.code_id);
        let started = state
            .db(move |conn| {
                store::start_pass(
                    conn,
                    survey_id,
                    code_id,
                    pass.number(),
                    user_id,
                    &json,
                    complete,
                )
            })
            .await;
        return match started {
            Ok(_) => after_save(&state, &ctx, &form, user_id, complete).await,
            Err(AppError::Conflict(message)) => {
                let problem = format!(
                    "{}{}",
                    t(
                        lang,
                        "ほかの職員が、この調査票の同じ入力を一瞬先に保存しました。この画面の入力は保存していません（入力した値はそのままです）。もう一度保存すると、空いている入力として保存します。",
                        "Someone else saved this entry of the form a moment earlier. Nothing on this screen was saved (what you typed is kept); save again to store it as the entry that is still free.",
                    ),
                    english_detail(lang, &message)
                );
                Ok(render(
                    &input,
                    &[],
                    &parsed.skip_flags,
                    0,
                    false,
                    Some(problem),
                    None,
                    StatusCode::CONFLICT,
                ))
            }
            Err(other) => Err(other),
        };
    };
    let entry_id = row.id;
    let saved = state
        .db(move |conn| store::save_pass(conn, entry_id, version, &json, complete))
        .await;
    match saved {
        Ok(_) => after_save(&state, &ctx, &form, user_id, complete).await,
        Err(AppError::Conflict(message)) => {
            let current = state
                .db(move |conn| store::find_pass(conn, entry_id))
                .await?;
            let answers: Answers = parse_json(&current.answers_json, "a paper entry")?;
            let values = keyed_values(&ctx.questionnaire, &answers);
            let flags = ctx.questionnaire.skip_violations(&answers);
            let problem = format!(
                "{}{}",
                t(
                    lang,
                    "この入力は別の画面で先に保存されています。最新の内容を表示しました。この画面で入力した値は下に残してあります。",
                    "This entry was saved elsewhere first. The newer version is shown; the values typed on this screen are listed below."
                ),
                english_detail(lang, &message)
            );
            Ok(render(
                &values,
                &[],
                &flags,
                current.version,
                true,
                Some(problem),
                Some(&input),
                StatusCode::CONFLICT,
            ))
        }
        Err(other) => Err(other),
    }
}

/// Storage's own words on a conflict (English), added only to English pages.
pub(super) fn english_detail(lang: Lang, message: &str) -> String {
    match lang {
        Lang::Ja => String::new(),
        Lang::En => format!(" ({message})"),
    }
}

/// After a save: back to the overview, accepting the form if its entries are all in.
async fn after_save(
    state: &AppState,
    ctx: &SurveyContext,
    form: &FormState,
    user_id: i64,
    complete: bool,
) -> Result<HttpResponse, AppError> {
    if !complete {
        return Ok(see_other(format!(
            "{}?saved={}",
            base(&ctx.survey),
            form.code.grouped()
        )));
    }
    accept_if_ready(state, ctx, form.code_id, user_id).await?;
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

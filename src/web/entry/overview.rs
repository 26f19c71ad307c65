//! The paper-entry overview of a survey: envelope batches received, forms keyed and
//! reconciled, each keyer's agreement, unfinished passes, and the double-entry setting.

use super::*;

#[derive(serde::Deserialize, Default)]
pub(super) struct OverviewQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    released: String,
}

pub(super) async fn overview(
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
pub(super) async fn completion_notice(
    state: &AppState,
    ctx: &SurveyContext,
    lang: Lang,
    done: &str,
) -> Result<Option<Notice>, AppError> {
    if done.is_empty() {
        return Ok(None);
    }
    let Ok((code, code_id)) = resolve_code(state, lang, ctx.survey.id, done).await? else {
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

pub(super) async fn render_overview(
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
        batches: &batches
            .into_iter()
            .map(|b| BatchLine {
                received_on: b.received_on,
                envelopes: b.envelopes,
                note: b.note,
            })
            .collect::<Vec<_>>(),
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

pub(super) async fn add_batch(
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

pub(super) async fn settings(
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

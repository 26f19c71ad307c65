//! Staff pages of a survey's sample: summary, printable letters, mailing and reminder
//! lists, dispositions and response rates. Every handler requires [`Role::Staff`]: these
//! are the only pages that show names and addresses.

use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, require};
use super::{csv_download, html, see_other, AppState};
use crate::auth::Role;
use crate::db;
use crate::error::AppError;
use crate::ops::{
    self,
    sample::{Finalise, List},
};
use crate::questionnaire::Lang;
use crate::sampling::access_code::AccessCode;
use crate::sampling::qr::qr_svg;
use crate::sampling::records::{SampleRecord, StratumRecord};
use crate::sampling::register::TextEncoding;
use crate::survey::{LetterFacts, LetterSettings, Survey};
use crate::views::layout::t;
use crate::views::sampling::{self as view, LetterPage, RateTable};
use crate::views::staff::Viewer;

/// Registers the sampling routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/{slug}/sample", web::get().to(summary))
        .route(
            "/staff/surveys/{slug}/sample.csv",
            web::get().to(summary_csv),
        )
        .route("/staff/surveys/{slug}/finalise", web::post().to(finalise))
        .route("/staff/surveys/{slug}/letters", web::get().to(letters))
        .route(
            "/staff/surveys/{slug}/mailing.csv",
            web::get().to(mailing_csv),
        )
        .route(
            "/staff/surveys/{slug}/reminders.csv",
            web::get().to(reminders_csv),
        )
        .route(
            "/staff/surveys/{slug}/dispositions",
            web::get().to(dispositions),
        )
        .route(
            "/staff/surveys/{slug}/dispositions",
            web::post().to(record_disposition),
        )
        .route(
            "/staff/surveys/{slug}/response-rates.csv",
            web::get().to(rates_csv),
        );
}

/// The page that needs a sample when the survey has none.
fn no_sample() -> AppError {
    ops::sample::ListError::NoSample.into()
}

type SurveySample = (Survey, Option<(SampleRecord, Vec<StratumRecord>)>);

async fn load(state: &AppState, slug: String) -> Result<SurveySample, AppError> {
    state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let sample = match db::sample::find(conn, survey.id)? {
                Some(sample) => {
                    let strata = db::sample::strata(conn, sample.id)?;
                    Some((sample, strata))
                }
                None => None,
            };
            Ok((survey, sample))
        })
        .await
}

async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (survey, sample) = load(&state, path.into_inner()).await?;
    let survey_id = survey.id;
    let frame = state
        .db(move |conn| db::frame::import_info(conn, survey_id))
        .await?;
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(view::sample_page(
        &viewer,
        &survey,
        frame.as_ref(),
        sample.as_ref().map(|(s, strata)| (s, strata.as_slice())),
    ))
}

async fn summary_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let (survey, sample) = load(&state, path.into_inner()).await?;
    let (_, strata) = sample.ok_or_else(no_sample)?;
    Ok(csv_download(
        &format!("{}-strata.csv", survey.slug),
        "text/csv; charset=utf-8",
        view::summary_csv(&strata).into_bytes(),
    ))
}

/// Which letters to print: `from` and `to` are 1-based and inclusive (all when absent), so
/// a large sample can be printed in batches.
#[derive(serde::Deserialize)]
struct LetterRange {
    #[serde(default)]
    from: Option<usize>,
    #[serde(default)]
    to: Option<usize>,
}

async fn letters(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    range: web::Query<LetterRange>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let lang = lang_of(&req);
    let from = range.from.unwrap_or(1);
    let to = range.to.unwrap_or(usize::MAX);
    if from == 0 || to < from {
        return Err(AppError::BadRequest(format!(
            "letters from {from} to {to}: give 1 ≤ from ≤ to"
        )));
    }
    let slug = path.into_inner();
    let (survey, sample, letter, people) = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let sample = db::sample::find(conn, survey.id)?;
            let letter = db::sample::letter(conn, survey.id)?;
            let people = match (&sample, &letter) {
                (Some(sample), Some(_)) if sample.letters_printed_at.is_some() => {
                    db::frame::mailing(conn, sample.id, false)?
                }
                _ => Vec::new(),
            };
            Ok((survey, sample, letter, people))
        })
        .await?;
    let sample = sample.ok_or_else(no_sample)?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let Some(letter) = letter else {
        return Ok(view::no_letter_text(&viewer, &survey));
    };
    if sample.letters_printed_at.is_none() {
        return Ok(view::finalise_first(&viewer, &survey, &sample));
    }
    let letter = LetterSettings::from_json(&letter)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?
        .filled(&LetterFacts {
            sample_size: sample.sample_size,
            reference_date: sample.reference_date,
            deadline: survey.answer_until,
        })
        .map_err(|_| AppError::NotNow {
            ja: "依頼状の文面に {deadline}（回答の期限）がありますが、この調査には回答期間の終了日がありません。「調査の状態」のページで終了日を設定してください。".into(),
            en: "The letter uses {deadline} but the survey has no last answering day: set it on the survey's status page.".into(),
        })?;
    ops::sample::refuse_if_purged(&people)?;
    let base_url = state.config.base_url.trim_end_matches('/').to_string();
    let total = people.len();
    let payload_base = base_url.clone();
    // Hundreds of QR codes are real work: off the async threads.
    let pages = web::block(move || {
        people
            .into_iter()
            .skip(from - 1)
            .take(to - from + 1)
            .map(|p| letter_page(p, &payload_base))
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await??;
    Ok(view::letters_page(
        lang,
        &survey,
        &letter,
        &base_url,
        &pages,
        (from, total),
    ))
}

/// One letter's contents, with the QR code carrying `{base_url}/c/{CODE}`.
fn letter_page(person: db::frame::Addressee, base_url: &str) -> Result<LetterPage, AppError> {
    let code = AccessCode::parse(&person.code)
        .map(|c| c.grouped())
        .unwrap_or(person.code);
    let qr_payload = format!("{base_url}/c/{code}");
    let qr_svg = qr_svg(&qr_payload, "回答用QRコード")
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("QR code for a letter: {e}")))?;
    Ok(LetterPage {
        postal_code: person.postal_code.unwrap_or_default(),
        address: person.address.unwrap_or_default(),
        name: person.name.unwrap_or_default(),
        code,
        qr_payload,
        qr_svg,
    })
}

#[derive(serde::Deserialize)]
struct EncodingQuery {
    #[serde(default)]
    encoding: Option<String>,
}

impl EncodingQuery {
    fn parse(&self) -> Result<TextEncoding, AppError> {
        match &self.encoding {
            None => Ok(TextEncoding::Utf8),
            Some(name) => name
                .parse()
                .map_err(|e| AppError::BadRequest(format!("encoding: {e}"))),
        }
    }
}

async fn list_download(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: String,
    query: EncodingQuery,
    reminders_only: bool,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let encoding = query.parse()?;
    let list = if reminders_only {
        List::Reminders
    } else {
        // A download changes nothing: the mailing list needs a sample already final.
        List::Mailing(Finalise::AlreadyFinal)
    };
    let (survey, body) = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let list = ops::sample::list_csv(conn, survey.id, list, encoding);
            Ok((survey, list))
        })
        .await?;
    let (body, _) = body?;
    let content_type = match encoding {
        TextEncoding::Utf8 => "text/csv; charset=utf-8",
        TextEncoding::ShiftJis => "text/csv; charset=shift_jis",
    };
    let what = if reminders_only {
        "reminders"
    } else {
        "mailing"
    };
    Ok(csv_download(
        &format!("{}-{what}.csv", survey.slug),
        content_type,
        body,
    ))
}

/// Makes the sample final (no new draw may replace it) so that letters and the mailing
/// list can be produced; then shows the letters when `next` says so, else the sample page.
async fn finalise(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let slug = path.into_inner();
    let survey_slug = slug.clone();
    let sample = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &survey_slug)?;
            ops::sample::make_final(conn, survey.id)
        })
        .await?;
    sample.ok_or_else(no_sample)?;
    let page = if form.text("next") == "letters" {
        "letters"
    } else {
        "sample"
    };
    Ok(see_other(format!("/staff/surveys/{slug}/{page}")))
}

async fn mailing_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<EncodingQuery>,
) -> Result<HttpResponse, AppError> {
    list_download(req, state, path.into_inner(), query.into_inner(), false).await
}

async fn reminders_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<EncodingQuery>,
) -> Result<HttpResponse, AppError> {
    list_download(req, state, path.into_inner(), query.into_inner(), true).await
}

type Fieldwork = (
    Survey,
    Vec<StratumRecord>,
    Vec<crate::sampling::records::UnitOutcome>,
);

async fn fieldwork(state: &AppState, slug: String) -> Result<Fieldwork, AppError> {
    let (survey, sample) = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let sample = match db::sample::find(conn, survey.id)? {
                Some(sample) => Some((
                    db::sample::strata(conn, sample.id)?,
                    db::sample::outcomes(conn, sample.id)?,
                )),
                None => None,
            };
            Ok((survey, sample))
        })
        .await?;
    let (strata, outcomes) = sample.ok_or_else(no_sample)?;
    Ok((survey, strata, outcomes))
}

async fn dispositions(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let (survey, strata, outcomes) = fieldwork(&state, path.into_inner()).await?;
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    let rates = RateTable::new(&strata, &outcomes);
    Ok(view::dispositions_page(
        &viewer, &survey, &rates, &outcomes, None,
    ))
}

async fn record_disposition(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let outcome = record_from_form(&state, &slug, lang, &form).await?;
    let (survey, strata, outcomes) = fieldwork(&state, slug).await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let rates = RateTable::new(&strata, &outcomes);
    let (status, message) = match &outcome {
        Ok(done) => (actix_web::http::StatusCode::OK, Ok(done.as_str())),
        Err(problem) => (
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            Err(problem.as_str()),
        ),
    };
    let page = view::dispositions_page(&viewer, &survey, &rates, &outcomes, Some(message));
    Ok(html(status, page))
}

/// `Ok(Err(message))` when the form is wrong (shown above it), `Err` when storage fails.
async fn record_from_form(
    state: &AppState,
    slug: &str,
    lang: Lang,
    form: &FormFields,
) -> Result<Result<String, String>, AppError> {
    let code = match AccessCode::parse(form.text("code")) {
        Ok(code) => code,
        Err(e) => {
            return Ok(Err(format!(
                "{} {}",
                t(
                    lang,
                    "アクセスコードを確認してください:",
                    "Check the access code:"
                ),
                e.message(lang)
            )))
        }
    };
    let disposition = match crate::sampling::disposition::parse_recordable(form.text("disposition"))
    {
        Ok(d) => d,
        Err(refused) => return Ok(Err(refused.message(lang))),
    };
    let note = form.text("note").trim().to_string();
    let slug = slug.to_string();
    let stored_code = code.clone();
    match state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            db::sample::record_disposition(conn, survey.id, &stored_code, disposition, Some(&note))
        })
        .await
    {
        Ok(()) => Ok(Ok(format!(
            "{}: {}",
            code.grouped(),
            disposition.map_or(
                t(lang, "記録を取り消しました", "record cleared"),
                |d| d.label_ja()
            )
        ))),
        Err(AppError::Conflict(message)) => Ok(Err(message)),
        Err(other) => Err(other),
    }
}

async fn rates_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let (survey, strata, outcomes) = fieldwork(&state, path.into_inner()).await?;
    let rates = RateTable::new(&strata, &outcomes);
    Ok(csv_download(
        &format!("{}-response-rates.csv", survey.slug),
        "text/csv; charset=utf-8",
        rates.csv().into_bytes(),
    ))
}

//! Planner pages: surveys, the simple tabulation, weighted estimates, the subgroup table, any
//! table a planner builds, charts, fieldwork, and their downloads. Everything estimated comes
//! from the survey's cached [`Analysis`]; handlers only find it, parse the query and render.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::lang_of;
use super::staff::require;
use super::{csv_download, html, AppState};
use crate::analysis::cache::Analysis;
use crate::analysis::cells::View;
use crate::analysis::custom::{self, OutcomeChoice, TableRequest};
use crate::analysis::subgroups::SubgroupReport;
use crate::analysis::weighting::WeightingSpec;
use crate::analysis::{AnalysisError, Dataset, Published};
use crate::auth::Role;
use crate::csv_text::with_utf8_bom;
use crate::db;
use crate::db::sessions::StaffSession;
use crate::error::AppError;
use crate::export::analysis_file::{self, ExportInfo};
use crate::export::xlsx;
use crate::ops;
use crate::questionnaire::{Lang, QuestionnaireKind, Response};
use crate::survey::Survey;
use crate::tabulation::MIN_RESPONDENTS;
use crate::views::planner as view;
use crate::views::staff::Viewer;
use crate::views::subgroups as subgroups_view;

/// Registers the planner routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/planner", web::get().to(surveys))
        .route("/planner/{slug}", web::get().to(tabulation))
        .route(
            "/planner/{slug}/tabulation.csv",
            web::get().to(tabulation_csv),
        )
        .route(
            "/planner/{slug}/tabulation.xlsx",
            web::get().to(tabulation_xlsx),
        )
        .route("/planner/{slug}/estimates", web::get().to(estimates))
        .route(
            "/planner/{slug}/previous-wave",
            web::post().to(set_previous_wave),
        )
        .route(
            "/planner/{slug}/estimates.csv",
            web::get().to(estimates_csv),
        )
        .route(
            "/planner/{slug}/estimates.xlsx",
            web::get().to(estimates_xlsx),
        )
        .route("/planner/{slug}/subgroups", web::get().to(subgroups))
        .route(
            "/planner/{slug}/subgroups.csv",
            web::get().to(subgroups_csv),
        )
        .route(
            "/planner/{slug}/subgroups.xlsx",
            web::get().to(subgroups_xlsx),
        )
        .route(
            "/planner/{slug}/subgroups.json",
            web::get().to(subgroups_json),
        )
        .route(
            "/planner/{slug}/chart/{indicator}/{by}.svg",
            web::get().to(chart_svg),
        )
        .route("/planner/{slug}/report", web::get().to(report))
        .route("/planner/{slug}/comments", web::get().to(free_text))
        .route("/planner/{slug}/comments.csv", web::get().to(free_text_csv))
        .route(
            "/planner/{slug}/comments.xlsx",
            web::get().to(free_text_xlsx),
        )
        .route("/planner/{slug}/table", web::get().to(table))
        .route("/planner/{slug}/table.csv", web::get().to(table_csv))
        .route("/planner/{slug}/table.xlsx", web::get().to(table_xlsx))
        .route("/planner/{slug}/analysis.zip", web::get().to(analysis_zip))
        .route("/planner/{slug}/fieldwork", web::get().to(fieldwork))
        .route(
            "/planner/{slug}/fieldwork.xlsx",
            web::get().to(fieldwork_xlsx),
        );
}

async fn surveys(req: HttpRequest, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let user = session.user.clone();
    let rows = state
        .db(move |conn| {
            let mut rows = Vec::new();
            for row in db::survey_access::visible_surveys(conn, &user)? {
                let survey = Survey::try_from(row)?;
                let (_, submitted) = db::responses::counts(conn, survey.id)?;
                rows.push((survey, submitted));
            }
            Ok(rows)
        })
        .await?;
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(view::surveys(&viewer, &rows))
}

async fn tabulation(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let questionnaire = analysis.questionnaire();
    Ok(view::tabulation(
        &viewer,
        &view::TabulationPage {
            survey: &survey,
            respondents: analysis.responses(),
            tables: analysis.tabulation(lang),
            open: questionnaire.kind() == QuestionnaireKind::Open,
            free_text: questionnaire
                .questions()
                .iter()
                .any(|q| matches!(q.response, Response::Text { .. })),
        },
    ))
}

/// The printable report for a council.
async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let built = match (&analysis.dataset, analysis.report()) {
        (Err(e), _) => Err(e.message(lang)),
        (Ok(_), Err(why)) => Err(why.clone()),
        (Ok(data), Ok(report)) => Ok((data, report)),
    };
    Ok(match built {
        Err(why) => crate::views::report::report(&viewer, &survey, Err(why)),
        Ok((data, report)) => {
            let weighting = data.weighting.describe(lang);
            let cover = cover(&state, &survey, lang, data.respondents, Some(weighting)).await?;
            let page = crate::views::report::ReportPage {
                survey: &survey,
                data,
                report,
                cover: &cover,
                today: crate::clock::today(&state.config.time_zone),
            };
            crate::views::report::report(&viewer, &survey, Ok(&page))
        }
    })
}

/// Too few respondents to download `what` (the tables, the free-text answers): `(ja, en)`,
/// e.g. `("集計表は", "the tables")`.
fn too_few_respondents((ja_what, en_what): (&str, &str)) -> AppError {
    AppError::NotNow {
        ja: format!("有効回答が{MIN_RESPONDENTS}件未満のため、{ja_what}ダウンロードできません。"),
        en: format!(
            "Fewer than {MIN_RESPONDENTS} valid responses: {en_what} cannot be downloaded."
        ),
    }
}

/// The simple tabulation, for the refusal under the minimum.
const TABLES: (&str, &str) = ("集計表は", "the tables");
/// The free-text answers, for the refusal under the minimum.
const FREE_TEXT: (&str, &str) = ("自由記述は", "the free-text answers");

async fn free_text(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    Ok(view::free_text(
        &viewer,
        &survey,
        analysis.responses(),
        analysis.free_text(lang).as_deref(),
    ))
}

async fn free_text_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let questions = analysis
        .free_text(lang)
        .ok_or_else(|| too_few_respondents(FREE_TEXT))?;
    let body =
        crate::tabulation::free_text_csv(&questions).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(csv_download(
        &format!("{}-comments.csv", survey.slug),
        "text/csv; charset=utf-8",
        with_utf8_bom(body),
    ))
}

async fn free_text_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let questions = analysis
        .free_text(lang)
        .ok_or_else(|| too_few_respondents(FREE_TEXT))?;
    let cover = cover(&state, &survey, lang, analysis.responses(), None).await?;
    xlsx_download(
        &survey,
        "comments",
        xlsx::free_text(&cover, &questions, lang),
    )
}

async fn tabulation_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let tables = analysis
        .tabulation(lang)
        .ok_or_else(|| too_few_respondents(TABLES))?;
    let body = crate::tabulation::csv(tables).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(csv_download(
        &format!("{}-tabulation.csv", survey.slug),
        "text/csv; charset=utf-8",
        with_utf8_bom(body),
    ))
}

async fn tabulation_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, analysis) = analysis(&state, path.into_inner()).await?;
    let tables = analysis
        .tabulation(lang)
        .ok_or_else(|| too_few_respondents(TABLES))?;
    let cover = cover(&state, &survey, lang, analysis.responses(), None).await?;
    xlsx_download(
        &survey,
        "tabulation",
        xlsx::tabulation(&cover, tables, lang),
    )
}

/// What a workbook's cover says about the survey: title, fieldwork days, sample, response
/// rate (from the fieldwork progress, kept like the fieldwork page's), respondents and how the
/// weights were made.
async fn cover(
    state: &AppState,
    survey: &Survey,
    lang: Lang,
    respondents: usize,
    weighting: Option<String>,
) -> Result<xlsx::Cover, AppError> {
    use chrono::TimeZone;
    let progress = fieldwork_progress(state, survey.id).await?;
    let zone = &state.config.time_zone;
    let days = progress
        .submitted
        .iter()
        .map(|(at, _)| zone.from_utc_datetime(at).date_naive());
    let fieldwork = days.clone().min().zip(days.max());
    let counts = progress.sample.as_ref().map(|(_, outcomes)| {
        crate::sampling::response_rate::OutcomeCounts::from_dispositions(
            outcomes.iter().map(|o| o.disposition),
        )
    });
    Ok(xlsx::Cover {
        survey: survey.title.get(lang).to_string(),
        fieldwork,
        sampled: counts.as_ref().map(|c| c.sample()),
        respondents,
        response_rate: counts.as_ref().and_then(|c| c.valid_response_rate()),
        weighting,
    })
}

/// A workbook download named after the survey.
fn xlsx_download(
    survey: &Survey,
    name: &str,
    body: Result<Vec<u8>, xlsx::XlsxError>,
) -> Result<HttpResponse, AppError> {
    let body = body.map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(csv_download(
        &format!("{}-{name}.xlsx", survey.slug),
        xlsx::CONTENT_TYPE,
        body,
    ))
}

/// The survey's analysis at its current data version: from the cache, or built now (on the
/// blocking pool) and kept.
async fn analysis(state: &AppState, slug: String) -> Result<(Survey, Arc<Analysis>), AppError> {
    let (survey, _, analysis) = analysis_at(state, slug).await?;
    Ok((survey, analysis))
}

/// [`analysis`] with the data version it was built at.
pub(super) async fn analysis_at(
    state: &AppState,
    slug: String,
) -> Result<(Survey, i64, Arc<Analysis>), AppError> {
    let (survey, version, published) = state
        .db(move |conn| {
            let survey = ops::surveys::by_slug(conn, &slug)?;
            let version = db::surveys::data_version(conn, survey.id)?;
            // Publishing raises the data version, so the weighting read after it is the one
            // of this version or a newer one (then the next request rebuilds again).
            let published = db::weightings::published(conn, survey.id)?;
            Ok((survey, version, published))
        })
        .await?;
    if let Some(cached) = state.analyses.get(survey.id, version) {
        return Ok((survey, version, cached));
    }
    let published = published
        .map(|(name, json)| {
            WeightingSpec::from_json(&json)
                .map(|spec| Published { name, spec })
                .map_err(|e| db::DbError::Corrupt(format!("the published weighting: {e}")))
        })
        .transpose()?;
    let questionnaire = state.questionnaire_for(&survey)?;
    let survey_id = survey.id;
    // The version was read before the data: a change in between only makes the next request
    // rebuild again, never keeps stale numbers.
    let started = std::time::Instant::now();
    let known = state
        .analyses
        .latest(survey_id)
        .map(|previous| previous.known_answers())
        .unwrap_or_default();
    let stored = state
        .db(move |conn| db::analysis::stored(conn, survey_id, &known))
        .await?;
    let loaded = started.elapsed();
    let built = web::block(move || {
        let dataset = match stored.design {
            None => Err(AnalysisError::NoSample),
            Some((respondents, register)) => Dataset::build_weighted(
                &questionnaire,
                respondents,
                &register,
                published.as_ref(),
            ),
        };
        let analysis = Analysis::new(dataset, stored.answers, questionnaire);
        let dataset_built = started.elapsed();
        // The subgroup report is what nearly every page reads: compute it here, off the
        // async threads, rather than in the first handler that asks.
        let _ = analysis.report();
        log::info!(
            "analysis of survey {survey_id} at data version {version}: read {} ms, dataset {} ms, subgroup report {} ms",
            loaded.as_millis(),
            (dataset_built - loaded).as_millis(),
            (started.elapsed() - dataset_built).as_millis()
        );
        analysis
    })
    .await
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("building the analysis failed: {e}")))?;
    let built = Arc::new(built);
    state.analyses.put(survey_id, version, Arc::clone(&built));
    Ok((survey, version, built))
}

/// The query of the estimate pages: view, significance level, indicator.
#[derive(Debug, Default, serde::Deserialize)]
struct EstimateQuery {
    view: Option<String>,
    alpha: Option<String>,
    indicator: Option<String>,
    outcome: Option<String>,
    by: Option<String>,
    by2: Option<String>,
}

/// The parsed view, significance level and indicator of an estimate query.
struct Options {
    view: View,
    alpha: f64,
    indicator: Option<String>,
}

fn query(req: &HttpRequest) -> EstimateQuery {
    // Unknown parameters are ignored; a query that cannot be read at all (bad encoding, a
    // parameter given twice) is treated as empty: every page has sensible defaults.
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

fn options(q: &EstimateQuery) -> Result<Options, (String, String)> {
    let view = match q.view.as_deref() {
        None | Some("") => View::Working,
        Some(v) => View::parse(v).ok_or_else(|| {
            (
                format!("表示「{v}」はありません。working（作業用）か publication（公表用）を指定してください。"),
                format!("There is no view `{v}`: use working or publication."),
            )
        })?,
    };
    let alpha = match q.alpha.as_deref() {
        None | Some("") | Some("0.05") => 0.05,
        Some("0.01") => 0.01,
        Some("0.1") | Some("0.10") => 0.10,
        Some(a) => {
            return Err((
                format!(
                    "有意水準「{a}」は選べません。0.05、0.01、0.10 のいずれかを指定してください。"
                ),
                format!("Significance level `{a}` is not offered: use 0.05, 0.01 or 0.10."),
            ))
        }
    };
    Ok(Options {
        view,
        alpha,
        indicator: q.indicator.clone().filter(|s| !s.is_empty()),
    })
}

fn bad_query((ja, en): (String, String)) -> AppError {
    AppError::BadQuery { ja, en }
}

/// What every estimate page and download starts from: the planner's session, the page's
/// language and query, and the survey's analysis.
struct Opened {
    session: StaffSession,
    lang: Lang,
    query: EstimateQuery,
    opts: Options,
    survey: Survey,
    analysis: Arc<Analysis>,
    zone: chrono_tz::Tz,
}

impl Opened {
    async fn of(req: &HttpRequest, state: &AppState, slug: String) -> Result<Opened, AppError> {
        let session = require(req, state, Role::Planner).await?;
        let query = query(req);
        let opts = options(&query).map_err(bad_query)?;
        let (survey, analysis) = analysis(state, slug).await?;
        Ok(Opened {
            session,
            lang: lang_of(req),
            query,
            opts,
            survey,
            analysis,
            zone: state.config.time_zone,
        })
    }

    fn viewer(&self) -> Viewer<'_> {
        Viewer::of(&self.session, self.lang, &self.zone)
    }

    /// The subgroup report, or a 409 saying why there are no estimates (for downloads).
    fn report(&self) -> Result<&SubgroupReport, AppError> {
        if let Err(e) = &self.analysis.dataset {
            return Err(AppError::NotNow {
                ja: e.message(Lang::Ja),
                en: e.message(Lang::En),
            });
        }
        self.analysis.report().map_err(|why| AppError::NotNow {
            ja: format!("推計できません（{why}）。"),
            en: format!("No estimates: {why}."),
        })
    }

    /// The cover of a workbook of weighted estimates.
    async fn cover(&self, state: &AppState) -> Result<xlsx::Cover, AppError> {
        let data = self
            .analysis
            .dataset
            .as_ref()
            .map_err(|e| AppError::NotNow {
                ja: e.message(Lang::Ja),
                en: e.message(Lang::En),
            })?;
        cover(
            state,
            &self.survey,
            self.lang,
            data.respondents,
            Some(data.weighting.describe(self.lang)),
        )
        .await
    }

    /// A CSV download named after the survey.
    fn csv(&self, name: &str, body: Result<Vec<u8>, csv::Error>) -> Result<HttpResponse, AppError> {
        let body = body.map_err(|e| AppError::Unexpected(e.into()))?;
        Ok(csv_download(
            &format!("{}-{name}.csv", self.survey.slug),
            "text/csv; charset=utf-8",
            with_utf8_bom(body),
        ))
    }
}

async fn estimates(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let survey_id = page.survey.id;
    let questionnaire = page.survey.questionnaire.clone();
    let (previous, candidates) = state
        .db(move |conn| {
            let previous = db::surveys::previous_wave(conn, survey_id)?
                .map(Survey::try_from)
                .transpose()?;
            let candidates = db::surveys::list(conn)?
                .into_iter()
                .filter(|row| row.id != survey_id && row.questionnaire == questionnaire)
                .map(Survey::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((previous, candidates))
        })
        .await?;
    let previous = match previous {
        Some(wave) => Some(analysis(&state, wave.slug).await?),
        None => None,
    };
    Ok(view::estimates(
        &page.viewer(),
        &page.survey,
        &page.analysis,
        &view::Waves {
            previous: previous.as_ref().map(|(s, a)| (s, a.as_ref())),
            candidates: &candidates,
        },
        page.opts.view,
        page.opts.alpha,
    ))
}

/// An admin names (or clears) the survey's previous wave.
async fn set_previous_wave(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: crate::web::extract::FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    super::staff::check_csrf(&session, &form)?;
    let slug = path.into_inner();
    let chosen = form.text("previous").trim().to_string();
    let own_slug = slug.clone();
    let outcome = state
        .db(move |conn| {
            let own = ops::surveys::row_by_slug(conn, &own_slug)?;
            Ok(crate::ops::previous_wave::set(
                conn,
                &own,
                (!chosen.is_empty()).then_some(chosen.as_str()),
            ))
        })
        .await?;
    outcome.map_err(|e| AppError::BadQuery {
        ja: e.message(Lang::Ja),
        en: e.message(Lang::En),
    })?;
    Ok(super::see_other(format!("/planner/{slug}/estimates#waves")))
}

async fn estimates_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let body = page.report()?.detail_csv(page.opts.view, page.lang);
    page.csv("estimates", body)
}

async fn estimates_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let report = page.report()?;
    let cover = page.cover(&state).await?;
    xlsx_download(
        &page.survey,
        "estimates",
        xlsx::estimates(&cover, report, page.opts.view, page.opts.alpha, page.lang),
    )
}

async fn subgroups(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let rendered = subgroups_view::page(
        &page.viewer(),
        &page.survey,
        &page.analysis,
        &subgroups_view::Choice {
            view: page.opts.view,
            alpha: page.opts.alpha,
            indicator: page.opts.indicator.as_deref(),
        },
    );
    Ok(html(rendered.status, rendered.markup))
}

async fn subgroups_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let body = page.report()?.csv(page.opts.view, page.lang);
    page.csv("subgroups", body)
}

async fn subgroups_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let report = page.report()?;
    let cover = page.cover(&state).await?;
    xlsx_download(
        &page.survey,
        "subgroups",
        xlsx::subgroups(&cover, report, page.opts.view, page.lang),
    )
}

async fn subgroups_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let json = page
        .report()?
        .json(page.opts.view, page.opts.alpha, page.lang);
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(json.to_string()))
}

async fn chart_svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, indicator, by) = path.into_inner();
    let page = Opened::of(&req, &state, slug).await?;
    let indicator = page
        .report()?
        .indicator(&indicator)
        .ok_or(AppError::NotFound)?;
    let table = indicator.table(&by).ok_or(AppError::NotFound)?;
    let svg = crate::views::chart::breakdown_chart(
        page.lang,
        indicator,
        table,
        page.opts.view,
        page.opts.alpha,
    );
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(svg.into_string()))
}

/// The table a planner asked for, when the query names an outcome and a breakdown.
fn table_request(q: &EstimateQuery) -> Option<TableRequest> {
    let outcome = q.outcome.as_deref().filter(|s| !s.is_empty())?;
    let by = q.by.clone().filter(|s| !s.is_empty())?;
    Some(TableRequest {
        outcome: OutcomeChoice::parse(outcome).unwrap_or(OutcomeChoice::Indicator(outcome.into())),
        by,
        by2: q.by2.clone().filter(|s| !s.is_empty()),
    })
}

async fn table(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let request = table_request(&page.query);
    let built = match (&page.analysis.dataset, &request) {
        (Ok(data), Some(request)) => Some(custom::build(data, request)),
        _ => None,
    };
    let status = match &built {
        Some(Err(_)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    Ok(html(
        status,
        subgroups_view::custom_page(
            &page.viewer(),
            &page.survey,
            &page.analysis,
            request.as_ref(),
            built.as_ref(),
            page.opts.view,
        ),
    ))
}

/// The custom table the query asks for, or a 409 without a dataset and a 400 for a bad
/// query (for downloads).
fn requested_table(page: &Opened) -> Result<custom::CustomTable, AppError> {
    let data = page
        .analysis
        .dataset
        .as_ref()
        .map_err(|e| AppError::NotNow {
            ja: e.message(Lang::Ja),
            en: e.message(Lang::En),
        })?;
    let request = table_request(&page.query).ok_or_else(|| {
        bad_query((
            "集計する項目（outcome）と区分（by）を指定してください。".into(),
            "Give the outcome and the breakdown (outcome, by).".into(),
        ))
    })?;
    custom::build(data, &request).map_err(|e| bad_query((e.message(Lang::Ja), e.message(Lang::En))))
}

async fn table_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let table = requested_table(&page)?;
    page.csv("table", table.csv(page.opts.view, page.lang))
}

async fn table_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = Opened::of(&req, &state, path.into_inner()).await?;
    let table = requested_table(&page)?;
    let cover = page.cover(&state).await?;
    xlsx_download(
        &page.survey,
        "table",
        xlsx::custom_table(&cover, &table, page.opts.view, page.lang),
    )
}

/// The analysis file for statisticians as one zip: analysis.csv, codebook.csv, margins.csv and
/// reproduce.R of the survey at its current data version (recorded in the zip's comment and in
/// reproduce.R, with how the weights were made). Respondents are renumbered at random anew for
/// every download.
async fn analysis_zip(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let (survey, version, analysis) = analysis_at(&state, path.into_inner()).await?;
    let info = ExportInfo {
        survey_slug: survey.slug.clone(),
        survey_title: survey.title.clone(),
        data_version: version,
    };
    let seed = rand::random();
    let body = web::block(move || {
        let data = analysis.dataset.as_ref().map_err(|e| {
            let (ja, en) = analysis_file::not_exportable(e);
            AppError::NotNow { ja, en }
        })?;
        analysis_file::build(data, &info, seed)
            .and_then(|file| file.zip())
            .map_err(|e| match e.messages() {
                Some((ja, en)) => AppError::NotNow { ja, en },
                None => AppError::Unexpected(e.into()),
            })
    })
    .await
    .map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("writing the analysis file failed: {e}"))
    })??;
    Ok(csv_download(
        &format!("{}-analysis.zip", survey.slug),
        "application/zip",
        body,
    ))
}

async fn fieldwork(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let survey = state
        .db(move |conn| ops::surveys::by_slug(conn, &slug))
        .await?;
    let progress = fieldwork_progress(&state, survey.id).await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    Ok(view::fieldwork(
        &viewer,
        &survey,
        &progress,
        &state.config.time_zone,
    ))
}

async fn fieldwork_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let survey = state
        .db(move |conn| ops::surveys::by_slug(conn, &slug))
        .await?;
    let progress = fieldwork_progress(&state, survey.id).await?;
    let Some((strata, outcomes)) = &progress.sample else {
        return Err(AppError::NotNow {
            ja: "この調査には標本がないため、回収率はありません。".into(),
            en: "This survey has no sample: there are no response rates.".into(),
        });
    };
    let rates = crate::views::sampling::RateTable::new(strata, outcomes);
    let cover = cover(&state, &survey, lang, progress.submitted.len(), None).await?;
    xlsx_download(
        &survey,
        "response-rates",
        xlsx::response_rates(&cover, &rates.rows, &rates.overall, lang),
    )
}

/// The survey's fieldwork progress at its fieldwork version: kept, or read now and kept.
async fn fieldwork_progress(
    state: &AppState,
    survey_id: i64,
) -> Result<Arc<db::fieldwork::Progress>, AppError> {
    let version = state
        .db(move |conn| db::surveys::fieldwork_version(conn, survey_id))
        .await?;
    if let Some(kept) = state.fieldwork.get(survey_id, version) {
        return Ok(kept);
    }
    // Read after the version: a change in between only makes the next request read again.
    let progress = Arc::new(
        state
            .db(move |conn| db::fieldwork::progress(conn, survey_id))
            .await?,
    );
    state
        .fieldwork
        .put(survey_id, version, Arc::clone(&progress));
    Ok(progress)
}

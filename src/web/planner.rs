//! Planner pages: surveys, their simple tabulation and weighted prevalence, and CSV downloads.

use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::lang_of;
use super::staff::require;
use super::{csv_download, with_utf8_bom, AppState};
use crate::auth::Role;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::prevalence::{self, planner_options, RegisterCell, Report, Respondent};
use crate::questionnaire::{Answers, Lang};
use crate::survey::Survey;
use crate::tabulation::{simple_tabulation, Table, MIN_RESPONDENTS};
use crate::views::planner as view;
use crate::views::staff::Viewer;

/// Registers the planner routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/planner", web::get().to(surveys))
        .route("/planner/{slug}", web::get().to(tabulation))
        .route(
            "/planner/{slug}/tabulation.csv",
            web::get().to(tabulation_csv),
        )
        .route("/planner/{slug}/estimates", web::get().to(estimates))
        .route(
            "/planner/{slug}/estimates.csv",
            web::get().to(estimates_csv),
        );
}

async fn surveys(req: HttpRequest, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let rows = state
        .db(|conn| {
            let mut rows = Vec::new();
            for row in db::surveys::list(conn)? {
                let survey = Survey::try_from(row)?;
                let (_, submitted) = db::responses::counts(conn, survey.id)?;
                rows.push((survey, submitted));
            }
            Ok(rows)
        })
        .await?;
    let viewer = Viewer::of(&session, lang_of(&req));
    Ok(view::surveys(&viewer, &rows))
}

/// The survey and its tables (`None` under the minimum number of respondents).
async fn load_tables(
    state: &AppState,
    slug: String,
    lang: Lang,
) -> Result<(Survey, usize, Option<Vec<Table>>), AppError> {
    let (survey, stored) = state
        .db(move |conn| {
            let row = db::surveys::find_by_slug(conn, &slug)?.ok_or(DbError::NotFound)?;
            let survey = Survey::try_from(row)?;
            let stored = db::responses::submitted_answers(conn, survey.id)?;
            Ok((survey, stored))
        })
        .await?;
    let questionnaire = state.questionnaire_for(&survey)?;
    let respondents: Vec<Answers> = stored
        .iter()
        .map(|(_, json)| serde_json::from_str(json))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!(
                "survey {} has unreadable answers: {e}",
                survey.slug
            ))
        })?;
    let tables = (respondents.len() >= MIN_RESPONDENTS)
        .then(|| simple_tabulation(&questionnaire, &respondents, lang));
    Ok((survey, respondents.len(), tables))
}

async fn tabulation(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, n, tables) = load_tables(&state, path.into_inner(), lang).await?;
    let viewer = Viewer::of(&session, lang);
    Ok(view::tabulation(&viewer, &survey, n, tables.as_deref()))
}

async fn tabulation_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, _, tables) = load_tables(&state, path.into_inner(), lang).await?;
    let Some(tables) = tables else {
        return Err(AppError::NotNow {
            ja: format!(
                "有効回答が{MIN_RESPONDENTS}件未満のため、集計表はダウンロードできません。"
            ),
            en: format!(
                "Fewer than {MIN_RESPONDENTS} valid responses: the tables cannot be downloaded."
            ),
        });
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        out.write_record(["number", "question", "option", "count", "percent", "base"])?;
        for table in &tables {
            for row in &table.rows {
                out.write_record([
                    table.number.as_str(),
                    table.title.as_str(),
                    row.label.as_str(),
                    &row.count.to_string(),
                    &format!("{:.1}", row.percent),
                    &table.base.to_string(),
                ])?;
            }
        }
        Ok(())
    };
    write(&mut out).map_err(|e| AppError::Unexpected(e.into()))?;
    let body = out
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("{e}")))?;
    Ok(csv_download(
        &format!("{}-tabulation.csv", survey.slug),
        "text/csv; charset=utf-8",
        with_utf8_bom(body),
    ))
}

/// The prevalence report of a survey: its sample design, the register margins and the
/// answers of the respondents who count.
async fn load_report(
    state: &AppState,
    slug: String,
) -> Result<(Survey, Result<Report, String>), AppError> {
    let (survey, design, stored) = state
        .db(move |conn| {
            let row = db::surveys::find_by_slug(conn, &slug)?.ok_or(DbError::NotFound)?;
            let survey = Survey::try_from(row)?;
            let design = db::sample::design_for_estimation(conn, survey.id)?;
            let stored = db::responses::submitted_answers(conn, survey.id)?;
            Ok((survey, design, stored))
        })
        .await?;
    let Some(design) = design else {
        return Ok((survey, Err(NO_SAMPLE.into())));
    };
    let questionnaire = state.questionnaire_for(&survey)?;
    let mut answers: std::collections::HashMap<i64, Answers> = std::collections::HashMap::new();
    for (id, json) in stored {
        let parsed = serde_json::from_str(&json).map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!("response {id} has unreadable answers: {e}"))
        })?;
        answers.insert(id, parsed);
    }
    let respondents: Vec<Respondent> = design
        .respondents
        .into_iter()
        .filter_map(|row| {
            let answers = answers.remove(&row.response_id)?;
            Some(Respondent {
                stratum: row.stratum,
                population: row.population as f64,
                base_weight: row.base_weight,
                sex: row.sex,
                age_band: row.age_band,
                district: row.district,
                answers,
            })
        })
        .collect();
    let register: Vec<RegisterCell> = design
        .margins
        .into_iter()
        .map(|m| RegisterCell {
            sex: m.sex,
            age_band: m.age_band,
            district: m.district,
            population: m.population as f64,
        })
        .collect();
    let outcome = prevalence::report(&questionnaire, &respondents, &register, &planner_options())
        .map_err(|e| e.to_string());
    Ok((survey, outcome))
}

const NO_SAMPLE: &str =
    "no sample has been drawn for this survey, so there is no design to weight by";

async fn estimates(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let (survey, report) = load_report(&state, path.into_inner()).await?;
    let viewer = Viewer::of(&session, lang_of(&req));
    Ok(view::estimates(&viewer, &survey, report.as_ref()))
}

async fn estimates_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let (survey, report) = load_report(&state, path.into_inner()).await?;
    let report = report.map_err(|why| AppError::NotNow {
        ja: format!("推計できません: {why}"),
        en: format!("No estimates: {why}"),
    })?;
    let body = report
        .csv(lang)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(csv_download(
        &format!("{}-estimates.csv", survey.slug),
        "text/csv; charset=utf-8",
        with_utf8_bom(body),
    ))
}

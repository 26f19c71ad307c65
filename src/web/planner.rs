//! Planner pages: surveys and their tabulations, and the CSV download of the tables.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::lang_of;
use super::staff::require;
use super::AppState;
use crate::auth::Role;
use crate::db::{self, DbError};
use crate::error::AppError;
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
        );
}

async fn surveys(req: HttpRequest, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let rows = state
        .db(|conn| {
            let mut rows = Vec::new();
            for row in db::surveys::list(conn)? {
                let survey = Survey::try_from(row).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let (_, submitted) = db::responses::counts(conn, survey.id)?;
                rows.push((survey, submitted));
            }
            Ok(rows)
        })
        .await?;
    let viewer = Viewer {
        user: &session.user,
        csrf: &session.csrf_token,
        lang: lang_of(&req),
    };
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
            let survey = Survey::try_from(row).map_err(|e| DbError::Corrupt(e.to_string()))?;
            let stored = db::responses::submitted_answers(conn, survey.id)?;
            Ok((survey, stored))
        })
        .await?;
    let questionnaire = state
        .catalogue
        .for_survey(&survey.questionnaire, &survey.modules)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("survey {}: {e}", survey.slug)))?;
    let respondents: Vec<Answers> = stored
        .iter()
        .map(|json| serde_json::from_str(json))
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
    let viewer = Viewer {
        user: &session.user,
        csrf: &session.csrf_token,
        lang,
    };
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
    // A byte-order mark makes Excel read the file as UTF-8.
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend(body);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-tabulation.csv\"", survey.slug),
        ))
        .body(with_bom))
}

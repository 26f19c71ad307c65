//! The weighting page of a survey (`/planner/{slug}/weighting`): planners see which weighting
//! is published and its preview; admins preview a specification without saving it, save it
//! under a name, publish a saved one (only if it can be used with the data as it is now) or
//! return to the default.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{lang_of, FormFields};
use super::planner::analysis_at;
use super::staff::{check_csrf, require};
use super::{html, see_other, AppState};
use crate::analysis::weighting::preview::{preview, Preview};
use crate::analysis::weighting::{SpecForm, WeightingSpec};
use crate::auth::Role;
use crate::db::sessions::StaffSession;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::questionnaire::Lang;
use crate::views::staff::Viewer;
use crate::views::weighting as view;

/// Registers the weighting routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/planner/{slug}/weighting", web::get().to(page))
        .route("/planner/{slug}/weighting", web::post().to(choose))
        .route(
            "/planner/{slug}/weighting/default",
            web::post().to(return_to_default),
        )
        .route(
            "/planner/{slug}/weighting/{id}/publish",
            web::post().to(publish),
        );
}

/// What the page needs besides the form.
struct Loaded {
    survey: crate::survey::Survey,
    analysis: std::sync::Arc<crate::analysis::cache::Analysis>,
    saved: Vec<db::weightings::WeightingRow>,
    log: Vec<db::weightings::LogRow>,
}

impl Loaded {
    async fn of(state: &AppState, slug: String) -> Result<Loaded, AppError> {
        let (survey, _, analysis) = analysis_at(state, slug).await?;
        let survey_id = survey.id;
        let (saved, log) = state
            .db(move |conn| {
                Ok((
                    db::weightings::list(conn, survey_id)?,
                    db::weightings::changes(conn, survey_id)?,
                ))
            })
            .await?;
        Ok(Loaded {
            survey,
            analysis,
            saved,
            log,
        })
    }

    fn published(&self) -> Option<&db::weightings::WeightingRow> {
        self.saved.iter().find(|w| w.published_at.is_some())
    }

    /// The preview of `spec` on the survey's sample, or why there is none, in `lang`.
    fn preview(&self, spec: &WeightingSpec, lang: Lang) -> Result<Preview, String> {
        let data = self
            .analysis
            .dataset
            .as_ref()
            .map_err(|e| e.message(lang))?;
        preview(spec, &data.sample, &data.register).map_err(|e| e.message(lang))
    }
}

/// Renders the page with `status`.
#[allow(clippy::too_many_arguments)]
fn render(
    session: &StaffSession,
    state: &AppState,
    lang: Lang,
    loaded: &Loaded,
    form: &SpecForm,
    name: &str,
    shown: Option<(String, Result<Preview, String>)>,
    status: StatusCode,
) -> HttpResponse {
    let viewer = Viewer::of(session, lang, &state.config.time_zone);
    let current = loaded
        .analysis
        .dataset
        .as_ref()
        .ok()
        .map(|d| d.weighting.describe(lang));
    html(
        status,
        view::weighting(
            &viewer,
            &view::WeightingPage {
                survey: &loaded.survey,
                current,
                published: loaded.published().map(|w| w.name.as_str()),
                saved: &loaded.saved,
                log: &loaded.log,
                form,
                name,
                shown,
                admin: session.user.role.allows(Role::Admin),
            },
        ),
    )
}

fn stored_spec(row: &db::weightings::WeightingRow) -> Result<WeightingSpec, AppError> {
    WeightingSpec::from_json(&row.spec_json)
        .map_err(|e| AppError::from(DbError::Corrupt(format!("weighting {}: {e}", row.id))))
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    show: Option<i64>,
}

/// The page: the published weighting (or the default) previewed, or a saved one (`?show=id`).
async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Planner).await?;
    let lang = lang_of(&req);
    let query: PageQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let loaded = Loaded::of(&state, path.into_inner()).await?;
    let shown_row = match query.show {
        Some(id) => Some(
            loaded
                .saved
                .iter()
                .find(|w| w.id == id)
                .ok_or(AppError::NotFound)?,
        ),
        None => loaded.published(),
    };
    let (title, spec) = match shown_row {
        Some(row) => (row.name.clone(), stored_spec(row)?),
        None => (
            crate::views::layout::t(lang, "既定の重み付け", "The default weighting").to_string(),
            WeightingSpec::default(),
        ),
    };
    let shown = loaded.preview(&spec, lang);
    let form = SpecForm::from(&spec);
    Ok(render(
        &session,
        &state,
        lang,
        &loaded,
        &form,
        "",
        Some((title, shown)),
        StatusCode::OK,
    ))
}

/// The admin's form: preview (nothing saved) or save under a name (only a usable one).
async fn choose(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    fields: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &fields)?;
    let lang = lang_of(&req);
    let slug = path.into_inner();
    let loaded = Loaded::of(&state, slug.clone()).await?;
    let form = SpecForm {
        method: fields.text("method").to_string(),
        margins: fields.all("margin").into_iter().map(String::from).collect(),
        min_cell_respondents: fields.text("min_cell_respondents").to_string(),
        trim_lower: fields.text("trim_lower").to_string(),
        trim_upper: fields.text("trim_upper").to_string(),
        tolerance: fields.text("tolerance").to_string(),
        max_iterations: fields.text("max_iterations").to_string(),
    };
    let name = fields.text("name").trim().to_string();
    let saving = fields.text("action") == "save";
    let title = if name.is_empty() {
        crate::views::layout::t(lang, "保存していない重み付け", "Unsaved weighting").to_string()
    } else {
        name.clone()
    };
    let refused = |why: String| {
        render(
            &session,
            &state,
            lang,
            &loaded,
            &form,
            &name,
            Some((title.clone(), Err(why))),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let spec = match form.parse() {
        Ok(spec) => spec,
        Err(e) => return Ok(refused(e.message(lang))),
    };
    let shown = match loaded.preview(&spec, lang) {
        Ok(preview) => preview,
        Err(why) => return Ok(refused(why)),
    };
    if !saving {
        return Ok(render(
            &session,
            &state,
            lang,
            &loaded,
            &form,
            &name,
            Some((title, Ok(shown))),
            StatusCode::OK,
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Ok(refused(
            crate::views::layout::t(
                lang,
                "保存するには名前（100文字まで）を付けてください。",
                "Give it a name (up to 100 characters) to save it.",
            )
            .to_string(),
        ));
    }
    let survey_id = loaded.survey.id;
    let user_id = session.user.id;
    let json = spec.to_json();
    let saved_name = name.clone();
    let saved = state
        .db(move |conn| db::weightings::save(conn, survey_id, &saved_name, &json, user_id))
        .await;
    match saved {
        Ok(id) => Ok(see_other(format!(
            "/planner/{slug}/weighting?show={id}#preview"
        ))),
        Err(AppError::Conflict(message)) => Ok(refused(message)),
        Err(e) => Err(e),
    }
}

/// Publishes a saved weighting if it can be used with the data as it is now; otherwise the
/// page says why and the published one stays.
async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    fields: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &fields)?;
    let lang = lang_of(&req);
    let (slug, id) = path.into_inner();
    let loaded = Loaded::of(&state, slug.clone()).await?;
    let row = loaded
        .saved
        .iter()
        .find(|w| w.id == id)
        .ok_or(AppError::NotFound)?;
    let spec = stored_spec(row)?;
    if let Err(why) = loaded.preview(&spec, lang) {
        let form = SpecForm::from(&spec);
        return Ok(render(
            &session,
            &state,
            lang,
            &loaded,
            &form,
            "",
            Some((row.name.clone(), Err(why))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let survey_id = loaded.survey.id;
    let user_id = session.user.id;
    state
        .db(move |conn| db::weightings::publish(conn, survey_id, id, user_id))
        .await?;
    Ok(see_other(format!("/planner/{slug}/weighting#published")))
}

/// Returns the survey to the default weighting.
async fn return_to_default(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    fields: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &fields)?;
    let slug = path.into_inner();
    let slug_for_db = slug.clone();
    let user_id = session.user.id;
    state
        .db(move |conn| {
            let survey = crate::ops::surveys::row_by_slug(conn, &slug_for_db)?;
            db::weightings::unpublish(conn, survey.id, user_id)
        })
        .await?;
    Ok(see_other(format!("/planner/{slug}/weighting#published")))
}

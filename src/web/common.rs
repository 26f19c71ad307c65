//! Pages every audience shares: the stylesheet, the language switch, health, not found.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{cookie, safe_local_path, LANG_COOKIE};
use super::AppState;
use crate::error::AppError;
use crate::questionnaire::Lang;
use crate::views::style::SITE_CSS;

/// Registers the shared routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/site.css", web::get().to(stylesheet))
        .route("/static/print.js", web::get().to(print_script))
        .route("/lang", web::get().to(switch_language))
        .route("/healthz", web::get().to(health));
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SITE_CSS)
}

/// The one script of the site: a button marked `data-print` opens the browser's print dialog
/// (the content security policy allows scripts from this site only, never inline).
const PRINT_JS: &str =
    "document.querySelectorAll('[data-print]').forEach(b => b.addEventListener('click', () => window.print()));\n";

async fn print_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(PRINT_JS)
}

#[derive(serde::Deserialize)]
struct SwitchQuery {
    to: String,
    #[serde(default)]
    back: String,
}

async fn switch_language(
    state: web::Data<AppState>,
    query: web::Query<SwitchQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&query.to).ok_or_else(|| {
        AppError::BadRequest(format!("unknown language `{}`: use ja or en", query.to))
    })?;
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(
            LANG_COOKIE,
            lang.code().to_string(),
            state.config.cookie_secure,
            CookieDuration::days(365),
        ))
        .insert_header((header::LOCATION, safe_local_path(&query.back)))
        .finish())
}

async fn health(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db(crate::db::ping).await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}

/// Any path no route matched.
pub async fn not_found(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

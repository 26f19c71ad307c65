//! HTTP handlers by audience: resident, staff entry, planner, admin. Thin: parse, call db, render.
//!
//! A handler extracts what it needs, parses it into domain types, runs storage calls through
//! [`AppState::db`] (which moves them off the async threads) and renders a view.

pub mod accounts;
pub mod cache;
pub mod common;
pub mod consultation;
pub mod entry;
pub mod extract;
pub mod lifecycle;
pub mod open;
pub mod planner;
pub mod register;
pub mod resident;
pub mod sampling;
pub mod staff;
pub mod weighting;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Logger};
use actix_web::{web, App};

use crate::analysis::cache::Analysis;
use crate::auth::rate_limit::{Attempt, FailureRule};
use crate::config::Config;
use crate::db::fieldwork::Progress;
use crate::db::{DbConnection, DbError, DbResult, Pool};
use crate::error::AppError;
use crate::mail::sender::Wakeup;
use crate::mail::Mailer;
use crate::questionnaire::Catalogue;
use cache::SurveyCache;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    /// The questionnaires on offer, loaded and validated at start-up.
    pub catalogue: Catalogue,
    /// Each survey's analysis dataset, rebuilt when its data version changes.
    pub analyses: SurveyCache<Analysis>,
    /// Each survey's fieldwork progress, read again when its fieldwork version changes.
    pub fieldwork: SurveyCache<Progress>,
    /// The transport the background sender delivers the outbox through (`mail test`, and
    /// tests reading what was sent, use it directly; pages never do).
    pub mailer: Mailer,
    /// Wakes the background sender after a page queued a message.
    pub mail_wakeup: Wakeup,
    /// Register files uploaded on the staff pages, waiting for their columns or being
    /// imported.
    pub uploads: register::Uploads,
}

impl AppState {
    /// State for a running site; fails with a readable message when the questionnaires
    /// cannot be loaded.
    pub fn new(pool: Pool, config: Config) -> Result<Arc<Self>, String> {
        let mailer = Mailer::from_settings(&config.mail)?;
        Self::with_mailer(pool, config, mailer)
    }

    /// State with a given mailer (tests pass [`Mailer::memory`]).
    pub fn with_mailer(pool: Pool, config: Config, mailer: Mailer) -> Result<Arc<Self>, String> {
        let catalogue = Catalogue::load(&config.questionnaires_dir).map_err(|e| e.to_string())?;
        Ok(Arc::new(AppState {
            pool,
            config,
            catalogue,
            analyses: SurveyCache::default(),
            fieldwork: SurveyCache::default(),
            mailer,
            mail_wakeup: Wakeup::default(),
            uploads: register::Uploads::default(),
        }))
    }

    /// The questionnaire as `survey` uses it (its modules switched on). A stored survey
    /// naming a questionnaire the site no longer has is an operator error, logged as such.
    pub fn questionnaire_for(
        &self,
        survey: &crate::survey::Survey,
    ) -> Result<crate::questionnaire::Questionnaire, AppError> {
        self.catalogue
            .for_survey(&survey.questionnaire, &survey.modules)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("survey {}: {e}", survey.slug)))
    }

    /// Runs storage work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> DbResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await?
        .map_err(AppError::from)
    }

    /// Runs an operation that may refuse (an invitation to a taken name, a second contact
    /// request): `Ok(Err(refusal))` is for the page to show; a storage failure is an error.
    pub async fn attempt<T, E, F>(&self, work: F) -> Result<Result<T, E>, AppError>
    where
        T: Send + 'static,
        E: Refusal,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        self.db(move |conn| match work(conn) {
            Ok(value) => Ok(Ok(value)),
            Err(e) => e.into_refusal().map(Err),
        })
        .await
    }
}

/// An operation's error: a refusal that says what to change, or a storage failure.
pub trait Refusal: Sized + Send + 'static {
    /// The refusal, or the storage failure it wraps.
    fn into_refusal(self) -> Result<Self, DbError>;
}

impl Refusal for crate::ops::accounts::AccountError {
    fn into_refusal(self) -> Result<Self, DbError> {
        match self {
            crate::ops::accounts::AccountError::Db(e) => Err(e),
            refusal => Ok(refusal),
        }
    }
}

impl Refusal for crate::ops::consultation::ConsultationError {
    fn into_refusal(self) -> Result<Self, DbError> {
        match self {
            crate::ops::consultation::ConsultationError::Db(e) => Err(e),
            refusal => Ok(refusal),
        }
    }
}

/// An HTML page with a status (for pages that are not 200, or that set nothing else).
pub fn html(status: actix_web::http::StatusCode, body: maud::Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string())
}

/// A redirect after a form post (303 See Other), to a path of this site.
pub fn see_other(location: impl Into<String>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.into()))
        .finish()
}

/// A CSV file download. Never cached: these files can hold personal data.
pub fn csv_download(file_name: &str, content_type: &str, body: Vec<u8>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Refuses the request with 429 while `client` has used up its failures at `attempt`
/// (10 a minute, counted in the database: the same on every app server).
pub async fn refuse_if_limited(
    state: &AppState,
    attempt: Attempt,
    client: std::net::IpAddr,
) -> Result<(), AppError> {
    let rule = FailureRule::TEN_PER_MINUTE;
    let now = crate::db::now();
    let recent = state
        .db(move |conn| {
            crate::db::attempts::failures_since(
                conn,
                attempt.as_str(),
                &client.to_string(),
                rule.window_start(now),
            )
        })
        .await?;
    match rule.wait(&recent, now) {
        None => Ok(()),
        Some(wait) => Err(AppError::TooManyAttempts {
            retry_after_secs: wait.num_seconds().max(1) as u64,
        }),
    }
}

/// Counts one failure of `client` at `attempt` (for every app server on the database).
pub async fn record_failure(
    state: &AppState,
    attempt: Attempt,
    client: std::net::IpAddr,
) -> Result<(), AppError> {
    let rule = FailureRule::TEN_PER_MINUTE;
    let now = crate::db::now();
    state
        .db(move |conn| {
            crate::db::attempts::record_failure(
                conn,
                attempt.as_str(),
                &client.to_string(),
                now,
                rule.window_start(now),
            )
        })
        .await
}

/// The whole site as an actix `App`, used by `serve` and by the tests alike.
pub fn build_app(
    state: Arc<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::from(state))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "same-origin"))
                .add((
                    "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
                )),
        )
        .wrap(
            Logger::new("%a \"%{request}xi\" %s %Dms")
                .custom_request_replace("request", |req| logged_request(req.method().as_str(), req.path())),
        )
        .configure(common::routes)
        .configure(resident::routes)
        .configure(staff::routes)
        .configure(accounts::routes)
        .configure(consultation::routes)
        .configure(planner::routes)
        .configure(weighting::routes)
        .configure(entry::routes)
        .configure(sampling::routes)
        .configure(register::routes)
        .configure(open::routes)
        .configure(lifecycle::routes)
        .default_service(web::to(common::not_found))
}

/// The request line as the access log keeps it: the method and path, without the query
/// string, and with the access code of a letter's link (`/c/CODE`) left out, so that the
/// log never ties a code to an address or a time.
fn logged_request(method: &str, path: &str) -> String {
    let path = match path.strip_prefix("/c/") {
        Some(_) => "/c/…",
        None => path,
    };
    // A hostile path thousands of characters long is cut, not copied into every line.
    let cut: String = path.chars().take(200).collect();
    let ellipsis = if cut.len() < path.len() { "…" } else { "" };
    format!("{method} {cut}{ellipsis}")
}

#[cfg(test)]
mod log_tests {
    use super::logged_request;

    #[test]
    fn the_access_log_keeps_no_code_no_query_and_no_endless_path() {
        assert_eq!(logged_request("GET", "/c/DGD6-Y7YY-QX2B-3UF6"), "GET /c/…");
        assert_eq!(
            logged_request("GET", "/answer/page/3"),
            "GET /answer/page/3"
        );
        let long = format!("/{}", "x".repeat(5000));
        let logged = logged_request("GET", &long);
        assert!(logged.chars().count() < 210, "{}", logged.len());
        assert!(logged.ends_with('…'));
    }
}

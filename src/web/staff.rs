//! Sign-in, sign-out, the fieldwork overview, and the check every staff page starts with
//! (session, role, survey scope).

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::{
    client_ip, cookie, lang_of, removal, safe_local_path, FormFields, FORM_CSRF_COOKIE,
    STAFF_COOKIE,
};
use super::{record_failure, refuse_if_limited, AppState};
use crate::auth::rate_limit::Attempt;
use crate::auth::{self, Role};
use crate::db;
use crate::db::sessions::StaffSession;
use crate::error::AppError;
use crate::survey::Survey;
use crate::views::layout::t;
use crate::views::staff::{self as view, FieldworkRow, Person, Viewer};

/// How long a staff sign-in lasts.
const STAFF_SESSION_HOURS: i64 = 10;

/// Registers sign-in, fieldwork and account routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/staff", web::get().to(fieldwork));
}

/// The signed-in person, if their role allows `needed` and — on a page of one survey (a
/// route with `{slug}`) — the survey is theirs; otherwise a redirect to sign in, or 403.
///
/// Every survey's pages and downloads name it `{slug}`, so this one check scopes them all:
/// staff and planners open only the surveys they are members of, admins every survey. A
/// non-admin gets 403 for a slug that does not exist too, so scope never reveals which
/// surveys exist.
pub async fn require(
    req: &HttpRequest,
    state: &AppState,
    needed: Role,
) -> Result<StaffSession, AppError> {
    let next = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let Some(token) = req.cookie(STAFF_COOKIE).map(|c| c.value().to_string()) else {
        return Err(AppError::LoginRequired { next });
    };
    let hash = auth::token_hash(&token);
    let slug = req.match_info().get("slug").map(str::to_string);
    let (session, in_scope) = state
        .db(move |conn| {
            let Some(session) = db::sessions::find_staff(conn, &hash)? else {
                return Ok((None, false));
            };
            let in_scope = match &slug {
                Some(slug) => db::survey_access::may_open(conn, &session.user, slug)?,
                None => true,
            };
            Ok((Some(session), in_scope))
        })
        .await?;
    let session = session.ok_or(AppError::LoginRequired { next })?;
    if !session.user.role.allows(needed) || !in_scope {
        return Err(AppError::Forbidden);
    }
    Ok(session)
}

/// Checks the CSRF field of a signed-in person's form.
pub fn check_csrf(session: &StaffSession, form: &FormFields) -> Result<(), AppError> {
    if auth::csrf_matches(&session.csrf_token, form.text("csrf")) {
        Ok(())
    } else {
        Err(AppError::CsrfRejected)
    }
}

/// The CSRF token of a pre-session form: the cookie's, or a new one to set.
pub fn form_csrf(req: &HttpRequest) -> (String, bool) {
    match req.cookie(FORM_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => (c.value().to_string(), false),
        _ => (auth::random_token(), true),
    }
}

/// Checks a pre-session form's CSRF field against its cookie (double submit).
pub fn check_form_csrf(req: &HttpRequest, form: &FormFields) -> Result<(), AppError> {
    let expected = req
        .cookie(FORM_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if auth::csrf_matches(&expected, form.text("csrf")) {
        Ok(())
    } else {
        Err(AppError::CsrfRejected)
    }
}

/// An HTML response that also sets the pre-session CSRF cookie when it is new.
pub fn html_with_form_csrf(
    state: &AppState,
    status: actix_web::http::StatusCode,
    token: &str,
    is_new: bool,
    body: Markup,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    if is_new {
        response.cookie(cookie(
            FORM_CSRF_COOKIE,
            token.to_string(),
            state.config.cookie_secure,
            CookieDuration::hours(12),
        ));
    }
    response.body(body.into_string())
}

#[derive(serde::Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let (token, is_new) = form_csrf(&req);
    // Without a page to return to, the person goes to their role's start page.
    let next = if query.next.is_empty() {
        String::new()
    } else {
        safe_local_path(&query.next)
    };
    html_with_form_csrf(
        &state,
        actix_web::http::StatusCode::OK,
        &token,
        is_new,
        view::login(lang, &token, &next, "", None),
    )
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    check_form_csrf(&req, &form)?;
    let lang = lang_of(&req);
    let client = client_ip(&req, state.config.trust_proxy);
    refuse_if_limited(&state, Attempt::Login, client).await?;
    let username = form.text("username").trim().to_string();
    let password = form.text("password").to_string();
    let next = match form.text("next") {
        "" => String::new(),
        typed => safe_local_path(typed),
    };
    let lookup = username.clone();
    let user = state
        .db(move |conn| db::users::find_by_username(conn, &lookup))
        .await?;
    // Verify against a real hash even for unknown users, so timing does not reveal names.
    let verified = match &user {
        Some(u) => auth::verify_password(&password, &u.password_hash),
        None => {
            auth::verify_password(&password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|u| verified && u.active) else {
        record_failure(&state, Attempt::Login, client).await?;
        let (token, _) = form_csrf(&req);
        let message = t(
            lang,
            "ユーザー名またはパスワードが違います。",
            "The username or password is wrong.",
        );
        return Ok(html_with_form_csrf(
            &state,
            actix_web::http::StatusCode::UNAUTHORIZED,
            &token,
            false,
            view::login(lang, &token, &next, &username, Some(message)),
        ));
    };
    let session = auth::NewSession::generate();
    let token = session.cookie_value.clone();
    let expires = db::now() + chrono::Duration::hours(STAFF_SESSION_HOURS);
    let user_id = user.id;
    state
        .db(move |conn| {
            db::sessions::create_staff(
                conn,
                &session.stored_hash,
                user_id,
                &session.csrf_token,
                expires,
            )
        })
        .await?;
    let target = if next.is_empty() || next == "/" {
        user.role.home().to_string()
    } else {
        next
    };
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(
            STAFF_COOKIE,
            token,
            state.config.cookie_secure,
            CookieDuration::hours(STAFF_SESSION_HOURS),
        ))
        .insert_header((header::LOCATION, target))
        .finish())
}

/// A valid argon2id hash of a random password, for constant-time failures.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0bIrFSO0TzQbA6cXdE6Nu3ZuQHqNVp4f4xsxgbDL0Ss";

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = req.cookie(STAFF_COOKIE).map(|c| c.value().to_string()) {
        let hash = auth::token_hash(&token);
        let session = {
            let hash = hash.clone();
            state
                .db(move |conn| db::sessions::find_staff(conn, &hash))
                .await?
        };
        if let Some(session) = session {
            check_csrf(&session, &form)?;
            state
                .db(move |conn| db::sessions::delete_staff(conn, &hash))
                .await?;
        }
    }
    Ok(HttpResponse::SeeOther()
        .cookie(removal(STAFF_COOKIE))
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

async fn fieldwork(req: HttpRequest, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let user = session.user.clone();
    let mut rows = state
        .db(move |conn| {
            let mut rows = Vec::new();
            for row in db::survey_access::visible_surveys(conn, &user)? {
                let survey = Survey::try_from(row)?;
                let codes = db::codes::count(conn, survey.id)?;
                let (in_progress, submitted) = db::responses::counts(conn, survey.id)?;
                rows.push(FieldworkRow {
                    survey,
                    open: false,
                    codes,
                    in_progress,
                    submitted,
                });
            }
            Ok(rows)
        })
        .await?;
    for row in &mut rows {
        row.open = state.questionnaire_for(&row.survey)?.kind()
            == crate::questionnaire::QuestionnaireKind::Open;
    }
    let viewer = Viewer::of(&session, lang_of(&req), &state.config.time_zone);
    Ok(view::fieldwork(&viewer, &rows))
}

impl<'a> Viewer<'a> {
    /// The viewer of a signed-in session: what the pages show of the account.
    pub fn of(
        session: &'a StaffSession,
        lang: crate::questionnaire::Lang,
        zone: &'a chrono_tz::Tz,
    ) -> Self {
        Viewer {
            user: Person {
                id: session.user.id,
                role: session.user.role,
                display_name: &session.user.display_name,
            },
            csrf: &session.csrf_token,
            lang,
            zone,
        }
    }
}

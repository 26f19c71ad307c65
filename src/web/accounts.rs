//! Account pages: admins invite, change roles and survey access, deactivate, and watch the
//! mail outbox; invited people set their password and anyone may ask for a reset link.
//! The work is done by `ops::accounts`; messages are queued there and sent in the
//! background, so no page here waits for SMTP.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use super::extract::{lang_of, FormFields};
use super::staff::{check_csrf, check_form_csrf, form_csrf, html_with_form_csrf, require};
use super::{html, see_other, AppState};
use crate::auth::{self, Role};
use crate::db;
use crate::db::account_links::LinkPurpose;
use crate::db::sessions::StaffSession;
use crate::error::AppError;
use crate::ops::accounts::{self, AccountError, LinkContext, LinkError};
use crate::questionnaire::Lang;
use crate::survey::Survey;
use crate::views::accounts::{self as view, AccountLine, AccountList, AccountPage, InviteForm};
use crate::views::layout::t;
use crate::views::staff::Viewer;

/// Registers the account routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(list))
        .route("/admin/users", web::post().to(invite))
        .route("/admin/users/{id}", web::get().to(account))
        .route("/admin/users/{id}/role", web::post().to(change_role))
        .route("/admin/users/{id}/surveys", web::post().to(set_surveys))
        .route("/admin/users/{id}/active", web::post().to(set_active))
        .route(
            "/admin/users/{id}/invite",
            web::post().to(resend_invitation),
        )
        .route("/admin/mail", web::get().to(outbox))
        .route("/admin/mail/{id}/retry", web::post().to(retry_mail))
        .route(
            "/account/invitation/{token}",
            web::get().to(invitation_form),
        )
        .route(
            "/account/invitation/{token}",
            web::post().to(accept_invitation),
        )
        .route("/password-reset", web::get().to(reset_request_form))
        .route("/password-reset", web::post().to(request_reset))
        .route("/password-reset/{token}", web::get().to(reset_form))
        .route("/password-reset/{token}", web::post().to(reset_password));
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    let notice = query_value(&req, "invited").map(|name| {
        Ok(match lang_of(&req) {
            Lang::Ja => {
                format!("{name} さんに招待メールを送ります（送信状況は「メール」で確認できます）。")
            }
            Lang::En => format!("An invitation to {name} is on its way (see Mail for its status)."),
        })
    });
    render_list(
        &req,
        &state,
        &session,
        &InviteForm::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    form: &InviteForm,
    notice: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (users, surveys, memberships, invitations, failing_mail) = state
        .db(|conn| {
            let users = db::users::list(conn)?;
            let surveys = db::surveys::list(conn)?
                .into_iter()
                .map(Survey::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let memberships = db::survey_access::all_memberships(conn)?;
            let mut invitations = HashMap::new();
            for user in users.iter().filter(|u| u.awaits_password()) {
                if let Some(at) = db::account_links::open_invitation_expiry(conn, user.id)? {
                    invitations.insert(user.id, at);
                }
            }
            let failing = db::outbox::failing_count(conn)?;
            Ok((users, surveys, memberships, invitations, failing))
        })
        .await?;
    let slug_of: HashMap<i64, &str> = surveys.iter().map(|s| (s.id, s.slug.as_str())).collect();
    let lines: Vec<AccountLine<'_>> = users
        .iter()
        .map(|user| AccountLine {
            user,
            surveys: memberships
                .iter()
                .filter(|(u, _)| *u == user.id)
                .filter_map(|(_, s)| slug_of.get(s).copied())
                .collect(),
            invitation_expires: invitations.get(&user.id).copied(),
        })
        .collect();
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    Ok(html(
        status,
        view::list(
            &viewer,
            &AccountList {
                lines: &lines,
                surveys: &surveys,
                form,
                notice,
                failing_mail,
                zone: &state.config.time_zone,
            },
        ),
    ))
}

async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let lang = lang_of(&req);
    let typed = InviteForm {
        username: form.text("username").trim().to_string(),
        display_name: form.text("display_name").trim().to_string(),
        email: form.text("email").trim().to_string(),
        role: form.text("role").trim().to_string(),
        surveys: form
            .all("survey")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
    };
    let parsed = accounts::parse_invitation(
        form.text("username"),
        form.text("display_name"),
        form.text("email"),
        form.text("role"),
        &form.all("survey"),
    );
    let outcome = match parsed {
        Err(problem) => Err(problem),
        Ok(invitation) => {
            let inviter = session.user.clone();
            let base_url = state.config.base_url.clone();
            let zone = state.config.time_zone;
            state
                .attempt(move |conn| {
                    accounts::invite(
                        conn,
                        &invitation,
                        &inviter,
                        LinkContext {
                            base_url: &base_url,
                            zone: &zone,
                        },
                    )
                })
                .await?
        }
    };
    match outcome {
        Ok(user) => {
            state.mail_wakeup.wake();
            Ok(see_other(format!(
                "/admin/users?invited={}",
                crate::views::url::url_encode(&user.display_name)
            )))
        }
        Err(problem) => {
            render_list(
                &req,
                &state,
                &session,
                &typed,
                Some(Err(problem.message(lang))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn user_id(path: &str) -> Result<i64, AppError> {
    path.parse().map_err(|_| AppError::NotFound)
}

fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    let lang = lang_of(&req);
    let notice = query_value(&req, "done")
        .and_then(|done| done_message(lang, &done))
        .map(Ok);
    render_account(
        &req,
        &state,
        &session,
        user_id(&path)?,
        notice,
        StatusCode::OK,
    )
    .await
}

fn done_message(lang: Lang, done: &str) -> Option<String> {
    let (ja, en) = match done {
        "role" => (
            "役割を変更しました。次の画面の表示から新しい役割が適用されます。",
            "The role was changed; it applies from the next page opened.",
        ),
        "surveys" => ("担当の調査を保存しました。", "The surveys were saved."),
        "deactivated" => (
            "アカウントを停止しました。ログイン中のセッションは終了しました。",
            "The account was deactivated and its sessions ended.",
        ),
        "reactivated" => ("アカウントを再開しました。", "The account was reactivated."),
        "invited" => (
            "招待メールを再送します。以前のリンクは使えなくなりました。",
            "A new invitation is on its way; the old link no longer works.",
        ),
        _ => return None,
    };
    Some(t(lang, ja, en).to_string())
}

async fn render_account(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    id: i64,
    notice: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (user, surveys, member_of, invitation, log) = state
        .db(move |conn| {
            let user = db::users::find(conn, id)?;
            let surveys = db::surveys::list(conn)?
                .into_iter()
                .map(Survey::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let member_of = db::survey_access::survey_ids_of(conn, id)?;
            let invitation = db::account_links::open_invitation_expiry(conn, id)?;
            let log = db::account_links::changes_of(conn, id)?;
            Ok((user, surveys, member_of, invitation, log))
        })
        .await?;
    let viewer = Viewer::of(session, lang_of(req), &state.config.time_zone);
    Ok(html(
        status,
        view::account(
            &viewer,
            &AccountPage {
                user: &user,
                surveys: &surveys,
                member_of: &member_of,
                invitation_expires: invitation.filter(|_| user.awaits_password()),
                log: &log,
                notice,
                zone: &state.config.time_zone,
            },
        ),
    ))
}

/// The end of every change to one account: back to its page with a notice, or the page
/// again with the refusal.
async fn after_change(
    req: &HttpRequest,
    state: &AppState,
    session: &StaffSession,
    id: i64,
    outcome: Result<&str, AccountError>,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(done) => Ok(see_other(format!("/admin/users/{id}?done={done}"))),
        Err(problem) => {
            let message = problem.message(lang_of(req));
            render_account(
                req,
                state,
                session,
                id,
                Some(Err(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn change_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let id = user_id(&path)?;
    let raw = form.text("role").to_string();
    let outcome = match Role::parse(&raw) {
        Err(_) => Err(AccountError::RoleInvalid(raw)),
        Ok(role) => {
            let admin = session.user.clone();
            state
                .attempt(move |conn| accounts::change_role(conn, &admin, id, role))
                .await?
        }
    };
    after_change(&req, &state, &session, id, outcome.map(|_| "role")).await
}

async fn set_surveys(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let id = user_id(&path)?;
    let outcome = match accounts::parse_survey_ids(&form.all("survey")) {
        Err(problem) => Err(problem),
        Ok(ids) => {
            let admin = session.user.clone();
            state
                .attempt(move |conn| accounts::set_surveys(conn, &admin, id, &ids))
                .await?
        }
    };
    after_change(&req, &state, &session, id, outcome.map(|_| "surveys")).await
}

async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let id = user_id(&path)?;
    let active = match form.text("active") {
        "true" => true,
        "false" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "`active` must be true or false, not `{other}`"
            )))
        }
    };
    let admin = session.user.clone();
    let outcome = state
        .attempt(move |conn| accounts::set_active(conn, &admin, id, active))
        .await?;
    let done = if active { "reactivated" } else { "deactivated" };
    after_change(&req, &state, &session, id, outcome.map(|_| done)).await
}

async fn resend_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let id = user_id(&path)?;
    let admin = session.user.clone();
    let base_url = state.config.base_url.clone();
    let zone = state.config.time_zone;
    let outcome = state
        .attempt(move |conn| {
            accounts::resend_invitation(
                conn,
                id,
                &admin,
                LinkContext {
                    base_url: &base_url,
                    zone: &zone,
                },
            )
        })
        .await?;
    if outcome.is_ok() {
        state.mail_wakeup.wake();
    }
    after_change(&req, &state, &session, id, outcome.map(|_| "invited")).await
}

async fn outbox(req: HttpRequest, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    let lang = lang_of(&req);
    let notice = query_value(&req, "retried")
        .map(|_| Ok(t(lang, "再送します。", "The message will be sent again now.").to_string()));
    let (undelivered, sent) = state
        .db(|conn| {
            Ok((
                db::outbox::undelivered(conn)?,
                db::outbox::recently_sent(conn, 50)?,
            ))
        })
        .await?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    Ok(view::outbox(
        &viewer,
        &state.mailer.describe(),
        &undelivered,
        &sent,
        notice,
        &state.config.time_zone,
    ))
}

async fn retry_mail(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Admin).await?;
    check_csrf(&session, &form)?;
    let id = user_id(&path)?;
    let found = state
        .db(move |conn| db::outbox::retry_now(conn, id))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    state.mail_wakeup.wake();
    Ok(see_other("/admin/mail?retried=1"))
}

/// The link's account, or the page that says why the link cannot be used.
async fn usable_link(
    state: &AppState,
    token: String,
    purpose: LinkPurpose,
) -> Result<db::users::User, AppError> {
    let opened = state
        .db(move |conn| Ok(accounts::open_link(conn, &token, purpose, db::now())))
        .await?;
    opened.map_err(|problem| link_refusal(state, problem, purpose))
}

fn link_refusal(state: &AppState, problem: LinkError, purpose: LinkPurpose) -> AppError {
    match problem {
        LinkError::Db(e) => e.into(),
        problem => {
            let zone = &state.config.time_zone;
            AppError::LinkUnusable {
                ja: problem.message(Lang::Ja, purpose, zone),
                en: problem.message(Lang::En, purpose, zone),
            }
        }
    }
}

fn link_path(purpose: LinkPurpose, token: &str) -> String {
    match purpose {
        LinkPurpose::Invitation => format!("/account/invitation/{token}"),
        LinkPurpose::PasswordReset => format!("/password-reset/{token}"),
    }
}

async fn show_password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: String,
    purpose: LinkPurpose,
) -> Result<HttpResponse, AppError> {
    let user = usable_link(&state, token.clone(), purpose).await?;
    let (csrf, is_new) = form_csrf(&req);
    let lang = lang_of(&req);
    Ok(html_with_form_csrf(
        &state,
        StatusCode::OK,
        &csrf,
        is_new,
        view::set_password(
            lang,
            &csrf,
            purpose,
            &user,
            &link_path(purpose, &token),
            None,
        ),
    )
    .with_no_referrer())
}

async fn save_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: String,
    purpose: LinkPurpose,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    check_form_csrf(&req, &form)?;
    let lang = lang_of(&req);
    let user = usable_link(&state, token.clone(), purpose).await?;
    let password = form.text("password").to_string();
    let problem = if password != form.text("password_again") {
        Some(
            t(
                lang,
                "確認のために入力したパスワードが一致しません。もう一度入力してください。",
                "The two passwords differ. Please type them again.",
            )
            .to_string(),
        )
    } else if password.chars().count() < auth::MIN_PASSWORD_CHARS {
        Some(match lang {
            Lang::Ja => format!(
                "パスワードは{}文字以上にしてください。",
                auth::MIN_PASSWORD_CHARS
            ),
            Lang::En => format!(
                "The password must be at least {} characters long.",
                auth::MIN_PASSWORD_CHARS
            ),
        })
    } else {
        None
    };
    if let Some(problem) = problem {
        let (csrf, _) = form_csrf(&req);
        return Ok(html_with_form_csrf(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &csrf,
            false,
            view::set_password(
                lang,
                &csrf,
                purpose,
                &user,
                &link_path(purpose, &token),
                Some(&problem),
            ),
        ));
    }
    let saved = state
        .db(move |conn| {
            let hash = auth::hash_password(&password)
                .map_err(|e| db::DbError::Corrupt(format!("hashing a new password: {e}")))?;
            Ok(accounts::set_password_by_link(conn, &token, purpose, &hash))
        })
        .await?;
    let user = saved.map_err(|problem| link_refusal(&state, problem, purpose))?;
    Ok(html(StatusCode::OK, view::password_set(lang, &user)))
}

async fn invitation_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_password_form(req, state, path.into_inner(), LinkPurpose::Invitation).await
}

async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    save_password(req, state, path.into_inner(), LinkPurpose::Invitation, form).await
}

async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_password_form(req, state, path.into_inner(), LinkPurpose::PasswordReset).await
}

async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    save_password(
        req,
        state,
        path.into_inner(),
        LinkPurpose::PasswordReset,
        form,
    )
    .await
}

async fn reset_request_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (csrf, is_new) = form_csrf(&req);
    html_with_form_csrf(
        &state,
        StatusCode::OK,
        &csrf,
        is_new,
        view::reset_request(lang_of(&req), &csrf, "", false, None),
    )
}

async fn request_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    check_form_csrf(&req, &form)?;
    let lang = lang_of(&req);
    let (csrf, _) = form_csrf(&req);
    let email = form.text("email").trim().to_string();
    // Only a malformed address is answered differently: it says nothing about accounts.
    if let Err(problem) = crate::mail::EmailAddress::parse(&email) {
        return Ok(html_with_form_csrf(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &csrf,
            false,
            view::reset_request(lang, &csrf, &email, false, Some(&problem.message(lang))),
        ));
    }
    let base_url = state.config.base_url.clone();
    let zone = state.config.time_zone;
    state
        .db(move |conn| {
            accounts::request_password_reset(
                conn,
                &email,
                LinkContext {
                    base_url: &base_url,
                    zone: &zone,
                },
            )
        })
        .await?;
    state.mail_wakeup.wake();
    Ok(html_with_form_csrf(
        &state,
        StatusCode::OK,
        &csrf,
        false,
        view::reset_request(lang, &csrf, "", true, None),
    ))
}

/// Pages reached through a secret link tell the browser not to pass the address on.
trait NoReferrer {
    fn with_no_referrer(self) -> Self;
}

impl NoReferrer for HttpResponse {
    fn with_no_referrer(mut self) -> Self {
        self.headers_mut().insert(
            actix_web::http::header::REFERRER_POLICY,
            actix_web::http::header::HeaderValue::from_static("no-referrer"),
        );
        self
    }
}

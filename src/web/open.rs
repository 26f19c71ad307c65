//! Staff pages of an open questionnaire: the link to share with its QR code, and the QR code
//! as SVG and PNG files.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::lang_of;
use super::staff::require;
use super::{html, AppState};
use crate::auth::Role;
use crate::clock;
use crate::db;
use crate::error::AppError;
use crate::questionnaire::QuestionnaireKind;
use crate::sampling::qr::{qr_png, qr_svg};
use crate::survey::Survey;
use crate::views::open::{self as view, LinkPage};
use crate::views::staff::Viewer;

/// Pixels per QR module in the PNG: about 300 px for a short address, sharp on a slide.
const PNG_MODULE_PX: u32 = 10;

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/surveys/{slug}/link", web::get().to(link))
        .route("/staff/surveys/{slug}/qr.svg", web::get().to(qr_svg_file))
        .route("/staff/surveys/{slug}/qr.png", web::get().to(qr_png_file));
}

/// The open questionnaire of `{slug}` with its public address and response count; a sampled
/// survey has no public link.
async fn open_survey(state: &AppState, slug: String) -> Result<(Survey, String, i64), AppError> {
    let (survey, responses) = state
        .db(move |conn| {
            let survey = crate::ops::surveys::by_slug(conn, &slug)?;
            let (_, submitted) = db::responses::counts(conn, survey.id)?;
            Ok((survey, submitted))
        })
        .await?;
    if state.questionnaire_for(&survey)?.kind() != QuestionnaireKind::Open {
        return Err(AppError::NotNow {
            ja: "この調査は標本調査です。回答はお手紙のアクセスコード（QRコード）からだけで、共有リンクはありません。依頼状は「標本」のページから印刷します。".into(),
            en: "This is a sampled survey: residents answer with the access code on their letter, so there is no link to share. Letters are printed from the Sample page.".into(),
        });
    }
    let url = format!("{}/o/{}", state.config.base_url, survey.slug);
    Ok((survey, url, responses))
}

async fn link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let session = require(&req, &state, Role::Staff).await?;
    let lang = lang_of(&req);
    let (survey, url, responses) = open_survey(&state, path.into_inner()).await?;
    let label =
        crate::questionnaire::t(lang, "アンケートのQRコード", "QR code of the questionnaire");
    let svg = qr_svg(&url, label).map_err(no_qr_code)?;
    let viewer = Viewer::of(&session, lang, &state.config.time_zone);
    let page = LinkPage {
        survey: &survey,
        url: &url,
        qr_svg: &svg,
        accepting: survey.answering_on(clock::today(&state.config.time_zone)),
        responses,
    };
    Ok(html(StatusCode::OK, view::link(&viewer, &page)))
}

/// Why no QR code came out (an address too long for one), for the page.
fn no_qr_code(e: crate::sampling::qr::QrError) -> AppError {
    AppError::NotNow {
        ja: format!("QRコードを作れません：{e}"),
        en: format!("No QR code can be made: {e}"),
    }
}

fn image(survey: &Survey, extension: &str, content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-qr.{extension}\"", survey.slug),
        ))
        .body(body)
}

async fn qr_svg_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let (survey, url, _) = open_survey(&state, path.into_inner()).await?;
    let svg = qr_svg(&url, survey.title.get(lang_of(&req))).map_err(no_qr_code)?;
    Ok(image(&survey, "svg", "image/svg+xml", svg.into_bytes()))
}

async fn qr_png_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&req, &state, Role::Staff).await?;
    let (survey, url, _) = open_survey(&state, path.into_inner()).await?;
    let png = qr_png(&url, PNG_MODULE_PX).map_err(no_qr_code)?;
    Ok(image(&survey, "png", "image/png", png))
}

//! Application errors and the one place that maps them to HTTP responses.
//!
//! People get a short bilingual page saying what went wrong and what to do; the log keeps
//! the whole cause chain of unexpected errors. No other module picks status codes.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::views;
use crate::views::error::Explanation;
use crate::views::url::url_encode;

/// Everything a request can end in other than success.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or object.
    #[error("not found")]
    NotFound,
    /// The request cannot be understood; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// A page was asked for with a parameter it does not offer (an unknown view, level or
    /// breakdown); `ja` and `en` say which and what to use instead.
    #[error("{en}")]
    BadQuery { ja: String, en: String },
    /// The request is understood but not allowed in the current state (e.g. already
    /// submitted, survey closed). `ja` and `en` are shown to the person.
    #[error("{en}")]
    NotNow { ja: String, en: String },
    /// An invitation or password-reset link that is unknown, expired, used or for a
    /// deactivated account; `ja` and `en` say which and what to do.
    #[error("{en}")]
    LinkUnusable { ja: String, en: String },
    /// A staff page was opened without signing in: go to the login page.
    #[error("sign-in required")]
    LoginRequired { next: String },
    /// Signed in, but the role does not allow this page.
    #[error("this account may not open this page")]
    Forbidden,
    /// A form arrived without the right CSRF token (forged, or an old tab).
    #[error("the form's security token is missing or wrong")]
    CsrfRejected,
    /// Too many failed attempts from this client.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Someone else changed the data after this page was opened.
    #[error("{0}")]
    Conflict(String),
    /// The request body is larger than any form of this site.
    #[error("the request is too large")]
    PayloadTooLarge,
    /// A bug or an outage: logged with its cause chain, shown as a generic apology.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The longest path (with its query) a sign-in redirect carries back (`?next=`).
const LONGEST_NEXT_PATH: usize = 1024;

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::Conflict(message) => AppError::Conflict(message),
            DbError::Published => AppError::NotNow {
                ja: "この調査は公表済みのため、回答や標本は変更できません。修正が必要な場合は、管理者が「調査の状態」のページで理由を書いて公表を取り消し、修正後に再び公表してください。".into(),
                en: "This survey is published, so its responses and sample cannot change. To correct something, an admin unpublishes it with a reason on the survey's status page, corrects, and publishes again.".into(),
            },
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::ops::sample::ListError> for AppError {
    fn from(e: crate::ops::sample::ListError) -> Self {
        use crate::ops::sample::ListError;
        match e {
            ListError::NoSample => AppError::NotNow {
                ja: "この調査の標本はまだ抽出されていません。".into(),
                en: "No sample has been drawn for this survey yet.".into(),
            },
            ListError::NotFinal => AppError::NotNow {
                ja: "標本がまだ確定していません。標本のページで「標本を確定する」を押してから、発送リストをダウンロードしてください。".into(),
                en: "The sample is not final yet: press \"Make the sample final\" on the sample page, then download the mailing list.".into(),
            },
            ListError::FramePurged => AppError::NotNow {
                ja: "名簿の個人情報は消去済みのため、依頼状や宛先リストは作れません。".into(),
                en: "The frame's personal data was purged: letters and address lists can no longer be made.".into(),
            },
            ListError::Encoding(e) => AppError::NotNow {
                ja: format!("{e}（UTF-8 でダウンロードしてください）"),
                en: format!("{e} (download it as UTF-8 instead)"),
            },
            ListError::Storage(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Unexpected(anyhow::anyhow!("a blocking task failed: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::BadQuery { .. } => StatusCode::BAD_REQUEST,
            AppError::NotNow { .. } => StatusCode::CONFLICT,
            AppError::LinkUnusable { .. } => StatusCode::GONE,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let AppError::LoginRequired { next } = self {
            // Only a path of a sensible length comes back after sign-in: a hostile one of
            // thousands of characters is not echoed into the Location header.
            let next = if next.len() <= LONGEST_NEXT_PATH {
                next.as_str()
            } else {
                "/"
            };
            let target = format!("/login?next={}", url_encode(next));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target))
                .finish();
        }
        if let AppError::Unexpected(cause) = self {
            log::error!("unexpected error: {cause:?}");
        }
        let page = views::error::page(status.as_u16(), &self.explanation());
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        if let AppError::TooManyAttempts { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response.body(page.into_string())
    }
}

impl AppError {
    /// The words shown on the error page.
    pub fn explanation(&self) -> Explanation {
        let e = |tj: &str, te: &str, dj: &str, de: &str| Explanation {
            title_ja: tj.into(),
            title_en: te.into(),
            detail_ja: dj.into(),
            detail_en: de.into(),
        };
        match self {
            AppError::NotFound => e(
                "ページが見つかりません",
                "Page not found",
                "アドレスをお確かめください。調査への回答は、お手紙に記載のアドレスから始めてください。",
                "Please check the address. To answer the survey, start from the address in your letter.",
            ),
            AppError::BadRequest(message) => e(
                "送信内容を読み取れませんでした",
                "The request could not be read",
                "もう一度画面を開き直してから送信してください。",
                message,
            ),
            AppError::BadQuery { ja, en } => e("指定された表示はありません", "No such view", ja, en),
            AppError::NotNow { ja, en } => e("この操作はできません", "This cannot be done now", ja, en),
            AppError::LinkUnusable { ja, en } => e("このリンクは使えません", "This link cannot be used", ja, en),
            AppError::LoginRequired { .. } => e("ログインが必要です", "Please sign in", "", ""),
            AppError::Forbidden => e(
                "このページを開く権限がありません",
                "You may not open this page",
                "このアカウントの役割では開けないページです。必要なら管理者に依頼してください。",
                "Your account's role does not include this page. Ask an administrator if you need it.",
            ),
            AppError::CsrfRejected => e(
                "画面の有効期限が切れました",
                "This form has expired",
                "前の画面に戻り、ページを再読み込みしてからもう一度送信してください。入力済みの内容はこの送信では保存されていません。",
                "Go back, reload the page and send the form again. Nothing from this submission was saved.",
            ),
            AppError::TooManyAttempts { retry_after_secs } => Explanation {
                title_ja: "しばらくお待ちください".into(),
                title_en: "Please wait a moment".into(),
                detail_ja: format!(
                    "入力の誤りが続いたため、一時的に受付を止めています。{retry_after_secs}秒後にもう一度お試しください。お手紙に記載のコードをご確認ください。"
                ),
                detail_en: format!(
                    "There were too many failed attempts. Please try again in {retry_after_secs} seconds, and check the code printed on your letter."
                ),
            },
            AppError::Conflict(message) => e(
                "ほかの画面で内容が変更されています",
                "Changed elsewhere",
                "別のタブや端末で先に保存されました。ページを開き直すと最新の内容が表示されます。",
                message,
            ),
            AppError::PayloadTooLarge => e(
                "送信内容が大きすぎます",
                "The request is too large",
                "自由記述は短くしてから送信してください。",
                "Please shorten long text answers and send again.",
            ),
            AppError::Unexpected(_) => e(
                "申し訳ありません。問題が発生しました",
                "Sorry, something went wrong",
                "時間をおいてもう一度お試しください。これまでに保存された回答は失われていません。",
                "Please try again later. Answers saved so far are not lost.",
            ),
        }
    }
}

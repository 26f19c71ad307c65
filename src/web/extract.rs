//! Reading requests at the edge: language, client address, form bodies, cookies.

use std::net::IpAddr;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;

use crate::error::AppError;
use crate::questionnaire::Lang;

/// Cookie with the chosen language.
pub const LANG_COOKIE: &str = "tsunagari_lang";
/// Cookie of a signed-in staff member's session.
pub const STAFF_COOKIE: &str = "tsunagari_staff";
/// Cookie of a resident's answering session.
pub const RESIDENT_COOKIE: &str = "tsunagari_answer";
/// Cookie listing the open questionnaires (slugs, comma-separated) this browser has answered.
pub const ANSWERED_COOKIE: &str = "tsunagari_answered";
/// How long a browser remembers that it answered an open questionnaire.
pub const ANSWERED_DAYS: i64 = 400;

/// The slugs of the open questionnaires this browser has answered.
pub fn answered_slugs(req: &HttpRequest) -> Vec<String> {
    req.cookie(ANSWERED_COOKIE)
        .map(|c| {
            c.value()
                .split(',')
                .filter(|s| crate::survey::check_slug(s).is_ok())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Cookie with the CSRF token of forms shown before any session exists (login, code entry).
pub const FORM_CSRF_COOKIE: &str = "tsunagari_csrf";

/// The largest form body accepted (free-text answers included).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The language to show: `?lang=` first, then the cookie, then Japanese.
pub fn lang_of(req: &HttpRequest) -> Lang {
    let from_query = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::parse);
    from_query
        .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .unwrap_or_default()
}

/// The client's address: the peer, or behind a trusted proxy the last `X-Forwarded-For` hop
/// (the address the proxy saw; hops before it are whatever the client chose to send).
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// A cookie as this site sets them: whole site, HttpOnly, SameSite=Lax.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path("/").finish();
    c.make_removal();
    c
}

/// A url-encoded form body, read with a size limit; repeated names (checkboxes) are kept.
#[derive(Debug, Clone, Default)]
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The version number a form was drawn from (optimistic concurrency), from field `name`.
    pub fn version(&self, name: &str) -> Result<i32, AppError> {
        self.text(name).trim().parse().map_err(|_| {
            AppError::BadRequest(format!(
                "the form has no valid `{name}` field; reload the page"
            ))
        })
    }

    /// Every value of `name` (checkboxes), in the order sent.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name`, or an empty string.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }
}

impl FromRequest for FormFields {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type.starts_with("application/x-www-form-urlencoded") {
                return Err(AppError::BadRequest(
                    "expected a form (application/x-www-form-urlencoded); send the page's form again".into(),
                ));
            }
            if declared_length.is_some_and(|n| n > MAX_FORM_BYTES) {
                return Err(AppError::PayloadTooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::BadRequest(format!("the form could not be received completely: {e}"))
                })?;
                if body.len() + chunk.len() > MAX_FORM_BYTES {
                    return Err(AppError::PayloadTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(FormFields(parse_form_body(&body)?))
        })
    }
}

/// Decodes a url-encoded body; refuses anything a browser would not send (raw non-ASCII
/// bytes, percent-escapes that are not UTF-8) instead of storing replacement characters.
fn parse_form_body(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    let malformed = |why: &str| {
        AppError::BadRequest(format!(
            "the form is not valid url-encoded UTF-8 text ({why}); reload the page and send it again"
        ))
    };
    if !body.is_ascii() {
        return Err(malformed("it contains raw non-ASCII bytes"));
    }
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| malformed(&e.to_string()))?;
    let declared_replacement = String::from_utf8_lossy(body)
        .to_ascii_uppercase()
        .contains("%EF%BF%BD");
    let has_replacement = fields
        .iter()
        .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'));
    if has_replacement && !declared_replacement {
        return Err(malformed("a percent-escape is not UTF-8"));
    }
    // PostgreSQL stores no NUL in text; no form of the site has a use for one.
    if fields
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(malformed("a field contains the character NUL (%00)"));
    }
    Ok(fields)
}

/// A local path to go back to after an action; anything else (other sites) becomes `/`.
pub fn safe_local_path(raw: &str) -> String {
    // Browsers drop tabs and line breaks from a URL, so `/\t/evil.example` is `//evil…`.
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.contains("://")
        && !raw.chars().any(char::is_control);
    if ok {
        raw.to_string()
    } else {
        "/".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_that_a_browser_would_not_send_are_refused() {
        assert_eq!(
            parse_form_body(b"a=1&b=%E5%AD%A4&a=2").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "孤".into()),
                ("a".into(), "2".into())
            ]
        );
        assert!(parse_form_body(&[b'a', b'=', 0xff]).is_err());
        assert!(parse_form_body(b"a=%FF%FE").is_err());
        assert!(parse_form_body(b"note=a%00b").is_err());
        assert_eq!(parse_form_body(b"a=%EF%BF%BD").unwrap()[0].1, "\u{FFFD}");
    }

    #[test]
    fn behind_a_proxy_the_client_is_the_hop_the_proxy_added_not_one_the_client_sent() {
        let req = actix_web::test::TestRequest::default()
            .insert_header(("x-forwarded-for", "10.9.8.7, 192.0.2.50"))
            .peer_addr("127.0.0.1:40000".parse().unwrap())
            .to_http_request();
        assert_eq!(
            client_ip(&req, true),
            "192.0.2.50".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&req, false),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn only_local_paths_are_followed_after_an_action() {
        assert_eq!(safe_local_path("/answer/page/2"), "/answer/page/2");
        assert_eq!(safe_local_path("//evil.example/x"), "/");
        assert_eq!(safe_local_path("/\t/evil.example"), "/");
        assert_eq!(safe_local_path("/\r\nSet-Cookie: x=1"), "/");
        assert_eq!(safe_local_path("https://evil.example/"), "/");
        assert_eq!(safe_local_path("/\\evil.example"), "/");
        assert_eq!(safe_local_path(""), "/");
    }
}

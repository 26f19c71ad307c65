//! Percent-encoding for the links and redirects pages build (the sign-in `?next=`, a
//! name in a query string). A leaf: `error.rs`, the views and the handlers use it.

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

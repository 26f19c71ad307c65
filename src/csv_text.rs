//! CSV for spreadsheets, written one way everywhere: the UTF-8 byte-order mark that Excel
//! needs to read Japanese text as UTF-8, and a field quoted only when it must be. Pure.

/// The byte-order mark in front of every UTF-8 CSV file the site and the commands write.
pub const UTF8_BOM: &str = "\u{feff}";

/// `body` (UTF-8 text) with the byte-order mark in front.
pub fn with_utf8_bom(body: impl AsRef<[u8]>) -> Vec<u8> {
    let body = body.as_ref();
    let mut out = Vec::with_capacity(UTF8_BOM.len() + body.len());
    out.extend_from_slice(UTF8_BOM.as_bytes());
    out.extend_from_slice(body);
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_goes_in_front_once_and_fields_are_quoted_only_when_needed() {
        assert_eq!(with_utf8_bom("a,b"), b"\xEF\xBB\xBFa,b");
        assert_eq!(field("中央地区"), "中央地区");
        assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}

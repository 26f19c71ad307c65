//! Small text helpers shared by the sampling parsers: width folding for the codes and
//! numbers that Japanese systems print in full-width form.

use std::borrow::Cow;

/// Folds full-width ASCII variants (`０`–`９`, `Ａ`–`Ｚ`, `－`, `／`, `．` …) to ASCII and the
/// ideographic space to an ASCII space. Kanji and kana are left alone.
///
/// Only for machine-readable fields (ids, dates, codes, flags); names and addresses keep
/// the characters they were written with.
pub fn fold_width(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let folded = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            // Minus-like characters that stand for a hyphen in dates and postal codes.
            '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{30FC}' => '-',
            _ => c,
        })
        .collect();
    Cow::Owned(folded)
}

#[cfg(test)]
mod tests {
    use super::fold_width;

    #[test]
    fn full_width_digits_letters_and_separators_become_ascii() {
        assert_eq!(fold_width("Ｓ４５．０３．１２"), "S45.03.12");
        assert_eq!(fold_width("３８２－００００"), "382-0000");
        assert_eq!(fold_width("昭和　45年"), "昭和 45年");
    }

    #[test]
    fn kanji_are_left_alone() {
        assert_eq!(fold_width("髙橋"), "髙橋");
    }
}

//! The mailing list for a print shop (宛名データ): one CSV row per letter with the access
//! code, postal code, address, name and stratum.
//!
//! Two encodings: UTF-8 with a byte-order mark (so Excel opens it correctly) or
//! Shift_JIS/CP932 for shops whose software expects it. A character CP932 cannot hold
//! (for example 𠮷 or 𩸽, which appear in real names) is an error naming the row and the
//! character, so staff can fix that letter by hand instead of a name being misprinted.
//! Characters that look the same but that Unicode text from non-Windows systems writes
//! with the JIS code points (〜 U+301C, ‖ U+2016, — U+2014, ¢ £ ¬ ¦) are written as their
//! CP932 counterparts (～ ∥ ― ￠ ￡ ￢ ￤), which print identically.
//! Lines end in CRLF.

use encoding_rs::{EncoderResult, SHIFT_JIS};
use thiserror::Error;

use super::register::TextEncoding;

/// The header row, in Japanese as print shops expect.
pub const HEADER: [&str; 5] = ["アクセスコード", "郵便番号", "住所", "氏名", "層"];

/// One letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailingEntry<'a> {
    /// Access code printed on the letter.
    pub code: &'a str,
    /// Postal code as printed (`380-0000`), empty if unknown.
    pub postal_code: &'a str,
    /// Address.
    pub address: &'a str,
    /// Name.
    pub name: &'a str,
    /// Stratum label.
    pub stratum: &'a str,
}

/// Why no mailing list was written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MailingError {
    /// A character Shift_JIS cannot hold.
    #[error("row {row} (access code {code}): `{character}` (U+{codepoint:04X}) cannot be written in Shift_JIS; export as UTF-8 or handle this letter by hand")]
    Unencodable {
        /// Data row, 1 = first letter.
        row: usize,
        /// Its access code.
        code: String,
        /// The character.
        character: char,
        /// Its code point.
        codepoint: u32,
    },
}

/// Writes the mailing list. Nothing is returned unless every row could be written.
pub fn mailing_list_csv<'a>(
    entries: impl IntoIterator<Item = MailingEntry<'a>>,
    encoding: TextEncoding,
) -> Result<Vec<u8>, MailingError> {
    let mut output = Vec::new();
    if encoding == TextEncoding::Utf8 {
        output.extend_from_slice(crate::csv_text::UTF8_BOM.as_bytes());
    }
    let mut line = String::new();
    push_row(&mut line, &HEADER);
    encode_into(&line, encoding, &mut output).map_err(|character| MailingError::Unencodable {
        row: 0,
        code: String::new(),
        character,
        codepoint: character as u32,
    })?;
    for (index, entry) in entries.into_iter().enumerate() {
        line.clear();
        push_row(
            &mut line,
            &[
                entry.code,
                entry.postal_code,
                entry.address,
                entry.name,
                entry.stratum,
            ],
        );
        encode_into(&line, encoding, &mut output).map_err(|character| {
            MailingError::Unencodable {
                row: index + 1,
                code: entry.code.to_string(),
                character,
                codepoint: character as u32,
            }
        })?;
    }
    Ok(output)
}

/// Appends one CSV row, quoting fields that need it.
fn push_row(line: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push_str("\r\n");
}

/// Encodes `text`, or returns the first character the encoding cannot hold.
fn encode_into(text: &str, encoding: TextEncoding, output: &mut Vec<u8>) -> Result<(), char> {
    match encoding {
        TextEncoding::Utf8 => {
            output.extend_from_slice(text.as_bytes());
            Ok(())
        }
        TextEncoding::ShiftJis => {
            let mapped: String;
            let text = if text.chars().any(|c| cp932_form(c) != c) {
                mapped = text.chars().map(cp932_form).collect();
                &mapped
            } else {
                text
            };
            let mut encoder = SHIFT_JIS.new_encoder();
            let capacity = encoder
                .max_buffer_length_from_utf8_without_replacement(text.len())
                .unwrap_or(text.len() * 2);
            let start = output.len();
            output.resize(start + capacity, 0);
            let (result, _, written) =
                encoder.encode_from_utf8_without_replacement(text, &mut output[start..], true);
            output.truncate(start + written);
            match result {
                EncoderResult::InputEmpty => Ok(()),
                EncoderResult::Unmappable(character) => Err(character),
                // The buffer was sized for the worst case; treat the impossible as
                // unencodable rather than write a truncated row.
                EncoderResult::OutputFull => Err('\u{FFFD}'),
            }
        }
    }
}

/// The CP932 code point for a character that JIS-style Unicode text writes differently.
fn cp932_form(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}',
        '\u{2016}' => '\u{2225}',
        '\u{2014}' => '\u{2015}',
        '\u{00A2}' => '\u{FFE0}',
        '\u{00A3}' => '\u{FFE1}',
        '\u{00AC}' => '\u{FFE2}',
        '\u{00A6}' => '\u{FFE4}',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(code: &'a str, name: &'a str, address: &'a str) -> MailingEntry<'a> {
        MailingEntry {
            code,
            postal_code: "382-0000",
            address,
            name,
            stratum: "北部 × 16-29",
        }
    }

    #[test]
    fn a_utf8_list_starts_with_a_bom_and_quotes_fields_with_commas() {
        let bytes = mailing_list_csv(
            [entry(
                "AB12-CD34",
                "髙橋　﨑子",
                "須坂市大字須坂1番地, 101号",
            )],
            TextEncoding::Utf8,
        )
        .expect("writable");
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        assert_eq!(
            text,
            "\u{FEFF}アクセスコード,郵便番号,住所,氏名,層\r\nAB12-CD34,382-0000,\"須坂市大字須坂1番地, 101号\",髙橋　﨑子,北部 × 16-29\r\n"
        );
    }

    #[test]
    fn a_shift_jis_list_holds_the_nec_and_ibm_extension_kanji() {
        let bytes = mailing_list_csv(
            [entry("AB12-CD34", "髙橋　德子", "須坂市１－２－３")],
            TextEncoding::ShiftJis,
        )
        .expect("writable");
        let (decoded, had_errors) = SHIFT_JIS.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        assert!(decoded.contains("髙橋　德子"));
        assert!(decoded.contains("須坂市１－２－３"));
    }

    #[test]
    fn jis_style_wave_dash_and_friends_are_written_as_their_cp932_forms() {
        let bytes = mailing_list_csv(
            [entry("AB12-CD34", "山田　太郎", "須坂市1〜3番地 ‖ — ¢£¬¦")],
            TextEncoding::ShiftJis,
        )
        .expect("writable");
        let (decoded, had_errors) = SHIFT_JIS.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        assert!(decoded.contains("須坂市1～3番地 ∥ ― ￠￡￢￤"), "{decoded}");
    }

    #[test]
    fn a_character_shift_jis_cannot_hold_is_reported_with_its_row_and_code() {
        let result = mailing_list_csv(
            [
                entry("AAAA-0001", "山田　太郎", "須坂市"),
                entry("AAAA-0002", "𠮷田　花子", "須坂市"),
            ],
            TextEncoding::ShiftJis,
        );
        assert_eq!(
            result,
            Err(MailingError::Unencodable {
                row: 2,
                code: "AAAA-0002".into(),
                character: '𠮷',
                codepoint: 0x20BB7,
            })
        );
    }
}

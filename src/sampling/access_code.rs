//! Access codes: the key printed on each letter, typed by residents and staff.
//!
//! A code is 16 characters in four groups of four (`K7QM-2XWD-R9HT-5NCE`) from a 31-symbol
//! alphabet without look-alikes (no 0/O, 1/I/L). Fifteen symbols are random from the
//! operating system's CSPRNG (15 × log2 31 ≈ 74 bits); the last is a check symbol, so a
//! single mistyped character or two swapped neighbours are caught before any database look-up.

use rand::Rng;
use std::fmt;

use crate::questionnaire::Lang;

/// The symbols codes are made of: digits 2–9 and capitals except I, L and O.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const RANDOM_SYMBOLS: usize = 15;
const GROUP: usize = 4;

/// A syntactically valid access code, normalised (upper case, no separators).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessCode(String);

/// Why typed text is not an access code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessCodeError {
    #[error("the code is empty")]
    Empty,
    #[error("the code has {0} characters; it should have 16")]
    WrongLength(usize),
    #[error("the character `{0}` is never used in codes")]
    BadCharacter(char),
    #[error("the code contains a typing mistake (its check character does not match)")]
    CheckFailed,
}

impl AccessCodeError {
    /// What is wrong, for the person who typed the code (a resident or staff), in their
    /// language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AccessCodeError::Empty, Lang::Ja) => "何も入力されていません".into(),
            (AccessCodeError::WrongLength(n), Lang::Ja) => {
                format!("{n}文字あります。16文字のはずです")
            }
            (AccessCodeError::BadCharacter(c), Lang::Ja) => {
                format!("「{c}」はコードに使われない文字です")
            }
            (AccessCodeError::CheckFailed, Lang::Ja) => "どこかに打ち間違いがあります".into(),
            (error, Lang::En) => error.to_string(),
        }
    }
}

impl AccessCode {
    /// Parses what a person typed: spaces, hyphens and full-width characters are accepted,
    /// lower case is read as upper case.
    pub fn parse(typed: &str) -> Result<Self, AccessCodeError> {
        let mut normalised = String::with_capacity(16);
        for c in typed.chars() {
            let c = to_half_width(c).to_ascii_uppercase();
            if c.is_whitespace() || matches!(c, '-' | '‐' | '−' | 'ー' | '_') {
                continue;
            }
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(AccessCodeError::BadCharacter(c));
            }
            normalised.push(c);
        }
        if normalised.is_empty() {
            return Err(AccessCodeError::Empty);
        }
        if normalised.len() != RANDOM_SYMBOLS + 1 {
            return Err(AccessCodeError::WrongLength(normalised.len()));
        }
        let (body, check) = normalised.split_at(RANDOM_SYMBOLS);
        if check_symbol(body) != check.as_bytes()[0] {
            return Err(AccessCodeError::CheckFailed);
        }
        Ok(AccessCode(normalised))
    }

    /// A fresh random code from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        let body: String = (0..RANDOM_SYMBOLS)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        let check = check_symbol(&body) as char;
        AccessCode(format!("{body}{check}"))
    }

    /// The normalised code (16 symbols, no separators), as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as printed: four groups of four joined by hyphens.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(GROUP)
            .map(|g| std::str::from_utf8(g).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Display for AccessCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Weighted sum modulo 31 (a prime): weights 1..=15 are distinct and non-zero mod 31, so any
/// single substitution and any swap of two different neighbouring symbols changes the sum.
fn check_symbol(body: &str) -> u8 {
    let sum: usize = body
        .bytes()
        .enumerate()
        .map(|(i, b)| (i + 1) * ALPHABET.iter().position(|&a| a == b).unwrap_or(0))
        .sum();
    ALPHABET[sum % ALPHABET.len()]
}

fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_parses_back_in_any_typed_form() {
        for _ in 0..200 {
            let code = AccessCode::generate();
            assert_eq!(code.as_str().len(), 16);
            assert_eq!(AccessCode::parse(code.as_str()), Ok(code.clone()));
            assert_eq!(AccessCode::parse(&code.grouped()), Ok(code.clone()));
            let lower_spaced = code.grouped().to_lowercase().replace('-', " ");
            assert_eq!(AccessCode::parse(&lower_spaced), Ok(code.clone()));
            let full_width: String = code
                .as_str()
                .chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
                .collect();
            assert_eq!(AccessCode::parse(&full_width), Ok(code));
        }
    }

    #[test]
    fn every_single_substitution_and_neighbour_swap_is_caught() {
        let code = AccessCode::generate();
        let bytes = code.as_str().as_bytes().to_vec();
        for i in 0..bytes.len() {
            for &sym in ALPHABET.iter() {
                if sym == bytes[i] {
                    continue;
                }
                let mut typo = bytes.clone();
                typo[i] = sym;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    AccessCode::parse(&typo),
                    Err(AccessCodeError::CheckFailed),
                    "{typo}"
                );
            }
        }
        for i in 0..bytes.len() - 1 {
            if bytes[i] == bytes[i + 1] {
                continue;
            }
            let mut swapped = bytes.clone();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            assert_eq!(
                AccessCode::parse(&swapped),
                Err(AccessCodeError::CheckFailed)
            );
        }
    }

    #[test]
    fn look_alike_characters_are_never_part_of_a_code() {
        for c in ['0', 'O', '1', 'I', 'L'] {
            assert!(!ALPHABET.contains(&(c as u8)));
        }
        assert_eq!(
            AccessCode::parse("K7QM-2XWD-R9HT-5NC0"),
            Err(AccessCodeError::BadCharacter('0'))
        );
        assert_eq!(
            AccessCode::parse("K7QM"),
            Err(AccessCodeError::WrongLength(4))
        );
        assert_eq!(AccessCode::parse(" - "), Err(AccessCodeError::Empty));
    }

    #[test]
    fn every_error_is_worded_in_japanese_without_english() {
        let errors = [
            AccessCodeError::Empty,
            AccessCodeError::WrongLength(4),
            AccessCodeError::BadCharacter('人'),
            AccessCodeError::CheckFailed,
        ];
        for error in &errors {
            let ja = error.message(Lang::Ja);
            assert!(!ja.chars().any(|c| c.is_ascii_alphabetic()), "{ja}");
            assert_eq!(error.message(Lang::En), error.to_string());
        }
        assert_eq!(
            AccessCodeError::BadCharacter('人').message(Lang::Ja),
            "「人」はコードに使われない文字です"
        );
    }

    #[test]
    fn codes_carry_at_least_sixty_bits_of_randomness() {
        let bits = RANDOM_SYMBOLS as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 60.0, "{bits}");
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(AccessCode::generate()));
        }
    }
}

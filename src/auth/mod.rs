//! Accounts, password hashing, sessions, roles and CSRF tokens.
//!
//! Passwords are hashed with argon2id; session tokens are 256-bit random values of which only
//! a SHA-256 hash is stored; every form that changes something carries a CSRF token that is
//! compared in constant time.

pub mod rate_limit;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Draws samples, prints letters, keys paper forms, watches fieldwork.
    Staff,
    /// Reads results: weighted estimates and tables, never who answered.
    Planner,
    /// Consultation staff (相談員): follow up residents who asked to be contacted; see no
    /// answers, no sample and no results.
    Consultation,
    /// Everything, including accounts and survey settings.
    Admin,
}

impl Role {
    /// Reads `admin`, `staff` or `planner`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "planner" => Ok(Role::Planner),
            "consultation" => Ok(Role::Consultation),
            other => Err(format!(
                "`{other}` is not a role: use admin, staff, planner or consultation"
            )),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Planner => "planner",
            Role::Consultation => "consultation",
        }
    }

    /// The role's name on screens, in messages and in the account log.
    pub fn label(self, lang: crate::questionnaire::Lang) -> &'static str {
        use crate::questionnaire::Lang;
        match (self, lang) {
            (Role::Admin, Lang::Ja) => "管理者",
            (Role::Admin, Lang::En) => "Admin",
            (Role::Staff, Lang::Ja) => "職員（実査・入力）",
            (Role::Staff, Lang::En) => "Staff (fieldwork, entry)",
            (Role::Planner, Lang::Ja) => "企画（集計閲覧）",
            (Role::Planner, Lang::En) => "Planner (results)",
            (Role::Consultation, Lang::Ja) => "相談員（連絡の依頼への対応）",
            (Role::Consultation, Lang::En) => "Consultation staff (contact requests)",
        }
    }

    /// Whether this role may open pages meant for `needed`: admins may open everything.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }

    /// Every role, in the order forms list them.
    pub const ALL: [Role; 4] = [Role::Staff, Role::Planner, Role::Consultation, Role::Admin];

    /// The page a person with this role starts on after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Staff | Role::Admin => "/staff",
            Role::Planner => "/planner",
            Role::Consultation => "/consult",
        }
    }
}

/// Why a new password is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters long")]
    TooShort,
    #[error("could not hash the password: {0}")]
    Hash(String),
}

/// The shortest password accepted for an account.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a new password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh 256-bit random token, hex-encoded (session cookies and CSRF tokens).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The secrets of a new session: the cookie value (given to the browser only), its hash
/// (stored), and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_value: String,
    pub stored_hash: String,
    pub csrf_token: String,
}

impl NewSession {
    /// Fresh random secrets.
    pub fn generate() -> Self {
        let cookie_value = random_token();
        NewSession {
            stored_hash: token_hash(&cookie_value),
            cookie_value,
            csrf_token: random_token(),
        }
    }
}

/// The SHA-256 of a token, as stored in the database.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares a submitted CSRF token with the expected one in constant time.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn a_short_password_is_refused() {
        assert_eq!(hash_password("short"), Err(PasswordError::TooShort));
    }

    #[test]
    fn csrf_tokens_must_match_exactly_and_be_present() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(csrf_matches(&t, &t.clone()));
        assert!(!csrf_matches(&t, &t[..63]));
        assert!(!csrf_matches(&t, &random_token()));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn admins_may_open_every_role_page_and_others_only_their_own() {
        assert!(Role::Admin.allows(Role::Staff));
        assert!(Role::Admin.allows(Role::Planner));
        assert!(Role::Staff.allows(Role::Staff));
        assert!(!Role::Staff.allows(Role::Planner));
        assert!(!Role::Planner.allows(Role::Staff));
        assert!(!Role::Planner.allows(Role::Admin));
        assert_eq!(Role::parse("Planner"), Ok(Role::Planner));
        assert!(Role::parse("root").is_err());
    }
}

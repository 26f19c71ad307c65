//! Settings from the environment (TSUNAGARI_*, DATABASE_URL) with offline defaults.
//!
//! Everything has a default that works on a laptop with nothing installed: a SQLite file
//! under `data/`, the questionnaires shipped in `questionnaires/`, a site on 127.0.0.1:8080.

use std::path::PathBuf;

/// Where the data lives: the database URL says which backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// The default when `DATABASE_URL` is unset: `data/tsunagari.sqlite3`.
    pub fn default_sqlite() -> Self {
        DatabaseUrl::Sqlite(PathBuf::from("data/tsunagari.sqlite3"))
    }

    /// Reads `postgres://`, `postgresql://`, `sqlite://PATH`, `file:PATH` or a bare file path.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty: unset it for the default SQLite file, or give postgres://… or a file path".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .or_else(|| raw.strip_prefix("file:"))
            .unwrap_or(raw);
        if path.contains("://") {
            return Err(format!(
                "DATABASE_URL `{raw}` has a scheme tsunagari does not know: use postgres://… for PostgreSQL or a file path for SQLite"
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The string diesel connects with.
    pub fn connection_string(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => path.to_string_lossy().into_owned(),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// A short description for logs and the start-up banner, without passwords.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("SQLite file {}", path.display()),
            DatabaseUrl::Postgres(url) => {
                let host = url.rsplit('@').next().unwrap_or(url);
                let host = host
                    .strip_prefix("postgres://")
                    .or_else(|| host.strip_prefix("postgresql://"))
                    .unwrap_or(host);
                format!("PostgreSQL {host}")
            }
        }
    }
}

/// The settings of one running instance.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    /// Address the HTTP server binds (`TSUNAGARI_BIND`, default `127.0.0.1:8080`).
    pub bind: String,
    /// The public URL printed on letters and in QR codes (`TSUNAGARI_BASE_URL`).
    pub base_url: String,
    /// Folder with the questionnaire files (`TSUNAGARI_QUESTIONNAIRES`).
    pub questionnaires_dir: PathBuf,
    /// Whether cookies carry `Secure` (`TSUNAGARI_COOKIE_SECURE`; default: base URL is https).
    pub cookie_secure: bool,
    /// Whether to take the client address from `X-Forwarded-For` (`TSUNAGARI_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// The municipality's time zone, in which times and days are shown
    /// (`TSUNAGARI_TIME_ZONE`, an IANA name; default `Asia/Tokyo`). Stored times are UTC.
    pub time_zone: chrono_tz::Tz,
}

impl Config {
    /// Reads the environment; a malformed value is an error naming the variable.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database = match var("DATABASE_URL") {
            Some(raw) => DatabaseUrl::parse(&raw)?,
            None => DatabaseUrl::default_sqlite(),
        };
        let bind = var("TSUNAGARI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url = var("TSUNAGARI_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_string();
        let questionnaires_dir = var("TSUNAGARI_QUESTIONNAIRES")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("questionnaires"));
        let cookie_secure = match var("TSUNAGARI_COOKIE_SECURE") {
            Some(v) => parse_bool("TSUNAGARI_COOKIE_SECURE", &v)?,
            None => base_url.starts_with("https://"),
        };
        let trust_proxy = match var("TSUNAGARI_TRUST_PROXY") {
            Some(v) => parse_bool("TSUNAGARI_TRUST_PROXY", &v)?,
            None => false,
        };
        let time_zone = match var("TSUNAGARI_TIME_ZONE") {
            Some(name) => name.trim().parse().map_err(|_| {
                format!("TSUNAGARI_TIME_ZONE = `{name}` is not a time zone name: use an IANA name such as Asia/Tokyo")
            })?,
            None => chrono_tz::Asia::Tokyo,
        };
        Ok(Config {
            database,
            bind,
            base_url,
            questionnaires_dir,
            cookie_secure,
            trust_proxy,
            time_zone,
        })
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!(
            "{name}=`{other}` is not a yes/no value: use true or false"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_and_sqlite_urls_are_told_apart() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@localhost/db").unwrap(),
            DatabaseUrl::Postgres("postgres://u@localhost/db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/x.sqlite3").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.sqlite3"))
        );
        assert!(DatabaseUrl::parse("mysql://localhost/db").is_err());
    }

    #[test]
    fn the_description_of_a_postgres_url_hides_the_password() {
        let d = DatabaseUrl::parse("postgres://user:secret@db.example:5432/t").unwrap();
        assert!(!d.describe().contains("secret"), "{}", d.describe());
    }
}

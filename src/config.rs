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
    /// How e-mail leaves the site and whom it comes from (`TSUNAGARI_SMTP_*`,
    /// `TSUNAGARI_MAIL_DIR`, `TSUNAGARI_MAIL_FROM`).
    pub mail: MailSettings,
    /// When SQLite reports a write as done (`TSUNAGARI_SQLITE_SYNCHRONOUS`: `normal`, the
    /// default, or `full`); see RELIABILITY.md.
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `synchronous` setting in WAL mode. Either way an acknowledged save survives the
/// server process being killed; they differ on a power cut or an operating-system crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    /// The log is synced at checkpoints: after a power cut the last transactions before it
    /// may be lost (never a corrupt file). Faster.
    #[default]
    Normal,
    /// The log is synced at every commit: an acknowledged save survives a power cut too.
    Full,
}

impl SqliteSynchronous {
    /// The value for `PRAGMA synchronous`.
    pub fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Normal => "NORMAL",
            SqliteSynchronous::Full => "FULL",
        }
    }

    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(SqliteSynchronous::Normal),
            "full" => Ok(SqliteSynchronous::Full),
            other => Err(format!(
                "TSUNAGARI_SQLITE_SYNCHRONOUS=`{other}` is not a setting: use normal (the default) or full (every acknowledged save also survives a power cut)"
            )),
        }
    }
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
        let mail = MailSettings::from_lookup(&var)?;
        let sqlite_synchronous = match var("TSUNAGARI_SQLITE_SYNCHRONOUS") {
            Some(raw) => SqliteSynchronous::parse(&raw)?,
            None => SqliteSynchronous::Normal,
        };
        Ok(Config {
            database,
            bind,
            base_url,
            questionnaires_dir,
            cookie_secure,
            trust_proxy,
            time_zone,
            mail,
            sqlite_synchronous,
        })
    }
}

/// Where e-mail goes: an SMTP server, or .eml files in a folder (the offline default).
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub transport: MailTransportSettings,
    /// The sender of every message (`TSUNAGARI_MAIL_FROM`, e.g. `つながり <noreply@city.example.jp>`).
    pub from: lettre::message::Mailbox,
}

/// The transport the settings choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransportSettings {
    /// `TSUNAGARI_SMTP_HOST` is set.
    Smtp(SmtpSettings),
    /// Otherwise: one .eml file per message in this folder (`TSUNAGARI_MAIL_DIR`, default
    /// `data/mail`).
    Folder(PathBuf),
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<SmtpCredentials>,
}

/// `TSUNAGARI_SMTP_TLS`: how the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (the default; port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl SmtpTls {
    /// The port used when `TSUNAGARI_SMTP_PORT` is unset.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }

    /// The setting's value.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }
}

/// The SMTP user and password; `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("user", &self.user)
            .field("password", &"(hidden)")
            .finish()
    }
}

/// The sender when `TSUNAGARI_MAIL_FROM` is unset and mail goes to files.
const DEFAULT_MAIL_FROM: &str = "tsunagari <tsunagari@localhost>";

impl MailSettings {
    /// Files in `dir`, from the default sender (what the tests and a fresh laptop use).
    pub fn folder(dir: impl Into<PathBuf>) -> Self {
        MailSettings {
            transport: MailTransportSettings::Folder(dir.into()),
            from: DEFAULT_MAIL_FROM
                .parse()
                .expect("the default sender parses"),
        }
    }

    /// Reads the mail settings through `var` (a non-empty environment value or `None`); every
    /// error names the setting to fix.
    pub fn from_lookup(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let host = var("TSUNAGARI_SMTP_HOST").map(|h| h.trim().to_string());
        let smtp_only = [
            "TSUNAGARI_SMTP_PORT",
            "TSUNAGARI_SMTP_TLS",
            "TSUNAGARI_SMTP_USER",
            "TSUNAGARI_SMTP_PASSWORD",
        ];
        let transport = match host {
            None => {
                if let Some(name) = smtp_only.iter().find(|name| var(name).is_some()) {
                    return Err(format!(
                        "{name} is set but TSUNAGARI_SMTP_HOST is not: set TSUNAGARI_SMTP_HOST to send through SMTP, or unset {name} to write mail to files in TSUNAGARI_MAIL_DIR"
                    ));
                }
                MailTransportSettings::Folder(
                    var("TSUNAGARI_MAIL_DIR")
                        .map(PathBuf::from)
                        .unwrap_or_else(|| PathBuf::from("data/mail")),
                )
            }
            Some(host) => {
                if !is_host_name(&host) {
                    return Err(format!(
                        "TSUNAGARI_SMTP_HOST = `{host}` is not a host name: give only the name or address of the server (e.g. smtp.city.example.jp), and the port in TSUNAGARI_SMTP_PORT"
                    ));
                }
                let tls = match var("TSUNAGARI_SMTP_TLS") {
                    None => SmtpTls::Starttls,
                    Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                        "none" => SmtpTls::None,
                        "starttls" => SmtpTls::Starttls,
                        "tls" => SmtpTls::Tls,
                        _ => {
                            return Err(format!(
                                "TSUNAGARI_SMTP_TLS = `{raw}` is not one of none, starttls or tls"
                            ))
                        }
                    },
                };
                let port = match var("TSUNAGARI_SMTP_PORT") {
                    None => tls.default_port(),
                    Some(raw) => match raw.trim().parse::<u16>() {
                        Ok(port) if port > 0 => port,
                        _ => {
                            return Err(format!(
                                "TSUNAGARI_SMTP_PORT = `{raw}` is not a port number (1–65535)"
                            ))
                        }
                    },
                };
                let credentials = match (var("TSUNAGARI_SMTP_USER"), var("TSUNAGARI_SMTP_PASSWORD")) {
                    (None, None) => None,
                    (Some(user), Some(password)) => Some(SmtpCredentials { user, password }),
                    (Some(_), None) => {
                        return Err("TSUNAGARI_SMTP_USER is set but TSUNAGARI_SMTP_PASSWORD is not: set both to sign in to the SMTP server, or neither".into())
                    }
                    (None, Some(_)) => {
                        return Err("TSUNAGARI_SMTP_PASSWORD is set but TSUNAGARI_SMTP_USER is not: set both to sign in to the SMTP server, or neither".into())
                    }
                };
                if credentials.is_some() && tls == SmtpTls::None {
                    return Err("TSUNAGARI_SMTP_TLS = none with TSUNAGARI_SMTP_USER: the password would cross the network unencrypted; use starttls or tls".into());
                }
                MailTransportSettings::Smtp(SmtpSettings {
                    host,
                    port,
                    tls,
                    credentials,
                })
            }
        };
        let from = match var("TSUNAGARI_MAIL_FROM") {
            Some(raw) => raw.trim().parse().map_err(|e| {
                format!("TSUNAGARI_MAIL_FROM = `{raw}` is not an e-mail address ({e}): use e.g. noreply@city.example.jp or `つながり <noreply@city.example.jp>`")
            })?,
            None if matches!(transport, MailTransportSettings::Smtp(_)) => {
                return Err("TSUNAGARI_MAIL_FROM is not set: with TSUNAGARI_SMTP_HOST, give the sender address the server accepts (e.g. noreply@city.example.jp)".into())
            }
            None => DEFAULT_MAIL_FROM.parse().expect("the default sender parses"),
        };
        Ok(MailSettings { transport, from })
    }
}

/// An IPv4 or IPv6 address, or a DNS name (letters, digits and `-` in dot-separated labels).
fn is_host_name(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
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

    #[test]
    fn sqlite_synchronous_is_normal_or_full_and_anything_else_says_what_to_write() {
        assert_eq!(
            SqliteSynchronous::parse(" FULL "),
            Ok(SqliteSynchronous::Full)
        );
        assert_eq!(
            SqliteSynchronous::parse("normal"),
            Ok(SqliteSynchronous::Normal)
        );
        let refused = SqliteSynchronous::parse("off").unwrap_err();
        assert!(
            refused.contains("TSUNAGARI_SQLITE_SYNCHRONOUS=`off`"),
            "{refused}"
        );
        assert!(
            refused.contains("normal") && refused.contains("full"),
            "{refused}"
        );
    }

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

    fn mail_settings(pairs: &[(&str, &str)]) -> Result<MailSettings, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        MailSettings::from_lookup(&|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn without_an_smtp_host_mail_goes_to_files_in_data_mail() {
        let settings = mail_settings(&[]).unwrap();
        assert_eq!(
            settings.transport,
            MailTransportSettings::Folder(PathBuf::from("data/mail"))
        );
        let settings = mail_settings(&[("TSUNAGARI_MAIL_DIR", "/var/mail/t")]).unwrap();
        assert_eq!(
            settings.transport,
            MailTransportSettings::Folder(PathBuf::from("/var/mail/t"))
        );
    }

    #[test]
    fn smtp_settings_take_their_port_from_the_tls_mode_unless_given() {
        let base = [
            ("TSUNAGARI_SMTP_HOST", "smtp.city.example.jp"),
            ("TSUNAGARI_MAIL_FROM", "つながり <noreply@city.example.jp>"),
        ];
        let MailTransportSettings::Smtp(smtp) = mail_settings(&base).unwrap().transport else {
            panic!("SMTP expected");
        };
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::Starttls, 587));
        for host in [
            "127.0.0.1",
            "::1",
            "mail-relay.city.example.jp",
            "localhost",
        ] {
            let settings = mail_settings(&[("TSUNAGARI_SMTP_HOST", host), base[1]]);
            assert!(settings.is_ok(), "{host}: {settings:?}");
        }
        let mut with_tls = base.to_vec();
        with_tls.push(("TSUNAGARI_SMTP_TLS", "TLS"));
        let MailTransportSettings::Smtp(smtp) = mail_settings(&with_tls).unwrap().transport else {
            panic!("SMTP expected");
        };
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::Tls, 465));
        with_tls.push(("TSUNAGARI_SMTP_PORT", "2465"));
        with_tls.push(("TSUNAGARI_SMTP_USER", "mailer"));
        with_tls.push(("TSUNAGARI_SMTP_PASSWORD", "s3cret"));
        let MailTransportSettings::Smtp(smtp) = mail_settings(&with_tls).unwrap().transport else {
            panic!("SMTP expected");
        };
        assert_eq!(smtp.port, 2465);
        let shown = format!("{:?}", smtp.credentials);
        assert!(
            shown.contains("mailer") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn bad_mail_settings_are_refused_naming_the_setting() {
        let host = ("TSUNAGARI_SMTP_HOST", "smtp.city.example.jp");
        let from = ("TSUNAGARI_MAIL_FROM", "noreply@city.example.jp");
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                vec![host, from, ("TSUNAGARI_SMTP_TLS", "ssl")],
                "TSUNAGARI_SMTP_TLS",
            ),
            (
                vec![host, from, ("TSUNAGARI_SMTP_PORT", "abc")],
                "TSUNAGARI_SMTP_PORT",
            ),
            (
                vec![host, from, ("TSUNAGARI_SMTP_PORT", "70000")],
                "TSUNAGARI_SMTP_PORT",
            ),
            (
                vec![host, from, ("TSUNAGARI_SMTP_USER", "u")],
                "TSUNAGARI_SMTP_PASSWORD",
            ),
            (
                vec![host, from, ("TSUNAGARI_SMTP_PASSWORD", "p")],
                "TSUNAGARI_SMTP_USER",
            ),
            (vec![host], "TSUNAGARI_MAIL_FROM"),
            (
                vec![host, ("TSUNAGARI_MAIL_FROM", "not an address")],
                "TSUNAGARI_MAIL_FROM",
            ),
            (
                vec![("TSUNAGARI_SMTP_HOST", "smtp.example.jp:587"), from],
                "TSUNAGARI_SMTP_HOST",
            ),
            (vec![("TSUNAGARI_SMTP_PORT", "587")], "TSUNAGARI_SMTP_HOST"),
            (
                vec![("TSUNAGARI_SMTP_HOST", "bad_host!"), from],
                "TSUNAGARI_SMTP_HOST",
            ),
            (
                vec![("TSUNAGARI_SMTP_HOST", "smtp..example.jp"), from],
                "TSUNAGARI_SMTP_HOST",
            ),
            (
                vec![
                    host,
                    from,
                    ("TSUNAGARI_SMTP_TLS", "none"),
                    ("TSUNAGARI_SMTP_USER", "u"),
                    ("TSUNAGARI_SMTP_PASSWORD", "p"),
                ],
                "TSUNAGARI_SMTP_TLS",
            ),
        ];
        for (pairs, named) in cases {
            let error = mail_settings(&pairs).expect_err(&format!("{pairs:?} should be refused"));
            assert!(error.contains(named), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn the_description_of_a_postgres_url_hides_the_password() {
        let d = DatabaseUrl::parse("postgres://user:secret@db.example:5432/t").unwrap();
        assert!(!d.describe().contains("secret"), "{}", d.describe());
    }
}

//! E-mail through lettre: one [`Mailer`] over a private choice of transport — SMTP when
//! `TSUNAGARI_SMTP_HOST` is set, .eml files in a folder otherwise (the offline default), or
//! memory in tests — plus the typed messages ([`messages`]) and the background sender that
//! empties the outbox ([`sender`]).
//!
//! Nothing sends mail from a page: pages put rendered messages in the outbox
//! (`db::outbox`) in the transaction of their change, and [`sender`] delivers them.

pub mod body;
pub mod messages;
pub mod sender;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::config::{MailSettings, MailTransportSettings, SmtpSettings, SmtpTls};

/// How long one SMTP command may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A message ready to send: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// An e-mail address as typed into a form or read from the database: trimmed, lower case,
/// and one that lettre accepts. Once parsed it is valid everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Reads an address; the error is a sentence in Japanese and English for the form.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        let lowered = raw.trim().to_lowercase();
        if lowered.is_empty() {
            return Err(AddressError::Empty);
        }
        if lowered.len() > 254 || lowered.parse::<lettre::Address>().is_err() {
            return Err(AddressError::Invalid(raw.trim().to_string()));
        }
        Ok(EmailAddress(lowered))
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a typed address is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("no e-mail address was given")]
    Empty,
    #[error("`{0}` is not an e-mail address")]
    Invalid(String),
}

impl AddressError {
    /// The message shown next to the field.
    pub fn message(&self, lang: crate::questionnaire::Lang) -> String {
        use crate::questionnaire::Lang;
        match (self, lang) {
            (AddressError::Empty, Lang::Ja) => "メールアドレスを入力してください。".into(),
            (AddressError::Empty, Lang::En) => "Please enter an e-mail address.".into(),
            (AddressError::Invalid(raw), Lang::Ja) => {
                format!("「{raw}」はメールアドレスとして読み取れません。例: yamada@city.example.jp")
            }
            (AddressError::Invalid(raw), Lang::En) => {
                format!("`{raw}` is not an e-mail address, e.g. yamada@city.example.jp")
            }
        }
    }
}

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by this SMTP server (`host:port`).
    Smtp(String),
    /// Written to this .eml file.
    File(PathBuf),
    /// Kept in memory (tests).
    Memory,
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::Smtp(server) => write!(f, "accepted by the SMTP server {server}"),
            Delivery::File(path) => write!(f, "written to {}", path.display()),
            Delivery::Memory => f.write_str("kept in memory"),
        }
    }
}

/// A failed attempt to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What went wrong, naming the setting to check where one is at fault.
    pub message: String,
    /// The server refused the message for good (e.g. an unknown address): retrying the same
    /// message cannot help.
    pub permanent: bool,
}

/// A message the in-memory transport kept: its recipients and the whole message as sent.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Clone)]
enum MailTransport {
    Smtp {
        transport: SmtpTransport,
        server: String,
    },
    Folder {
        dir: PathBuf,
        transport: FileTransport,
    },
    Memory(lettre::transport::stub::StubTransport),
}

/// Sends rendered messages through the configured transport. Cheap to clone (the memory
/// transport's clones share what was sent).
#[derive(Clone)]
pub struct Mailer {
    transport: MailTransport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Mailer {
    /// The transport the settings choose. SMTP settings lettre cannot use (a host name TLS
    /// cannot check) and a mail folder that cannot be created are errors naming the setting.
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        let transport = match &settings.transport {
            MailTransportSettings::Smtp(smtp) => MailTransport::Smtp {
                transport: smtp_transport(smtp)?,
                server: format!("{}:{}", smtp.host, smtp.port),
            },
            MailTransportSettings::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!(
                        "TSUNAGARI_MAIL_DIR = `{}`: the folder cannot be created ({e})",
                        dir.display()
                    )
                })?;
                MailTransport::Folder {
                    dir: dir.clone(),
                    transport: FileTransport::new(dir),
                }
            }
        };
        Ok(Mailer {
            transport,
            from: settings.from.clone(),
        })
    }

    /// A mailer that keeps every message in memory (tests read them with [`Mailer::sent`]).
    pub fn memory() -> Self {
        Mailer {
            transport: MailTransport::Memory(lettre::transport::stub::StubTransport::new_ok()),
            from: MailSettings::folder("unused").from,
        }
    }

    /// A mailer whose every attempt fails (tests of retries).
    pub fn memory_failing() -> Self {
        Mailer {
            transport: MailTransport::Memory(lettre::transport::stub::StubTransport::new_error()),
            from: MailSettings::folder("unused").from,
        }
    }

    /// Where this mailer sends, for logs and the admin page (no password).
    pub fn describe(&self) -> String {
        match &self.transport {
            MailTransport::Smtp { server, .. } => format!("SMTP {server}"),
            MailTransport::Folder { dir, .. } => format!(".eml files in {}", dir.display()),
            MailTransport::Memory(_) => "memory".into(),
        }
    }

    /// Whether messages only stay in memory (`serve` refuses such a mailer).
    pub fn is_memory(&self) -> bool {
        matches!(self.transport, MailTransport::Memory(_))
    }

    /// Sends one message to `to` now, on the calling thread (the background sender and
    /// `tsunagari mail test` call this; pages never do).
    pub fn send(&self, to: &str, mail: &RenderedMail) -> Result<Delivery, SendError> {
        let message = self.build(to, mail)?;
        match &self.transport {
            MailTransport::Smtp { transport, server } => transport
                .send(&message)
                .map(|_| Delivery::Smtp(server.clone()))
                .map_err(|e| smtp_error(server, &e)),
            MailTransport::Folder { dir, transport } => transport
                .send(&message)
                .map(|id| {
                    let path = dir.join(format!("{id}.eml"));
                    Delivery::File(std::fs::canonicalize(&path).unwrap_or(path))
                })
                .map_err(|e| SendError {
                    message: format!(
                        "could not write the message to TSUNAGARI_MAIL_DIR = `{}`: {e}",
                        dir.display()
                    ),
                    permanent: false,
                }),
            MailTransport::Memory(stub) => {
                stub.send(&message)
                    .map(|_| Delivery::Memory)
                    .map_err(|e| SendError {
                        message: format!("the test transport refused the message: {e}"),
                        permanent: false,
                    })
            }
        }
    }

    /// What the in-memory transport has sent, oldest first (empty for other transports).
    pub fn sent(&self) -> Vec<SentMail> {
        match &self.transport {
            MailTransport::Memory(stub) => stub
                .messages()
                .into_iter()
                .map(|(envelope, raw)| SentMail {
                    to: envelope.to().iter().map(|a| a.to_string()).collect(),
                    raw,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn build(&self, to: &str, mail: &RenderedMail) -> Result<Message, SendError> {
        let to: Mailbox = to.parse().map_err(|e| SendError {
            message: format!("the recipient address cannot be used: {e}"),
            permanent: true,
        })?;
        // UTF-8 in base64 for both parts: Japanese text survives every relay unchanged.
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentTransferEncoding::Base64)
            .body(mail.text.clone());
        let html = SinglePart::builder()
            .header(ContentType::TEXT_HTML)
            .header(ContentTransferEncoding::Base64)
            .body(mail.html.clone());
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .date_now()
            .multipart(MultiPart::alternative().singlepart(text).singlepart(html))
            .map_err(|e| SendError {
                message: format!("the message could not be put together: {e}"),
                permanent: true,
            })
    }
}

fn smtp_transport(smtp: &SmtpSettings) -> Result<SmtpTransport, String> {
    let tls_parameters = || {
        TlsParameters::new(smtp.host.clone()).map_err(|e| {
            format!(
                "TSUNAGARI_SMTP_HOST = `{}` cannot be used with TSUNAGARI_SMTP_TLS = {}: {e}",
                smtp.host,
                smtp.tls.as_str()
            )
        })
    };
    let tls = match smtp.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(tls_parameters()?),
        SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder = SmtpTransport::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(credentials) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(
            credentials.user.clone(),
            credentials.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// Words an SMTP failure so that an admin knows which setting to look at.
fn smtp_error(server: &str, e: &lettre::transport::smtp::Error) -> SendError {
    let hint = if e.is_permanent() {
        "the server refused the message for good (check the recipient address and TSUNAGARI_MAIL_FROM)"
    } else if e.is_transient() {
        "the server asked to try again later"
    } else if e.is_tls() {
        "the TLS handshake failed (check TSUNAGARI_SMTP_TLS and TSUNAGARI_SMTP_PORT)"
    } else if e.is_timeout() {
        "the server did not answer in time (check TSUNAGARI_SMTP_HOST and TSUNAGARI_SMTP_PORT)"
    } else if e.is_client() {
        "the connection failed (check TSUNAGARI_SMTP_HOST, TSUNAGARI_SMTP_PORT, TSUNAGARI_SMTP_TLS, TSUNAGARI_SMTP_USER and TSUNAGARI_SMTP_PASSWORD)"
    } else {
        "the connection failed (check TSUNAGARI_SMTP_HOST and TSUNAGARI_SMTP_PORT)"
    };
    SendError {
        message: format!("SMTP {server}: {hint}: {e}"),
        permanent: e.is_permanent(),
    }
}

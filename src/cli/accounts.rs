//! `tsunagari user add|list`: accounts for staff, planners and admins.

use std::io::BufRead;

use clap::{Args, Subcommand};

use super::{connection, with_database, CliError, CliResult};
use crate::auth::{self, Role};
use crate::db;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (the first one should be an admin).
    Add(AddUser),
    /// List accounts.
    List,
}

/// Options of `user add`.
#[derive(Debug, Args)]
pub struct AddUser {
    /// Sign-in name (no spaces).
    #[arg(long)]
    pub username: String,
    /// admin, staff, planner or consultation.
    #[arg(long)]
    pub role: String,
    /// Name shown in the header (defaults to the username).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    /// E-mail address (for password resets).
    #[arg(long)]
    pub email: Option<String>,
    /// A survey (slug) a staff member or planner may open; repeat for several. Admins open
    /// every survey.
    #[arg(long = "survey")]
    pub surveys: Vec<String>,
}

/// Runs an account command.
pub fn run(cmd: UserCommand) -> CliResult {
    let (pool, _, _) = with_database()?;
    let mut conn = connection(&pool)?;
    match cmd {
        UserCommand::Add(args) => {
            let role = Role::parse(&args.role).map_err(CliError::Usage)?;
            if args.username.trim().is_empty() || args.username.chars().any(char::is_whitespace) {
                return Err(CliError::Usage(
                    "--username must be non-empty and without spaces".into(),
                ));
            }
            let (password, generated) = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| CliError::Failed(e.into()))?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (generate_password(), true)
            };
            let hash =
                auth::hash_password(&password).map_err(|e| CliError::Usage(e.to_string()))?;
            let name = args.name.clone().unwrap_or_else(|| args.username.clone());
            let email = match &args.email {
                Some(raw) => Some(
                    crate::mail::EmailAddress::parse(raw)
                        .map_err(|e| CliError::Usage(format!("--email: {e}")))?,
                ),
                None => None,
            };
            let mut survey_ids = Vec::new();
            for slug in &args.surveys {
                let row =
                    crate::ops::surveys::row_by_slug(&mut conn, slug).map_err(|e| match e {
                        db::DbError::NotFound => CliError::Usage(format!(
                            "--survey {slug}: no such survey (see `tsunagari survey list`)"
                        )),
                        other => other.into(),
                    })?;
                survey_ids.push(row.id);
            }
            let user = db::transaction(&mut conn, |conn| {
                let user = db::users::create_with_email(
                    conn,
                    args.username.trim(),
                    &name,
                    &hash,
                    role,
                    email.as_ref().map(|e| e.as_str()),
                )?;
                if role != Role::Admin {
                    db::survey_access::set_memberships(conn, user.id, &survey_ids, None)?;
                }
                Ok(user)
            })?;
            println!("created {} ({})", user.username, user.role.as_str());
            if role != Role::Admin && survey_ids.is_empty() {
                println!(
                    "no survey yet: give access with --survey, or on /admin/users/{}",
                    user.id
                );
            }
            if generated {
                println!("password: {password}");
                println!("(shown once; keep it somewhere safe)");
            }
            Ok(())
        }
        UserCommand::List => {
            for user in db::users::list(&mut conn)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    user.username,
                    user.role.as_str(),
                    user.display_name,
                    user.email.as_deref().unwrap_or("-"),
                    if user.active { "active" } else { "deactivated" }
                );
            }
            Ok(())
        }
    }
}

/// A random 20-character password from the access-code alphabet (easy to read aloud).
pub fn generate_password() -> String {
    let raw = auth::random_token();
    raw.as_bytes()
        .chunks(2)
        .take(20)
        .map(|pair| {
            let byte =
                u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0);
            let alphabet = crate::sampling::access_code::ALPHABET;
            alphabet[byte as usize % alphabet.len()] as char
        })
        .collect()
}

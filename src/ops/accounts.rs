//! Accounts as admins run them: invitations and password resets through single-use links
//! that expire, roles, deactivation (sessions end at once) and which surveys an account may
//! open. Every change is one transaction, is logged in `account_audit`, and queues its
//! e-mail in the outbox in that same transaction (the background sender delivers it).

use chrono::{Duration, NaiveDateTime};

use crate::auth::{self, Role};
use crate::clock::local_time;
use crate::db::account_links::{self, LinkPurpose};
use crate::db::outbox::{self, MailKind, NewMail};
use crate::db::users::User;
use crate::db::{self, DbConnection, DbError};
use crate::mail::messages::{InvitationMail, PasswordResetMail};
use crate::mail::{AddressError, EmailAddress};
use crate::questionnaire::{t, Lang};

/// How long an invitation link can be used.
pub const INVITATION_VALID: Duration = Duration::hours(72);
/// How long a password-reset link can be used.
pub const RESET_VALID: Duration = Duration::minutes(60);
/// At most this many reset messages go to one account within [`RESET_WINDOW`].
const RESETS_PER_WINDOW: i64 = 3;
const RESET_WINDOW: Duration = Duration::minutes(15);

/// What links in messages need: the public address of the site and the time zone in which
/// expiry times are written.
#[derive(Debug, Clone, Copy)]
pub struct LinkContext<'a> {
    pub base_url: &'a str,
    pub zone: &'a chrono_tz::Tz,
}

/// A parsed invitation form: every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub username: String,
    pub display_name: String,
    pub email: EmailAddress,
    pub role: Role,
    /// The surveys a staff member or planner may open (ignored for admins, who open all).
    pub surveys: Vec<i64>,
}

/// Why an account change was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the username must be 1–64 characters without spaces")]
    UsernameInvalid,
    #[error("a name is needed")]
    DisplayNameMissing,
    #[error("{0}")]
    Email(AddressError),
    #[error("`{0}` is not a role")]
    RoleInvalid(String),
    #[error("the username `{0}` is already taken")]
    UsernameTaken(String),
    #[error("the e-mail address `{0}` already belongs to an account")]
    EmailTaken(String),
    #[error("no survey has the id {0}")]
    UnknownSurvey(String),
    #[error("the account has no e-mail address")]
    NoEmail,
    #[error("the account's owner has already set a password")]
    AlreadyAccepted,
    #[error("the account is deactivated")]
    Deactivated,
    #[error("admins cannot change their own role or deactivate themselves")]
    OwnAccount,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AccountError {
    /// The message shown next to the form.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AccountError::UsernameInvalid => t(
                lang,
                "ユーザー名は空白を含まない64文字以内で入力してください。",
                "The username must be 1–64 characters without spaces.",
            )
            .into(),
            AccountError::DisplayNameMissing => {
                t(lang, "氏名を入力してください。", "Please enter a name.").into()
            }
            AccountError::Email(e) => e.message(lang),
            AccountError::RoleInvalid(raw) => match lang {
                Lang::Ja => format!("「{raw}」という役割はありません。一覧から選んでください。"),
                Lang::En => format!("`{raw}` is not a role: choose one from the list."),
            },
            AccountError::UsernameTaken(name) => match lang {
                Lang::Ja => format!("ユーザー名「{name}」はすでに使われています。別の名前にしてください。"),
                Lang::En => format!("The username `{name}` is already taken."),
            },
            AccountError::EmailTaken(email) => match lang {
                Lang::Ja => format!("メールアドレス「{email}」はすでに別のアカウントで使われています。"),
                Lang::En => format!("The e-mail address `{email}` already belongs to an account."),
            },
            AccountError::UnknownSurvey(raw) => match lang {
                Lang::Ja => format!("指定された調査（{raw}）はありません。画面を開き直してください。"),
                Lang::En => format!("There is no survey {raw}: reload the page."),
            },
            AccountError::NoEmail => t(
                lang,
                "このアカウントにはメールアドレスがないため、招待を送れません。",
                "This account has no e-mail address, so no invitation can be sent.",
            )
            .into(),
            AccountError::AlreadyAccepted => t(
                lang,
                "このアカウントはすでにパスワードを設定済みです。忘れた場合はログイン画面の「パスワードを忘れた場合」から再設定できます。",
                "This account has already set its password; a forgotten one can be reset from the sign-in page.",
            )
            .into(),
            AccountError::Deactivated => t(
                lang,
                "このアカウントは停止中です。先に再開してください。",
                "This account is deactivated: reactivate it first.",
            )
            .into(),
            AccountError::OwnAccount => t(
                lang,
                "自分のアカウントの役割の変更と停止はできません。別の管理者に依頼してください。",
                "You cannot change your own role or deactivate yourself: ask another admin.",
            )
            .into(),
            AccountError::Db(_) => t(
                lang,
                "保存できませんでした。時間をおいてもう一度お試しください。",
                "This could not be saved. Please try again later.",
            )
            .into(),
        }
    }
}

/// Reads the invitation form's fields.
pub fn parse_invitation(
    username: &str,
    display_name: &str,
    email: &str,
    role: &str,
    surveys: &[&str],
) -> Result<Invitation, AccountError> {
    let username = username.trim();
    if username.is_empty()
        || username.chars().count() > 64
        || username.chars().any(char::is_whitespace)
    {
        return Err(AccountError::UsernameInvalid);
    }
    let display_name = display_name.trim();
    if display_name.is_empty() {
        return Err(AccountError::DisplayNameMissing);
    }
    let email = EmailAddress::parse(email).map_err(AccountError::Email)?;
    let role = Role::parse(role).map_err(|_| AccountError::RoleInvalid(role.trim().into()))?;
    Ok(Invitation {
        username: username.into(),
        display_name: display_name.into(),
        email,
        role,
        surveys: parse_survey_ids(surveys)?,
    })
}

/// Reads survey ids from checkbox values.
pub fn parse_survey_ids(raw: &[&str]) -> Result<Vec<i64>, AccountError> {
    let mut ids = raw
        .iter()
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| AccountError::UnknownSurvey(v.trim().into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Creates the invited account (no password yet), its survey access and an invitation link,
/// and queues the invitation message.
pub fn invite(
    conn: &mut DbConnection,
    invitation: &Invitation,
    invited_by: &User,
    links: LinkContext<'_>,
) -> Result<User, AccountError> {
    db::transaction_with(conn, |conn| {
        if db::users::find_by_username(conn, &invitation.username)?.is_some() {
            return Err(AccountError::UsernameTaken(invitation.username.clone()));
        }
        if db::users::find_by_email(conn, invitation.email.as_str())?.is_some() {
            return Err(AccountError::EmailTaken(invitation.email.as_str().into()));
        }
        check_surveys_exist(conn, &invitation.surveys)?;
        let user = db::users::create_with_email(
            conn,
            &invitation.username,
            &invitation.display_name,
            "",
            invitation.role,
            Some(invitation.email.as_str()),
        )?;
        if invitation.role != Role::Admin {
            db::survey_access::set_memberships(
                conn,
                user.id,
                &invitation.surveys,
                Some(invited_by.id),
            )?;
        }
        let now = db::now();
        let detail = format!(
            "{}を招待（{}、役割: {}{}）",
            user.display_name,
            invitation.email.as_str(),
            user.role.label(Lang::Ja),
            surveys_phrase(conn, user.role, &invitation.surveys)?
        );
        account_links::log_change(conn, user.id, Some(invited_by.id), "invited", &detail, now)?;
        queue_invitation(conn, &user, invited_by, links, now)?;
        Ok(user)
    })
}

/// Sends a new invitation to an account whose owner has not set a password yet (the old
/// link stops working).
pub fn resend_invitation(
    conn: &mut DbConnection,
    user_id: i64,
    invited_by: &User,
    links: LinkContext<'_>,
) -> Result<User, AccountError> {
    db::transaction_with(conn, |conn| {
        let user = db::users::find(conn, user_id)?;
        if !user.awaits_password() {
            return Err(AccountError::AlreadyAccepted);
        }
        if !user.active {
            return Err(AccountError::Deactivated);
        }
        let now = db::now();
        account_links::expire_unused_of(conn, user.id, now)?;
        queue_invitation(conn, &user, invited_by, links, now)?;
        account_links::log_change(
            conn,
            user.id,
            Some(invited_by.id),
            "invitation_resent",
            "招待を再送（以前のリンクは無効）",
            now,
        )?;
        Ok(user)
    })
}

fn queue_invitation(
    conn: &mut DbConnection,
    user: &User,
    invited_by: &User,
    links: LinkContext<'_>,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let email = user.email.clone().ok_or(AccountError::NoEmail)?;
    let token = auth::random_token();
    let expires_at = now + INVITATION_VALID;
    account_links::create(
        conn,
        &auth::token_hash(&token),
        user.id,
        LinkPurpose::Invitation,
        Some(invited_by.id),
        now,
        expires_at,
    )?;
    let link = format!("{}/account/invitation/{token}", links.base_url);
    let mail = InvitationMail {
        display_name: &user.display_name,
        username: &user.username,
        role: user.role,
        invited_by: &invited_by.display_name,
        link: &link,
        expires_at,
        zone: links.zone,
    }
    .render();
    outbox::enqueue(
        conn,
        &NewMail {
            kind: MailKind::Invitation,
            recipient: &email,
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: &mail.html,
        },
    )?;
    Ok(())
}

/// Queues a reset link for the active account with this address. Whatever the address —
/// unknown, deactivated, malformed, or flooded with requests — the caller learns nothing:
/// the result is the same `Ok(())`.
pub fn request_password_reset(
    conn: &mut DbConnection,
    email: &str,
    links: LinkContext<'_>,
) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    db::transaction(conn, |conn| {
        let Some(user) = db::users::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        let now = db::now();
        let recent = account_links::count_since(
            conn,
            user.id,
            LinkPurpose::PasswordReset,
            now - RESET_WINDOW,
        )?;
        if !user.active || recent >= RESETS_PER_WINDOW {
            return Ok(());
        }
        let token = auth::random_token();
        let expires_at = now + RESET_VALID;
        account_links::create(
            conn,
            &auth::token_hash(&token),
            user.id,
            LinkPurpose::PasswordReset,
            None,
            now,
            expires_at,
        )?;
        let link = format!("{}/password-reset/{token}", links.base_url);
        let mail = PasswordResetMail {
            display_name: &user.display_name,
            username: &user.username,
            link: &link,
            expires_at,
            zone: links.zone,
        }
        .render();
        outbox::enqueue(
            conn,
            &NewMail {
                kind: MailKind::PasswordReset,
                recipient: email.as_str(),
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
            },
        )?;
        account_links::log_change(
            conn,
            user.id,
            None,
            "password_reset_requested",
            "パスワード再設定のリンクを送信",
            now,
        )
    })
}

/// Why a link from a message cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the link is not known")]
    Unknown,
    #[error("the link expired at {0} UTC")]
    Expired(NaiveDateTime),
    #[error("the link was already used")]
    Used,
    #[error("the account is deactivated")]
    Deactivated,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl LinkError {
    /// What the page says; `purpose` decides what to do next.
    pub fn message(&self, lang: Lang, purpose: LinkPurpose, zone: &chrono_tz::Tz) -> String {
        let again = match (purpose, lang) {
            (LinkPurpose::Invitation, Lang::Ja) => "管理者に招待の再送を依頼してください。",
            (LinkPurpose::Invitation, Lang::En) => {
                "Ask an administrator to send the invitation again."
            }
            (LinkPurpose::PasswordReset, Lang::Ja) => {
                "ログイン画面の「パスワードを忘れた場合」から、もう一度申し込んでください。"
            }
            (LinkPurpose::PasswordReset, Lang::En) => {
                "Ask for a new link from “Forgot your password?” on the sign-in page."
            }
        };
        match (self, lang) {
            (LinkError::Unknown, Lang::Ja) => format!(
                "このリンクは無効です。メールのリンクが途中で切れていないかお確かめください。{again}"
            ),
            (LinkError::Unknown, Lang::En) => {
                format!("This link is not valid: check that the whole link from the message was opened. {again}")
            }
            (LinkError::Expired(at), Lang::Ja) => format!(
                "このリンクは有効期限（{}）が過ぎたため使えません。{again}",
                local_time(lang, *at, zone)
            ),
            (LinkError::Expired(at), Lang::En) => format!(
                "This link expired on {}. {again}",
                local_time(lang, *at, zone)
            ),
            (LinkError::Used, Lang::Ja) => format!(
                "このリンクはすでに使われています。リンクは1回だけ使えます。パスワードを設定済みならログインしてください。忘れた場合は、{again}",
            ),
            (LinkError::Used, Lang::En) => format!(
                "This link has already been used: each link works once. If you set your password, sign in; otherwise: {again}"
            ),
            (LinkError::Deactivated, Lang::Ja) => {
                "このアカウントは停止されています。管理者にお問い合わせください。".into()
            }
            (LinkError::Deactivated, Lang::En) => {
                "This account has been deactivated. Please contact an administrator.".into()
            }
            (LinkError::Db(_), _) => t(
                lang,
                "リンクを確認できませんでした。時間をおいてもう一度お試しください。",
                "The link could not be checked. Please try again later.",
            )
            .into(),
        }
    }
}

/// The account a link is for, if it can still be used at `at` (opening the page uses
/// nothing up).
pub fn open_link(
    conn: &mut DbConnection,
    token: &str,
    purpose: LinkPurpose,
    at: NaiveDateTime,
) -> Result<User, LinkError> {
    let link =
        account_links::find(conn, &auth::token_hash(token), purpose)?.ok_or(LinkError::Unknown)?;
    if link.used_at.is_some() {
        return Err(LinkError::Used);
    }
    if link.expires_at <= at {
        return Err(LinkError::Expired(link.expires_at));
    }
    if !link.user.active {
        return Err(LinkError::Deactivated);
    }
    Ok(link.user)
}

/// Uses a link once: sets the account's password (already hashed), ends its other links and
/// every session it had. A second use, or one after the expiry, changes nothing.
pub fn set_password_by_link(
    conn: &mut DbConnection,
    token: &str,
    purpose: LinkPurpose,
    password_hash: &str,
) -> Result<User, LinkError> {
    db::transaction_with(conn, |conn| {
        let now = db::now();
        let user = open_link(conn, token, purpose, now)?;
        if !account_links::use_once(conn, &auth::token_hash(token), now)? {
            // Another request used it between the two statements.
            return Err(LinkError::Used);
        }
        db::users::set_password(conn, user.id, password_hash)?;
        account_links::expire_unused_of(conn, user.id, now)?;
        db::sessions::delete_all_staff_of(conn, user.id)?;
        let (action, detail) = match purpose {
            LinkPurpose::Invitation => ("password_set", "招待のリンクからパスワードを設定"),
            LinkPurpose::PasswordReset => ("password_reset", "再設定のリンクからパスワードを変更"),
        };
        account_links::log_change(conn, user.id, None, action, detail, now)?;
        Ok(user)
    })
}

/// Changes another account's role.
pub fn change_role(
    conn: &mut DbConnection,
    admin: &User,
    user_id: i64,
    role: Role,
) -> Result<(), AccountError> {
    if admin.id == user_id {
        return Err(AccountError::OwnAccount);
    }
    db::transaction_with(conn, |conn| {
        let user = db::users::find(conn, user_id)?;
        if user.role == role {
            return Ok(());
        }
        db::users::set_role(conn, user.id, role)?;
        let detail = format!(
            "役割: {} → {}",
            user.role.label(Lang::Ja),
            role.label(Lang::Ja)
        );
        account_links::log_change(
            conn,
            user.id,
            Some(admin.id),
            "role_changed",
            &detail,
            db::now(),
        )?;
        Ok(())
    })
}

/// Deactivates (every session ends at once, unused links stop working) or reactivates
/// another account.
pub fn set_active(
    conn: &mut DbConnection,
    admin: &User,
    user_id: i64,
    active: bool,
) -> Result<(), AccountError> {
    if admin.id == user_id {
        return Err(AccountError::OwnAccount);
    }
    db::transaction_with(conn, |conn| {
        let user = db::users::find(conn, user_id)?;
        if user.active == active {
            return Ok(());
        }
        let now = db::now();
        db::users::set_active(conn, user.id, active)?;
        let (action, detail) = if active {
            ("reactivated", "アカウントを再開".to_string())
        } else {
            account_links::expire_unused_of(conn, user.id, now)?;
            let ended = db::sessions::delete_all_staff_of(conn, user.id)?;
            (
                "deactivated",
                format!("アカウントを停止（ログイン中のセッション{ended}件を終了）"),
            )
        };
        account_links::log_change(conn, user.id, Some(admin.id), action, &detail, now)?;
        Ok(())
    })
}

/// Gives a staff member or planner access to exactly these surveys.
pub fn set_surveys(
    conn: &mut DbConnection,
    admin: &User,
    user_id: i64,
    survey_ids: &[i64],
) -> Result<(), AccountError> {
    db::transaction_with(conn, |conn| {
        let user = db::users::find(conn, user_id)?;
        check_surveys_exist(conn, survey_ids)?;
        let before = db::survey_access::survey_ids_of(conn, user.id)?;
        if before == survey_ids {
            return Ok(());
        }
        db::survey_access::set_memberships(conn, user.id, survey_ids, Some(admin.id))?;
        let detail = format!(
            "担当の調査: {} → {}",
            slugs(conn, &before)?,
            slugs(conn, survey_ids)?
        );
        account_links::log_change(
            conn,
            user.id,
            Some(admin.id),
            "surveys_changed",
            &detail,
            db::now(),
        )?;
        Ok(())
    })
}

fn check_surveys_exist(conn: &mut DbConnection, ids: &[i64]) -> Result<(), AccountError> {
    for id in ids {
        match db::surveys::find(conn, *id) {
            Ok(_) => {}
            Err(DbError::NotFound) => return Err(AccountError::UnknownSurvey(id.to_string())),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn slugs(conn: &mut DbConnection, ids: &[i64]) -> Result<String, DbError> {
    if ids.is_empty() {
        return Ok("なし".into());
    }
    let mut names = Vec::new();
    for id in ids {
        names.push(db::surveys::find(conn, *id)?.slug);
    }
    Ok(names.join("、"))
}

fn surveys_phrase(conn: &mut DbConnection, role: Role, ids: &[i64]) -> Result<String, DbError> {
    Ok(if role == Role::Admin {
        "、すべての調査".into()
    } else {
        format!("、担当の調査: {}", slugs(conn, ids)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_form_is_read_into_valid_fields_or_one_clear_problem() {
        let ok = parse_invitation(
            " hanako ",
            "山田 花子",
            " Hanako@City.Example.JP ",
            "planner",
            &["3", "1", "3"],
        )
        .unwrap();
        assert_eq!(ok.username, "hanako");
        assert_eq!(ok.email.as_str(), "hanako@city.example.jp");
        assert_eq!(ok.role, Role::Planner);
        assert_eq!(ok.surveys, [1, 3]);

        let problem = |u, n, e, r, s: &[&str]| {
            parse_invitation(u, n, e, r, s)
                .unwrap_err()
                .message(Lang::Ja)
        };
        assert!(problem("a b", "x", "a@b.jp", "staff", &[]).contains("空白"));
        assert!(problem("ab", " ", "a@b.jp", "staff", &[]).contains("氏名"));
        assert!(problem("ab", "x", "", "staff", &[]).contains("メールアドレスを入力"));
        assert!(problem("ab", "x", "not-an-address", "staff", &[]).contains("読み取れません"));
        assert!(problem("ab", "x", "a@b.jp", "root", &[]).contains("役割"));
        assert!(problem("ab", "x", "a@b.jp", "staff", &["x"]).contains("調査"));
    }
}

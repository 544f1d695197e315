//! Accounts, sessions and tokens in the store's side tables, in either
//! store ([`Db`]). Each call is its own short read or write, so the
//! server's edit writer, the command line and sign-ins never share a lock
//! longer than one; every write follows the store's discipline
//! ([`Db::write`]).

use super::principal::{AuthError, Authenticator, Principal, Role, Via};
use super::{password, secret};
use chrono::{DateTime, Duration, Utc};
use gapmap_store::StoreError;
use gapmap_store::sql::{Db, Row, Sql};
use gapmap_store::vals;
use serde::Serialize;

/// How long a page session lasts after sign-in.
pub const SESSION_HOURS: i64 = 10;
/// The same in seconds (the cookie's Max-Age).
pub const SESSION_HOURS_S: i64 = SESSION_HOURS * 3600;

/// The accounts of one store.
#[derive(Debug, Clone)]
pub struct Accounts {
    db: Db,
}

/// An account as listed (never with its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
}

/// An API token as listed (never with its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A new page session: the cookie value and its CSRF token, shown once.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn check_username(name: &str) -> Result<(), AuthError> {
    let ok = (2..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AuthError::Invalid(format!(
            "`{name}` is not a user name: 2–40 characters a–z, 0–9, `.`, `_` or `-`"
        )))
    }
}

impl Accounts {
    /// The accounts of a store (a GeoPackage must exist: `gapmap ingest`
    /// or the first `gapmap serve` creates it; a PostGIS store has the
    /// tables from its migrations).
    pub fn new(db: Db) -> Accounts {
        Accounts { db }
    }

    /// One write to the account tables ([`Db::write`]).
    fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, AuthError>,
    ) -> Result<T, AuthError> {
        self.db.write(f)
    }

    /// Add an account.
    pub fn add_user(&self, username: &str, role: Role, pass: &str) -> Result<User, AuthError> {
        check_username(username)?;
        password::check_new(pass).map_err(AuthError::Invalid)?;
        let hash = password::hash(pass).map_err(AuthError::Invalid)?;
        let at = now();
        let n = self.write(|s| {
            Ok(s.exec(
                "INSERT INTO gapmap_users (username, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (username) DO NOTHING",
                &vals![username, role.as_str(), hash, at],
            )?)
        })?;
        if n == 0 {
            return Err(AuthError::Invalid(format!(
                "user `{username}` exists already"
            )));
        }
        self.user(username)?
            .ok_or_else(|| AuthError::Invalid(format!("user `{username}` was not added")))
    }

    /// One account by name.
    pub fn user(&self, username: &str) -> Result<Option<User>, AuthError> {
        self.db.read(|s| {
            s.row(
                "SELECT id, username, role, disabled, created_at FROM gapmap_users WHERE username = ?1",
                &vals![username],
            )?
            .map(|r| user_row(&r))
            .transpose()
            .map_err(AuthError::from)
        })
    }

    /// Every account, by name.
    pub fn users(&self) -> Result<Vec<User>, AuthError> {
        self.db.read(|s| {
            s.rows(
                "SELECT id, username, role, disabled, created_at FROM gapmap_users ORDER BY username",
                &[],
            )?
            .iter()
            .map(|r| user_row(r).map_err(AuthError::from))
            .collect()
        })
    }

    /// Set a new password; every session of the account ends.
    pub fn set_password(&self, username: &str, pass: &str) -> Result<(), AuthError> {
        password::check_new(pass).map_err(AuthError::Invalid)?;
        let hash = password::hash(pass).map_err(AuthError::Invalid)?;
        self.write(|s| {
            let n = s.exec(
                "UPDATE gapmap_users SET password_hash = ?2, updated_at = ?3 WHERE username = ?1",
                &vals![username, hash, now()],
            )?;
            if n == 0 {
                return Err(AuthError::Invalid(format!("no user `{username}`")));
            }
            end_sessions_of(s, username)
        })
    }

    /// Disable (or enable) an account: a disabled account cannot sign in,
    /// its sessions end and its tokens stop working.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AuthError> {
        self.write(|s| {
            let n = s.exec(
                "UPDATE gapmap_users SET disabled = ?2, updated_at = ?3 WHERE username = ?1",
                &vals![username, disabled, now()],
            )?;
            if n == 0 {
                return Err(AuthError::Invalid(format!("no user `{username}`")));
            }
            if disabled {
                end_sessions_of(s, username)?;
            }
            Ok(())
        })
    }

    /// Create an API token for an account, scoped to `role` (at most the
    /// account's). Returns the listing and the secret, shown only now.
    pub fn create_token(
        &self,
        username: &str,
        name: &str,
        role: Role,
    ) -> Result<(Token, String), AuthError> {
        let user = self
            .user(username)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| AuthError::Invalid(format!("no active user `{username}`")))?;
        if !user.role.allows(role) {
            return Err(AuthError::Invalid(format!(
                "a token of `{username}` ({}) cannot have the role {role}",
                user.role
            )));
        }
        // At most 80 characters as sent (the API documents the same), kept trimmed.
        if name.trim().is_empty() || name.chars().count() > 80 {
            return Err(AuthError::Invalid(
                "a token needs a name of 1–80 characters".into(),
            ));
        }
        let name = name.trim();
        let secret = secret::new_token();
        let id: Option<i64> = self.write(|s| {
            Ok(s.value(
                "INSERT INTO gapmap_tokens (user_id, name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                &vals![user.id, name, role.as_str(), secret::digest(&secret), now()],
            )?)
        })?;
        let token = self
            .tokens(Some(username))?
            .into_iter()
            .find(|t| Some(t.id) == id)
            .ok_or_else(|| AuthError::Invalid("the token was not stored".into()))?;
        Ok((token, secret))
    }

    /// Tokens, of one account or of all.
    pub fn tokens(&self, username: Option<&str>) -> Result<Vec<Token>, AuthError> {
        let rows = self.db.read(|s| {
            s.rows(
                "SELECT t.id, u.username, t.name, t.role, t.created_at, t.revoked_at, t.last_used_at
                 FROM gapmap_tokens t JOIN gapmap_users u ON u.id = t.user_id
                 WHERE u.username = ?1 OR ?1 IS NULL ORDER BY t.id",
                &vals![username],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(Token {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    role: r.get::<String>(3)?.parse().unwrap_or(Role::Editor),
                    created_at: r.get(4)?,
                    revoked_at: r.get(5)?,
                    last_used_at: r.get(6)?,
                })
            })
            .collect()
    }

    /// Revoke a token (of `username`, unless `None`: an admin's revocation).
    pub fn revoke_token(&self, id: i64, username: Option<&str>) -> Result<bool, AuthError> {
        let n = self.write(|s| {
            Ok(s.exec(
                "UPDATE gapmap_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL
                 AND (user_id = (SELECT id FROM gapmap_users WHERE username = ?3) OR ?3 IS NULL)",
                &vals![id, now(), username],
            )?)
        })?;
        Ok(n > 0)
    }

    /// Start a page session for a signed-in principal.
    pub fn start_session(&self, who: &Principal) -> Result<Session, AuthError> {
        let id = secret::random_hex(32);
        let csrf = secret::random_hex(24);
        let expires_at = Utc::now() + Duration::hours(SESSION_HOURS);
        self.write(|s| {
            s.exec(
                "DELETE FROM gapmap_sessions WHERE expires_at < ?1",
                &vals![now()],
            )?;
            s.exec(
                "INSERT INTO gapmap_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &vals![
                    secret::digest(&id),
                    who.user_id,
                    &csrf,
                    now(),
                    expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ],
            )?;
            Ok(())
        })?;
        Ok(Session {
            id,
            csrf,
            expires_at,
        })
    }

    /// The principal and CSRF token of a live session.
    pub fn session(&self, id: &str) -> Result<(Principal, String), AuthError> {
        let row = self.db.read(|s| {
            s.row(
                "SELECT u.id, u.username, u.role, s.csrf FROM gapmap_sessions s JOIN gapmap_users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                &vals![secret::digest(id), now()],
            )
        })?;
        let r = row.ok_or(AuthError::NoSession)?;
        Ok((
            Principal {
                user_id: r.get(0)?,
                username: r.get(1)?,
                role: r.get::<String>(2)?.parse().map_err(AuthError::Invalid)?,
                via: Via::Session,
            },
            r.get(3)?,
        ))
    }

    /// End a session (sign out).
    pub fn end_session(&self, id: &str) -> Result<(), AuthError> {
        self.write(|s| {
            s.exec(
                "DELETE FROM gapmap_sessions WHERE id_hash = ?1",
                &vals![secret::digest(id)],
            )?;
            Ok(())
        })
    }
}

/// End every session of an account (inside the caller's write).
fn end_sessions_of(s: &mut dyn Sql, username: &str) -> Result<(), AuthError> {
    s.exec(
        "DELETE FROM gapmap_sessions WHERE user_id = (SELECT id FROM gapmap_users WHERE username = ?1)",
        &vals![username],
    )?;
    Ok(())
}

fn user_row(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: r.get::<String>(2)?.parse().unwrap_or(Role::Editor),
        disabled: r.get(3)?,
        created_at: r.get(4)?,
    })
}

impl Authenticator for Accounts {
    fn sign_in(&self, username: &str, pass: &str) -> Result<Principal, AuthError> {
        let row = self.db.read(|s| {
            s.row(
                "SELECT id, role, password_hash FROM gapmap_users WHERE username = ?1 AND disabled = 0",
                &vals![username],
            )
        })?;
        let row: Option<(i64, String, String)> = match row {
            Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?)),
            None => None,
        };
        // The same work whether or not the user exists.
        let stored = row.as_ref().map_or(password::decoy(), |r| r.2.as_str());
        let ok = password::verify(pass, stored);
        match row {
            Some((user_id, role, _)) if ok => Ok(Principal {
                user_id,
                username: username.to_owned(),
                role: role.parse().map_err(AuthError::Invalid)?,
                via: Via::Session,
            }),
            _ => Err(AuthError::BadCredentials),
        }
    }

    fn token(&self, token: &str) -> Result<Principal, AuthError> {
        let row = self.db.read(|s| {
            s.row(
                "SELECT t.id, u.id, u.username, t.role, t.last_used_at FROM gapmap_tokens t JOIN gapmap_users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled = 0",
                &vals![secret::digest(token)],
            )
        })?;
        let r = row.ok_or(AuthError::BadToken)?;
        let (token_id, user_id): (i64, i64) = (r.get(0)?, r.get(1)?);
        let (username, role): (String, String) = (r.get(2)?, r.get(3)?);
        let last_used: Option<String> = r.get(4)?;
        // When it was last used, to the minute: a script's every request
        // is not a write of its own.
        let stamp = now();
        if last_used.as_deref().and_then(|l| l.get(..16)) != stamp.get(..16) {
            self.write(|s| {
                s.exec(
                    "UPDATE gapmap_tokens SET last_used_at = ?2 WHERE id = ?1",
                    &vals![token_id, stamp],
                )?;
                Ok(())
            })?;
        }
        Ok(Principal {
            user_id,
            username,
            role: role.parse().map_err(AuthError::Invalid)?,
            via: Via::Token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each(case: impl Fn(&Accounts)) {
        for t in gapmap_store::sql::testing::stores() {
            eprintln!("{}", t.backend);
            case(&Accounts::new(t.db.clone()));
        }
    }

    #[test]
    fn users_sign_in_and_are_disabled() {
        each(users_sign_in_and_are_disabled_in);
    }

    fn users_sign_in_and_are_disabled_in(a: &Accounts) {
        let u = a
            .add_user("ilze", Role::Editor, "a long password 1")
            .unwrap();
        assert_eq!(
            (u.username.as_str(), u.role, u.disabled),
            ("ilze", Role::Editor, false)
        );
        assert!(
            a.add_user("ilze", Role::Admin, "a long password 2")
                .is_err()
        );
        assert!(
            a.add_user("Ilze Ozola", Role::Admin, "a long password 2")
                .is_err()
        );
        assert!(a.add_user("janis", Role::Admin, "short").is_err());
        let p = a.sign_in("ilze", "a long password 1").unwrap();
        assert_eq!(p.role, Role::Editor);
        assert!(matches!(
            a.sign_in("ilze", "wrong password!!"),
            Err(AuthError::BadCredentials)
        ));
        assert!(matches!(
            a.sign_in("nobody", "a long password 1"),
            Err(AuthError::BadCredentials)
        ));
        let s = a.start_session(&p).unwrap();
        assert_eq!(a.session(&s.id).unwrap().1, s.csrf);
        a.set_disabled("ilze", true).unwrap();
        assert!(matches!(
            a.sign_in("ilze", "a long password 1"),
            Err(AuthError::BadCredentials)
        ));
        assert!(matches!(a.session(&s.id), Err(AuthError::NoSession)));
        a.set_disabled("ilze", false).unwrap();
        a.set_password("ilze", "another long one").unwrap();
        assert!(a.sign_in("ilze", "another long one").is_ok());
    }

    #[test]
    fn tokens_are_scoped_shown_once_and_revocable() {
        each(tokens_are_scoped_shown_once_and_revocable_in);
    }

    fn tokens_are_scoped_shown_once_and_revocable_in(a: &Accounts) {
        a.add_user("ilze", Role::Editor, "a long password 1")
            .unwrap();
        assert!(
            a.create_token("ilze", "script", Role::Admin).is_err(),
            "no wider than the account"
        );
        let (t, secret) = a
            .create_token("ilze", "nightly import", Role::Editor)
            .unwrap();
        assert!(secret.starts_with("gmt_"));
        let p = a.token(&secret).unwrap();
        assert_eq!((p.username.as_str(), p.via), ("ilze", Via::Token));
        assert!(a.tokens(Some("ilze")).unwrap()[0].last_used_at.is_some());
        // The store keeps only the hash.
        let stored: Option<String> =
            a.db.read(|s| s.value("SELECT token_hash FROM gapmap_tokens", &[]))
                .unwrap();
        assert_eq!(stored, Some(secret::digest(&secret)));
        assert!(a.revoke_token(t.id, Some("ilze")).unwrap());
        assert!(matches!(a.token(&secret), Err(AuthError::BadToken)));
        assert!(!a.revoke_token(t.id, None).unwrap(), "revoked once");
    }
}

//! Accounts, sessions and tokens in the store's side tables. Each call opens
//! its own short connection to the store file, so the server's edit writer,
//! the command line and sign-ins never share a lock longer than a statement;
//! every write is one IMMEDIATE transaction ([`gapmap_store::write`]).

use super::principal::{AuthError, Authenticator, Principal, Role, Via};
use super::{password, secret};
use chrono::{DateTime, Duration, Utc};
use gapmap_store::StoreError;
use gapmap_store::side_tables;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How long a page session lasts after sign-in.
pub const SESSION_HOURS: i64 = 10;
/// The same in seconds (the cookie's Max-Age).
pub const SESSION_HOURS_S: i64 = SESSION_HOURS * 3600;

/// The accounts of one store.
#[derive(Debug, Clone)]
pub struct Accounts {
    path: PathBuf,
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
    /// The accounts of the store at `path` (which must exist: `gapmap
    /// ingest` or the first `gapmap serve` creates it).
    pub fn new(path: &Path) -> Accounts {
        Accounts {
            path: path.to_owned(),
        }
    }

    fn conn(&self) -> Result<Connection, StoreError> {
        side_tables::connect(&self.path)
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> AuthError + '_ {
        |source| AuthError::Store(StoreError::sqlite(&self.path, source))
    }

    /// One write to the account tables ([`gapmap_store::write::immediate`]).
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T, AuthError>,
    ) -> Result<T, AuthError> {
        gapmap_store::write::immediate(&self.path, f)
    }

    /// Add an account.
    pub fn add_user(&self, username: &str, role: Role, pass: &str) -> Result<User, AuthError> {
        check_username(username)?;
        password::check_new(pass).map_err(AuthError::Invalid)?;
        let hash = password::hash(pass).map_err(AuthError::Invalid)?;
        let at = now();
        let n = self.write(|tx| {
            tx.execute(
                "INSERT INTO gapmap_users (username, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (username) DO NOTHING",
                params![username, role.as_str(), hash, at],
            )
            .map_err(self.sql())
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
        let c = self.conn()?;
        c.query_row(
            "SELECT id, username, role, disabled, created_at FROM gapmap_users WHERE username = ?1",
            [username],
            user_row,
        )
        .optional()
        .map_err(self.sql())
    }

    /// Every account, by name.
    pub fn users(&self) -> Result<Vec<User>, AuthError> {
        let c = self.conn()?;
        let mut st = c
            .prepare("SELECT id, username, role, disabled, created_at FROM gapmap_users ORDER BY username")
            .map_err(self.sql())?;
        let rows = st.query_map([], user_row).map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Set a new password; every session of the account ends.
    pub fn set_password(&self, username: &str, pass: &str) -> Result<(), AuthError> {
        password::check_new(pass).map_err(AuthError::Invalid)?;
        let hash = password::hash(pass).map_err(AuthError::Invalid)?;
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE gapmap_users SET password_hash = ?2, updated_at = ?3 WHERE username = ?1",
                    params![username, hash, now()],
                )
                .map_err(self.sql())?;
            if n == 0 {
                return Err(AuthError::Invalid(format!("no user `{username}`")));
            }
            tx.execute(
                "DELETE FROM gapmap_sessions WHERE user_id = (SELECT id FROM gapmap_users WHERE username = ?1)",
                [username],
            )
            .map_err(self.sql())?;
            Ok(())
        })
    }

    /// Disable (or enable) an account: a disabled account cannot sign in,
    /// its sessions end and its tokens stop working.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AuthError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE gapmap_users SET disabled = ?2, updated_at = ?3 WHERE username = ?1",
                    params![username, disabled, now()],
                )
                .map_err(self.sql())?;
            if n == 0 {
                return Err(AuthError::Invalid(format!("no user `{username}`")));
            }
            if disabled {
                tx.execute(
                    "DELETE FROM gapmap_sessions WHERE user_id = (SELECT id FROM gapmap_users WHERE username = ?1)",
                    [username],
                )
                .map_err(self.sql())?;
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
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO gapmap_tokens (user_id, name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id, name, role.as_str(), secret::digest(&secret), now()],
            )
            .map_err(self.sql())?;
            Ok(tx.last_insert_rowid())
        })?;
        let token = self
            .tokens(Some(username))?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| AuthError::Invalid("the token was not stored".into()))?;
        Ok((token, secret))
    }

    /// Tokens, of one account or of all.
    pub fn tokens(&self, username: Option<&str>) -> Result<Vec<Token>, AuthError> {
        let c = self.conn()?;
        let mut st = c
            .prepare(
                "SELECT t.id, u.username, t.name, t.role, t.created_at, t.revoked_at, t.last_used_at
                 FROM gapmap_tokens t JOIN gapmap_users u ON u.id = t.user_id
                 WHERE ?1 IS NULL OR u.username = ?1 ORDER BY t.id",
            )
            .map_err(self.sql())?;
        let rows = st
            .query_map([username], |r| {
                Ok(Token {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    role: r.get::<_, String>(3)?.parse().unwrap_or(Role::Editor),
                    created_at: r.get(4)?,
                    revoked_at: r.get(5)?,
                    last_used_at: r.get(6)?,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Revoke a token (of `username`, unless `None`: an admin's revocation).
    pub fn revoke_token(&self, id: i64, username: Option<&str>) -> Result<bool, AuthError> {
        let n = self.write(|tx| {
            tx.execute(
                "UPDATE gapmap_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL
                 AND (?3 IS NULL OR user_id = (SELECT id FROM gapmap_users WHERE username = ?3))",
                params![id, now(), username],
            )
            .map_err(self.sql())
        })?;
        Ok(n > 0)
    }

    /// Start a page session for a signed-in principal.
    pub fn start_session(&self, who: &Principal) -> Result<Session, AuthError> {
        let id = secret::random_hex(32);
        let csrf = secret::random_hex(24);
        let expires_at = Utc::now() + Duration::hours(SESSION_HOURS);
        self.write(|tx| {
            tx.execute("DELETE FROM gapmap_sessions WHERE expires_at < ?1", [now()])
                .map_err(self.sql())?;
            tx.execute(
                "INSERT INTO gapmap_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    secret::digest(&id),
                    who.user_id,
                    csrf,
                    now(),
                    expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ],
            )
            .map_err(self.sql())
        })?;
        Ok(Session {
            id,
            csrf,
            expires_at,
        })
    }

    /// The principal and CSRF token of a live session.
    pub fn session(&self, id: &str) -> Result<(Principal, String), AuthError> {
        let c = self.conn()?;
        let row = c
            .query_row(
                "SELECT u.id, u.username, u.role, s.csrf FROM gapmap_sessions s JOIN gapmap_users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                params![secret::digest(id), now()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(self.sql())?;
        let (user_id, username, role, csrf) = row.ok_or(AuthError::NoSession)?;
        Ok((
            Principal {
                user_id,
                username,
                role: role.parse().map_err(AuthError::Invalid)?,
                via: Via::Session,
            },
            csrf,
        ))
    }

    /// End a session (sign out).
    pub fn end_session(&self, id: &str) -> Result<(), AuthError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM gapmap_sessions WHERE id_hash = ?1",
                [secret::digest(id)],
            )
            .map_err(self.sql())
        })?;
        Ok(())
    }
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: r.get::<_, String>(2)?.parse().unwrap_or(Role::Editor),
        disabled: r.get(3)?,
        created_at: r.get(4)?,
    })
}

impl Authenticator for Accounts {
    fn sign_in(&self, username: &str, pass: &str) -> Result<Principal, AuthError> {
        let c = self.conn()?;
        let row = c
            .query_row(
                "SELECT id, role, password_hash FROM gapmap_users WHERE username = ?1 AND disabled = 0",
                [username],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()
            .map_err(self.sql())?;
        drop(c);
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
        let c = self.conn()?;
        let row = c
            .query_row(
                "SELECT t.id, u.id, u.username, t.role, t.last_used_at FROM gapmap_tokens t JOIN gapmap_users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled = 0",
                [secret::digest(token)],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(self.sql())?;
        drop(c);
        let (token_id, user_id, username, role, last_used) = row.ok_or(AuthError::BadToken)?;
        // When it was last used, to the minute: a script's every request
        // is not a write of its own.
        let stamp = now();
        if last_used.as_deref().and_then(|l| l.get(..16)) != stamp.get(..16) {
            self.write(|tx| {
                tx.execute(
                    "UPDATE gapmap_tokens SET last_used_at = ?2 WHERE id = ?1",
                    params![token_id, stamp],
                )
                .map_err(self.sql())
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
    use gapmap_store::gpkg::GpkgStore;

    fn accounts() -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.gpkg");
        drop(GpkgStore::open(&path).unwrap());
        (dir, Accounts::new(&path))
    }

    #[test]
    fn users_sign_in_and_are_disabled() {
        let (_d, a) = accounts();
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
        let (_d, a) = accounts();
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
        let c = a.conn().unwrap();
        let stored: String = c
            .query_row("SELECT token_hash FROM gapmap_tokens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, secret::digest(&secret));
        assert!(a.revoke_token(t.id, Some("ilze")).unwrap());
        assert!(matches!(a.token(&secret), Err(AuthError::BadToken)));
        assert!(!a.revoke_token(t.id, None).unwrap(), "revoked once");
    }
}

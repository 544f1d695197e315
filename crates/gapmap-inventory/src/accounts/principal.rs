//! Roles, who is acting, and the sign-in boundary.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// What an account may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Changes places, equipment and visits; reviews reports.
    Editor,
    /// Everything an editor may, and manages accounts; sees report contacts.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{other}` (editor or admin)")),
        }
    }
}

/// Who is acting, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    /// The role in force: the account's, or a token's narrower scope.
    pub role: Role,
    /// How the request was authenticated.
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Session,
    Token,
}

/// Why authentication failed. The messages are safe to show: they never
/// say whether a user name exists.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the user name or the password is wrong")]
    BadCredentials,
    #[error("the session has ended; sign in again")]
    NoSession,
    #[error("the token is unknown or revoked")]
    BadToken,
    /// Too many wrong passwords: wait `seconds` (see [`crate::accounts::guard`]).
    #[error("{}", wait_message(*scope, *seconds))]
    Wait { scope: WaitScope, seconds: u64 },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] gapmap_store::StoreError),
}

/// Whose wrong passwords a sign-in waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitScope {
    /// This user name from this address.
    Pair,
    /// This address, whatever the names.
    Address,
}

fn wait_message(scope: WaitScope, seconds: u64) -> String {
    match scope {
        WaitScope::Pair => format!(
            "several wrong passwords for this user name came from your address; try again in {seconds} s (sign-ins from other addresses are not slowed)"
        ),
        WaitScope::Address => {
            format!("many wrong passwords came from your address; try again in {seconds} s")
        }
    }
}

/// The boundary every sign-in method implements: gapmap's own accounts
/// today (`Accounts`), a municipal single sign-on tomorrow.
pub trait Authenticator: Send + Sync {
    /// A user name and password, checked.
    fn sign_in(&self, username: &str, password: &str) -> Result<Principal, AuthError>;
    /// An API token (`Authorization: Bearer …`), checked.
    fn token(&self, token: &str) -> Result<Principal, AuthError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_allows_what_an_editor_may() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Editor.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .contains("editor or admin")
        );
    }
}

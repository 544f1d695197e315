//! People and roles: the IT department's accounts, their sessions and API
//! tokens, kept in the store's side tables. The public reads without an
//! account; `editor` may change places and equipment; `admin` may also
//! manage accounts and review reports.
//!
//! Passwords are hashed with Argon2id ([`password`]); session ids and API
//! tokens are random secrets shown once and stored only as SHA-256 hashes
//! ([`secret`]). Sign-in goes through the [`Authenticator`] trait, so a
//! municipal single sign-on can stand beside the password check later, and
//! through [`guard`], which slows wrong passwords without locking anyone out.

pub mod guard;
pub mod password;
mod principal;
pub mod secret;
mod store;

pub use principal::{AuthError, Authenticator, Principal, Role, Via, WaitScope};
pub use store::{Accounts, SESSION_HOURS, SESSION_HOURS_S, Session, Token, User};

//! `gapmap user …`: accounts and API tokens on the command line.

use crate::cli::{StoreArg, UserCommand};
use crate::error::CliError;
use gapmap_inventory::accounts::{Accounts, AuthError, Role};
use gapmap_store::Store;
use gapmap_store::sql::Db;
use std::io::BufRead;

/// The audit actor of the command line: `cli:` and the login name.
pub fn cli_actor() -> String {
    let login = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{login}")
}

fn accounts(s: &StoreArg) -> Result<Accounts, CliError> {
    let at = crate::load::store_or_default(s.store.clone())?;
    // Opening for writing creates the store's side tables if they are
    // missing (a GeoPackage's on open, a PostGIS store's by its migrations).
    Store::open(&at).map_err(|e| CliError::Other(e.to_string()))?;
    Ok(Accounts::new(Db::of(&at)))
}

fn auth(e: AuthError) -> CliError {
    match e {
        AuthError::Invalid(m) => CliError::Usage(m),
        other => CliError::Other(other.to_string()),
    }
}

/// The password: the first line of standard input, or a generated one
/// that is printed once.
fn password(from_stdin: bool) -> Result<(String, bool), CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Other(format!("standard input: {e}")))?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false));
    }
    // 20 characters of an alphabet without look-alikes (about 110 bits).
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let hex = gapmap_inventory::accounts::secret::random_hex(20);
    let pw: String = hex
        .as_bytes()
        .chunks(2)
        .map(|c| {
            let b = u8::from_str_radix(std::str::from_utf8(c).unwrap_or("00"), 16).unwrap_or(0);
            ALPHABET[b as usize % ALPHABET.len()] as char
        })
        .collect();
    Ok((pw, true))
}

/// Run a `gapmap user` command.
pub fn run(c: UserCommand) -> Result<(), CliError> {
    match c {
        UserCommand::Add {
            store,
            name,
            role,
            password_stdin,
        } => add(&store, &name, &role, password_stdin)?,
        UserCommand::Passwd {
            store,
            name,
            password_stdin,
        } => {
            let (pw, generated) = password(password_stdin)?;
            accounts(&store)?.set_password(&name, &pw).map_err(auth)?;
            println!("new password set for {name}; its sessions have ended");
            if generated {
                println!("password (shown once): {pw}");
            }
        }
        UserCommand::Disable { store, name } => {
            accounts(&store)?.set_disabled(&name, true).map_err(auth)?;
            println!("{name} is disabled: no sign-in, sessions ended, tokens refused");
        }
        UserCommand::Enable { store, name } => {
            accounts(&store)?.set_disabled(&name, false).map_err(auth)?;
            println!("{name} is enabled");
        }
        UserCommand::List {
            store,
            tokens,
            json,
        } => list(&store, tokens, json)?,
        UserCommand::Token {
            store,
            name,
            label,
            role,
        } => token(&store, &name, &label, role.as_deref())?,
        UserCommand::Revoke { store, id } => {
            if accounts(&store)?.revoke_token(id, None).map_err(auth)? {
                println!("token {id} revoked");
            } else {
                return Err(CliError::Usage(format!("no active token {id}")));
            }
        }
    }
    Ok(())
}

/// `gapmap user add`: a new account, its password printed once when
/// generated.
fn add(store: &StoreArg, name: &str, role: &str, password_stdin: bool) -> Result<(), CliError> {
    let role: Role = role.parse().map_err(CliError::Usage)?;
    let (pw, generated) = password(password_stdin)?;
    let a = accounts(store)?;
    let u = a.add_user(name, role, &pw).map_err(auth)?;
    println!("added {} ({})", u.username, u.role);
    if generated {
        println!("password (shown once; change it with `gapmap user passwd {name}`): {pw}");
    }
    Ok(())
}

/// `gapmap user list`: the accounts and, with `tokens`, every token; one
/// JSON document with `json`.
fn list(store: &StoreArg, tokens: bool, json: bool) -> Result<(), CliError> {
    let a = accounts(store)?;
    let users = a.users().map_err(auth)?;
    let toks = if tokens {
        a.tokens(None).map_err(auth)?
    } else {
        Vec::new()
    };
    if json {
        println!("{}", serde_json::json!({"users": users, "tokens": toks}));
        return Ok(());
    }
    for u in &users {
        println!(
            "{}\t{}\t{}\tsince {}",
            u.username,
            u.role,
            if u.disabled { "disabled" } else { "active" },
            u.created_at
        );
    }
    for t in &toks {
        println!(
            "token {}\t{}\t{}\t{}\t{}",
            t.id,
            t.username,
            t.role,
            t.name,
            t.revoked_at
                .as_deref()
                .map_or("active".to_owned(), |r| format!("revoked {r}"))
        );
    }
    Ok(())
}

/// `gapmap user token`: a new API token for `name` (with its role unless
/// `role` is given), its secret printed once.
fn token(store: &StoreArg, name: &str, label: &str, role: Option<&str>) -> Result<(), CliError> {
    let a = accounts(store)?;
    let role = match role {
        Some(r) => r.parse().map_err(CliError::Usage)?,
        None => {
            a.user(name)
                .map_err(auth)?
                .ok_or_else(|| CliError::Usage(format!("no user `{name}`")))?
                .role
        }
    };
    let (t, secret) = a.create_token(name, label, role).map_err(auth)?;
    println!(
        "token {} for {} ({}), shown once: {secret}",
        t.id, t.username, t.role
    );
    Ok(())
}

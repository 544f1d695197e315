//! Sign-in without lockout. Wrong passwords slow down only the one who
//! types them:
//!
//! 1. **per account and address pair** — after [`FREE_FAILURES`] wrong
//!    passwords for one user name from one client address, that pair waits
//!    1 s, then 2, 4, 8 … up to [`MAX_DELAY_S`] before its next try; a
//!    success (or a day without failures) forgets them. The owner signing
//!    in from another address — at the office, at home — is not slowed at
//!    all, so no outsider can hold an account shut;
//! 2. **per address** — at most [`PER_ADDRESS`]: 30 wrong passwords an hour
//!    from one client address, whatever the names (a sweep over many
//!    accounts), then one more every two minutes.
//!
//! Nothing is kept per account alone. The state lives in the store
//! ([`gapmap_store::throttle`]), so every server of a store counts the same.

use super::principal::{AuthError, Authenticator, Principal, WaitScope};
use gapmap_store::throttle::{Bucket, Throttle};

/// Wrong passwords of one pair that cost nothing (typos).
pub const FREE_FAILURES: u32 = 3;
/// The longest delay of a pair, in seconds.
pub const MAX_DELAY_S: f64 = 300.0;
/// Wrong passwords per client address: 30 at once, then one every two minutes.
pub const PER_ADDRESS: Bucket = Bucket {
    name: "signin-address",
    burst: 30.0,
    per_second: 1.0 / 120.0,
};

/// The wait after the pair's `failures`-th wrong password (seconds).
///
/// ```
/// use gapmap_inventory::accounts::guard::delay_after;
/// assert_eq!(delay_after(2), 0.0);
/// assert_eq!(delay_after(3), 1.0);
/// assert_eq!(delay_after(6), 8.0);
/// assert_eq!(delay_after(40), 300.0);
/// ```
pub fn delay_after(failures: u32) -> f64 {
    if failures < FREE_FAILURES {
        return 0.0;
    }
    2f64.powi((failures - FREE_FAILURES).min(30) as i32)
        .min(MAX_DELAY_S)
}

/// Sign in as `username` with `password` from `client` (a client address
/// as the server sees it) at `now` (Unix seconds): refused with
/// [`AuthError::Wait`] while the pair's delay or the address's bound runs,
/// else checked by `auth`, the outcome counted.
pub fn sign_in(
    auth: &dyn Authenticator,
    throttle: &dyn Throttle,
    username: &str,
    password: &str,
    client: &str,
    now: f64,
) -> Result<Principal, AuthError> {
    let account = username.trim().to_lowercase();
    let (failures, last) = throttle.failures(&account, client, now)?;
    let pair_wait = last + delay_after(failures) - now;
    if failures > 0 && pair_wait > 0.0 {
        return Err(AuthError::Wait {
            scope: WaitScope::Pair,
            seconds: pair_wait.ceil() as u64,
        });
    }
    let address_wait = throttle.wait(&PER_ADDRESS, client, now)?;
    if address_wait > 0.0 {
        return Err(AuthError::Wait {
            scope: WaitScope::Address,
            seconds: address_wait.ceil() as u64,
        });
    }
    // User names are lower case: `Ilze` typed on a phone is `ilze`.
    match auth.sign_in(&account, password) {
        Ok(p) => {
            throttle.succeeded(&account, client)?;
            Ok(p)
        }
        Err(AuthError::BadCredentials) => {
            throttle.failed(&account, client, now)?;
            // The address's bound counts wrong passwords only; an empty
            // bucket shows at the next try.
            let _ = throttle.take(&[(&PER_ADDRESS, client)], now)?;
            Err(AuthError::BadCredentials)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Accounts, Role};
    use gapmap_store::sql::Db;
    use gapmap_store::throttle::StoreThrottle;

    fn each(case: impl Fn(&Db)) {
        for t in gapmap_store::sql::testing::stores() {
            eprintln!("{}", t.backend);
            case(&t.db);
        }
    }

    #[test]
    fn an_attacker_slows_only_its_own_address_and_the_owner_signs_in() {
        each(an_attacker_slows_only_its_own_address_in);
    }

    fn an_attacker_slows_only_its_own_address_in(db: &Db) {
        let a = Accounts::new(db.clone());
        a.add_user("ilze", Role::Editor, "a long password 1")
            .unwrap();
        let t = StoreThrottle::new(db.clone());
        let mut now = 1000.0;
        let mut refused = 0;
        for _ in 0..8 {
            match sign_in(&a, &t, "ilze", "guess guess guess", "203.0.113.9", now) {
                Err(AuthError::BadCredentials) => {}
                Err(AuthError::Wait {
                    scope: WaitScope::Pair,
                    ..
                }) => refused += 1,
                other => panic!("{other:?}"),
            }
            now += 0.5;
        }
        assert!(refused >= 4, "the attacker's pair waits: {refused}");
        // The owner, from the office, at the same moment.
        assert!(sign_in(&a, &t, "ilze", "a long password 1", "198.51.100.4", now).is_ok());
        // The attacker's wait grows: 1, 2, 4 … s after the third failure.
        let (f, _) =
            gapmap_store::throttle::Throttle::failures(&t, "ilze", "203.0.113.9", now).unwrap();
        assert_eq!(f, 4, "only tries that were let through count");
        // A success forgets the pair's failures.
        now += 60.0;
        assert!(sign_in(&a, &t, "ILZE", "a long password 1", "203.0.113.9", now).is_ok());
        assert!(
            sign_in(&a, &t, "ilze", "wrong again!!", "203.0.113.9", now).is_err()
                && sign_in(&a, &t, "ilze", "a long password 1", "203.0.113.9", now).is_ok()
        );
    }

    #[test]
    fn one_address_sweeping_many_names_is_bounded() {
        each(one_address_sweeping_many_names_is_bounded_in);
    }

    fn one_address_sweeping_many_names_is_bounded_in(db: &Db) {
        let a = Accounts::new(db.clone());
        let t = StoreThrottle::new(db.clone());
        let mut last = None;
        for i in 0..32 {
            last = Some(sign_in(
                &a,
                &t,
                &format!("user{i}"),
                "x",
                "203.0.113.9",
                50.0,
            ));
        }
        assert!(matches!(
            last,
            Some(Err(AuthError::Wait {
                scope: WaitScope::Address,
                ..
            }))
        ));
        assert!(matches!(
            sign_in(&a, &t, "user0", "x", "192.0.2.1", 50.0),
            Err(AuthError::BadCredentials)
        ));
    }
}

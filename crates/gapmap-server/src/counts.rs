//! Counts of open connections or requests per client address, each count
//! held by a guard that gives it back when dropped ([`crate::connections`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts of something per client address, with a guard per count.
#[derive(Debug, Default)]
pub struct Counts {
    by_client: Mutex<HashMap<IpAddr, usize>>,
}

/// One count of a client, given back when dropped.
#[derive(Debug)]
pub struct Held {
    counts: Arc<Counts>,
    client: IpAddr,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut m = self
            .counts
            .by_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.client);
            }
        }
    }
}

impl Counts {
    /// Count one more for `client`; the count it makes with this one.
    pub fn hold(self: &Arc<Self>, client: IpAddr) -> (Held, usize) {
        let mut m = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(client).or_insert(0);
        *n += 1;
        let now = *n;
        drop(m);
        (
            Held {
                counts: Arc::clone(self),
                client,
            },
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_given_back_when_dropped() {
        let c = Arc::new(Counts::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let (a, n1) = c.hold(ip);
        let (b, n2) = c.hold(ip);
        assert_eq!((n1, n2), (1, 2));
        drop(a);
        drop(b);
        assert!(c.by_client.lock().unwrap().is_empty());
    }
}

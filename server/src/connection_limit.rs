//! Open connections per source address, so that one client (or one
//! attacker) cannot take every socket the server has.
//!
//! A [`ConnectionSlot`] is held for as long as the connection lives: by the
//! connection's task, and by a WebSocket after the upgrade (the slot rides in
//! the request's extensions). Dropping the last holder frees it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// The address a limit counts by: an IPv4 address, or the /64 an IPv6
/// address is in (one subscriber's network holds a whole /64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceKey(IpAddr);

impl SourceKey {
    pub fn of(ip: IpAddr) -> SourceKey {
        match ip {
            IpAddr::V4(v4) => SourceKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => SourceKey(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    SourceKey(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }
}

impl std::fmt::Display for SourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// Counts open connections by [`SourceKey`]; `max == 0` counts nothing.
#[derive(Debug)]
pub struct ConnectionLimiter {
    max_per_source: usize,
    open: Mutex<HashMap<SourceKey, usize>>,
}

impl ConnectionLimiter {
    pub fn new(max_per_source: usize) -> Arc<ConnectionLimiter> {
        Arc::new(ConnectionLimiter {
            max_per_source,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a new connection from `ip`, or `None` when that source
    /// already holds its share.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        if self.max_per_source == 0 {
            return Some(ConnectionSlot { owner: None });
        }
        let key = SourceKey::of(ip);
        let mut open = self.open.lock().expect("connection counts poisoned");
        let count = open.entry(key).or_insert(0);
        if *count >= self.max_per_source {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            owner: Some((self.clone(), key)),
        })
    }

    /// Connections open from `ip`'s source now.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().expect("connection counts poisoned");
        open.get(&SourceKey::of(ip)).copied().unwrap_or(0)
    }

    fn release(&self, key: SourceKey) {
        let mut open = self.open.lock().expect("connection counts poisoned");
        if let Some(count) = open.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&key);
            }
        }
    }
}

/// One admitted connection; frees its place when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    owner: Option<(Arc<ConnectionLimiter>, SourceKey)>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Some((limiter, key)) = self.owner.take() {
            limiter.release(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_its_share_and_no_more_until_one_closes() {
        let limiter = ConnectionLimiter::new(2);
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let first = limiter.admit(ip).unwrap();
        let _second = limiter.admit(ip).unwrap();
        assert!(limiter.admit(ip).is_none());
        // Another address is counted apart.
        assert!(limiter.admit("203.0.113.8".parse().unwrap()).is_some());
        drop(first);
        assert_eq!(limiter.open_from(ip), 1);
        assert!(limiter.admit(ip).is_some());
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_count() {
        let limiter = ConnectionLimiter::new(1);
        let _held = limiter.admit("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(
            limiter
                .admit("2001:db8:1:2:ffff::9".parse().unwrap())
                .is_none()
        );
        assert!(limiter.admit("2001:db8:1:3::1".parse().unwrap()).is_some());
        // An IPv4-mapped address counts as the IPv4 address.
        let _v4 = limiter.admit("198.51.100.1".parse().unwrap()).unwrap();
        assert!(
            limiter
                .admit("::ffff:198.51.100.1".parse().unwrap())
                .is_none()
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = ConnectionLimiter::new(0);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let slots: Vec<_> = (0..1000).map(|_| limiter.admit(ip).unwrap()).collect();
        assert_eq!(slots.len(), 1000);
        assert_eq!(limiter.open_from(ip), 0);
    }
}

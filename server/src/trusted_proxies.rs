//! The client's address behind the reverse proxies the operator trusts.
//!
//! A proxy connects on its clients' behalf, so the server sees the proxy's
//! address, and the sign-in throttle would count every client as one. A
//! proxy named in `CS_TRUSTED_PROXIES` appends the address it saw to
//! `X-Forwarded-For`; the client is the right-most address there that is
//! not itself a trusted proxy. Entries to the left of it came from the
//! client and may be forged, so they are never read. A peer that is not a
//! trusted proxy is taken at its address whatever its headers say, and an
//! entry that does not parse ends the walk at the proxy that passed it on.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use serde::Deserialize;

/// Addresses and networks (`10.0.0.5`, `192.168.0.0/16`, `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct TrustedProxies(Vec<Network>);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl TrustedProxies {
    /// A comma-separated list, as `CS_TRUSTED_PROXIES` holds it.
    pub fn parse_list(list: &str) -> Result<TrustedProxies, String> {
        let entries = list.split(',').map(str::trim).filter(|s| !s.is_empty());
        Ok(TrustedProxies(
            entries.map(Network::parse).collect::<Result<_, _>>()?,
        ))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut entries = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else {
                return peer;
            };
            entries.extend(value.split(',').map(str::trim));
        }
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = forwarded_ip(entry) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

impl TryFrom<Vec<String>> for TrustedProxies {
    type Error = String;

    fn try_from(list: Vec<String>) -> Result<Self, String> {
        let networks = list.iter().map(|s| Network::parse(s.trim()));
        Ok(TrustedProxies(networks.collect::<Result<_, _>>()?))
    }
}

/// An `X-Forwarded-For` entry: an address, or one with a port as some
/// proxies write it (`203.0.113.7:51234`, `[2001:db8::1]:443`).
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    let ip = entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()?;
    Some(ip.to_canonical())
}

impl Network {
    fn parse(text: &str) -> Result<Network, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = addr
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| format!("{text:?} is not an IP address or network"))?
            .to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Network { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (net, ip, bits) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u32::from(net).into(), u32::from(ip).into(), 32),
            (IpAddr::V6(net), IpAddr::V6(ip)) => (u128::from(net), u128::from(ip), 128),
            _ => return false,
        };
        let host_bits = bits - u32::from(self.prefix);
        host_bits >= bits || (net >> host_bits) == (ip >> host_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse_list(list).unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let trusted = proxies("10.0.0.5, 192.168.0.0/16, fd00::/8, 0.0.0.0/0");
        assert_eq!(trusted.0.len(), 4);
        let lan = proxies("192.168.0.0/16");
        assert!(lan.trusts(ip("192.168.40.1")));
        assert!(!lan.trusts(ip("192.169.0.1")));
        assert!(lan.trusts(ip("::ffff:192.168.1.1")), "IPv4-mapped");
        assert!(!lan.trusts(ip("fd00::1")));
        let one = proxies("10.0.0.5");
        assert!(one.trusts(ip("10.0.0.5")));
        assert!(!one.trusts(ip("10.0.0.6")));
        assert!(proxies("fd00::/8").trusts(ip("fdab::1")));
        assert!(proxies("0.0.0.0/0").trusts(ip("8.8.8.8")));
        assert!(proxies("").0.is_empty());
    }

    #[test]
    fn bad_entries_are_refused_with_what_is_wrong() {
        for (list, says) in [
            ("10.0.0.300", "not an IP address"),
            ("proxy.example", "not an IP address"),
            ("10.0.0.0/33", "0 to 32"),
            ("fd00::/129", "0 to 128"),
            ("10.0.0.0/x", "0 to 32"),
        ] {
            let err = TrustedProxies::parse_list(list).unwrap_err();
            assert!(err.contains(says), "{list}: {err}");
        }
    }

    #[test]
    fn a_peer_that_is_not_trusted_is_taken_at_its_address() {
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            proxies("10.0.0.5").client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), &headers),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn the_client_is_the_right_most_address_no_trusted_proxy_holds() {
        let trusted = proxies("10.0.0.0/8");
        let client = |values: &[&str]| trusted.client(ip("10.0.0.5"), &forwarded(values));
        assert_eq!(client(&["203.0.113.7"]), ip("203.0.113.7"));
        // What the client wrote itself, left of what its proxy saw, is not read.
        assert_eq!(client(&["198.51.100.9, 203.0.113.7"]), ip("203.0.113.7"));
        // Two proxies in a row; headers may be split over several lines.
        assert_eq!(client(&["203.0.113.7", "10.1.2.3"]), ip("203.0.113.7"));
        assert_eq!(
            client(&["203.0.113.7:51234, [2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        // Nothing forwarded, or nothing but proxies: the nearest proxy.
        assert_eq!(client(&[]), ip("10.0.0.5"));
        assert_eq!(client(&["10.9.9.9"]), ip("10.9.9.9"));
        // An entry that does not parse ends the walk at the proxy after it.
        assert_eq!(client(&["203.0.113.7, unknown, 10.1.2.3"]), ip("10.1.2.3"));
    }
}

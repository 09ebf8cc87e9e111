//! Who the caller is on the network, for per-IP throttling and the logs.
//!
//! The TCP peer is the caller, unless the peer is one of our own proxies (`TRUSTED_PROXIES`):
//! then the caller is the rightmost address of `X-Forwarded-For` that is not a trusted proxy.
//! Every proxy appends the address it received the request from, so the entries right of the
//! first untrusted one were written by our proxies and the ones left of it by whoever sent the
//! request, which anyone can forge.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// An address or a network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    network: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or CIDR network"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{text}' has a prefix length that is not 0..={max}"))?,
        };
        Ok(IpNet { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` we believe. Empty by default: the peer is the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR networks; blank entries are ignored.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(IpNet::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The caller's address for a request from `peer` with these headers.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Several headers count as one list, in order.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // An entry we cannot read ends the trail: the last hop we could trust wrote it.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn networks_parse_and_contain() {
        let net = IpNet::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(IpNet::parse("127.0.0.1")
            .unwrap()
            .contains(ip("::ffff:127.0.0.1")));
        assert!(IpNet::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(!IpNet::parse("fd00::/8").unwrap().contains(ip("10.0.0.1")));
        for bad in ["", "10.0.0.0/33", "fd00::/129", "proxy.local", "10.0.0.0/x"] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            TrustedProxies::parse(" ").unwrap(),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("10.0.0.1, nope").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            none.client_ip(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
        let lb = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(lb.client_ip(ip("203.0.113.9"), &headers), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_peer_names_the_rightmost_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let peer = ip("10.0.0.2");
        // The client forged the first entry; our proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 198.51.100.7", "10.0.0.5"]);
        assert_eq!(proxies.client_ip(peer, &headers), ip("198.51.100.7"));
        // Ports and brackets as some proxies write them.
        let headers = forwarded(&["[2001:db8::7]:4711, 10.0.0.9:80"]);
        assert_eq!(proxies.client_ip(peer, &headers), ip("2001:db8::7"));
        // Only proxies in the chain: the leftmost is the best we know.
        let headers = forwarded(&["10.0.0.7, 10.0.0.8"]);
        assert_eq!(proxies.client_ip(peer, &headers), ip("10.0.0.7"));
        // No header: the proxy itself.
        assert_eq!(proxies.client_ip(peer, &HeaderMap::new()), peer);
        // Garbage stops the walk at the last hop that could be read.
        let headers = forwarded(&["198.51.100.7, unknown, 10.0.0.8"]);
        assert_eq!(proxies.client_ip(peer, &headers), ip("10.0.0.8"));
    }
}

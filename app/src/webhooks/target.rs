//! Where a webhook may go. An endpoint URL must be http(s) (https outside development), and every
//! address its host resolves to must be public: loopback, private, link-local, shared (CGNAT),
//! multicast and reserved addresses are refused, so a webhook cannot reach the server's own
//! network (SSRF). The check runs when the endpoint is registered and again at every delivery,
//! whose connection is pinned to the addresses just checked (a DNS answer that changes in
//! between cannot slip a private address in). Development and the tests allow private targets
//! (`WEBHOOKS_ALLOW_PRIVATE`) to reach a local receiver.

use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the configuration allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub allow_private: bool,
    pub require_https: bool,
}

const MAX_URL_LEN: usize = 2000;

/// Checks an endpoint URL's form: scheme, host, no credentials.
pub fn parse(raw: &str, rules: Rules) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.len() > MAX_URL_LEN {
        return Err(format!("At most {MAX_URL_LEN} characters."));
    }
    let url = Url::parse(raw)
        .map_err(|_| "Enter a full address, e.g. https://example.com/hooks/igny8.".to_string())?;
    match url.scheme() {
        "https" => {}
        "http" if !rules.require_https => {}
        "http" => return Err("Use an https:// address.".into()),
        _ => return Err("Use an https:// address.".into()),
    }
    if url.host().is_none() {
        return Err("The address has no host.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave credentials out of the address; check the signature instead.".into());
    }
    Ok(url)
}

/// The addresses the URL's host resolves to, all of them allowed; an error says why not.
pub async fn resolve(url: &Url, rules: Rules) -> Result<Vec<SocketAddr>, String> {
    let host = url.host_str().ok_or("The address has no host.")?;
    let port = url
        .port_or_known_default()
        .ok_or("The address has no port.")?;
    // `[::1]` → `::1`: lookup_host takes a bare IPv6 literal.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|_| format!("The host {host} could not be found."))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("The host {host} could not be found."));
    }
    if !rules.allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} points to {}, a private or local address; webhooks go to public addresses only.",
                bad.ip()
            ));
        }
    }
    Ok(addrs)
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || first & 0xfe00 == 0xfc00 // unique local fc00::/7
                || first & 0xffc0 == 0xfe80 // link-local fe80::/10
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || is_nat64(v6))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || a == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a >= 240 // reserved
        || a == 100 && (64..128).contains(&b) // shared address space (CGNAT)
        || a == 198 && (18..20).contains(&b) // benchmarking
        || a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
}

/// 64:ff9b::/96 embeds an IPv4 address a NAT64 gateway would reach: judged as that address.
fn is_nat64(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    if s[..6] != [0x64, 0xff9b, 0, 0, 0, 0] {
        return false;
    }
    let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    !is_public_v4(v4)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Rules = Rules {
        allow_private: false,
        require_https: true,
    };

    #[test]
    fn only_public_addresses_pass() {
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1:248:1893:25c8:1946",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }

    #[test]
    fn urls_need_https_a_host_and_no_credentials() {
        assert!(parse("https://hooks.example.com/igny8", STRICT).is_ok());
        assert!(parse("http://hooks.example.com/igny8", STRICT)
            .unwrap_err()
            .contains("https"));
        let relaxed = Rules {
            allow_private: true,
            require_https: false,
        };
        assert!(parse("http://127.0.0.1:9000/hook", relaxed).is_ok());
        assert!(parse("ftp://example.com", relaxed).is_err());
        assert!(parse("https://user:pw@example.com/", STRICT).is_err());
        assert!(parse("not a url", STRICT).is_err());
    }

    #[tokio::test]
    async fn a_host_resolving_to_a_private_address_is_refused() {
        let url = parse("https://127.0.0.1:9/hook", STRICT).unwrap();
        assert!(resolve(&url, STRICT)
            .await
            .unwrap_err()
            .contains("private or local"));
        let url = parse("https://localhost:9/hook", STRICT).unwrap();
        assert!(resolve(&url, STRICT).await.is_err());
        let url = parse("https://[::1]:9/hook", STRICT).unwrap();
        assert!(resolve(&url, STRICT).await.is_err());
        let allowed = Rules {
            allow_private: true,
            require_https: true,
        };
        assert_eq!(resolve(&url, allowed).await.unwrap()[0].port(), 9);
    }
}

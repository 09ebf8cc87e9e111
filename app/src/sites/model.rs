//! Sites as API clients and the browser see them, and the URL rule both sides share.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SiteView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub created_at: String,
}

/// `POST /api/v1/sites/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewSite {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
}

/// The one spelling of a site's address: `https://` added when no scheme is given, scheme and
/// host lower-cased, default port, query, fragment and trailing slash dropped. `None` when it is
/// not an http(s) address of a host with a dot (or `localhost`).
pub fn normalize_url(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() || input.len() > 2000 || input.chars().any(char::is_whitespace) {
        return None;
    }
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_string(), input),
    };
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && (host.contains('.') || host == "localhost")
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return None;
    }
    let port = match port {
        None => String::new(),
        Some(p) => {
            let n: u16 = p.parse().ok()?;
            let default = (scheme == "http" && n == 80) || (scheme == "https" && n == 443);
            if default {
                String::new()
            } else {
                format!(":{n}")
            }
        }
    };
    let path = path.trim_end_matches('/');
    Some(format!("{scheme}://{host}{port}{path}"))
}

#[cfg(test)]
mod tests {
    use super::normalize_url;

    #[test]
    fn addresses_get_one_spelling() {
        assert_eq!(
            normalize_url("Example.COM").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            normalize_url("HTTP://Example.com:80/Blog/").as_deref(),
            Some("http://example.com/Blog")
        );
        assert_eq!(
            normalize_url("https://shop.example.com:8443/?a=1#top").as_deref(),
            Some("https://shop.example.com:8443")
        );
        assert_eq!(
            normalize_url("http://localhost:3000").as_deref(),
            Some("http://localhost:3000")
        );
    }

    #[test]
    fn non_addresses_are_refused() {
        for bad in [
            "",
            "not a url",
            "ftp://example.com",
            "https://",
            "example",
            "https://user@example.com",
            "https://exa_mple.com",
            "https://example.com:99999",
            "https://.com",
        ] {
            assert_eq!(normalize_url(bad), None, "{bad}");
        }
    }
}

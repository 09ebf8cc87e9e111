//! The signature of a delivery: `IGNY8-Signature: t=<unix seconds>,v1=<hex>` where the hex is
//! HMAC-SHA256 keyed with the endpoint's secret over `<t>.<body>`. Signing the time with the body
//! lets a receiver refuse replays of an old delivery (docs/webhooks.md).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "IGNY8-Signature";

/// The header's value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", hex_mac(secret, timestamp, body))
}

fn hex_mac(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_time_and_body() {
        let signed = sign("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert!(signed.starts_with("t=1700000000,v1="));
        assert_eq!(signed.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(signed, sign("whsec_test", 1_700_000_001, r#"{"a":1}"#));
        assert_ne!(signed, sign("whsec_test", 1_700_000_000, r#"{"a":2}"#));
        assert_ne!(signed, sign("whsec_other", 1_700_000_000, r#"{"a":1}"#));
        // RFC 4231 test case 2 (key "Jefe"), as a check that this is HMAC-SHA256 itself.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

//! Access tokens (HS256 JWTs, 15 minutes) and opaque random tokens (refresh tokens, email
//! links) that are stored only as SHA-256 hashes.

use crate::api_keys::model::Scopes;
use crate::backend::{Secret, Timestamp};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ACCESS_TTL: i64 = 15 * 60;
pub const REFRESH_TTL: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session (refresh-token family) this access token belongs to.
    pub sid: String,
    pub iat: Timestamp,
    pub exp: Timestamp,
}

/// Proven credentials: the user, and the session (refresh-token family) or API key they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    /// The session's id, or the API key's (`crate::api_keys`).
    pub session_id: String,
    /// What an API key may do; `None` for a person's session, which may do what the user may.
    pub key_scopes: Option<Scopes>,
}

impl Identity {
    pub fn is_api_key(&self) -> bool {
        self.key_scopes.is_some()
    }
}

impl From<Claims> for Identity {
    fn from(claims: Claims) -> Identity {
        Identity {
            user_id: claims.sub,
            session_id: claims.sid,
            key_scopes: None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum AccessError {
    Expired,
    Invalid,
}

pub fn issue_access(secret: &Secret, user_id: &str, session_id: &str, now: Timestamp) -> String {
    let claims = Claims {
        sub: user_id.to_string(),
        sid: session_id.to_string(),
        iat: now,
        exp: now + ACCESS_TTL,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}

/// Verifies signature and algorithm (HS256 only: `none` and every other `alg` are refused), then
/// the times against our clock — not the system's, so tests can move time.
pub fn verify_access(secret: &Secret, token: &str, now: Timestamp) -> Result<Claims, AccessError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims = ["exp", "iat", "sub"]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.expose().as_bytes()),
        &validation,
    )
    .map_err(|_| AccessError::Invalid)?;
    let claims = data.claims;
    if claims.iat > now + 60 || claims.exp <= claims.iat {
        return Err(AccessError::Invalid);
    }
    if claims.exp <= now {
        return Err(AccessError::Expired);
    }
    Ok(claims)
}

/// 32 random bytes as hex: the secret a client holds.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What the database stores instead of the token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("unit-test-secret-0123456789abcdef")
    }

    #[test]
    fn round_trip_and_expiry_by_our_clock() {
        let token = issue_access(&secret(), "user_1", "sess_1", 1_000_000);
        let claims = verify_access(&secret(), &token, 1_000_100).unwrap();
        assert_eq!(claims.sub, "user_1");
        assert_eq!(claims.sid, "sess_1");
        assert_eq!(
            verify_access(&secret(), &token, 1_000_000 + ACCESS_TTL),
            Err(AccessError::Expired)
        );
    }

    #[test]
    fn tampered_wrong_key_and_alg_none_are_rejected() {
        let token = issue_access(&secret(), "user_1", "sess_1", 1_000_000);
        let other = Secret::new("another-secret-0123456789abcdefgh");
        assert_eq!(
            verify_access(&other, &token, 1_000_001),
            Err(AccessError::Invalid)
        );

        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload =
            base64_url(br#"{"sub":"admin","sid":"sess_1","iat":1000000,"exp":9999999999}"#);
        parts[1] = &forged_payload;
        assert_eq!(
            verify_access(&secret(), &parts.join("."), 1_000_001),
            Err(AccessError::Invalid)
        );

        let none_header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{forged_payload}.");
        assert_eq!(
            verify_access(&secret(), &unsigned, 1_000_001),
            Err(AccessError::Invalid)
        );
    }

    #[test]
    fn random_tokens_hash_stably() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), t);
    }

    fn base64_url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}

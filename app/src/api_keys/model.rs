//! API keys as the owner, API clients and the browser see them.

use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a key may do. Each REST endpoint needs one of them; they do not imply each other.
    pub enum Scope {
        /// Read the account's work and credits: GET endpoints outside billing.
        Read = "read",
        /// Change them: run tasks and jobs, add and remove sites.
        Write = "write",
        /// Money, read or changed: subscriptions, payment methods, payments, invoices, buying
        /// credits, the low-balance alert.
        Billing = "billing",
    }
}

impl Scope {
    /// What the scope allows, for the page that grants it.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Read => "read sites, tasks, credits and usage",
            Scope::Write => "run tasks and jobs, add and remove sites",
            Scope::Billing => "subscriptions, payments, invoices and buying credits",
        }
    }
}

/// A set of scopes, small enough to copy with every request's identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    fn bit(scope: Scope) -> u8 {
        match scope {
            Scope::Read => 1,
            Scope::Write => 2,
            Scope::Billing => 4,
        }
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes in declaration order.
    pub fn to_vec(self) -> Vec<Scope> {
        Scope::ALL
            .iter()
            .copied()
            .filter(|s| self.contains(*s))
            .collect()
    }

    /// As the database stores them: `read,billing`.
    pub fn to_text(self) -> String {
        self.to_vec()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads names (`read`, …); the first unknown one is the error.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        let mut set = Scopes::default();
        for name in names {
            let scope: Scope = name
                .trim()
                .parse()
                .map_err(|_| format!("Unknown scope {name:?}: use read, write or billing."))?;
            set.0 |= Self::bit(scope);
        }
        Ok(set)
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Scopes {
        Scopes(scopes.into_iter().fold(0, |set, s| set | Self::bit(s)))
    }
}

/// One key as lists show it: never its secret, only the secret's first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The secret's first characters, to tell keys apart (`igk_3f9a…`).
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// To the minute: a key's use is recorded at most once a minute.
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
}

/// `POST /api/v1/account/api-keys/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Days until the key stops working (1 to 3650); none keeps it until it is revoked.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// The answer to creating a key: the one time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_write_their_names() {
        let set = Scopes::parse(["billing", " read"]).unwrap();
        assert!(set.contains(Scope::Read) && set.contains(Scope::Billing));
        assert!(!set.contains(Scope::Write));
        assert_eq!(set.to_text(), "read,billing");
        assert_eq!(Scopes::parse(set.to_text().split(',')), Ok(set));
        assert!(Scopes::parse(["admin"]).unwrap_err().contains("\"admin\""));
        assert!(Scopes::parse([]).unwrap().is_empty());
    }
}

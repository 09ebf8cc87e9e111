//! What the browser and API clients see of users, accounts and sessions.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub is_admin: bool,
    pub email_verified: bool,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub plan: Option<PlanRef>,
    pub subscription_status: Option<String>,
    /// The modules the live plan includes (`planner`, `writer`, `automation`).
    #[serde(default)]
    pub modules: Vec<String>,
}

impl AccountView {
    /// True when the live plan includes the module.
    pub fn has_module(&self, module: &str) -> bool {
        self.has_active_plan() && self.modules.iter().any(|m| m == module)
    }

    /// The onboarding gate is open while a subscription is active, trialing, or past due (in its
    /// grace period). `pending_payment` keeps it closed.
    pub fn has_active_plan(&self) -> bool {
        matches!(
            self.subscription_status.as_deref(),
            Some("active") | Some("trialing") | Some("past_due")
        )
    }
}

/// The signed-in user as the UI needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub user: UserView,
    pub account: AccountView,
    /// `REQUIRE_EMAIL_VERIFICATION` is on and this user has not verified yet.
    pub must_verify_email: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// The body of register and login (API.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthResponse {
    pub user: UserView,
    pub account: AccountView,
    pub tokens: Tokens,
    pub next: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<String>,
}

/// Where a signed-in user should go after logging in: a same-site path from `next`, or the
/// default for their state.
pub fn landing_path(session: &SessionView, next: Option<&str>) -> String {
    if session.must_verify_email {
        return "/verify-email".into();
    }
    if let Some(next) = next.and_then(safe_next) {
        let gate_allows = session.account.has_active_plan()
            || crate::auth::guard::open_without_plan(&next)
            || (session.user.is_admin && next.starts_with("/admin"));
        if gate_allows {
            return next;
        }
    }
    if session.user.is_admin {
        "/admin".into()
    } else if session.account.has_active_plan() {
        "/".into()
    } else {
        PLANS_PATH.into()
    }
}

pub const PLANS_PATH: &str = "/account/plans";

/// Why a member is refused what only the owner may do.
pub const OWNER_ONLY: &str = "Only the account owner manages billing, plans and the team.";

impl SessionView {
    pub fn is_owner(&self) -> bool {
        self.user.role == "owner"
    }
}

/// Only same-site absolute paths may be redirect targets: no scheme, no `//host`, no backslash
/// tricks, no control characters.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_safe() {
        assert_eq!(safe_next("/sites?x=1").as_deref(), Some("/sites?x=1"));
        for bad in [
            "https://evil.com",
            "//evil.com",
            "/\\evil.com",
            "evil",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}

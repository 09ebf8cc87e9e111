//! What the browser and API clients see of users, accounts and sessions.

use crate::accounts::model::Role;
use crate::plans::model::PlanRef;
use crate::subscriptions::model::SubscriptionStatus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub is_admin: bool,
    pub email_verified: bool,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub plan: Option<PlanRef>,
    pub subscription_status: Option<SubscriptionStatus>,
    /// The modules the live plan includes (`planner`, `writer`, `automation`).
    #[serde(default)]
    pub modules: Vec<String>,
    /// Outside production, the account's time when an admin attached it to a test clock
    /// (RFC 3339, `accounts::test_clock`); its pages show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_clock: Option<String>,
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
            self.subscription_status,
            Some(
                SubscriptionStatus::Active
                    | SubscriptionStatus::Trialing
                    | SubscriptionStatus::PastDue
            )
        )
    }
}

/// The signed-in user as the UI needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub user: UserView,
    pub account: AccountView,
    /// `REQUIRE_EMAIL_VERIFICATION` is on and this user has not verified yet.
    pub must_verify_email: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// The body of register and login (docs/api.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    pub user: UserView,
    pub account: AccountView,
    pub tokens: Tokens,
    pub next: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding: Option<String>,
}

pub const PLANS_PATH: &str = "/account/plans";

/// Why a member is refused what only the owner may do.
pub const OWNER_ONLY: &str = "Only the account owner manages billing, plans and the team.";

impl SessionView {
    pub fn is_owner(&self) -> bool {
        self.user.role == Role::Owner
    }
}

//! The team as API clients and the browser see it.

use crate::accounts::model::Role;
use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// A row of the team: a member, or an invitation still to be accepted.
    pub enum TeamStatus {
        Active = "active",
        Pending = "pending",
        /// An invitation past its time, listed until it is revoked or sent again.
        Expired = "expired",
    }
}

/// One row of the team: a member or an invitation ([`TeamStatus`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamEntry {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// Invitations are for members.
    pub role: Role,
    pub status: TeamStatus,
    /// When the member joined or the invitation was sent.
    pub since: String,
    /// When a pending invitation stops working.
    pub expires_at: Option<String>,
}

impl TeamEntry {
    pub fn is_invitation(&self) -> bool {
        self.status != TeamStatus::Active
    }
}

/// `POST /api/v1/account/members/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewInvitation {
    #[serde(default)]
    pub email: String,
}

/// What the invitation page needs to know before the person accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub account_name: String,
    pub email: String,
    pub invited_by: String,
    pub how: JoinPath,
}

/// How the invited person joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum JoinPath {
    /// No user has this email yet: choose a name and a password.
    CreateUser,
    /// A user has this email and is signed in: one click joins.
    Join,
    /// A user has this email: sign in as them first.
    SignIn,
}

/// `POST /api/v1/account/invitations/accept/` and the invitation page's form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Acceptance {
    #[serde(default)]
    pub token: String,
    pub full_name: Option<String>,
    pub password: Option<String>,
}

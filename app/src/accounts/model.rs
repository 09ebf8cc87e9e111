//! What accounts and their users are, as both sides see them.

use crate::common::states::text_enum;

text_enum! {
    /// A user's place in their account: one owner, who alone manages billing and the team, and
    /// the members they invite.
    pub enum Role { Owner = "owner", Member = "member" }
}

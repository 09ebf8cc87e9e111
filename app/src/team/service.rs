//! The team: list, invite (guarded by the `seats` limit in the same transaction), revoke, remove,
//! and accepting an invitation. Only the owner manages the team; members may read it.

use super::invitations::{self, no_longer_valid};
use super::model::{Acceptance, InvitationPreview, JoinPath, TeamEntry, TeamStatus};
use crate::accounts::model::Role;
use crate::accounts::slug::slugify;
use crate::auth::email::Email;
use crate::auth::identity::{require_active_plan, require_owner};
use crate::auth::model::SessionView;
use crate::auth::password::{self, Password};
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::db::is_unique_violation;
use crate::backend::ids::new_id;
use crate::backend::{mail, AppState, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::limits::service::{ensure_room, lock_and_read, seats_used};

/// A member of the team.
#[derive(sqlx::FromRow)]
struct MemberRow {
    id: String,
    email: String,
    full_name: String,
    role: Role,
    created_at: Timestamp,
}

impl From<MemberRow> for TeamEntry {
    fn from(row: MemberRow) -> Self {
        TeamEntry {
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            role: row.role,
            status: TeamStatus::Active,
            since: rfc3339(row.created_at),
            expires_at: None,
        }
    }
}

/// An invitation nobody accepted or revoked (it may have expired).
#[derive(sqlx::FromRow)]
struct PendingInvitationRow {
    id: String,
    email: String,
    created_at: Timestamp,
    expires_at: Timestamp,
}

/// Members (the owner first) then open invitations, oldest first.
pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<TeamEntry>> {
    let account_id = &view.account.id;
    let now = state.clock.now();
    let users = sqlx::query_as::<_, MemberRow>(
        "SELECT id, email, full_name, role, created_at FROM users WHERE account_id = $1 \
         ORDER BY CASE WHEN role = 'owner' THEN 0 ELSE 1 END, created_at, id",
    )
    .bind(account_id)
    .fetch_all(state.db.pool())
    .await?;
    let pending = sqlx::query_as::<_, PendingInvitationRow>(
        "SELECT id, email, created_at, expires_at FROM invitations WHERE account_id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at, id",
    )
    .bind(account_id)
    .fetch_all(state.db.pool())
    .await?;
    let mut team = Vec::with_capacity(users.len() + pending.len());
    team.extend(users.into_iter().map(TeamEntry::from));
    team.extend(
        pending
            .into_iter()
            .map(|row| invitation_entry(row.id, row.email, row.created_at, row.expires_at, now)),
    );
    Ok(team)
}

fn invitation_entry(
    id: String,
    email: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    now: Timestamp,
) -> TeamEntry {
    TeamEntry {
        id,
        email,
        full_name: String::new(),
        role: Role::Member,
        status: if expires_at > now {
            TeamStatus::Pending
        } else {
            TeamStatus::Expired
        },
        since: rfc3339(created_at),
        expires_at: Some(rfc3339(expires_at)),
    }
}

fn already_invited(email: &str) -> AppError {
    conflict(format!(
        "An invitation to {email} is already pending. Revoke it to send a new one."
    ))
}

fn conflict(message: String) -> AppError {
    AppError::with_message(ErrorKind::Conflict, message)
}

/// Invites `raw_email` as a member and emails the single-use link.
pub async fn invite(state: &AppState, view: &SessionView, raw_email: &str) -> AppResult<TeamEntry> {
    require_owner(view)?;
    require_active_plan(view)?;
    let email = Email::parse(raw_email).map_err(|problem| AppError::invalid("email", problem))?;
    let email = email.as_str();
    let account_id = &view.account.id;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let limits = lock_and_read(&mut tx, account_id).await?;
    let already: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE account_id = $1 AND email = $2",
    )
    .bind(account_id)
    .bind(email)
    .fetch_one(&mut *tx)
    .await?;
    if already > 0 {
        return Err(conflict(format!("{email} is already on your team.")));
    }
    if invitations::is_pending(&mut tx, account_id, email, now).await? {
        return Err(already_invited(email));
    }
    let used = seats_used(&mut *tx, account_id, now).await?;
    ensure_room(&mut tx, "seats", limits.seats, used).await?;
    let (id, token) = match invitations::issue(&mut tx, account_id, email, &view.user.id, now).await
    {
        Ok(issued) => issued,
        Err(e)
            if is_unique_violation(&e, "invitations_open_email_key", "invitations.account_id") =>
        {
            return Err(conflict(format!(
                "An invitation to {email} is already pending. Revoke it to send a new one."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    queue_invitation(&mut tx, state, view, email, &token).await?;
    tx.commit().await?;
    Ok(invitation_entry(
        id,
        email.to_string(),
        now,
        now + invitations::INVITATION_TTL,
        now,
    ))
}

/// The invitation's email, queued with the invitation: one exists exactly when the other does.
async fn queue_invitation(
    tx: &mut Tx,
    state: &AppState,
    view: &SessionView,
    email: &str,
    token: &str,
) -> Result<(), sqlx::Error> {
    let link = format!(
        "{}/invite/{token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let inviter = if view.user.full_name.is_empty() {
        view.user.email.clone()
    } else {
        view.user.full_name.clone()
    };
    let body = format!(
        "{inviter} invited you to work in {} on IGNY8.\n\nAccept the invitation: {link}\n\nThe link works once and expires in 7 days.\n",
        view.account.name
    );
    let subject = format!("Join {} on IGNY8", view.account.name);
    mail::queue_in(tx, state, email, &subject, &body).await
}

/// Revokes an invitation or removes a member (never the owner). A removed member keeps their
/// login and gets a workspace of their own, without a plan.
pub async fn remove(state: &AppState, view: &SessionView, id: &str) -> AppResult<()> {
    require_owner(view)?;
    let account_id = &view.account.id;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if invitations::revoke(&mut tx, account_id, id, now).await? {
        tx.commit().await?;
        return Ok(());
    }
    let (role, full_name, email): (Role, String, String) = sqlx::query_as(
        "SELECT role, full_name, email FROM users WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    if role == Role::Owner {
        return Err(AppError::with_message(
            ErrorKind::Forbidden,
            "The account owner cannot be removed from the team.",
        ));
    }
    let own_account = own_workspace(&mut tx, &full_name, &email, now).await?;
    sqlx::query(
        "UPDATE users SET account_id = $1, role = 'owner', updated_at = $2 WHERE id = $3 AND account_id = $4",
    )
    .bind(&own_account)
    .bind(now)
    .bind(id)
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new, empty account for a person leaving a team.
async fn own_workspace(
    tx: &mut Tx,
    full_name: &str,
    email: &str,
    now: Timestamp,
) -> AppResult<String> {
    let name = if full_name.is_empty() {
        email.split('@').next().unwrap_or("workspace").to_string()
    } else {
        full_name.to_string()
    };
    let id = new_id("acct");
    // The id's random tail keeps the slug unique without a retry loop.
    let slug = format!("{}-{}", slugify(&name), &id[id.len() - 8..]);
    sqlx::query("INSERT INTO accounts (id, name, slug, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(&name)
        .bind(&slug)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// What the invitation page shows for `token`, for the person viewing it (if signed in).
pub async fn preview(
    state: &AppState,
    token: &str,
    viewer: Option<&SessionView>,
) -> AppResult<InvitationPreview> {
    let now = state.clock.now();
    let invitation = invitations::find_open(state.db.pool(), token, now).await?;
    let (account_name, inviter_name, inviter_email): (String, String, String) = sqlx::query_as(
        "SELECT a.name AS account_name, u.full_name, u.email FROM accounts a \
         JOIN users u ON u.id = $2 WHERE a.id = $1",
    )
    .bind(&invitation.account_id)
    .bind(&invitation.invited_by)
    .fetch_one(state.db.pool())
    .await?;
    let invited_by = if inviter_name.is_empty() {
        inviter_email
    } else {
        inviter_name
    };
    let has_user = crate::accounts::store::find_user_by_email(&state.db, &invitation.email)
        .await?
        .is_some();
    let how = match viewer {
        _ if !has_user => JoinPath::CreateUser,
        Some(v) if v.user.email == invitation.email => JoinPath::Join,
        _ => JoinPath::SignIn,
    };
    Ok(InvitationPreview {
        account_name,
        email: invitation.email,
        invited_by,
        how,
    })
}

/// Accepts an invitation: a new user is created as a member, or the signed-in user with the
/// invited email joins. Returns the member's user id. The link works once.
pub async fn accept(
    state: &AppState,
    acceptance: Acceptance,
    viewer: Option<&SessionView>,
) -> AppResult<String> {
    let now = state.clock.now();
    let invitation = invitations::find_open(state.db.pool(), &acceptance.token, now).await?;
    let existing = crate::accounts::store::find_user_by_email(&state.db, &invitation.email).await?;
    let Some(user) = existing else {
        return create_member(state, &invitation, acceptance, now).await;
    };
    if viewer.map(|v| v.user.id.as_str()) != Some(user.id.as_str()) {
        return Err(AppError::with_message(
            ErrorKind::Forbidden,
            format!("Log in as {} to accept this invitation.", invitation.email),
        ));
    }
    let mut tx = state.db.begin().await?;
    if user.account_id != invitation.account_id {
        // Only a workspace with nothing in it may be left behind: no plan, no one else.
        let (others, plans): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE account_id = $1 AND id <> $2), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM subscriptions WHERE account_id = $1 AND status <> 'canceled')",
        )
        .bind(&user.account_id)
        .bind(&user.id)
        .fetch_one(&mut *tx)
        .await?;
        if others > 0 || plans > 0 || user.is_admin() {
            return Err(conflict(format!(
                "{} already belongs to an account with a plan or a team. Accept with another email, or leave that account first.",
                invitation.email
            )));
        }
        sqlx::query(
            "UPDATE users SET account_id = $1, role = 'member', updated_at = $2 WHERE id = $3",
        )
        .bind(&invitation.account_id)
        .bind(now)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    }
    invitations::spend(&mut tx, &invitation.id, &user.id, now).await?;
    tx.commit().await?;
    Ok(user.id)
}

async fn create_member(
    state: &AppState,
    invitation: &invitations::OpenInvitation,
    acceptance: Acceptance,
    now: Timestamp,
) -> AppResult<String> {
    let full_name = acceptance.full_name.unwrap_or_default().trim().to_string();
    if full_name.chars().count() > 100 {
        return Err(AppError::invalid(
            "full_name",
            "Use at most 100 characters.",
        ));
    }
    let password = Password::parse(acceptance.password.unwrap_or_default())
        .map_err(|problem| AppError::invalid("password", problem))?;
    let hash = password::hash(password).await?;
    let id = new_id("user");
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, full_name, password_hash, is_admin, email_verified_at, \
         account_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $6, 'member', $5, $5)",
    )
    .bind(&id)
    .bind(&invitation.email)
    .bind(&full_name)
    .bind(&hash)
    // The link reached this mailbox: the address is verified.
    .bind(now)
    .bind(&invitation.account_id)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e, "users_email_key", "users.email") => {
            return Err(no_longer_valid());
        }
        Err(e) => return Err(e.into()),
    }
    invitations::spend(&mut tx, &invitation.id, &id, now).await?;
    tx.commit().await?;
    Ok(id)
}

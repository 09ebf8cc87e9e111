//! Every endpoint of the REST API with who may call it: the one table behind the OpenAPI document
//! (`openapi.rs`) and the scopes API keys need (`scopes.rs`). A test holds it against the paths the
//! router registers, so a route cannot go undocumented (or a documented one missing).

use app::api_keys::model::Scope;
use Access::{Admin, Public};

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A signed-in user (Bearer access token or the browser's session cookie), or an API key of
    /// the user's account that holds the scope.
    User(Scope),
    /// A signed-in person only: no API key (logging out, letting people into the account,
    /// managing the keys themselves).
    Person,
    /// An administrator, signed in as a person: API keys of admins do not exist.
    Admin,
}

const READ: Access = Access::User(Scope::Read);
const WRITE: Access = Access::User(Scope::Write);
const BILLING: Access = Access::User(Scope::Billing);
const PERSON: Access = Access::Person;

pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
}

const fn op(
    access: Access,
    method: &'static str,
    path: &'static str,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        summary,
        access,
    }
}

/// Paths relative to `/api/v1`, without the trailing slash (both forms answer).
pub const ENDPOINTS: &[Endpoint] = &[
    op(
        Public,
        "post",
        "/auth/register",
        "Create a user and their account; answers tokens",
    ),
    op(
        Public,
        "post",
        "/auth/login",
        "Log in with email and password; answers tokens",
    ),
    op(
        Public,
        "post",
        "/auth/refresh",
        "Trade a refresh token for new tokens (rotated)",
    ),
    op(PERSON, "post", "/auth/logout", "Revoke the refresh token"),
    op(
        READ,
        "get",
        "/auth/me",
        "The user, their account, plan and subscription status",
    ),
    op(
        Public,
        "post",
        "/auth/verify-email",
        "Verify an email address with its token",
    ),
    op(
        Public,
        "post",
        "/auth/password-reset",
        "Email a password-reset link",
    ),
    op(
        Public,
        "post",
        "/auth/password-reset/confirm",
        "Set a new password with a reset token",
    ),
    op(
        Public,
        "get",
        "/auth/plans",
        "The active plans, in display order",
    ),
    op(
        BILLING,
        "get",
        "/auth/subscriptions",
        "The account's subscriptions",
    ),
    op(
        BILLING,
        "post",
        "/auth/subscriptions",
        "Subscribe to a plan (Idempotency-Key honoured)",
    ),
    op(
        BILLING,
        "post",
        "/auth/subscriptions/{id}/change-plan",
        "Change plan or interval: upgrade (or to yearly) now, prorated; downgrade (or to monthly) at period end",
    ),
    op(
        BILLING,
        "post",
        "/auth/subscriptions/{id}/change-plan/preview",
        "What a plan change would charge, grant and renew at, without changing anything",
    ),
    op(
        BILLING,
        "post",
        "/auth/subscriptions/{id}/cancel",
        "Cancel at the end of the period",
    ),
    op(
        BILLING,
        "post",
        "/auth/subscriptions/{id}/resume",
        "Undo a pending cancellation",
    ),
    op(
        BILLING,
        "get",
        "/billing/payment-methods",
        "The account's payment methods",
    ),
    op(
        BILLING,
        "post",
        "/billing/payment-methods",
        "Add a card (sandbox), PayPal or bank transfer",
    ),
    op(
        BILLING,
        "delete",
        "/billing/payment-methods/{id}",
        "Remove a payment method",
    ),
    op(
        BILLING,
        "post",
        "/billing/payment-methods/{id}/set-default",
        "Make a method the default",
    ),
    op(BILLING, "get", "/billing/payments", "The account's payments"),
    op(
        BILLING,
        "post",
        "/billing/payments/manual",
        "Submit a bank transfer with its receipt (multipart)",
    ),
    op(
        BILLING,
        "get",
        "/billing/payments/{id}/receipt",
        "Download a manual payment's receipt",
    ),
    op(BILLING, "get", "/billing/invoices", "The account's invoices"),
    op(
        BILLING,
        "get",
        "/billing/invoices/{id}",
        "One invoice with its lines",
    ),
    op(
        BILLING,
        "get",
        "/billing/invoices/{id}/pdf",
        "The invoice as a PDF",
    ),
    op(
        BILLING,
        "post",
        "/billing/invoices/{id}/pay",
        "Pay an open invoice now with a saved method (Idempotency-Key)",
    ),
    op(
        READ,
        "get",
        "/billing/transactions",
        "The credit ledger, newest first",
    ),
    op(
        READ,
        "get",
        "/billing/transactions/balance",
        "The credit balance",
    ),
    op(
        READ,
        "get",
        "/billing/transactions/balance/stream",
        "The balance as server-sent events",
    ),
    op(
        READ,
        "get",
        "/billing/credits/usage",
        "Usage logs, filterable",
    ),
    op(
        READ,
        "get",
        "/billing/credits/usage/summary",
        "Usage per operation over a period",
    ),
    op(
        READ,
        "get",
        "/billing/credits/usage/limits",
        "Plan limits with current usage",
    ),
    op(
        READ,
        "get",
        "/billing/credits/estimate",
        "Preflight: what an operation would cost now",
    ),
    op(
        Public,
        "get",
        "/billing/credits/costs",
        "Credits per operation",
    ),
    op(
        READ,
        "get",
        "/billing/credit-packages",
        "Credit packages on sale, in display order",
    ),
    op(
        BILLING,
        "get",
        "/billing/balance-alert",
        "The low-balance alert and automatic top-up",
    ),
    op(
        BILLING,
        "put",
        "/billing/balance-alert",
        "Set the low-balance alert threshold and automatic top-up (package, at most N a month)",
    ),
    op(
        BILLING,
        "post",
        "/billing/credit-packages/{id}/purchase",
        "Buy a credit package (Idempotency-Key honoured)",
    ),
    op(
        READ,
        "get",
        "/planner/tasks/{id}",
        "A planner task and its result",
    ),
    op(
        WRITE,
        "post",
        "/planner/tasks",
        "Start a planner task (spends credits)",
    ),
    op(
        READ,
        "get",
        "/writer/tasks/{id}",
        "A writer task and its result",
    ),
    op(
        WRITE,
        "post",
        "/writer/tasks",
        "Start a writer task (spends credits)",
    ),
    op(
        READ,
        "get",
        "/automation/jobs",
        "The account's automation jobs",
    ),
    op(WRITE, "post", "/automation/jobs", "Queue an automation job"),
    op(READ, "get", "/sites", "The account's sites"),
    op(
        WRITE,
        "post",
        "/sites",
        "Add a site (within the plan's limit)",
    ),
    op(WRITE, "delete", "/sites/{id}", "Remove a site"),
    op(
        READ,
        "get",
        "/account/members",
        "Team members and pending invitations",
    ),
    op(
        PERSON,
        "post",
        "/account/members",
        "Invite a member (within the plan's seats)",
    ),
    op(
        PERSON,
        "delete",
        "/account/members/{id}",
        "Remove a member or withdraw an invitation",
    ),
    op(
        PERSON,
        "get",
        "/account/api-keys",
        "The account's API keys (never their secrets)",
    ),
    op(
        PERSON,
        "post",
        "/account/api-keys",
        "Create an API key; the answer holds its secret, shown this once",
    ),
    op(
        PERSON,
        "delete",
        "/account/api-keys/{id}",
        "Revoke an API key: its next request is refused",
    ),
    op(
        PERSON,
        "get",
        "/account/webhooks",
        "The account's webhook endpoints with their signing secrets",
    ),
    op(
        PERSON,
        "post",
        "/account/webhooks",
        "Register a webhook endpoint for some events (a public https address)",
    ),
    op(
        PERSON,
        "delete",
        "/account/webhooks/{id}",
        "Delete a webhook endpoint; what was pending for it is dropped",
    ),
    op(
        PERSON,
        "get",
        "/account/webhooks/deliveries",
        "The latest webhook deliveries with their answers",
    ),
    op(
        PERSON,
        "post",
        "/account/webhooks/deliveries/{id}/resend",
        "Send a delivery's event again",
    ),
    op(
        Public,
        "post",
        "/account/invitations/accept",
        "Accept an invitation with its token (signed out: creates the user and signs in)",
    ),
    op(
        Admin,
        "get",
        "/admin/billing/stats",
        "Business overview figures",
    ),
    op(
        Admin,
        "get",
        "/admin/users",
        "Users and accounts: search, filter, sort; CSV with format=csv",
    ),
    op(
        Admin,
        "post",
        "/admin/users/{id}/adjust-credits",
        "Adjust an account's credits with a reason",
    ),
    op(
        Admin,
        "get",
        "/admin/accounts/{id}/test-clock",
        "The account's test clock (outside production)",
    ),
    op(
        Admin,
        "post",
        "/admin/accounts/{id}/test-clock",
        "Attach the account to a test clock (outside production)",
    ),
    op(
        Admin,
        "post",
        "/admin/accounts/{id}/test-clock/advance",
        "Advance the account's test clock by a day, a month or to the next renewal",
    ),
    op(Admin, "get", "/admin/audit", "The audit log, filterable"),
    op(
        Admin,
        "get",
        "/admin/outbox",
        "The email outbox (when SMTP is not configured)",
    ),
    op(
        Admin,
        "get",
        "/admin/subscriptions",
        "Subscriptions by account and status",
    ),
    op(
        Admin,
        "post",
        "/admin/subscriptions/{id}/activate",
        "Activate after an off-system payment",
    ),
    op(
        Admin,
        "post",
        "/admin/subscriptions/{id}/cancel",
        "Cancel now or at period end",
    ),
    op(
        Admin,
        "post",
        "/admin/subscriptions/{id}/refresh",
        "Apply the renewal rules now",
    ),
    op(
        Admin,
        "get",
        "/admin/invoices",
        "Every invoice, filterable; CSV with format=csv",
    ),
    op(
        Admin,
        "post",
        "/admin/invoices/{id}/void",
        "Void an open invoice with a reason",
    ),
    op(
        Admin,
        "get",
        "/admin/plans",
        "Every plan with its subscriber count",
    ),
    op(Admin, "post", "/admin/plans", "Create a plan"),
    op(
        Admin,
        "put",
        "/admin/plans/{id}",
        "Edit a plan (new prices apply from the next period)",
    ),
    op(
        Admin,
        "delete",
        "/admin/plans/{id}",
        "Delete a plan nobody ever subscribed to",
    ),
    op(Admin, "get", "/admin/credit-costs", "Credits per operation"),
    op(
        Admin,
        "put",
        "/admin/credit-costs",
        "Change credits per operation (new tasks only)",
    ),
    op(
        Admin,
        "get",
        "/admin/credit-packages",
        "Every credit package",
    ),
    op(
        Admin,
        "post",
        "/admin/credit-packages",
        "Create a credit package",
    ),
    op(
        Admin,
        "put",
        "/admin/credit-packages/{id}",
        "Edit a credit package",
    ),
    op(
        Admin,
        "delete",
        "/admin/credit-packages/{id}",
        "Deactivate a credit package",
    ),
    op(
        Admin,
        "get",
        "/billing/admin/payments",
        "Every payment, filterable; CSV with format=csv",
    ),
    op(
        Admin,
        "get",
        "/billing/admin/pending_payments",
        "Bank transfers waiting for approval",
    ),
    op(
        Admin,
        "post",
        "/billing/admin/payments/{id}/approve",
        "Approve a bank transfer (exactly once)",
    ),
    op(
        Admin,
        "post",
        "/billing/admin/payments/{id}/reject",
        "Reject a bank transfer with a note",
    ),
    op(
        Public,
        "post",
        "/test/faults",
        "Test-only fault switches (404 unless FAULT_INJECTION=true)",
    ),
];

/// The endpoint of a method and a path as the router matched it (`/api/v1/sites/{id}/` or
/// without the prefix or the trailing slash).
pub fn find(method: &str, matched_path: &str) -> Option<&'static Endpoint> {
    let path = matched_path.strip_prefix("/api/v1").unwrap_or(matched_path);
    let path = path.strip_suffix('/').unwrap_or(path);
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method.eq_ignore_ascii_case(method))
}

//! `GET /api/v1/openapi.json`: the REST API as an OpenAPI 3.1 document, for the programs that
//! call it. Built from one table of endpoints; a test holds the table against the paths the
//! router registers, so a route cannot go undocumented (or a documented one missing).

use axum::http::header;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use Access::{Admin, Public, User};

/// Who may call an endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    /// A signed-in user (Bearer access token or the browser's session cookie).
    User,
    Admin,
}

struct Endpoint {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
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
const ENDPOINTS: &[Endpoint] = &[
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
    op(User, "post", "/auth/logout", "Revoke the refresh token"),
    op(
        User,
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
        User,
        "get",
        "/auth/subscriptions",
        "The account's subscriptions",
    ),
    op(
        User,
        "post",
        "/auth/subscriptions",
        "Subscribe to a plan (Idempotency-Key honoured)",
    ),
    op(
        User,
        "post",
        "/auth/subscriptions/{id}/change-plan",
        "Change plan or interval: upgrade (or to yearly) now, prorated; downgrade (or to monthly) at period end",
    ),
    op(
        User,
        "post",
        "/auth/subscriptions/{id}/change-plan/preview",
        "What a plan change would charge, grant and renew at, without changing anything",
    ),
    op(
        User,
        "post",
        "/auth/subscriptions/{id}/cancel",
        "Cancel at the end of the period",
    ),
    op(
        User,
        "post",
        "/auth/subscriptions/{id}/resume",
        "Undo a pending cancellation",
    ),
    op(
        User,
        "get",
        "/billing/payment-methods",
        "The account's payment methods",
    ),
    op(
        User,
        "post",
        "/billing/payment-methods",
        "Add a card (sandbox), PayPal or bank transfer",
    ),
    op(
        User,
        "delete",
        "/billing/payment-methods/{id}",
        "Remove a payment method",
    ),
    op(
        User,
        "post",
        "/billing/payment-methods/{id}/set-default",
        "Make a method the default",
    ),
    op(User, "get", "/billing/payments", "The account's payments"),
    op(
        User,
        "post",
        "/billing/payments/manual",
        "Submit a bank transfer with its receipt (multipart)",
    ),
    op(
        User,
        "get",
        "/billing/payments/{id}/receipt",
        "Download a manual payment's receipt",
    ),
    op(User, "get", "/billing/invoices", "The account's invoices"),
    op(
        User,
        "get",
        "/billing/invoices/{id}",
        "One invoice with its lines",
    ),
    op(
        User,
        "get",
        "/billing/invoices/{id}/pdf",
        "The invoice as a PDF",
    ),
    op(
        User,
        "post",
        "/billing/invoices/{id}/pay",
        "Pay an open invoice now with a saved method (Idempotency-Key)",
    ),
    op(
        User,
        "get",
        "/billing/transactions",
        "The credit ledger, newest first",
    ),
    op(
        User,
        "get",
        "/billing/transactions/balance",
        "The credit balance",
    ),
    op(
        User,
        "get",
        "/billing/transactions/balance/stream",
        "The balance as server-sent events",
    ),
    op(
        User,
        "get",
        "/billing/credits/usage",
        "Usage logs, filterable",
    ),
    op(
        User,
        "get",
        "/billing/credits/usage/summary",
        "Usage per operation over a period",
    ),
    op(
        User,
        "get",
        "/billing/credits/usage/limits",
        "Plan limits with current usage",
    ),
    op(
        User,
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
        User,
        "get",
        "/billing/credit-packages",
        "Credit packages on sale, in display order",
    ),
    op(
        User,
        "get",
        "/billing/balance-alert",
        "The low-balance alert and automatic top-up",
    ),
    op(
        User,
        "put",
        "/billing/balance-alert",
        "Set the low-balance alert threshold and automatic top-up (package, at most N a month)",
    ),
    op(
        User,
        "post",
        "/billing/credit-packages/{id}/purchase",
        "Buy a credit package (Idempotency-Key honoured)",
    ),
    op(
        User,
        "get",
        "/planner/tasks/{id}",
        "A planner task and its result",
    ),
    op(
        User,
        "post",
        "/planner/tasks",
        "Start a planner task (spends credits)",
    ),
    op(
        User,
        "get",
        "/writer/tasks/{id}",
        "A writer task and its result",
    ),
    op(
        User,
        "post",
        "/writer/tasks",
        "Start a writer task (spends credits)",
    ),
    op(
        User,
        "get",
        "/automation/jobs",
        "The account's automation jobs",
    ),
    op(User, "post", "/automation/jobs", "Queue an automation job"),
    op(User, "get", "/sites", "The account's sites"),
    op(
        User,
        "post",
        "/sites",
        "Add a site (within the plan's limit)",
    ),
    op(User, "delete", "/sites/{id}", "Remove a site"),
    op(
        User,
        "get",
        "/account/members",
        "Team members and pending invitations",
    ),
    op(
        User,
        "post",
        "/account/members",
        "Invite a member (within the plan's seats)",
    ),
    op(
        User,
        "delete",
        "/account/members/{id}",
        "Remove a member or withdraw an invitation",
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

pub fn routes() -> Router<app::backend::AppState> {
    // Serialized once: the table is constant, so each request only copies a reference.
    let body = axum::body::Bytes::from(document().to_string());
    Router::new().route(
        "/openapi.json",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    )
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn operation(endpoint: &Endpoint) -> Value {
    let tag = endpoint.path.split('/').nth(1).unwrap_or("api");
    let mut responses = Map::new();
    responses.insert(
        "2XX".into(),
        json!({"description": "Success (JSON unless stated)"}),
    );
    responses.insert(
        "422".into(),
        error_response("Invalid input: `validation_failed` with `fields`"),
    );
    if endpoint.access != Access::Public {
        responses.insert(
            "401".into(),
            error_response("Not signed in, or the token expired"),
        );
        responses.insert(
            "402".into(),
            error_response("No active plan, or not enough credits"),
        );
        responses.insert(
            "403".into(),
            error_response("Not allowed (role, plan limit, module, or `admin_required`)"),
        );
    }
    if endpoint.path.contains('{') {
        responses.insert(
            "404".into(),
            error_response("Missing, or another account's"),
        );
    }
    responses.insert(
        "409".into(),
        error_response("Conflicts with the current state"),
    );
    let mut op = json!({
        "summary": endpoint.summary,
        "tags": [tag],
        "responses": responses,
    });
    match endpoint.access {
        Access::Public => op["security"] = json!([]),
        Access::Admin => {
            op["description"] = json!("Admins only: anyone else gets 403 `admin_required`.");
        }
        Access::User => {}
    }
    let parameters: Vec<Value> = endpoint
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

fn document() -> Value {
    let mut paths = Map::new();
    for endpoint in ENDPOINTS {
        let item = paths
            .entry(format!("{}/", endpoint.path))
            .or_insert_with(|| json!({}));
        item[endpoint.method] = operation(endpoint);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "IGNY8 REST API",
            "version": "1",
            "description": "Every path also answers without its trailing slash. Money is \
                {amount, currency} in minor units; lists take page and page_size (max 200) and \
                answer {items, page, page_size, total}; every error is {error: {code, message, …}}.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}}
                        }
                    }}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_registered_path_is_documented_and_nothing_else() {
        let documented: BTreeSet<String> = ENDPOINTS.iter().map(|e| e.path.to_string()).collect();
        assert_eq!(documented, crate::rest::registered_paths());
    }

    #[test]
    fn the_document_names_each_operation_once_with_its_path_parameters() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let operations: usize = paths
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(
            operations,
            ENDPOINTS.len(),
            "a (method, path) is listed twice"
        );
        let refresh = &paths["/admin/subscriptions/{id}/refresh/"]["post"];
        assert_eq!(refresh["parameters"][0]["name"], "id");
        assert_eq!(refresh["tags"][0], "admin");
        assert!(paths["/auth/login/"]["post"]["security"]
            .as_array()
            .unwrap()
            .is_empty());
        assert!(
            paths["/auth/me/"]["get"].get("security").is_none(),
            "signed-in by default"
        );
    }
}

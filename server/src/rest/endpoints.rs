//! Every endpoint of the REST API with who may call it and the types it takes and answers: the one
//! table behind the OpenAPI document (`openapi.rs`, the types' schemas from `schemas.rs`) and the
//! scopes API keys need (`scopes.rs`). Tests hold it against the paths the router registers (a
//! route cannot go undocumented) and every response of the integration suite against the document
//! (`server/tests/api/conformance.rs`), so a type here cannot drift from what the handler sends.

use super::admin::AdjustRequest;
use super::admin_catalog::CostChanges;
use super::admin_invoices::VoidRequest;
use super::admin_subscriptions::Filter;
use super::admin_test_clock::AdvanceRequest;
use super::auth::{EmailInput, LoginInput, RefreshInput, ResetConfirmInput, TokenInput};
use super::credits::EstimateQuery;
use super::faults::FaultSwitches;
use super::payments::Decision;
use super::schemas::{self, SchemaOf};
use super::schemas::{MeAnswer, StatusAnswer, TokensAnswer};
use super::webhooks::LogQuery;
use super::Items;
use app::accounts::model::TestClockView;
use app::admin::invoices::InvoiceFilter;
use app::admin::model::{
    AdminCancel, AdminNote, AdminPackage, AdminPlan, AdminSubscriptionRow, AdminUserRow,
    AuditEntryView, AuditQuery, PackageInput, PlanInput, RefreshOutcome, StatsView, TaxRateInput,
    TaxRateView, UserQuery,
};
use app::api_keys::model::Scope;
use app::api_keys::model::{ApiKeyView, CreatedApiKey, NewApiKey};
use app::auth::model::AuthResponse;
use app::auth::service::RegisterInput;
use app::automation::model::{JobView, QueueRequest};
use app::billing_profile::model::{BillingProfileRequest, BillingProfileView};
use app::common::Page;
use app::credits::model::{
    BalanceAlertRequest, BalanceAlertView, BalanceView, CreditCost, CreditPackageView, Estimate,
    LedgerEntryView, PurchaseOutcome, PurchaseRequest, UsageFilter, UsageLogView, UsageSummary,
};
use app::invoices::model::InvoiceView;
use app::limits::model::LimitsView;
use app::mail::model::OutboxEmail;
use app::modules::model::{PlannerRequest, TaskView, WriterRequest};
use app::payments::model::{
    NewPaymentMethod, PayInvoiceRequest, PaymentMethodList, PaymentMethodView, PaymentView,
};
use app::payments::records::PaymentFilter;
use app::plans::model::PlanList;
use app::sites::model::{NewSite, SiteView};
use app::subscriptions::model::{
    CancelRequest, ChangePlanRequest, ChangePreview, SubscribeRequest, SubscriptionList,
    SubscriptionOutcome,
};
use app::team::model::{Acceptance, NewInvitation, TeamEntry};
use app::webhooks::model::{DeliveryView, NewWebhookEndpoint, WebhookEndpointView};
use utoipa::ToSchema;
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
    pub body: Body,
    /// The query parameters: the fields of a struct (a filter).
    pub query: Option<SchemaOf>,
    /// Takes `page` and `page_size` (docs/api.md).
    pub paged: bool,
    /// Answers CSV instead of JSON with `format=csv`.
    pub csv: bool,
    /// The successful answers; every operation may also answer the error shape.
    pub answers: &'static [Answer],
}

/// What a request sends.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    Json {
        schema: SchemaOf,
        required: bool,
    },
    /// A bank-transfer form: `invoice_id`, `reference` and an optional `receipt` file.
    Multipart,
}

/// One successful answer.
#[derive(Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub content: Content,
}

#[derive(Clone, Copy)]
pub enum Content {
    Json(SchemaOf),
    Empty,
    Pdf,
    Csv,
    /// A stored file in the type it was uploaded as (PDF, PNG or JPEG).
    File,
    EventStream,
    /// A redirect back to a page (plain HTML forms).
    Redirect,
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
        body: Body::None,
        query: None,
        paged: false,
        csv: false,
        answers: &[],
    }
}

impl Endpoint {
    const fn body<T: ToSchema>(mut self) -> Endpoint {
        self.body = Body::Json {
            schema: schemas::of::<T>,
            required: true,
        };
        self
    }

    /// A JSON body that may be left out (its fields' defaults apply).
    const fn optional_body<T: ToSchema>(mut self) -> Endpoint {
        self.body = Body::Json {
            schema: schemas::of::<T>,
            required: false,
        };
        self
    }

    const fn multipart(mut self) -> Endpoint {
        self.body = Body::Multipart;
        self
    }

    const fn query<T: ToSchema>(mut self) -> Endpoint {
        self.query = Some(schemas::of::<T>);
        self
    }

    const fn paged(mut self) -> Endpoint {
        self.paged = true;
        self
    }

    const fn csv(mut self) -> Endpoint {
        self.csv = true;
        self
    }

    const fn answers(mut self, answers: &'static [Answer]) -> Endpoint {
        self.answers = answers;
        self
    }
}

/// A JSON answer of `T`. For a generic list (`Page<V>`, `Items<V>`) `V` names the element, whose
/// schema the list's own does not bring along; otherwise `V` is `T`.
const fn json<T: ToSchema, V: ToSchema>(status: u16) -> Answer {
    answer(status, Content::Json(schemas::list_of::<T, V>))
}

const fn answer(status: u16, content: Content) -> Answer {
    Answer { status, content }
}

const fn empty(status: u16) -> Answer {
    answer(status, Content::Empty)
}

const PDF: Answer = answer(200, Content::Pdf);
const CSV: Answer = answer(200, Content::Csv);
const FILE: Answer = answer(200, Content::File);
const EVENTS: Answer = answer(200, Content::EventStream);
const SEE_OTHER: Answer = answer(303, Content::Redirect);

/// Paths relative to `/api/v1`, without the trailing slash (both forms answer).
pub const ENDPOINTS: &[Endpoint] = &[
    op(Public, "post", "/auth/register", "Create a user and their account; answers tokens").body::<RegisterInput>().answers(&[json::<AuthResponse, AuthResponse>(201)]),
    op(Public, "post", "/auth/login", "Log in with email and password; answers tokens").body::<LoginInput>().answers(&[json::<AuthResponse, AuthResponse>(200)]),
    op(Public, "post", "/auth/refresh", "Trade a refresh token for new tokens (rotated)").body::<RefreshInput>().answers(&[json::<TokensAnswer, TokensAnswer>(200)]),
    op(PERSON, "post", "/auth/logout", "Revoke the refresh token").answers(&[empty(204)]),
    op(READ, "get", "/auth/me", "The user, their account, plan and subscription status").answers(&[json::<MeAnswer, MeAnswer>(200)]),
    op(Public, "post", "/auth/verify-email", "Verify an email address with its token").body::<TokenInput>().answers(&[json::<StatusAnswer, StatusAnswer>(200)]),
    op(Public, "post", "/auth/password-reset", "Email a password-reset link").body::<EmailInput>().answers(&[json::<StatusAnswer, StatusAnswer>(202)]),
    op(Public, "post", "/auth/password-reset/confirm", "Set a new password with a reset token").body::<ResetConfirmInput>().answers(&[json::<StatusAnswer, StatusAnswer>(200)]),
    op(Public, "get", "/auth/plans", "The active plans, in display order").answers(&[json::<PlanList, PlanList>(200)]),
    op(BILLING, "get", "/auth/subscriptions", "The account's subscriptions").answers(&[json::<SubscriptionList, SubscriptionList>(200)]),
    op(BILLING, "post", "/auth/subscriptions", "Subscribe to a plan (Idempotency-Key honoured)").body::<SubscribeRequest>().answers(&[json::<SubscriptionOutcome, SubscriptionOutcome>(201)]),
    op(BILLING, "post", "/auth/subscriptions/{id}/change-plan", "Change plan or interval: upgrade (or to yearly) now, prorated; downgrade (or to monthly) at period end").body::<ChangePlanRequest>().answers(&[json::<SubscriptionOutcome, SubscriptionOutcome>(200)]),
    op(BILLING, "post", "/auth/subscriptions/{id}/change-plan/preview", "What a plan change would charge, grant and renew at, without changing anything").body::<ChangePlanRequest>().answers(&[json::<ChangePreview, ChangePreview>(200)]),
    op(BILLING, "post", "/auth/subscriptions/{id}/cancel", "Cancel at the end of the period").optional_body::<CancelRequest>().answers(&[json::<SubscriptionOutcome, SubscriptionOutcome>(200)]),
    op(BILLING, "post", "/auth/subscriptions/{id}/resume", "Undo a pending cancellation").answers(&[json::<SubscriptionOutcome, SubscriptionOutcome>(200)]),
    op(BILLING, "get", "/billing/payment-methods", "The account's payment methods").answers(&[json::<PaymentMethodList, PaymentMethodList>(200)]),
    op(BILLING, "post", "/billing/payment-methods", "Add a card (sandbox), PayPal or bank transfer").body::<NewPaymentMethod>().answers(&[json::<PaymentMethodView, PaymentMethodView>(201)]),
    op(BILLING, "delete", "/billing/payment-methods/{id}", "Remove a payment method").answers(&[empty(204)]),
    op(BILLING, "post", "/billing/payment-methods/{id}/set-default", "Make a method the default").answers(&[json::<PaymentMethodView, PaymentMethodView>(200)]),
    op(BILLING, "get", "/billing/payments", "The account's payments").paged().answers(&[json::<Page<PaymentView>, PaymentView>(200)]),
    op(BILLING, "post", "/billing/payments/manual", "Submit a bank transfer with its receipt (multipart)").multipart().answers(&[json::<PaymentView, PaymentView>(201), SEE_OTHER]),
    op(BILLING, "get", "/billing/payments/{id}/receipt", "Download a manual payment's receipt").answers(&[FILE]),
    op(BILLING, "get", "/billing/invoices", "The account's invoices").paged().answers(&[json::<Page<InvoiceView>, InvoiceView>(200)]),
    op(BILLING, "get", "/billing/invoices/{id}", "One invoice with its lines").answers(&[json::<InvoiceView, InvoiceView>(200)]),
    op(BILLING, "get", "/billing/invoices/{id}/pdf", "The invoice as a PDF").answers(&[PDF]),
    op(BILLING, "post", "/billing/invoices/{id}/pay", "Pay an open invoice now with a saved method (Idempotency-Key)").optional_body::<PayInvoiceRequest>().answers(&[json::<PaymentView, PaymentView>(201)]),
    op(READ, "get", "/billing/transactions", "The credit ledger, newest first").query::<UsageFilter>().paged().answers(&[json::<Page<LedgerEntryView>, LedgerEntryView>(200)]),
    op(READ, "get", "/billing/transactions/balance", "The credit balance").answers(&[json::<BalanceView, BalanceView>(200)]),
    op(READ, "get", "/billing/transactions/balance/stream", "The balance as server-sent events").answers(&[EVENTS]),
    op(READ, "get", "/billing/credits/usage", "Usage logs, filterable").query::<UsageFilter>().paged().answers(&[json::<Page<UsageLogView>, UsageLogView>(200)]),
    op(READ, "get", "/billing/credits/usage/summary", "Usage per operation over a period").query::<UsageFilter>().answers(&[json::<UsageSummary, UsageSummary>(200)]),
    op(READ, "get", "/billing/credits/usage/limits", "Plan limits with current usage").answers(&[json::<LimitsView, LimitsView>(200)]),
    op(READ, "get", "/billing/credits/estimate", "Preflight: what an operation would cost now").query::<EstimateQuery>().answers(&[json::<Estimate, Estimate>(200)]),
    op(Public, "get", "/billing/credits/costs", "Credits per operation").answers(&[json::<Items<CreditCost>, CreditCost>(200)]),
    op(READ, "get", "/billing/credit-packages", "Credit packages on sale, in display order").answers(&[json::<Items<CreditPackageView>, CreditPackageView>(200)]),
    op(BILLING, "get", "/billing/balance-alert", "The low-balance alert and automatic top-up").answers(&[json::<BalanceAlertView, BalanceAlertView>(200)]),
    op(BILLING, "put", "/billing/balance-alert", "Set the low-balance alert threshold and automatic top-up (package, at most N a month)").body::<BalanceAlertRequest>().answers(&[json::<BalanceAlertView, BalanceAlertView>(200)]),
    op(BILLING, "get", "/billing/profile", "The billing profile invoices print as the buyer").answers(&[json::<BillingProfileView, BillingProfileView>(200)]),
    op(BILLING, "put", "/billing/profile", "Set the billing profile (legal name, address, country, tax id, billing email) for invoices issued from now on").body::<BillingProfileRequest>().answers(&[json::<BillingProfileView, BillingProfileView>(200)]),
    op(BILLING, "post", "/billing/credit-packages/{id}/purchase", "Buy a credit package (Idempotency-Key honoured)").optional_body::<PurchaseRequest>().answers(&[json::<PurchaseOutcome, PurchaseOutcome>(201)]),
    op(READ, "get", "/planner/tasks/{id}", "A planner task and its result").answers(&[json::<TaskView, TaskView>(200)]),
    op(WRITE, "post", "/planner/tasks", "Start a planner task (spends credits)").body::<PlannerRequest>().answers(&[json::<TaskView, TaskView>(201)]),
    op(READ, "get", "/writer/tasks/{id}", "A writer task and its result").answers(&[json::<TaskView, TaskView>(200)]),
    op(WRITE, "post", "/writer/tasks", "Start a writer task (spends credits)").body::<WriterRequest>().answers(&[json::<TaskView, TaskView>(201)]),
    op(READ, "get", "/automation/jobs", "The account's automation jobs").answers(&[json::<Items<JobView>, JobView>(200)]),
    op(WRITE, "post", "/automation/jobs", "Queue an automation job").body::<QueueRequest>().answers(&[json::<Items<JobView>, JobView>(201)]),
    op(READ, "get", "/sites", "The account's sites").answers(&[json::<Items<SiteView>, SiteView>(200)]),
    op(WRITE, "post", "/sites", "Add a site (within the plan's limit)").body::<NewSite>().answers(&[json::<SiteView, SiteView>(201)]),
    op(WRITE, "delete", "/sites/{id}", "Remove a site").answers(&[empty(204)]),
    op(READ, "get", "/account/members", "Team members and pending invitations").answers(&[json::<Items<TeamEntry>, TeamEntry>(200)]),
    op(PERSON, "post", "/account/members", "Invite a member (within the plan's seats)").body::<NewInvitation>().answers(&[json::<TeamEntry, TeamEntry>(201)]),
    op(PERSON, "delete", "/account/members/{id}", "Remove a member or withdraw an invitation").answers(&[empty(204)]),
    op(PERSON, "get", "/account/api-keys", "The account's API keys (never their secrets)").answers(&[json::<Items<ApiKeyView>, ApiKeyView>(200)]),
    op(PERSON, "post", "/account/api-keys", "Create an API key; the answer holds its secret, shown this once").body::<NewApiKey>().answers(&[json::<CreatedApiKey, CreatedApiKey>(201)]),
    op(PERSON, "delete", "/account/api-keys/{id}", "Revoke an API key: its next request is refused").answers(&[json::<ApiKeyView, ApiKeyView>(200)]),
    op(PERSON, "get", "/account/webhooks", "The account's webhook endpoints with their signing secrets").answers(&[json::<Items<WebhookEndpointView>, WebhookEndpointView>(200)]),
    op(PERSON, "post", "/account/webhooks", "Register a webhook endpoint for some events (a public https address)").body::<NewWebhookEndpoint>().answers(&[json::<WebhookEndpointView, WebhookEndpointView>(201)]),
    op(PERSON, "delete", "/account/webhooks/{id}", "Delete a webhook endpoint; what was pending for it is dropped").answers(&[empty(204)]),
    op(PERSON, "get", "/account/webhooks/deliveries", "The latest webhook deliveries with their answers").query::<LogQuery>().answers(&[json::<Items<DeliveryView>, DeliveryView>(200)]),
    op(PERSON, "post", "/account/webhooks/deliveries/{id}/resend", "Send a delivery's event again").answers(&[json::<DeliveryView, DeliveryView>(201)]),
    op(Public, "post", "/account/invitations/accept", "Accept an invitation with its token (signed out: creates the user and signs in)").body::<Acceptance>().answers(&[json::<AuthResponse, AuthResponse>(201), json::<MeAnswer, MeAnswer>(200)]),
    op(Admin, "get", "/admin/billing/stats", "Business overview figures").answers(&[json::<StatsView, StatsView>(200)]),
    op(Admin, "get", "/admin/users", "Users and accounts: search, filter, sort; CSV with format=csv").query::<UserQuery>().paged().csv().answers(&[json::<Page<AdminUserRow>, AdminUserRow>(200), CSV]),
    op(Admin, "post", "/admin/users/{id}/adjust-credits", "Adjust an account's credits with a reason").body::<AdjustRequest>().answers(&[json::<BalanceView, BalanceView>(200)]),
    op(Admin, "get", "/admin/accounts/{id}/test-clock", "The account's test clock (outside production)").answers(&[json::<TestClockView, TestClockView>(200)]),
    op(Admin, "post", "/admin/accounts/{id}/test-clock", "Attach the account to a test clock (outside production)").answers(&[json::<TestClockView, TestClockView>(200)]),
    op(Admin, "post", "/admin/accounts/{id}/test-clock/advance", "Advance the account's test clock by a day, a month or to the next renewal").body::<AdvanceRequest>().answers(&[json::<TestClockView, TestClockView>(200)]),
    op(Admin, "get", "/admin/audit", "The audit log, filterable").query::<AuditQuery>().paged().answers(&[json::<Page<AuditEntryView>, AuditEntryView>(200)]),
    op(Admin, "get", "/admin/outbox", "The email outbox (when SMTP is not configured)").answers(&[json::<Items<OutboxEmail>, OutboxEmail>(200)]),
    op(Admin, "get", "/admin/subscriptions", "Subscriptions by account and status").query::<Filter>().paged().answers(&[json::<Page<AdminSubscriptionRow>, AdminSubscriptionRow>(200)]),
    op(Admin, "post", "/admin/subscriptions/{id}/activate", "Activate after an off-system payment").body::<AdminNote>().answers(&[empty(204)]),
    op(Admin, "post", "/admin/subscriptions/{id}/cancel", "Cancel now or at period end").optional_body::<AdminCancel>().answers(&[empty(204)]),
    op(Admin, "post", "/admin/subscriptions/{id}/refresh", "Apply the renewal rules now").answers(&[json::<RefreshOutcome, RefreshOutcome>(200)]),
    op(Admin, "get", "/admin/invoices", "Every invoice, filterable; CSV with format=csv").query::<InvoiceFilter>().paged().csv().answers(&[json::<Page<InvoiceView>, InvoiceView>(200), CSV]),
    op(Admin, "post", "/admin/invoices/{id}/void", "Void an open invoice with a reason").body::<VoidRequest>().answers(&[empty(204)]),
    op(Admin, "get", "/admin/plans", "Every plan with its subscriber count").answers(&[json::<Items<AdminPlan>, AdminPlan>(200)]),
    op(Admin, "post", "/admin/plans", "Create a plan").body::<PlanInput>().answers(&[json::<AdminPlan, AdminPlan>(201)]),
    op(Admin, "put", "/admin/plans/{id}", "Edit a plan (new prices apply from the next period)").body::<PlanInput>().answers(&[json::<AdminPlan, AdminPlan>(200)]),
    op(Admin, "delete", "/admin/plans/{id}", "Delete a plan nobody ever subscribed to").answers(&[empty(204)]),
    op(Admin, "get", "/admin/tax-rates", "Tax rates by buyer country").answers(&[json::<Items<TaxRateView>, TaxRateView>(200)]),
    op(Admin, "put", "/admin/tax-rates/{country}", "Set a country's tax rate (basis points) for invoices issued from now on").body::<TaxRateInput>().answers(&[json::<TaxRateView, TaxRateView>(200)]),
    op(Admin, "delete", "/admin/tax-rates/{country}", "Remove a country's tax rate").answers(&[empty(204)]),
    op(Admin, "get", "/admin/credit-costs", "Credits per operation").answers(&[json::<Items<CreditCost>, CreditCost>(200)]),
    op(Admin, "put", "/admin/credit-costs", "Change credits per operation (new tasks only)").body::<CostChanges>().answers(&[json::<Items<CreditCost>, CreditCost>(200)]),
    op(Admin, "get", "/admin/credit-packages", "Every credit package").answers(&[json::<Items<AdminPackage>, AdminPackage>(200)]),
    op(Admin, "post", "/admin/credit-packages", "Create a credit package").body::<PackageInput>().answers(&[json::<AdminPackage, AdminPackage>(201)]),
    op(Admin, "put", "/admin/credit-packages/{id}", "Edit a credit package").body::<PackageInput>().answers(&[json::<AdminPackage, AdminPackage>(200)]),
    op(Admin, "delete", "/admin/credit-packages/{id}", "Deactivate a credit package").answers(&[json::<AdminPackage, AdminPackage>(200)]),
    op(Admin, "get", "/billing/admin/payments", "Every payment, filterable; CSV with format=csv").query::<PaymentFilter>().paged().csv().answers(&[json::<Page<PaymentView>, PaymentView>(200), CSV]),
    op(Admin, "get", "/billing/admin/pending_payments", "Bank transfers waiting for approval").paged().answers(&[json::<Page<PaymentView>, PaymentView>(200)]),
    op(Admin, "post", "/billing/admin/payments/{id}/approve", "Approve a bank transfer (exactly once)").optional_body::<Decision>().answers(&[json::<PaymentView, PaymentView>(200)]),
    op(Admin, "post", "/billing/admin/payments/{id}/reject", "Reject a bank transfer with a note").optional_body::<Decision>().answers(&[json::<PaymentView, PaymentView>(200)]),
    op(Public, "post", "/test/faults", "Test-only fault switches (404 unless FAULT_INJECTION=true)").body::<FaultSwitches>().answers(&[json::<FaultSwitches, FaultSwitches>(200)]),
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

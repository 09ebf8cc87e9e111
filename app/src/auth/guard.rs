//! The route guard: one decision, made the same way on the server (SSR answers a redirect or a
//! 403 page) and in the browser (the router navigates).
//!
//! - signed out → `/login?next=…`
//! - email verification required and missing → `/verify-email`
//! - no active plan → `/account/plans`, except the pages that lead to one
//! - `/admin…` without the admin flag → the 403 page

use super::model::{SessionView, PLANS_PATH};
use crate::common::AppError;
use crate::ui::errors::ErrorPage;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// Pages anyone may open, signed in or not.
const PUBLIC: &[&str] = &[
    "/login",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/dev/outbox",
    "/invite",
];

/// Pages a signed-in tenant without an active plan may still open.
const OPEN_WITHOUT_PLAN: &[&str] = &[
    PLANS_PATH,
    "/account/billing",
    "/account/invoices",
    "/account/profile",
    "/verify-email",
    // An invited person may join a team before (or instead of) choosing a plan.
    "/invite",
];

fn path_is_under(path: &str, base: &str) -> bool {
    path == base
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with(['/', '?', '#']))
}

pub fn open_without_plan(path: &str) -> bool {
    OPEN_WITHOUT_PLAN
        .iter()
        .any(|base| path_is_under(path, base))
}

/// Where a signed-in user should go after logging in: a same-site path from `next`, or the
/// default for their state.
pub fn landing_path(session: &SessionView, next: Option<&str>) -> String {
    if session.must_verify_email {
        return "/verify-email".into();
    }
    if let Some(next) = next.and_then(safe_next) {
        let gate_allows = session.account.has_active_plan()
            || open_without_plan(&next)
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

/// Only same-site absolute paths may be redirect targets: no scheme, no `//host`, no backslash
/// tricks, no control characters.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then(|| next.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Sign in first, then come back to this same-site path.
    Login {
        next: String,
    },
    VerifyEmail,
    ChoosePlan,
    AdminOnly,
}

pub fn decide(path: &str, session: Option<&SessionView>) -> Decision {
    // The guard may see a public path while its layout is being left for one.
    if PUBLIC.iter().any(|base| path_is_under(path, base)) {
        return Decision::Allow;
    }
    let Some(session) = session else {
        return Decision::Login {
            next: path.to_string(),
        };
    };
    if path_is_under(path, "/admin") {
        return if session.user.is_admin {
            Decision::Allow
        } else {
            Decision::AdminOnly
        };
    }
    if session.must_verify_email
        && !path_is_under(path, "/verify-email")
        && !path_is_under(path, "/account/profile")
    {
        return Decision::VerifyEmail;
    }
    if !session.account.has_active_plan() && !open_without_plan(path) {
        return Decision::ChoosePlan;
    }
    Decision::Allow
}

/// Percent-encodes a path for a query value (`/a?b=c` → `%2Fa%3Fb%3Dc`).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn with_query(pathname: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => pathname.to_string(),
        query => format!("{pathname}?{query}"),
    }
}

/// The session a page was rendered for: resolved by the server before rendering (the identity
/// middleware puts it in the request) and handed to the browser with the page, so the guard, the
/// header and the pages read it synchronously on both sides. Actions that change the session end
/// in a full page load, which brings the new one.
#[derive(Debug, Clone)]
pub struct PageSession(pub Result<Option<SessionView>, AppError>);

#[derive(Clone, Copy)]
pub struct SessionState(StoredValue<Result<Option<SessionView>, AppError>>);

impl SessionState {
    pub fn get(&self) -> Result<Option<SessionView>, AppError> {
        self.0.get_value()
    }

    /// The signed-in session, if any.
    pub fn signed_in(&self) -> Option<SessionView> {
        self.0.with_value(|s| s.as_ref().ok().cloned().flatten())
    }
}

#[cfg(feature = "ssr")]
fn session_of_request() -> Result<Option<SessionView>, AppError> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageSession>().cloned())
        .map(|found| found.0)
        .unwrap_or(Ok(None))
}

/// Created once, at the top of the app: the value is serialized with the page.
pub fn provide_session() -> SessionState {
    #[cfg(feature = "ssr")]
    let initial = session_of_request;
    // In the browser the value comes from the page; this runs only if it is missing.
    #[cfg(not(feature = "ssr"))]
    let initial = || Ok(None);
    let shared = leptos::server::SharedValue::new(initial);
    let state = SessionState(StoredValue::new(shared.into_inner()));
    provide_context(state);
    state
}

pub fn use_session() -> SessionState {
    expect_context::<SessionState>()
}

/// Renders its children only when the guard allows the current path. No suspense: the session
/// is known synchronously, so the page is created once (a page created inside a suspense
/// boundary can be created again on the server, with new resources the browser never sees).
#[component]
pub fn RouteGuard(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    move || {
        // Re-decide when the page changes, not on every query-string change.
        let pathname = location.pathname.get();
        match session.get() {
            Err(err) => view! { <ErrorPage error=err/> }.into_any(),
            Ok(found) => {
                let path = with_query(&pathname, &location.search.get_untracked());
                match decide(&path, found.as_ref()) {
                    Decision::Allow => children().into_any(),
                    Decision::Login { next } => {
                        view! { <Redirect path=format!("/login?next={}", encode_query_value(&next))/> }.into_any()
                    }
                    Decision::VerifyEmail => view! { <Redirect path="/verify-email"/> }.into_any(),
                    Decision::ChoosePlan => view! { <Redirect path=PLANS_PATH/> }.into_any(),
                    Decision::AdminOnly => {
                        view! { <ErrorPage error=AppError::new(crate::common::ErrorKind::AdminRequired)/> }.into_any()
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::{AccountView, UserView};
    use crate::plans::model::PlanRef;

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

    fn session(status: Option<&str>, is_admin: bool) -> SessionView {
        SessionView {
            user: UserView {
                id: "u".into(),
                email: "a@b.co".into(),
                full_name: String::new(),
                is_admin,
                email_verified: true,
                role: crate::accounts::model::Role::Owner,
            },
            account: AccountView {
                id: "a".into(),
                name: "A".into(),
                slug: "a".into(),
                plan: status.map(|_| PlanRef {
                    id: "p".into(),
                    name: "Starter".into(),
                }),
                subscription_status: status.map(|s| s.parse().expect("a subscription status")),
                modules: vec![],
                test_clock: None,
            },
            must_verify_email: false,
        }
    }

    #[test]
    fn public_pages_are_always_allowed() {
        assert_eq!(decide("/login?next=%2F", None), Decision::Allow);
        assert_eq!(decide("/signup", None), Decision::Allow);
    }

    #[test]
    fn signed_out_goes_to_login_with_next() {
        assert_eq!(
            decide("/sites?x=1", None),
            Decision::Login {
                next: "/sites?x=1".into()
            }
        );
        assert_eq!(encode_query_value("/sites?x=1"), "%2Fsites%3Fx%3D1");
    }

    #[test]
    fn planless_tenants_only_reach_onboarding_pages() {
        let s = session(None, false);
        assert_eq!(decide("/", Some(&s)), Decision::ChoosePlan);
        assert_eq!(decide("/sites", Some(&s)), Decision::ChoosePlan);
        assert_eq!(decide("/account/plans", Some(&s)), Decision::Allow);
        assert_eq!(decide("/account/billing", Some(&s)), Decision::Allow);
        assert_eq!(decide("/account/profile", Some(&s)), Decision::Allow);
        assert_eq!(decide("/account/plansx", Some(&s)), Decision::ChoosePlan);
        let pending = session(Some("pending_payment"), false);
        assert_eq!(decide("/", Some(&pending)), Decision::ChoosePlan);
        let active = session(Some("active"), false);
        assert_eq!(decide("/", Some(&active)), Decision::Allow);
    }

    #[test]
    fn admin_area_needs_the_flag() {
        assert_eq!(
            decide("/admin", Some(&session(Some("active"), false))),
            Decision::AdminOnly
        );
        assert_eq!(
            decide("/admin/payments", Some(&session(None, true))),
            Decision::Allow
        );
        assert_eq!(
            decide("/administrator", Some(&session(Some("active"), false))),
            Decision::Allow
        );
    }

    #[test]
    fn unverified_email_gates_before_plans() {
        let mut s = session(None, false);
        s.must_verify_email = true;
        assert_eq!(decide("/account/plans", Some(&s)), Decision::VerifyEmail);
        assert_eq!(decide("/verify-email", Some(&s)), Decision::Allow);
    }
}

/// Renders its children for the account's owner (and admins); a member sees the 403 page that
/// says who manages billing. The server refuses the same data with 403.
#[component]
pub fn OwnerOnly(children: ChildrenFn) -> impl IntoView {
    let allowed = use_session()
        .signed_in()
        .is_some_and(|s| s.is_owner() || s.user.is_admin);
    if allowed {
        return children().into_any();
    }
    let error = AppError::with_message(
        crate::common::ErrorKind::Forbidden,
        super::model::OWNER_ONLY,
    );
    view! { <ErrorPage error/> }.into_any()
}

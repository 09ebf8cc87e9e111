//! Malformed input answers a 4xx in the error shape, never a 5xx or axum's plain text: bodies a
//! server function cannot read (every registered server function, signed out and signed in),
//! REST query strings and path segments that do not parse, page numbers at the ends of `i64`.

use crate::helpers::TestApp;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

/// A body a server function cannot read: what it is, its declared type, and the status and
/// code it must get.
struct Malformed {
    what: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn malformed_bodies() -> Vec<Malformed> {
    vec![
        Malformed {
            what: "octet-stream",
            content_type: "application/octet-stream",
            body: vec![0x00, 0x9f, 0x92, 0x96, 0xff],
            status: 415,
            code: "unsupported_media_type",
        },
        Malformed {
            what: "cbor",
            // {"page": 1}
            content_type: "application/cbor",
            body: vec![0xa1, 0x64, b'p', b'a', b'g', b'e', 0x01],
            status: 415,
            code: "unsupported_media_type",
        },
        Malformed {
            what: "garbage form",
            content_type: FORM,
            body: b"\xff\xfe=%zz&page=%C3\x00".to_vec(),
            status: 422,
            code: "validation_failed",
        },
        Malformed {
            what: "3 MB form",
            content_type: FORM,
            body: [b"keywords=".as_slice(), &vec![b'a'; 3 * 1024 * 1024]].concat(),
            status: 413,
            code: "payload_too_large",
        },
    ]
}

/// Every server function the server registered.
fn server_fn_paths() -> Vec<&'static str> {
    let mut paths: Vec<_> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    paths.sort();
    assert!(paths.len() > 50, "the registry lists the server functions");
    paths
}

async fn server_functions_refuse_unreadable_bodies_with_a_4xx(app: TestApp) {
    let (tenant, _) = app
        .subscribed_tenant("reader@example.com", "plan_growth")
        .await;
    let signed_in = format!("igny8_at={}", tenant.access);
    for session in [None, Some(signed_in.as_str())] {
        for path in server_fn_paths() {
            for bad in malformed_bodies() {
                let mut request = app
                    .client
                    .post(app.url(path))
                    .header(ORIGIN, &app.address)
                    .header(CONTENT_TYPE, bad.content_type)
                    .body(bad.body);
                if let Some(cookie) = session {
                    request = request.header(COOKIE, cookie);
                }
                let response = request.send().await.unwrap();
                let context = format!("{path} {} (signed in: {})", bad.what, session.is_some());
                assert_eq!(response.status(), bad.status, "{context}");
                assert!(
                    response.headers()[CONTENT_TYPE]
                        .to_str()
                        .unwrap()
                        .starts_with("application/json"),
                    "{context}"
                );
                // The body of every server-function error: the `AppError` itself.
                let error: Value = response.json().await.unwrap();
                assert_eq!(error["code"], bad.code, "{context}: {error}");
                assert!(error["message"].is_string(), "{context}: {error}");
            }
        }
    }
    // The session still works: nothing above ran a function (`auth/logout` included).
    let subscription = app
        .server_fn("/api/billing/subscription", &tenant.access, &[])
        .await;
    assert_eq!(subscription.status(), 200);
}

/// A plain form post with too much in it goes back to its page with the error, as the
/// functions' own errors do, instead of a page of JSON.
async fn an_oversized_form_without_javascript_goes_back_with_the_error(app: TestApp) {
    let back = app.url("/login");
    let response = crate::helpers::form_client()
        .post(app.url("/api/auth/login"))
        .header(ORIGIN, &app.address)
        .header(reqwest::header::REFERER, &back)
        .header(CONTENT_TYPE, FORM)
        .body([b"email=".as_slice(), &vec![b'a'; 300 * 1024]].concat())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = crate::helpers::location(&response);
    assert!(location.starts_with(&format!("{back}?")), "{location}");
    assert!(
        location.contains("__path=%2Fapi%2Fauth%2Flogin"),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");
    // The page shows the error for what it is.
    let page = crate::helpers::page(&app, &location.replace(&app.address, ""), None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"data-error-code="payload_too_large""#),
        "{html}"
    );
}

/// A plain form post that succeeded goes back to its page marked `__done=<function>`, so the page
/// can say what happened; a redirect the function chose itself is left as it is.
async fn a_plain_form_post_that_succeeds_goes_back_marked_done(app: TestApp) {
    let back = app.url("/forgot-password");
    let post = |path: &str, body: &'static str| {
        crate::helpers::form_client()
            .post(app.url(path))
            .header(ORIGIN, &app.address)
            .header(reqwest::header::REFERER, &back)
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
    };
    let response = post("/api/auth/forgot-password", "email=someone%40example.com")
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = crate::helpers::location(&response);
    assert_eq!(
        location,
        format!("{back}?__done=%2Fapi%2Fauth%2Fforgot-password")
    );
    let page = crate::helpers::page(&app, &location.replace(&app.address, ""), None).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("a reset link is on its way"), "{html}");
    // Signup chooses where to go next: untouched.
    let signup = post(
        "/api/auth/signup",
        "full_name=A&account_name=Co&email=done%40example.com&password=correct+horse+battery",
    )
    .await
    .unwrap();
    assert_eq!(crate::helpers::location(&signup), "/account/plans");
}

async fn assert_error_shape(response: reqwest::Response, status: u16, context: &str) -> Value {
    assert_eq!(response.status(), status, "{context}");
    let error: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{context}: not JSON: {e}"));
    assert!(error["error"]["code"].is_string(), "{context}: {error}");
    assert!(error["error"]["message"].is_string(), "{context}: {error}");
    error
}

/// Every query field of the REST lists, each given twice (which no list reads).
const REPEATED_FIELDS: &str = "format=csv&format=json&status=a&status=b&q=a&q=b&plan=a&plan=b\
     &sort=a&sort=b&action=a&action=b&actor=a&actor=b&target_id=a&target_id=b\
     &account_id=a&account_id=b&method=a&method=b&from=a&from=b&to=a&to=b\
     &kind=a&kind=b&operation=a&operation=b&quantity=1&quantity=2";

async fn rest_queries_and_paths_that_do_not_parse_answer_in_the_error_shape(app: TestApp) {
    let admin = app.admin().await;
    let (tenant, _) = app
        .subscribed_tenant("queries@example.com", "plan_growth")
        .await;
    // The lists with a filter (eight of them answered axum's plain-text 400).
    let lists = [
        (&admin, "/api/v1/admin/users/"),
        (&admin, "/api/v1/admin/audit/"),
        (&admin, "/api/v1/admin/subscriptions/"),
        (&admin, "/api/v1/admin/invoices/"),
        (&admin, "/api/v1/billing/admin/payments/"),
        (&tenant.access, "/api/v1/billing/transactions/"),
        (&tenant.access, "/api/v1/billing/credits/usage/"),
        (&tenant.access, "/api/v1/billing/credits/usage/summary/"),
        (&tenant.access, "/api/v1/billing/credits/estimate/"),
    ];
    for (token, path) in lists {
        let url = format!("{path}?{REPEATED_FIELDS}");
        let response = app.get_with_token(&url, token).await;
        let error = assert_error_shape(response, 422, &url).await;
        assert_eq!(error["error"]["code"], "validation_failed");
    }

    // Every GET of the API, with repeated fields and path segments that are not UTF-8: a
    // success or an error in the shape, never plain text or a fault.
    let document = app.json("/api/v1/openapi.json", &admin).await;
    for (path, operations) in document["paths"].as_object().unwrap() {
        if operations.get("get").is_none() || path.ends_with("/stream/") {
            continue;
        }
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "%FF"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for token in [&admin, &tenant.access] {
            let url = format!("/api/v1{concrete}?{REPEATED_FIELDS}");
            let response = app.get_with_token(&url, token).await;
            if !response.status().is_success() {
                let status = response.status().as_u16();
                assert!(status < 500, "{url}: {status}");
                assert_error_shape(response, status, &url).await;
            }
        }
    }
}

async fn page_numbers_at_the_ends_of_i64_are_refused_or_clamped(app: TestApp) {
    let admin = app.admin().await;
    let (tenant, _) = app
        .subscribed_tenant("pages@example.com", "plan_growth")
        .await;
    for page in [
        "9223372036854775807",
        "-9223372036854775808",
        "0",
        "-1",
        "1000001",
    ] {
        for (token, path) in [
            (&admin, "/api/v1/admin/users/"),
            (&tenant.access, "/api/v1/billing/transactions/"),
        ] {
            let url = format!("{path}?page={page}");
            let response = app.get_with_token(&url, token).await;
            let error = assert_error_shape(response, 422, &url).await;
            assert!(error["error"]["fields"]["page"].is_string(), "{error}");
        }
    }
    // The last page there is answers (empty).
    let last = app
        .json("/api/v1/billing/transactions/?page=1000000", &tenant.access)
        .await;
    assert_eq!(last["page"], 1_000_000);
    assert_eq!(last["items"], serde_json::json!([]));

    // The pages' server functions take the page from the address: out of range is the nearest
    // page there is.
    for (page, served) in [
        ("9223372036854775807", 1_000_000),
        ("-9223372036854775808", 1),
        ("0", 1),
        ("-1", 1),
    ] {
        let filters: &[(&str, &[&str])] = &[
            ("/api/admin/users", &[]),
            ("/api/admin/audit", &[]),
            ("/api/admin/subscriptions", &["account_id", "status"]),
            (
                "/api/admin/invoices",
                &["status", "account_id", "from", "to"],
            ),
            (
                "/api/admin/payments",
                &["status", "method", "account_id", "from", "to"],
            ),
            ("/api/billing/ledger", &[]),
            ("/api/billing/usage-logs", &[]),
        ];
        for (path, empty_fields) in filters {
            let token = if path.starts_with("/api/admin/") {
                &admin
            } else {
                &tenant.access
            };
            let mut form: Vec<(&str, &str)> = empty_fields.iter().map(|f| (*f, "")).collect();
            form.push(("page", page));
            let response = app.server_fn(path, token, &form).await;
            assert_eq!(response.status(), 200, "{path} page {page}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["page"], served, "{path} page {page}: {body}");
        }
    }
}

crate::on_both_engines!(
    server_functions_refuse_unreadable_bodies_with_a_4xx,
    an_oversized_form_without_javascript_goes_back_with_the_error,
    a_plain_form_post_that_succeeds_goes_back_marked_done,
    rest_queries_and_paths_that_do_not_parse_answer_in_the_error_shape,
    page_numbers_at_the_ends_of_i64_are_refused_or_clamped,
);

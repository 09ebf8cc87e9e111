//! Malformed input answers a 4xx in the error shape, never a 5xx or axum's plain text: REST
//! query strings and path segments that do not parse, page numbers at the ends of `i64`.

use crate::helpers::TestApp;
use serde_json::Value;

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
    rest_queries_and_paths_that_do_not_parse_answer_in_the_error_shape,
    page_numbers_at_the_ends_of_i64_are_refused_or_clamped,
);

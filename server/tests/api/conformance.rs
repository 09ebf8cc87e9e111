//! Every response the integration suite gets through the shared request helpers (`helpers.rs`)
//! is held against the served OpenAPI document (`server/src/rest/openapi.rs`): its path and method
//! must be documented, its status listed, and a JSON body must match the schema of that status,
//! field by field — no missing required field, no wrong type, no field the document does not
//! name. So the document cannot drift from what the handlers send.

use axum::http;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(server::rest::openapi::document)
}

/// Sends `request` with `client`, checks its response against the document, and hands it on.
pub async fn checked(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> reqwest::Response {
    let request = request.build().expect("a request");
    let (method, path) = (
        request.method().to_string(),
        request.url().path().to_string(),
    );
    let response = client.execute(request).await.expect("request");
    // A live stream is read as it comes by its test; its one `200` is documented as events.
    if response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
    {
        return response;
    }
    let (status, version) = (response.status(), response.version());
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("the body");
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A compressed body is the compression tests' business (this client does not decode it).
    let checked = match headers.contains_key(http::header::CONTENT_ENCODING) {
        true => Ok(()),
        false => conforms(&method, &path, status.as_u16(), content_type, &body),
    };
    if let Err(problem) = checked {
        panic!(
            "{method} {path} answered {status} against the OpenAPI document: {problem}\nbody: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let mut rebuilt = http::Response::builder().status(status).version(version);
    *rebuilt.headers_mut().expect("a response") = headers;
    reqwest::Response::from(rebuilt.body(body.to_vec()).expect("a response"))
}

/// Whether a response of `method path` conforms; the reason when not.
pub fn conforms(
    method: &str,
    path: &str,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<(), String> {
    // Pages, server functions and assets are not the REST API; the document does not describe
    // itself.
    let Some(path) = path
        .strip_prefix("/api/v1")
        .filter(|p| *p != "/openapi.json")
    else {
        return Ok(());
    };
    let media = content_type.split(';').next().unwrap_or("").trim();
    let method = method.to_ascii_lowercase();
    let Some(operation) = operation(path, &method) else {
        // What is not documented does not exist: 404 (or 405) in the error shape.
        if status != 404 && status != 405 {
            return Err("the operation is not documented".into());
        }
        return matches(&json!({"$ref": "#/components/schemas/Error"}), body);
    };
    let responses = &operation["responses"];
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .ok_or("the status is not documented")?;
    if body.is_empty() && media.is_empty() {
        return Ok(());
    }
    let schema = response["content"]
        .get(media)
        .ok_or_else(|| format!("`{media}` is not documented for this status"))?
        .get("schema")
        .cloned()
        .unwrap_or(Value::Null);
    match media {
        "application/json" => matches(&schema, body),
        _ => Ok(()),
    }
}

fn matches(schema: &Value, body: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let mut problems = Vec::new();
    check(schema, &value, "$", &mut problems);
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("; ")),
    }
}

/// The operation of a concrete path: literal segments beat parameters (`/webhooks/deliveries/`
/// over `/webhooks/{id}/`).
fn operation(path: &str, method: &str) -> Option<&'static Value> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    document()["paths"]
        .as_object()?
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
            let fits = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(part, segment)| part.starts_with('{') || part == segment);
            let literal = parts.iter().filter(|p| !p.starts_with('{')).count();
            (fits && item.get(method).is_some()).then(|| (literal, &item[method]))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, operation)| operation)
}

fn resolve(schema: &Value) -> &Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document()["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn has_type(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    }
}

/// Collects where `value` breaks `schema` (the subset of JSON Schema the document uses).
fn check(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if schema["$ref"].is_string() {
        let target = resolve(schema);
        if target.is_null() {
            problems.push(format!("{at}: unresolved {}", schema["$ref"]));
        } else {
            check(target, value, at, problems);
        }
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(part, value, at, problems);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[key].as_array() {
            let fits = choices.iter().any(|choice| {
                let mut own = Vec::new();
                check(choice, value, at, &mut own);
                own.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: {value} fits none of {key}"));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !kinds.is_empty() && !kinds.iter().any(|kind| has_type(kind, value)) {
        problems.push(format!("{at}: {value} is not {kinds:?}"));
        return;
    }
    match value {
        Value::Object(fields) => {
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    problems.push(format!("{at}: required `{name}` is missing"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, field) in fields {
                    match properties.get(name) {
                        Some(property) => check(property, field, &format!("{at}.{name}"), problems),
                        None if schema["additionalProperties"].is_object() => check(
                            &schema["additionalProperties"],
                            field,
                            &format!("{at}.{name}"),
                            problems,
                        ),
                        None => problems.push(format!("{at}: `{name}` is not documented")),
                    }
                }
            }
        }
        Value::Array(items) if schema["items"].is_object() => {
            for (i, item) in items.iter().enumerate() {
                check(&schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::conforms;

    /// The checker itself: what it must refuse.
    #[test]
    fn a_response_off_the_document_is_refused() {
        let balance = "/api/v1/billing/transactions/balance/";
        let good = br#"{"balance": 5, "held": 0, "available": 5, "plan_credits_per_period": 100, "period_end": null, "low_balance_threshold": null}"#;
        assert_eq!(
            conforms("GET", balance, 200, "application/json", good),
            Ok(())
        );
        let wrong_type =
            br#"{"balance": "5", "held": 0, "available": 5, "plan_credits_per_period": 100}"#;
        assert!(conforms("GET", balance, 200, "application/json", wrong_type).is_err());
        let missing = br#"{"held": 0, "available": 5, "plan_credits_per_period": 100}"#;
        assert!(conforms("GET", balance, 200, "application/json", missing).is_err());
        let extra = br#"{"balance": 5, "held": 0, "available": 5, "plan_credits_per_period": 100, "secret": 1}"#;
        assert!(conforms("GET", balance, 200, "application/json", extra).is_err());
        assert!(conforms("GET", "/api/v1/nowhere/", 200, "application/json", b"{}").is_err());
        assert!(conforms("PATCH", balance, 200, "application/json", good).is_err());
        assert!(conforms("GET", balance, 201, "application/json", good).is_err());
        let error = br#"{"error": {"code": "unauthenticated", "message": "Log in."}}"#;
        assert_eq!(
            conforms("GET", balance, 401, "application/json", error),
            Ok(())
        );
        assert!(conforms("GET", balance, 401, "application/json", b"{\"error\": 1}").is_err());
        assert_eq!(
            conforms("GET", "/api/v1/nowhere/", 404, "application/json", error),
            Ok(())
        );
        let limit = br#"{"error": {"code": "plan_limit_reached", "message": "Upgrade.",
            "limit_key": "sites", "limit": 1, "used": 1, "upgrade_url": "/account/plans"}}"#;
        assert_eq!(
            conforms("POST", "/api/v1/sites/", 403, "application/json", limit),
            Ok(())
        );
    }
}

//! `GET /api/v1/openapi.json`: the REST API as an OpenAPI 3.1 document, for the programs that
//! call it and the clients generated from it. Built from the table of endpoints (`endpoints.rs`):
//! each operation's parameters, request body, answers by status and the error shape, with the
//! schemas of the Rust types it takes and answers (`schemas.rs`).

use super::endpoints::{Access, Body, Content, Endpoint, ENDPOINTS};
use super::schemas::Schemas;
use axum::http::header;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

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

fn binary(media_types: &[&str]) -> Value {
    let schema = json!({"type": "string", "format": "binary"});
    media_types
        .iter()
        .map(|media| (media.to_string(), json!({ "schema": schema })))
        .collect::<Map<_, _>>()
        .into()
}

/// The successful answers by status: a JSON list and its CSV share one status.
fn success_responses(endpoint: &Endpoint, schemas: &mut Schemas) -> Map<String, Value> {
    let mut responses = Map::new();
    for answer in endpoint.answers {
        let (description, content) = match answer.content {
            Content::Json(schema) => (
                "Success",
                Some(json!({"application/json": {"schema": schema(schemas)}})),
            ),
            Content::Empty => ("Done; no content", None),
            Content::Pdf => ("The PDF", Some(binary(&["application/pdf"]))),
            Content::Csv => (
                "Success",
                Some(json!({"text/csv": {"schema": {"type": "string"}}})),
            ),
            Content::File => (
                "The file as it was uploaded",
                Some(binary(&["application/pdf", "image/png", "image/jpeg"])),
            ),
            Content::EventStream => (
                "Server-sent events: `balance` with the balance now and on every change, \
                 `unavailable` when it cannot be read",
                Some(json!({"text/event-stream": {"schema": {"type": "string"}}})),
            ),
            Content::Redirect => (
                "A plain HTML form (`Accept: text/html`) is sent back to its page",
                None,
            ),
        };
        let response = responses
            .entry(answer.status.to_string())
            .or_insert_with(|| json!({ "description": description }));
        if let Some(Value::Object(content)) = content {
            let merged = response["content"].as_object().cloned().unwrap_or_default();
            response["content"] = Value::Object(merged.into_iter().chain(content).collect());
        }
    }
    responses
}

fn error_responses(endpoint: &Endpoint, responses: &mut Map<String, Value>) {
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
            error_response(
                "Not allowed (role, plan limit, module, `admin_required`, or an API key's \
                 `insufficient_scope`)",
            ),
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
    responses.insert(
        "default".into(),
        error_response("Any other failure (429 `throttled`, 503 `unavailable`, …)"),
    );
}

fn request_body(endpoint: &Endpoint, schemas: &mut Schemas) -> Option<Value> {
    match endpoint.body {
        Body::None => None,
        Body::Json { schema, required } => Some(json!({
            "required": required,
            "content": {"application/json": {"schema": schema(schemas)}}
        })),
        Body::Multipart => Some(json!({
            "required": true,
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["invoice_id", "reference"],
                "properties": {
                    "invoice_id": {"type": "string"},
                    "reference": {"type": "string", "description": "The bank's reference of the transfer"},
                    "receipt": {"type": "string", "format": "binary", "description": "PDF, PNG or JPEG, at most 5 MB"}
                }
            }}}
        })),
    }
}

/// Path parameters, then the query: a filter's fields, paging, the CSV switch.
fn parameters(endpoint: &Endpoint, schemas: &mut Schemas) -> Vec<Value> {
    let mut parameters: Vec<Value> = endpoint
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if let Some(query) = endpoint.query {
        let filter = resolve(query(schemas), schemas);
        let required = filter["required"].as_array().cloned().unwrap_or_default();
        if let Some(fields) = filter["properties"].as_object() {
            for (name, schema) in fields {
                parameters.push(json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(&json!(name)),
                    "schema": schema,
                }));
            }
        }
    }
    if endpoint.paged {
        for (name, max) in [("page", None), ("page_size", Some(200))] {
            let mut schema = json!({"type": "integer", "minimum": 1});
            if let Some(max) = max {
                schema["maximum"] = json!(max);
            }
            parameters.push(json!({"name": name, "in": "query", "schema": schema}));
        }
    }
    if endpoint.csv {
        parameters.push(json!({
            "name": "format",
            "in": "query",
            "description": "`csv` answers the whole filtered list as CSV",
            "schema": {"type": "string", "enum": ["csv", "json"]},
        }));
    }
    parameters
}

/// The schema a reference names (a filter's fields become parameters, not a component).
fn resolve(schema: Value, schemas: &mut Schemas) -> Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            schemas.remove(name).unwrap_or_default()
        }
        None => schema,
    }
}

fn operation(endpoint: &Endpoint, schemas: &mut Schemas) -> Value {
    let tag = endpoint.path.split('/').nth(1).unwrap_or("api");
    let mut responses = success_responses(endpoint, schemas);
    error_responses(endpoint, &mut responses);
    let mut op = json!({
        "summary": endpoint.summary,
        "tags": [tag],
        "responses": responses,
    });
    match endpoint.access {
        Access::Public => op["security"] = json!([]),
        Access::Admin => {
            op["description"] = json!(
                "Admins only, signed in as a person: anyone else gets 403 `admin_required`, an API \
                 key 403 `insufficient_scope`."
            );
            op["security"] = json!([{"bearer": []}]);
        }
        Access::Person => {
            op["description"] =
                json!("Signed-in people only: an API key gets 403 `insufficient_scope`.");
            op["security"] = json!([{"bearer": []}]);
        }
        Access::User(scope) => {
            op["description"] = json!(format!(
                "An API key needs the `{scope}` scope (403 `insufficient_scope` otherwise)."
            ));
            op["security"] = json!([{"bearer": []}, {"apiKey": [scope.as_str()]}]);
        }
    }
    if let Some(body) = request_body(endpoint, schemas) {
        op["requestBody"] = body;
    }
    let parameters = parameters(endpoint, schemas);
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

/// The whole document (also read by the tests that hold responses against it).
pub fn document() -> Value {
    let mut schemas = Schemas::new();
    let mut paths = Map::new();
    for endpoint in ENDPOINTS {
        let item = paths
            .entry(format!("{}/", endpoint.path))
            .or_insert_with(|| json!({}));
        item[endpoint.method] = operation(endpoint, &mut schemas);
    }
    schemas.insert("Error".into(), error_schema());
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
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "igk_…",
                    "description": "An API key of the account (`/account/api-keys`), sent as a \
                        Bearer token; each operation names the scope it needs."
                }
            },
            "schemas": schemas,
        }
    })
}

/// `{"error": {"code", "message", …}}`: every error of the API (docs/api.md), with the details
/// some codes carry (`app::common::ErrorKind`).
fn error_schema() -> Value {
    let text = json!({"type": "string"});
    let whole = json!({"type": "integer"});
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "The stable machine code"},
                "message": {"type": "string", "description": "For people"},
                "fields": {
                    "type": "object",
                    "additionalProperties": text,
                    "description": "validation_failed: what is wrong with each field"
                },
                "required": whole, "available": whole,
                "purchase_url": text, "upgrade_url": text,
                "module": text,
                "limit_key": text, "limit": whole, "used": whole,
                "retry_after_seconds": whole,
            }
        }}
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

    /// Every `$ref` anywhere in `value`.
    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_operation_documents_its_answers_and_every_schema_it_names_exists() {
        let doc = document();
        for endpoint in ENDPOINTS {
            let op = &doc["paths"][format!("{}/", endpoint.path)][endpoint.method];
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses
                    .keys()
                    .any(|status| status.starts_with('2') || status == "303"),
                "{} {} documents no successful answer",
                endpoint.method,
                endpoint.path
            );
            for status in ["422", "409", "default"] {
                assert!(
                    responses.contains_key(status),
                    "{} lacks {status}",
                    endpoint.path
                );
            }
        }
        let mut found = Vec::new();
        references(&doc, &mut found);
        assert!(found.len() > 100, "operations name their schemas");
        for reference in found {
            let name = reference.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{reference} is named but not defined"
            );
        }
        // A few answers and bodies, named by type.
        let paths = &doc["paths"];
        assert_eq!(
            paths["/billing/transactions/balance/"]["get"]["responses"]["200"]["content"]
                ["application/json"]["schema"]["$ref"],
            "#/components/schemas/BalanceView"
        );
        assert_eq!(
            paths["/auth/subscriptions/"]["post"]["requestBody"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/SubscribeRequest"
        );
        let states = &doc["components"]["schemas"]["SubscriptionStatus"]["enum"];
        assert!(states.as_array().unwrap().contains(&json!("past_due")));
        let invoices = &paths["/admin/invoices/"]["get"];
        assert!(invoices["responses"]["200"]["content"]["text/csv"].is_object());
        let names: Vec<&str> = invoices["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"page_size") && names.contains(&"format"),
            "{names:?}"
        );
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
        assert_eq!(
            paths["/auth/me/"]["get"]["security"],
            json!([{"bearer": []}, {"apiKey": ["read"]}])
        );
        assert_eq!(
            paths["/billing/invoices/"]["get"]["security"][1],
            json!({"apiKey": ["billing"]})
        );
        assert_eq!(
            paths["/account/api-keys/"]["post"]["security"],
            json!([{"bearer": []}]),
            "no key makes keys"
        );
    }
}

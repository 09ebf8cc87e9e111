//! `GET /api/v1/openapi.json`: the REST API as an OpenAPI 3.1 document, for the programs that
//! call it. Built from the table of endpoints (`endpoints.rs`); a test holds the table against the
//! paths the router registers, so a route cannot go undocumented (or a documented one missing).

use super::endpoints::{Access, Endpoint, ENDPOINTS};
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
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "igk_…",
                    "description": "An API key of the account (`/account/api-keys`), sent as a \
                        Bearer token; each operation names the scope it needs."
                }
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

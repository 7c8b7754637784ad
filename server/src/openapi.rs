//! The OpenAPI document as served: what utoipa derives from the routes,
//! completed with the answers every route of a kind gives, so generated
//! clients and fuzzers know them without each route repeating them:
//!
//! - 401 on every route that needs a token;
//! - 400 where a path id, the query string or a JSON body can be malformed;
//! - 413, 415 and 422 where a JSON body is read (too large, not JSON by
//!   Content-Type, a field that fails validation);
//! - the upload's body and the download's answer under each file type the
//!   server accepts (it refuses any other with 415), and the upload also as
//!   `application/octet-stream`, whose type the server recognises;
//! - a description on every response, as OpenAPI requires.

use serde_json::{Map, Value, json};

use crate::filestore::ALLOWED_TYPES;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

pub fn complete(mut doc: Value) -> Value {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(*method) {
                complete_operation(operation);
                if path == "/v1/files" && *method == "post" {
                    let mut types = file_types();
                    types[crate::filestore::UNTYPED] = binary();
                    operation["requestBody"]["content"] = types;
                }
                if path == "/v1/files/{id}" && *method == "get" {
                    // A download is served with the type it was uploaded as.
                    operation["responses"]["200"]["content"] = file_types();
                }
            }
        }
    }
    doc
}

fn complete_operation(operation: &mut Value) {
    let authenticated = match operation.get("security").and_then(Value::as_array) {
        // The document's default: the bearer token.
        None => true,
        // `security: [{}]` marks a public route.
        Some(requirements) => requirements
            .iter()
            .any(|r| r.as_object().is_some_and(|o| !o.is_empty())),
    };
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let has = |place: &str| parameters.iter().any(|p| p["in"] == place);
    let json_body = operation["requestBody"]["content"]
        .get("application/json")
        .is_some();

    let mut add = Vec::new();
    if authenticated {
        add.push(("401", "no token, or an expired or revoked one"));
    }
    if has("path") {
        add.push(("400", "a malformed path parameter"));
    }
    if has("query") {
        add.push(("400", "a malformed query parameter"));
    }
    if json_body {
        add.push(("400", "the body is not JSON"));
        add.push(("413", "the body is larger than the JSON limit"));
        add.push(("415", "Content-Type is not application/json"));
        add.push((
            "422",
            "a field is missing, of the wrong type or fails validation",
        ));
    }
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    for (status, description) in add {
        responses
            .entry(status)
            .or_insert_with(|| error_response(description));
    }
    // OpenAPI requires a description on every response (generators refuse
    // a document without); utoipa leaves it out where a route gave none.
    for (status, response) in responses.iter_mut() {
        if response.get("description").is_none() {
            let reason = status
                .parse::<u16>()
                .ok()
                .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                .and_then(|code| code.canonical_reason())
                .unwrap_or("the answer");
            response["description"] = Value::from(reason);
        }
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    })
}

/// The accepted file types, each as a binary body.
fn file_types() -> Value {
    let content: Map<String, Value> = ALLOWED_TYPES
        .iter()
        .map(|t| (t.to_string(), binary()))
        .collect();
    Value::Object(content)
}

fn binary() -> Value {
    json!({"schema": {"type": "string", "format": "binary"}})
}

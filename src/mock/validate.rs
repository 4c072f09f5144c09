//! Request bodies: parsed as JSON, checked field by field, answered with the errors Django REST
//! framework gives (`{"detail": "JSON parse error - ..."}`, or a 400 field map).
#![allow(clippy::result_large_err)] // The error side is the HTTP answer, made once per request.

use super::front::{detail, field_errors};
use crate::types::{CompletionRequest, MessageCreate};
use axum::response::Response;
use http::StatusCode;
use serde_json::{json, Map, Value};

/// The request body as a JSON object, or the DRF error the server would give.
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let kind = |v: &Value| match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    };
    match serde_json::from_slice::<Value>(body) {
        Err(e) => Err(detail(
            StatusCode::BAD_REQUEST,
            &format!("JSON parse error - {e}"),
        )),
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let text = format!(
                "Invalid data. Expected a dictionary, but got {}.",
                kind(&other)
            );
            Err(field_errors(one_error("nonFieldErrors", &text)))
        }
    }
}

pub(crate) fn one_error(field: &str, text: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(field.to_string(), json!([text]));
    map
}

/// A field by its camelCase name or its snake_case spelling; JSON `null` counts as absent.
fn field<'a>(map: &'a Map<String, Value>, camel: &str) -> Option<&'a Value> {
    let mut snake = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    map.get(camel)
        .or_else(|| map.get(&snake))
        .filter(|v| !v.is_null())
}

/// A required, non-blank string field; records an error otherwise.
pub(crate) fn text_field(
    map: &Map<String, Value>,
    name: &str,
    blank_ok: bool,
    errors: &mut Map<String, Value>,
) -> Option<String> {
    let problem = match field(map, name) {
        None => "This field is required.",
        Some(Value::String(s)) if s.trim().is_empty() && !blank_ok => {
            "This field may not be blank."
        }
        Some(Value::String(s)) => return Some(s.clone()),
        Some(_) => "Not a valid string.",
    };
    errors.insert(name.to_string(), json!([problem]));
    None
}

/// A UUID field's value, or the DRF error.
fn uuid_field(
    map: &Map<String, Value>,
    name: &str,
    errors: &mut Map<String, Value>,
) -> Option<String> {
    let value = text_field(map, name, false, errors)?;
    if uuid::Uuid::parse_str(value.trim()).is_err() {
        errors.insert(name.to_string(), json!(["Must be a valid UUID."]));
        return None;
    }
    Some(value.trim().to_string())
}

/// Decodes a validated body into a generated request type.
fn decode<T: serde::de::DeserializeOwned>(map: Map<String, Value>) -> Result<T, Response> {
    serde_json::from_value(Value::Object(map))
        .map_err(|e| field_errors(one_error("nonFieldErrors", &e.to_string())))
}

/// Validates a `MessageCreate` body.
pub(crate) fn message_create(body: &[u8]) -> Result<MessageCreate, Response> {
    let map = object(body)?;
    let mut errors = Map::new();
    let has_attachments = field(&map, "attachments")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let conversation = uuid_field(&map, "conversation", &mut errors);
    let content = text_field(&map, "content", has_attachments, &mut errors);
    if !errors.is_empty() || conversation.is_none() || content.is_none() {
        return Err(field_errors(errors));
    }
    let mut create: MessageCreate = decode(map)?;
    create.conversation = create.conversation.trim().to_string();
    Ok(create)
}

/// Validates a `CompletionRequest` body.
pub(crate) fn completion_request(body: &[u8]) -> Result<CompletionRequest, Response> {
    let map = object(body)?;
    let mut errors = Map::new();
    match field(&map, "message") {
        None => {
            errors.insert("message".into(), json!(["This field is required."]));
        }
        Some(Value::Object(message)) => {
            let mut inner = Map::new();
            if text_field(message, "content", false, &mut inner).is_none() {
                errors.insert("message".into(), Value::Object(inner));
            }
        }
        Some(_) => {
            let text = "Invalid data. Expected a dictionary, but got a different type.";
            errors.insert("message".into(), json!({ "nonFieldErrors": [text] }));
        }
    }
    if field(&map, "conversation").is_some() {
        uuid_field(&map, "conversation", &mut errors);
    }
    if field(&map, "isStreaming").is_some_and(|v| !v.is_boolean()) {
        errors.insert("isStreaming".into(), json!(["Must be a valid boolean."]));
    }
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    decode(map)
}

//! OpenAPI 3.0 schemas as JSON Schema (2020-12), for validating values with `jsonschema`.
//!
//! OpenAPI 3.0 schema objects are almost JSON Schema. The differences that matter here:
//!
//! * `nullable: true` has no JSON Schema meaning: it becomes
//!   `anyOf: [<the schema without nullable>, {"type": "null"}]`;
//! * a `$ref`'s sibling keywords are ignored (OpenAPI 3.0 says so; JSON Schema 2020-12 would
//!   apply them): `{$ref, nullable: true}` does not admit `null`;
//! * `$ref: "#/components/schemas/X"` points into the OpenAPI document: the converted schemas
//!   are kept at the same place (`/components/schemas`) of the root document the validator is
//!   built from, so every such reference resolves;
//! * `example` and `x-…` keywords are annotations JSON Schema ignores; they are dropped.
//!
//! Use it as `mod common;` plus `use common::openapi_schema;` from an integration test.
#![allow(dead_code)]

use serde_json::{json, Map, Value};

/// Reads `openapi/maiagent.yaml` as JSON.
pub fn load_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/maiagent.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

/// Converts one OpenAPI 3.0 schema object (and every schema inside it) to JSON Schema.
pub fn convert(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        // `additionalProperties: true`, `items: true` and the like are already JSON Schema.
        return schema.clone();
    };
    if let Some(reference) = obj.get("$ref") {
        // OpenAPI 3.0: the siblings of `$ref` (`nullable`, `description`, ...) are ignored.
        return json!({ "$ref": reference });
    }
    let mut out = Map::new();
    for (key, value) in obj {
        if key == "example" || key == "nullable" || key.starts_with("x-") {
            continue;
        }
        let converted = match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => Value::Object(
                value
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" | "propertyNames" | "contains" => {
                convert(value)
            }
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(convert)
                    .collect(),
            ),
            // `default`, `enum`, `required`, `type`, `$ref`, `description`, ...: as they are.
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    let schema = Value::Object(out);
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        json!({ "anyOf": [schema, { "type": "null" }] })
    } else {
        schema
    }
}

/// The root document a validator is built from: every component schema converted, at
/// `/components/schemas` so that `#/components/schemas/X` references resolve, and `schema`
/// (converted) as the schema to check.
pub fn root_for(spec: &Value, schema: &Value) -> Value {
    let components: Map<String, Value> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
        .unwrap_or_default();
    let mut root = match convert(schema) {
        Value::Object(m) => m,
        other => {
            // A boolean schema: wrap it.
            let mut m = Map::new();
            m.insert("allOf".into(), Value::Array(vec![other]));
            m
        }
    };
    root.insert(
        "$schema".into(),
        Value::String("https://json-schema.org/draft/2020-12/schema".into()),
    );
    root.insert("components".into(), json!({ "schemas": components }));
    Value::Object(root)
}

/// A validator for the component schema `name` of `spec`.
pub fn component_validator(spec: &Value, name: &str) -> jsonschema::Validator {
    let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
    validator(spec, &reference)
}

/// A validator for `schema`, an OpenAPI schema object of `spec` (it may reference components).
pub fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let root = root_for(spec, schema);
    jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("the converted schema is not valid JSON Schema: {e}\n{root:#}"))
}

/// The messages of every validation error of `instance` against `validator`.
pub fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path))
        .collect()
}

/// Every `example` of the spec, with the JSON pointer of the schema object (or parameter, or
/// media type) that holds it and the schema it must validate against.
pub fn examples(spec: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    walk(spec, String::new(), false, &mut out);
    out
}

fn walk(value: &Value, pointer: String, names: bool, out: &mut Vec<(String, Value, Value)>) {
    match value {
        Value::Object(obj) => {
            if !names {
                if let Some(example) = obj.get("example") {
                    // A parameter or a media type holds its schema under `schema`; a schema
                    // object is its own schema.
                    let schema = obj.get("schema").cloned().unwrap_or_else(|| value.clone());
                    out.push((pointer.clone(), schema, example.clone()));
                }
            }
            for (key, child) in obj {
                if !names && (key == "example" || key == "examples" || key.starts_with("x-")) {
                    continue;
                }
                let child_pointer =
                    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                // The keys of `properties` (and of the path and schema maps) are names, not
                // keywords: a property called `example` is not an example.
                let child_names = !names
                    && matches!(
                        key.as_str(),
                        "properties" | "paths" | "schemas" | "responses" | "content"
                    );
                walk(child, child_pointer, child_names, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{pointer}/{i}"), false, out);
            }
        }
        _ => {}
    }
}

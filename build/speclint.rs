//! Lints for `openapi/maiagent.yaml`, shared by `build.rs` (generator constructs) and
//! `cargo xtask check` (everything).
//!
//! The spec is read as plain JSON values so that this file needs nothing but `serde_json`.

use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};

/// What a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// progenitor 0.15 cannot generate it (or panics on it).
    Generator,
    /// A response schema would reject a value the vendor documents.
    Tolerance,
}

/// One problem found in the spec.
#[derive(Debug, Clone)]
pub struct Problem {
    /// What it breaks.
    pub kind: Kind,
    /// Where it is and what is wrong, naming the operation or schema.
    pub message: String,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Lints a whole spec.
pub fn lint(spec: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut gen = |m: String| {
        out.push(Problem {
            kind: Kind::Generator,
            message: m,
        })
    };
    match spec.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        other => gen(format!(
            "`openapi: {}`: progenitor 0.15 reads OpenAPI 3.0.x only",
            other.unwrap_or("<missing>")
        )),
    }
    let empty = serde_json::Map::new();
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut response_roots = Vec::new();
    for (path, item) in paths {
        if item.get("$ref").is_some() {
            gen(format!(
                "path `{path}`: a `$ref` path item is not supported"
            ));
            continue;
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let name = match op.get("operationId").and_then(Value::as_str) {
                Some(id) => format!("operation `{id}` ({} {path})", method.to_uppercase()),
                None => {
                    gen(format!(
                        "{} {path}: no `operationId` (progenitor names methods after it)",
                        method.to_uppercase()
                    ));
                    format!("{} {path}", method.to_uppercase())
                }
            };
            lint_parameters(op, &name, &mut gen);
            if let Some(body) = op.get("requestBody") {
                let content = body.get("content").and_then(Value::as_object);
                let n = content.map_or(0, |c| c.len());
                if n > 1 {
                    gen(format!(
                        "{name}: a request body with {n} media types (progenitor: todo!)"
                    ));
                }
                for (mt, media) in content.into_iter().flatten() {
                    if mt.starts_with("multipart/") {
                        gen(format!("{name}: `{mt}` request bodies are not supported"));
                    }
                    if mt.contains("json") && media.get("schema").is_none() {
                        gen(format!("{name}: JSON request body without a schema"));
                    }
                }
            }
            let mut success = BTreeSet::new();
            let mut error_kinds = BTreeSet::new();
            for (status, resp) in op
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
            {
                let content = resp.get("content").and_then(Value::as_object);
                let shape = match content {
                    None => "no body".to_string(),
                    Some(c) => {
                        let json = c.iter().find(|(mt, _)| mt.contains("json"));
                        match json {
                            Some((_, media)) => match media.get("schema") {
                                Some(s) => {
                                    response_roots.push(s.clone());
                                    format!("json {s}")
                                }
                                None => {
                                    gen(format!(
                                        "{name}: response {status} is JSON without a schema (progenitor: todo!)"
                                    ));
                                    "json".into()
                                }
                            },
                            None => "bytes".into(),
                        }
                    }
                };
                if status.starts_with('2') {
                    success.insert(shape);
                } else {
                    error_kinds.insert(if shape == "no body" { "none" } else { "some" });
                }
            }
            if success.len() > 1 {
                gen(format!(
                    "{name}: {} different success responses (progenitor panics: response_types.len() <= 1)",
                    success.len()
                ));
            }
            if error_kinds.len() > 1 {
                gen(format!(
                    "{name}: error responses mix bodies and no body (progenitor panics)"
                ));
            }
        }
    }
    lint_tolerance(spec, response_roots, &mut out);
    out
}

fn lint_parameters(op: &Value, name: &str, gen: &mut impl FnMut(String)) {
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pname = p.get("name").and_then(Value::as_str).unwrap_or("?");
        if p.get("in").and_then(Value::as_str) == Some("cookie") {
            gen(format!(
                "{name}: cookie parameter `{pname}` is not supported"
            ));
        }
        if p.get("style").and_then(Value::as_str) == Some("deepObject") {
            gen(format!(
                "{name}: deepObject parameter `{pname}` is not supported"
            ));
        }
    }
}

/// Walks every schema reachable from a response and reports constraints that would reject a
/// documented value.
fn lint_tolerance(spec: &Value, roots: Vec<Value>, out: &mut Vec<Problem>) {
    let schemas = spec.pointer("/components/schemas");
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<(String, Value)> = roots
        .into_iter()
        .map(|s| ("response".to_string(), s))
        .collect();
    while let Some((at, schema)) = queue.pop_front() {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            if schema.get("nullable") == Some(&Value::Bool(true)) {
                out.push(Problem {
                    kind: Kind::Tolerance,
                    message: format!(
                        "schema `{at}` (read from responses): `nullable: true` beside `$ref` is ignored in OpenAPI 3.0, so `null` would be rejected; write `nullable: true` with `allOf: [{{$ref: \"{r}\"}}]`"
                    ),
                });
            }
            let name = r.trim_start_matches("#/components/schemas/").to_string();
            if seen.insert(name.clone()) {
                if let Some(s) = schemas.and_then(|s| s.get(&name)) {
                    queue.push_back((name, s.clone()));
                } else {
                    out.push(Problem {
                        kind: Kind::Generator,
                        message: format!("{at}: dangling reference `{r}`"),
                    });
                }
            }
            continue;
        }
        let Some(obj) = schema.as_object() else {
            continue;
        };
        let mut bad = |what: &str| {
            out.push(Problem {
                kind: Kind::Tolerance,
                message: format!(
                    "schema `{at}` (read from responses): {what} would reject values the server may send"
                ),
            })
        };
        if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
            bad("`additionalProperties: false`");
        }
        if obj.contains_key("enum") {
            bad("a closed `enum` (use an open enum: `x-maiagent-open-enum`)");
        }
        for key in ["pattern", "minLength", "maxLength", "format"] {
            let allowed_format = key == "format"
                && matches!(
                    obj.get(key).and_then(Value::as_str),
                    Some("int64" | "int32" | "double" | "float" | "binary")
                );
            if obj.contains_key(key) && !allowed_format {
                bad(&format!("`{key}`"));
            }
        }
        for (k, v) in obj {
            match k.as_str() {
                "properties" => {
                    for (p, s) in v.as_object().into_iter().flatten() {
                        queue.push_back((format!("{at}.{p}"), s.clone()));
                    }
                }
                "items" | "additionalProperties" | "not" => {
                    queue.push_back((format!("{at}.{k}"), v.clone()))
                }
                "allOf" | "anyOf" | "oneOf" => {
                    for s in v.as_array().into_iter().flatten() {
                        queue.push_back((format!("{at}.{k}"), s.clone()));
                    }
                }
                _ => {}
            }
        }
    }
}

//! The operation table: one `Operation` variant per operation of the spec, with its method, path
//! template, parameters, pagination style, media types and idempotency, and the `Page` impls of
//! the listings' response types. The facade, the mock and the tests read this table; nothing
//! hand-written lists operations.

use serde_json::Value;
use std::fmt::Write;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

struct Op {
    id: String,
    variant: String,
    method: String,
    path: String,
    summary: String,
    path_params: Vec<String>,
    query_params: Vec<String>,
    pagination: Option<&'static str>,
    request_media: Option<String>,
    response_media: Vec<String>,
    idempotent: bool,
    page: Option<(String, String)>,
}

/// The Rust source of the table (included by `src/operation.rs`).
pub fn generate(spec: &Value) -> Result<String, String> {
    let ops = operations(spec)?;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "/// Every operation of the spec, in the order of its paths."
    );
    let _ = writeln!(
        w,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]"
    );
    let _ = writeln!(w, "#[non_exhaustive]\npub enum Operation {{");
    for op in &ops {
        let _ = writeln!(
            w,
            "    #[doc = {:?}]\n    {},",
            format!(
                "`{} {}` (`{}`): {}",
                op.method.to_uppercase(),
                op.path,
                op.id,
                op.summary
            ),
            op.variant
        );
    }
    let _ = writeln!(w, "}}\n");
    let _ = writeln!(w, "impl Operation {{");
    let _ = writeln!(w, "    /// Every operation, in the order of the spec.");
    let _ = writeln!(w, "    pub const ALL: &'static [Operation] = &[");
    for op in &ops {
        let _ = writeln!(w, "        Operation::{},", op.variant);
    }
    let _ = writeln!(w, "    ];\n");
    let _ = writeln!(
        w,
        "    /// The operation's entry in the table.\n    pub const fn spec(self) -> &'static OperationSpec {{\n        match self {{"
    );
    for (i, op) in ops.iter().enumerate() {
        let _ = writeln!(w, "            Operation::{} => &TABLE[{i}],", op.variant);
    }
    let _ = writeln!(w, "        }}\n    }}\n}}\n");
    let _ = writeln!(w, "static TABLE: [OperationSpec; {}] = [", ops.len());
    for op in &ops {
        let _ = writeln!(
            w,
            "    OperationSpec {{\n        id: {:?},\n        method: Method::{},\n        path: {:?},\n        path_params: &{:?},\n        query_params: &{:?},\n        pagination: {},\n        request_media: {},\n        response_media: &{:?},\n        idempotent: {},\n    }},",
            op.id,
            op.method.to_uppercase(),
            op.path,
            op.path_params,
            op.query_params,
            match op.pagination {
                Some(p) => format!("Some(Pagination::{p})"),
                None => "None".into(),
            },
            match &op.request_media {
                Some(m) => format!("Some({m:?})"),
                None => "None".into(),
            },
            op.response_media,
            op.idempotent,
        );
    }
    let _ = writeln!(w, "];\n");
    for op in &ops {
        if let Some((page, item)) = &op.page {
            let _ = writeln!(w, "impl_page!({page}, {item}, Operation::{});", op.variant);
        }
    }
    Ok(out)
}

fn operations(spec: &Value) -> Result<Vec<Op>, String> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut ops = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            ops.push(operation(spec, path, method, item, op)?);
        }
    }
    Ok(ops)
}

fn operation(
    spec: &Value,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
) -> Result<Op, String> {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{method} {path}: no operationId"))?
        .to_string();
    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    let params = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for param in params {
        let param = resolve(spec, param);
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match param.get("in").and_then(Value::as_str) {
            Some("path") => path_params.push(name.to_string()),
            Some("query") => query_params.push(name.to_string()),
            _ => {}
        }
    }
    // Path parameters in the order they appear in the template.
    path_params.sort_by_key(|p| path.find(&format!("{{{p}}}")).unwrap_or(usize::MAX));
    let pagination = match op.get("x-maiagent-pagination").and_then(Value::as_str) {
        Some("cursor") => Some("Cursor"),
        Some("page") => Some("PageNumber"),
        Some(other) => return Err(format!("{id}: unknown x-maiagent-pagination {other:?}")),
        None if query_params.iter().any(|q| q == "cursor") => Some("Cursor"),
        None if query_params.iter().any(|q| q == "page") => Some("PageNumber"),
        None => None,
    };
    // A body progenitor cannot generate (multipart) is declared in `x-maiagent-request-body`,
    // written as a `requestBody` would be.
    let request_media = op
        .pointer("/requestBody/content")
        .or_else(|| op.pointer("/x-maiagent-request-body/content"))
        .and_then(Value::as_object)
        .and_then(|c| c.keys().next().cloned());
    let success = op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| {
            r.iter()
                .find(|(status, _)| status.starts_with('2'))
                .map(|(_, v)| resolve(spec, v))
        });
    let response_media: Vec<String> = success
        .and_then(|r| r.get("content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let idempotent = op
        .get("x-maiagent-idempotent")
        .and_then(Value::as_bool)
        .unwrap_or(matches!(
            method,
            "get" | "head" | "put" | "delete" | "options"
        ));
    let page = match pagination {
        Some(_) => Some(page_types(spec, &id, success)?),
        None => None,
    };
    Ok(Op {
        variant: pascal(&id),
        summary: op
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string(),
        method: method.to_string(),
        path: path.trim_start_matches('/').to_string(),
        path_params,
        query_params,
        pagination,
        request_media,
        response_media,
        idempotent,
        page,
        id,
    })
}

/// The page schema of a listing and the schema of its `results` items, both `$ref`s.
fn page_types(spec: &Value, id: &str, success: Option<&Value>) -> Result<(String, String), String> {
    let schema = success
        .and_then(|r| r.pointer("/content/application~1json/schema"))
        .ok_or_else(|| format!("{id}: a paginated listing needs a JSON response schema"))?;
    let page = ref_name(schema).ok_or_else(|| format!("{id}: the page schema must be a $ref"))?;
    let items = resolve(spec, schema)
        .pointer("/properties/results/items")
        .ok_or_else(|| format!("{id}: the page schema {page} has no `results` array"))?;
    let item = ref_name(items).ok_or_else(|| format!("{id}: `results` items must be a $ref"))?;
    Ok((page.to_string(), item.to_string()))
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.rsplit('/').next()
}

/// Follows a `$ref` within the spec (one level is all the spec uses).
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap_or(value),
        None => value,
    }
}

/// `conversations_get` → `ConversationsGet`.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            let first = c.next().map(|f| f.to_ascii_uppercase());
            first.into_iter().chain(c).collect::<String>()
        })
        .collect()
}

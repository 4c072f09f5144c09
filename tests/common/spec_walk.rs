//! One walk over the operations of `openapi/maiagent.yaml`: every path template and method with
//! its operation object, and the match of a request path to the templates.
//!
//! Tests that only need the list of operations use the generated table
//! (`maiagent::Operation::ALL`, `Operation::spec()`); this walk is for tests that read the spec
//! itself (its parameters, bodies and responses) or check the table against it.

use serde_json::Value;

/// The methods a path item holds operations under (OpenAPI 3), lower case.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the spec, where the walk found it.
#[derive(Debug, Clone, Copy)]
pub struct SpecOperation<'a> {
    /// The path template, relative to the server URL (`/conversations/{id}/`).
    pub template: &'a str,
    /// The method, lower case as the spec spells it.
    pub method: &'static str,
    /// The path item, for the parameters its operations share.
    pub item: &'a Value,
    /// The operation object.
    pub op: &'a Value,
}

impl SpecOperation<'_> {
    /// The operationId (`<none>` if the spec gives none).
    pub fn id(&self) -> &str {
        self.op["operationId"].as_str().unwrap_or("<none>")
    }

    /// How many `{param}` segments the template has.
    pub fn path_params(&self) -> usize {
        self.template
            .split('/')
            .filter(|part| is_param(part))
            .count()
    }
}

/// Every operation of the spec, in the spec's order of paths, then [`METHODS`] order.
pub fn operations(spec: &Value) -> Vec<SpecOperation<'_>> {
    let mut out = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("`paths` is a map") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push(SpecOperation {
                    template,
                    method,
                    item,
                    op,
                });
            }
        }
    }
    out
}

/// Whether `template` fits the `/`-separated `segments` of a request path (relative to the base
/// URL): the same number of segments, each literal equal, each `{param}` non-empty.
pub fn fits(template: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = template.split('/').collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(t, s)| if is_param(t) { !s.is_empty() } else { t == s })
}

/// The operations under `method` (any case) whose template fits `path` (relative to the base
/// URL, with its leading `/`).
pub fn matching<'a>(spec: &'a Value, method: &str, path: &str) -> Vec<SpecOperation<'a>> {
    let segments: Vec<&str> = path.split('/').collect();
    operations(spec)
        .into_iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method) && fits(op.template, &segments))
        .collect()
}

fn is_param(part: &str) -> bool {
    part.starts_with('{') && part.ends_with('}')
}

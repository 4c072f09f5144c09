//! The operation table, generated from `openapi/maiagent.yaml` by `build/table.rs`.
//!
//! Every operation of the spec is one [`Operation`], and [`Operation::spec`] says how it is
//! called: method, path template, parameters, pagination style, media types, and whether it may
//! be retried after it reached the server. The client's calls, its retry rules, the mock's router
//! and the tests all read this table, so an operation added to the spec reaches all of them.
//!
//! ```
//! use maiagent::{Operation, Pagination};
//!
//! let get = Operation::ConversationsGet.spec();
//! assert_eq!(get.method, http::Method::GET);
//! assert_eq!(get.path, "conversations/{id}/");
//! assert!(get.idempotent);
//! assert_eq!(Operation::ConversationsList.spec().pagination, Some(Pagination::Cursor));
//! assert!(Operation::ALL.iter().any(|op| !op.spec().idempotent));
//! ```

use http::Method;

/// How a listing's pages follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pagination {
    /// `?cursor=` taken from each page's `next` link.
    Cursor,
    /// `?page=` numbers, 1 first.
    PageNumber,
}

/// One operation of the spec: how it is called.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationSpec {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template relative to the base URL, with its trailing slash
    /// (`conversations/{id}/`).
    pub path: &'static str,
    /// The names of the path parameters, in the order they appear in the template.
    pub path_params: &'static [&'static str],
    /// The names of the query parameters.
    pub query_params: &'static [&'static str],
    /// The pagination style of a listing.
    pub pagination: Option<Pagination>,
    /// The request body's media type, when the operation takes a body.
    pub request_media: Option<&'static str>,
    /// The media types of the success response (`application/json`, `text/event-stream`, ...).
    pub response_media: &'static [&'static str],
    /// Whether the operation may be sent again after it reached the server: GET, HEAD, PUT and
    /// DELETE are; POST and PATCH are not unless the spec marks them `x-maiagent-idempotent`.
    pub idempotent: bool,
}

/// The bytes percent-encoded in a path parameter: the set of the generated client
/// (`progenitor_client::encode_path`), so both clients send the same path (a test checks it).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

impl Operation {
    /// The spec's `operationId`.
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    /// The path with its parameters filled in, each percent-encoded as one path segment.
    /// Returns `None` when `values` does not hold one non-empty value per path parameter.
    ///
    /// ```
    /// use maiagent::Operation;
    ///
    /// let path = Operation::ConversationsGet.path_with(&["a b/c"]).unwrap();
    /// assert_eq!(path, "conversations/a%20b%2Fc/");
    /// assert_eq!(Operation::ConversationsGet.path_with(&[""]), None);
    /// ```
    pub fn path_with(self, values: &[&str]) -> Option<String> {
        let spec = self.spec();
        if values.len() != spec.path_params.len() || values.iter().any(|v| v.is_empty()) {
            return None;
        }
        // One pass over the template, each `{name}` replaced by its value's encoding.
        let mut path =
            String::with_capacity(spec.path.len() + values.iter().map(|v| v.len()).sum::<usize>());
        let mut used = [false; 8];
        let mut rest = spec.path;
        while let Some(open) = rest.find('{') {
            let (literal, tail) = rest.split_at(open);
            path.push_str(literal);
            let Some(close) = tail.find('}') else {
                rest = tail;
                break;
            };
            let name = &tail[1..close];
            let slot = spec.path_params.iter().position(|p| *p == name);
            match slot.filter(|&i| !used.get(i).copied().unwrap_or(false)) {
                Some(i) => {
                    if let Some(seen) = used.get_mut(i) {
                        *seen = true;
                    }
                    path.extend(percent_encoding::utf8_percent_encode(
                        values[i],
                        PATH_SEGMENT,
                    ));
                }
                None => path.push_str(&tail[..=close]),
            }
            rest = &tail[close + 1..];
        }
        path.push_str(rest);
        Some(path)
    }

    /// The operation a request names: its method and its path relative to the base URL
    /// (`conversations/abc/`, with or without the leading slash; the trailing slash is
    /// required, as the API requires it). A literal segment wins over a parameter
    /// (`messages/outgoing/` is not `messages/{id}/`).
    ///
    /// ```
    /// use maiagent::Operation;
    /// use http::Method;
    ///
    /// assert_eq!(Operation::classify(&Method::GET, "conversations/abc/"), Some(Operation::ConversationsGet));
    /// assert_eq!(Operation::classify(&Method::POST, "messages/outgoing/"), Some(Operation::MessagesOutgoingCreate));
    /// assert_eq!(Operation::classify(&Method::GET, "conversations/abc"), None);
    /// ```
    pub fn classify(method: &Method, path: &str) -> Option<Operation> {
        let path = path.trim_start_matches('/').strip_suffix('/')?;
        let segments: Vec<&str> = path.split('/').collect();
        Operation::ALL
            .iter()
            .filter(|op| op.spec().method == *method)
            .filter_map(|op| {
                let template = op.spec().path.strip_suffix('/')?;
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literal = 0usize;
                for (part, segment) in parts.iter().zip(&segments) {
                    if part.starts_with('{') {
                        if segment.is_empty() {
                            return None;
                        }
                    } else if part == segment {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, *op))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
    }

    /// Whether a success response may be a `text/event-stream`.
    pub fn streams(self) -> bool {
        self.spec().response_media.contains(&"text/event-stream")
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

use crate::pagination::impl_page;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_encoded_as_the_generated_client_encodes_them() {
        let every_char: String = (1u8..=127).map(char::from).chain("é對話".chars()).collect();
        let ids = [
            "8e44604a-8278-4c96-96b5-3e5a0548d738",
            "324816370485542537671391323877394598747",
            "-",
            "AZaz09-",
        ];
        let others = [every_char.as_str(), "a b/c", "%41", "{id}", "..", "x?y#z"];
        for value in ids.into_iter().chain(others) {
            assert_eq!(
                Operation::ConversationsGet.path_with(&[value]),
                Some(format!(
                    "conversations/{}/",
                    progenitor_client::encode_path(value)
                )),
                "{value:?}"
            );
        }
        let two = Operation::ALL
            .iter()
            .find(|op| op.spec().path_params.len() == 2)
            .expect("an operation with two path parameters");
        let path = two.path_with(&["a/1", "b 2"]).unwrap();
        let mut expected = two.spec().path.to_string();
        for (name, value) in two.spec().path_params.iter().zip(["a/1", "b 2"]) {
            expected = expected.replacen(
                &format!("{{{name}}}"),
                &progenitor_client::encode_path(value),
                1,
            );
        }
        assert_eq!(path, expected);
    }

    #[test]
    fn every_path_starts_with_a_literal_segment() {
        // The transport resolves a filled-in path against the base URL: a first segment that
        // is literal (no parameter, no `:`) can never read as a scheme or a host.
        for op in Operation::ALL {
            let path = op.spec().path;
            let first = path.split('/').next().unwrap_or_default();
            assert!(
                !first.is_empty()
                    && first
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{op}: {path}"
            );
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/maiagent_operations.rs"));

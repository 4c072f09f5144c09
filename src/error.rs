//! The one error type of the SDK.

use reqwest::StatusCode;
use std::time::Duration;

/// A transport error of either HTTP client, as [`Error::Connection`] holds it.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many bytes of an error body, or of a value that failed to decode, an error keeps (as
/// UTF-8 text, after invalid bytes are replaced).
pub(crate) const BODY_SNIPPET_LIMIT: usize = 64 * 1024;

/// How many bytes of such a snippet an error's `Display` shows.
pub(crate) const DISPLAY_SNIPPET_LIMIT: usize = 1024;

/// Everything that can go wrong when talking to MaiAgent.
///
/// ```
/// # async fn run(client: maiagent::Client) {
/// match client.conversations().get("8e44604a-8278-4c96-96b5-3e5a0548d738").await {
///     Ok(conversation) => println!("{:?}", conversation.title),
///     Err(e) if e.is_not_found() => println!("no such conversation"),
///     Err(e) => eprintln!("MaiAgent failed: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status that is not a success.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The connection failed, or broke before the response was complete.
    #[error("connection to MaiAgent failed: {source}")]
    Connection {
        /// The transport error: a `hyper_util` client error from the SDK's own HTTP client, a
        /// `reqwest::Error` from a `reqwest::Client` ([`ClientBuilder::http_client`](crate::ClientBuilder::http_client)),
        /// or a message (too many redirects).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// Whether the request provably never reached the server (connection refused).
        never_sent: bool,
    },
    /// No complete answer within the request timeout.
    #[error("MaiAgent did not answer within {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// A streaming reply sent nothing for longer than the idle timeout.
    #[error("the reply stream was idle for more than {after:?}")]
    IdleTimeout {
        /// The idle timeout that expired.
        after: Duration,
    },
    /// A response body (or a webhook body) is not the JSON the API documents.
    #[error(
        "cannot decode {what}: {source}; body starts with: {}",
        prefix(snippet, DISPLAY_SNIPPET_LIMIT)
    )]
    Decode {
        /// What was being decoded, with the path of the failing field when known
        /// (``the webhook body at `sender.id` ``).
        what: String,
        /// The start of the body: at most 64 KiB of UTF-8 (invalid bytes replaced). `Display`
        /// shows its first 1 KiB at most.
        snippet: String,
        /// The decoder's error, which names the field and why.
        #[source]
        source: serde_json::Error,
    },
    /// A reply stream ended before its `done: true` event: the reply is incomplete.
    #[error("the reply stream ended before its final event ({received} events received)")]
    StreamTruncated {
        /// How many events arrived before the end.
        received: usize,
    },
    /// A stream event is larger than the configured limit.
    #[error("a stream event exceeds the {limit}-byte limit")]
    EventTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A response body is larger than the configured limit
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size), or the
    /// call's `max_response_size`); reading stopped there.
    #[error("the response exceeds the {limit}-byte limit ({})", match announced {
        Some(length) => format!("Content-Length: {length}"),
        None => format!("{received} bytes received"),
    })]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// How many bytes had arrived when reading stopped (0 when `Content-Length` already
        /// exceeded the limit).
        received: u64,
        /// The `Content-Length` the server announced, when that alone exceeded the limit.
        announced: Option<u64>,
    },
    /// A stream event's data is not valid JSON.
    #[error(
        "invalid stream event: {source}; data starts with: {}",
        prefix(data, DISPLAY_SNIPPET_LIMIT)
    )]
    InvalidEvent {
        /// The start of the event's data: at most 64 KiB of UTF-8 (invalid bytes replaced).
        /// `Display` shows its first 1 KiB at most.
        data: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// Pagination met the same cursor twice: the server sent a loop.
    #[error("pagination loop at {cursor:?}: the listing does not advance")]
    PaginationLoop {
        /// The repeated cursor.
        cursor: String,
    },
    /// The client is not configured correctly (for example, no API key).
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The server redirected an `https` request to plain `http`; the redirect was not followed,
    /// so that no part of the exchange travels in cleartext.
    #[error("refused a redirect from https to plain http ({location})")]
    InsecureRedirect {
        /// Where the server redirected to (without credentials or query).
        location: String,
    },
    /// The request cannot be built from the given input.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
    /// A local file operation failed (saving a download, reading a file to upload).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The Redis server of a shared [`ReplyHub`](crate::webhook::ReplyHub) (feature `redis`)
    /// cannot be reached or failed a command.
    #[error("Redis failed while {action}: {source}")]
    Redis {
        /// What was being done, with the server's address (never its password).
        action: String,
        /// The Redis client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The storage host refused a presigned upload (see [`crate::upload`]).
    #[error("{0}")]
    Storage(Box<crate::upload::StorageError>),
    /// A knowledge-base file ended `failed`: MaiAgent could not process it.
    #[error("knowledge-base file {file} failed to process: {}", reason.as_deref().unwrap_or("the server gave no reason"))]
    FileProcessingFailed {
        /// The file's id.
        file: String,
        /// The server's reason, when it sent one.
        reason: Option<String>,
    },
    /// A knowledge-base file was still not processed when the wait ended.
    #[error("knowledge-base file {file} is still {status} after {after:?}")]
    StillProcessing {
        /// The file's id.
        file: String,
        /// Its last status (`initial`, `processing`, ...).
        status: String,
        /// How long the wait lasted.
        after: Duration,
    },
}

/// A non-success answer from the server, with everything it said.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body as text: at most 64 KiB of UTF-8, invalid bytes replaced (an HTML error page
    /// stays text). `Display` shows at most its first 200 characters, or its `detail` or field
    /// errors.
    pub body: String,
    /// The body parsed as JSON, when it is JSON: Django REST framework sends
    /// `{"detail": "..."}` or a map from field names to lists of messages.
    pub json: Option<serde_json::Value>,
    /// The request id header of the answer (`x-request-id` or similar), when present.
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`), when it did.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The `detail` message of a Django REST framework error body.
    pub fn detail(&self) -> Option<&str> {
        self.json.as_ref()?.get("detail")?.as_str()
    }

    /// The field errors of a 400 body, flattened to `(path, message)` pairs; nested fields are
    /// joined with dots (`message.content`) and list positions with their index.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(serde_json::Value::Object(map)) = &self.json {
            for (k, v) in map {
                if k != "detail" {
                    flatten_field_errors(k.clone(), v, &mut out);
                }
            }
        }
        out
    }
}

fn flatten_field_errors(path: String, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match v {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            for item in items {
                flatten_field_errors(path.clone(), item, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten_field_errors(format!("{path}.{i}"), item, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                flatten_field_errors(format!("{path}.{k}"), item, out);
            }
        }
        other => out.push((path, other.to_string())),
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MaiAgent answered HTTP {}", self.status)?;
        if let Some(detail) = self.detail() {
            write!(f, ": {detail}")?;
        } else {
            let fields = self.field_errors();
            if !fields.is_empty() {
                let text: Vec<String> = fields.iter().map(|(k, m)| format!("{k}: {m}")).collect();
                write!(f, ": {}", text.join("; "))?;
            } else if !self.body.is_empty() && self.json.is_none() {
                let first: String = self.body.chars().take(200).collect();
                write!(f, ": {}", first.trim())?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl Error {
    /// The HTTP status, for errors that are answers from the server (or from the storage host,
    /// for [`Error::Storage`]).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Storage(e) => Some(e.status),
            _ => None,
        }
    }

    /// The server's answer, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// 404: the id does not exist (or the path is wrong).
    pub fn is_not_found(&self) -> bool {
        self.api_error().map(|e| e.status) == Some(StatusCode::NOT_FOUND)
    }

    /// 401 or 403: the API key is missing, wrong, or not allowed to do this.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.api_error().map(|e| e.status),
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        )
    }

    /// 429: too many requests.
    pub fn is_rate_limited(&self) -> bool {
        self.api_error().map(|e| e.status) == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether trying the same request again later may succeed: connection failures,
    /// timeouts, 408, 429 and 5xx. The SDK's own retries are narrower: a request that creates
    /// something is retried only when it provably never reached the server, or on 429 and 503
    /// (see [`RetryPolicy`](crate::RetryPolicy)), and a stream never once it started.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connection { .. } | Error::Timeout { .. } | Error::IdleTimeout { .. } => true,
            Error::Api(e) => {
                e.status == StatusCode::REQUEST_TIMEOUT
                    || e.status == StatusCode::TOO_MANY_REQUESTS
                    || e.status.is_server_error()
            }
            _ => false,
        }
    }

    pub(crate) fn decode(what: &str, body: &[u8], source: serde_json::Error) -> Self {
        Error::Decode {
            what: what.to_string(),
            snippet: snippet(body),
            source,
        }
    }

    pub(crate) fn from_transport(source: reqwest::Error) -> Self {
        if let Some(location) = crate::redirect::refused_downgrade(&source) {
            return Error::InsecureRedirect { location };
        }
        Self::connection(source.is_connect(), source)
    }

    /// [`Error::Connection`] from `source` (an error or a message); `never_sent` when the
    /// connection was never made.
    pub(crate) fn connection(never_sent: bool, source: impl Into<BoxError>) -> Self {
        Error::Connection {
            source: source.into(),
            never_sent,
        }
    }
}

/// The start of `bytes` as text: invalid UTF-8 is replaced, and the result is at most
/// [`BODY_SNIPPET_LIMIT`] bytes, cut on a character boundary (a replacement character is 3
/// bytes, so converting first and cutting after keeps the bound).
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let cut = bytes.get(..BODY_SNIPPET_LIMIT).unwrap_or(bytes);
    let mut text = String::from_utf8_lossy(cut).into_owned();
    let keep = prefix(&text, BODY_SNIPPET_LIMIT).len();
    text.truncate(keep);
    text
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    text.get(..end).unwrap_or_default()
}

/// Reads an unsuccessful response into an [`ApiError`], keeping at most 64 KiB of its body.
pub(crate) async fn api_error(mut response: reqwest::Response) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = BODY_SNIPPET_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
        if body.len() >= BODY_SNIPPET_LIMIT {
            break;
        }
    }
    let json = serde_json::from_slice(&body).ok();
    let request_id = crate::response::request_id(&headers).map(str::to_string);
    Error::Api(Box::new(ApiError {
        status,
        body: snippet(&body),
        json,
        request_id,
        retry_after: crate::retry::retry_after(&headers),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> Error {
        Error::Api(Box::new(ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.into(),
            json: serde_json::from_str(body).ok(),
            request_id: Some("req-1".into()),
            retry_after: None,
        }))
    }

    #[test]
    fn drf_bodies_flat_nested_and_detail() {
        let flat = api(400, r#"{"webChat": ["This field is required."]}"#);
        assert_eq!(
            flat.api_error().unwrap().field_errors(),
            vec![("webChat".into(), "This field is required.".into())]
        );
        assert_eq!(
            flat.to_string(),
            "MaiAgent answered HTTP 400 Bad Request: webChat: This field is required. (request id req-1)"
        );
        let nested = api(
            400,
            r#"{"message": {"content": ["Required."], "attachments": [{}, {"file": ["Invalid URL."]}]}}"#,
        );
        assert_eq!(
            nested.api_error().unwrap().field_errors(),
            vec![
                ("message.attachments.1.file".into(), "Invalid URL.".into()),
                ("message.content".into(), "Required.".into()),
            ]
        );
        for (status, auth, found) in [(401, true, true), (403, true, true), (404, false, false)] {
            let e = api(status, r#"{"detail": "Nope."}"#);
            assert_eq!(e.is_auth(), auth);
            assert_eq!(e.is_not_found(), !found);
            assert_eq!(e.api_error().unwrap().detail(), Some("Nope."));
            assert!(e.to_string().ends_with(": Nope. (request id req-1)"), "{e}");
        }
        let html = api(500, "<html><body>Server Error</body></html>");
        assert!(html.api_error().unwrap().json.is_none());
        assert!(html.to_string().contains("<html>"), "{html}");
        assert!(html.is_retryable());
    }

    #[test]
    fn snippets_are_bounded() {
        let big = vec![b'a'; BODY_SNIPPET_LIMIT * 2];
        assert_eq!(snippet(&big).len(), BODY_SNIPPET_LIMIT);
        // Every byte invalid: each becomes a 3-byte replacement character.
        let invalid = vec![0xff; BODY_SNIPPET_LIMIT * 2];
        let text = snippet(&invalid);
        assert!(text.len() <= BODY_SNIPPET_LIMIT, "{}", text.len());
        assert!(text.len() > BODY_SNIPPET_LIMIT - 3);
        assert!(text.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
        // A 4-byte character across the limit is left out whole.
        let mut edge = vec![b'a'; BODY_SNIPPET_LIMIT - 1];
        edge.extend_from_slice("😀".as_bytes());
        assert_eq!(snippet(&edge).len(), BODY_SNIPPET_LIMIT - 1);
    }

    #[test]
    fn displays_show_a_bounded_prefix() {
        let source = || serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let body = vec![0xff; BODY_SNIPPET_LIMIT * 2];
        let decode = Error::decode("the response", &body, source());
        let event = Error::InvalidEvent {
            data: snippet(&body),
            source: source(),
        };
        for e in [decode, event] {
            let text = e.to_string();
            assert!(text.len() < DISPLAY_SNIPPET_LIMIT + 200, "{}", text.len());
            assert!(text.ends_with(char::REPLACEMENT_CHARACTER), "{text}");
        }
    }
}

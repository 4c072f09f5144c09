//! The one transport path: every request of the facade (JSON calls, reply streams, downloads)
//! is sent by [`execute`], which adds the `Authorization` header, applies per-call headers and
//! query parameters, runs the retry loop, bounds each attempt by the request timeout and the
//! whole call by its deadline, turns a non-success answer into [`Error::Api`] (its body read
//! with a bound), and records one `tracing` span per call.

mod attempts;
mod body;
mod direct;
mod sender;

pub(crate) use body::{decode, read_json, read_json_boxed, Reading};
pub(crate) use direct::Direct;
pub(crate) use sender::{Outgoing, Sender};

use crate::call::CallOptions;
use crate::deadline::timeout_after;
use crate::{Client, Error, Operation};
use bytes::Bytes;
use futures::future::Either;
use std::future::Future;
use std::num::NonZeroU32;
use std::time::Duration;
use tracing::{field, Instrument};

/// A request ready to send: an operation of the table with its path filled in, or a raw
/// request ([`Client::api`]).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The operation, or `None` for a raw request.
    pub(crate) operation: Option<Operation>,
    pub(crate) method: reqwest::Method,
    /// Whether the request may be sent again after it reached the server.
    pub(crate) idempotent: bool,
    /// The path relative to the base URL, or why it could not be built.
    pub(crate) path: Result<String, String>,
    pub(crate) query: Vec<(&'static str, String)>,
    /// The body, behind a pointer: most calls (GETs) have none, and the request stays small.
    pub(crate) body: Option<Box<Body>>,
    pub(crate) accept: &'static str,
    /// How many items a page answering this request should hold (the page size a listing asked
    /// for): the page's list is sized for them up front.
    pub(crate) page_len: Option<NonZeroU32>,
}

/// The name of `operation` in errors and spans: its operationId, or `api` for a raw request.
pub(crate) fn name_of(operation: Option<Operation>) -> &'static str {
    operation.map_or("api", Operation::id)
}

/// A request's body.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    /// The media type, when it is not JSON (a multipart form).
    pub(crate) media: Option<String>,
}

impl Request {
    /// `operation` with `path_params` filled into its path template.
    pub(crate) fn new(operation: Operation, path_params: &[&str]) -> Self {
        let path = operation.path_with(path_params).ok_or_else(|| {
            let names = operation.spec().path_params.join(", ");
            format!("{operation} needs a non-empty value for each of: {names}")
        });
        let spec = operation.spec();
        Self {
            operation: Some(operation),
            method: spec.method.clone(),
            idempotent: spec.idempotent,
            path,
            query: Vec::new(),
            body: None,
            accept: spec
                .response_media
                .first()
                .copied()
                .unwrap_or("application/json"),
            page_len: None,
        }
    }

    /// A raw request of `method` to `path` (relative to the base URL).
    pub(crate) fn raw(method: reqwest::Method, path: &str) -> Self {
        let idempotent = matches!(
            method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        );
        let path = path.trim_start_matches('/');
        let path = if path.is_empty() || path.contains("://") {
            Err(format!("{path:?} is not a path relative to the base URL"))
        } else {
            Ok(path.to_string())
        };
        Self {
            operation: None,
            method,
            idempotent,
            path,
            query: Vec::new(),
            body: None,
            accept: "application/json",
            page_len: None,
        }
    }

    /// The operationId, or `api` for a raw request.
    pub(crate) fn name(&self) -> &'static str {
        name_of(self.operation)
    }

    /// Adds a query parameter.
    pub(crate) fn param(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds the query parameter that says how many items a page holds (`pageSize`, `limit`),
    /// and sizes the page's list for them ([`page_len`](Self::page_len); a count of 0 or past
    /// `u32` sizes nothing up front).
    pub(crate) fn page_len_param(mut self, name: &'static str, n: u64) -> Self {
        self.page_len = u32::try_from(n).ok().and_then(NonZeroU32::new);
        self.param(name, n)
    }

    /// Adds a query parameter when `value` is set.
    pub(crate) fn param_opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// Sets the JSON body (camelCase, as the generated types serialise).
    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Box::new(Body {
                    bytes: Bytes::from(bytes),
                    media: None,
                }))
            }
            Err(e) => self.path = Err(format!("cannot encode the request body: {e}")),
        }
        self
    }

    /// Sets a body of another media type than JSON (a `multipart/form-data` form).
    pub(crate) fn bytes(mut self, body: Bytes, content_type: String) -> Self {
        self.body = Some(Box::new(Body {
            bytes: body,
            media: Some(content_type),
        }));
        self
    }

    /// Sets the `Accept` header.
    pub(crate) fn accept(mut self, media: &'static str) -> Self {
        self.accept = media;
        self
    }
}

/// How long one attempt may wait.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Waits {
    /// The whole attempt (status, headers and whatever `read` does).
    pub(crate) attempt: Option<Duration>,
    /// The status and headers only, reported as [`Error::IdleTimeout`] (streams).
    pub(crate) headers: Option<Duration>,
}

/// Sends `request` with `options` over the client's defaults, retrying as the policy and the
/// operation's idempotency allow; `read` turns a success response into the call's value inside
/// the attempt (so that its time counts against the attempt, and a failure while reading a
/// retryable call's body is retried).
///
/// The per-call work is done once: the options are resolved, the call's deadline computed, and
/// one [`Alarm`](crate::watchdog::Alarm) serves every timeout of the call (the attempt's, the
/// wait for the headers, the call's deadline); a call with none of them sets no alarm. The pauses
/// between attempts are tokio sleeps. The span's fields are only computed when a subscriber
/// listens.
///
/// Not an `async fn`: the call is prepared first, and the future holds only what the attempts
/// use (an `async fn` would keep its arguments beside them in every state).
pub(crate) fn execute<'a, T, F, Fut>(
    client: &'a Client,
    request: &'a Request,
    options: &'a CallOptions,
    waits: Waits,
    read: F,
) -> impl Future<Output = Result<T, Error>> + 'a
where
    T: 'a,
    F: Fn(reqwest::Response) -> Fut + 'a,
    Fut: Future<Output = Result<T, Error>> + 'a,
{
    let path = match request.path.as_ref() {
        Ok(path) => path,
        Err(message) => {
            return Either::Left(std::future::ready(Err(Error::InvalidRequest {
                message: message.clone(),
            })))
        }
    };
    let span = tracing::debug_span!(
        "maiagent.request",
        operation = request.name(),
        method = %request.method,
        path = request.operation.map_or(path.as_str(), |op| op.spec().path),
        attempt = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
        latency_ms = field::Empty,
    );
    let call = attempts::Attempts {
        client,
        request,
        options,
        waits,
        span: None,
        deadline: options
            .deadline()
            .and_then(|after| Some((timeout_after(after)?, after))),
    };
    Either::Right(if span.is_disabled() {
        // Nothing listens: no span is kept in the call's future or entered around each poll.
        Either::Left(async move { call.run(&read).await })
    } else {
        // A subscriber listens: the traced call is boxed, so that its span, timing and
        // wrapper take no room in the future of every call.
        Either::Right(Box::pin(traced(call, span, read)))
    })
}

/// [`execute`]'s attempts inside `span`, which records the call's latency and error.
async fn traced<T, F, Fut>(
    mut call: attempts::Attempts<'_>,
    span: tracing::Span,
    read: F,
) -> Result<T, Error>
where
    F: Fn(reqwest::Response) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = std::time::Instant::now();
    call.span = Some(&span);
    let result = call.run(&read).instrument(span.clone()).await;
    span.record(
        "latency_ms",
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    if let Err(e) = &result {
        tracing::debug!(parent: &span, error = %e, "MaiAgent request failed");
    }
    result
}

//! Fault injection: what can go wrong, on which requests.

use crate::Operation;
use http::Method;
use std::{fmt, str::FromStr, time::Duration};

/// The path after `/api/v1/` or `/api/`.
pub(crate) fn strip_api_prefix(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix("/api/"))
}

/// Which requests a [`FaultRule`] applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Matcher {
    /// Every request.
    Any,
    /// Requests for one operation of the table.
    Operation(Operation),
    /// Requests whose path starts with `path_prefix` (and whose method is `method`, if given).
    /// A prefix starting with `/` is matched against the whole path; any other prefix against
    /// the path after `/api/v1/` or `/api/` (`"conversations/"`).
    Prefix {
        /// The method to match, or any.
        method: Option<Method>,
        /// The path prefix.
        path_prefix: String,
    },
}

impl Matcher {
    /// A [`Matcher::Prefix`].
    pub fn prefix(method: Option<Method>, path_prefix: impl Into<String>) -> Self {
        Matcher::Prefix {
            method,
            path_prefix: path_prefix.into(),
        }
    }

    /// Whether a request matches.
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Operation(op) => {
                strip_api_prefix(path).and_then(|rest| Operation::classify(method, rest))
                    == Some(*op)
            }
            Matcher::Prefix {
                method: m,
                path_prefix,
            } => {
                if m.as_ref().is_some_and(|m| m != method) {
                    return false;
                }
                if path_prefix.starts_with('/') {
                    path.starts_with(path_prefix.as_str())
                } else {
                    strip_api_prefix(path)
                        .is_some_and(|rest| rest.starts_with(path_prefix.as_str()))
                }
            }
        }
    }
}

impl From<Operation> for Matcher {
    fn from(op: Operation) -> Self {
        Matcher::Operation(op)
    }
}

/// Something that goes wrong with a response.
///
/// Select one per route with [`FaultRule`] and [`MockServer::inject`](super::MockServer::inject),
/// or per request with the header `x-mock-fault: <name>`, where the name is what [`FromStr`]
/// accepts (and [`Display`](fmt::Display) writes): `429`, `429:SECS`, `429-no-retry-after`,
/// `500`, `500-html`, `503`, any other `NNN` or `NNN-html`, `drop-mid-stream[:EVENTS]`,
/// `no-done`, `stall:MS[:EVENTS]`, `malformed-json`, `oversized-event:BYTES`,
/// `slow-first-byte:MS`.
///
/// Stream faults shape the event stream of a streamed completion. On other responses,
/// `DropMidStream` sends half the body and aborts, `Stall` sends half the body and pauses,
/// `MalformedJson` replaces a JSON body, and `NoDone` and `OversizedEvent` change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// 429 with `Retry-After` (when given) and a DRF throttling body.
    RateLimited {
        /// The `Retry-After` value: seconds or an HTTP date.
        retry_after: Option<String>,
    },
    /// An error status (500, 503, …) with a JSON `{"detail": ...}` body, or an HTML page.
    ServerError {
        /// The status code (anything that is not one becomes 500).
        status: u16,
        /// Answer an HTML page instead of JSON.
        html: bool,
    },
    /// Sends `after_events` events, then aborts the connection mid-body.
    DropMidStream {
        /// Events sent before the abort.
        after_events: usize,
    },
    /// Ends the stream cleanly after the deltas, with no `done: true` event and no `[DONE]`.
    NoDone,
    /// Sends `after_events` events, pauses for `duration`, then continues.
    Stall {
        /// Events sent before the pause.
        after_events: usize,
        /// The pause.
        duration: Duration,
    },
    /// A 2xx answer whose JSON body does not parse; in a stream, one event `data: {not json`.
    MalformedJson,
    /// One stream event whose `data` is `bytes` long (a valid, padded completion delta; at
    /// most 64 MiB).
    OversizedEvent {
        /// The size of the event's data.
        bytes: usize,
    },
    /// Waits this long before sending the response headers.
    SlowFirstByte(Duration),
}

impl Fault {
    /// A 429 with `Retry-After: secs`.
    pub fn rate_limited(secs: u64) -> Self {
        Fault::RateLimited {
            retry_after: Some(secs.to_string()),
        }
    }

    /// An error status with a JSON body.
    pub fn server_error(status: u16) -> Self {
        Fault::ServerError {
            status,
            html: false,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RateLimited { retry_after: None } => f.write_str("429-no-retry-after"),
            Fault::RateLimited {
                retry_after: Some(v),
            } => write!(f, "429:{v}"),
            Fault::ServerError { status, html } => {
                write!(f, "{status}{}", if *html { "-html" } else { "" })
            }
            Fault::DropMidStream { after_events } => write!(f, "drop-mid-stream:{after_events}"),
            Fault::NoDone => f.write_str("no-done"),
            Fault::Stall {
                after_events,
                duration,
            } => write!(f, "stall:{}:{after_events}", duration.as_millis()),
            Fault::MalformedJson => f.write_str("malformed-json"),
            Fault::OversizedEvent { bytes } => write!(f, "oversized-event:{bytes}"),
            Fault::SlowFirstByte(d) => write!(f, "slow-first-byte:{}", d.as_millis()),
        }
    }
}

/// A fault name [`Fault::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError(pub String);

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown fault {:?}", self.0)
    }
}

impl std::error::Error for ParseFaultError {}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseFaultError(s.to_string());
        let text = s.trim().to_ascii_lowercase();
        let mut parts = text.split(':');
        let name = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let num = |i: usize| -> Result<Option<u64>, ParseFaultError> {
            args.get(i)
                .map(|a| a.parse().map_err(|_| bad()))
                .transpose()
        };
        let ms = |i: usize| num(i).and_then(|v| v.map(Duration::from_millis).ok_or_else(bad));
        let count = |i: usize, default: usize| {
            num(i).map(|v| v.map_or(default, |v| usize::try_from(v).unwrap_or(usize::MAX)))
        };
        let fault = match name {
            "429" => Fault::RateLimited {
                retry_after: Some(args.first().map_or("1", |v| v).to_string()),
            },
            "429-no-retry-after" => Fault::RateLimited { retry_after: None },
            "drop-mid-stream" => Fault::DropMidStream {
                after_events: count(0, 2)?,
            },
            "no-done" => Fault::NoDone,
            "stall" => Fault::Stall {
                duration: ms(0)?,
                after_events: count(1, 1)?,
            },
            "malformed-json" => Fault::MalformedJson,
            "oversized-event" => Fault::OversizedEvent {
                bytes: count(0, 1 << 20)?,
            },
            "slow-first-byte" => Fault::SlowFirstByte(ms(0)?),
            other => {
                let (code, html) = match other.strip_suffix("-html") {
                    Some(code) => (code, true),
                    None => (other, false),
                };
                match code.parse::<u16>() {
                    Ok(status) if (400..600).contains(&status) && args.is_empty() => {
                        Fault::ServerError { status, html }
                    }
                    _ => return Err(bad()),
                }
            }
        };
        Ok(fault)
    }
}

/// A fault for the next matching requests; add it with
/// [`MockServer::inject`](super::MockServer::inject).
///
/// ```
/// use maiagent::mock::{Fault, FaultRule};
/// use maiagent::Operation;
///
/// // The next two conversation listings answer 429, the third one works.
/// let rule = FaultRule::new(Operation::ConversationsList, Fault::rate_limited(0)).times(2);
/// # let _ = rule;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultRule {
    /// The requests the rule applies to.
    pub matcher: Matcher,
    /// The fault.
    pub fault: Fault,
    /// How many more matching requests get the fault; `None` for all of them.
    pub remaining: Option<u64>,
    /// How many matching requests to let through before the fault starts.
    pub skip: u64,
}

impl FaultRule {
    /// A rule for the next matching request (see [`times`](Self::times)).
    pub fn new(matcher: impl Into<Matcher>, fault: Fault) -> Self {
        Self {
            matcher: matcher.into(),
            fault,
            remaining: Some(1),
            skip: 0,
        }
    }

    /// Applies the fault to the next `n` matching requests.
    pub fn times(mut self, n: u64) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Applies the fault to every matching request.
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// Lets the first `n` matching requests through untouched.
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }
}

/// Takes the fault for a request from the rules, consuming one use of the matching rule.
pub(crate) fn take_fault(rules: &mut Vec<FaultRule>, method: &Method, path: &str) -> Option<Fault> {
    let mut found = None;
    for rule in rules.iter_mut() {
        if rule.remaining == Some(0) || !rule.matcher.matches(method, path) {
            continue;
        }
        if rule.skip > 0 {
            rule.skip -= 1;
            continue;
        }
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        found = Some(rule.fault.clone());
        break;
    }
    rules.retain(|r| r.remaining != Some(0));
    found
}

//! Retries: which failures are retried, how long to wait, and the loop that does it.
#![deny(clippy::arithmetic_side_effects)]

use crate::Error;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use std::time::{Duration, SystemTime};

/// When and how often a failed request is tried again.
///
/// The default makes 2 retries (3 attempts), waiting 0.5 s, then 1 s (doubling, at most 8 s,
/// each multiplied by a random factor between 0.75 and 1). A `Retry-After` answer is honoured up
/// to 60 s; a longer wait returns the error at once instead of sleeping.
///
/// Requests that only read (GET) are retried on connection errors, timeouts, 408, 429 and 5xx.
/// Requests that create something (POST) are retried only when they provably never reached the
/// server (connection refused) or on 429 and 503, which the server sends before doing anything.
/// A stream is never retried once a byte of it has arrived.
///
/// ```
/// use maiagent::RetryPolicy;
/// use std::time::Duration;
///
/// let none = RetryPolicy::none();
/// let patient = RetryPolicy::default().max_retries(5).max_backoff(Duration::from_secs(20));
/// # let _ = (none, patient);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times a failed request is tried again (0 disables retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first wait; each further wait doubles.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest wait between attempts computed by backoff.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` that is waited out; a longer one returns the error.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Whether waits are randomised (on by default, so that many clients do not retry in step).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (0-based) of a request that failed with `error`,
    /// or `None` when it must not be retried.
    pub(crate) fn delay(&self, retry: u32, idempotent: bool, error: &Error) -> Option<Duration> {
        if retry >= self.max_retries || !retryable(idempotent, error) {
            return None;
        }
        if let Some(wait) = error.api_error().and_then(|e| e.retry_after) {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let base = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff);
        Some(if self.jitter {
            scale(base, 0.75 + fastrand::f64() * 0.25)
        } else {
            base
        })
    }
}

/// `d` multiplied by `factor` (between 0 and 1), never more than `d`: unlike
/// `Duration::mul_f64`, it cannot panic, whatever the duration.
fn scale(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor)
        .unwrap_or(d)
        .min(d)
}

fn retryable(idempotent: bool, error: &Error) -> bool {
    match error {
        Error::Connection { never_sent, .. } => idempotent || *never_sent,
        Error::Timeout { .. } => idempotent,
        Error::Api(e) => {
            let quota = e.status == StatusCode::TOO_MANY_REQUESTS
                && e.body.to_ascii_lowercase().contains("quota");
            match e.status {
                _ if quota => false,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => true,
                StatusCode::REQUEST_TIMEOUT => idempotent,
                s => idempotent && s.is_server_error(),
            }
        }
        _ => false,
    }
}

/// How long the server asked to wait: `retry-after-ms`, or `Retry-After` in seconds or as an
/// HTTP date. A value that is not a wait (negative, not a number, not a date) is ignored; one
/// too long for a `Duration` is `Duration::MAX`, which no policy waits for.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(wait) = delay_from_secs(ms / 1000.0) {
            return Some(wait);
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return delay_from_secs(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The one conversion of a server-sent number of seconds into a delay: `None` for a negative
/// number or NaN, saturating at `Duration::MAX` for one too large (or infinite).
fn delay_from_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// Logs that a call failed with `error` and is tried again after `delay`: `retry` is the
/// number of the retry (1 for the second attempt) of `attempts` attempts in all.
pub(crate) fn log_retry(
    operation: &'static str,
    retry: u32,
    attempts: u32,
    delay: Duration,
    error: &Error,
) {
    tracing::warn!(
        operation,
        attempt = retry,
        of = attempts,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        reason = %error,
        "MaiAgent request failed; retrying (attempt {} of {attempts})",
        retry.saturating_add(1),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

    fn api(status: u16, body: &str, retry_after: Option<u64>) -> Error {
        Error::Api(Box::new(ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.to_string(),
            json: serde_json::from_str(body).ok(),
            request_id: None,
            retry_after: retry_after.map(Duration::from_secs),
        }))
    }

    #[test]
    fn which_failures_are_retried() {
        let p = RetryPolicy::default().jitter(false);
        for (status, get, post) in [
            (408, true, false),
            (429, true, true),
            (500, true, false),
            (502, true, false),
            (503, true, true),
            (400, false, false),
            (401, false, false),
            (404, false, false),
        ] {
            let e = api(status, "{}", None);
            assert_eq!(p.delay(0, true, &e).is_some(), get, "GET {status}");
            assert_eq!(p.delay(0, false, &e).is_some(), post, "POST {status}");
        }
        let quota = api(429, r#"{"detail": "Monthly quota exceeded."}"#, None);
        assert_eq!(
            p.delay(0, true, &quota),
            None,
            "quota exhaustion is not transient"
        );
        assert_eq!(
            p.delay(
                0,
                false,
                &Error::Timeout {
                    after: Duration::from_secs(1)
                }
            ),
            None
        );
        assert!(p
            .delay(
                0,
                true,
                &Error::Timeout {
                    after: Duration::from_secs(1)
                }
            )
            .is_some());
        assert_eq!(
            p.delay(2, true, &api(503, "", None)),
            None,
            "3 attempts at most"
        );
        assert_eq!(
            RetryPolicy::none().delay(0, true, &api(503, "", None)),
            None
        );
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitter_stays_in_range() {
        let p = RetryPolicy::default().max_retries(10).jitter(false);
        let e = api(503, "", None);
        let ms: Vec<u128> = (0..6)
            .map(|n| p.delay(n, true, &e).unwrap().as_millis())
            .collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 8000]);
        let p = RetryPolicy::default().max_retries(10);
        for _ in 0..200 {
            let d = p.delay(1, true, &e).unwrap();
            assert!(
                d >= Duration::from_millis(750) && d <= Duration::from_millis(1000),
                "{d:?}"
            );
        }
        assert_eq!(
            p.delay(0, true, &api(429, "", Some(61))),
            None,
            "beyond the cap"
        );
        assert_eq!(
            p.delay(0, true, &api(429, "", Some(60))),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn retry_after_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
        h.insert("retry-after", later.parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(8) && d <= Duration::from_secs(10),
            "{d:?}"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn server_numbers_saturate_or_are_ignored() {
        let one = |name: &str, value: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
            retry_after(&h)
        };
        for huge in [
            "99999999999999999999",
            "1e300",
            "inf",
            "1.7976931348623157e308",
        ] {
            assert_eq!(one("retry-after", huge), Some(Duration::MAX), "{huge}");
            let ms = one("retry-after-ms", huge);
            assert!(ms.is_some_and(|d| d > Duration::from_secs(60)), "{huge}");
        }
        for bad in ["-1", "-1e300", "NaN", "-inf", "", "1e"] {
            assert_eq!(one("retry-after", bad), None, "{bad:?}");
            assert_eq!(one("retry-after-ms", bad), None, "{bad:?}");
        }
        assert_eq!(
            one("retry-after-ms", "1500"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            one("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")
                .map(|d| d > Duration::from_secs(60)),
            Some(true)
        );
        assert_eq!(
            one("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        let p = RetryPolicy::default();
        let mut huge = api(503, "", None);
        if let Error::Api(e) = &mut huge {
            e.retry_after = Some(Duration::MAX);
        }
        assert_eq!(p.delay(0, true, &huge), None, "beyond the cap: no wait");
    }

    #[test]
    fn extreme_policies_never_panic() {
        let e = api(503, "", None);
        for jitter in [true, false] {
            let p = RetryPolicy::default()
                .max_retries(u32::MAX)
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX)
                .jitter(jitter);
            for retry in [0, 1, 63, 64, u32::MAX - 1] {
                for _ in 0..100 {
                    let d = p.delay(retry, true, &e).unwrap();
                    assert!(d >= Duration::MAX / 2, "{d:?}");
                }
            }
        }
        for factor in [0.0, 0.75, 0.999_999_999_999, 1.0] {
            assert!(scale(Duration::MAX, factor) <= Duration::MAX);
            assert_eq!(
                scale(Duration::from_secs(4), factor).as_secs_f64().round(),
                (4.0 * factor).round()
            );
        }
        assert_eq!(scale(Duration::MAX, 1.0), Duration::MAX);
    }
}

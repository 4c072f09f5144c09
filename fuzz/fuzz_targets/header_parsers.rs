//! The response header parsers on arbitrary bytes: `Retry-After` / `retry-after-ms` (and the
//! retry policy's wait computed from them, for ordinary and extreme policies), and the file name
//! of a `Content-Disposition`. None may panic; a wait never exceeds what the policy allows; a
//! file name is a bare, harmless name as documented.
#![no_main]

use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use maiagent::__fuzz::{content_disposition_file_name, retry_after, retry_delay};
use maiagent::RetryPolicy;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let extreme = RetryPolicy::default()
            .max_retries(u32::MAX)
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX)
            .max_retry_after(Duration::MAX);
        let cap = Duration::from_secs(60);
        for name in ["retry-after", "retry-after-ms"] {
            let mut headers = HeaderMap::new();
            headers.insert(name, value.clone());
            let asked = retry_after(&headers);
            for status in [StatusCode::TOO_MANY_REQUESTS, StatusCode::SERVICE_UNAVAILABLE] {
                let wait = retry_delay(&RetryPolicy::default(), 0, status, &headers);
                match asked {
                    Some(asked) => assert_eq!(wait, (asked <= cap).then_some(asked)),
                    None => assert!(wait.is_some_and(|w| w <= Duration::from_millis(500))),
                }
                for retry in [0, 1, 64, u32::MAX - 1] {
                    let wait = retry_delay(&extreme, retry, status, &headers);
                    assert!(wait.is_some());
                }
            }
        }
    }
    if let Some(name) = content_disposition_file_name(data) {
        assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
        assert!(!name.contains(['/', '\\']), "{name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(!name.contains(['<', '>', ':', '"', '|', '?', '*']), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(!name.ends_with(['.', ' ']), "{name:?}");
    }
});

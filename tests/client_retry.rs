//! Retry counts and delays, on GET and POST, with and without `Retry-After`, and for a refused
//! connection. The client runs on tokio's paused clock, so no test sleeps for real; the mock
//! runs on a runtime of its own thread. Delays are read from the retry log lines.
#![cfg(feature = "mock")]

mod common;

use common::logs::Logs;

use maiagent::mock::{Fault, FaultRule, MockConfig, MockServer};
use maiagent::Operation;
use maiagent::{Client, Error, RetryPolicy};
use std::time::Duration;

fn mock_on_its_own_thread() -> MockServer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime
            .block_on(MockServer::start_with(MockConfig::for_tests()))
            .unwrap();
        tx.send(server).unwrap();
        runtime.block_on(std::future::pending::<()>());
    });
    rx.recv().unwrap()
}

fn client(base_url: &str, key: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(base_url)
        // The default request timeout stays on: timeouts follow the real clock, so the paused
        // clock, which jumps over the retry pauses, does not fire it while the client waits
        // for the (real) mock thread.
        .http_client(reqwest::Client::new())
        .retry_policy(policy)
        .build()
        .unwrap()
}

/// Runs `f` on a paused current-thread runtime; returns its value and the retry delays logged.
fn paused<T>(f: impl std::future::Future<Output = T>) -> (T, Vec<Duration>, String) {
    let logs = Logs::default();
    let _guard = logs.capture(tracing::Level::WARN);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let value = runtime.block_on(f);
    let text = logs.text();
    let delays = text
        .lines()
        .filter_map(|l| l.split("delay_ms=").nth(1))
        .map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            Duration::from_millis(digits.parse().unwrap())
        })
        .collect();
    (value, delays, text)
}

fn attempts(mock: &MockServer, route: Operation) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == Some(route))
        .count()
}

fn within(d: Duration, low_ms: u64, high_ms: u64) -> bool {
    d >= Duration::from_millis(low_ms) && d <= Duration::from_millis(high_ms)
}

#[test]
fn get_retries_503_twice_with_jittered_exponential_backoff_and_logs_each_attempt() {
    let mock = mock_on_its_own_thread();
    mock.inject(FaultRule::new(Operation::ConversationsGet, Fault::server_error(503)).times(2));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let id = mock.demo().conversations[0].to_string();
    let (result, delays, log) = paused(async move { c.conversations().get(id).await });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(attempts(&mock, Operation::ConversationsGet), 3);
    assert_eq!(delays.len(), 2, "{log}");
    assert!(within(delays[0], 375, 500), "{delays:?}");
    assert!(within(delays[1], 750, 1000), "{delays:?}");
    assert!(
        log.contains("attempt 2 of 3") && log.contains("attempt 3 of 3"),
        "{log}"
    );
    assert!(log.contains("503"), "the reason is logged: {log}");
}

#[test]
fn get_gives_up_after_three_attempts_on_500_and_backoff_is_capped() {
    let mock = mock_on_its_own_thread();
    mock.inject(FaultRule::new(Operation::ConversationsList, Fault::server_error(500)).always());
    let policy = RetryPolicy::default()
        .max_retries(5)
        .jitter(false)
        .max_backoff(Duration::from_secs(2));
    let c = client(&mock.base_url(), mock.api_key(), policy);
    let (result, delays, _) = paused(async move { c.conversations().list().first_page().await });
    assert_eq!(result.unwrap_err().status().unwrap().as_u16(), 500);
    assert_eq!(attempts(&mock, Operation::ConversationsList), 6);
    let ms: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
    assert_eq!(ms, vec![500, 1000, 2000, 2000, 2000]);

    let mock = mock_on_its_own_thread();
    mock.inject(FaultRule::new(Operation::ConversationsList, Fault::server_error(500)).always());
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.conversations().list().first_page().await });
    assert!(result.is_err());
    assert_eq!(attempts(&mock, Operation::ConversationsList), 3);
    assert_eq!(delays.len(), 2);
}

#[test]
fn post_is_not_retried_on_500_but_is_on_503_and_429() {
    let mock = mock_on_its_own_thread();
    let conversation = mock.demo().conversations[0].to_string();
    mock.inject(FaultRule::new(Operation::MessagesCreate, Fault::server_error(500)).always());
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let conv = conversation.clone();
    let (result, delays, _) = paused(async move { c.messages().send(conv, "hi").await });
    assert_eq!(result.unwrap_err().status().unwrap().as_u16(), 500);
    assert_eq!(attempts(&mock, Operation::MessagesCreate), 1);
    assert!(delays.is_empty());

    mock.clear_faults();
    mock.clear_requests();
    mock.inject(FaultRule::new(Operation::MessagesCreate, Fault::server_error(503)).times(1));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let conv = conversation.clone();
    let (result, delays, _) = paused(async move { c.messages().send(conv, "hi").await });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(attempts(&mock, Operation::MessagesCreate), 2);
    assert_eq!(delays.len(), 1);

    mock.clear_requests();
    mock.inject(
        FaultRule::new(
            Operation::MessagesCreate,
            Fault::RateLimited { retry_after: None },
        )
        .times(1),
    );
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.messages().send(conversation, "hi").await });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(attempts(&mock, Operation::MessagesCreate), 2);
    assert!(within(delays[0], 375, 500), "{delays:?}");
}

#[test]
fn retry_after_is_honoured_in_seconds_and_as_a_date_up_to_the_cap() {
    let mock = mock_on_its_own_thread();
    mock.inject(FaultRule::new(Operation::ConversationsList, Fault::rate_limited(7)).times(1));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.conversations().list().first_page().await });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(delays, vec![Duration::from_secs(7)]);

    let in_30s = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    mock.clear_requests();
    mock.inject(FaultRule::new(
        Operation::ConversationsList,
        Fault::RateLimited {
            retry_after: Some(in_30s),
        },
    ));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.conversations().list().first_page().await });
    assert!(result.is_ok(), "{result:?}");
    assert!(within(delays[0], 27_000, 30_000), "{delays:?}");

    // Beyond the 60 s cap: the error comes back at once, no sleep.
    mock.clear_requests();
    mock.inject(FaultRule::new(Operation::ConversationsList, Fault::rate_limited(120)).times(1));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.conversations().list().first_page().await });
    let err = result.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(
        err.api_error().unwrap().retry_after,
        Some(Duration::from_secs(120))
    );
    assert!(delays.is_empty());
    assert_eq!(attempts(&mock, Operation::ConversationsList), 1);
}

#[test]
fn a_refused_connection_is_retried_for_get_and_post_and_retries_can_be_disabled() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/api/v1/");
    let c = client(&base, "k", RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.conversations().get("x").await });
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                never_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(delays.len(), 2);

    let c = client(&base, "k", RetryPolicy::default());
    let (result, delays, _) = paused(async move { c.messages().send("c", "hi").await });
    assert!(matches!(
        result,
        Err(Error::Connection {
            never_sent: true,
            ..
        })
    ));
    assert_eq!(delays.len(), 2, "a refused POST never reached the server");

    let c = client(&base, "k", RetryPolicy::none());
    let (result, delays, _) = paused(async move { c.conversations().get("x").await });
    assert!(result.is_err());
    assert!(delays.is_empty());

    let c = client(&base, "k", RetryPolicy::default());
    let (result, delays, _) =
        paused(async move { c.conversations().get("x").retry(RetryPolicy::none()).await });
    assert!(result.is_err());
    assert!(delays.is_empty(), "the per-call policy wins");
}

#[test]
fn a_listing_takes_its_own_retry_policy_for_every_page() {
    let mock = mock_on_its_own_thread();
    mock.inject(FaultRule::new(Operation::ConversationsList, Fault::server_error(503)).always());
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::default());
    let (result, delays, _) = paused(async move {
        use futures::TryStreamExt;
        let items = c.conversations().list().retry(RetryPolicy::none()).items();
        items.try_collect::<Vec<_>>().await
    });
    assert_eq!(result.unwrap_err().status().unwrap().as_u16(), 503);
    assert!(delays.is_empty());
    assert_eq!(attempts(&mock, Operation::ConversationsList), 1);

    mock.clear_faults();
    mock.clear_requests();
    mock.inject(FaultRule::new(Operation::MessagesList, Fault::server_error(503)).times(1));
    let c = client(&mock.base_url(), mock.api_key(), RetryPolicy::none());
    let conversation = mock.demo().conversations[0].to_string();
    let policy = RetryPolicy::default().jitter(false);
    let (result, delays, _) = paused(async move {
        use futures::TryStreamExt;
        let items = c
            .messages()
            .list(conversation)
            .page_size(1)
            .retry(policy)
            .items();
        items.try_collect::<Vec<_>>().await
    });
    assert!(result.unwrap().len() > 1);
    assert_eq!(delays, vec![Duration::from_millis(500)]);
}

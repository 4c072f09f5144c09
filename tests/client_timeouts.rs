//! The waits of a call: the timeout of each attempt (retried like any timeout of a read), the
//! call's deadline across attempts and the pauses between them, and which error each gives.
#![cfg(feature = "mock")]

mod common;

use common::mock::mock_and_client_with;
use maiagent::mock::{Fault, FaultRule, MockConfig, MockServer};
use maiagent::{Error, Operation, RetryPolicy};
use std::time::Duration;

const SLOW: Duration = Duration::from_secs(3);

fn quick_retries(n: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(n)
        .initial_backoff(Duration::from_millis(1))
        .jitter(false)
}

fn gets(mock: &MockServer) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::ConversationsGet))
        .count()
}

fn slow_gets() -> FaultRule {
    FaultRule::new(Operation::ConversationsGet, Fault::SlowFirstByte(SLOW))
}

#[tokio::test]
async fn an_attempt_that_times_out_is_retried_and_the_next_one_answers() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| b).await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(slow_gets().times(1));
    let conversation = client
        .conversations()
        .get(&id)
        .timeout(Duration::from_millis(150))
        .retry(quick_retries(2))
        .await
        .expect("the second attempt answers");
    assert_eq!(conversation.id.as_str(), id);
    assert_eq!(gets(&mock), 2);
}

#[tokio::test]
async fn every_attempt_timing_out_ends_with_the_attempt_timeout() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| {
        b.request_timeout(Duration::from_millis(100))
            .retry_policy(quick_retries(2))
    })
    .await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(slow_gets().always());
    let e = client.conversations().get(&id).await.unwrap_err();
    assert!(
        matches!(e, Error::Timeout { after } if after == Duration::from_millis(100)),
        "{e:?}"
    );
    assert_eq!(gets(&mock), 3, "three attempts");
}

#[tokio::test]
async fn the_deadline_ends_the_call_across_attempts() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| b).await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(slow_gets().always());
    let e = client
        .conversations()
        .get(&id)
        .timeout(Duration::from_millis(100))
        .deadline(Duration::from_millis(250))
        .retry(quick_retries(50))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout { after } if after == Duration::from_millis(250)),
        "{e:?}"
    );
    let attempts = gets(&mock);
    assert!((2..=3).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn the_deadline_cuts_a_pause_between_attempts() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| b).await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(FaultRule::new(Operation::ConversationsGet, Fault::server_error(503)).always());
    let patient = RetryPolicy::default()
        .initial_backoff(Duration::from_secs(600))
        .jitter(false);
    let e = client
        .conversations()
        .get(&id)
        .deadline(Duration::from_millis(200))
        .retry(patient)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout { after } if after == Duration::from_millis(200)),
        "{e:?}"
    );
    assert_eq!(gets(&mock), 1, "the pause was cut, no second attempt");
}

#[tokio::test]
async fn a_deadline_longer_than_the_call_and_no_timeout_change_nothing() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| {
        b.request_timeout(None).retry_policy(quick_retries(2))
    })
    .await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(FaultRule::new(Operation::ConversationsGet, Fault::server_error(503)).times(1));
    let response = client
        .conversations()
        .get(&id)
        .deadline(Duration::from_secs(60))
        .send_with_response()
        .await
        .expect("the retry answers");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("content-type"));
    assert_eq!(response.id.as_str(), id);
    assert_eq!(gets(&mock), 2);
}

#[tokio::test]
async fn a_status_that_is_not_retried_is_returned_before_the_deadline() {
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| b).await;
    let e = client
        .conversations()
        .get("no-such-conversation")
        .deadline(Duration::from_secs(60))
        .retry(quick_retries(2))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(gets(&mock), 1);
}

/// Timeouts follow the real clock, not tokio's: on a paused clock (which jumps to the next tokio
/// timer whenever the runtime is idle) a server that never answers still times the call out,
/// after the timeout's real duration and not at once.
#[test]
fn a_timeout_runs_on_the_real_clock_when_tokio_s_clock_is_paused() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = common::http_server::serve(|_request, conn| async move {
            let _open = conn;
            std::future::pending::<Option<common::http_server::Conn>>().await
        })
        .await;
        let client = server.client_with(|b| b.request_timeout(Duration::from_millis(200)));
        let started = std::time::Instant::now();
        let e = client.conversations().get("c1").await.unwrap_err();
        assert!(
            matches!(e, Error::Timeout { after } if after == Duration::from_millis(200)),
            "{e:?}"
        );
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert!(waited < SLOW, "{waited:?}");
    });
}

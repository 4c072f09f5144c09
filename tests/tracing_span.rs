//! Every call runs in one `maiagent.request` span of the transport, with the operationId, the
//! method, the path template, the attempt, the status, the request id and the latency, and
//! never the API key.
#![cfg(feature = "mock")]

mod common;

use common::logs::Logs;
use common::mock::mock_and_client_with;
use maiagent::mock::{Fault, FaultRule, MockConfig};
use maiagent::{Operation, RetryPolicy};
use std::time::Duration;

#[tokio::test]
async fn a_retried_call_closes_one_span_with_every_field() {
    let logs = Logs::default();
    let _guard = logs.capture_spans(tracing::Level::DEBUG);
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| {
        b.retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .jitter(false),
        )
    })
    .await;
    let id = mock.demo().conversations[0].to_string();
    mock.inject(FaultRule::new(Operation::ConversationsGet, Fault::server_error(503)).times(1));
    client
        .conversations()
        .get(&id)
        .await
        .expect("the retry succeeds");
    let text = logs.text();
    let closes: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("maiagent.request{") && l.contains("close"))
        .collect();
    assert_eq!(closes.len(), 1, "one span per call:\n{text}");
    let span = closes[0];
    for field in [
        "operation=\"conversations_get\"",
        "method=GET",
        "path=\"conversations/{id}/\"",
        "attempt=2",
        "status=200",
        "latency_ms=",
    ] {
        assert!(span.contains(field), "{field} missing in {span}");
    }
    assert!(
        text.contains("attempt 2 of 3"),
        "the retry is logged in the span:\n{text}"
    );
    assert!(!text.contains(mock.api_key()), "the key leaked:\n{text}");
}

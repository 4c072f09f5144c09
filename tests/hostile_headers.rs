//! Hostile `Retry-After` / `retry-after-ms` values (too large for a `Duration`, negative, not a
//! number, HTTP dates far in the future or the past) on every status that is and is not retried,
//! for a GET, a POST and a streaming completion, against a raw local server. None may panic:
//! each call returns the server's status as [`Error::Api`]; a wait longer than the policy's
//! `max_retry_after` returns the error at once, a malformed one is ignored (plain backoff).

mod common;

use common::http_server::{serve, TestServer};
use maiagent::{Client, Error, RetryPolicy};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Values too long for any wait (read as "longer than the cap": the error comes back at once).
const TOO_LONG: &[&str] = &[
    "99999999999999999999",
    "18446744073709551616",
    "1e300",
    "1.7976931348623157e308",
    "inf",
    "Fri, 31 Dec 9999 23:59:59 GMT",
];

/// Values that are not a wait at all (ignored: the policy's own backoff applies).
const MALFORMED: &[&str] = &["-5", "-1e300", "NaN", "-inf", "soon", "", "0x10", "1e"];

/// A date in the past: no wait.
const PAST: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

const STATUSES: &[u16] = &[429, 503, 500, 400, 404];

/// The answer the server gives next: status, header name, header value.
type Answer = Arc<Mutex<(u16, &'static str, &'static str)>>;

async fn hostile_server() -> (TestServer, Answer) {
    let answer: Answer = Arc::new(Mutex::new((200, "x-unused", "")));
    let shared = answer.clone();
    let server = serve(move |_, mut conn| {
        let (status, name, value) = *shared.lock().unwrap();
        async move {
            conn.respond_with(
                status,
                &[("content-type", "application/json"), (name, value)],
                br#"{"detail": "slow down"}"#,
            )
            .await;
            Some(conn)
        }
    })
    .await;
    (server, answer)
}

fn client(server: &TestServer) -> Client {
    server.client_with(|b| {
        b.retry_policy(
            RetryPolicy::default()
                .max_retries(1)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2)),
        )
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Get,
    Post,
    Stream,
}

async fn call(client: &Client, kind: Kind) -> Error {
    match kind {
        Kind::Get => client.conversations().get("c-1").await.unwrap_err(),
        Kind::Post => client
            .conversations()
            .create("web-chat-1")
            .await
            .unwrap_err(),
        Kind::Stream => client.chatbot("bot-1").stream("hi").await.unwrap_err(),
    }
}

/// Whether the default rules retry this status for this kind of request.
fn retried(kind: Kind, status: u16) -> bool {
    match status {
        429 | 503 => true,
        500 => kind == Kind::Get,
        _ => false,
    }
}

/// Every value on every status, under both header names, for one kind of request.
async fn every_value_on_every_status(kind: Kind) {
    let (mut server, answer) = hostile_server().await;
    let client = client(&server);
    let cap = Duration::from_secs(60);
    let values = TOO_LONG.iter().chain(MALFORMED).chain([&PAST]);
    for &value in values {
        for name in ["retry-after", "retry-after-ms"] {
            if name == "retry-after-ms" && value.contains("GMT") {
                continue;
            }
            for &status in STATUSES {
                *answer.lock().unwrap() = (status, name, value);
                let case = format!("{kind:?} {status} {name}: {value:?}");
                let error = call(&client, kind).await;
                let api = error
                    .api_error()
                    .unwrap_or_else(|| panic!("{case}: {error}"));
                assert_eq!(api.status.as_u16(), status, "{case}");
                assert_eq!(api.detail(), Some("slow down"), "{case}");
                let requests = server.take_requests().len();
                if TOO_LONG.contains(&value) {
                    assert!(api.retry_after.is_some_and(|d| d > cap), "{case}: {api:?}");
                    assert_eq!(requests, 1, "{case}: a wait beyond the cap is not waited");
                } else {
                    let expected = if value == PAST {
                        Some(Duration::ZERO)
                    } else {
                        None
                    };
                    assert_eq!(api.retry_after, expected, "{case}");
                    let attempts = if retried(kind, status) { 2 } else { 1 };
                    assert_eq!(requests, attempts, "{case}");
                }
            }
        }
    }
}

#[tokio::test]
async fn huge_and_malformed_retry_after_on_a_get() {
    every_value_on_every_status(Kind::Get).await;
}

#[tokio::test]
async fn huge_and_malformed_retry_after_on_a_post() {
    every_value_on_every_status(Kind::Post).await;
}

#[tokio::test]
async fn huge_and_malformed_retry_after_on_a_streaming_completion() {
    every_value_on_every_status(Kind::Stream).await;
}

#[tokio::test]
async fn the_largest_retry_count_does_not_overflow() {
    let (mut server, answer) = hostile_server().await;
    *answer.lock().unwrap() = (404, "retry-after", "1");
    let client =
        server.client_with(|b| b.retry_policy(RetryPolicy::default().max_retries(u32::MAX)));
    let error = client.conversations().get("c-1").await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(server.take_requests().len(), 1);
}

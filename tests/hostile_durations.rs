//! `Duration::MAX` ("no deadline") in every duration setter of the client, of each call, of the
//! retry policy and of the mock: the calls still succeed against the mock, nothing panics.
#![cfg(feature = "mock")]

mod common;

use common::mock::mock_and_client_with;
use futures::StreamExt;
use maiagent::mock::{MockConfig, MockServer};
use maiagent::{Client, RetryPolicy};
use std::time::Duration;

const NEVER: Duration = Duration::MAX;

fn patient_policy() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(NEVER)
        .max_backoff(NEVER)
        .max_retry_after(NEVER)
}

/// Every call kind once: a GET, a listing, a POST, a whole and a streamed reply, an export.
async fn every_call_succeeds(client: &Client, mock: &MockServer, per_call: bool) {
    let demo = mock.demo();
    let conversation = demo.conversations[0].to_string();
    let chatbot = demo.chatbot.to_string();
    let get = client.conversations().get(&conversation);
    let list = client.conversations().list();
    let create = client.conversations().create(demo.web_chat.as_str());
    let complete = client.chatbot(&chatbot).complete("hi");
    let stream = client.chatbot(&chatbot).stream("hi");
    let export = client.chatbot(&chatbot).export_records();
    let (get, list, create, complete, stream, export) = if per_call {
        (
            get.timeout(NEVER).retry(patient_policy()),
            list.timeout(NEVER).retry(patient_policy()),
            create.timeout(NEVER).retry(patient_policy()),
            complete.timeout(NEVER).retry(patient_policy()),
            stream
                .timeout(NEVER)
                .idle_timeout(NEVER)
                .retry(patient_policy()),
            export.timeout(NEVER).retry(patient_policy()),
        )
    } else {
        (get, list, create, complete, stream, export)
    };
    assert_eq!(get.await.unwrap().id.to_string(), conversation);
    let listed: Vec<_> = list.items().collect().await;
    assert!(!listed.is_empty());
    assert!(listed.iter().all(Result::is_ok), "{listed:?}");
    create.await.unwrap();
    assert!(!complete.await.unwrap().content.is_empty());
    let reply = stream.await.unwrap().collect_reply().await.unwrap();
    assert!(reply.done && !reply.content.is_empty(), "{reply:?}");
    let dir = tempfile::tempdir().unwrap();
    let bytes = export
        .save_to(dir.path().join("records.xlsx"))
        .await
        .unwrap();
    assert!(bytes > 0);
}

#[tokio::test]
async fn duration_max_in_every_client_setter() {
    let (mock, client) = mock_and_client_with(
        MockConfig::for_tests().with_stream_delay(Duration::from_millis(5)),
        |b| {
            b.connect_timeout(NEVER)
                .request_timeout(NEVER)
                .stream_idle_timeout(NEVER)
                .retry_policy(patient_policy())
        },
    )
    .await;
    every_call_succeeds(&client, &mock, false).await;
}

#[tokio::test]
async fn duration_max_in_every_per_call_setter() {
    let (mock, client) = mock_and_client_with(
        MockConfig::for_tests().with_stream_delay(Duration::from_millis(5)),
        |b| b.retry_policy(RetryPolicy::default()),
    )
    .await;
    every_call_succeeds(&client, &mock, true).await;
}

#[tokio::test]
async fn duration_max_as_the_mock_stream_delay() {
    let (mock, client) =
        mock_and_client_with(MockConfig::for_tests().with_stream_delay(NEVER), |b| {
            b.stream_idle_timeout(NEVER)
                .retry_policy(RetryPolicy::default())
        })
        .await;
    let chatbot = mock.demo().chatbot.to_string();
    // The delay comes between events: the first arrives, the second never does.
    let mut stream = client.chatbot(&chatbot).stream("hi").await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(!first.done);
    assert!(stream.conversation_id().is_some());
}

//! Send a message and await the bot's reply through the webhook receiver, end to end against
//! the mock's webhook delivery: 100 conversations at once, and the timeout path.
#![cfg(all(feature = "mock", feature = "webhook-receiver"))]

mod common;

use common::mock::mock_and_client_with;
use futures::future::try_join_all;
use maiagent::mock::MockConfig;
use maiagent::webhook::receiver::WebhookReceiver;
use maiagent::webhook::ReplyHub;
use maiagent::{Error, RetryPolicy};
use std::time::Duration;

async fn receiver(hub: &ReplyHub) -> String {
    let app = axum::Router::new().nest(
        "/hooks/maiagent",
        WebhookReceiver::hub(hub.clone()).into_router(),
    );
    format!("{}/hooks/maiagent", common::hook_sink::serve(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_conversations_each_get_their_own_reply() {
    let hub = ReplyHub::new();
    let url = receiver(&hub).await;
    let (mock, client) = mock_and_client_with(MockConfig::for_tests().with_webhook_url(url), |b| {
        b.retry_policy(RetryPolicy::default())
    })
    .await;
    let web_chat = mock.demo().web_chat.to_string();
    let conversations =
        try_join_all((0..100).map(|_| client.conversations().create(&web_chat).send()))
            .await
            .unwrap();

    let replies = try_join_all(conversations.iter().enumerate().map(|(i, c)| {
        let (client, hub) = (client.clone(), hub.clone());
        let id = c.id.to_string();
        async move {
            let question = format!("question number {i} for {id}");
            let reply = client
                .messages()
                .send(&id, question.clone())
                .await_reply(&hub, Duration::from_secs(30))
                .await?;
            Ok::<_, Error>((id, question, reply))
        }
    }))
    .await
    .unwrap();

    assert_eq!(replies.len(), 100);
    let mut reply_ids = std::collections::HashSet::new();
    for (conversation, question, reply) in &replies {
        assert_eq!(reply.conversation.as_ref().unwrap().as_str(), conversation);
        let content = reply.content.as_deref().unwrap_or_default();
        assert!(
            content.contains(question.as_str()),
            "{conversation}: {content}"
        );
        assert!(
            reply_ids.insert(reply.id.clone().unwrap()),
            "one reply, one waiter"
        );
        // The sender id is the 128-bit integer of seed 000, exact through the webhook.
        let sender = reply.sender.as_ref().unwrap().id.as_ref().unwrap();
        assert!(
            sender.is_number() && sender.as_u128().is_some(),
            "{sender:?}"
        );
    }
    // The mock records a delivery once our 200 reached it, just after the hub had the reply.
    let delivered = || {
        mock.webhook_deliveries()
            .iter()
            .filter(|d| d.delivered)
            .count()
    };
    for _ in 0..100 {
        if delivered() == 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(delivered(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_max_waits_without_a_deadline() {
    let hub = ReplyHub::new();
    let url = receiver(&hub).await;
    let (mock, client) = mock_and_client_with(MockConfig::for_tests().with_webhook_url(url), |b| {
        b.retry_policy(RetryPolicy::default())
    })
    .await;
    let conversation = mock.demo().conversations[0].to_string();
    let reply = client
        .messages()
        .send(&conversation, "no deadline")
        .await_reply(&hub, Duration::MAX)
        .await
        .unwrap();
    assert!(reply.content.unwrap_or_default().contains("no deadline"));
}

#[tokio::test]
async fn no_webhook_means_a_timeout_not_a_hang() {
    let hub = ReplyHub::new();
    let (mock, client) = mock_and_client_with(MockConfig::for_tests(), |b| {
        b.retry_policy(RetryPolicy::default())
    })
    .await;
    let conversation = mock.demo().conversations[0].to_string();
    let err = client
        .messages()
        .send(&conversation, "anyone there?")
        .await_reply(&hub, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // The message itself was sent.
    assert!(mock
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/messages/") && r.status == Some(201)));
}

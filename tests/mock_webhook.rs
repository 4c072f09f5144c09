//! Webhook delivery: after `POST messages/` the mock POSTs the bot's reply to the webhook URL,
//! retrying until it is answered with a 2xx status.
#![cfg(feature = "mock")]

mod common;
mod mock_support;

use common::hook_sink::sink as receiver;
use maiagent::mock::MockConfig;
use mock_support::Api;
use serde_json::{json, Value};

async fn next_body(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .expect("a delivery in time")
        .expect("a body")
}

#[tokio::test]
async fn the_bot_reply_is_posted_to_the_webhook() {
    let (url, mut rx) = receiver(Vec::new()).await;
    let api = Api::start_with(MockConfig::for_tests().with_webhook_url(url.clone())).await;
    let conv = api.server.demo().conversations[1].to_string();
    let (_, incoming) = api
        .send(api.post(
            "messages/",
            &json!({"conversation": conv, "content": "訂單查詢"}),
        ))
        .await;
    let delivered = next_body(&mut rx).await;
    assert_eq!(delivered["conversation"].as_str(), Some(conv.as_str()));
    assert_eq!(delivered["type"], "outgoing");
    assert!(delivered["sender"]["id"].is_number());
    assert!(delivered["createdAt"]
        .as_str()
        .is_some_and(|t| t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit())));
    assert!(delivered["content"]
        .as_str()
        .is_some_and(|c| c.contains("訂單查詢")));
    assert_ne!(delivered["id"], incoming["id"]);
    let (_, stored) = api
        .send(api.get(&format!(
            "messages/{}/",
            delivered["id"].as_str().unwrap_or_default()
        )))
        .await;
    assert_eq!(stored, delivered);
    // Outgoing messages and completions trigger no webhook.
    api.send(api.post(
        "messages/outgoing/",
        &json!({"conversation": conv, "content": "agent"}),
    ))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err());
    let deliveries = api.server.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].delivered && deliveries[0].attempts == 1 && deliveries[0].url == url);
}

#[tokio::test]
async fn webhook_delivery_is_retried_until_answered_200() {
    let (url, mut rx) = receiver(vec![500, 503]).await;
    let api = Api::start().await;
    api.server.set_webhook_url(Some(url));
    let conv = api.server.demo().conversations[0].to_string();
    api.send(api.post(
        "messages/",
        &json!({"conversation": conv, "content": "retry"}),
    ))
    .await;
    let bodies = [
        next_body(&mut rx).await,
        next_body(&mut rx).await,
        next_body(&mut rx).await,
    ];
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "the same message each time"
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while api.server.webhook_deliveries().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let delivery = &api.server.webhook_deliveries()[0];
    assert_eq!(
        (delivery.attempts, delivery.status, delivery.delivered),
        (3, Some(200), true)
    );

    // Nobody listening: three attempts, then given up.
    api.server
        .set_webhook_url(Some("http://127.0.0.1:9/hook".to_string()));
    api.send(api.post(
        "messages/",
        &json!({"conversation": conv, "content": "lost"}),
    ))
    .await;
    while api.server.webhook_deliveries().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let lost = &api.server.webhook_deliveries()[1];
    assert_eq!((lost.attempts, lost.delivered), (3, false));
    assert!(lost.error.is_some());
}

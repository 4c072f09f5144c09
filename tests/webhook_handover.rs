//! The receiver acknowledges only what it handed over: a hand-over that was cancelled (the
//! sender gave up while the application's channel was full) or that panicked (the application's
//! callback) is answered with an error, and MaiAgent's retry delivers the message, exactly once.
#![cfg(feature = "webhook-receiver")]

mod common;

use common::hook_sink::serve;
use common::webhook::{http, reply_body};
use maiagent::types::Message;
use maiagent::webhook::receiver::WebhookReceiver;
use reqwest::StatusCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Everything the application receives within `quiet` of the previous message.
async fn drain(rx: &mut mpsc::Receiver<Message>, quiet: Duration) -> Vec<String> {
    let mut ids = Vec::new();
    while let Ok(Some(message)) = tokio::time::timeout(quiet, rx.recv()).await {
        ids.push(message.id.map(|id| id.to_string()).unwrap_or_default());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_cancelled_while_the_channel_is_full_is_delivered_by_the_retry() {
    let (receiver, mut rx) = WebhookReceiver::channel(1);
    let url = format!(
        "{}/hook",
        serve(axum::Router::new().nest("/hook", receiver.into_router())).await
    );
    let http = http();
    let post = |id: &str| http.post(&url).body(reply_body(id, "conv-1")).send();

    // m0 fills the application's channel; the application is busy and does not read.
    assert_eq!(post("m0").await.unwrap().status(), StatusCode::OK);
    // MaiAgent gives up on m1 while the receiver waits for room: the request future is dropped.
    let gave_up = http
        .post(&url)
        .body(reply_body("m1", "conv-1"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gave_up.is_err(), "{gave_up:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The application reads again; MaiAgent retries m1, which must be handed over this time.
    assert_eq!(drain(&mut rx, Duration::from_millis(200)).await, ["m0"]);
    let retry = post("m1").await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.text().await.unwrap(), "ok");
    // A further retry is a duplicate of a delivered message.
    let again = post("m1").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.text().await.unwrap(), "duplicate delivery ignored");

    let delivered = drain(&mut rx, Duration::from_millis(300)).await;
    let m1 = delivered.iter().filter(|id| *id == "m1").count();
    println!("cancelled hand-over then retries: m1 reached the application {m1} time(s)");
    assert_eq!(m1, 1, "{delivered:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_while_the_first_delivery_is_still_being_handed_over_is_not_acknowledged() {
    let (receiver, mut rx) = WebhookReceiver::channel(1);
    let url = format!(
        "{}/hook",
        serve(axum::Router::new().nest("/hook", receiver.into_router())).await
    );
    let http = http();
    let post = |id: &str| http.post(&url).body(reply_body(id, "conv-1")).send();
    assert_eq!(post("m0").await.unwrap().status(), StatusCode::OK);
    // m1 waits for room in the channel.
    let first = tokio::spawn(post("m1"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Its retry cannot be acknowledged yet: the first hand-over may still fail.
    let retry = post("m1").await.unwrap();
    assert_eq!(retry.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The application reads: the first hand-over completes and is acknowledged.
    assert_eq!(
        drain(&mut rx, Duration::from_millis(300)).await,
        ["m0", "m1"]
    );
    assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    assert_eq!(
        post("m1").await.unwrap().text().await.unwrap(),
        "duplicate delivery ignored"
    );
    assert!(drain(&mut rx, Duration::from_millis(100)).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_callback_is_answered_500_and_the_retry_delivers_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let completed = Arc::new(AtomicUsize::new(0));
    let (c, d) = (Arc::clone(&calls), Arc::clone(&completed));
    let receiver = WebhookReceiver::callback(move |message| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("the application failed on {:?}", message.id);
        }
        d.fetch_add(1, Ordering::SeqCst);
    });
    let url = format!(
        "{}/hook",
        serve(axum::Router::new().nest("/hook", receiver.into_router())).await
    );
    let http = http();
    let post = || http.post(&url).body(reply_body("m1", "conv-1")).send();

    let failed = post().await.expect("an answer, not a dropped connection");
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(completed.load(Ordering::SeqCst), 0);

    let retry = post().await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.text().await.unwrap(), "ok");
    let again = post().await.unwrap();
    assert_eq!(again.text().await.unwrap(), "duplicate delivery ignored");

    let (calls, completed) = (
        calls.load(Ordering::SeqCst),
        completed.load(Ordering::SeqCst),
    );
    println!("panicking callback then retries: {calls} calls, {completed} completed delivery");
    assert_eq!((calls, completed), (2, 1));
}

#[tokio::test]
async fn a_closed_channel_is_answered_503_and_not_remembered() {
    let (receiver, rx) = WebhookReceiver::channel(1);
    let url = format!(
        "{}/hook",
        serve(axum::Router::new().nest("/hook", receiver.into_router())).await
    );
    drop(rx);
    let http = http();
    for _ in 0..2 {
        let answer = http
            .post(&url)
            .body(reply_body("m1", "conv-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

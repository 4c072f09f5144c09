//! Several replicas behind a load balancer, on a real `redis-server`: two Redis-backed hubs in
//! one process, each with its own Redis connections and its own webhook receiver on its own
//! port. MaiAgent (the mock) delivers each webhook through a "load balancer" that always picks
//! the replica that is NOT waiting for it.
#![cfg(all(feature = "redis", feature = "mock", feature = "webhook-receiver"))]

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::hook_sink::serve;
use common::redis::{free_port, RedisServer};
use common::webhook::{http, reply_body};
use futures::future::join_all;
use futures::{StreamExt, TryStreamExt};
use maiagent::mock::{MockConfig, MockServer};
use maiagent::webhook::receiver::WebhookReceiver;
use maiagent::webhook::{Delivery, ReplyHub};
use maiagent::{Client, Error};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One replica: a Redis-backed hub and its receiver's URL.
#[derive(Clone)]
struct Replica {
    hub: ReplyHub,
    url: String,
}

async fn replica(redis: &RedisServer) -> Replica {
    let hub = ReplyHub::redis(redis.url()).await.expect("Redis is up");
    let app = axum::Router::new().nest("/hook", WebhookReceiver::hub(hub.clone()).into_router());
    let url = format!("{}/hook", serve(app).await);
    Replica { hub, url }
}

/// The load balancer in front of the replicas: forwards each webhook to the receiver chosen
/// for its conversation, retrying (as MaiAgent does) until that receiver answers 200.
#[derive(Clone)]
struct Balancer {
    http: reqwest::Client,
    routes: Arc<Mutex<HashMap<String, String>>>,
    forwarded: Arc<Mutex<HashMap<String, usize>>>,
    unavailable: Arc<AtomicUsize>,
    answered: Arc<Mutex<HashSet<String>>>,
    notify: Arc<tokio::sync::Notify>,
}

impl Balancer {
    fn new() -> Self {
        Self {
            http: http(),
            routes: Arc::default(),
            forwarded: Arc::default(),
            unavailable: Arc::default(),
            answered: Arc::default(),
            notify: Arc::default(),
        }
    }

    fn route(&self, conversation: &str, url: &str) {
        let mut routes = self.routes.lock().unwrap();
        routes.insert(conversation.to_string(), url.to_string());
    }

    async fn start(&self) -> String {
        async fn forward(State(lb): State<Balancer>, body: Bytes) -> StatusCode {
            let conversation = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["conversation"].as_str().map(str::to_string))
                .unwrap_or_default();
            let Some(url) = lb.routes.lock().unwrap().get(&conversation).cloned() else {
                return StatusCode::NOT_FOUND;
            };
            for _ in 0..600 {
                match lb.http.post(&url).body(body.clone()).send().await {
                    Ok(answer) if answer.status().is_success() => {
                        *lb.forwarded.lock().unwrap().entry(url).or_default() += 1;
                        lb.answered.lock().unwrap().insert(conversation);
                        lb.notify.notify_waiters();
                        return StatusCode::OK;
                    }
                    Ok(answer) if answer.status() == StatusCode::SERVICE_UNAVAILABLE => {
                        lb.unavailable.fetch_add(1, Ordering::SeqCst);
                    }
                    other => eprintln!("balancer: {url}: {other:?}"),
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            StatusCode::BAD_GATEWAY
        }
        let app = axum::Router::new()
            .route("/", axum::routing::post(forward))
            .with_state(self.clone());
        format!("{}/", serve(app).await)
    }

    /// Waits until the webhook for `conversation` was answered 200 by a replica.
    async fn answered(&self, conversation: &str) -> bool {
        let wait = async {
            loop {
                let notified = self.notify.notified();
                if self.answered.lock().unwrap().contains(conversation) {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_ok()
    }
}

async fn mock_with_webhooks_to(balancer: &str) -> (MockServer, Client) {
    let config = MockConfig::for_tests().with_webhook_url(balancer.to_string());
    let mock = MockServer::start_with(config).await.unwrap();
    let client = client_for(&mock, &mock.base_url());
    (mock, client)
}

fn client_for(mock: &MockServer, base_url: &str) -> Client {
    Client::builder()
        .api_key(mock.api_key())
        .base_url(base_url)
        .build()
        .unwrap()
}

async fn conversations(mock: &MockServer, client: &Client, n: usize) -> Vec<String> {
    let web_chat = mock.demo().web_chat.to_string();
    futures::stream::iter(0..n)
        .map(|_| client.conversations().create(&web_chat).send())
        .buffer_unordered(50)
        .map_ok(|c| c.id.to_string())
        .try_collect()
        .await
        .unwrap()
}

/// Sends a question in each conversation through the replica `waiting_on(i)` and awaits the
/// reply, all at once; the number of replies that reached the right waiter.
async fn send_and_await_all(
    client: &Client,
    conversations: &[String],
    replicas: &[&Replica],
    timeout: Duration,
) -> usize {
    let calls = conversations.iter().enumerate().map(|(i, conversation)| {
        let hub = replicas[i % replicas.len()].hub.clone();
        async move {
            let question = format!("question {i} in {conversation}");
            let reply = client
                .messages()
                .send(conversation, question.clone())
                .await_reply(&hub, timeout)
                .await;
            if let Err(e) = &reply {
                eprintln!("call {i} in {conversation}: {e}");
            }
            reply.is_ok_and(|reply| {
                reply.conversation.as_ref().map(|c| c.as_str()) == Some(conversation.as_str())
                    && reply.content.unwrap_or_default().contains(&question)
            })
        }
    });
    join_all(calls).await.into_iter().filter(|ok| *ok).count()
}

/// Routes each conversation's webhook to the replica that does not wait for it.
fn cross_routes(balancer: &Balancer, conversations: &[String], replicas: &[&Replica; 2]) {
    for (i, conversation) in conversations.iter().enumerate() {
        balancer.route(conversation, &replicas[(i + 1) % 2].url);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_send_and_await_calls_across_two_replicas_each_get_their_reply() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let balancer = Balancer::new();
    let (mock, client) = mock_with_webhooks_to(&balancer.start().await).await;
    let conversations = conversations(&mock, &client, 1000).await;
    cross_routes(&balancer, &conversations, &[&a, &b]);

    let started = std::time::Instant::now();
    let right =
        send_and_await_all(&client, &conversations, &[&a, &b], Duration::from_secs(60)).await;
    println!(
        "{right} of 1000 replies reached the right waiter ({} ms)",
        started.elapsed().as_millis()
    );
    assert_eq!(right, 1000);
    // Every webhook went to the replica that was not waiting for it (the balancer counts a
    // forward once the replica's 200 reached it, just after the waiter had the reply).
    let forwarded = || balancer.forwarded.lock().unwrap().clone();
    for _ in 0..100 {
        if forwarded().values().sum::<usize>() == 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let forwarded = forwarded();
    assert_eq!(forwarded.get(&a.url), Some(&500), "{forwarded:?}");
    assert_eq!(forwarded.get(&b.url), Some(&500), "{forwarded:?}");

    // Bounded: the stream and one expiring id per message; nothing left by the waiters.
    let (keys, used_memory) = redis.memory().await;
    println!("Redis after 1000 replies: DBSIZE {keys} keys, used_memory {used_memory} bytes");
    assert_eq!(keys, 1001);
    let mut conn = redis.connection().await;
    let names: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut ttls = redis::pipe();
    for name in &names {
        ttls.ttl(name);
    }
    let ttls: Vec<i64> = ttls.query_async(&mut conn).await.unwrap();
    assert!(ttls.iter().all(|t| *t > 0), "every key expires");
    for hub in [&a.hub, &b.hub] {
        assert!(format!("{hub:?}").contains("waiting_conversations: 0"));
    }
}

/// A proxy in front of the mock that holds the answer to `POST messages/` until the webhook
/// with the reply has been answered 200 by a replica: the reply is in Redis before `send`
/// returns, so before the waiter starts listening for it.
async fn slow_send_proxy(mock: &MockServer, balancer: Balancer) -> String {
    type Proxy = (String, Balancer);
    async fn relay(
        State((mock, balancer)): State<Proxy>,
        request: axum::extract::Request,
    ) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        let url = format!("{mock}{}", parts.uri);
        let mut forwarded = balancer
            .http
            .request(parts.method.clone(), url)
            .body(body.clone());
        for (name, value) in &parts.headers {
            if name != axum::http::header::HOST {
                forwarded = forwarded.header(name, value);
            }
        }
        let answer = forwarded.send().await.unwrap();
        let status = answer.status();
        let content_type = answer.headers().get("content-type").cloned();
        let bytes = answer.bytes().await.unwrap();
        if parts.method == axum::http::Method::POST && parts.uri.path().ends_with("/messages/") {
            let conversation = serde_json::from_slice::<serde_json::Value>(&body).unwrap()
                ["conversation"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !balancer.answered(&conversation).await {
                return StatusCode::GATEWAY_TIMEOUT.into_response();
            }
            // Give the waiting replica's reader time to take the reply off the stream, too.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut response = axum::response::Response::new(axum::body::Body::from(bytes));
        *response.status_mut() = status;
        if let Some(content_type) = content_type {
            response.headers_mut().insert("content-type", content_type);
        }
        response
    }
    let app = axum::Router::new()
        .fallback(relay)
        .with_state((format!("http://{}", mock.addr()), balancer));
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_arrives_before_the_waiter_listens_still_reaches_it() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let balancer = Balancer::new();
    let (mock, direct) = mock_with_webhooks_to(&balancer.start().await).await;
    let conversations = conversations(&mock, &direct, 20).await;
    // Every call waits on replica A; every webhook reaches replica B.
    for conversation in &conversations {
        balancer.route(conversation, &b.url);
    }
    let proxy = slow_send_proxy(&mock, balancer.clone()).await;
    let base_url = mock
        .base_url()
        .replace(&format!("http://{}", mock.addr()), &proxy);
    let client = client_for(&mock, &base_url);
    let right = send_and_await_all(&client, &conversations, &[&a], Duration::from_secs(30)).await;
    println!("reply before listen: {right} of 20 replies published before their send returned reached the waiter");
    assert_eq!(right, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_to_both_replicas_reach_the_application_once() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let messages: Vec<(String, String)> = (0..50)
        .map(|i| (format!("m-{i}"), format!("conv-{i}")))
        .collect();
    // Two waiters per conversation on A: a second copy of a message would reach the second.
    let waiters: Vec<_> = messages
        .iter()
        .map(|(_, c)| (a.hub.waiter(c), a.hub.waiter(c)))
        .collect();
    let http = http();
    let posts = messages.iter().flat_map(|(id, conversation)| {
        [&a.url, &b.url, &a.url, &b.url].map(|url| {
            let request = http.post(url).body(reply_body(id, conversation));
            async move { request.send().await.unwrap().text().await.unwrap() }
        })
    });
    let answers = join_all(posts).await;
    let ok = answers.iter().filter(|t| *t == "ok").count();
    let duplicates = answers
        .iter()
        .filter(|t| *t == "duplicate delivery ignored")
        .count();

    let mut received = 0;
    let mut second_copies = 0;
    for (first, second) in waiters {
        if first.wait(Duration::from_secs(10)).await.is_ok() {
            received += 1;
        }
        if second.wait(Duration::from_millis(20)).await.is_ok() {
            second_copies += 1;
        }
    }
    let mut conn = redis.connection().await;
    let entries: u64 = redis::cmd("XLEN")
        .arg("{maiagent}:replies")
        .query_async(&mut conn)
        .await
        .unwrap();
    println!(
        "duplicates: {} deliveries of 50 messages to both replicas: {ok} ok, {duplicates} duplicate; \
         the application received {received}, second copies {second_copies}, stream entries {entries}",
        answers.len()
    );
    assert_eq!((ok, duplicates), (50, 150));
    assert_eq!((received, second_copies, entries), (50, 0, 50));
    assert!(b.hub.has_seen("m-0").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_mid_run() {
    let mut redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let balancer = Balancer::new();
    let (mock, client) = mock_with_webhooks_to(&balancer.start().await).await;
    let conversations = conversations(&mock, &client, 150).await;
    cross_routes(&balancer, &conversations, &[&a, &b]);
    let (before, during) = conversations.split_at(50);
    let timeout = Duration::from_secs(30);
    assert_eq!(
        send_and_await_all(&client, before, &[&a, &b], timeout).await,
        50
    );

    redis.kill();
    let outage = tokio::spawn({
        let (client, during, a, b) = (client.clone(), during.to_vec(), a.clone(), b.clone());
        async move { send_and_await_all(&client, &during, &[&a, &b], timeout).await }
    });
    // The replicas answer 503 while Redis is down, so the webhooks are retried.
    for _ in 0..500 {
        if balancer.unavailable.load(Ordering::SeqCst) >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        balancer.unavailable.load(Ordering::SeqCst) >= 100,
        "503 while Redis is down"
    );
    // A waiter whose deadline passes during the outage gets a typed timeout, not a hang.
    let lonely = a
        .hub
        .waiter("nobody-answers")
        .wait(Duration::from_millis(200))
        .await;
    assert!(matches!(lonely, Err(Error::Timeout { .. })), "{lonely:?}");
    let unavailable = balancer.unavailable.load(Ordering::SeqCst);

    redis.restart();
    let after = outage.await.unwrap();
    println!(
        "restart: {unavailable} webhook answers were 503 while Redis was down; \
         {after} of 100 replies sent after the restart reached the right waiter"
    );
    assert_eq!(after, 100);
    let (keys, used_memory) = redis.memory().await;
    println!("Redis after the restart: DBSIZE {keys} keys, used_memory {used_memory} bytes");
}

#[tokio::test]
async fn redis_unreachable_at_startup_is_a_clear_typed_error() {
    let port = free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}");
    let connect = ReplyHub::redis(url).timeout(Duration::from_millis(500));
    let err = tokio::time::timeout(Duration::from_secs(20), connect)
        .await
        .expect("an answer, not a hang")
        .unwrap_err();
    let text = err.to_string();
    println!("unreachable Redis: {text}");
    assert!(matches!(err, Error::Redis { .. }), "{err:?}");
    assert!(
        text.contains(&format!("connecting to 127.0.0.1:{port}")),
        "{text}"
    );
    assert!(!text.contains("hunter2") && !format!("{err:?}").contains("hunter2"));

    let err = ReplyHub::redis("http://not-redis").await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_trimmed_ids_expire_and_timed_out_waiters_leave_nothing() {
    let redis = RedisServer::start();
    let hub = ReplyHub::redis(redis.url())
        .stream_max_len(100)
        .dedup_ttl(Duration::from_secs(1))
        .await
        .unwrap();
    let waiters = join_all((0..100).map(|i| {
        hub.waiter(format!("conv-{i}"))
            .wait(Duration::from_millis(10))
    }))
    .await;
    assert!(waiters
        .iter()
        .all(|w| matches!(w, Err(Error::Timeout { .. }))));
    let (keys, _) = redis.memory().await;
    assert_eq!(keys, 0, "waiting stores nothing in Redis");
    for i in 0..1000 {
        let message =
            maiagent::webhook::decode(reply_body(&format!("m-{i}"), "conv-x").as_bytes()).unwrap();
        assert_eq!(hub.deliver(message).await.unwrap(), Delivery::Published);
    }
    let mut conn = redis.connection().await;
    let entries: u64 = redis::cmd("XLEN")
        .arg("{maiagent}:replies")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(entries < 300, "trimmed to about 100: {entries}");
    // The ids and the stream expire.
    let mut keys = redis.memory().await.0;
    for _ in 0..200 {
        if keys == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        keys = redis.memory().await.0;
    }
    println!("bounded: {entries} stream entries kept of 1000; keys left after the TTL: {keys}");
    assert_eq!(keys, 0);
    assert!(format!("{hub:?}").contains("waiting_conversations: 0"));
}

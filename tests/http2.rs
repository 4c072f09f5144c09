//! With feature `http2`, the SDK's own client negotiates HTTP/2 through TLS ALPN: a server that
//! speaks only HTTP/2 gets a JSON call and a reply stream, with the API key, over one
//! connection.
#![cfg(feature = "http2")]

mod common;

use bytes::Bytes;
use common::http_server::{tls_config, trust_test_ca};
use futures::TryStreamExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use maiagent::{Client, RetryPolicy};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    version: Version,
    path: String,
    authorization: Option<String>,
}

/// An HTTP/2-only TLS server (ALPN `h2`); returns its address, what it saw and how many
/// connections it accepted.
async fn h2_server() -> (
    std::net::SocketAddr,
    Arc<Mutex<Vec<Seen>>>,
    Arc<AtomicUsize>,
) {
    trust_test_ca();
    let mut config = tls_config();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let (log, count) = (seen.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let log = log.clone();
                    async move { Ok::<_, std::convert::Infallible>(answer(&log, &request)) }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, seen, connections)
}

fn answer(log: &Mutex<Vec<Seen>>, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    log.lock().unwrap().push(Seen {
        version: request.version(),
        path: path.clone(),
        authorization: request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    });
    let (media, body) = if path.contains("completions") {
        let event = r#"{"conversationId":"c-1","content":"hi","done":true}"#;
        ("text/event-stream", format!("data: {event}\n\n"))
    } else {
        ("application/json", r#"{"id":"c-1"}"#.to_string())
    };
    Response::builder()
        .header("content-type", media)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

#[tokio::test]
async fn the_own_client_speaks_http2_when_the_server_offers_only_that() {
    let (addr, seen, connections) = h2_server().await;
    let client = Client::builder()
        .api_key("test-key")
        .base_url(format!("https://localhost:{}/api/v1/", addr.port()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let conversation = client.conversations().get("c-1").await.unwrap();
    assert_eq!(conversation.id.to_string(), "c-1");
    let stream = client.chatbot("bot-1").stream("hello").await.unwrap();
    let events: Vec<maiagent::types::Completion> = stream.try_collect().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].content, "hi");
    assert!(events[0].done);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for request in &seen {
        assert_eq!(request.version, Version::HTTP_2, "{request:?}");
        assert_eq!(request.authorization.as_deref(), Some("Api-Key test-key"));
    }
    assert_eq!(seen[0].path, "/api/v1/conversations/c-1/");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one multiplexed connection"
    );
}

//! Failures of streamed chatbot replies against a local raw-HTTP server: error statuses,
//! truncation, broken connections, limits, idle timeouts, cancellation and retries.

mod common;

use common::http_server::{event, serve, sse_server};
use futures::StreamExt;
use maiagent::Error;
use std::time::Duration;
use tokio::sync::oneshot;

#[tokio::test]
async fn error_statuses_are_returned_by_the_call_with_their_body() {
    let server = serve(|request, mut conn| async move {
        if request.json()["message"]["content"] == "html" {
            conn.respond(502, "text/html", b"<html><body>Bad gateway</body></html>")
                .await;
        } else {
            conn.respond(404, "application/json", br#"{"detail":"Not found."}"#)
                .await;
        }
        Some(conn)
    })
    .await;
    let client = server.client();
    let e = client.chatbot("b").stream("json").await.unwrap_err();
    let api = e.api_error().expect("an API error");
    assert_eq!(api.status, 404);
    assert_eq!(api.detail(), Some("Not found."));
    assert_eq!(api.request_id.as_deref(), Some("req-42"));
    let e = client.chatbot("b").stream("html").await.unwrap_err();
    let api = e.api_error().expect("an API error");
    assert_eq!(api.status, 502);
    assert!(api.body.contains("Bad gateway"));
    assert!(api.json.is_none());
}

#[tokio::test]
async fn a_stream_without_its_final_event_is_truncated() {
    // Connection: close, so the end of the body is a clean end of the input.
    let server = serve(|_, mut conn| async move {
        conn.head_close(200, "text/event-stream").await;
        conn.write(event("c1", "part", false).as_bytes())
            .await
            .unwrap();
        conn.close().await;
        None
    })
    .await;
    let client = server.client();
    let mut stream = client.chatbot("b").stream("x").await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().content, "part");
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::StreamTruncated { received: 1 }), "{e:?}");
    assert!(
        stream.next().await.is_none(),
        "the stream ends after its first error"
    );

    let e = client
        .chatbot("b")
        .stream("x")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::StreamTruncated { .. }), "{e:?}");
}

#[tokio::test]
async fn a_broken_chunked_body_is_a_connection_error() {
    let server = serve(|_, mut conn| async move {
        conn.head_chunked(200, "text/event-stream").await;
        conn.chunk(event("c1", "part", false).as_bytes())
            .await
            .unwrap();
        conn.write(b"40\r\ndata: {\"cont").await.unwrap();
        conn.close().await;
        None
    })
    .await;
    let mut stream = server.client().chatbot("b").stream("x").await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().content, "part");
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn an_oversized_event_is_event_too_large() {
    let big = event("c1", &"字".repeat(10_000), true);
    let server = sse_server(event("c1", "ok", false) + &big).await;
    // Per call:
    let client = server.client();
    let mut stream = client
        .chatbot("b")
        .stream("x")
        .max_event_size(4096)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().content, "ok");
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::EventTooLarge { limit: 4096 }), "{e:?}");
    assert!(stream.next().await.is_none());
    // Per client:
    let client = server.client_with(|b| b.max_event_size(1000));
    let e = client
        .chatbot("b")
        .stream("x")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::EventTooLarge { limit: 1000 }), "{e:?}");
    // The default (1 MiB) accepts it:
    let client = server.client();
    let reply = client
        .chatbot("b")
        .stream("x")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap();
    assert_eq!(reply.content.chars().count(), 10_002);
}

#[tokio::test]
async fn invalid_json_is_invalid_event_with_its_data() {
    let body = event("c1", "ok", false) + "data: {not json\n\n" + &event("c1", "", true);
    let server = sse_server(body).await;
    let mut stream = server.client().chatbot("b").stream("x").await.unwrap();
    stream.next().await.unwrap().unwrap();
    match stream.next().await.unwrap().unwrap_err() {
        Error::InvalidEvent { data, .. } => assert_eq!(data, "{not json"),
        e => panic!("{e:?}"),
    }
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn silence_longer_than_the_idle_timeout_is_idle_timeout() {
    let (_hold_tx, hold_rx) = oneshot::channel::<()>();
    let hold = std::sync::Mutex::new(Some(hold_rx));
    let server = serve(move |_, mut conn| {
        let hold = hold.lock().unwrap().take();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunk(event("c1", "a", false).as_bytes())
                .await
                .unwrap();
            if let Some(hold) = hold {
                let _ = hold.await; // silent until the test ends
            }
            None
        }
    })
    .await;
    let client = server.client();
    let mut stream = client
        .chatbot("b")
        .stream("x")
        .idle_timeout(Duration::from_millis(200))
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(e, Error::IdleTimeout { after } if after == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn the_client_idle_timeout_applies_too() {
    let server = serve(|_, mut conn| async move {
        conn.head_chunked(200, "text/event-stream").await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        None
    })
    .await;
    let client = server.client_with(|b| b.stream_idle_timeout(Duration::from_millis(150)));
    let e = client
        .chatbot("b")
        .stream("x")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::IdleTimeout { .. }), "{e:?}");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (closed_tx, closed_rx) = oneshot::channel::<bool>();
    let closed_tx = std::sync::Mutex::new(Some(closed_tx));
    let server = serve(move |_, mut conn| {
        let closed_tx = closed_tx.lock().unwrap().take().unwrap();
        async move {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunk(event("c1", "a", false).as_bytes())
                .await
                .unwrap();
            let closed = conn.wait_closed(Duration::from_secs(10)).await;
            closed_tx.send(closed).unwrap();
            None
        }
    })
    .await;
    let mut stream = server.client().chatbot("b").stream("x").await.unwrap();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    assert!(
        closed_rx.await.unwrap(),
        "the server saw the connection close"
    );
}

#[tokio::test]
async fn the_request_is_retried_before_the_stream_starts_and_500_is_not() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = calls.clone();
    let mut server = serve(move |request, mut conn| {
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            if request.json()["message"]["content"] == "500" {
                conn.respond(500, "application/json", br#"{"detail":"boom"}"#)
                    .await;
            } else if n == 0 {
                conn.respond(503, "text/plain", b"busy").await;
            } else {
                conn.head_chunked(200, "text/event-stream").await;
                conn.chunk(event("c1", "ok", true).as_bytes())
                    .await
                    .unwrap();
                conn.end().await;
            }
            Some(conn)
        }
    })
    .await;
    let policy = maiagent::RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .jitter(false);
    let client = server.client_with(|b| b.retry_policy(policy));
    let reply = client
        .chatbot("b")
        .stream("x")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap();
    assert_eq!(reply.content, "ok");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    server.request().await;
    server.request().await;

    let e = client.chatbot("b").stream("500").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "a POST is not retried on 500"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_an_idle_timeout_or_a_timeout() {
    let server = serve(|_, conn| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Some(conn)
    })
    .await;
    let client = server.client();
    let e = client
        .chatbot("b")
        .stream("x")
        .idle_timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::IdleTimeout { .. }), "{e:?}");
    let e = client
        .chatbot("b")
        .stream("x")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

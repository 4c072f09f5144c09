//! Bodies that are not UTF-8: the text an error keeps of them (`Error::Decode`'s snippet,
//! `Error::InvalidEvent`'s data, `ApiError::body`) stays within its documented 64 KiB, and the
//! error's message within about 1 KiB, although each invalid byte becomes a 3-byte character.

mod common;

use common::http_server::serve;
use maiagent::Error;

const LIMIT: usize = 64 * 1024;

/// A server answering every request with `status` and 256 KiB of bytes that are not UTF-8
/// (for an event stream, one event of 3-byte characters that is not JSON, cut by the limit in
/// the middle of a character).
async fn garbage_server(
    status: u16,
    content_type: &'static str,
) -> common::http_server::TestServer {
    serve(move |_, mut conn| async move {
        let body = if content_type == "text/event-stream" {
            format!("data: {}\n\n", "€".repeat(90_000)).into_bytes()
        } else {
            vec![0xffu8; 256 * 1024]
        };
        conn.respond(status, content_type, &body).await;
        Some(conn)
    })
    .await
}

#[tokio::test]
async fn a_decode_error_keeps_at_most_64_kib_and_shows_at_most_1_kib() {
    let server = garbage_server(200, "application/json").await;
    let error = server
        .client()
        .conversations()
        .get("c-1")
        .await
        .unwrap_err();
    let Error::Decode { snippet, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(snippet.len() <= LIMIT, "{}", snippet.len());
    assert!(snippet.starts_with(char::REPLACEMENT_CHARACTER));
    assert!(
        error.to_string().len() < 2 * 1024,
        "{}",
        error.to_string().len()
    );
}

#[tokio::test]
async fn an_invalid_event_keeps_at_most_64_kib_and_shows_at_most_1_kib() {
    let server = garbage_server(200, "text/event-stream").await;
    let client = server.client_with(|b| b.max_event_size(1024 * 1024));
    let mut stream = client.chatbot("bot-1").stream("hi").await.unwrap();
    let error = futures::StreamExt::next(&mut stream)
        .await
        .unwrap()
        .unwrap_err();
    let Error::InvalidEvent { data, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(data.len() <= LIMIT, "{}", data.len());
    assert!(data.starts_with('€'));
    assert!(
        error.to_string().len() < 2 * 1024,
        "{}",
        error.to_string().len()
    );
}

#[tokio::test]
async fn an_api_error_body_keeps_at_most_64_kib() {
    let server = garbage_server(500, "text/html").await;
    let error = server
        .client()
        .conversations()
        .get("c-1")
        .await
        .unwrap_err();
    let api = error.api_error().expect("an API error");
    assert!(api.body.len() <= LIMIT, "{}", api.body.len());
    assert!(api.body.len() > LIMIT - 3);
    assert!(
        error.to_string().len() < 2 * 1024,
        "{}",
        error.to_string().len()
    );
}

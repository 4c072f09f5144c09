//! Oversized and endless JSON bodies: every non-streaming response is read with a bound
//! (`ClientBuilder::max_response_size`, per call `max_response_size`), and a body past it is
//! [`Error::ResponseTooLarge`] as soon as the bound is crossed, not after the whole body or a
//! timeout. The `#[ignore]`d test measures the peak memory of a 500 MiB and an endless body
//! (`cargo test --all-features --test hostile_bodies -- --ignored --nocapture`).

mod common;

use common::http_server::{serve, Conn, TestServer};
use futures::StreamExt;
use maiagent::{Error, DEFAULT_MAX_RESPONSE_SIZE};
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// How the server sends a body of `len` bytes (`None`: without end).
#[derive(Clone, Copy)]
enum Body {
    /// With `Content-Length: len`.
    Announced(u64),
    /// Chunked, `len` bytes of JSON-looking text.
    Chunked(Option<u64>),
}

async fn hostile(body: Body) -> TestServer {
    serve(move |_, conn| async move {
        send(conn, body).await;
        None
    })
    .await
}

/// Writes a JSON array of `0,` items in 64 KiB pieces.
async fn send(mut conn: Conn, body: Body) {
    let piece = {
        let mut p = b"0,".repeat(32 * 1024);
        p[0] = b'[';
        p
    };
    match body {
        Body::Announced(len) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
            );
            if conn.write(head.as_bytes()).await.is_err() {
                return;
            }
            let mut sent = 0;
            while sent < len {
                if conn.write(&piece).await.is_err() {
                    return;
                }
                sent += piece.len() as u64;
            }
        }
        Body::Chunked(len) => {
            conn.head_chunked(200, "application/json").await;
            let mut sent = 0;
            while len.is_none_or(|len| sent < len) {
                if conn.chunk(&piece).await.is_err() {
                    return;
                }
                sent += piece.len() as u64;
            }
            conn.end().await;
        }
    }
}

fn too_large(e: &Error) -> (u64, u64, Option<u64>) {
    match e {
        Error::ResponseTooLarge {
            limit,
            received,
            announced,
        } => (*limit, *received, *announced),
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn an_endless_body_stops_at_the_clients_limit() {
    let server = hostile(Body::Chunked(None)).await;
    let client = server.client_with(|b| b.max_response_size(MIB));
    let e = client.conversations().get("c").await.unwrap_err();
    let (limit, received, announced) = too_large(&e);
    assert_eq!((limit, announced), (MIB, None));
    assert!(received > MIB && received <= MIB + 64 * 1024, "{received}");
    assert!(e.to_string().contains("1048576-byte limit"), "{e}");
}

#[tokio::test]
async fn an_announced_length_over_the_limit_is_refused_before_reading() {
    let server = hostile(Body::Announced(5 * MIB)).await;
    let client = server.client_with(|b| b.max_response_size(MIB));
    let e = client
        .conversations()
        .list()
        .first_page()
        .await
        .unwrap_err();
    assert_eq!(too_large(&e), (MIB, 0, Some(5 * MIB)));
}

#[tokio::test]
async fn a_call_may_set_its_own_limit_both_ways() {
    let server = hostile(Body::Chunked(Some(2 * MIB))).await;
    let client = server.client_with(|b| b.max_response_size(MIB));
    // Lower than the client's limit.
    let e = client
        .conversations()
        .get("c")
        .max_response_size(64 * 1024)
        .await
        .unwrap_err();
    assert_eq!(too_large(&e).0, 64 * 1024);
    // Higher: the whole 2 MiB arrive, and only then does decoding fail (it is not a
    // conversation), so the limit was not what stopped it.
    let e = client
        .conversations()
        .get("c")
        .max_response_size(4 * MIB)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn every_json_call_is_bounded_whole_replies_and_raw_requests_too() {
    let server = hostile(Body::Chunked(None)).await;
    let client = server.client_with(|b| b.max_response_size(MIB));
    let e = client.chatbot("b").complete("hi").await.unwrap_err();
    too_large(&e);
    let e = client.messages().send("c", "hi").await.unwrap_err();
    too_large(&e);
    let e = client
        .api(reqwest::Method::GET, "inboxes/")
        .send()
        .await
        .unwrap_err();
    too_large(&e);
    let mut items = client.messages().list("c").items();
    let e = items.next().await.expect("an error").unwrap_err();
    too_large(&e);
}

#[test]
fn the_default_limit_is_far_above_any_answer() {
    assert_eq!(DEFAULT_MAX_RESPONSE_SIZE, 32 * MIB);
}

/// Peak memory of the whole test process while a 500 MiB body and an endless body are refused
/// at the default limit. Run alone (`--ignored --nocapture`): it prints the figures.
#[tokio::test]
#[ignore = "measures memory; run alone with --ignored --nocapture"]
async fn peak_memory_of_hostile_bodies() {
    let before = peak_rss_mib();
    for (name, body) in [
        ("500 MiB body, chunked", Body::Chunked(Some(500 * MIB))),
        ("500 MiB body, Content-Length", Body::Announced(500 * MIB)),
        ("endless body", Body::Chunked(None)),
    ] {
        let server = hostile(body).await;
        let client = server.client_with(|b| b.request_timeout(Duration::from_secs(120)));
        let e = client.conversations().get("c").await.unwrap_err();
        too_large(&e);
        println!(
            "{name}: peak RSS {:.1} MiB (before: {before:.1} MiB); error: {e}",
            peak_rss_mib()
        );
    }
    assert!(peak_rss_mib() < before + 2.0 * (DEFAULT_MAX_RESPONSE_SIZE / MIB) as f64);
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

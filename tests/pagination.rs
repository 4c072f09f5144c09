//! Pagination streams against a scripted HTTP server on 127.0.0.1 that records every request.

use futures::{StreamExt, TryStreamExt};
use maiagent::pagination::{Page, MAX_EMPTY_PAGES};
use maiagent::{Client, Error, RetryPolicy};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::http_server::{serve_replies, Reply, Request, TestServer};

fn client(server: &TestServer, retry: RetryPolicy) -> Client {
    server.client_with(|b| b.retry_policy(retry))
}

fn ok(body: Value) -> Reply {
    Reply::json(200, &body)
}

/// `status` with this body, labelled JSON.
fn reply(status: u16, body: &str) -> Reply {
    Reply::new(status)
        .header("content-type", "application/json")
        .body(body)
}

fn conversations(ids: &[&str]) -> Value {
    ids.iter()
        .map(|id| json!({"id": id, "title": format!("title {id}")}))
        .collect()
}

/// Serves conversation pages keyed by cursor (`""` is the first page): `(ids, next cursor)`.
async fn scripted(
    pages: Vec<(&'static str, Vec<&'static str>, Option<&'static str>)>,
) -> TestServer {
    let port = Arc::new(Mutex::new(0u16));
    let p = port.clone();
    let server = serve_replies(move |seen: &Request| {
        let cursor = seen.q("cursor").unwrap_or("");
        let port = *p.lock().unwrap();
        match pages.iter().find(|(c, _, _)| *c == cursor) {
            Some((_, ids, next)) => {
                let next = next.map(|n| {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(n.as_bytes()).collect();
                    format!("http://127.0.0.1:{port}/api/v1/conversations/?cursor={encoded}")
                });
                ok(json!({"next": next, "previous": null, "results": conversations(ids)}))
            }
            None => reply(404, r#"{"detail":"Invalid cursor"}"#),
        }
    })
    .await;
    *port.lock().unwrap() = server.addr.port();
    server
}

fn ids(items: &[maiagent::types::Conversation]) -> Vec<String> {
    items.iter().map(|c| c.id.to_string()).collect()
}

fn cursors(server: &TestServer) -> Vec<Option<String>> {
    server
        .recorded()
        .iter()
        .map(|r| r.q("cursor").map(str::to_string))
        .collect()
}

#[tokio::test]
async fn zero_items() {
    let server = scripted(vec![("", vec![], None)]).await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    let pages: Vec<_> = client
        .conversations()
        .list()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(server.recorded().len(), 2);
}

#[tokio::test]
async fn one_page() {
    let server = scripted(vec![("", vec!["a", "b", "c"], None)]).await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b", "c"]);
    let requests = server.recorded();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/api/v1/conversations/");
    assert_eq!(requests[0].q("cursor"), None);
}

#[tokio::test]
async fn many_pages_in_order_with_opaque_cursors_and_no_count() {
    // Cursors with characters that must survive the URL round trip unchanged.
    let server = scripted(vec![
        ("", vec!["a", "b"], Some("cD0yMDI0LTAx+/=")),
        ("cD0yMDI0LTAx+/=", vec!["c", "d"], Some("r=1&p=x y")),
        ("r=1&p=x y", vec!["e"], None),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b", "c", "d", "e"]);
    assert_eq!(
        cursors(&server),
        [
            None,
            Some("cD0yMDI0LTAx+/=".to_string()),
            Some("r=1&p=x y".to_string())
        ]
    );
}

#[tokio::test]
async fn pages_stream_yields_whole_pages() {
    let server = scripted(vec![
        ("", vec!["a", "b"], Some("2")),
        ("2", vec!["c"], None),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let pages: Vec<_> = client
        .conversations()
        .list()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].items().len(), 2);
    assert_eq!(pages[0].next_cursor().as_deref(), Some("2"));
    assert_eq!(pages[1].next_cursor(), None);
    assert_eq!(pages[1].count(), None);
}

#[tokio::test]
async fn an_empty_middle_page_with_next_continues() {
    let server = scripted(vec![
        ("", vec!["a"], Some("2")),
        ("2", vec![], Some("3")),
        ("3", vec!["b"], None),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b"]);
    assert_eq!(server.recorded().len(), 3);
}

#[tokio::test]
async fn filters_and_page_size_are_sent_on_every_page() {
    let server = scripted(vec![
        ("", vec!["a"], Some("2")),
        ("2", vec!["b"], Some("3")),
        ("3", vec!["c"], None),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .inbox("inbox-1")
        .keyword("退款 refund")
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    let requests = server.recorded();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.q("inbox"), Some("inbox-1"), "{r:?}");
        assert_eq!(r.q("keyword"), Some("退款 refund"), "{r:?}");
        assert_eq!(r.q("pageSize"), Some("1"), "{r:?}");
        assert_eq!(r.q("page_size"), None, "{r:?}");
    }
}

#[tokio::test]
async fn a_cursor_seen_twice_is_a_pagination_loop() {
    let server = scripted(vec![
        ("", vec!["a"], Some("c1")),
        ("c1", vec!["b"], Some("c2")),
        ("c2", vec!["c"], Some("c1")),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let mut items = client.conversations().list().items();
    let mut got = Vec::new();
    let error = loop {
        match items.next().await {
            Some(Ok(c)) => got.push(c.id.to_string()),
            Some(Err(e)) => break e,
            None => panic!("the loop was not detected"),
        }
    };
    assert_eq!(got, ["a", "b", "c"]);
    assert!(
        matches!(&error, Error::PaginationLoop { cursor } if cursor == "c1"),
        "{error:?}"
    );
    assert!(items.next().await.is_none());
    assert_eq!(server.recorded().len(), 3);
}

#[tokio::test]
async fn a_page_naming_itself_next_is_a_loop() {
    let server = scripted(vec![
        ("", vec!["a"], Some("same")),
        ("same", vec!["b"], Some("same")),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let pages: Vec<_> = client.conversations().list().pages().collect().await;
    assert_eq!(pages.len(), 3);
    assert!(pages[0].is_ok() && pages[1].is_ok());
    assert!(matches!(&pages[2], Err(Error::PaginationLoop { cursor }) if cursor == "same"));
    assert_eq!(server.recorded().len(), 2);
}

#[tokio::test]
async fn endless_empty_pages_are_stopped() {
    let server = serve_replies(|seen: &Request| {
        let n: u64 = seen.q("cursor").map_or(0, |c| c.parse().unwrap());
        ok(json!({"next": format!("/api/v1/conversations/?cursor={}", n + 1), "results": []}))
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let result: Result<Vec<_>, _> = client.conversations().list().items().try_collect().await;
    assert!(
        matches!(result, Err(Error::PaginationLoop { .. })),
        "{result:?}"
    );
    assert_eq!(server.recorded().len() as u32, MAX_EMPTY_PAGES + 1);
}

#[tokio::test]
async fn dropping_the_stream_stops_fetching() {
    let server = scripted(vec![
        ("", vec!["a", "b"], Some("2")),
        ("2", vec!["c", "d"], Some("3")),
        ("3", vec!["e", "f"], Some("4")),
        ("4", vec!["g", "h"], None),
    ])
    .await;
    let client = client(&server, RetryPolicy::none());
    let mut items = client.conversations().list().items();
    // Nothing is requested before the first poll.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.recorded().len(), 0);
    let first = items.try_next().await.unwrap().unwrap();
    assert_eq!(first.id.to_string(), "a");
    drop(items);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(cursors(&server), [None]);

    // Items of a fetched page come without another request; the next page comes when needed.
    let mut items = client.conversations().list().items();
    items.try_next().await.unwrap();
    items.try_next().await.unwrap();
    assert_eq!(server.recorded().len(), 2);
    items.try_next().await.unwrap();
    assert_eq!(server.recorded().len(), 3);
}

#[tokio::test]
async fn only_the_cursor_of_next_is_used_whatever_its_host_or_prefix() {
    let server = serve_replies(|seen: &Request| match seen.q("cursor") {
        None => ok(json!({
            "next": "https://elsewhere.example:8443/other/prefix/conversations/?pageSize=99&inbox=wrong&cursor=abc%3D",
            "results": conversations(&["a"]),
        })),
        Some("abc=") => ok(json!({
            "next": "/some/relative/path/?cursor=def",
            "results": conversations(&["b"]),
        })),
        Some("def") => ok(json!({"next": "?cursor=ghi", "results": conversations(&["c"])})),
        Some("ghi") => ok(json!({"next": null, "results": conversations(&["d"])})),
        Some(other) => panic!("unexpected cursor {other}"),
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .inbox("right")
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b", "c", "d"]);
    for r in server.recorded() {
        assert_eq!(r.path, "/api/v1/conversations/");
        assert_eq!(r.q("inbox"), Some("right"));
        assert_eq!(r.q("pageSize"), Some("1"));
    }
}

#[tokio::test]
async fn a_next_url_without_a_cursor_ends_the_listing() {
    for next in [
        json!("https://api.maiagent.ai/api/v1/conversations/?pageSize=2"),
        json!("https://api.maiagent.ai/api/v1/conversations/?cursor="),
        json!(""),
    ] {
        let server = serve_replies(move |_: &Request| {
            ok(json!({"count": 9, "next": next.clone(), "results": conversations(&["a", "b"])}))
        })
        .await;
        let client = client(&server, RetryPolicy::none());
        let items: Vec<_> = client
            .conversations()
            .list()
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(&items), ["a", "b"]);
        assert_eq!(server.recorded().len(), 1);
    }
    // `next` absent altogether.
    let server = serve_replies(|_: &Request| ok(json!({"results": conversations(&["a"])}))).await;
    let client = client(&server, RetryPolicy::none());
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a"]);
}

#[tokio::test]
async fn an_error_after_retries_ends_the_stream_after_the_earlier_items() {
    let server = serve_replies(|seen: &Request| match seen.q("cursor") {
        None => ok(json!({"next": "/api/v1/conversations/?cursor=2", "results": conversations(&["a", "b"])})),
        Some(_) => reply(500, r#"{"detail":"boom"}"#),
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let mut items = client.conversations().list().items();
    assert_eq!(items.try_next().await.unwrap().unwrap().id.to_string(), "a");
    assert_eq!(items.try_next().await.unwrap().unwrap().id.to_string(), "b");
    let error = items.try_next().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(error.api_error().and_then(|e| e.detail()), Some("boom"));
    assert!(items.next().await.is_none());
    assert!(items.next().await.is_none());
    assert_eq!(server.recorded().len(), 2);

    // With retries, the failed page is tried again as the policy says.
    let client = self::client(
        &server,
        RetryPolicy::none()
            .max_retries(2)
            .initial_backoff(Duration::from_millis(1))
            .jitter(false),
    );
    let result: Result<Vec<_>, _> = client.conversations().list().items().try_collect().await;
    assert_eq!(result.unwrap_err().status().map(|s| s.as_u16()), Some(500));
    assert_eq!(server.recorded().len(), 2 + 1 + 3);
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried_and_the_listing_completes() {
    let failed = Arc::new(Mutex::new(false));
    let server = serve_replies(move |seen: &Request| match seen.q("cursor") {
        None => {
            ok(json!({"next": "/api/v1/conversations/?cursor=2", "results": conversations(&["a"])}))
        }
        Some(_) if !std::mem::replace(&mut *failed.lock().unwrap(), true) => {
            reply(503, "unavailable")
        }
        Some(_) => ok(json!({"next": null, "results": conversations(&["b"])})),
    })
    .await;
    let client = client(
        &server,
        RetryPolicy::none()
            .max_retries(1)
            .initial_backoff(Duration::from_millis(1)),
    );
    let items: Vec<_> = client
        .conversations()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b"]);
    assert_eq!(
        cursors(&server),
        [None, Some("2".to_string()), Some("2".to_string())]
    );
}

#[tokio::test]
async fn streams_are_send_and_static_and_outlive_the_listing() {
    let server = scripted(vec![("", vec!["a"], Some("2")), ("2", vec!["b"], None)]).await;
    let items = {
        let client = client(&server, RetryPolicy::none());
        let listing = client.conversations().list();
        listing.items()
        // `client` and `listing` are dropped here.
    };
    let task = tokio::spawn(items.try_collect::<Vec<_>>());
    let items = task.await.unwrap().unwrap();
    assert_eq!(ids(&items), ["a", "b"]);
}

#[tokio::test]
async fn messages_of_a_conversation_across_pages() {
    let server = serve_replies(|seen: &Request| {
        let message = |id: &str| json!({"id": id, "content": format!("content {id}")});
        match seen.q("cursor") {
            None => ok(json!({
                "count": 3,
                "next": "https://api.maiagent.ai/api/v1/messages/?conversation=conv-1&cursor=m2",
                "results": [message("m1"), message("m2")],
            })),
            Some("m2") => ok(json!({"count": 3, "next": null, "results": [message("m3")]})),
            Some(other) => panic!("unexpected cursor {other}"),
        }
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let mut contents = Vec::new();
    let mut messages = client.messages().list("conv-1").page_size(2).items();
    while let Some(m) = messages.try_next().await.unwrap() {
        contents.push(m.content.unwrap());
    }
    assert_eq!(contents, ["content m1", "content m2", "content m3"]);
    let requests = server.recorded();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.path, "/api/v1/messages/");
        assert_eq!(r.q("conversation"), Some("conv-1"));
        assert_eq!(r.q("pageSize"), Some("2"));
    }
    assert_eq!(requests[1].q("cursor"), Some("m2"));
}

fn records_page(server_port: u16, page: u32, last: u32, next_override: Option<Value>) -> Reply {
    let next = next_override.unwrap_or_else(|| {
        if page < last {
            json!(format!(
                "http://127.0.0.1:{server_port}/api/v1/chatbots/bot-1/records/?page={}&pageSize=2",
                page + 1
            ))
        } else {
            Value::Null
        }
    });
    ok(json!({
        "count": last * 2,
        "next": next,
        "previous": null,
        "results": [
            {"id": format!("r{page}a"), "inputMessage": "q"},
            {"id": format!("r{page}b"), "outputMessage": "a"},
        ],
    }))
}

#[tokio::test]
async fn records_follow_page_numbers() {
    let port = Arc::new(Mutex::new(0u16));
    let p = port.clone();
    let server = serve_replies(move |seen: &Request| {
        let page: u32 = seen.q("page").unwrap().parse().unwrap();
        records_page(*p.lock().unwrap(), page, 3, None)
    })
    .await;
    *port.lock().unwrap() = server.addr.port();
    let client = client(&server, RetryPolicy::none());
    let records: Vec<_> = client
        .chatbot("bot-1")
        .records()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = records
        .iter()
        .map(|r| r.id.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["r1a", "r1b", "r2a", "r2b", "r3a", "r3b"]);
    let requests = server.recorded();
    let pages: Vec<_> = requests
        .iter()
        .map(|r| r.q("page").unwrap().to_string())
        .collect();
    assert_eq!(pages, ["1", "2", "3"]);
    for r in &requests {
        assert_eq!(r.path, "/api/v1/chatbots/bot-1/records/");
        assert_eq!(r.q("pageSize"), Some("2"));
    }

    // Lazy too: one record, one request.
    let mut records = client.chatbot("bot-1").records().items();
    records.try_next().await.unwrap().unwrap();
    drop(records);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.recorded().len(), 4);
}

#[tokio::test]
async fn records_next_without_a_page_number_means_the_following_page() {
    let server = serve_replies(|seen: &Request| {
        let page: u32 = seen.q("page").unwrap().parse().unwrap();
        let next = if page < 2 {
            json!("/api/v1/chatbots/bot-1/records/")
        } else {
            Value::Null
        };
        records_page(0, page, 2, Some(next))
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let records: Vec<_> = client
        .chatbot("bot-1")
        .records()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), 4);
    let pages: Vec<_> = server
        .recorded()
        .iter()
        .map(|r| r.q("page").unwrap().to_string())
        .collect();
    assert_eq!(pages, ["1", "2"]);
}

#[tokio::test]
async fn records_page_numbers_must_increase() {
    let server = serve_replies(|seen: &Request| {
        let page: u32 = seen.q("page").unwrap().parse().unwrap();
        // Page 2 names page 2 again.
        let next = json!(format!(
            "/api/v1/chatbots/bot-1/records/?page={}",
            page.max(2)
        ));
        records_page(0, page, 5, Some(next))
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let pages: Vec<_> = client.chatbot("bot-1").records().pages().collect().await;
    assert_eq!(pages.len(), 3);
    assert!(pages[0].is_ok() && pages[1].is_ok());
    assert!(
        matches!(&pages[2], Err(Error::PaginationLoop { cursor }) if cursor == "page=2"),
        "{:?}",
        pages[2]
    );
    assert_eq!(server.recorded().len(), 2);
}

#[tokio::test]
async fn records_error_ends_the_stream() {
    let server = serve_replies(|seen: &Request| match seen.q("page") {
        Some("1") => records_page(
            0,
            1,
            5,
            Some(json!("/api/v1/chatbots/bot-1/records/?page=2")),
        ),
        _ => reply(404, r#"{"detail":"Invalid page."}"#),
    })
    .await;
    let client = client(&server, RetryPolicy::none());
    let results: Vec<_> = client.chatbot("bot-1").records().items().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(results[2].as_ref().unwrap_err().is_not_found());
}

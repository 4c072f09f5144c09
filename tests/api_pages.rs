//! `Client::api(..).pages()` / `.items()`: any listing, followed through the query of its `next`
//! links, with the listings' loop detection.

use futures::StreamExt;
use maiagent::{Error, RetryPolicy};
use reqwest::Method;
use serde_json::json;

mod common;

use common::http_server::{serve_replies, Reply, Request};

#[tokio::test]
async fn next_queries_are_followed_and_a_query_seen_before_is_a_loop() {
    let server = serve_replies(|seen: &Request| {
        let page: u32 = seen.q("p").map_or(1, |v| v.parse().unwrap());
        // Pages 1, 2, 3, then page 3 names page 2 again.
        let next = format!(
            "/api/v1/anything/?p={}",
            if page < 3 { page + 1 } else { 2 }
        );
        Reply::json(200, &json!({"next": next, "results": [page]}))
    })
    .await;
    let client = server.client_with(|b| b.retry_policy(RetryPolicy::none()));
    let items: Vec<_> = client.api(Method::GET, "anything/").items().collect().await;
    assert_eq!(items.len(), 4, "{items:?}");
    let values: Vec<_> = items[..3]
        .iter()
        .map(|i| i.as_ref().unwrap().clone())
        .collect();
    assert_eq!(values, [json!(1), json!(2), json!(3)]);
    assert!(
        matches!(&items[3], Err(Error::PaginationLoop { cursor }) if cursor == "p=2"),
        "{:?}",
        items[3]
    );
    let sent: Vec<Option<String>> = server
        .recorded()
        .iter()
        .map(|r| r.q("p").map(str::to_string))
        .collect();
    assert_eq!(sent, [None, Some("2".into()), Some("3".into())]);
}

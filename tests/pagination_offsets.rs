//! Page-number listings whose server pages with `limit` and `offset` (MaiAgent's `contacts/`
//! README documents `next: "?limit=20&offset=20"`): the listing follows that form too.

use futures::{StreamExt, TryStreamExt};
use maiagent::{Error, RetryPolicy};
use serde_json::{json, Value};

mod common;

use common::http_server::{serve_replies, Reply, Request};

const TOTAL: u64 = 7;

/// A limit/offset server: `limit` items from `offset` (the first request has neither), with a
/// `next` link in the limit/offset form (relative when `relative`).
fn contacts_page(seen: &Request, next: impl Fn(u64, u64) -> Option<String>) -> Reply {
    let offset: u64 = seen.q("offset").map_or(0, |v| v.parse().unwrap());
    let limit: u64 = seen.q("limit").map_or(3, |v| v.parse().unwrap());
    let results: Vec<Value> = (offset..(offset + limit).min(TOTAL))
        .map(|n| json!({"id": format!("contact-{n}"), "name": format!("name {n}")}))
        .collect();
    let next = (offset + limit < TOTAL)
        .then(|| next(offset + limit, limit))
        .flatten();
    Reply::json(
        200,
        &json!({"count": TOTAL, "next": next, "previous": null, "results": results}),
    )
}

fn ids(items: &[maiagent::types::Contact]) -> Vec<String> {
    items
        .iter()
        .map(|c| c.id.as_ref().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn limit_offset_next_links_are_followed_with_offset_and_limit() {
    let server = serve_replies(|seen: &Request| {
        contacts_page(seen, |offset, limit| {
            Some(format!(
                "https://api.maiagent.ai/api/v1/contacts/?limit={limit}&offset={offset}"
            ))
        })
    })
    .await;
    let client = server.client_with(|b| b.retry_policy(RetryPolicy::none()));
    let contacts: Vec<_> = client
        .contacts()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<String> = (0..TOTAL).map(|n| format!("contact-{n}")).collect();
    assert_eq!(ids(&contacts), expected, "every contact once, in order");
    let sent: Vec<(Option<String>, Option<String>, Option<String>)> = server
        .recorded()
        .iter()
        .map(|r| {
            let q = |k: &str| r.q(k).map(str::to_string);
            (q("page"), q("offset"), q("limit"))
        })
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        sent,
        [
            (s("1"), None, None),
            (None, s("3"), s("3")),
            (None, s("6"), s("3")),
        ]
    );
}

#[tokio::test]
async fn an_offset_link_without_a_limit_keeps_the_page_size() {
    let server = serve_replies(|seen: &Request| {
        contacts_page(seen, |offset, _| Some(format!("?offset={offset}")))
    })
    .await;
    let client = server.client_with(|b| b.retry_policy(RetryPolicy::none()));
    let contacts: Vec<_> = client
        .contacts()
        .list()
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(contacts.len() as u64, TOTAL);
    for request in server.recorded() {
        assert_eq!(request.q("pageSize"), Some("3"));
        assert_eq!(request.q("limit"), None);
    }
}

#[tokio::test]
async fn an_offset_that_does_not_advance_is_a_loop() {
    let server = serve_replies(|seen: &Request| {
        // Every page names offset 3 again.
        contacts_page(seen, |_, limit| Some(format!("?limit={limit}&offset=3")))
    })
    .await;
    let client = server.client_with(|b| b.retry_policy(RetryPolicy::none()));
    let pages: Vec<_> = client.contacts().list().pages().collect().await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[0].is_ok() && pages[1].is_ok());
    assert!(
        matches!(&pages[2], Err(Error::PaginationLoop { cursor }) if cursor == "offset=3"),
        "{:?}",
        pages[2]
    );
    assert_eq!(server.recorded().len(), 2);
}

#[tokio::test]
async fn after_an_offset_page_a_bare_next_link_continues_past_the_items_received() {
    let server = serve_replies(|seen: &Request| {
        contacts_page(seen, |offset, limit| {
            // The first link names the offset; later ones name nothing.
            Some(if offset == 3 {
                format!("?limit={limit}&offset={offset}")
            } else {
                "?".to_string()
            })
        })
    })
    .await;
    let client = server.client_with(|b| b.retry_policy(RetryPolicy::none()));
    let contacts: Vec<_> = client
        .contacts()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(contacts.len() as u64, TOTAL);
    let recorded = server.recorded();
    let offsets: Vec<Option<&str>> = recorded.iter().map(|r| r.q("offset")).collect();
    assert_eq!(offsets, [None, Some("3"), Some("6")]);
}

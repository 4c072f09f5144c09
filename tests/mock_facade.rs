//! The facade's listings and the records export against the embedded mock server.
#![cfg(feature = "mock")]

mod common;

use common::dir::listing;
use common::mock::mock_and_client;
use futures::TryStreamExt;
use maiagent::mock::MockConfig;

/// Every conversation, message and record, listed page by page.
#[tokio::test]
async fn every_conversation_message_and_record() {
    let (server, client) = mock_and_client(MockConfig::for_tests().with_page_size(2)).await;
    let demo = server.demo();

    let conversations: Vec<_> = client
        .conversations()
        .list()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let mut got: Vec<String> = conversations.iter().map(|c| c.id.to_string()).collect();
    let mut want: Vec<String> = demo.conversations.iter().map(|c| c.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let mut messages = 0;
    for id in &demo.conversations {
        let mut stream = client.messages().list(id).page_size(1).items();
        while let Some(m) = stream.try_next().await.unwrap() {
            assert_eq!(
                m.conversation.as_ref().map(|c| c.to_string()),
                Some(id.to_string())
            );
            messages += 1;
        }
    }
    assert_eq!(messages, demo.messages.len());

    let records: Vec<_> = client
        .chatbot(&demo.chatbot)
        .records()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), demo.records.len());

    // Each listing took several pages.
    let requests = server.requests();
    let count = |path: &str| requests.iter().filter(|r| r.path.ends_with(path)).count();
    assert!(count("/conversations/") > 1);
    assert!(count("/messages/") > demo.conversations.len());
    assert!(count("/records/") > 1);
    assert!(requests.iter().all(|r| r.status == Some(200)));
}

/// The export of the mock, a real `.xlsx`, saved under the mock's name.
#[tokio::test]
async fn save_in_uses_the_mock_name() {
    let (server, client) = mock_and_client(MockConfig::for_tests()).await;
    let chatbot = server.demo().chatbot;
    let dir = tempfile::tempdir().unwrap();
    let path = client
        .chatbot(&chatbot)
        .export_records()
        .save_in(dir.path())
        .await
        .unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("records-") && name.ends_with(".xlsx"),
        "{name}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"PK"), "not a zip archive");
    assert_eq!(listing(dir.path()), [name]);
}

/// Contacts paged the way the vendor's examples page them (`?limit=2&offset=0`, following
/// `next`), and the same contacts through the SDK's listing.
#[tokio::test]
async fn contacts_page_with_limit_and_offset_as_the_vendor_examples_do() {
    let (server, client) = mock_and_client(MockConfig::for_tests().with_page_size(2)).await;
    let inbox = server.demo().inbox;
    for n in 0..5 {
        client
            .contacts()
            .create(format!("contact {n}"))
            .inbox(inbox.to_string())
            .await
            .unwrap();
    }
    let sdk: Vec<_> = client
        .contacts()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    let mut want: Vec<String> = sdk
        .iter()
        .map(|c| c.id.as_ref().unwrap().to_string())
        .collect();
    assert!(want.len() >= 5, "{want:?}");

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut url = format!("{}contacts/?limit=2&offset=0", server.base_url());
    let mut got = Vec::new();
    let mut nexts = Vec::new();
    loop {
        let page: serde_json::Value = http
            .get(&url)
            .header("Authorization", format!("Api-Key {}", server.api_key()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = page["results"].as_array().unwrap();
        assert!(results.len() <= 2, "{page}");
        got.extend(
            results
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(next) => {
                nexts.push(next.to_string());
                url = next.to_string();
            }
            None => break,
        }
    }
    assert!(
        nexts[0].contains("limit=2") && nexts[0].contains("offset=2"),
        "{nexts:?}"
    );
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

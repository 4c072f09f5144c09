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

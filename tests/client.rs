//! The client facade against the embedded mock: authentication on every operation, base URLs,
//! typed errors, raw responses and the redaction canary.
#![cfg(feature = "mock")]

mod common;

use common::logs::Logs;
use common::mock::mock_and_client;

use maiagent::mock::{Fault, FaultRule, MockConfig, MockServer};
use maiagent::types::{CompletionMessage, CompletionRequest};
use maiagent::Operation;
use maiagent::{Client, Error, RetryPolicy};
use std::collections::BTreeSet;

async fn mock() -> MockServer {
    MockServer::start_with(MockConfig::for_tests())
        .await
        .unwrap()
}

#[test]
fn the_client_is_send_sync_and_cheap_to_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    assert_traits::<maiagent::webhook::ReplyHub>();
    fn assert_send<T: Send + Sync>() {}
    assert_send::<Error>();
    assert_send::<maiagent::Call<maiagent::types::Conversation>>();
}

#[tokio::test]
async fn every_operation_carries_the_exact_auth_header_and_no_api_version() {
    let (mock, client) = mock_and_client(MockConfig::for_tests()).await;
    let demo = mock.demo();
    let conversation = demo.conversations[0].to_string();

    client
        .conversations()
        .list()
        .page_size(2)
        .first_page()
        .await
        .unwrap();
    client.conversations().get(&conversation).await.unwrap();
    let created = client
        .conversations()
        .create(demo.web_chat.as_str())
        .await
        .unwrap();
    client
        .messages()
        .list(&conversation)
        .first_page()
        .await
        .unwrap();
    let sent = client
        .messages()
        .send(created.id.as_str(), "你好")
        .await
        .unwrap();
    client
        .messages()
        .get(sent.id.as_ref().unwrap().as_str(), created.id.as_str())
        .await
        .unwrap();
    client
        .messages()
        .send_outgoing(&conversation, "agent here")
        .await
        .unwrap();
    client
        .chatbot(demo.chatbot.as_str())
        .records()
        .first_page()
        .await
        .unwrap();
    client
        .generated()
        .chatbot_records_export()
        .chatbot_pk(demo.chatbot.as_str())
        .send()
        .await
        .unwrap();
    client
        .generated()
        .chatbot_completions_create()
        .chatbot_id(demo.chatbot.as_str())
        .body(CompletionRequest {
            conversation: None,
            is_streaming: Some(false),
            message: CompletionMessage {
                content: "hello".into(),
                attachments: vec![],
                content_payload: None,
                metadata: None,
                query_metadata: None,
                sender: None,
            },
        })
        .send()
        .await
        .unwrap();

    let expected = format!("Api-Key {}", mock.api_key());
    let mut routes = BTreeSet::new();
    let requests = mock.requests();
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(expected.as_str()),
            "{} {}",
            request.method,
            request.path
        );
        assert!(request.header("api-version").is_none(), "{}", request.path);
        assert!(request.path.ends_with('/'), "{}", request.path);
        assert_eq!(
            request.status.map(|s| s < 300),
            Some(true),
            "{} {}",
            request.method,
            request.path
        );
        routes.insert(format!("{:?}", request.operation.unwrap()));
    }
    // Each call above is a different operation, facade and generated client alike.
    assert_eq!(routes.len(), requests.len(), "{routes:?}");
}

#[tokio::test]
async fn both_documented_prefixes_with_or_without_a_trailing_slash() {
    let mock = mock().await;
    let origin = mock.base_url().trim_end_matches("/api/v1/").to_string();
    for base in ["/api/v1/", "/api/v1", "/api/", "/api"] {
        let client = Client::builder()
            .api_key(mock.api_key())
            .base_url(format!("{origin}{base}"))
            .build()
            .unwrap();
        mock.clear_requests();
        let page = client.conversations().list().first_page().await.unwrap();
        assert!(!page.results.is_empty());
        let path = &mock.requests()[0].path;
        let prefix = if base.contains("v1") {
            "/api/v1/"
        } else {
            "/api/"
        };
        assert_eq!(path, &format!("{prefix}conversations/"), "base {base}");
    }
}

#[tokio::test]
async fn api_errors_keep_status_detail_body_and_helpers() {
    let (mock, client) = mock_and_client(MockConfig::for_tests()).await;

    let missing = client
        .conversations()
        .get("no-such-conversation")
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let api = missing.api_error().unwrap();
    assert_eq!(api.detail(), Some("Not found."));
    assert!(missing.to_string().contains("404"), "{missing}");
    assert!(!missing.is_retryable());

    let wrong_key = Client::builder()
        .api_key("wrong")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let denied = wrong_key
        .conversations()
        .list()
        .first_page()
        .await
        .unwrap_err();
    assert!(denied.is_auth(), "{denied}");
    assert!(denied.api_error().unwrap().detail().is_some());

    let bad = client
        .messages()
        .send("no-such-conversation", "")
        .await
        .unwrap_err();
    let status = bad.status().unwrap().as_u16();
    assert!(status == 400 || status == 404, "{bad}");
    if status == 400 {
        assert!(!bad.api_error().unwrap().field_errors().is_empty(), "{bad}");
    }

    mock.inject(FaultRule::new(
        Operation::ConversationsGet,
        Fault::ServerError {
            status: 500,
            html: true,
        },
    ));
    let html = client
        .conversations()
        .get(mock.demo().conversations[0].as_str())
        .await
        .unwrap_err();
    let api = html.api_error().unwrap();
    assert_eq!(api.status.as_u16(), 500);
    assert!(api.json.is_none());
    assert!(
        api.body.to_ascii_lowercase().contains("<html"),
        "{}",
        api.body
    );
    assert!(html.is_retryable());

    mock.inject(FaultRule::new(
        Operation::ConversationsList,
        Fault::MalformedJson,
    ));
    let garbled = client
        .conversations()
        .list()
        .first_page()
        .await
        .unwrap_err();
    assert!(matches!(garbled, Error::Decode { .. }), "{garbled:?}");
}

#[tokio::test]
async fn raw_status_and_headers_come_with_the_value() {
    let (mock, client) = mock_and_client(MockConfig::for_tests()).await;
    let response = client
        .conversations()
        .create(mock.demo().web_chat.as_str())
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(!response.into_inner().id.as_str().is_empty());
}

#[test]
fn the_api_key_appears_in_no_debug_display_error_or_log_line() {
    const CANARY: &str = "canary-SECRET-7f3a9c";
    let logs = Logs::default();
    let _guard = logs.capture(tracing::Level::TRACE);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut seen = Vec::new();
    runtime.block_on(async {
        let mock = MockServer::start_with(MockConfig::for_tests())
            .await
            .unwrap();
        mock.inject(
            FaultRule::new(Operation::ConversationsList, Fault::server_error(503)).times(1),
        );
        let builder = Client::builder().api_key(CANARY).base_url(mock.base_url());
        seen.push(format!("{builder:?}"));
        let client = builder
            .retry_policy(
                RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        seen.push(format!("{client:?}"));
        seen.push(format!(
            "{:?} {}",
            maiagent::ApiKey::new(CANARY),
            maiagent::ApiKey::new(CANARY)
        ));
        // The mock expects another key: a 401 whose error must not echo ours.
        let err = client
            .conversations()
            .list()
            .first_page()
            .await
            .unwrap_err();
        assert!(err.is_auth(), "{err}");
        seen.push(format!("{err} {err:?}"));
        let source = std::error::Error::source(&err).map(|s| s.to_string());
        seen.push(format!("{source:?}"));
    });
    let log = logs.text();
    assert!(log.contains("retrying"), "the retry was logged: {log}");
    seen.push(log);
    for text in &seen {
        assert!(!text.contains(CANARY), "the key leaked: {text}");
    }
}

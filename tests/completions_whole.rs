//! Whole chatbot replies, the request body, and chat sessions, against a local raw-HTTP server.

mod common;

use common::http_server::{event, serve, TestServer};
use futures::StreamExt;
use maiagent::types::{AttachmentInput, AttachmentType, CompletionMessage};
use maiagent::Error;
use serde_json::json;

/// Answers whole requests with JSON and streaming ones with events; a request without a
/// conversation gets the new conversation `conv-new`.
async fn chatbot_server() -> TestServer {
    serve(|request, mut conn| async move {
        let body = request.json();
        let conversation = body["conversation"].as_str().unwrap_or("conv-new").to_string();
        let content = body["message"]["content"].as_str().unwrap().to_string();
        if body["isStreaming"] == true {
            conn.head_chunked(200, "text/event-stream").await;
            conn.chunk(event(&conversation, "re: ", false).as_bytes()).await.unwrap();
            conn.chunk(event(&conversation, &content, true).as_bytes()).await.unwrap();
            conn.end().await;
        } else {
            let reply = json!({"conversationId": conversation, "content": format!("re: {content}"), "done": true});
            conn.respond(200, "application/json", reply.to_string().as_bytes()).await;
        }
        Some(conn)
    })
    .await
}

#[tokio::test]
async fn complete_returns_the_whole_reply_and_sends_is_streaming_false() {
    let mut server = chatbot_server().await;
    let client = server.client();
    let reply = client.chatbot("bot-1").complete("你好").await.unwrap();
    assert_eq!(reply.content, "re: 你好");
    assert_eq!(reply.conversation_id.unwrap(), "conv-new");
    assert!(reply.done);

    let request = server.request().await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v1/chatbots/bot-1/completions/");
    assert_eq!(request.header("authorization"), Some("Api-Key test-key"));
    assert_eq!(
        request.json(),
        json!({"message": {"content": "你好"}, "isStreaming": false})
    );
}

#[tokio::test]
async fn every_documented_field_is_sent_in_camel_case() {
    let mut server = chatbot_server().await;
    let client = server.client();
    let attachment = AttachmentInput {
        conversation: None,
        file: "https://example.com/a.png".into(),
        filename: "a.png".into(),
        id: Some("att-1".into()),
        type_: Some(AttachmentType::Image),
    };
    let stream = client
        .chatbot("bot-1")
        .stream("看圖")
        .conversation("conv-7")
        .sender("contact-1")
        .attachment(attachment)
        .content_payload(json!({"k": 1}))
        .query_metadata(json!({"department": "sales"}))
        .metadata(json!({"source": "test"}))
        .await
        .unwrap();
    let reply = stream.collect_reply().await.unwrap();
    assert_eq!(reply.content, "re: 看圖");
    assert_eq!(reply.conversation_id.unwrap(), "conv-7");
    assert_eq!(
        server.request().await.json(),
        json!({
            "conversation": "conv-7",
            "isStreaming": true,
            "message": {
                "content": "看圖",
                "sender": "contact-1",
                "attachments": [{"id": "att-1", "type": "image", "filename": "a.png", "file": "https://example.com/a.png"}],
                "contentPayload": {"k": 1},
                "queryMetadata": {"department": "sales"},
                "metadata": {"source": "test"}
            }
        })
    );
}

#[tokio::test]
async fn a_message_built_in_full_is_sent_as_is() {
    let mut server = chatbot_server().await;
    let message = CompletionMessage {
        attachments: Vec::new(),
        content: "hi".into(),
        content_payload: None,
        metadata: None,
        query_metadata: None,
        sender: Some("contact-2".into()),
    };
    let reply = server.client().chatbot("b").message(message).await.unwrap();
    assert_eq!(reply.content, "re: hi");
    assert_eq!(
        server.request().await.json(),
        json!({"message": {"content": "hi", "sender": "contact-2"}, "isStreaming": false})
    );
}

#[tokio::test]
async fn metadata_that_is_not_an_object_is_refused_before_sending() {
    let server = chatbot_server().await;
    let e = server
        .client()
        .chatbot("b")
        .complete("x")
        .metadata(json!([1]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    let e = server
        .client()
        .chatbot(" ")
        .complete("x")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn an_error_status_of_a_whole_reply_keeps_its_field_errors() {
    let server = serve(|_, mut conn| async move {
        conn.respond(
            400,
            "application/json",
            br#"{"message":{"content":["This field may not be blank."]}}"#,
        )
        .await;
        Some(conn)
    })
    .await;
    let e = server.client().chatbot("b").complete("").await.unwrap_err();
    let api = e.api_error().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(
        api.field_errors(),
        [(
            "message.content".to_string(),
            "This field may not be blank.".to_string()
        )]
    );
}

#[tokio::test]
async fn a_session_sends_the_remembered_conversation_on_later_turns() {
    let mut server = chatbot_server().await;
    let client = server.client();
    let chat = client.chatbot("bot-1").session();
    assert_eq!(chat.conversation_id(), None);

    let first = chat.send("一").await.unwrap();
    assert_eq!(first.conversation_id.unwrap(), "conv-new");
    assert_eq!(chat.conversation_id().unwrap(), "conv-new");
    assert!(server.request().await.json().get("conversation").is_none());

    let second = chat.send("二").await.unwrap();
    assert_eq!(second.content, "re: 二");
    assert_eq!(server.request().await.json()["conversation"], "conv-new");

    // Streamed turns use it too.
    let reply = chat
        .stream("三")
        .await
        .unwrap()
        .collect_reply()
        .await
        .unwrap();
    assert_eq!(reply.conversation_id.unwrap(), "conv-new");
    let request = server.request().await.json();
    assert_eq!(request["conversation"], "conv-new");
    assert_eq!(request["isStreaming"], true);

    chat.reset();
    chat.send("四").await.unwrap();
    assert!(server.request().await.json().get("conversation").is_none());
}

#[tokio::test]
async fn a_streamed_first_turn_records_the_conversation_as_soon_as_an_event_carries_it() {
    let mut server = chatbot_server().await;
    let client = server.client();
    let chat = client.chatbot("bot-1").session();
    let mut stream = chat.stream("一").await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(!first.done);
    assert_eq!(chat.conversation_id().unwrap(), "conv-new");
    assert_eq!(stream.conversation_id().unwrap(), "conv-new");
    while stream.next().await.is_some() {}

    let _ = server.request().await;
    chat.message("二")
        .query_metadata(json!({"a": 1}))
        .await
        .unwrap();
    let request = server.request().await.json();
    assert_eq!(request["conversation"], "conv-new");
    assert_eq!(request["message"]["queryMetadata"], json!({"a": 1}));
}

#[tokio::test]
async fn a_session_can_continue_an_existing_conversation() {
    let mut server = chatbot_server().await;
    let chat = server
        .client()
        .chatbot("b")
        .session()
        .with_conversation("conv-old");
    chat.send("hi").await.unwrap();
    assert_eq!(server.request().await.json()["conversation"], "conv-old");
    assert_eq!(chat.chatbot_id(), "b");
}

#[test]
fn the_public_types_can_cross_threads() {
    fn send<T: Send + 'static>() {}
    fn send_sync<T: Send + Sync + 'static>() {}
    send::<maiagent::ReplyStream>();
    send::<maiagent::CompletionBuilder<maiagent::chatbot::completions::Whole>>();
    send::<maiagent::CompletionBuilder<maiagent::chatbot::completions::Streaming>>();
    send_sync::<maiagent::ChatSession>();
}

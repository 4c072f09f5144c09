//! What a user would write by hand with the same crates, without the SDK: `reqwest` +
//! `serde_json` into plain structs of `String`s (free-form objects as `serde_json::Value`), and
//! `reqwest` + `sse-stream` (or `eventsource-stream`) + `serde_json` for a stream. No SDK type
//! appears here.

#![allow(dead_code)] // The fields are decoded to be paid for, not read.

use futures::StreamExt;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use serde::Deserialize;
use serde_json::Value;

/// A stream event.
#[derive(Deserialize)]
pub struct Event {
    #[serde(rename = "conversationId")]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub done: bool,
    #[serde(default)]
    pub citations: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    pub contact: Option<Contact>,
    pub inbox: Option<Inbox>,
    pub title: Option<String>,
    pub last_message: Option<Message>,
    pub last_message_created_at: Option<String>,
    pub unread_messages_count: Option<u64>,
    pub auto_reply_enabled: Option<bool>,
    pub is_auto_reply_now: Option<bool>,
    pub last_read_at: Option<String>,
    pub created_at: Option<String>,
    pub is_group_chat: Option<bool>,
    pub enable_group_mention: Option<bool>,
    pub enable_loading_animation: Option<bool>,
    pub query_metadata: Option<Value>,
    pub tool_mask: Option<Value>,
    pub llm: Option<String>,
    pub ip_address: Option<String>,
    pub ip_country_code: Option<String>,
    pub ip_recorded_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub source_id: Option<String>,
    pub created_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    pub id: String,
    pub name: Option<String>,
    pub channel_type: Option<String>,
    pub unread_conversations_count: Option<u64>,
    pub sign_auth: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub conversation: Option<String>,
    pub sender: Option<Sender>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub content: Option<String>,
    pub content_payload: Option<Value>,
    pub feedback: Option<Value>,
    pub created_at: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Value>,
    #[serde(default)]
    pub citations: Vec<Value>,
    #[serde(default)]
    pub citation_nodes: Vec<Value>,
    pub canvas: Option<Value>,
    pub query_metadata: Option<Value>,
}

#[derive(Deserialize)]
pub struct Sender {
    pub id: String,
    pub name: Option<String>,
    pub avatar: Option<String>,
}

#[derive(Deserialize)]
pub struct Page {
    pub count: Option<u64>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<Message>,
}

/// `GET conversations/{id}/`, with reqwest's per-request `timeout` when one is given.
pub async fn get_conversation(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    id: &str,
    timeout: Option<std::time::Duration>,
) -> Conversation {
    let body = conversation_bytes(http, base, auth, id, timeout).await;
    serde_json::from_slice(&body).expect("a conversation")
}

/// The body of `GET conversations/{id}/`, not decoded.
pub async fn conversation_bytes(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    id: &str,
    timeout: Option<std::time::Duration>,
) -> bytes::Bytes {
    let mut request = http
        .get(format!("{base}conversations/{id}/"))
        .header(AUTHORIZATION, auth.clone());
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request
        .send()
        .await
        .expect("send")
        .error_for_status()
        .expect("200");
    response.bytes().await.expect("body")
}

/// Starts a completion stream; returns the body.
pub async fn start_stream(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    chatbot: &str,
) -> impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> {
    http.post(format!("{base}chatbots/{chatbot}/completions/"))
        .header(AUTHORIZATION, auth.clone())
        .header(ACCEPT, "text/event-stream")
        .json(&serde_json::json!({"message": {"content": "請介紹你自己"}, "isStreaming": true}))
        .send()
        .await
        .expect("send")
        .error_for_status()
        .expect("200")
        .bytes_stream()
}

/// Reads a completion stream with `sse-stream`; returns the events, the last one included.
pub async fn stream_sse_stream(
    body: impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
) -> u64 {
    let mut sse = std::pin::pin!(sse_stream::SseByteStream::new(body));
    let mut n = 0;
    while let Some(event) = sse.next().await {
        let event = event.expect("an event");
        if let Some(data) = event.data {
            let event: Event = serde_json::from_str(&data).expect("JSON");
            n += 1;
            if event.done {
                break;
            }
            std::hint::black_box(event);
        }
    }
    n
}

/// Reads a completion stream with `eventsource-stream`.
pub async fn stream_eventsource(
    body: impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
) -> u64 {
    use eventsource_stream::Eventsource;
    let mut sse = std::pin::pin!(body.eventsource());
    let mut n = 0;
    while let Some(event) = sse.next().await {
        let event: Event = serde_json::from_str(&event.expect("an event").data).expect("JSON");
        n += 1;
        if event.done {
            break;
        }
        std::hint::black_box(event);
    }
    n
}

/// Every message of conversation `conversation`, following `next`; returns how many.
pub async fn paginate(
    http: &reqwest::Client,
    base: &str,
    auth: &HeaderValue,
    conversation: &str,
    page_size: u32,
) -> u64 {
    let mut url = format!("{base}messages/?conversation={conversation}&pageSize={page_size}");
    let mut n = 0;
    loop {
        let response = http
            .get(&url)
            .header(AUTHORIZATION, auth.clone())
            .send()
            .await
            .expect("send")
            .error_for_status()
            .expect("200");
        let page: Page =
            serde_json::from_slice(&response.bytes().await.expect("body")).expect("a page");
        for message in page.results {
            std::hint::black_box(message);
            n += 1;
        }
        match page.next {
            Some(next) => url = next,
            None => return n,
        }
    }
}

//! Webhook test helpers: webhook bodies and a plain HTTP client (a router is served with
//! `hook_sink::serve`).

/// A webhook body: a reply with this message id in this conversation.
pub fn reply_body(id: &str, conversation: &str) -> String {
    format!(
        r#"{{"id": "{id}", "conversation": "{conversation}", "type": "outgoing", "content": "reply {id}"}}"#
    )
}

/// A plain HTTP client that talks to loopback servers directly.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

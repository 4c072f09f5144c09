//! Webhook test helpers: a router served on a free loopback port, and webhook bodies.

/// Serves `app` on 127.0.0.1 (a free port) in the background; returns `http://127.0.0.1:N`.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

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

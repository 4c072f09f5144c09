//! Receive MaiAgent webhooks and print each reply.
//!
//! ```sh
//! cargo run --example webhook_bot --features webhook-receiver -- 8787
//! ```
//!
//! Configure `http://<your host>:8787/hooks/maiagent` as the AI assistant's webhook URL (behind
//! a TLS proxy in production). Set `MAIAGENT_WEBHOOK_SECRET` to require an `x-hook-secret`
//! header with that value. With `MAIAGENT_API_KEY` and `MAIAGENT_CONVERSATION` set, it also
//! sends one message and waits for its reply.

use maiagent::webhook::receiver::WebhookReceiver;
use maiagent::webhook::ReplyHub;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(8787);
    let hub = ReplyHub::new();
    let (mut receiver, mut messages) = WebhookReceiver::channel(64);
    let printer = hub.clone();
    tokio::spawn(async move {
        while let Some(message) = messages.recv().await {
            println!(
                "[{}] {}: {}",
                message
                    .conversation
                    .as_ref()
                    .map(|c| c.as_str())
                    .unwrap_or("?"),
                message
                    .sender
                    .as_ref()
                    .and_then(|s| s.name.as_deref())
                    .unwrap_or("?"),
                message.content.as_deref().unwrap_or_default()
            );
            // The in-process hub cannot fail; with a Redis hub, mount WebhookReceiver::hub
            // instead so that a failed hand-over is answered 503 and retried.
            let _ = printer.deliver(message).await;
        }
    });
    if let Ok(secret) = std::env::var("MAIAGENT_WEBHOOK_SECRET") {
        receiver = receiver.require_header("x-hook-secret", secret);
    }
    let app = axum::Router::new().nest("/hooks/maiagent", receiver.into_router());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "listening on http://{}/hooks/maiagent",
        listener.local_addr()?
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    if let (Ok(_), Ok(conversation)) = (
        std::env::var(maiagent::API_KEY_ENV),
        std::env::var("MAIAGENT_CONVERSATION"),
    ) {
        let client = maiagent::Client::from_env()?;
        let reply = client
            .messages()
            .send(&conversation, "你好")
            .await_reply(&hub, Duration::from_secs(120))
            .await?;
        eprintln!("the bot answered: {}", reply.content.unwrap_or_default());
    }
    server.await??;
    Ok(())
}

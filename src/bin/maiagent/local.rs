//! The commands that need no MaiAgent server: parsing and receiving webhooks, and serving the
//! embedded mock.

use crate::args::MockArgs;
use crate::output::{self, note, Out};
use crate::Failure;
use maiagent::mock::{MockConfig, MockServer};
use maiagent::webhook::receiver::WebhookReceiver;
use maiagent::API_KEY_ENV;
use std::path::{Path, PathBuf};

/// `webhook parse [FILE]`: decodes a body from a file or standard input.
pub(crate) async fn webhook_parse(out: Out, file: Option<PathBuf>) -> Result<(), Failure> {
    let body = match file.as_deref() {
        None => read_stdin().await?,
        Some(path) if path == Path::new("-") => read_stdin().await?,
        Some(path) => tokio::fs::read(path)
            .await
            .map_err(|e| Failure::Message(format!("cannot read {}: {e}", path.display())))?,
    };
    let message = maiagent::webhook::decode(&body)?;
    out.object(&message, &output::message_summary(&message))
}

/// Standard input, whole.
pub(crate) async fn read_stdin() -> Result<Vec<u8>, Failure> {
    use tokio::io::AsyncReadExt;
    let mut body = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut body)
        .await
        .map_err(|e| Failure::Message(format!("cannot read standard input: {e}")))?;
    Ok(body)
}

/// `webhook listen`: a [`WebhookReceiver`] at `/` on 127.0.0.1, each message a JSON line.
pub(crate) async fn webhook_listen(out: Out, port: u16) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Message(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Message(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let (receiver, mut messages) = WebhookReceiver::channel(64);
    let server = tokio::spawn(async move { axum::serve(listener, receiver.into_router()).await });
    note(&format!(
        "listening for webhooks at http://{addr}/ (Ctrl-C to stop)"
    ));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Some(message) => out.json_line(&message)?,
                None => break,
            },
            _ = &mut ctrl_c => return Ok(()),
        }
    }
    match server.await {
        Ok(Err(e)) => Err(Failure::Message(format!("the webhook server failed: {e}"))),
        _ => Err(Failure::Message("the webhook server stopped".into())),
    }
}

/// `mock`: serves the embedded mock until Ctrl-C.
pub(crate) async fn mock(out: Out, args: MockArgs) -> Result<(), Failure> {
    let mock = MockServer::start_with(MockConfig::default().with_port(args.port))
        .await
        .map_err(|e| {
            Failure::Message(format!(
                "cannot start the mock server on 127.0.0.1:{}: {e}",
                args.port
            ))
        })?;
    let demo = mock.demo();
    let ids = |ids: &[maiagent::types::Id]| -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    };
    if out.json {
        out.json_line(&serde_json::json!({
            "baseUrl": mock.base_url(),
            "apiKey": mock.api_key(),
            "webChat": demo.web_chat,
            "inbox": demo.inbox,
            "chatbot": demo.chatbot,
            "conversations": demo.conversations,
            "messages": demo.messages,
            "records": demo.records,
        }))?;
    } else {
        out.summary(&[
            ("base URL", mock.base_url()),
            ("API key", mock.api_key().to_string()),
            ("web chat", demo.web_chat.to_string()),
            ("inbox", demo.inbox.to_string()),
            ("chatbot", demo.chatbot.to_string()),
            ("conversations", ids(&demo.conversations).join("\n")),
        ])?;
    }
    note(&format!(
        "mock server running; try: {}={} {}={} maiagent chat --chatbot {} 你好  (Ctrl-C to stop)",
        maiagent::BASE_URL_ENV,
        mock.base_url(),
        API_KEY_ENV,
        mock.api_key(),
        demo.chatbot
    ));
    let _ = tokio::signal::ctrl_c().await;
    mock.shutdown().await;
    Ok(())
}

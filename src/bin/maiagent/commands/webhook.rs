//! `webhook parse|listen`: decoding and receiving webhooks (no MaiAgent server needed).

use super::Context;
use crate::output::{self, note, Out};
use crate::stdin::read_stdin;
use crate::Failure;
use clap::Subcommand;
use maiagent::webhook::receiver::WebhookReceiver;
use std::path::{Path, PathBuf};

/// `webhook ...`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Decode a webhook body (a message) and show it
    Parse {
        /// The file holding the body [default: standard input; `-` also reads it]
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Receive webhooks on 127.0.0.1 and print each message as a JSON line, until Ctrl-C
    Listen {
        /// The port to listen on (0 picks a free one)
        #[arg(long, value_name = "P", default_value_t = 8787)]
        port: u16,
    },
}

/// Runs `webhook ...`.
pub async fn run(ctx: &Context, command: WebhookCommand) -> Result<(), Failure> {
    match command {
        WebhookCommand::Parse { file } => webhook_parse(ctx.out, file).await,
        WebhookCommand::Listen { port } => webhook_listen(ctx.out, port).await,
    }
}

/// `webhook parse [FILE]`: decodes a body from a file or standard input.
async fn webhook_parse(out: Out, file: Option<PathBuf>) -> Result<(), Failure> {
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

/// `webhook listen`: a [`WebhookReceiver`] at `/` on 127.0.0.1, each message a JSON line.
async fn webhook_listen(out: Out, port: u16) -> Result<(), Failure> {
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

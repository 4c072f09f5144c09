//! `mock`: the embedded mock server, served until Ctrl-C.

use super::Context;
use crate::args::Source;
use crate::output::note;
use crate::Failure;
use clap::Args;
use maiagent::mock::{MockConfig, MockServer};
use maiagent::API_KEY_ENV;

/// `mock`: the embedded mock server. `--api-key KEY` (the flag, not the environment, so that a
/// real key is never served and printed) sets the key it accepts.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one)
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,
}

/// Serves the embedded mock until Ctrl-C, after printing how to reach it.
pub async fn run(ctx: &Context, args: MockArgs) -> Result<(), Failure> {
    let out = ctx.out;
    let mut config = MockConfig::default().with_port(args.port);
    if ctx.global.sources.api_key == Source::Flag {
        match ctx.global.api_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => config = config.with_api_key(key),
            _ => {
                return Err(Failure::usage(
                    clap::error::ErrorKind::InvalidValue,
                    "the mock's --api-key is empty".into(),
                ))
            }
        }
    }
    let mock = MockServer::start_with(config).await.map_err(|e| {
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

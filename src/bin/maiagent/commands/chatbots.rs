//! `chatbots list|get|update`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, Paging};
use crate::output::{cell, Table};
use crate::Failure;
use clap::Subcommand;
use maiagent::types::Chatbot;

/// `chatbots ...`.
#[derive(Debug, Subcommand)]
pub enum ChatbotsCommand {
    /// List the chatbots (AI assistants), every page
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one chatbot's settings (webhook URL, API Web Chat id, ...)
    Get {
        /// The chatbot id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Change a chatbot's settings; only the options given are sent
    Update {
        /// The chatbot id
        #[arg(value_name = "ID")]
        id: String,
        /// A new name
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// New instructions (the chatbot's role and rules)
        #[arg(long, value_name = "TEXT")]
        instructions: Option<String>,
        /// Where MaiAgent POSTs the replies to `messages send`
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
    },
}

/// Runs `chatbots ...`.
pub async fn run(ctx: &Context, command: ChatbotsCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let out = ctx.out;
    let chatbots = server.client.chatbots();
    let chatbot = match command {
        ChatbotsCommand::List { paging } => {
            let list = chatbots.list();
            let table = Table::new(vec![
                id_column(),
                text_column("NAME", 40),
                text_column("MODEL", 24),
            ]);
            return print_listing(out, &table, paging.items(list), |c| {
                vec![cell(&c.id), cell(&c.name), model_name(c)]
            })
            .await;
        }
        ChatbotsCommand::Get { id } => chatbots.get(id).await?,
        ChatbotsCommand::Update {
            id,
            name,
            instructions,
            webhook_url,
        } => {
            let mut update = chatbots.update(id);
            if let Some(v) = name {
                update = update.name(v);
            }
            if let Some(v) = instructions {
                update = update.instructions(v);
            }
            if let Some(v) = webhook_url {
                update = update.webhook_url(v);
            }
            update.await?
        }
    };
    out.object(&chatbot, &summary(&chatbot))
}

/// The large language model's name, or its id.
fn model_name(c: &Chatbot) -> String {
    let model = c.large_language_model.as_ref();
    model
        .and_then(|m| m.name().map(str::to_string))
        .or_else(|| model.and_then(|m| m.id()).map(|v| v.to_string()))
        .unwrap_or_default()
}

fn summary(c: &Chatbot) -> Vec<(&'static str, String)> {
    let text = |v: Option<String>| v.unwrap_or_default();
    vec![
        ("id", text(c.id.as_ref().map(|v| v.to_string()))),
        ("name", text(c.name.clone())),
        ("model", model_name(c)),
        ("web chat", text(c.api_web_chat_id.clone())),
        ("webhook url", text(c.webhook_url.clone())),
        ("instructions", text(c.instructions.clone())),
    ]
}

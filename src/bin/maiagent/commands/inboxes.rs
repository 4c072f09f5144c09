//! `inboxes list|get`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, Paging};
use crate::output::{cell, Table};
use crate::Failure;
use clap::Subcommand;
use maiagent::types::Inbox;

/// `inboxes ...`.
#[derive(Debug, Subcommand)]
pub enum InboxesCommand {
    /// List the inboxes (channels), every page; a Web Chat inbox's CHANNEL is the Web Chat id
    List {
        /// Only inboxes of this channel type (web, line, telegram, messenger, ...)
        #[arg(long, value_name = "TYPE")]
        channel_type: Option<String>,
        /// Only the inboxes of this chatbot
        #[arg(long, value_name = "ID")]
        chatbot: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one inbox
    Get {
        /// The inbox id
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Runs `inboxes ...`.
pub async fn run(ctx: &Context, command: InboxesCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let out = ctx.out;
    let inboxes = server.client.inboxes();
    match command {
        InboxesCommand::List {
            channel_type,
            chatbot,
            paging,
        } => {
            let mut list = inboxes.list();
            if let Some(t) = channel_type {
                list = list.channel_type(t);
            }
            if let Some(c) = chatbot {
                list = list.chatbot(c);
            }
            let table = Table::new(vec![
                id_column(),
                text_column("TYPE", 10),
                text_column("NAME", 30),
                id_column_titled("CHANNEL"),
            ]);
            print_listing(out, &table, paging.items(list), |i| {
                vec![
                    cell(&i.id),
                    i.channel_type
                        .as_ref()
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    cell(&i.name),
                    i.channel_id().map(|v| v.to_string()).unwrap_or_default(),
                ]
            })
            .await
        }
        InboxesCommand::Get { id } => {
            let inbox = inboxes.get(id).await?;
            out.object(&inbox, &summary(&inbox))
        }
    }
}

/// An id column with another title.
fn id_column_titled(title: &'static str) -> crate::output::Column {
    crate::output::Column {
        title,
        ..id_column()
    }
}

fn summary(i: &Inbox) -> Vec<(&'static str, String)> {
    let text = |v: Option<String>| v.unwrap_or_default();
    vec![
        ("id", text(i.id.as_ref().map(|v| v.to_string()))),
        ("name", text(i.name.clone())),
        (
            "channel type",
            text(i.channel_type.as_ref().map(|t| t.to_string())),
        ),
        ("channel", text(i.channel_id().map(|v| v.to_string()))),
        (
            "chatbot",
            text(
                i.chatbot
                    .as_ref()
                    .and_then(|c| c.id())
                    .map(|v| v.to_string()),
            ),
        ),
    ]
}

//! `conversations list|get|create`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, time_column, Paging};
use crate::output::{self, cell, time, Table};
use crate::Failure;
use clap::Subcommand;

/// `conversations ...`.
#[derive(Debug, Subcommand)]
pub enum ConversationsCommand {
    /// List conversations, every page, newest first
    List {
        /// Only the conversations of this inbox
        #[arg(long, value_name = "ID")]
        inbox: Option<String>,
        /// Only the conversations matching this text
        #[arg(long, value_name = "TEXT")]
        keyword: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one conversation
    Get {
        /// The conversation id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Create a conversation in a web chat
    Create {
        /// The web chat id (shown at the bottom of the AI assistant's page)
        #[arg(long, value_name = "ID")]
        web_chat: String,
    },
}

/// Runs `conversations ...`.
pub async fn run(ctx: &Context, command: ConversationsCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let out = ctx.out;
    let conversations = server.client.conversations();
    match command {
        ConversationsCommand::List {
            inbox,
            keyword,
            paging,
        } => {
            let mut list = conversations.list();
            if let Some(inbox) = inbox {
                list = list.inbox(inbox);
            }
            if let Some(keyword) = keyword {
                list = list.keyword(keyword);
            }
            let table = Table::new(vec![id_column(), text_column("TITLE", 40), time_column()]);
            print_listing(out, &table, paging.items(list), |c| {
                vec![c.id.to_string(), cell(&c.title), time(&c.created_at)]
            })
            .await
        }
        ConversationsCommand::Get { id } => {
            let conversation = conversations.get(id).await?;
            out.object(&conversation, &output::conversation_summary(&conversation))
        }
        ConversationsCommand::Create { web_chat } => {
            let conversation = conversations.create(web_chat).await?;
            out.object(&conversation, &output::conversation_summary(&conversation))
        }
    }
}

//! `messages list|get|send|outgoing`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, time_column, Paging};
use crate::output::{self, cell, time, Table};
use crate::Failure;
use clap::Subcommand;
use maiagent::types::AttachmentInput;

/// `messages ...`.
#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// List the messages of a conversation, every page
    List {
        /// The conversation id
        #[arg(long, value_name = "ID")]
        conversation: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one message
    Get {
        /// The message id
        #[arg(value_name = "ID")]
        id: String,
        /// The conversation the message belongs to
        #[arg(long, value_name = "ID")]
        conversation: String,
    },
    /// Post a message into a conversation (the bot's reply arrives by webhook)
    Send {
        /// The conversation id
        #[arg(long, value_name = "ID")]
        conversation: String,
        /// An attachment, as JSON: {"file": URL, "filename": NAME, "type": "image", "id": ID}; repeatable
        #[arg(long = "attachment", value_name = "JSON", value_parser = parse_attachment)]
        attachments: Vec<AttachmentInput>,
        /// A file to upload into the conversation and send as an attachment; repeatable
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
        /// The message text
        #[arg(value_name = "CONTENT")]
        content: String,
    },
    /// Post an outgoing message (sent to the contact as the agent) into a conversation
    Outgoing {
        /// The conversation id
        #[arg(long, value_name = "ID")]
        conversation: String,
        /// The message text
        #[arg(value_name = "CONTENT")]
        content: String,
    },
}

/// Parses `--attachment JSON` into the SDK's attachment type.
fn parse_attachment(text: &str) -> Result<AttachmentInput, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(r#"not an attachment object ({e}); expected e.g. {{"file": "https://…/a.png", "filename": "a.png", "type": "image"}}"#)
    })
}

/// Runs `messages ...`.
pub async fn run(ctx: &Context, command: MessagesCommand) -> Result<(), Failure> {
    if let MessagesCommand::Send { attach, .. } = &command {
        for file in attach {
            super::upload::existing_file(file)?;
        }
    }
    let server = ctx.server().await?;
    let out = ctx.out;
    let messages = server.client.messages();
    let message = match command {
        MessagesCommand::List {
            conversation,
            paging,
        } => {
            let list = messages.list(conversation);
            let table = Table::new(vec![
                id_column(),
                text_column("TYPE", 8),
                text_column("CONTENT", 50),
                time_column(),
            ]);
            return print_listing(out, &table, paging.items(list), |m| {
                vec![
                    cell(&m.id),
                    cell(&m.type_),
                    cell(&m.content),
                    time(&m.created_at),
                ]
            })
            .await;
        }
        MessagesCommand::Get { id, conversation } => messages.get(id, conversation).await?,
        MessagesCommand::Send {
            conversation,
            attachments,
            attach,
            content,
        } => {
            let mut send = messages
                .send(conversation, content)
                .attachments(attachments);
            for file in attach {
                send = send.attach_file(file);
            }
            send.await?
        }
        MessagesCommand::Outgoing {
            conversation,
            content,
        } => messages.send_outgoing(conversation, content).await?,
    };
    out.object(&message, &output::message_summary(&message))
}

//! The command line: global options, commands and their arguments (clap derive).

use clap::{Args, Parser, Subcommand};
use maiagent::types::AttachmentInput;
use std::path::PathBuf;

/// The environment variable naming the default chatbot of `chat`.
pub const CHATBOT_ENV: &str = "MAIAGENT_CHATBOT_ID";

/// The `maiagent` command line.
#[derive(Debug, Parser)]
#[command(
    name = "maiagent",
    version,
    about = "The MaiAgent command-line tool: chat with a chatbot, read conversations, messages and records, receive webhooks",
    long_about = "The MaiAgent command-line tool: chat with a chatbot, read conversations, messages \
                  and records, export records, receive webhooks, and run the embedded mock server.\n\n\
                  With no API key and no base URL configured (flags or environment), commands that \
                  talk to MaiAgent run against the built-in mock server, and say so on stderr."
)]
pub struct Cli {
    /// The API key (`Authorization: Api-Key KEY`)
    #[arg(
        long,
        global = true,
        value_name = "KEY",
        env = maiagent::API_KEY_ENV,
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// The API's base URL [default: https://api.maiagent.ai/api/v1/]
    #[arg(long, global = true, value_name = "URL", env = maiagent::BASE_URL_ENV)]
    pub base_url: Option<String>,

    /// Print JSON, one object per line, instead of readable text
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a message to a chatbot and print its reply as it is written
    Chat(ChatArgs),
    /// List, show and create conversations
    #[command(subcommand)]
    Conversations(ConversationsCommand),
    /// List, show and send messages of a conversation
    #[command(subcommand)]
    Messages(MessagesCommand),
    /// List and export a chatbot's question-and-answer records
    #[command(subcommand)]
    Records(RecordsCommand),
    /// Decode webhook bodies, or receive webhooks
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Serve the embedded mock MaiAgent API until Ctrl-C
    Mock(MockArgs),
}

/// `chat`: one message to a chatbot.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The chatbot (AI assistant) id [default: the mock's demo chatbot when the built-in mock runs]
    #[arg(long, value_name = "ID", env = CHATBOT_ENV)]
    pub chatbot: Option<String>,
    /// Continue this conversation (printed on stderr by an earlier `chat`)
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
    /// Wait for the whole reply instead of streaming it
    #[arg(long)]
    pub no_stream: bool,
    /// The message to send
    #[arg(value_name = "MESSAGE")]
    pub message: String,
}

/// How much of a listing to fetch.
#[derive(Debug, Args)]
pub struct Paging {
    /// How many items each page request asks for (the server's default otherwise)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
    /// Stop after this many items (default: every item of every page)
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

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

/// `records ...`.
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// List a chatbot's question-and-answer records, every page
    List {
        /// The chatbot (AI assistant) id
        #[arg(long, value_name = "ID")]
        chatbot: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Download a chatbot's records as an Excel file and print its path
    Export {
        /// The chatbot (AI assistant) id
        #[arg(long, value_name = "ID")]
        chatbot: String,
        /// Where to save: a directory (the server's file name is kept) or a file path [default: the server's file name, in the current directory]
        #[arg(long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
}

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

/// `mock`: the embedded mock server.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one)
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,
}

/// Parses `--attachment JSON` into the SDK's attachment type.
fn parse_attachment(text: &str) -> Result<AttachmentInput, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(r#"not an attachment object ({e}); expected e.g. {{"file": "https://…/a.png", "filename": "a.png", "type": "image"}}"#)
    })
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

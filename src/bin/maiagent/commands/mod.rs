//! The commands, one module per domain, each a few lines over the public SDK API. Adding a
//! command is a module here plus a variant of [`Command`] and its line in [`run`].

mod api;
mod auth;
mod chat;
mod chatbots;
mod completion;
mod contacts;
mod conversations;
mod inboxes;
mod kb;
mod messages;
mod mock;
mod models;
mod records;
mod session;
mod upload;
mod webhook;

use crate::args::{Cli, Global};
use crate::output::Out;
use crate::server::Server;
use crate::Failure;
use clap::Subcommand;

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a message to a chatbot and print its reply as it is written
    ///
    /// With no MESSAGE: on a terminal, an interactive session (/new, /conversation, /exit or
    /// Ctrl-D; Ctrl-C stops a reply); otherwise the message is read from standard input.
    Chat(chat::ChatArgs),
    /// List, show and create conversations
    #[command(subcommand)]
    Conversations(conversations::ConversationsCommand),
    /// List, show and send messages of a conversation
    #[command(subcommand)]
    Messages(messages::MessagesCommand),
    /// Upload a file and register it as an attachment; prints its id
    Upload(upload::UploadArgs),
    /// List and show inboxes (a Web Chat inbox's channel is the Web Chat id)
    #[command(subcommand)]
    Inboxes(inboxes::InboxesCommand),
    /// List, show and update chatbots (name, instructions, webhook URL)
    #[command(subcommand)]
    Chatbots(chatbots::ChatbotsCommand),
    /// Knowledge bases and their files
    #[command(subcommand)]
    Kb(kb::KbCommand),
    /// List, show, create, update and delete contacts
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// List the embedding and reranker models knowledge bases use
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// List and export a chatbot's question-and-answer records
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// Decode webhook bodies, or receive webhooks
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Serve the embedded mock MaiAgent API until Ctrl-C
    Mock(mock::MockArgs),
    /// Save, show and remove the API key of a profile
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Send a request to any endpoint of the API and print its JSON answer (like `gh api`)
    ///
    /// The same key, base URL, retries and errors as every other command. Fields (-f, -F) are the
    /// query of a GET and the JSON body of other methods; --paginate follows each page's `next`
    /// and prints the items, one per line.
    Api(api::ApiArgs),
    /// Print a shell completion script
    ///
    /// For example: `maiagent completion bash > ~/.local/share/bash-completion/completions/maiagent`
    Completion(completion::CompletionArgs),
}

/// What every command gets: the output and the global options.
pub struct Context {
    /// Standard output, as it is (terminal or pipe) and as asked (`--json`).
    pub out: Out,
    /// The global options.
    pub global: Global,
}

impl Context {
    /// The server the command talks to (see [`Server::connect`]).
    pub async fn server(&self) -> Result<Server, Failure> {
        Server::connect(&self.global, false).await
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let ctx = Context {
        out: Out::detect(cli.global.json),
        global: cli.global,
    };
    match cli.command {
        Command::Chat(args) => chat::run(&ctx, args).await,
        Command::Conversations(command) => conversations::run(&ctx, command).await,
        Command::Messages(command) => messages::run(&ctx, command).await,
        Command::Upload(args) => upload::run(&ctx, args).await,
        Command::Inboxes(command) => inboxes::run(&ctx, command).await,
        Command::Chatbots(command) => chatbots::run(&ctx, command).await,
        Command::Kb(command) => kb::run(&ctx, command).await,
        Command::Contacts(command) => contacts::run(&ctx, command).await,
        Command::Models(command) => models::run(&ctx, command).await,
        Command::Records(command) => records::run(&ctx, command).await,
        Command::Webhook(command) => webhook::run(&ctx, command).await,
        Command::Mock(args) => mock::run(&ctx, args).await,
        Command::Auth(command) => auth::run(&ctx, command).await,
        Command::Api(args) => api::run(&ctx, args).await,
        Command::Completion(args) => completion::run(&ctx, args),
    }
}

//! The commands: each a few lines over the public SDK API.

use crate::args::{
    ChatArgs, Cli, Command, ConversationsCommand, MessagesCommand, Paging, RecordsCommand,
    WebhookCommand, CHATBOT_ENV,
};
use crate::output::{self, note, time, Column, Out, Table};
use crate::Failure;
use futures::{Stream, StreamExt, TryStreamExt};
use maiagent::mock::MockServer;
use maiagent::{Client, API_KEY_ENV};
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::local::{mock, webhook_listen, webhook_parse};

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Out { json: cli.json };
    let server = || Server::connect(cli.api_key.clone(), cli.base_url.clone());
    match cli.command {
        Command::Chat(args) => chat(&server().await?, out, args).await,
        Command::Conversations(command) => conversations(&server().await?, out, command).await,
        Command::Messages(command) => messages(&server().await?, out, command).await,
        Command::Records(command) => records(&server().await?, out, command).await,
        Command::Webhook(WebhookCommand::Parse { file }) => webhook_parse(out, file).await,
        Command::Webhook(WebhookCommand::Listen { port }) => webhook_listen(out, port).await,
        Command::Mock(args) => mock(out, args).await,
    }
}

/// The server the commands talk to: MaiAgent as configured, or the built-in mock when nothing is.
struct Server {
    client: Client,
    /// The built-in mock, kept running while the command runs.
    mock: Option<MockServer>,
}

impl Server {
    /// With neither an API key nor a base URL (flags or environment; empty counts as unset), the
    /// built-in mock server; otherwise the configuration given, which needs an API key.
    async fn connect(api_key: Option<String>, base_url: Option<String>) -> Result<Self, Failure> {
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        match (set(api_key), set(base_url)) {
            (None, None) => {
                let mock = MockServer::start().await.map_err(|e| {
                    Failure::Message(format!("cannot start the built-in mock server: {e}"))
                })?;
                note(&format!(
                    "no {API_KEY_ENV} set; using the built-in mock server at {}",
                    mock.base_url()
                ));
                let client = Client::builder()
                    .api_key(mock.api_key())
                    .base_url(mock.base_url())
                    .build()?;
                Ok(Self {
                    client,
                    mock: Some(mock),
                })
            }
            (None, Some(_)) => Err(maiagent::Error::Config {
                message: format!(
                    "no API key: pass --api-key KEY or set {API_KEY_ENV} (a base URL is set, so the built-in mock server is not used)"
                ),
            }
            .into()),
            (Some(key), base_url) => {
                let mut builder = Client::builder().api_key(key);
                if let Some(url) = base_url {
                    builder = builder.base_url(url);
                }
                Ok(Self {
                    client: builder.build()?,
                    mock: None,
                })
            }
        }
    }
}

/// `chat`: the reply delta by delta (or whole), the conversation id on stderr.
async fn chat(server: &Server, out: Out, args: ChatArgs) -> Result<(), Failure> {
    let chatbot = match (args.chatbot.filter(|c| !c.trim().is_empty()), &server.mock) {
        (Some(id), _) => id,
        (None, Some(mock)) => mock.demo().chatbot.to_string(),
        (None, None) => {
            return Err(Failure::usage(
                clap::error::ErrorKind::MissingRequiredArgument,
                format!("no chatbot: pass --chatbot ID or set {CHATBOT_ENV}"),
            ))
        }
    };
    let bot = server.client.chatbot(&chatbot);
    if args.no_stream {
        let mut request = bot.complete(args.message);
        if let Some(id) = &args.conversation {
            request = request.conversation(id);
        }
        let reply = request.await?;
        if out.json {
            out.json_line(&reply)?;
        } else {
            out.line(&reply.content)?;
        }
        if let Some(id) = &reply.conversation_id {
            eprintln_conversation(id.as_str());
        }
        return Ok(());
    }
    let mut request = bot.stream(args.message);
    if let Some(id) = &args.conversation {
        request = request.conversation(id);
    }
    let mut stream = request.await?;
    let mut started = false;
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                if started {
                    // End the partial reply's line, so that the error stands on its own.
                    let _ = out.line("");
                }
                return Err(e.into());
            }
        };
        if out.json {
            out.json_line(&event)?;
        } else if !event.content.is_empty() {
            out.text(&event.content)?;
            started = true;
        }
    }
    if !out.json {
        out.line("")?;
    }
    if let Some(id) = stream.conversation_id() {
        eprintln_conversation(id.as_str());
    }
    Ok(())
}

/// `conversation: <id>` on stderr, for a later `chat --conversation <id>`.
fn eprintln_conversation(id: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "conversation: {id}");
}

/// `conversations list|get|create`.
async fn conversations(
    server: &Server,
    out: Out,
    command: ConversationsCommand,
) -> Result<(), Failure> {
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
            if let Some(n) = paging.page_size {
                list = list.page_size(n);
            }
            let table = Table::new(vec![id_column(), text_column("TITLE", 40), time_column()]);
            print_listing(out, &table, limited(list.items(), &paging), |c| {
                vec![
                    c.id.to_string(),
                    c.title.clone().unwrap_or_default(),
                    time(&c.created_at),
                ]
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

/// `messages list|get|send|outgoing`.
async fn messages(server: &Server, out: Out, command: MessagesCommand) -> Result<(), Failure> {
    let messages = server.client.messages();
    let message = match command {
        MessagesCommand::List {
            conversation,
            paging,
        } => {
            let mut list = messages.list(conversation);
            if let Some(n) = paging.page_size {
                list = list.page_size(n);
            }
            let table = Table::new(vec![
                id_column(),
                text_column("TYPE", 8),
                text_column("CONTENT", 50),
                time_column(),
            ]);
            return print_listing(out, &table, limited(list.items(), &paging), |m| {
                vec![
                    m.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                    m.type_.as_ref().map(|t| t.to_string()).unwrap_or_default(),
                    m.content.clone().unwrap_or_default(),
                    time(&m.created_at),
                ]
            })
            .await;
        }
        MessagesCommand::Get { id, conversation } => messages.get(id, conversation).await?,
        MessagesCommand::Send {
            conversation,
            attachments,
            content,
        } => {
            messages
                .send(conversation, content)
                .attachments(attachments)
                .await?
        }
        MessagesCommand::Outgoing {
            conversation,
            content,
        } => messages.send_outgoing(conversation, content).await?,
    };
    out.object(&message, &output::message_summary(&message))
}

/// `records list|export`.
async fn records(server: &Server, out: Out, command: RecordsCommand) -> Result<(), Failure> {
    match command {
        RecordsCommand::List { chatbot, paging } => {
            let mut list = server.client.chatbot(chatbot).records();
            if let Some(n) = paging.page_size {
                list = list.page_size(n);
            }
            let table = Table::new(vec![
                id_column(),
                text_column("QUESTION", 50),
                time_column(),
            ]);
            print_listing(out, &table, limited(list.items(), &paging), |r| {
                vec![
                    r.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                    r.input_message.clone().unwrap_or_default(),
                    time(&r.created_at),
                ]
            })
            .await
        }
        RecordsCommand::Export { chatbot, output } => {
            // Ctrl-C drops the download, whose temporary file is then removed: no partial file.
            tokio::select! {
                result = export(server, out, &chatbot, output) => result,
                _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
            }
        }
    }
}

/// Downloads the export atomically (a progress bar on a terminal) and prints its path.
async fn export(
    server: &Server,
    out: Out,
    chatbot: &str,
    output: Option<PathBuf>,
) -> Result<(), Failure> {
    let export = server.client.chatbot(chatbot).export_records().await?;
    let path = destination(output, &export.suggested_file_name());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Failure::Message(format!(
                "cannot save {}: no directory {}",
                path.display(),
                dir.display()
            )));
        }
    }
    let bar = progress_bar(export.content_length());
    let progress = bar.clone();
    let written = export
        .save_to_with_progress(&path, move |written, total| {
            if let Some(total) = total {
                progress.set_length(total);
            }
            progress.set_position(written);
        })
        .await;
    bar.finish_and_clear();
    let written = written.map_err(|e| match e {
        maiagent::Error::Io(e) => Failure::Message(format!("cannot save {}: {e}", path.display())),
        other => other.into(),
    })?;
    if out.json {
        out.json_line(&serde_json::json!({
            "path": path.display().to_string(),
            "bytes": written,
        }))
    } else {
        out.line(&path.display().to_string())
    }
}

/// Where `--output` saves a file named `name`: in the current directory without it, in the
/// directory it names (an existing one, or any path ending with a separator), else at it.
fn destination(output: Option<PathBuf>, name: &str) -> PathBuf {
    match output {
        None => PathBuf::from(name),
        Some(dir) if dir.is_dir() || dir.to_string_lossy().ends_with(std::path::is_separator) => {
            dir.join(name)
        }
        Some(file) => file,
    }
}

/// An indicatif progress bar on stderr when it is a terminal, else a hidden one.
fn progress_bar(total: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {bytes} {bytes_per_sec}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// The first `--limit` items of a listing (all of them without a limit).
fn limited<S>(items: S, paging: &Paging) -> impl Stream<Item = S::Item>
where
    S: Stream,
{
    items.take(paging.limit.unwrap_or(usize::MAX))
}

/// Prints a listing as it arrives: a JSON line per item, or a table row per item.
async fn print_listing<T, S, F>(out: Out, table: &Table, items: S, row: F) -> Result<(), Failure>
where
    T: serde::Serialize,
    S: Stream<Item = Result<T, maiagent::Error>>,
    F: Fn(&T) -> Vec<String>,
{
    futures::pin_mut!(items);
    // The heading comes with the first row (or alone for an empty listing), not before an error.
    let mut headed = out.json;
    while let Some(item) = items.try_next().await? {
        if out.json {
            out.json_line(&item)?;
        } else {
            if !headed {
                table.header(&out)?;
                headed = true;
            }
            table.row(&out, &row(&item))?;
        }
    }
    if !headed {
        table.header(&out)?;
    }
    Ok(())
}

/// The id column: UUID-wide, never cut.
fn id_column() -> Column {
    Column {
        title: "ID",
        width: 36,
        truncate: false,
    }
}

/// A text column cut to `width`.
fn text_column(title: &'static str, width: usize) -> Column {
    Column {
        title,
        width,
        truncate: true,
    }
}

/// The creation time column.
fn time_column() -> Column {
    Column {
        title: "CREATED",
        width: 23,
        truncate: false,
    }
}

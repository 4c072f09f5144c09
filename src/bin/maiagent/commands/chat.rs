//! `chat`: one message and its reply; with no MESSAGE, the message from standard input, or an
//! interactive session (`session.rs`) when standard input is a terminal.

use super::{session, Context};
use crate::args::CHATBOT_ENV;
use crate::output::Out;
use crate::server::Server;
use crate::stdin::read_stdin;
use crate::Failure;
use clap::Args;
use futures::StreamExt;
use maiagent::types::Id;
use maiagent::CompletionBuilder;
use std::io::IsTerminal;

/// `chat`: a message to a chatbot, or a session of them.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The chatbot (AI assistant) id [default: the profile's; the mock's demo chatbot when the built-in mock runs]
    #[arg(long, value_name = "ID", env = CHATBOT_ENV)]
    pub chatbot: Option<String>,
    /// Continue this conversation (printed on stderr by an earlier `chat`)
    #[arg(long, value_name = "ID")]
    pub conversation: Option<String>,
    /// Wait for the whole reply instead of streaming it
    #[arg(long)]
    pub no_stream: bool,
    /// A file to upload and send with the message as an attachment; repeatable
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,
    /// The message to send [default: standard input; on a terminal, an interactive session]
    #[arg(value_name = "MESSAGE")]
    pub message: Option<String>,
}

/// Runs `chat`.
pub async fn run(ctx: &Context, mut args: ChatArgs) -> Result<(), Failure> {
    for file in &args.attach {
        super::upload::existing_file(file)?;
    }
    // In an interactive session, --attach files go with the first message.
    let interactive = args.message.is_none() && std::io::stdin().is_terminal();
    if args.message.is_none() && !interactive {
        args.message = Some(message_from_stdin().await?);
    }
    let chatbot = args.chatbot.take().filter(|c| !c.trim().is_empty());
    let server = Server::connect(&ctx.global, chatbot.is_none()).await?;
    let chatbot = match chatbot {
        Some(id) => id,
        None => default_chatbot(&server)?,
    };
    let Some(message) = args.message.take() else {
        return session::run(ctx.out, &server, chatbot, args).await;
    };
    let mut request = server.client.chatbot(&chatbot).complete(message);
    if let Some(id) = &args.conversation {
        request = request.conversation(id);
    }
    for file in &args.attach {
        request = request.attach_file(file);
    }
    if let Some(id) = reply(ctx.out, request, args.no_stream).await? {
        eprintln_conversation(id.as_str());
    }
    Ok(())
}

/// The chatbot when none is given: the profile's, or the mock's demo chatbot.
fn default_chatbot(server: &Server) -> Result<String, Failure> {
    if let Some(id) = server.profile.as_ref().and_then(|p| p.chatbot.clone()) {
        return Ok(id);
    }
    match &server.mock {
        Some(mock) => Ok(mock.demo().chatbot.to_string()),
        None => Err(Failure::usage(
            clap::error::ErrorKind::MissingRequiredArgument,
            format!(
                "no chatbot: pass --chatbot ID, set {CHATBOT_ENV} or save one with `maiagent auth login --chatbot ID`"
            ),
        )),
    }
}

/// The message piped on standard input (`git diff | maiagent chat`), without its final newline.
async fn message_from_stdin() -> Result<String, Failure> {
    let bytes = read_stdin().await?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Message("standard input is not UTF-8 text".into()))?;
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Err(Failure::usage(
            clap::error::ErrorKind::MissingRequiredArgument,
            "no message: pass MESSAGE, or pipe it on standard input".into(),
        ));
    }
    Ok(text.to_string())
}

/// Sends `request` and prints the reply delta by delta (or whole, or as JSON lines); gives the
/// conversation id.
pub async fn reply(
    out: Out,
    request: CompletionBuilder,
    no_stream: bool,
) -> Result<Option<Id>, Failure> {
    if no_stream {
        let reply = request.await?;
        if out.json {
            out.json_line(&reply)?;
        } else {
            out.line(&reply.content)?;
        }
        return Ok(reply.conversation_id);
    }
    let mut stream = request.stream().await?;
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
    Ok(stream.conversation_id().cloned())
}

/// `conversation: <id>` on stderr, for a later `chat --conversation <id>`.
fn eprintln_conversation(id: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "conversation: {id}");
}

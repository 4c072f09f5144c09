//! `chat` on a terminal with no MESSAGE: an interactive session. Each line is a turn of one
//! conversation, its reply streamed as it is written; the line editor (rustyline) keeps the
//! session's history.
//!
//! `/new` starts a new conversation, `/conversation` prints its id, `/attach FILE` attaches a
//! file to the next message (as `--attach` does to the first), `/exit` or Ctrl-D leaves. Ctrl-C during a reply drops its stream
//! (which closes the connection) and returns to the prompt; at the prompt it clears the line.

use super::chat::{reply, ChatArgs};
use crate::output::{note, Out};
use crate::server::Server;
use crate::Failure;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

/// The prompt.
pub const PROMPT: &str = ">>> ";

/// What a line of the session asks for.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// Nothing (an empty line).
    Empty,
    /// A message to send.
    Message(&'a str),
    /// `/new`.
    New,
    /// `/conversation`.
    Conversation,
    /// `/attach FILE`.
    Attach(&'a str),
    /// `/help`.
    Help,
    /// `/exit` or `/quit`.
    Exit,
    /// A `/word` that is none of the above.
    Unknown(&'a str),
}

impl<'a> Line<'a> {
    fn parse(line: &'a str) -> Self {
        let line = line.trim();
        if line.is_empty() {
            return Line::Empty;
        }
        // `//text` sends `/text`.
        if let Some(rest) = line.strip_prefix("//") {
            return Line::Message(&line[line.len() - rest.len() - 1..]);
        }
        let Some(command) = line.strip_prefix('/') else {
            return Line::Message(line);
        };
        let (name, arg) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, a)| (n, a.trim()));
        match name {
            "new" => Line::New,
            "conversation" => Line::Conversation,
            "attach" => Line::Attach(arg),
            "help" => Line::Help,
            "exit" | "quit" => Line::Exit,
            _ => Line::Unknown(name),
        }
    }
}

const HELP: &str = "/new starts a new conversation, /conversation prints its id, /attach FILE \
                    attaches a file to the next message, /exit or Ctrl-D leaves; Ctrl-C stops a \
                    reply; //text sends /text";

/// Runs the session until `/exit`, Ctrl-D or the end of input.
pub async fn run(
    out: Out,
    server: &Server,
    chatbot: String,
    mut args: ChatArgs,
) -> Result<(), Failure> {
    let mut session = server.client.chatbot(&chatbot).session();
    if let Some(id) = args.conversation {
        session = session.with_conversation(id);
    }
    let mut attached = std::mem::take(&mut args.attach);
    let mut editor = DefaultEditor::new()
        .map_err(|e| Failure::Message(format!("cannot open the terminal: {e}")))?;
    note(&format!(
        "chatting with chatbot {chatbot} (/help lists the commands; Ctrl-D leaves)"
    ));
    loop {
        let line = tokio::task::block_in_place(|| editor.readline(PROMPT));
        let line = match line {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(Failure::Message(format!("cannot read the terminal: {e}"))),
        };
        let parsed = Line::parse(&line);
        if parsed != Line::Empty {
            let _ = editor.add_history_entry(line.trim());
        }
        match parsed {
            Line::Empty => {}
            Line::Exit => return Ok(()),
            Line::Help => note(HELP),
            Line::New => {
                session.reset();
                note("the next message starts a new conversation");
            }
            Line::Conversation => match session.conversation_id() {
                Some(id) => out.line(id.as_str())?,
                None => note("no conversation yet: the first reply starts one"),
            },
            Line::Attach("") => note("/attach needs a file: /attach FILE"),
            Line::Attach(file) => {
                let path = std::path::PathBuf::from(file);
                if super::upload::existing_file(&path).is_ok() {
                    note(&format!("{} goes with the next message", path.display()));
                    attached.push(path);
                } else {
                    note(&format!("no file {}", path.display()));
                }
            }
            Line::Unknown(name) => note(&format!("unknown command /{name}; {HELP}")),
            Line::Message(text) => {
                let mut request = session.message(text);
                // The files of /attach are uploaded when the message is sent, once.
                for path in attached.drain(..) {
                    request = request.attach_file(path);
                }
                tokio::select! {
                    biased;
                    _ = tokio::signal::ctrl_c() => {
                        // The reply's stream is dropped here, which closes its connection.
                        out.line("")?;
                        note("reply stopped");
                    }
                    result = reply(out, request, args.no_stream) => match result {
                        Ok(_) => {}
                        Err(Failure::Output(e)) => return Err(Failure::Output(e)),
                        Err(failure) => failure.print(),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn lines_are_messages_or_commands() {
        assert_eq!(Line::parse("  "), Line::Empty);
        assert_eq!(Line::parse(" 你好 "), Line::Message("你好"));
        assert_eq!(Line::parse("/new"), Line::New);
        assert_eq!(Line::parse("/conversation"), Line::Conversation);
        assert_eq!(Line::parse("/attach  a b.png "), Line::Attach("a b.png"));
        assert_eq!(Line::parse("/exit"), Line::Exit);
        assert_eq!(Line::parse("/quit"), Line::Exit);
        assert_eq!(Line::parse("/frob x"), Line::Unknown("frob"));
        assert_eq!(Line::parse("//etc/hosts?"), Line::Message("/etc/hosts?"));
    }
}

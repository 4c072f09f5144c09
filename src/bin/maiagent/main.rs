//! `maiagent`: the MaiAgent command-line tool.
//!
//! ```text
//! maiagent [--api-key KEY] [--base-url URL] [--profile NAME] [--json] <COMMAND>
//! ```
//!
//! Every command is a thin layer over the public SDK API (see `commands`). Settings come from
//! flags, then the environment, then the profile saved by `auth login` (see `server`); with no
//! API key and no base URL from any of them, the commands that talk to MaiAgent run against the
//! built-in mock.
//!
//! Exit status: 0 on success (and when stdout is closed early, as by `| head`); 1 on an API,
//! network, decode or I/O error, with one line on stderr; 2 on a usage error; 130 when Ctrl-C
//! interrupts a download.

mod args;
mod commands;
mod config;
mod listing;
mod output;
mod progress;
mod prompt;
mod server;
mod stdin;

use clap::CommandFactory;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The SDK failed: API answer, network, decode, configuration, file.
    Sdk(maiagent::Error),
    /// Writing to stdout failed (a closed pipe is not reported).
    Output(std::io::Error),
    /// Anything else, as one line.
    Message(String),
    /// The command line is wrong in a way clap cannot see.
    Usage(Box<clap::Error>),
    /// Ctrl-C.
    Interrupted,
}

impl Failure {
    /// A usage error of the `maiagent` command line (exit status 2).
    pub fn usage(kind: clap::error::ErrorKind, message: String) -> Self {
        Failure::Usage(Box::new(args::Cli::command().error(kind, message)))
    }

    /// Reports the failure on stderr and gives the exit status.
    fn report(self) -> ExitCode {
        let line = match self {
            Failure::Usage(e) => {
                let _ = e.print();
                return ExitCode::from(2);
            }
            Failure::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                return ExitCode::SUCCESS;
            }
            Failure::Interrupted => {
                let _ = writeln!(std::io::stderr(), "maiagent: interrupted");
                return ExitCode::from(130);
            }
            other => other,
        };
        line.print();
        ExitCode::from(1)
    }

    /// Prints the failure as one `error: ...` line on stderr (`error:` in red on a colour
    /// terminal), as the interactive chat does for a turn that fails.
    pub fn print(self) {
        let line = match self {
            Failure::Usage(e) => e.to_string(),
            Failure::Interrupted => "interrupted".into(),
            Failure::Output(e) => format!("cannot write the output: {e}"),
            Failure::Sdk(e) => error_line(&e),
            Failure::Message(m) => m,
        };
        let stderr = std::io::stderr();
        let color = stderr.is_terminal() && output::color_allowed();
        let _ = writeln!(
            stderr.lock(),
            "{} {}",
            output::red("error:", color),
            one_line(&line, 400)
        );
    }
}

impl From<maiagent::Error> for Failure {
    fn from(e: maiagent::Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

/// The error and its causes (those its own text does not already show), as one line.
pub fn error_line(e: &maiagent::Error) -> String {
    let mut line = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

/// `text` on one line (whitespace runs become one space), at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse_with_sources();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

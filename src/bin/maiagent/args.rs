//! The command line's global options (clap derive); each command's own arguments live with the
//! command, in `commands/`.

use crate::commands::Command;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser};

/// The environment variable naming the default chatbot of `chat`.
pub const CHATBOT_ENV: &str = "MAIAGENT_CHATBOT_ID";

/// The environment variable naming the profile to use.
pub const PROFILE_ENV: &str = "MAIAGENT_PROFILE";

/// The `maiagent` command line.
#[derive(Debug, Parser)]
#[command(
    name = "maiagent",
    version,
    about = "The MaiAgent command-line tool: chat with a chatbot, read conversations, messages and records, receive webhooks",
    long_about = "The MaiAgent command-line tool: chat with a chatbot, read conversations, messages \
                  and records, export records, receive webhooks, and run the embedded mock server.\n\n\
                  Settings come from the flags, then the environment (MAIAGENT_API_KEY, \
                  MAIAGENT_BASE_URL, MAIAGENT_CHATBOT_ID, MAIAGENT_PROFILE), then the profile saved \
                  by `maiagent auth login`. With no API key and no base URL from any of them, \
                  commands that talk to MaiAgent run against the built-in mock server, and say so \
                  on stderr."
)]
pub struct Cli {
    /// The options every command takes.
    #[command(flatten)]
    pub global: Global,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The API key (`Authorization: Api-Key KEY`). A key on the command line is visible to other
    /// users of this machine (in the process list): prefer `maiagent auth login` or the
    /// environment
    #[arg(
        long,
        global = true,
        value_name = "KEY",
        env = maiagent::API_KEY_ENV,
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// The API's base URL [default: the profile's, else https://api.maiagent.ai/api/v1/]
    #[arg(long, global = true, value_name = "URL", env = maiagent::BASE_URL_ENV)]
    pub base_url: Option<String>,

    /// The profile saved by `maiagent auth login` to use [default: default]
    #[arg(long, global = true, value_name = "NAME", env = PROFILE_ENV)]
    pub profile: Option<String>,

    /// Print JSON, one object per line, instead of readable text
    #[arg(long, global = true)]
    pub json: bool,

    /// Where each of the settings above came from (filled in after parsing).
    #[arg(skip)]
    pub sources: Sources,
}

/// Where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Not given.
    #[default]
    Unset,
    /// A flag on the command line.
    Flag,
    /// An environment variable.
    Env,
}

/// Where the global settings came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources {
    /// `--api-key` or `MAIAGENT_API_KEY`.
    pub api_key: Source,
    /// `--base-url` or `MAIAGENT_BASE_URL`.
    pub base_url: Source,
}

impl Cli {
    /// Parses the process's arguments, remembering where each global setting came from.
    pub fn parse_with_sources() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().get_matches();
        let mut cli = match Self::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => e.format(&mut Self::command()).exit(),
        };
        cli.global.sources = Sources {
            api_key: source(&matches, "api_key"),
            base_url: source(&matches, "base_url"),
        };
        cli
    }
}

/// Where the global argument `id` came from, looking into the subcommand that was run (global
/// arguments are recorded there).
fn source(matches: &ArgMatches, id: &str) -> Source {
    let mut found = Source::Unset;
    let mut level = Some(matches);
    while let Some(m) = level {
        match m.value_source(id) {
            Some(ValueSource::CommandLine) => return Source::Flag,
            Some(ValueSource::EnvVariable) => found = Source::Env,
            _ => {}
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    found
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

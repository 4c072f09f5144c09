//! `completion SHELL`: the shell completion script, generated from the command line itself.

use super::Context;
use crate::args::Cli;
use crate::Failure;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// `completion SHELL`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: Shell,
}

/// Prints the completion script of `maiagent` for the shell.
pub fn run(ctx: &Context, args: CompletionArgs) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "maiagent", &mut script);
    ctx.out.text(&String::from_utf8_lossy(&script))
}

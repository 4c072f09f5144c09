//! `records list|export`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, time_column, Paging};
use crate::output::{cell, time, Out, Table};
use crate::progress::progress_bar;
use crate::server::Server;
use crate::Failure;
use clap::Subcommand;
use std::path::PathBuf;

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

/// Runs `records ...`.
pub async fn run(ctx: &Context, command: RecordsCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let out = ctx.out;
    match command {
        RecordsCommand::List { chatbot, paging } => {
            let list = server.client.chatbot(chatbot).records();
            let table = Table::new(vec![
                id_column(),
                text_column("QUESTION", 50),
                time_column(),
            ]);
            print_listing(out, &table, paging.items(list), |r| {
                vec![cell(&r.id), cell(&r.input_message), time(&r.created_at)]
            })
            .await
        }
        RecordsCommand::Export { chatbot, output } => {
            // Ctrl-C drops the download, whose temporary file is then removed: no partial file.
            tokio::select! {
                result = export(&server, out, &chatbot, output) => result,
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

//! `kb list|get|create|update|delete` and `kb files list|upload|get|delete`.

use super::upload::existing_file;
use super::Context;
use crate::listing::{id_column, print_listing, text_column, time_column, Paging};
use crate::output::{cell, time, Out, Table};
use crate::Failure;
use clap::Subcommand;
use maiagent::resources::knowledge_base_files::KnowledgeBaseFiles;
use maiagent::resources::knowledge_bases::KnowledgeBases;
use maiagent::types::{KnowledgeBase, KnowledgeBaseFile};
use std::path::PathBuf;
use std::time::Duration;

/// `kb ...`.
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// List the knowledge bases, every page
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one knowledge base
    Get {
        /// The knowledge base id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Create a knowledge base (model ids from `maiagent models embedding|reranker`)
    Create {
        /// Its name
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// The embedding model id
        #[arg(long, value_name = "ID")]
        embedding_model: String,
        /// The reranker model id
        #[arg(long, value_name = "ID")]
        reranker_model: String,
        /// A description
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// Change a knowledge base; only the options given are sent
    Update {
        /// The knowledge base id
        #[arg(value_name = "ID")]
        id: String,
        /// A new name
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// A new description
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// Delete a knowledge base and its files (prints nothing)
    Delete {
        /// The knowledge base id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// List, upload, show and delete the files of a knowledge base
    #[command(subcommand)]
    Files(FilesCommand),
}

/// `kb files ...`.
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// List the files of a knowledge base, every page
    List {
        /// The knowledge base id
        #[arg(long, value_name = "ID")]
        kb: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Upload files into a knowledge base; one line per file
    Upload {
        /// The knowledge base id
        #[arg(long, value_name = "ID")]
        kb: String,
        /// Wait until each file is processed; exit 1 if one ends `failed`
        #[arg(long)]
        wait: bool,
        /// The files to upload
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Show one file and its processing status
    Get {
        /// The knowledge base id
        #[arg(long, value_name = "ID")]
        kb: String,
        /// The file id
        #[arg(value_name = "FILE_ID")]
        file: String,
    },
    /// Delete a file (prints nothing)
    Delete {
        /// The knowledge base id
        #[arg(long, value_name = "ID")]
        kb: String,
        /// The file id
        #[arg(value_name = "FILE_ID")]
        file: String,
    },
}

/// Runs `kb ...`.
pub async fn run(ctx: &Context, command: KbCommand) -> Result<(), Failure> {
    if let KbCommand::Files(FilesCommand::Upload { files, .. }) = &command {
        for file in files {
            existing_file(file)?;
        }
    }
    let server = ctx.server().await?;
    let out = ctx.out;
    let kbs = server.client.knowledge_bases();
    let kb = match command {
        KbCommand::List { paging } => {
            let list = kbs.list();
            let table = Table::new(vec![
                id_column(),
                text_column("NAME", 40),
                text_column("FILES", 6),
                time_column(),
            ]);
            return print_listing(out, &table, paging.items(list), |kb| {
                vec![
                    cell(&kb.id),
                    cell(&kb.name),
                    kb.files_count.map(|n| n.to_string()).unwrap_or_default(),
                    time(&kb.created_at),
                ]
            })
            .await;
        }
        KbCommand::Get { id } => kbs.get(id).await?,
        KbCommand::Create {
            name,
            embedding_model,
            reranker_model,
            description,
        } => {
            let mut create = kbs.create(name, embedding_model, reranker_model);
            if let Some(v) = description {
                create = create.description(v);
            }
            create.await?
        }
        KbCommand::Update {
            id,
            name,
            description,
        } => {
            let mut update = kbs.update(id);
            if let Some(v) = name {
                update = update.name(v);
            }
            if let Some(v) = description {
                update = update.description(v);
            }
            update.await?
        }
        KbCommand::Delete { id } => {
            kbs.delete(id).await?;
            return Ok(());
        }
        KbCommand::Files(command) => return run_files(out, &kbs, command).await,
    };
    out.object(&kb, &kb_summary(&kb))
}

async fn run_files(out: Out, kbs: &KnowledgeBases, command: FilesCommand) -> Result<(), Failure> {
    match command {
        FilesCommand::List { kb, paging } => {
            let list = kbs.files(kb).list();
            let table = file_table();
            print_listing(out, &table, paging.items(list), file_row).await
        }
        FilesCommand::Upload { kb, wait, files } => upload(out, &kbs.files(kb), wait, files).await,
        FilesCommand::Get { kb, file } => {
            let file = kbs.files(kb).get(file).await?;
            out.object(&file, &file_summary(&file))
        }
        FilesCommand::Delete { kb, file } => {
            kbs.files(kb).delete(file).await?;
            Ok(())
        }
    }
}

/// Uploads each file in turn and prints a line for it (after its processing, with `--wait`).
/// With `--wait`, a file that ends `failed` is reported on stderr, the others still run, and
/// the command fails at the end.
async fn upload(
    out: Out,
    files: &KnowledgeBaseFiles,
    wait: bool,
    paths: Vec<PathBuf>,
) -> Result<(), Failure> {
    let table = file_table();
    if !out.json {
        table.header(&out)?;
    }
    let mut failed = None;
    for path in paths {
        let mut file = files.upload(path.as_path()).await?;
        if wait {
            let id = cell(&file.id);
            match files.wait_until_processed(&id, Duration::MAX).await {
                Ok(done) => file = done,
                Err(e @ maiagent::Error::FileProcessingFailed { .. }) => {
                    eprintln!("error: {e}");
                    file = files.get(&id).await?;
                    failed = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        if out.json {
            out.json_line(&file)?;
        } else {
            table.row(&out, &file_row(&file))?;
        }
    }
    match failed {
        Some(e) => Err(Failure::Sdk(e)),
        None => Ok(()),
    }
}

fn file_table() -> Table {
    Table::new(vec![
        id_column(),
        text_column("FILENAME", 40),
        text_column("STATUS", 10),
        text_column("SIZE", 10),
    ])
}

fn file_row(f: &KnowledgeBaseFile) -> Vec<String> {
    vec![
        cell(&f.id),
        cell(&f.filename),
        cell(&f.status),
        f.size.map(|n| n.to_string()).unwrap_or_default(),
    ]
}

fn file_summary(f: &KnowledgeBaseFile) -> Vec<(&'static str, String)> {
    let text = |v: Option<String>| v.unwrap_or_default();
    vec![
        ("id", text(f.id.as_ref().map(|v| v.to_string()))),
        ("filename", text(f.filename.clone())),
        ("status", text(f.status.as_ref().map(|s| s.to_string()))),
        ("failed reason", text(f.failed_reason.clone())),
        ("size", text(f.size.map(|n| n.to_string()))),
        ("created", time(&f.created_at)),
    ]
}

fn kb_summary(kb: &KnowledgeBase) -> Vec<(&'static str, String)> {
    let text = |v: Option<String>| v.unwrap_or_default();
    let model = |r: &Option<maiagent::types::Ref>| {
        text(r.as_ref().and_then(|r| r.id()).map(|v| v.to_string()))
    };
    vec![
        ("id", text(kb.id.as_ref().map(|v| v.to_string()))),
        ("name", text(kb.name.clone())),
        ("description", text(kb.description.clone())),
        ("embedding model", model(&kb.embedding_model)),
        ("reranker model", model(&kb.reranker_model)),
        ("files", text(kb.files_count.map(|n| n.to_string()))),
        ("created", time(&kb.created_at)),
    ]
}

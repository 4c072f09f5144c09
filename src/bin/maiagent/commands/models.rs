//! `models embedding|reranker`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column};
use crate::output::{cell, Table};
use crate::Failure;
use clap::Subcommand;

/// `models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the embedding models a knowledge base can use
    Embedding,
    /// List the reranker models a knowledge base can use
    Reranker,
}

/// Runs `models ...`.
pub async fn run(ctx: &Context, command: ModelsCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let models = server.client.models();
    let list = match command {
        ModelsCommand::Embedding => models.embedding().await?,
        ModelsCommand::Reranker => models.reranker().await?,
    };
    let table = Table::new(vec![
        id_column(),
        text_column("NAME", 40),
        text_column("DEFAULT", 7),
    ]);
    let items = futures::stream::iter(list.into_models().into_iter().map(Ok));
    print_listing(ctx.out, &table, items, |m| {
        vec![
            cell(&m.id),
            cell(&m.name),
            if m.is_default.as_ref().is_some_and(|d| d.is_true()) {
                "yes".into()
            } else {
                String::new()
            },
        ]
    })
    .await
}

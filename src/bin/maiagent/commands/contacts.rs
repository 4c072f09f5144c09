//! `contacts list|get|create|update|delete`.

use super::Context;
use crate::listing::{id_column, print_listing, text_column, time_column, Paging};
use crate::output::{cell, time, Table};
use crate::Failure;
use clap::Subcommand;
use maiagent::types::Contact;

/// `contacts ...`.
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// List the contacts, every page
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Show one contact
    Get {
        /// The contact id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Create a contact
    Create {
        /// The contact's name
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// An inbox the contact belongs to; repeatable
        #[arg(long = "inbox", value_name = "ID")]
        inboxes: Vec<String>,
    },
    /// Change a contact; only the options given are sent
    Update {
        /// The contact id
        #[arg(value_name = "ID")]
        id: String,
        /// A new name
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
    },
    /// Delete a contact (prints nothing)
    Delete {
        /// The contact id
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Runs `contacts ...`.
pub async fn run(ctx: &Context, command: ContactsCommand) -> Result<(), Failure> {
    let server = ctx.server().await?;
    let out = ctx.out;
    let contacts = server.client.contacts();
    let contact = match command {
        ContactsCommand::List { paging } => {
            let list = contacts.list();
            let table = Table::new(vec![
                id_column(),
                text_column("NAME", 30),
                text_column("EMAIL", 30),
                time_column(),
            ]);
            return print_listing(out, &table, paging.items(list), |c| {
                vec![
                    cell(&c.id),
                    cell(&c.name),
                    cell(&c.email),
                    time(&c.created_at),
                ]
            })
            .await;
        }
        ContactsCommand::Get { id } => contacts.get(id).await?,
        ContactsCommand::Create { name, inboxes } => {
            let mut create = contacts.create(name);
            for inbox in inboxes {
                create = create.inbox(inbox);
            }
            create.await?
        }
        ContactsCommand::Update { id, name } => {
            let mut update = contacts.update(id);
            if let Some(v) = name {
                update = update.name(v);
            }
            update.await?
        }
        ContactsCommand::Delete { id } => {
            contacts.delete(id).await?;
            return Ok(());
        }
    };
    out.object(&contact, &summary(&contact))
}

fn summary(c: &Contact) -> Vec<(&'static str, String)> {
    let text = |v: Option<String>| v.unwrap_or_default();
    let inboxes = c
        .inboxes
        .iter()
        .flatten()
        .map(|i| {
            let id = cell(&i.id);
            match &i.name {
                Some(name) => format!("{name} ({id})"),
                None => id,
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("id", text(c.id.as_ref().map(|v| v.to_string()))),
        ("name", text(c.name.clone())),
        ("email", text(c.email.clone())),
        ("phone", text(c.phone_number.clone())),
        ("inboxes", inboxes),
        ("created", time(&c.created_at)),
    ]
}

//! Lists every conversation of the account, then every message of the first one.
//!
//! ```sh
//! MAIAGENT_API_KEY=... cargo run --example list_conversations
//! ```
//!
//! Pages are fetched lazily, one at a time, as the loops ask for more.

use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), maiagent::Error> {
    let client = maiagent::Client::from_env()?;

    let mut first = None;
    let mut conversations = client.conversations().list().page_size(50).items();
    while let Some(conversation) = conversations.try_next().await? {
        println!(
            "{}  {}",
            conversation.id,
            conversation.title.as_deref().unwrap_or("(untitled)")
        );
        first.get_or_insert(conversation.id);
    }

    let Some(id) = first else {
        println!("no conversations yet");
        return Ok(());
    };
    println!("\nmessages of {id}:");
    let mut messages = client.messages().list(&id).items();
    while let Some(message) = messages.try_next().await? {
        println!("  {}", message.content.unwrap_or_default());
    }
    Ok(())
}

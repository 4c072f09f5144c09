//! A conversation of two turns with a chatbot, each reply printed as it is written.
//!
//! ```sh
//! MAIAGENT_API_KEY=... MAIAGENT_CHATBOT_ID=... cargo run --example chat
//! MAIAGENT_API_KEY=... cargo run --example chat -- <chatbot-id> "first turn" "second turn"
//! ```
//!
//! With the `mock` feature and no `MAIAGENT_API_KEY`, it talks to the embedded mock server
//! (`maiagent::mock`) and its demo chatbot instead:
//!
//! ```sh
//! cargo run --example chat --features mock
//! ```
//!
//! The session remembers the conversation the first turn creates and sends the second turn
//! into it.

use futures::TryStreamExt;
use maiagent::{Client, API_KEY_ENV};
use std::error::Error;
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let chatbot = args
        .next()
        .or_else(|| std::env::var("MAIAGENT_CHATBOT_ID").ok());
    let turns = [
        args.next()
            .unwrap_or_else(|| "你好，請簡單介紹你自己。".into()),
        args.next()
            .unwrap_or_else(|| "可以再說得更簡短一點嗎？".into()),
    ];

    // Keeps the mock server (if any) running until the end.
    let (client, chatbot, _server) = connect(chatbot).await?;
    let chat = client.chatbot(&chatbot).session();

    for turn in turns {
        println!("> {turn}");
        let mut stream = chat.stream(turn).await?;
        while let Some(event) = stream.try_next().await? {
            print!("{}", event.content);
            std::io::stdout().flush()?;
            if event.done && !event.citations.is_empty() {
                print!("\n  [{} citations]", event.citations.len());
            }
        }
        match chat.conversation_id() {
            Some(id) => println!("\n  (conversation {id})\n"),
            None => println!("\n"),
        }
    }
    Ok(())
}

/// The client and chatbot id from the environment, or the mock server's.
async fn connect(
    chatbot: Option<String>,
) -> Result<(Client, String, Box<dyn std::any::Any>), Box<dyn Error>> {
    #[cfg(feature = "mock")]
    if std::env::var_os(API_KEY_ENV).is_none() {
        let server = maiagent::mock::MockServer::start().await?;
        eprintln!(
            "(no {API_KEY_ENV}: using the mock server at {})",
            server.base_url()
        );
        let client = Client::builder()
            .api_key(server.api_key())
            .base_url(server.base_url())
            .build()?;
        let chatbot = chatbot.unwrap_or_else(|| server.demo().chatbot.to_string());
        return Ok((client, chatbot, Box::new(server)));
    }
    let client = Client::from_env().map_err(|e| format!("{e} (or build with --features mock)"))?;
    let chatbot = chatbot.ok_or(format!(
        "set MAIAGENT_CHATBOT_ID or pass the chatbot id as the first argument ({API_KEY_ENV} is set)"
    ))?;
    Ok((client, chatbot, Box::new(())))
}

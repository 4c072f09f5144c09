//! Downloads a chatbot's records as an Excel file, with progress.
//!
//! ```sh
//! MAIAGENT_API_KEY=... cargo run --example export_records -- <chatbot-id> [directory]
//! ```
//!
//! The file is saved under the name the server gives (or `records-<chatbot>.xlsx`), atomically:
//! an interrupted download leaves no partial file behind.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let chatbot = args
        .next()
        .ok_or("usage: export_records <chatbot-id> [directory]")?;
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));

    let client = maiagent::Client::from_env()?;
    let export = client.chatbot(&chatbot).export_records().await?;
    let path = dir.join(export.suggested_file_name());
    let written = export
        .save_to_with_progress(&path, |written, total| match total {
            Some(total) => eprint!("\r{written} / {total} bytes"),
            None => eprint!("\r{written} bytes"),
        })
        .await?;
    eprintln!();
    println!("saved {} ({written} bytes)", path.display());
    Ok(())
}

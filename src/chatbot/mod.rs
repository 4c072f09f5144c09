//! A chatbot (AI assistant): its completions (whole or streamed replies, chat sessions), its
//! records, and their Excel export.

pub mod completions;
pub mod export;
pub mod settings;

use crate::pagination::Listing;
use crate::types::ChatbotRecordPage;
use crate::Client;

/// One chatbot: `client.chatbot(id)`. It owns a clone of the client, so it can be kept and moved
/// into spawned tasks.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let bot = client.chatbot("my-chatbot-id");
/// let reply = bot.complete("你好").await?;
/// let records: Vec<_> = bot.records().items().try_collect().await?;
/// println!("{} ({} records)", reply.content, records.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Chatbot {
    pub(crate) client: Client,
    pub(crate) id: String,
}

impl Client {
    /// The chatbot with this id.
    pub fn chatbot(&self, id: impl AsRef<str>) -> Chatbot {
        Chatbot {
            client: self.clone(),
            id: id.as_ref().to_string(),
        }
    }
}

impl Chatbot {
    /// The chatbot's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The chatbot's records (`GET chatbots/{chatbotPk}/records/`, page-number pagination).
    pub fn records(&self) -> Listing<ChatbotRecordPage> {
        Listing::new(&self.client, &[&self.id])
    }
}

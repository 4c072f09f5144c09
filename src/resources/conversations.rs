//! Conversations: list, get, create.

use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{Conversation, ConversationCreate, ConversationPage};
use crate::{Call, Client, Operation};

/// The conversations of the account: `client.conversations()`.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// let created = client.conversations().create("my-web-chat-id").await?;
/// let same = client.conversations().get(created.id.as_str()).await?;
/// assert_eq!(created.id, same.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Conversations {
    client: Client,
}

impl Client {
    /// Conversations: list, get, create.
    pub fn conversations(&self) -> Conversations {
        Conversations {
            client: self.clone(),
        }
    }
}

impl Conversations {
    /// One conversation (`GET conversations/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<Conversation> {
        let request = Request::new(Operation::ConversationsGet, &[id.as_ref()]);
        Call::new(&self.client, request)
    }

    /// Starts a conversation in a Web Chat inbox (`POST conversations/`); its id comes back in
    /// the answer.
    pub fn create(&self, web_chat: impl AsRef<str>) -> Call<Conversation> {
        let body = ConversationCreate {
            web_chat: web_chat.as_ref().to_string(),
        };
        let request = Request::new(Operation::ConversationsCreate, &[]).json(&body);
        Call::new(&self.client, request)
    }

    /// The conversations, newest first (`GET conversations/`, cursor pagination).
    pub fn list(&self) -> Listing<ConversationPage> {
        Listing::new(&self.client, &[])
    }
}

impl Listing<ConversationPage> {
    /// Only the conversations of this inbox.
    pub fn inbox(self, inbox: impl AsRef<str>) -> Self {
        self.filter("inbox", inbox.as_ref())
    }

    /// Only the conversations matching this keyword.
    pub fn keyword(self, keyword: impl AsRef<str>) -> Self {
        self.filter("keyword", keyword.as_ref())
    }
}

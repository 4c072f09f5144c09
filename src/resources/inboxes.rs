//! Inboxes: the channels conversations come through (a Web Chat, a LINE account, ...).

use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{Id, Inbox, InboxPage};
use crate::{Call, Client, Operation};

/// The inboxes of the account: `client.inboxes()`.
///
/// A Web Chat inbox names its Web Chat, whose id is what
/// [`Conversations::create`](crate::resources::conversations::Conversations::create) takes:
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let inboxes: Vec<_> = client.inboxes().list().channel_type("web").items().try_collect().await?;
/// let web_chat = inboxes.iter().find_map(|inbox| inbox.channel_id()).expect("a Web Chat inbox");
/// let conversation = client.conversations().create(web_chat.as_str()).await?;
/// println!("{}", conversation.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Inboxes {
    client: Client,
}

impl Client {
    /// Inboxes: list, get.
    pub fn inboxes(&self) -> Inboxes {
        Inboxes {
            client: self.clone(),
        }
    }
}

impl Inboxes {
    /// One inbox (`GET inboxes/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<Inbox> {
        Call::new(
            &self.client,
            Request::new(Operation::InboxesGet, &[id.as_ref()]),
        )
    }

    /// The inboxes (`GET inboxes/`, page-number pagination).
    pub fn list(&self) -> Listing<InboxPage> {
        Listing::new(&self.client, &[])
    }
}

impl Listing<InboxPage> {
    /// Only the inboxes of this channel type (`web`, `line`, `telegram`, `messenger`, ...).
    pub fn channel_type(self, channel_type: impl AsRef<str>) -> Self {
        self.filter("channelType", channel_type.as_ref())
    }

    /// Only the inboxes of this chatbot.
    pub fn chatbot(self, chatbot: impl AsRef<str>) -> Self {
        self.filter("chatbot", chatbot.as_ref())
    }
}

impl Inbox {
    /// The id of the channel behind this inbox (`channel.id`, or `channel` itself when the
    /// server sends a bare id). For a Web Chat inbox (`channelType` `web`), it is the Web Chat id
    /// that creates conversations.
    pub fn channel_id(&self) -> Option<&Id> {
        self.channel.as_ref()?.id()
    }
}

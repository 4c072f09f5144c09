//! Inboxes: the channels conversations come through (a Web Chat, a LINE account, ...).

use crate::pagination::Listing;
use crate::types::InboxPage;
use crate::Client;

/// The inboxes of the account: `client.inboxes()`.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let inboxes: Vec<_> = client.inboxes().list().channel_type("web").items().try_collect().await?;
/// println!("{} Web Chat inboxes", inboxes.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Inboxes {
    client: Client,
}

impl Client {
    /// Inboxes.
    pub fn inboxes(&self) -> Inboxes {
        Inboxes {
            client: self.clone(),
        }
    }
}

impl Inboxes {
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

//! The chatbots of the account and their settings: list, get, update (name, instructions,
//! webhook URL, ...).

use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{self, ChatbotPage, ChatbotUpdate, ReplyMode};
use crate::{Call, Client, Operation};
use futures::future::BoxFuture;
use std::future::IntoFuture;

/// The chatbots (AI assistants) of the account: `client.chatbots()`. To talk to one, or read
/// its records, use [`Client::chatbot`].
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// let bot = client
///     .chatbots()
///     .update("my-chatbot-id")
///     .webhook_url("https://example.com/maiagent/webhook")
///     .await?;
/// assert_eq!(bot.webhook_url.as_deref(), Some("https://example.com/maiagent/webhook"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Chatbots {
    client: Client,
}

impl Client {
    /// The chatbots of the account: list, get, update.
    pub fn chatbots(&self) -> Chatbots {
        Chatbots {
            client: self.clone(),
        }
    }
}

impl Chatbots {
    /// The chatbots (`GET chatbots/`, page-number pagination). List items name their models as
    /// `{id, name}` objects; [`get`](Self::get) names them by id and carries every setting.
    pub fn list(&self) -> Listing<ChatbotPage> {
        Listing::new(&self.client, &[])
    }

    /// One chatbot with its settings: instructions, webhook URL, API Web Chat id, ...
    /// (`GET chatbots/{id}/`).
    pub fn get(&self, id: impl AsRef<str>) -> Call<types::Chatbot> {
        Call::new(
            &self.client,
            Request::new(Operation::ChatbotsGet, &[id.as_ref()]),
        )
    }

    /// Changes some settings of a chatbot (`PATCH chatbots/{id}/`): only the fields set on the
    /// builder are sent.
    pub fn update(&self, id: impl AsRef<str>) -> UpdateChatbot {
        UpdateChatbot {
            client: self.client.clone(),
            id: id.as_ref().to_string(),
            change: ChatbotUpdate::default(),
        }
    }
}

/// A change of a chatbot's settings; see [`Chatbots::update`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a change is not sent until it is awaited"]
pub struct UpdateChatbot {
    client: Client,
    id: String,
    change: ChatbotUpdate,
}

impl UpdateChatbot {
    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.change.name = Some(name.into());
        self
    }

    /// New instructions (the chatbot's role and rules).
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.change.instructions = Some(instructions.into());
        self
    }

    /// Where MaiAgent POSTs the replies to messages sent with
    /// [`Messages::send`](crate::resources::messages::Messages::send).
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.change.webhook_url = Some(url.into());
        self
    }

    /// How the chatbot answers.
    pub fn reply_mode(mut self, mode: ReplyMode) -> Self {
        self.change.reply_mode = Some(mode);
        self
    }

    /// The large language model, by id.
    pub fn large_language_model(mut self, id: impl Into<String>) -> Self {
        self.change.large_language_model = Some(id.into());
        self
    }

    /// The whole change, for fields without a method of their own.
    pub fn with(mut self, change: ChatbotUpdate) -> Self {
        self.change = change;
        self
    }

    /// The call, to set per-call options before sending it.
    pub fn call(self) -> Call<types::Chatbot> {
        let request =
            Request::new(Operation::ChatbotsPartialUpdate, &[&self.id]).json(&self.change);
        Call::new(&self.client, request)
    }
}

impl IntoFuture for UpdateChatbot {
    type Output = Result<types::Chatbot, crate::Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.call().into_future()
    }
}

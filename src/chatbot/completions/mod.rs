//! Chatbot completions: send a message to a chatbot and get its reply, whole or streamed as it is
//! written, and chat sessions that keep the conversation between turns.
//!
//! ```no_run
//! # async fn run() -> Result<(), maiagent::Error> {
//! use futures::StreamExt;
//!
//! let client = maiagent::Client::from_env()?;
//! let bot = client.chatbot("a1b2c3d4-0000-4000-8000-000000000000");
//!
//! // The whole reply at once:
//! let reply = bot.complete("你好").await?;
//! println!("{} (conversation {:?})", reply.content, reply.conversation_id);
//!
//! // The reply as it is written:
//! let mut stream = bot.stream("請介紹你自己").await?;
//! while let Some(event) = stream.next().await {
//!     print!("{}", event?.content);
//! }
//!
//! // A conversation: later turns go into the conversation the first one created.
//! let chat = bot.session();
//! chat.send("我想訂位").await?;
//! let reply = chat.stream("四位，明晚七點").await?.collect_reply().await?;
//! println!("{}", reply.content);
//! # Ok(()) }
//! ```
//!
//! * [`Chatbot::complete`] / [`Chatbot::stream`] / [`Chatbot::message`] make a
//!   [`CompletionBuilder`] (conversation, attachments, `contentPayload`, `queryMetadata`,
//!   `metadata`, sender, retry and timeouts).
//! * [`ReplyStream`]: the events of a streamed reply, with `text()` and `collect_reply()`.
//! * [`ChatSession`]: a conversation, turn after turn.
//! * [`decode_events`]: the stream decoder itself, for a body obtained elsewhere.
//!
//! Streams are decoded by the crate's own event decoder, which reads each event's data straight
//! from the received chunk, and decodes the usual shape of an event (an id, a text delta and
//! `done`, without escapes) in one pass, the rest with `serde_json` (measured against
//! `sse-stream`, `sseer` and `eventsource-stream` in `benches/sse_decoders.rs`).

mod events;
mod fast;
mod request;
mod session;
mod sse;
mod stream;

pub use request::{CompletionBuilder, Streaming, Whole};
pub use session::ChatSession;
pub use sse::decode_events;
pub use stream::ReplyStream;

use super::Chatbot;
use crate::types::CompletionMessage;

impl Chatbot {
    /// A message to this chatbot whose reply comes whole (`isStreaming: false`); await it for
    /// the [`Completion`](crate::types::Completion), or set more of the message first.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let reply = client.chatbot("a1b2").complete("你好").await?;
    /// println!("{}", reply.content);
    /// # Ok(()) }
    /// ```
    pub fn complete(&self, content: impl Into<String>) -> CompletionBuilder<Whole> {
        CompletionBuilder::new(self.client.clone(), self.id.clone(), content.into())
    }

    /// A message to this chatbot whose reply is streamed (`isStreaming: true`); await it for the
    /// [`ReplyStream`].
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let reply = client
    ///     .chatbot("a1b2")
    ///     .stream("你好")
    ///     .conversation("8e44604a-8278-4c96-96b5-3e5a0548d738")
    ///     .await?
    ///     .collect_reply()
    ///     .await?;
    /// println!("{}", reply.content);
    /// # Ok(()) }
    /// ```
    pub fn stream(&self, content: impl Into<String>) -> CompletionBuilder<Streaming> {
        self.complete(content).stream()
    }

    /// A message built in full (the generated [`CompletionMessage`]); its reply comes whole
    /// unless [`stream`](CompletionBuilder::stream) is called.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// use maiagent::types::CompletionMessage;
    ///
    /// let message = CompletionMessage {
    ///     attachments: Vec::new(),
    ///     content: "你好".into(),
    ///     content_payload: None,
    ///     metadata: None,
    ///     query_metadata: None,
    ///     sender: Some("0b7f5c1e-0000-4000-8000-000000000002".into()),
    /// };
    /// let reply = client.chatbot("a1b2").message(message).await?;
    /// # Ok(()) }
    /// ```
    pub fn message(&self, message: CompletionMessage) -> CompletionBuilder<Whole> {
        CompletionBuilder::from_message(self.client.clone(), self.id.clone(), message)
    }

    /// A conversation with this chatbot that remembers its id between turns.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let chat = client.chatbot("a1b2").session();
    /// chat.send("你好").await?;
    /// let second = chat.send("再說一次").await?; // same conversation
    /// assert_eq!(second.conversation_id, chat.conversation_id());
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> ChatSession {
        ChatSession::new(self.client.clone(), self.id.clone())
    }
}

//! [`ChatSession`]: a conversation with a chatbot, turn after turn.

use super::request::{CompletionBuilder, Streaming, Whole};
use super::ReplyStream;
use crate::types::{Completion, Id};
use crate::{Client, Error};
use std::sync::{Arc, Mutex, PoisonError};

/// The conversation id a session shares with its builders and streams.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionState(Arc<Mutex<Option<Id>>>);

impl SessionState {
    pub(crate) fn get(&self) -> Option<Id> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set(&self, id: Id) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(id);
    }

    fn clear(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// A conversation with one chatbot: the first reply's conversation id is remembered and every
/// later turn, whole or streamed, is sent into the same conversation. Streams record the id as
/// soon as an event carries it.
///
/// Clones share the conversation. Send the turns one after another: two first turns sent at
/// once would each start a conversation.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let chat = client.chatbot("a1b2").session();
/// let first = chat.send("我想退貨").await?;
/// println!("{}", first.content);
///
/// // The same conversation, streamed:
/// let mut text = chat.stream("需要什麼文件？").await?.text();
/// while let Some(delta) = text.try_next().await? {
///     print!("{delta}");
/// }
/// println!("\nconversation {:?}", chat.conversation_id());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ChatSession {
    client: Client,
    chatbot: String,
    state: SessionState,
}

impl ChatSession {
    pub(crate) fn new(client: Client, chatbot: String) -> Self {
        Self {
            client,
            chatbot,
            state: SessionState::default(),
        }
    }

    /// Continues an existing conversation instead of starting one.
    pub fn with_conversation(self, conversation_id: impl Into<Id>) -> Self {
        self.state.set(conversation_id.into());
        self
    }

    /// The chatbot's id.
    pub fn chatbot_id(&self) -> &str {
        &self.chatbot
    }

    /// The conversation's id, once the first reply (or its first event) has arrived.
    pub fn conversation_id(&self) -> Option<Id> {
        self.state.get()
    }

    /// Forgets the conversation: the next turn starts a new one.
    pub fn reset(&self) {
        self.state.clear();
    }

    /// The next turn as a builder (attachments, metadata, call options); the conversation id is
    /// filled in when it is sent, and remembered from its reply.
    pub fn message(&self, content: impl Into<String>) -> CompletionBuilder<Whole> {
        CompletionBuilder::new(self.client.clone(), self.chatbot.clone(), content.into())
            .in_session(self.state.clone())
    }

    /// Sends the next turn and returns the whole reply.
    pub async fn send(&self, content: impl Into<String>) -> Result<Completion, Error> {
        self.message(content).send().await
    }

    /// Sends the next turn and returns its reply as a stream.
    pub async fn stream(&self, content: impl Into<String>) -> Result<ReplyStream, Error> {
        let builder: CompletionBuilder<Streaming> = self.message(content).stream();
        builder.send().await
    }
}

//! Messages: list, get, send, send outgoing.

use crate::call::CallOptions;
use crate::types::{AttachmentInput, CanvasInput, Message, MessageCreate, MessagePage};
use crate::{Call, Client, Error};
use futures::future::BoxFuture;
use std::future::IntoFuture;
use std::time::Duration;

/// The messages of conversations: `client.messages()`.
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    client: &'a Client,
}

impl Client {
    /// Messages: list, get, send, send outgoing.
    pub fn messages(&self) -> Messages<'_> {
        Messages { client: self }
    }
}

impl<'a> Messages<'a> {
    /// One message of a conversation (`GET messages/{id}/?conversation=`).
    pub fn get(&self, id: impl AsRef<str>, conversation: impl AsRef<str>) -> Call<Message> {
        let id = id.as_ref().to_string();
        let conversation = conversation.as_ref().to_string();
        Call::new(self.client, "messages_get", true, move |c| {
            let (id, conversation) = (id.clone(), conversation.clone());
            async move {
                c.generated()
                    .messages_get()
                    .id(id)
                    .conversation(conversation)
                    .send()
                    .await
            }
        })
    }

    /// Posts a message into a conversation (`POST messages/`). The bot's reply arrives later by
    /// webhook (see [`crate::webhook`]).
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let message = client
    ///     .messages()
    ///     .send("8e44604a-8278-4c96-96b5-3e5a0548d738", "你好")
    ///     .await?;
    /// println!("{:?}", message.id);
    /// # Ok(()) }
    /// ```
    pub fn send(&self, conversation: impl AsRef<str>, content: impl Into<String>) -> SendMessage {
        SendMessage::new(self.client, false, conversation.as_ref(), content.into())
    }

    /// Posts an outgoing message (sent to the contact as the agent) into a conversation
    /// (`POST messages/outgoing/`).
    pub fn send_outgoing(
        &self,
        conversation: impl AsRef<str>,
        content: impl Into<String>,
    ) -> SendMessage {
        SendMessage::new(self.client, true, conversation.as_ref(), content.into())
    }

    /// Lists the messages of a conversation (`GET messages/`).
    pub fn list(&self, conversation: impl AsRef<str>) -> ListMessages<'a> {
        ListMessages {
            client: self.client,
            conversation: conversation.as_ref().to_string(),
            page_size: None,
            options: Default::default(),
        }
    }
}

/// A message to post; see [`Messages::send`]. Await it to send it.
#[derive(Debug, Clone)]
#[must_use = "a message is not sent until it is awaited"]
pub struct SendMessage {
    client: Client,
    outgoing: bool,
    body: MessageCreate,
    options: CallOptions,
}

impl SendMessage {
    fn new(client: &Client, outgoing: bool, conversation: &str, content: String) -> Self {
        Self {
            client: client.clone(),
            outgoing,
            body: MessageCreate {
                conversation: conversation.to_string(),
                content,
                attachments: Vec::new(),
                canvas: None,
                content_payload: None,
                query_metadata: None,
                type_: None,
            },
            options: CallOptions::default(),
        }
    }

    /// Adds an attachment.
    pub fn attachment(mut self, attachment: AttachmentInput) -> Self {
        self.body.attachments.push(attachment);
        self
    }

    /// Adds attachments.
    pub fn attachments(mut self, attachments: impl IntoIterator<Item = AttachmentInput>) -> Self {
        self.body.attachments.extend(attachments);
        self
    }

    /// The message type (for example `incoming`).
    pub fn message_type(mut self, kind: impl Into<String>) -> Self {
        self.body.type_ = Some(kind.into());
        self
    }

    /// Extra structured content, sent as `contentPayload`.
    pub fn content_payload(mut self, payload: serde_json::Map<String, serde_json::Value>) -> Self {
        self.body.content_payload = Some(payload);
        self
    }

    /// Query metadata, sent as `queryMetadata`.
    pub fn query_metadata(mut self, metadata: serde_json::Map<String, serde_json::Value>) -> Self {
        self.body.query_metadata = Some(metadata);
        self
    }

    /// A canvas (a named document) attached to the message.
    pub fn canvas(mut self, canvas: CanvasInput) -> Self {
        self.body.canvas = Some(canvas);
        self
    }

    crate::call::call_option_setters!();

    /// The request body as it will be sent.
    pub fn body(&self) -> &MessageCreate {
        &self.body
    }

    /// The call, for [`Call::send_with_response`].
    pub fn into_call(self) -> Call<Message> {
        let body = self.body;
        let call = if self.outgoing {
            Call::new(&self.client, "messages_outgoing_create", false, move |c| {
                let body = body.clone();
                async move {
                    c.generated()
                        .messages_outgoing_create()
                        .body(body)
                        .send()
                        .await
                }
            })
        } else {
            Call::new(&self.client, "messages_create", false, move |c| {
                let body = body.clone();
                async move { c.generated().messages_create().body(body).send().await }
            })
        };
        call.with_options(self.options)
    }
}

impl IntoFuture for SendMessage {
    type Output = Result<Message, Error>;
    type IntoFuture = BoxFuture<'static, Result<Message, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        self.into_call().into_future()
    }
}

/// A listing of a conversation's messages; see [`Messages::list`].
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until a page is requested"]
pub struct ListMessages<'a> {
    pub(crate) client: &'a Client,
    pub(crate) conversation: String,
    pub(crate) page_size: Option<u32>,
    pub(crate) options: crate::call::CallOptions,
}

impl ListMessages<'_> {
    /// How many messages each page holds (the server's default otherwise).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    crate::call::call_option_setters!(
        /// It applies to every page request of the listing.
    );

    /// One page: the first when `cursor` is `None`, else the page the cursor names.
    pub fn page(&self, cursor: Option<String>) -> Call<MessagePage> {
        let conversation = self.conversation.clone();
        let page_size = self.page_size;
        Call::new(self.client, "messages_list", true, move |c| {
            let (conversation, cursor) = (conversation.clone(), cursor.clone());
            async move {
                let mut req = c.generated().messages_list().conversation(conversation);
                if let Some(v) = page_size {
                    req = req.page_size(i64::from(v));
                }
                if let Some(v) = cursor {
                    req = req.cursor(v);
                }
                req.send().await
            }
        })
        .with_options(self.options.clone())
    }

    /// The first page.
    pub fn first_page(&self) -> Call<MessagePage> {
        self.page(None)
    }
}

impl SendMessage {
    /// Sends the message and waits up to `timeout` for the bot's reply to arrive by webhook
    /// through `hub` (fed by your webhook receiver); [`Duration::MAX`] waits without a deadline.
    /// Safe with many conversations in flight:
    /// replies are matched by conversation id, and the message itself is never taken for its
    /// reply.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client, hub: maiagent::webhook::ReplyHub) -> Result<(), maiagent::Error> {
    /// use std::time::Duration;
    ///
    /// let reply = client
    ///     .messages()
    ///     .send("8e44604a-8278-4c96-96b5-3e5a0548d738", "你好")
    ///     .await_reply(&hub, Duration::from_secs(60))
    ///     .await?;
    /// println!("{}", reply.content.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn await_reply(
        self,
        hub: &crate::webhook::ReplyHub,
        timeout: Duration,
    ) -> Result<Message, Error> {
        // The waiter is registered before the message is sent, so that a reply arriving
        // during the send is not missed.
        let waiter = hub.waiter(&self.body.conversation);
        let sent = self.await?;
        waiter
            .reply_to(sent.id.as_ref().map(|id| id.as_str()), timeout)
            .await
    }
}

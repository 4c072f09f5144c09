//! Messages: list, get, send, send outgoing.

use crate::call::CallOptions;
use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{AttachmentInput, CanvasInput, Message, MessageCreate, MessagePage};
use crate::Operation;
use crate::{Call, Client, Error};
use futures::future::BoxFuture;
use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The messages of conversations: `client.messages()`.
#[derive(Debug, Clone)]
pub struct Messages {
    client: Client,
}

impl Client {
    /// Messages: list, get, send, send outgoing.
    pub fn messages(&self) -> Messages {
        Messages {
            client: self.clone(),
        }
    }
}

impl Messages {
    /// One message of a conversation (`GET messages/{id}/?conversation=`).
    pub fn get(&self, id: impl AsRef<str>, conversation: impl AsRef<str>) -> Call<Message> {
        let request = Request::new(Operation::MessagesGet, &[id.as_ref()])
            .param("conversation", conversation.as_ref());
        Call::new(&self.client, request)
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
        SendMessage::new(&self.client, false, conversation.as_ref(), content.into())
    }

    /// Posts an outgoing message (sent to the contact as the agent) into a conversation
    /// (`POST messages/outgoing/`).
    pub fn send_outgoing(
        &self,
        conversation: impl AsRef<str>,
        content: impl Into<String>,
    ) -> SendMessage {
        SendMessage::new(&self.client, true, conversation.as_ref(), content.into())
    }

    /// Lists the messages of a conversation (`GET messages/`).
    pub fn list(&self, conversation: impl AsRef<str>) -> Listing<MessagePage> {
        Listing::new(&self.client, &[]).filter("conversation", conversation.as_ref())
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
    /// Files to upload into the conversation as attachments when the message is sent.
    files: Vec<PathBuf>,
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
            files: Vec::new(),
        }
    }

    /// Uploads the file at `path` into the conversation when the message is sent (see
    /// [`Attachments::upload`](crate::resources::attachments::Attachments::upload)) and sends it
    /// as an attachment; call it once per file.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let message = client
    ///     .messages()
    ///     .send("8e44604a-8278-4c96-96b5-3e5a0548d738", "請看這張發票")
    ///     .attach_file("invoice.jpg")
    ///     .await?;
    /// # let _ = message;
    /// # Ok(()) }
    /// ```
    pub fn attach_file(mut self, path: impl AsRef<Path>) -> Self {
        self.files.push(path.as_ref().to_path_buf());
        self
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

    /// The call, for [`Call::send_with_response`]. Files of [`attach_file`](Self::attach_file)
    /// need the message to be awaited (they are uploaded first): with such files, the call
    /// fails with [`Error::InvalidRequest`].
    pub fn into_call(self) -> Call<Message> {
        let operation = if self.outgoing {
            Operation::MessagesOutgoingCreate
        } else {
            Operation::MessagesCreate
        };
        let mut request = Request::new(operation, &[]).json(&self.body);
        if !self.files.is_empty() {
            request.path = Err(
                "a message with attach_file must be awaited (its files are uploaded first), not sent with into_call"
                    .to_string(),
            );
        }
        Call::new(&self.client, request).with_options(self.options)
    }

    /// Uploads the files of [`attach_file`](Self::attach_file), then sends the message.
    async fn send(mut self) -> Result<Message, Error> {
        let files: Vec<_> = std::mem::take(&mut self.files)
            .iter()
            .map(crate::upload::UploadFile::path)
            .collect();
        if !files.is_empty() {
            let conversation = self.body.conversation.clone();
            let uploaded =
                crate::resources::attachments::upload_all(&self.client, files, Some(&conversation))
                    .await?;
            self.body.attachments.extend(uploaded);
        }
        self.into_call().await
    }
}

impl IntoFuture for SendMessage {
    type Output = Result<Message, Error>;
    type IntoFuture = BoxFuture<'static, Result<Message, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
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

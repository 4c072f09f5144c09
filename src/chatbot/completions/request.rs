//! [`CompletionBuilder`]: one message to a chatbot, answered whole or as a stream.

use super::session::SessionState;
use super::ReplyStream;
use crate::call::{call_option_setters, CallOptions};
use crate::transport::{self, Request, Waits};
use crate::types::{AttachmentInput, Completion, CompletionMessage, CompletionRequest};
use crate::{Call, Client, Error, Operation, Response};
use futures::future::BoxFuture;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Marks a [`CompletionBuilder`] whose reply comes whole (`isStreaming: false`).
#[derive(Debug, Clone, Copy)]
pub struct Whole;

/// Marks a [`CompletionBuilder`] whose reply comes as a [`ReplyStream`] (`isStreaming: true`).
#[derive(Debug, Clone, Copy)]
pub struct Streaming;

/// A message to a chatbot, ready to send (`POST chatbots/{chatbotId}/completions/`).
///
/// Made by [`Chatbot::complete`](crate::Chatbot::complete) (whole reply),
/// [`Chatbot::stream`](crate::Chatbot::stream) or [`stream`](Self::stream)
/// (streamed reply), and [`ChatSession::message`](super::ChatSession::message). Await it to send.
///
/// A completion creates a message, so it is retried only when it provably never reached the
/// server, or on 429 and 503 (see [`RetryPolicy`](crate::RetryPolicy)); a stream is never retried once its response
/// has arrived.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use maiagent::types::AttachmentInput;
/// use serde_json::json;
///
/// let reply = client
///     .chatbot("a1b2")
///     .complete("這張發票的金額是多少？")
///     .conversation("8e44604a-8278-4c96-96b5-3e5a0548d738")
///     .attachment(AttachmentInput {
///         conversation: None,
///         file: "https://example.com/invoice.png".into(),
///         filename: "invoice.png".into(),
///         id: Some("5f1c0a2e-0000-4000-8000-000000000001".into()),
///         type_: Some("image".into()),
///     })
///     .query_metadata(json!({"department": "finance"}))
///     .await?;
/// println!("{}", reply.content);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a completion does nothing until it is awaited"]
pub struct CompletionBuilder<M = Whole> {
    client: Client,
    chatbot: String,
    request: CompletionRequest,
    invalid: Option<String>,
    options: CallOptions,
    idle_timeout: Option<Duration>,
    max_event_size: Option<usize>,
    session: Option<SessionState>,
    /// Files to upload as attachments when the completion is sent.
    files: Vec<PathBuf>,
    mode: PhantomData<fn() -> M>,
}

impl CompletionBuilder<Whole> {
    pub(crate) fn new(client: Client, chatbot: String, content: String) -> Self {
        Self::from_message(
            client,
            chatbot,
            CompletionMessage {
                attachments: Vec::new(),
                content,
                content_payload: None,
                metadata: None,
                query_metadata: None,
                sender: None,
            },
        )
    }

    pub(crate) fn from_message(
        client: Client,
        chatbot: String,
        message: CompletionMessage,
    ) -> Self {
        Self {
            client,
            chatbot,
            request: CompletionRequest {
                conversation: None,
                is_streaming: None,
                message,
            },
            invalid: None,
            options: CallOptions::default(),
            idle_timeout: None,
            max_event_size: None,
            session: None,
            files: Vec::new(),
            mode: PhantomData,
        }
    }

    pub(crate) fn in_session(mut self, session: SessionState) -> Self {
        self.session = Some(session);
        self
    }

    /// Asks for the reply as a stream instead.
    pub fn stream(self) -> CompletionBuilder<Streaming> {
        self.into_mode()
    }

    /// Sends the message and returns the whole reply.
    pub async fn send(self) -> Result<Completion, Error> {
        self.send_with_response().await.map(Response::into_inner)
    }

    /// Sends the message and returns the whole reply with the response's status and headers.
    pub async fn send_with_response(self) -> Result<Response<Completion>, Error> {
        let body = self.prepare(false).await?;
        let request = self.http_request(&body);
        let call: Call<Completion> =
            Call::new(&self.client, request).with_options(self.options.clone());
        let reply = call.send_with_response().await?;
        if let (Some(session), Some(id)) = (&self.session, &reply.conversation_id) {
            session.set(id.clone());
        }
        Ok(reply)
    }
}

impl CompletionBuilder<Streaming> {
    /// The longest silence between two pieces of the stream for this call only (default: the
    /// client's [`stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout)). It also
    /// bounds the wait for the response status and headers.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The largest event accepted, in bytes, for this call only (default: the client's
    /// [`max_event_size`](crate::ClientBuilder::max_event_size)).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = Some(bytes);
        self
    }

    /// Sends the message; returns the stream once the response status and headers have arrived.
    /// An unsuccessful status is returned here as [`Error::Api`] with the body, not as an event.
    pub async fn send(self) -> Result<ReplyStream, Error> {
        let body = self.prepare(true).await?;
        let request = self.http_request(&body).accept("text/event-stream");
        let settings = self.client.settings();
        let idle = self.idle_timeout.unwrap_or(settings.stream_idle_timeout);
        let max_event_size = self.max_event_size.unwrap_or(settings.max_event_size);
        let waits = Waits {
            attempt: self.options.timeout(settings),
            headers: Some(idle),
        };
        let response = transport::execute(&self.client, &request, &self.options, waits, |r| {
            std::future::ready(Ok(r))
        })
        .await?;
        Ok(ReplyStream::new(
            response,
            idle,
            max_event_size,
            self.session,
        ))
    }
}

impl<M> CompletionBuilder<M> {
    fn into_mode<N>(self) -> CompletionBuilder<N> {
        CompletionBuilder {
            client: self.client,
            chatbot: self.chatbot,
            request: self.request,
            invalid: self.invalid,
            options: self.options,
            idle_timeout: self.idle_timeout,
            max_event_size: self.max_event_size,
            session: self.session,
            files: self.files,
            mode: PhantomData,
        }
    }

    /// The request body as it stands (the session's conversation and `isStreaming` are added
    /// when it is sent).
    pub fn request(&self) -> &CompletionRequest {
        &self.request
    }

    /// Sends the message into this existing conversation (otherwise a new one is created, and
    /// its id comes back as the reply's `conversation_id`).
    pub fn conversation(mut self, conversation_id: impl AsRef<str>) -> Self {
        self.request.conversation = Some(conversation_id.as_ref().to_string());
        self
    }

    /// The sender: a contact id (a UUID).
    pub fn sender(mut self, contact_id: impl AsRef<str>) -> Self {
        self.request.message.sender = Some(contact_id.as_ref().to_string());
        self
    }

    /// Adds an attachment (an uploaded file: its id, type, file name and URL).
    pub fn attachment(mut self, attachment: AttachmentInput) -> Self {
        self.request.message.attachments.push(attachment);
        self
    }

    /// Adds attachments.
    pub fn attachments(mut self, attachments: impl IntoIterator<Item = AttachmentInput>) -> Self {
        self.request.message.attachments.extend(attachments);
        self
    }

    /// Uploads the file at `path` when the completion is sent (see
    /// [`Attachments::upload`](crate::resources::attachments::Attachments::upload)) and sends it
    /// as an attachment of the message; call it once per file.
    pub fn attach_file(mut self, path: impl AsRef<Path>) -> Self {
        self.files.push(path.as_ref().to_path_buf());
        self
    }

    /// The message's `contentPayload`: a JSON object (`null` removes it).
    pub fn content_payload(mut self, payload: impl Into<serde_json::Value>) -> Self {
        self.request.message.content_payload = self.object("contentPayload", payload.into());
        self
    }

    /// The message's `queryMetadata`: a JSON object (`null` removes it).
    pub fn query_metadata(mut self, metadata: impl Into<serde_json::Value>) -> Self {
        self.request.message.query_metadata = self.object("queryMetadata", metadata.into());
        self
    }

    /// The message's `metadata`: a JSON object (`null` removes it).
    pub fn metadata(mut self, metadata: impl Into<serde_json::Value>) -> Self {
        self.request.message.metadata = self.object("metadata", metadata.into());
        self
    }

    call_option_setters!(
        /// For a whole reply it bounds the wait for the reply; for a stream, the wait for the
        /// response status and headers.
    );

    fn object(
        &mut self,
        field: &str,
        value: serde_json::Value,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        match value {
            serde_json::Value::Object(map) => Some(map),
            serde_json::Value::Null => None,
            other => {
                self.invalid = Some(format!(
                    "message.{field} must be a JSON object, not {other}"
                ));
                None
            }
        }
    }

    /// The request of this completion with `body`.
    fn http_request(&self, body: &CompletionRequest) -> Request {
        Request::new(Operation::ChatbotCompletionsCreate, &[&self.chatbot]).json(body)
    }

    /// The body to send, with the session's conversation and the files of
    /// [`attach_file`](Self::attach_file) uploaded.
    async fn prepare(&self, streaming: bool) -> Result<CompletionRequest, Error> {
        if let Some(message) = &self.invalid {
            return Err(Error::InvalidRequest {
                message: message.clone(),
            });
        }
        if self.chatbot.trim().is_empty() {
            return Err(Error::InvalidRequest {
                message: "the chatbot id is empty".into(),
            });
        }
        let mut request = self.request.clone();
        if request.conversation.is_none() {
            request.conversation = self
                .session
                .as_ref()
                .and_then(|s| s.get())
                .map(|id| id.to_string());
        }
        request.is_streaming = Some(streaming);
        let files = self
            .files
            .iter()
            .map(crate::upload::UploadFile::path)
            .collect();
        let uploaded = crate::resources::attachments::upload_all(&self.client, files, None).await?;
        request.message.attachments.extend(uploaded);
        Ok(request)
    }
}

impl IntoFuture for CompletionBuilder<Whole> {
    type Output = Result<Completion, Error>;
    type IntoFuture = BoxFuture<'static, Result<Completion, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl IntoFuture for CompletionBuilder<Streaming> {
    type Output = Result<ReplyStream, Error>;
    type IntoFuture = BoxFuture<'static, Result<ReplyStream, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

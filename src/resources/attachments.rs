//! Attachments: files uploaded for messages and completions.

use crate::transport::Request;
use crate::types::{Attachment, AttachmentCreate, AttachmentInput};
use crate::upload::{ProgressFn, UploadFile, UploadProgress};
use crate::{Call, Client, Error, Operation};
use futures::future::BoxFuture;
use std::future::IntoFuture;
use std::sync::Arc;

/// The largest file [`Attachments::upload_direct`] takes, in bytes (64 MiB).
pub const MAX_DIRECT_UPLOAD: u64 = 64 * 1024 * 1024;

/// Attachments: `client.attachments()`.
///
/// [`upload`](Self::upload) is the whole presigned flow in one call (see [`crate::upload`]):
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// let attachment = client
///     .attachments()
///     .upload("photos/cat.jpg")
///     .on_progress(|p| eprintln!("{}/{} bytes", p.sent, p.total))
///     .await?;
/// println!("{:?} at {:?}", attachment.id, attachment.file);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Attachments {
    client: Client,
}

impl Client {
    /// Attachments: upload, register.
    pub fn attachments(&self) -> Attachments {
        Attachments {
            client: self.clone(),
        }
    }
}

impl Attachments {
    /// Uploads a file (a path, or an [`UploadFile`] from bytes or a reader) and registers it as
    /// an attachment: `POST upload-presigned-url/` (`modelName: attachment`), the form to the
    /// storage host, then `POST attachments/` (or `POST conversations/{id}/attachments/` with
    /// [`conversation`](UploadAttachment::conversation)).
    pub fn upload(&self, file: impl Into<UploadFile>) -> UploadAttachment {
        UploadAttachment {
            client: self.client.clone(),
            file: file.into(),
            conversation: None,
            progress: None,
        }
    }

    /// Uploads a small file and registers it in one multipart request to the API
    /// (`POST attachments-upload/`). The whole form is built in memory (at most
    /// [`MAX_DIRECT_UPLOAD`] bytes; a larger file is [`Error::InvalidRequest`]), and it goes
    /// through the API host: prefer [`upload`](Self::upload), which streams to storage.
    pub async fn upload_direct(&self, file: impl Into<UploadFile>) -> Result<Attachment, Error> {
        use futures::TryStreamExt;
        let opened = file.into().open().await?;
        if opened.len > MAX_DIRECT_UPLOAD {
            return Err(Error::InvalidRequest {
                message: format!(
                    "{} is {} bytes; a one-request upload takes at most {MAX_DIRECT_UPLOAD} (use `upload`)",
                    opened.filename, opened.len
                ),
            });
        }
        let framing = crate::upload::multipart::Framing::new(
            std::iter::empty(),
            "file",
            &opened.filename,
            opened.content_type,
            opened.len,
        );
        let content_type = framing.content_type();
        let parts: Vec<bytes::Bytes> = framing.body(opened.stream).try_collect().await?;
        let request = Request::new(Operation::AttachmentsUploadCreate, &[])
            .bytes(parts.concat().into(), content_type);
        Call::new(&self.client, request).await
    }

    /// Registers a file already in storage, by its storage key (`POST attachments/`).
    pub fn register(&self, attachment: &AttachmentCreate) -> Call<Attachment> {
        let request = Request::new(Operation::AttachmentsCreate, &[]).json(attachment);
        Call::new(&self.client, request)
    }

    /// Registers a file already in storage as an attachment of a conversation
    /// (`POST conversations/{id}/attachments/`).
    pub fn register_in_conversation(
        &self,
        conversation: impl AsRef<str>,
        attachment: &AttachmentCreate,
    ) -> Call<Attachment> {
        let request = Request::new(
            Operation::ConversationsAttachmentsCreate,
            &[conversation.as_ref()],
        )
        .json(attachment);
        Call::new(&self.client, request)
    }
}

/// An upload of an attachment; see [`Attachments::upload`]. Await it to run it.
#[must_use = "nothing is uploaded until it is awaited"]
pub struct UploadAttachment {
    client: Client,
    file: UploadFile,
    conversation: Option<String>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for UploadAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadAttachment")
            .field("file", &self.file)
            .field("conversation", &self.conversation)
            .finish_non_exhaustive()
    }
}

impl UploadAttachment {
    /// Registers the attachment in this conversation.
    pub fn conversation(mut self, conversation: impl Into<String>) -> Self {
        self.conversation = Some(conversation.into());
        self
    }

    /// Calls `report` as the file's bytes are handed to the connection.
    pub fn on_progress(mut self, report: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    async fn run(self) -> Result<Attachment, Error> {
        let stored = crate::upload::flow::presigned_upload(
            &self.client,
            self.file,
            "attachment",
            self.progress,
        )
        .await?;
        let body = AttachmentCreate {
            file: stored.key,
            filename: stored.filename,
            type_: Some(stored.kind),
            conversation: None,
        };
        let attachments = Attachments {
            client: self.client,
        };
        match self.conversation {
            Some(c) => attachments.register_in_conversation(c, &body).await,
            None => attachments.register(&body).await,
        }
    }
}

impl IntoFuture for UploadAttachment {
    type Output = Result<Attachment, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl Attachment {
    /// This attachment as a message or completion sends it (`{id, type, filename, file}`).
    pub fn to_input(&self) -> AttachmentInput {
        AttachmentInput {
            id: self.id.as_ref().map(|id| id.to_string()),
            type_: self.type_.clone(),
            filename: self.filename.clone().unwrap_or_default(),
            file: self.file.clone().unwrap_or_default(),
            conversation: None,
        }
    }
}

/// Uploads `files` as attachments (in `conversation` when given) for a message or a completion.
pub(crate) async fn upload_all(
    client: &Client,
    files: Vec<UploadFile>,
    conversation: Option<&str>,
) -> Result<Vec<AttachmentInput>, Error> {
    let mut inputs = Vec::with_capacity(files.len());
    for file in files {
        let mut upload = client.attachments().upload(file);
        if let Some(c) = conversation {
            upload = upload.conversation(c);
        }
        inputs.push(upload.await?.to_input());
    }
    Ok(inputs)
}

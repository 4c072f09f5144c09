//! The files of a knowledge base: list, get, delete, upload, and waiting until processed.

use crate::pagination::Listing;
use crate::transport::Request;
use crate::types::{
    KnowledgeBaseFile, KnowledgeBaseFileBatch, KnowledgeBaseFileCreate, KnowledgeBaseFileInput,
    KnowledgeBaseFilePage, KnowledgeBaseFileStatus,
};
use crate::upload::{UploadFile, UploadProgress};
use crate::{Call, Client, Error, Operation};
use futures::future::BoxFuture;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

/// The first pause of [`KnowledgeBaseFiles::wait_until_processed`]; each next one is 1.5 times
/// longer, up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(200);
/// The longest pause between two polls.
const MAX_POLL: Duration = Duration::from_secs(10);

/// The files of one knowledge base: `client.knowledge_bases().files(id)`.
#[derive(Debug, Clone)]
pub struct KnowledgeBaseFiles {
    client: Client,
    knowledge_base: String,
}

impl KnowledgeBaseFiles {
    pub(crate) fn new(client: &Client, knowledge_base: &str) -> Self {
        Self {
            client: client.clone(),
            knowledge_base: knowledge_base.to_string(),
        }
    }

    /// The files, newest first (`GET knowledge-bases/{id}/files/`, page-number pagination).
    pub fn list(&self) -> Listing<KnowledgeBaseFilePage> {
        Listing::new(&self.client, &[&self.knowledge_base])
    }

    /// One file, with its processing status (`GET knowledge-bases/{id}/files/{fileId}/`).
    pub fn get(&self, file: impl AsRef<str>) -> Call<KnowledgeBaseFile> {
        let request = Request::new(
            Operation::KnowledgeBaseFilesGet,
            &[&self.knowledge_base, file.as_ref()],
        );
        Call::new(&self.client, request)
    }

    /// Deletes a file (`DELETE knowledge-bases/{id}/files/{fileId}/`).
    pub fn delete(&self, file: impl AsRef<str>) -> Call<()> {
        let request = Request::new(
            Operation::KnowledgeBaseFilesDelete,
            &[&self.knowledge_base, file.as_ref()],
        );
        Call::new(&self.client, request)
    }

    /// Adds files already uploaded to storage, by storage key and name
    /// (`POST knowledge-bases/{id}/files/`); they start `initial`.
    pub fn register(&self, files: Vec<KnowledgeBaseFileInput>) -> Call<KnowledgeBaseFileBatch> {
        let body = KnowledgeBaseFileCreate { files };
        let request =
            Request::new(Operation::KnowledgeBaseFilesCreate, &[&self.knowledge_base]).json(&body);
        Call::new(&self.client, request)
    }

    /// Uploads a file (a path, or an [`UploadFile`] from bytes or a reader) through a presigned
    /// form (`modelName: chatbot-file`) and adds it to the knowledge base. The answer is the new
    /// file, still to be processed: see [`wait_until_processed`](Self::wait_until_processed).
    pub fn upload(&self, file: impl Into<UploadFile>) -> UploadKnowledgeBaseFile {
        UploadKnowledgeBaseFile {
            files: self.clone(),
            file: file.into(),
            progress: None,
        }
    }

    /// Polls a file (with growing pauses: 0.2 s, then 1.5 times longer each time, at most 10 s)
    /// until it is `done`, and returns it. A file that ends `failed` (or is being deleted) is
    /// [`Error::FileProcessingFailed`] with the server's reason; a file still not done after
    /// `timeout` is [`Error::StillProcessing`]. `Duration::MAX` waits without a deadline.
    pub async fn wait_until_processed(
        &self,
        file: impl AsRef<str>,
        timeout: Duration,
    ) -> Result<KnowledgeBaseFile, Error> {
        let file = file.as_ref();
        let started = tokio::time::Instant::now();
        let deadline = crate::deadline::deadline_after(timeout);
        let mut pause = FIRST_POLL;
        loop {
            let current = self.get(file).await?;
            let reason = || current.failed_reason.clone();
            match &current.status {
                Some(KnowledgeBaseFileStatus::Done) => return Ok(current),
                Some(KnowledgeBaseFileStatus::Failed) => {
                    return Err(Error::FileProcessingFailed {
                        file: file.to_string(),
                        reason: reason(),
                    })
                }
                Some(KnowledgeBaseFileStatus::Deleting | KnowledgeBaseFileStatus::Deleted) => {
                    return Err(Error::FileProcessingFailed {
                        file: file.to_string(),
                        reason: Some(reason().unwrap_or_else(|| "the file was deleted".into())),
                    })
                }
                _ => {}
            }
            let now = tokio::time::Instant::now();
            let sleep = match deadline {
                Some(deadline) if now >= deadline => {
                    return Err(Error::StillProcessing {
                        file: file.to_string(),
                        status: current
                            .status
                            .as_ref()
                            .map_or_else(|| "unknown".to_string(), |s| s.to_string()),
                        after: now - started,
                    })
                }
                Some(deadline) => pause.min(deadline - now),
                None => pause,
            };
            tokio::time::sleep(sleep).await;
            pause = pause.mul_f32(1.5).min(MAX_POLL);
        }
    }
}

/// An upload of a file into a knowledge base; see [`KnowledgeBaseFiles::upload`]. Await it to
/// run it.
#[must_use = "nothing is uploaded until it is awaited"]
pub struct UploadKnowledgeBaseFile {
    files: KnowledgeBaseFiles,
    file: UploadFile,
    progress: Option<crate::upload::ProgressFn>,
}

impl std::fmt::Debug for UploadKnowledgeBaseFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadKnowledgeBaseFile")
            .field("knowledge_base", &self.files.knowledge_base)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl UploadKnowledgeBaseFile {
    /// Calls `report` as the file's bytes are handed to the connection.
    pub fn on_progress(mut self, report: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    async fn run(self) -> Result<KnowledgeBaseFile, Error> {
        let client = self.files.client.clone();
        let stored = crate::upload::flow::presigned_upload(
            &client,
            self.file,
            "chatbot-file",
            self.progress,
        )
        .await?;
        let input = KnowledgeBaseFileInput {
            file: stored.key,
            filename: stored.filename,
            parser: None,
        };
        let batch = self.files.register(vec![input]).await?;
        batch.into_files().into_iter().next().ok_or_else(|| {
            let source = <serde_json::Error as serde::de::Error>::custom("no file in the answer");
            Error::decode("the registered knowledge-base files", &[], source)
        })
    }
}

impl IntoFuture for UploadKnowledgeBaseFile {
    type Output = Result<KnowledgeBaseFile, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

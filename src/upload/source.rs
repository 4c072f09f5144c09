//! What to upload ([`UploadFile`]) and the streamed POST of it to the storage host.

use super::multipart::Framing;
use super::storage::StorageError;
use crate::types::{AttachmentType, PresignedFields};
use crate::Error;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt};

/// How many bytes are read from the source at a time.
const CHUNK: usize = 256 * 1024;

/// How far an upload has got: the bytes of the file handed to the connection so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes of the file sent so far.
    pub sent: u64,
    /// The file's size.
    pub total: u64,
}

pub(crate) type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// A file to upload: a path on disk, bytes in memory, or any [`AsyncRead`] of a known size.
///
/// The name sent with the file (and registered with MaiAgent) is the path's file name, or the
/// name given; the attachment type is inferred from the name's extension unless set with
/// [`kind`](Self::kind).
///
/// ```
/// use maiagent::upload::UploadFile;
/// use maiagent::types::AttachmentType;
///
/// let from_disk = UploadFile::path("photos/cat.jpg");
/// let from_memory = UploadFile::bytes("notes.txt", "hello");
/// let voice = UploadFile::reader("voice", 3, &b"abc"[..]).kind(AttachmentType::Audio);
/// assert_eq!(from_memory.filename(), Some("notes.txt"));
/// # let _ = (from_disk, voice);
/// ```
pub struct UploadFile {
    source: Source,
    filename: Option<String>,
    kind: Option<AttachmentType>,
}

enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    Reader {
        reader: Box<dyn AsyncRead + Send + Unpin>,
        len: u64,
    },
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Path(p) => format!("path {}", p.display()),
            Source::Bytes(b) => format!("{} bytes in memory", b.len()),
            Source::Reader { len, .. } => format!("a reader of {len} bytes"),
        };
        f.debug_struct("UploadFile")
            .field("source", &source)
            .field("filename", &self.filename)
            .field("kind", &self.kind)
            .finish()
    }
}

impl UploadFile {
    /// The file at `path`, streamed from disk when the upload runs.
    pub fn path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_path_buf();
        Self {
            filename: super::kind::file_name(&path),
            source: Source::Path(path),
            kind: None,
        }
    }

    /// Bytes in memory, uploaded under `filename`.
    pub fn bytes(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            source: Source::Bytes(bytes.into()),
            filename: Some(filename.into()),
            kind: None,
        }
    }

    /// Exactly `len` bytes read from `reader`, uploaded under `filename`. The size must be known
    /// in advance (MaiAgent asks for it, and storage hosts need the exact length); a reader that
    /// yields more or fewer bytes fails the upload.
    pub fn reader(
        filename: impl Into<String>,
        len: u64,
        reader: impl AsyncRead + Send + Unpin + 'static,
    ) -> Self {
        Self {
            source: Source::Reader {
                reader: Box::new(reader),
                len,
            },
            filename: Some(filename.into()),
            kind: None,
        }
    }

    /// The name the file is uploaded and registered under, when known.
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// Sets the name the file is uploaded and registered under.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the attachment type instead of inferring it from the name.
    pub fn kind(mut self, kind: AttachmentType) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Opens the source: its name, exact size, attachment type, media type and byte stream.
    pub(crate) async fn open(self) -> Result<OpenedFile, Error> {
        let filename = self.filename.ok_or_else(|| Error::InvalidRequest {
            message: "the file to upload has no name: give one with `with_filename`".into(),
        })?;
        let (inferred, content_type) = super::kind::infer(&filename);
        let kind = self.kind.unwrap_or(inferred);
        let (len, stream): (u64, BoxStream<'static, std::io::Result<Bytes>>) = match self.source {
            Source::Path(path) => {
                let file = tokio::fs::File::open(&path).await?;
                let meta = file.metadata().await?;
                if !meta.is_file() {
                    return Err(Error::InvalidRequest {
                        message: format!("{} is not a regular file", path.display()),
                    });
                }
                (meta.len(), read_chunks(file))
            }
            Source::Bytes(bytes) => (
                bytes.len() as u64,
                stream::iter(
                    (0..bytes.len())
                        .step_by(CHUNK)
                        .map(move |at| Ok(bytes.slice(at..(at + CHUNK).min(bytes.len()))))
                        .collect::<Vec<_>>(),
                )
                .boxed(),
            ),
            Source::Reader { reader, len } => (len, read_chunks(reader)),
        };
        Ok(OpenedFile {
            filename,
            len,
            kind,
            content_type,
            stream,
        })
    }
}

/// The bytes of `reader`, a chunk of at most [`CHUNK`] bytes at a time, until its end.
fn read_chunks<R>(reader: R) -> BoxStream<'static, std::io::Result<Bytes>>
where
    R: AsyncRead + Send + Unpin + 'static,
{
    stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        let mut buf = bytes::BytesMut::with_capacity(CHUNK);
        match reader.read_buf(&mut buf).await {
            Ok(0) => None,
            Ok(_) => Some((Ok(buf.freeze()), Some(reader))),
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed()
}

impl From<&Path> for UploadFile {
    fn from(path: &Path) -> Self {
        Self::path(path)
    }
}

impl From<PathBuf> for UploadFile {
    fn from(path: PathBuf) -> Self {
        Self::path(path)
    }
}

impl From<&PathBuf> for UploadFile {
    fn from(path: &PathBuf) -> Self {
        Self::path(path)
    }
}

impl From<&str> for UploadFile {
    fn from(path: &str) -> Self {
        Self::path(path)
    }
}

impl From<String> for UploadFile {
    fn from(path: String) -> Self {
        Self::path(path)
    }
}

/// An opened source, ready to stream.
pub(crate) struct OpenedFile {
    pub(crate) filename: String,
    pub(crate) len: u64,
    pub(crate) kind: AttachmentType,
    pub(crate) content_type: &'static str,
    pub(crate) stream: BoxStream<'static, std::io::Result<Bytes>>,
}

/// POSTs `file` to the storage `url` as a form of `fields` (in order) with the file last, with
/// no `Authorization` header. Storage answers 2xx (204 for S3) on success.
pub(crate) async fn post_to_storage(
    http: &reqwest::Client,
    url: &str,
    fields: &PresignedFields,
    file: OpenedFile,
    progress: Option<ProgressFn>,
) -> Result<(), Error> {
    let url = reqwest::Url::parse(url).map_err(|e| Error::InvalidRequest {
        message: format!("the storage URL of the presigned upload is not a URL: {e}"),
    })?;
    let framing = Framing::new(
        fields.iter(),
        "file",
        &file.filename,
        file.content_type,
        file.len,
    );
    let total = file.len;
    let mut sent = 0u64;
    let counted = file.stream.inspect(move |chunk| {
        if let (Ok(chunk), Some(report)) = (chunk, &progress) {
            sent += chunk.len() as u64;
            report(UploadProgress { sent, total });
        }
    });
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, framing.content_type())
        .header(reqwest::header::CONTENT_LENGTH, framing.content_length())
        .body(reqwest::Body::wrap_stream(framing.body(counted)))
        .send()
        .await
        .map_err(|source| Error::connection(false, source.without_url()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = read_bounded(response).await;
    Err(Error::Storage(Box::new(StorageError::from_body(
        status, &body,
    ))))
}

/// The start of a response body, at most the error snippet limit; the rest is not read.
async fn read_bounded(mut response: reqwest::Response) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = crate::error::BODY_SNIPPET_LIMIT.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= crate::error::BODY_SNIPPET_LIMIT {
            break;
        }
    }
    out
}

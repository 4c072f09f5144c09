//! The Excel export of a chatbot's records: a streamed download, saved atomically.
//!
//! [`Chatbot::export_records`] requests the spreadsheet; awaiting it gives an [`Export`] as soon
//! as the response headers arrive. The body is then streamed: never parsed, never held whole in
//! memory (unless you ask with [`Export::bytes`]).
//!
//! ```no_run
//! # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
//! // Saved under the name the server gives (or `records-<chatbot>.xlsx`), in the current directory:
//! let path = client.chatbot("b5c4…").export_records().save_in(".").await?;
//! println!("saved {}", path.display());
//! # Ok(()) }
//! ```
//!
//! Saving is atomic: the body is written to a temporary file next to the destination, synced to
//! disk, then renamed to the final name. A download that fails or is cancelled half-way removes
//! its temporary file and never leaves a partial file under the final name.

use super::Chatbot;
use crate::call::CallOptions;
use crate::transport::{self, Request, Waits};
use crate::{Client, Error, Operation};
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use reqwest::header::{HeaderMap, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::StatusCode;
use std::future::IntoFuture;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

pub(crate) mod disposition;
mod part_file;

use disposition::{content_disposition_file_name, sanitize_file_name};
use part_file::PartFile;

impl Chatbot {
    /// Exports the chatbot's records as an Excel (`.xlsx`) spreadsheet
    /// (`GET chatbots/{id}/records/export-excel/`).
    ///
    /// The request follows the client's retry policy until the response headers arrive; the
    /// body is not retried.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let export = client.chatbot("b5c4…").export_records().await?;
    /// println!("{:?}, {:?} bytes", export.file_name(), export.content_length());
    /// let written = export.save_to("records.xlsx").await?;
    /// println!("{written} bytes written");
    /// # Ok(()) }
    /// ```
    pub fn export_records(&self) -> ExportRecords {
        ExportRecords {
            client: self.client.clone(),
            chatbot: self.id.clone(),
            options: CallOptions::default(),
        }
    }
}

/// The request for a chatbot's records export; see [`Chatbot::export_records`]. Await it for the
/// [`Export`], or save it at once with [`save_to`](Self::save_to) or [`save_in`](Self::save_in).
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use maiagent::RetryPolicy;
/// use std::time::Duration;
///
/// let export = client
///     .chatbot("b5c4…")
///     .export_records()
///     .timeout(Duration::from_secs(300))
///     .retry(RetryPolicy::default().max_retries(4))
///     .await?;
/// # let _ = export;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "an export does nothing until it is awaited"]
pub struct ExportRecords {
    client: Client,
    chatbot: String,
    options: CallOptions,
}

impl ExportRecords {
    crate::call::call_option_setters!(
        /// It bounds the wait for the response headers; the body has no total timeout, only
        /// the client's stream idle timeout between two chunks.
    );

    /// Sends the request; returns the [`Export`] once the response headers arrive.
    pub async fn send(self) -> Result<Export, Error> {
        let request = Request::new(Operation::ChatbotRecordsExport, &[&self.chatbot]);
        let waits = Waits {
            attempt: self.options.timeout(self.client.settings()),
            headers: None,
        };
        let response = transport::execute(&self.client, &request, &self.options, waits, |r| {
            std::future::ready(Ok(r))
        })
        .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let idle = self.client.settings().stream_idle_timeout;
        let body = body_stream(Box::pin(response.bytes_stream()), idle);
        Ok(Export {
            status,
            file_name: headers
                .get(CONTENT_DISPOSITION)
                .and_then(|v| content_disposition_file_name(v.as_bytes())),
            headers,
            chatbot: self.chatbot,
            body,
        })
    }

    /// Sends the request and saves the spreadsheet to `path`; see [`Export::save_to`].
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let bytes = client.chatbot("b5c4…").export_records().save_to("records.xlsx").await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_to(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        self.send().await?.save_to(path).await
    }

    /// Sends the request and saves the spreadsheet in `dir`; see [`Export::save_in`].
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let path = client.chatbot("b5c4…").export_records().save_in("exports").await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_in(self, dir: impl AsRef<Path>) -> Result<PathBuf, Error> {
        self.send().await?.save_in(dir).await
    }
}

impl IntoFuture for ExportRecords {
    type Output = Result<Export, Error>;
    type IntoFuture = BoxFuture<'static, Result<Export, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A records export in flight: the response headers, and the body as a stream of bytes.
///
/// `Export` is itself a [`Stream`] of `Result<Bytes, Error>` chunks (a transport failure is
/// [`Error::Connection`], a silence longer than the client's stream idle timeout is
/// [`Error::IdleTimeout`]), so a command-line tool can show progress against
/// [`content_length`](Self::content_length). Or save it with [`save_to`](Self::save_to),
/// [`save_to_with_progress`](Self::save_to_with_progress) or [`save_in`](Self::save_in).
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::TryStreamExt;
///
/// let mut export = client.chatbot("b5c4…").export_records().await?;
/// let total = export.content_length();
/// let mut received = 0;
/// while let Some(chunk) = export.try_next().await? {
///     received += chunk.len() as u64;
///     println!("{received} of {total:?} bytes");
/// }
/// # Ok(()) }
/// ```
#[must_use = "the body is not downloaded until the export is read or saved"]
pub struct Export {
    status: StatusCode,
    headers: HeaderMap,
    file_name: Option<String>,
    chatbot: String,
    body: BoxStream<'static, Result<Bytes, Error>>,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("status", &self.status)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type())
            .field("content_length", &self.content_length())
            .finish_non_exhaustive()
    }
}

impl Export {
    /// The HTTP status of the answer (a success).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The file name the server gives in `Content-Disposition`: the RFC 5987 `filename*` when
    /// present, else `filename`. For safety it is a bare name: any directory part is removed,
    /// and so are control characters, leading dots and characters Windows refuses (replaced
    /// with `_`); it is at most 255 bytes long.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The name [`save_in`](Self::save_in) uses: [`file_name`](Self::file_name), or
    /// `records-<chatbot>.xlsx` when the server gives none.
    pub fn suggested_file_name(&self) -> String {
        match &self.file_name {
            Some(name) => name.clone(),
            None => sanitize_file_name(&format!("records-{}.xlsx", self.chatbot))
                .unwrap_or_else(|| "records.xlsx".to_string()),
        }
    }

    /// The `Content-Type` header, when present.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }

    /// The size of the body in bytes (`Content-Length`), when the server says.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The whole body, in memory.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let mut out = BytesMut::with_capacity(
            self.content_length().unwrap_or(0).min(64 * 1024 * 1024) as usize,
        );
        while let Some(chunk) = self.body.next().await {
            out.extend_from_slice(&chunk?);
        }
        check_length(out.len() as u64, self.content_length())?;
        Ok(out.freeze())
    }

    /// Saves the body to `path`, atomically; returns the number of bytes written.
    ///
    /// The body goes to a temporary file in the same directory, which is synced to disk and
    /// then renamed to `path`, replacing any file there. If the download fails or is
    /// cancelled, the temporary file is removed and `path` is left as it was. On Unix the file
    /// is readable and writable by its owner only (mode 0600).
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let export = client.chatbot("b5c4…").export_records().await?;
    /// let written = export.save_to("records.xlsx").await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_to(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        self.save_to_with_progress(path, |_, _| {}).await
    }

    /// Like [`save_to`](Self::save_to), calling `progress(written, total)` once before the
    /// first byte and after every chunk written; `total` is the
    /// [`content_length`](Self::content_length).
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let export = client.chatbot("b5c4…").export_records().await?;
    /// export
    ///     .save_to_with_progress("records.xlsx", |written, total| match total {
    ///         Some(total) => eprint!("\r{written} / {total} bytes"),
    ///         None => eprint!("\r{written} bytes"),
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_to_with_progress<F>(
        mut self,
        path: impl AsRef<Path>,
        mut progress: F,
    ) -> Result<u64, Error>
    where
        F: FnMut(u64, Option<u64>),
    {
        let path = path.as_ref().to_path_buf();
        let Some(name) = path.file_name() else {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} names no file", path.display()),
            )));
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = name.to_string_lossy().into_owned();
        let temp_dir = dir.clone();
        let (file, temp_path) =
            tokio::task::spawn_blocking(move || PartFile::create(&temp_dir, &name))
                .await
                .map_err(join_error)??;
        // From here on, dropping `temp_path` (on an error, or when this future is dropped)
        // removes the temporary file.
        let mut file = tokio::fs::File::from_std(file);
        let total = self.content_length();
        let mut written = 0u64;
        progress(0, total);
        let result: Result<(), Error> = async {
            while let Some(chunk) = self.body.next().await {
                let chunk = chunk?;
                file.write_all(&chunk).await?;
                written += chunk.len() as u64;
                progress(written, total);
            }
            check_length(written, total)?;
            file.flush().await?;
            file.sync_all().await?;
            Ok(())
        }
        .await;
        // Wait for any write still in flight before the file is closed (and, on error, removed).
        drop(file.into_std().await);
        result?;
        tokio::task::spawn_blocking(move || -> io::Result<()> {
            temp_path.persist(&path)?;
            #[cfg(unix)]
            if let Ok(dir) = std::fs::File::open(&dir) {
                // Best effort: make the rename itself durable.
                let _ = dir.sync_all();
            }
            Ok(())
        })
        .await
        .map_err(join_error)??;
        Ok(written)
    }

    /// Saves the body in the directory `dir` under [`suggested_file_name`](Self::suggested_file_name)
    /// (the server's name, or `records-<chatbot>.xlsx`), atomically as
    /// [`save_to`](Self::save_to) does, replacing any file of that name; returns the path
    /// written. The directory must exist.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let export = client.chatbot("b5c4…").export_records().await?;
    /// let path = export.save_in(".").await?;
    /// println!("saved {}", path.display());
    /// # Ok(()) }
    /// ```
    pub async fn save_in(self, dir: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let path = dir.as_ref().join(self.suggested_file_name());
        self.save_to(&path).await?;
        Ok(path)
    }
}

impl Stream for Export {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.body.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.body.size_hint()
    }
}

fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Io(io::Error::other(e))
}

/// A body shorter or longer than its `Content-Length` is an error.
fn check_length(received: u64, expected: Option<u64>) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != received => Err(Error::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the export ended after {received} of {expected} bytes"),
        ))),
        _ => Ok(()),
    }
}

/// The body as our stream: transport errors as [`Error::Connection`], a silence longer than
/// `idle` as [`Error::IdleTimeout`]; it ends after the first error.
fn body_stream<S>(inner: S, idle: Duration) -> BoxStream<'static, Result<Bytes, Error>>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Send + Unpin + 'static,
{
    stream::unfold(Some(inner), move |state| async move {
        let mut inner = state?;
        match tokio::time::timeout(idle, inner.next()).await {
            Err(_) => Some((Err(Error::IdleTimeout { after: idle }), None)),
            Ok(None) => None,
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(inner))),
            Ok(Some(Err(e))) => Some((Err(Error::from_transport(e)), None)),
        }
    })
    .fuse()
    .boxed()
}

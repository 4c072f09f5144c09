//! A streaming reader of `multipart/form-data` bodies, for the mock's storage endpoint.
//!
//! Text fields are read whole (up to [`MAX_FIELD`] bytes); file parts are counted, not kept, so
//! that a gigabyte upload costs the mock no memory.

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use memchr::memmem;
use std::pin::Pin;

/// The largest text field read.
const MAX_FIELD: usize = 1024 * 1024;
/// The largest header block of one part.
const MAX_HEADERS: usize = 16 * 1024;

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// A text field.
    Field {
        /// Its name.
        name: String,
        /// Its value.
        value: String,
    },
    /// A file, counted.
    File {
        /// The field's name.
        name: String,
        /// The file name sent with it.
        filename: String,
        /// Its `Content-Type`, if sent.
        content_type: Option<String>,
        /// Its size in bytes.
        size: u64,
    },
}

/// Why a body is not a well-formed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

/// Reads the parts of a form one at a time.
pub(crate) struct FormReader {
    body: BodyStream,
    buf: BytesMut,
    delimiter: Vec<u8>,
    started: bool,
    ended: bool,
    finished: bool,
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

impl FormReader {
    /// A reader of `body`, whose parts are separated by `boundary`.
    pub(crate) fn new<S, E>(body: S, boundary: &str) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let mut buf = BytesMut::new();
        // A leading CRLF makes the first delimiter look like every other one.
        buf.extend_from_slice(b"\r\n");
        Self {
            body: Box::pin(body.map(|r| r.map_err(|e| e.to_string()))),
            buf,
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            started: false,
            ended: false,
            finished: false,
        }
    }

    /// Reads more of the body into the buffer; false at its end.
    async fn fill(&mut self) -> Result<bool, Malformed> {
        if self.ended {
            return Ok(false);
        }
        match self.body.next().await {
            Some(Ok(chunk)) => {
                self.buf.extend_from_slice(&chunk);
                Ok(true)
            }
            Some(Err(e)) => Err(Malformed(format!("the body broke off: {e}"))),
            None => {
                self.ended = true;
                Ok(false)
            }
        }
    }

    /// Consumes data up to the next delimiter, handing it to `sink`, then the delimiter itself.
    async fn read_until_delimiter(
        &mut self,
        mut sink: impl FnMut(&[u8]) -> Result<(), Malformed>,
    ) -> Result<(), Malformed> {
        let finder = memmem::Finder::new(&self.delimiter).into_owned();
        loop {
            if let Some(at) = finder.find(&self.buf) {
                sink(&self.buf[..at])?;
                self.buf.advance(at + self.delimiter.len());
                return Ok(());
            }
            let keep = self.delimiter.len() - 1;
            if self.buf.len() > keep {
                let take = self.buf.len() - keep;
                sink(&self.buf[..take])?;
                self.buf.advance(take);
            }
            if !self.fill().await? {
                return Err(Malformed("the body ended inside a part".into()));
            }
        }
    }

    async fn need(&mut self, n: usize) -> Result<(), Malformed> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(Malformed("the body ended early".into()));
            }
        }
        Ok(())
    }

    /// The next part, or `None` after the closing delimiter.
    pub(crate) async fn next_part(&mut self) -> Result<Option<Part>, Malformed> {
        if self.finished {
            return Ok(None);
        }
        if !self.started {
            // The first call: skip any preamble up to the first delimiter.
            self.started = true;
            self.read_until_delimiter(|_| Ok(())).await?;
        }
        self.need(2).await?;
        if &self.buf[..2] == b"--" {
            self.finished = true;
            return Ok(None);
        }
        if &self.buf[..2] != b"\r\n" {
            return Err(Malformed(
                "a delimiter is not followed by a line break".into(),
            ));
        }
        self.buf.advance(2);
        let headers = loop {
            if let Some(at) = memmem::find(&self.buf, b"\r\n\r\n") {
                let headers = String::from_utf8_lossy(&self.buf[..at]).into_owned();
                self.buf.advance(at + 4);
                break headers;
            }
            if self.buf.len() > MAX_HEADERS {
                return Err(Malformed("a part's headers are too long".into()));
            }
            if !self.fill().await? {
                return Err(Malformed("the body ended inside a part's headers".into()));
            }
        };
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(value, "name");
                filename = param(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_string());
            }
        }
        let name = name.ok_or_else(|| Malformed("a part has no name".into()))?;
        match filename {
            Some(filename) => {
                let mut size = 0u64;
                self.read_until_delimiter(|data| {
                    size += data.len() as u64;
                    Ok(())
                })
                .await?;
                Ok(Some(Part::File {
                    name,
                    filename,
                    content_type,
                    size,
                }))
            }
            None => {
                let mut value = Vec::new();
                self.read_until_delimiter(|data| {
                    if value.len() + data.len() > MAX_FIELD {
                        return Err(Malformed("a text field is too long".into()));
                    }
                    value.extend_from_slice(data);
                    Ok(())
                })
                .await?;
                Ok(Some(Part::Field {
                    name,
                    value: String::from_utf8_lossy(&value).into_owned(),
                }))
            }
        }
    }
}

/// The value of `key="value"` (or `key=value`) in a header's parameters.
fn param(header: &str, key: &str) -> Option<String> {
    for p in header.split(';').skip(1) {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case(key) {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::multipart::Framing;
    use futures::stream;

    async fn parts_of(chunk_size: usize) -> Vec<Part> {
        let framing = Framing::new(
            [
                ("key", "media/a.bin"),
                ("policy", "e30="),
                ("x-amz-signature", "s"),
            ],
            "file",
            "a.bin",
            "application/octet-stream",
            10_000,
        );
        let boundary = boundary(&framing.content_type()).unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let file = stream::iter(vec![Ok(Bytes::from(data))]);
        let body: Vec<Bytes> = framing.body(file).map(|r| r.unwrap()).collect().await;
        let whole = body.concat();
        let chunks: Vec<Result<Bytes, String>> = whole
            .chunks(chunk_size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut reader = FormReader::new(stream::iter(chunks), &boundary);
        let mut parts = Vec::new();
        while let Some(part) = reader.next_part().await.unwrap() {
            parts.push(part);
        }
        parts
    }

    #[tokio::test]
    async fn fields_then_the_counted_file_whatever_the_chunking() {
        for chunk_size in [1, 7, 64, 100_000] {
            let parts = parts_of(chunk_size).await;
            assert_eq!(parts.len(), 4, "chunks of {chunk_size}");
            assert_eq!(
                parts[0],
                Part::Field {
                    name: "key".into(),
                    value: "media/a.bin".into()
                }
            );
            assert!(matches!(&parts[2], Part::Field { name, .. } if name == "x-amz-signature"));
            assert_eq!(
                parts[3],
                Part::File {
                    name: "file".into(),
                    filename: "a.bin".into(),
                    content_type: Some("application/octet-stream".into()),
                    size: 10_000,
                }
            );
        }
    }

    #[tokio::test]
    async fn a_body_without_its_closing_delimiter_is_malformed() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nvalue";
        let mut reader =
            FormReader::new(stream::iter(vec![Ok::<_, String>(Bytes::from(body))]), "b");
        assert!(reader.next_part().await.is_err());
    }

    #[test]
    fn boundaries_of_content_types() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }
}

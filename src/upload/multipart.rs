//! A `multipart/form-data` body streamed from its source, with an exact `Content-Length`.
//!
//! Storage services (S3 and compatible stores) reject a presigned POST sent with chunked
//! transfer encoding and want the file as the last part of the form, so the body is built as:
//! one chunk with every text field (in the order given) and the file part's headers, then the
//! file's bytes as they are read, then the closing boundary. Its length is known before the first
//! byte is sent.

use bytes::Bytes;
use futures::stream::{self, Stream, StreamExt};
use std::io;

/// The framing of a form whose last part is a file of a known size.
#[derive(Debug, Clone)]
pub(crate) struct Framing {
    boundary: String,
    head: Bytes,
    tail: Bytes,
    file_len: u64,
}

impl Framing {
    /// The framing of `fields` (in order) followed by the file part `file_field`.
    pub(crate) fn new<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
        file_field: &str,
        filename: &str,
        content_type: &str,
        file_len: u64,
    ) -> Self {
        let boundary = format!(
            "maiagent-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let mut head = String::new();
        for (name, value) in fields {
            head.push_str("--");
            head.push_str(&boundary);
            head.push_str("\r\nContent-Disposition: form-data; name=\"");
            head.push_str(&escape(name));
            head.push_str("\"\r\n\r\n");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("--");
        head.push_str(&boundary);
        head.push_str("\r\nContent-Disposition: form-data; name=\"");
        head.push_str(&escape(file_field));
        head.push_str("\"; filename=\"");
        head.push_str(&escape(filename));
        head.push_str("\"\r\nContent-Type: ");
        head.push_str(&escape(content_type));
        head.push_str("\r\n\r\n");
        let tail = format!("\r\n--{boundary}--\r\n");
        Self {
            boundary,
            head: Bytes::from(head),
            tail: Bytes::from(tail),
            file_len,
        }
    }

    /// The `Content-Type` header of the body.
    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The exact length of the whole body, in bytes.
    pub(crate) fn content_length(&self) -> u64 {
        self.head.len() as u64 + self.file_len + self.tail.len() as u64
    }

    /// The whole body: the head, the file's chunks, the tail. A file that yields more or fewer
    /// bytes than announced ends the body with an error instead of sending a malformed form.
    pub(crate) fn body<S>(self, file: S) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        enum Stage {
            Head,
            File,
            Done,
        }
        let state = (Stage::Head, Box::pin(file), 0u64, self);
        stream::unfold(state, |(stage, mut file, seen, framing)| async move {
            match stage {
                Stage::Head => {
                    let head = framing.head.clone();
                    Some((Ok(head), (Stage::File, file, seen, framing)))
                }
                Stage::File => match file.next().await {
                    Some(Ok(chunk)) => {
                        let seen = seen + chunk.len() as u64;
                        if seen > framing.file_len {
                            let err = length_error(framing.file_len, seen, "more");
                            Some((Err(err), (Stage::Done, file, seen, framing)))
                        } else {
                            Some((Ok(chunk), (Stage::File, file, seen, framing)))
                        }
                    }
                    Some(Err(e)) => Some((Err(e), (Stage::Done, file, seen, framing))),
                    None if seen != framing.file_len => {
                        let err = length_error(framing.file_len, seen, "fewer");
                        Some((Err(err), (Stage::Done, file, seen, framing)))
                    }
                    None => {
                        let tail = framing.tail.clone();
                        Some((Ok(tail), (Stage::Done, file, seen, framing)))
                    }
                },
                Stage::Done => None,
            }
        })
    }
}

fn length_error(expected: u64, got: u64, which: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the file yielded {which} bytes than its announced size ({got} instead of {expected})"
        ),
    )
}

/// Escapes a name for a quoted header parameter, as browsers do: `"` and line breaks are
/// percent-encoded so that they cannot end the parameter or the header.
fn escape(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    async fn collect(framing: Framing, chunks: Vec<&'static [u8]>) -> io::Result<Vec<u8>> {
        let file = stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c))));
        let parts: Vec<Bytes> = framing.body(file).try_collect().await?;
        Ok(parts.concat())
    }

    #[tokio::test]
    async fn fields_in_order_then_the_file_last_with_the_exact_length() {
        let framing = Framing::new(
            [
                ("key", "media/a.png"),
                ("policy", "e30="),
                ("x-amz-signature", "abc"),
            ],
            "file",
            "a \"b\".png",
            "image/png",
            5,
        );
        let length = framing.content_length();
        let boundary = framing
            .content_type()
            .split("boundary=")
            .nth(1)
            .unwrap()
            .to_string();
        let body = collect(framing, vec![b"he", b"llo"]).await.unwrap();
        assert_eq!(body.len() as u64, length);
        let text = String::from_utf8(body).unwrap();
        let key = text.find("name=\"key\"").unwrap();
        let policy = text.find("name=\"policy\"").unwrap();
        let signature = text.find("name=\"x-amz-signature\"").unwrap();
        let file = text
            .find("name=\"file\"; filename=\"a %22b%22.png\"")
            .unwrap();
        assert!(key < policy && policy < signature && signature < file);
        assert!(text.contains("Content-Type: image/png\r\n\r\nhello\r\n"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }

    #[tokio::test]
    async fn a_file_shorter_or_longer_than_announced_is_an_error() {
        let short = Framing::new([("key", "k")], "file", "f", "text/plain", 10);
        let err = collect(short, vec![b"abc"]).await.unwrap_err();
        assert!(err.to_string().contains("fewer bytes"), "{err}");
        let long = Framing::new([("key", "k")], "file", "f", "text/plain", 2);
        let err = collect(long, vec![b"abc"]).await.unwrap_err();
        assert!(err.to_string().contains("more bytes"), "{err}");
    }

    #[tokio::test]
    async fn an_empty_file_is_a_valid_form() {
        let framing = Framing::new([("key", "k")], "file", "empty.txt", "text/plain", 0);
        let length = framing.content_length();
        let body = collect(framing, vec![]).await.unwrap();
        assert_eq!(body.len() as u64, length);
    }
}

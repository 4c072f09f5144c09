//! Reading a response body with a bound, and decoding it as JSON.

use crate::Error;
use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use serde::de::DeserializeOwned;
use std::future::Future;

/// Reads the whole body of `response`, failing with [`Error::ResponseTooLarge`] as soon as it
/// (or its `Content-Length`) exceeds `limit` bytes: memory stays bounded by the limit whatever
/// the server sends.
///
/// Not an `async fn`: the response is turned into its body stream before the future is made,
/// so the future holds the stream alone (an `async fn` keeps its arguments, here the whole
/// response with its headers, in every state).
pub(crate) fn read_limited(
    response: reqwest::Response,
    limit: u64,
) -> impl Future<Output = Result<Bytes, Error>> {
    let announced = response.content_length();
    let chunks = response.bytes_stream();
    async move {
        if let Some(length) = announced {
            if length > limit {
                return Err(Error::ResponseTooLarge {
                    limit,
                    received: 0,
                    announced: Some(length),
                });
            }
        }
        let expected = announced.unwrap_or(0).min(limit);
        read_chunks(std::pin::pin!(chunks), limit, expected).await
    }
}

/// The chunks of a body, `limit` bytes at most; `expected` is the announced length.
async fn read_chunks(
    mut chunks: std::pin::Pin<&mut impl futures::Stream<Item = reqwest::Result<Bytes>>>,
    limit: u64,
    expected: u64,
) -> Result<Bytes, Error> {
    // A body that arrives in one chunk (most JSON answers) is kept as that chunk, not copied.
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    let mut received: u64 = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(Error::from_transport)?;
        received = received.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if received > limit {
            return Err(Error::ResponseTooLarge {
                limit,
                received,
                announced: None,
            });
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            earlier => {
                if let Some(earlier) = earlier {
                    let wanted = usize::try_from(expected)
                        .unwrap_or(0)
                        .max(earlier.len().saturating_add(chunk.len()));
                    body.reserve(wanted);
                    body.extend_from_slice(&earlier);
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}

/// How a call reads its JSON response (16 bytes: it is kept in the future of every call).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// The most bytes the body may have.
    pub(crate) limit: u64,
    /// The operation (`None`: a raw request), which a decoding error names.
    pub(crate) operation: Option<crate::Operation>,
    /// How many items a page's list should hold ([`Request::page_len`](super::Request)).
    pub(crate) page_len: Option<std::num::NonZeroU32>,
}

impl Reading {
    /// The reading of `request`'s answer, at most `limit` bytes.
    pub(crate) fn of(request: &super::Request, limit: u64) -> Self {
        Self {
            limit,
            operation: request.operation,
            page_len: request.page_len,
        }
    }

    /// Decodes `bytes` as the response.
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, Error> {
        let what = super::name_of(self.operation);
        crate::wire::expecting_page_len(self.page_len, || decode(bytes, what))
    }
}

/// Reads and decodes a JSON response; a decoding error names the failing field.
pub(crate) async fn read_json<T: DeserializeOwned>(
    mut response: reqwest::Response,
    reading: Reading,
) -> Result<crate::Response<T>, Error> {
    let status = response.status();
    // The headers are moved out, not cloned: reading the body does not need them (the
    // length comes from the body itself).
    let headers = std::mem::take(response.headers_mut());
    let bytes = read_limited(response, reading.limit).await?;
    let value = reading.decode(&bytes)?;
    Ok(crate::Response::new(value, status, headers))
}

/// Reads and decodes a JSON response into a box: the value then moves through the call's
/// layers as a pointer, not as the (possibly large) value itself. The decoding is mapped onto
/// the read (not awaited in a future of its own), so the response is held once.
pub(crate) fn read_json_boxed<T: DeserializeOwned>(
    response: reqwest::Response,
    reading: Reading,
) -> impl Future<Output = Result<Box<T>, Error>> {
    read_limited(response, reading.limit).map(move |bytes| reading.decode(&bytes?))
}

/// Decodes `bytes` as the response of `operation`: an empty body (204 No Content) reads as
/// `null`, which `()`, options and JSON values decode.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], operation: &str) -> Result<T, Error> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    crate::json::decode(bytes, || format!("the response of {operation}"))
}

//! Decoding a completion stream: bytes to SSE events (the `sse-stream` crate) to [`Completion`]s,
//! with a bounded event size.

use crate::types::{Completion, Id};
use crate::Error;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use serde::de::Error as _;
use sse_stream::SseByteStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// How many bytes after the final event are read so that the connection can be reused; a longer
/// tail is dropped with the connection.
const DRAIN_LIMIT: usize = 64 * 1024;
/// `drain_budget` before the final event: not draining.
const NOT_DRAINING: usize = usize::MAX;

/// Decodes a completion stream (`text/event-stream` bytes) into its events.
///
/// This is what [`ReplyStream`](super::ReplyStream) runs over the response body; it is public so
/// that a body obtained some other way (a recording, another HTTP client) can be decoded the same
/// way. Each event's `data` is one JSON [`Completion`] (`conversationId` or `conversation_id`,
/// unknown keys ignored); the stream ends after the event with `done: true`:
///
/// * comments (keep-alives), `event:`, `id:` and `retry:` fields are accepted and ignored, and
///   events without data (or with blank data) are skipped; several `data:` lines are joined with
///   `\n`; lines may end with LF, CRLF or CR; chunks may split anything, even a UTF-8 character;
/// * `data: [DONE]` is an end marker: after a `done: true` event it is ignored, and before one it
///   ends the stream successfully with a synthetic final event (`done: true`, empty content, the
///   last conversation id seen), so that every successful stream ends with exactly one
///   `done: true` item;
/// * after the final event the rest of the input is read (at most 64 KiB) and discarded;
/// * failures end the stream after one error: input that ends before the final event is
///   [`Error::StreamTruncated`] (an unterminated last event counts as not received), an event
///   larger than `max_event_size` bytes (counted on the wire: its lines, each line ending as one
///   byte) is [`Error::EventTooLarge`], data that is not a JSON completion is [`Error::InvalidEvent`],
///   and an error of the input is passed through.
///
/// Memory stays bounded by `max_event_size` plus one input chunk.
///
/// ```
/// use bytes::Bytes;
/// use futures::{stream, StreamExt};
///
/// # futures::executor::block_on(async {
/// let body = "data: {\"conversationId\":\"c1\",\"content\":\"Hel\",\"done\":false}\n\n\
///             data: {\"conversationId\":\"c1\",\"content\":\"lo\",\"done\":true}\n\n";
/// let chunks = body.as_bytes().chunks(7).map(|c| Ok(Bytes::copy_from_slice(c)));
/// let events: Vec<_> = maiagent::chatbot::completions::decode_events(stream::iter(chunks), 1 << 20)
///     .collect()
///     .await;
/// let text: String = events.iter().map(|e| e.as_ref().unwrap().content.as_str()).collect();
/// assert_eq!(text, "Hello");
/// # });
/// ```
pub fn decode_events<S>(
    bytes: S,
    max_event_size: usize,
) -> impl Stream<Item = Result<Completion, Error>> + Send + Unpin + 'static
where
    S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
{
    CompletionEvents::new(bytes.boxed(), max_event_size)
}

/// The event layer: SSE events to completions, the end marker, and the drain.
pub(crate) struct CompletionEvents {
    sse: Option<SseByteStream<SizeGuard>>,
    drain_budget: Arc<AtomicUsize>,
    draining: bool,
    received: usize,
    conversation_id: Option<Id>,
}

impl CompletionEvents {
    pub(crate) fn new(
        bytes: BoxStream<'static, Result<Bytes, Error>>,
        max_event_size: usize,
    ) -> Self {
        let drain_budget = Arc::new(AtomicUsize::new(NOT_DRAINING));
        let guard = SizeGuard {
            inner: bytes,
            limit: max_event_size,
            pending: 0,
            at_line_start: true,
            after_cr: false,
            failed: false,
            drain_budget: drain_budget.clone(),
        };
        Self {
            sse: Some(SseByteStream::new(guard)),
            drain_budget,
            draining: false,
            received: 0,
            conversation_id: None,
        }
    }

    fn start_draining(&mut self) {
        self.draining = true;
        self.drain_budget.store(DRAIN_LIMIT, Ordering::Relaxed);
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<Completion, Error>>> {
        self.sse = None;
        Poll::Ready(Some(Err(error)))
    }

    /// The completion an SSE event carries, if any.
    fn on_event(&mut self, data: &str) -> Option<Result<Completion, Error>> {
        // A JSON object (every completion) is neither blank nor the end marker: only other data
        // needs trimming.
        let trimmed = if data.as_bytes().first() == Some(&b'{') {
            data
        } else {
            data.trim()
        };
        if trimmed.is_empty() {
            return None;
        }
        if trimmed == "[DONE]" {
            self.start_draining();
            return Some(Ok(Completion {
                conversation_id: self.conversation_id.clone(),
                done: true,
                ..Completion::default()
            }));
        }
        match serde_json::from_str::<Completion>(data) {
            Ok(completion) => {
                self.received += 1;
                if let Some(id) = &completion.conversation_id {
                    // Every event repeats the id: copy it only when it changes.
                    if self.conversation_id.as_ref() != Some(id) {
                        self.conversation_id = Some(id.clone());
                    }
                }
                if completion.done {
                    self.start_draining();
                }
                Some(Ok(completion))
            }
            Err(source) => Some(Err(Error::InvalidEvent {
                data: crate::error::snippet(data.as_bytes()),
                source,
            })),
        }
    }
}

impl Stream for CompletionEvents {
    type Item = Result<Completion, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Some(sse) = this.sse.as_mut() else {
                return Poll::Ready(None);
            };
            let next = ready!(sse.poll_next_unpin(cx));
            if this.draining {
                // Everything after the final event is read and dropped; its errors do not matter.
                if !matches!(next, Some(Ok(_))) {
                    this.sse = None;
                }
                continue;
            }
            match next {
                None => {
                    let received = this.received;
                    return this.fail(Error::StreamTruncated { received });
                }
                Some(Err(e)) => return this.fail(sse_error(e)),
                Some(Ok(event)) => match event.data.as_deref().and_then(|d| this.on_event(d)) {
                    None => continue,
                    Some(Ok(completion)) => return Poll::Ready(Some(Ok(completion))),
                    Some(Err(e)) => return this.fail(e),
                },
            }
        }
    }
}

fn sse_error(e: sse_stream::Error) -> Error {
    match e {
        sse_stream::Error::Body(source) => match source.downcast::<Error>() {
            Ok(ours) => *ours,
            Err(other) => invalid(&other.to_string()),
        },
        sse_stream::Error::Utf8Parse(e) => invalid(&format!("the event stream is not UTF-8: {e}")),
        other => invalid(&other.to_string()),
    }
}

fn invalid(message: &str) -> Error {
    Error::InvalidEvent {
        data: String::new(),
        source: serde_json::Error::custom(message),
    }
}

/// Passes the bytes on, failing once more than `limit` bytes arrive without an event boundary
/// (a blank line), so that the SSE decoder, which buffers an event whole, stays bounded. After
/// the final event it ends the input once the drain budget is spent.
pub(crate) struct SizeGuard {
    inner: BoxStream<'static, Result<Bytes, Error>>,
    limit: usize,
    /// Bytes since the last blank line.
    pending: usize,
    at_line_start: bool,
    after_cr: bool,
    /// The limit was exceeded past the start of the last chunk passed on: fail next.
    failed: bool,
    drain_budget: Arc<AtomicUsize>,
}

impl SizeGuard {
    /// Follows the lines of `chunk`; returns the offset of the line piece that takes the
    /// pending event over the limit, if one does.
    ///
    /// When the whole chunk cannot take the pending event over the limit, only the state at its
    /// end matters, and that depends only on the bytes after the chunk's last blank line that
    /// follows a line's text: the lines before it are skipped.
    fn scan(&mut self, chunk: &[u8]) -> Option<usize> {
        if self.pending.saturating_add(chunk.len()) <= self.limit {
            if let Some(start) = last_boundary_run(chunk) {
                // `start` follows a line's text and begins a run of line endings that holds a
                // blank line, which resets `pending`: the base does not matter.
                self.pending = 0;
                self.at_line_start = false;
                self.after_cr = false;
                let over = self.scan_exact(&chunk[start..]);
                debug_assert!(over.is_none());
                return over.map(|at| at + start);
            }
        }
        self.scan_exact(chunk)
    }

    fn scan_exact(&mut self, chunk: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < chunk.len() {
            let rest = &chunk[at..];
            let end = memchr::memchr2(b'\n', b'\r', rest);
            let text = end.unwrap_or(rest.len());
            if text > 0 {
                self.at_line_start = false;
                self.after_cr = false;
                self.pending += text;
            }
            if let Some(end) = end {
                if rest[end] == b'\n' && self.after_cr {
                    // The LF of a CRLF whose CR ended the line already.
                    self.after_cr = false;
                } else {
                    self.after_cr = rest[end] == b'\r';
                    if self.at_line_start {
                        // A blank line: the event ends here.
                        self.pending = 0;
                    } else {
                        self.pending += 1;
                        self.at_line_start = true;
                    }
                }
            }
            if self.pending > self.limit {
                return Some(at);
            }
            at += end.map_or(text, |end| end + 1);
        }
        None
    }
}

impl Stream for SizeGuard {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(Some(Err(Error::EventTooLarge { limit: this.limit })));
        }
        let chunk = match ready!(this.inner.poll_next_unpin(cx)) {
            Some(Ok(chunk)) => chunk,
            other => return Poll::Ready(other),
        };
        let budget = this.drain_budget.load(Ordering::Relaxed);
        if budget != NOT_DRAINING {
            if chunk.len() > budget {
                return Poll::Ready(None);
            }
            this.drain_budget
                .store(budget - chunk.len(), Ordering::Relaxed);
        }
        match this.scan(&chunk) {
            None => Poll::Ready(Some(Ok(chunk))),
            // The events before the oversized one are still delivered; the error comes next.
            Some(0) => Poll::Ready(Some(Err(Error::EventTooLarge { limit: this.limit }))),
            Some(at) => {
                this.failed = true;
                Poll::Ready(Some(Ok(chunk.slice(..at))))
            }
        }
    }
}

/// The start of the last run of line-ending bytes of `chunk` that follows a line's text (a byte
/// that is not CR or LF) and holds a blank line (two line endings: any run of two or more bytes
/// but a lone CRLF).
fn last_boundary_run(chunk: &[u8]) -> Option<usize> {
    let is_end = |b: u8| b == b'\n' || b == b'\r';
    let mut end = chunk.len();
    while let Some(last) = memchr::memrchr2(b'\n', b'\r', &chunk[..end]) {
        let mut start = last;
        while start > 0 && is_end(chunk[start - 1]) {
            start -= 1;
        }
        let run = &chunk[start..=last];
        if start > 0 && run.len() >= 2 && run != b"\r\n" {
            return Some(start);
        }
        end = start;
    }
    None
}

//! Decoding a completion stream: bytes to [`Completion`]s, through the [`EventDecoder`] state
//! machine, with a bounded event size.

use super::events::EventDecoder;
use crate::types::Completion;
use crate::Error;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Decodes a completion stream (`text/event-stream` bytes) into its events.
///
/// This is what [`ReplyStream`](super::ReplyStream) runs over the response body; it is public so
/// that a body obtained some other way (a recording, another HTTP client) can be decoded the same
/// way. Each event's `data` is one JSON [`Completion`] (`conversationId` or `conversation_id`,
/// unknown keys ignored); the stream ends after the event with `done: true`:
///
/// * comments (keep-alives), `event:`, `id:` and `retry:` fields (any field but `data`) are
///   accepted and ignored, and events without data (or with blank data) are skipped; several
///   `data:` lines are joined with `\n`; lines may end with LF, CRLF or CR; a byte order mark
///   at the start is dropped; chunks may split anything, even a UTF-8 character;
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
/// Memory stays bounded by `max_event_size` plus one input chunk. An event whose `data` line
/// lies within one chunk is decoded straight from that chunk, without a copy; only events split
/// across chunks (and multi-line data) are put together in a buffer, reused from event to event.
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
    DecodeEvents {
        input: bytes.boxed(),
        decoder: EventDecoder::new(max_event_size),
    }
}

/// [`decode_events`]: the decoder driven by a stream of chunks.
struct DecodeEvents {
    input: BoxStream<'static, Result<Bytes, Error>>,
    decoder: EventDecoder,
}

impl Stream for DecodeEvents {
    type Item = Result<Completion, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let input = &mut this.input;
        this.decoder
            .poll_next_event(cx, |cx| input.poll_next_unpin(cx))
    }
}

//! [`ReplyStream`]: a chatbot's reply as it is written, event by event.

use super::events::EventDecoder;
use super::session::SessionState;
use crate::types::{Completion, Id};
use crate::watchdog::Alarm;
use crate::Error;
use bytes::Bytes;
use futures::stream::{BoxStream, FusedStream};
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::StatusCode;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// How long the rest of the body is read after the final event, so that the connection can be
/// reused, before the stream ends anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// A streaming reply: a [`Stream`] of [`Completion`] events whose `content` are text deltas; the
/// last one has `done: true` (and may carry `citations`).
///
/// The stream ends (yields `None`) after the final event, or after its first error:
/// [`Error::StreamTruncated`] when the body ends before the final event, [`Error::IdleTimeout`],
/// [`Error::Connection`], [`Error::EventTooLarge`] or [`Error::InvalidEvent`]. It is never
/// retried once the response has arrived. Dropping it closes the connection.
///
/// ```no_run
/// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
/// use futures::StreamExt;
///
/// let mut stream = client.chatbot("a1b2").stream("你好").await?;
/// println!("request id: {:?}", stream.headers().get("x-request-id"));
/// while let Some(event) = stream.next().await {
///     print!("{}", event?.content);
/// }
/// println!("\n(conversation {:?})", stream.conversation_id());
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing unless polled"]
pub struct ReplyStream {
    status: StatusCode,
    headers: HeaderMap,
    /// `None` once the stream has ended.
    body: Option<Body>,
    decoder: Decoder,
    session: Option<SessionState>,
    conversation_id: Option<Id>,
    received: usize,
    done: bool,
    drain_deadline: Option<Alarm>,
}

/// How the body becomes events: the event stream decoder, or the one event of a whole JSON
/// answer (at most `limit` bytes; `None` once it has been returned).
enum Decoder {
    Sse(EventDecoder),
    Whole { json: Option<Vec<u8>>, limit: usize },
}

impl std::fmt::Debug for ReplyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyStream")
            .field("status", &self.status)
            .field("conversation_id", &self.conversation_id)
            .field("received", &self.received)
            .field("done", &self.done)
            .field("finished", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

impl ReplyStream {
    /// Decodes a successful response: an event stream, or (from a server that ignores
    /// `isStreaming`) one JSON completion, which becomes the only and final event.
    pub(crate) fn new(
        response: reqwest::Response,
        idle_timeout: Duration,
        max_event_size: usize,
        session: Option<SessionState>,
    ) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let json = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        let body = Body {
            chunks: response.bytes_stream().boxed(),
            idle: idle_timeout,
            alarm: None,
            waiting: false,
        };
        let decoder = if json {
            Decoder::Whole {
                json: Some(Vec::new()),
                limit: max_event_size,
            }
        } else {
            Decoder::Sse(EventDecoder::new(max_event_size))
        };
        Self {
            status,
            headers,
            body: Some(body),
            decoder,
            session,
            conversation_id: None,
            received: 0,
            done: false,
            drain_deadline: None,
        }
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (request id, rate-limit headers, …).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The conversation id of the events so far (a new conversation's id arrives with the first
    /// event).
    pub fn conversation_id(&self) -> Option<&Id> {
        self.conversation_id.as_ref()
    }

    /// Whether the final (`done: true`) event has arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The text deltas only, without empty ones.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let mut text = client.chatbot("a1b2").stream("你好").await?.text();
    /// while let Some(delta) = text.try_next().await? {
    ///     print!("{delta}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn text(self) -> impl Stream<Item = Result<String, Error>> + Send + Unpin {
        self.try_filter_map(|c| {
            futures::future::ready(Ok((!c.content.is_empty()).then_some(c.content)))
        })
    }

    /// Reads the stream to its end and assembles the reply: the whole text, the conversation id
    /// and the citations (of the last event that carried any), with `done: true`. A stream that
    /// fails, or ends before its final event, is an error, never a partial reply.
    ///
    /// ```no_run
    /// # async fn run(client: maiagent::Client) -> Result<(), maiagent::Error> {
    /// let reply = client.chatbot("a1b2").stream("你好").await?.collect_reply().await?;
    /// println!("{} ({} citations)", reply.content, reply.citations.len());
    /// # Ok(()) }
    /// ```
    pub async fn collect_reply(mut self) -> Result<Completion, Error> {
        let mut reply = Completion::default();
        while let Some(event) = self.next().await {
            let event = event?;
            reply.content.push_str(&event.content);
            if event.conversation_id.is_some() {
                reply.conversation_id = event.conversation_id;
            }
            if !event.citations.is_empty() {
                reply.citations = event.citations;
            }
            reply.done |= event.done;
        }
        if !reply.done {
            return Err(Error::StreamTruncated {
                received: self.received,
            });
        }
        Ok(reply)
    }
}

impl Stream for ReplyStream {
    type Item = Result<Completion, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        let item = match &mut this.decoder {
            Decoder::Sse(decoder) => {
                let item = ready!(poll_events(decoder, body, &mut this.drain_deadline, cx));
                // The decoder compares each event's id with the last one already.
                if let Some(id) = decoder.new_conversation_id() {
                    remember(&mut this.conversation_id, this.session.as_ref(), id);
                }
                item
            }
            Decoder::Whole { json, limit } => {
                let item = ready!(poll_whole(json, *limit, body, cx));
                if let Some(Ok(Completion {
                    conversation_id: Some(id),
                    ..
                })) = &item
                {
                    remember(&mut this.conversation_id, this.session.as_ref(), id);
                }
                item
            }
        };
        // Looked at in place: the event is moved once, into the result.
        match &item {
            Some(Ok(event)) => {
                this.received += 1;
                this.done = event.done;
            }
            Some(Err(_)) | None => this.body = None,
        }
        Poll::Ready(item)
    }
}

/// A new conversation id: the stream's, and the session's if there is one.
fn remember(conversation_id: &mut Option<Id>, session: Option<&SessionState>, id: &Id) {
    *conversation_id = Some(id.clone());
    if let Some(session) = session {
        session.set(id.clone());
    }
}

impl FusedStream for ReplyStream {
    fn is_terminated(&self) -> bool {
        self.body.is_none()
    }
}

/// The next event of an event stream: chunks of the body go through the decoder until it has an
/// event. After the final event the rest of the body is read (the decoder bounds how much) for a
/// short while at most, so that the connection can be reused.
fn poll_events(
    decoder: &mut EventDecoder,
    body: &mut Body,
    drain_deadline: &mut Option<Alarm>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Completion, Error>>> {
    match decoder.poll_next_event(cx, |cx| body.poll_chunk(cx)) {
        Poll::Pending if decoder.is_draining() => {
            let deadline = drain_deadline.get_or_insert_with(|| {
                // A clock that cannot count one more second ends the drain at once.
                let at = crate::deadline::timeout_after(DRAIN_TIMEOUT);
                Alarm::at(at.unwrap_or_else(std::time::Instant::now))
            });
            match deadline.poll(cx) {
                Poll::Ready(()) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        }
        other => other,
    }
}

/// The one event of a whole JSON completion (at most `limit` bytes), then the end.
fn poll_whole(
    json: &mut Option<Vec<u8>>,
    limit: usize,
    body: &mut Body,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Completion, Error>>> {
    let Some(buffer) = json.as_mut() else {
        return Poll::Ready(None);
    };
    loop {
        match ready!(body.poll_chunk(cx)) {
            Some(Ok(chunk)) => {
                if buffer.len() + chunk.len() > limit {
                    return Poll::Ready(Some(Err(Error::EventTooLarge { limit })));
                }
                buffer.extend_from_slice(&chunk);
            }
            Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            None => {
                let buffer = json.take().unwrap_or_default();
                let reply =
                    crate::json::decode::<Completion>(&buffer, || "the completion".to_string())
                        .map(|reply| Completion {
                            done: true,
                            ..reply
                        });
                return Poll::Ready(Some(reply));
            }
        }
    }
}

/// The response body, failing with [`Error::IdleTimeout`] when nothing arrives for longer than
/// `idle` while it is waited for (time the consumer spends between polls does not count). One
/// alarm, moved when the body has nothing ready, serves the whole stream.
struct Body {
    chunks: BoxStream<'static, Result<Bytes, reqwest::Error>>,
    idle: Duration,
    alarm: Option<Alarm>,
    waiting: bool,
}

impl Body {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        match self.chunks.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.waiting = false;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from_transport(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if !self.waiting {
                    self.waiting = true;
                    // `None`: an idle timeout too long for the clock (`Duration::MAX`) never fires.
                    Alarm::set(&mut self.alarm, crate::deadline::timeout_after(self.idle));
                }
                let Some(alarm) = self.alarm.as_mut() else {
                    return Poll::Pending;
                };
                ready!(alarm.poll(cx));
                Poll::Ready(Some(Err(Error::IdleTimeout { after: self.idle })))
            }
        }
    }
}

//! [`ReplyStream`]: a chatbot's reply as it is written, event by event.

use super::session::SessionState;
use super::sse::CompletionEvents;
use crate::types::{Completion, Id};
use crate::Error;
use bytes::Bytes;
use futures::stream::{BoxStream, FusedStream};
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::StatusCode;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

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
    events: Option<Events>,
    session: Option<SessionState>,
    conversation_id: Option<Id>,
    received: usize,
    done: bool,
    drain_deadline: Option<Pin<Box<Sleep>>>,
}

/// Where the events come from: the event decoder, held inline (it is polled once per event), or
/// the one event of a whole JSON answer.
// The decoder is the large variant on purpose: boxing it is what this enum avoids.
#[allow(clippy::large_enum_variant)]
enum Events {
    Sse(CompletionEvents),
    Whole(BoxStream<'static, Result<Completion, Error>>),
}

impl Events {
    fn poll_next_unpin(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Completion, Error>>> {
        match self {
            Events::Sse(events) => events.poll_next_unpin(cx),
            Events::Whole(events) => events.poll_next_unpin(cx),
        }
    }
}

impl std::fmt::Debug for ReplyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyStream")
            .field("status", &self.status)
            .field("conversation_id", &self.conversation_id)
            .field("received", &self.received)
            .field("done", &self.done)
            .field("finished", &self.events.is_none())
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
        let bytes = IdleGuard {
            inner: response.bytes_stream().boxed(),
            idle: idle_timeout,
            sleep: None,
            waiting: false,
        };
        let events = if json {
            Events::Whole(whole_json(bytes, max_event_size).boxed())
        } else {
            Events::Sse(CompletionEvents::new(bytes.boxed(), max_event_size))
        };
        Self {
            status,
            headers,
            events: Some(events),
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

    fn remember(&mut self, id: &Id) {
        if self.conversation_id.as_ref() != Some(id) {
            self.conversation_id = Some(id.clone());
            if let Some(session) = &self.session {
                session.set(id.clone());
            }
        }
    }
}

impl Stream for ReplyStream {
    type Item = Result<Completion, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(events) = this.events.as_mut() else {
            return Poll::Ready(None);
        };
        if this.done {
            // Read the rest of the body (bounded by the decoder) for a short while at most.
            let finished = match events.poll_next_unpin(cx) {
                Poll::Ready(_) => true,
                Poll::Pending => this
                    .drain_deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(DRAIN_TIMEOUT)))
                    .as_mut()
                    .poll(cx)
                    .is_ready(),
            };
            if !finished {
                return Poll::Pending;
            }
            this.events = None;
            return Poll::Ready(None);
        }
        match ready!(events.poll_next_unpin(cx)) {
            Some(Ok(event)) => {
                this.received += 1;
                if let Some(id) = &event.conversation_id {
                    this.remember(id);
                }
                this.done = event.done;
                Poll::Ready(Some(Ok(event)))
            }
            Some(Err(e)) => {
                this.events = None;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                this.events = None;
                Poll::Ready(None)
            }
        }
    }
}

impl FusedStream for ReplyStream {
    fn is_terminated(&self) -> bool {
        self.events.is_none()
    }
}

/// The response body, failing with [`Error::IdleTimeout`] when nothing arrives for longer than
/// `idle` while it is waited for (time the consumer spends between polls does not count).
struct IdleGuard {
    inner: BoxStream<'static, Result<Bytes, reqwest::Error>>,
    idle: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
    waiting: bool,
}

impl Stream for IdleGuard {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.waiting = false;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from_transport(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if !this.waiting {
                    this.waiting = true;
                    // `None`: an idle timeout too long for the clock (`Duration::MAX`) never fires.
                    match crate::deadline::deadline_after(this.idle) {
                        Some(deadline) => match this.sleep.as_mut() {
                            Some(sleep) => sleep.as_mut().reset(deadline),
                            None => this.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
                        },
                        None => this.sleep = None,
                    }
                }
                let Some(sleep) = this.sleep.as_mut() else {
                    return Poll::Pending;
                };
                ready!(sleep.as_mut().poll(cx));
                Poll::Ready(Some(Err(Error::IdleTimeout { after: this.idle })))
            }
        }
    }
}

/// A whole JSON completion (at most `limit` bytes) as a one-event stream.
fn whole_json(
    mut bytes: IdleGuard,
    limit: usize,
) -> impl Stream<Item = Result<Completion, Error>> + Send {
    futures::stream::once(async move {
        let mut body = Vec::new();
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Err(Error::EventTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        let mut reply: Completion =
            serde_json::from_slice(&body).map_err(|e| Error::decode("the completion", &body, e))?;
        reply.done = true;
        Ok(reply)
    })
}
